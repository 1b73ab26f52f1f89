// SPDX-License-Identifier: MIT
#include "backend/free_space.h"

#include <algorithm>
#include <optional>

#include "backend/db_session.h"
#include "backend/errors.h"

namespace prefixd {

namespace {

using u128 = unsigned __int128;

// Rows per round trip while walking a search prefix's top-level contents.
constexpr int kBatch = 256;

}  // namespace

std::vector<std::string> find_free_space(pqxx::transaction_base& tx, const FreeSpaceQuery& q,
                                         std::vector<FloorNote>* notes) {
  std::vector<IpPrefix> search = q.search;
  std::sort(search.begin(), search.end());
  search.erase(std::unique(search.begin(), search.end()), search.end());
  std::vector<std::string> out;
  const int want = std::max(q.count, 1);
  for (const IpPrefix& s : search) {
    if (static_cast<int>(out.size()) >= want) break;
    if (q.prefix_length < s.length || q.prefix_length > s.max_length()) continue;
    const int len = q.prefix_length;
    const u128 size = block_size(s.family, len);
    const bool single_addresses = len == s.max_length();
    // Rule 4: whole subnets keep their network and all-ones addresses
    // unless they are point-to-point (/31, /127) or single addresses.
    const bool exclude_ends = single_addresses && s.length < s.max_length() - 1;

    // Rule 1: a stored prefix equal to S blocks only the candidate S. And
    // the floor of S for this length, unless the full walk it derives from
    // is over two seconds old (migration 0015): a deletion racing with the
    // floor's writer can leave one too high, for that long at most.
    const pqxx::result head_rows = exec_cached(
        tx,
        "SELECT EXISTS (SELECT 1 FROM ip_net_plan WHERE vrf_id = $1 AND prefix = $2::cidr),"
        "       f.after::text, host(f.floor), coalesce(f.based, clock_timestamp())::text"
        "  FROM (SELECT 1) one LEFT JOIN prefixd_alloc_floor f"
        "    ON f.vrf_id = $1 AND f.space = $2::cidr AND f.length = $3"
        "   AND f.based > clock_timestamp() - interval '2 seconds'",
        {std::to_string(q.vrf_id), s.cidr_text(), std::to_string(len)});
    const pqxx::row head = head_rows[0];
    const bool s_stored = head[0].as<bool>();

    // Walk the gaps between the outermost stored prefixes strictly inside
    // S, in address order, a batch at a time: their parent is S itself when
    // S is stored, else the closest stored prefix around S (or none).
    u128 cursor = s.address;  // lowest address not yet known to be covered
    bool done = false;
    std::string after = s.cidr_text();  // S sorts below everything inside it
    if (!head[1].is_null()) {
      after = head[1].as<std::string>();
      cursor = parse_prefix(head[2].as<std::string>()).address;
    }
    const size_t found_before = out.size();
    int walked = 0;
    std::pair<std::string, u128> before_last{after, cursor};  // the walk before its latest row
    auto emit_gap = [&](u128 lo, u128 hi) {
      u128 start = (lo + size - 1) & ~(size - 1);
      if (size == 1) start = lo;
      while (!done && start >= lo && start <= hi && hi - start >= size - 1) {
        const bool excluded = exclude_ends && (start == s.address || start == s.last());
        if (!excluded && !(s_stored && len == s.length)) {
          IpPrefix c{s.family, start, len};
          out.push_back(c.inet_text());
          if (static_cast<int>(out.size()) >= want) done = true;
        }
        if (start + size - 1 == s.last() || start + size < start) break;  // end of S or of space
        start += size;
      }
    };
    // The first gap that yields a candidate is where a floor can be left:
    // the walk's state just before it.
    std::optional<FloorNote> note;
    auto gap = [&](u128 lo, u128 hi) {
      const size_t before = out.size();
      emit_gap(lo, hi);
      if (!note && before == found_before && out.size() > before) {
        note = FloorNote{s, after, IpPrefix{s.family, lo, s.max_length()}.cidr_text(),
                         head[3].as<std::string>(), walked};
      }
    };
    // The prefixes strictly inside S are the cidr values above S up to
    // last/maxlen, so each batch is a range read of the (parent_id, prefix)
    // index, or of ip_net_plan__top_level__index when nothing covers S: it
    // costs the batch, not the number of S's children.
    const std::string last = IpPrefix{s.family, s.last(), s.max_length()}.cidr_text();
    while (!done) {
      // (vrf_id + 0: containment goes through the iprange GiST index, not
      // through all of the VRF's rows in ip_net_plan__vrf_id__index.)
      static const std::string sql =
          "WITH around AS ("
          "  SELECT id FROM ip_net_plan"
          "   WHERE vrf_id + 0 = $1 AND iprange(prefix) >>= iprange($2::cidr)"
          "  ORDER BY masklen(prefix) DESC LIMIT 1)"
          " (SELECT host(prefix), masklen(prefix) FROM ip_net_plan"
          "   WHERE parent_id = (SELECT id FROM around) AND prefix > $3::cidr"
          "     AND prefix <= $4::cidr ORDER BY prefix LIMIT $5)"
          " UNION ALL"
          " (SELECT host(prefix), masklen(prefix) FROM ip_net_plan"
          "   WHERE NOT EXISTS (SELECT 1 FROM around) AND parent_id IS NULL"
          "     AND vrf_id = $1 AND prefix > $3::cidr AND prefix <= $4::cidr"
          "   ORDER BY prefix LIMIT $5)";
      const pqxx::result rows = exec_cached(
          tx, sql, {std::to_string(q.vrf_id), s.cidr_text(), after, last, std::to_string(kBatch)});
      for (const auto& row : rows) {
        const IpPrefix inner =
            parse_prefix(row[0].as<std::string>() + "/" + row[1].as<std::string>());
        if (inner.address > cursor) gap(cursor, inner.address - 1);
        if (done) break;
        ++walked;
        before_last = {after, cursor};
        if (inner.last() >= s.last()) {
          cursor = s.last();
          done = true;  // the rest of S is covered
          break;
        }
        cursor = std::max(cursor, inner.last() + 1);
        after = inner.cidr_text();
      }
      if (done) break;
      if (static_cast<int>(rows.size()) < kBatch) {
        if (cursor <= s.last()) gap(cursor, s.last());
        break;
      }
    }
    // A search prefix with no candidate left: resume at its last prefix.
    if (!note && out.size() == found_before && walked > 0) {
      note = FloorNote{s, before_last.first,
                       IpPrefix{s.family, before_last.second, s.max_length()}.cidr_text(),
                       head[3].as<std::string>(), walked};
    }
    if (note && notes != nullptr) notes->push_back(std::move(*note));
  }
  if (static_cast<int>(out.size()) > want) out.resize(want);
  return out;
}

}  // namespace prefixd
