#include "backend/free_space.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "backend/errors.h"

namespace prefixd {

namespace {

using u128 = unsigned __int128;

u128 block_size(int family, int length) {
  const int bits = (family == 4 ? 32 : 128) - length;
  return bits >= 128 ? ~u128{0} : (u128{1} << bits);  // 2^128 never needed as a size
}

u128 host_mask(int family, int length) {
  const int bits = (family == 4 ? 32 : 128) - length;
  if (bits <= 0) return 0;
  if (bits >= 128) return ~u128{0};
  return (u128{1} << bits) - 1;
}

[[noreturn]] void bad_prefix(const std::string& text) {
  throw NipapError(FaultCode::kValue, "Invalid syntax for prefix (" + text + ")");
}

// Rows per round trip while walking a search prefix's top-level contents.
constexpr int kBatch = 256;

}  // namespace

u128 IpPrefix::last() const {
  return address | host_mask(family, length);
}

bool IpPrefix::operator<(const IpPrefix& o) const {
  if (family != o.family) return family < o.family;
  if (address != o.address) return address < o.address;
  return length < o.length;
}

std::string IpPrefix::inet_text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    uint32_t v = htonl(static_cast<uint32_t>(address));
    inet_ntop(AF_INET, &v, buf, sizeof buf);
  } else {
    unsigned char bytes[16];
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(address >> (8 * (15 - i)));
    inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  }
  std::string out = buf;
  if (length != max_length()) out += "/" + std::to_string(length);
  return out;
}

std::string IpPrefix::cidr_text() const {
  std::string out = inet_text();
  if (length == max_length()) out += "/" + std::to_string(length);
  return out;
}

IpPrefix parse_prefix(const std::string& text, bool allow_host_bits) {
  IpPrefix p;
  const size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  if (addr.find(':') != std::string::npos) {
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, addr.c_str(), bytes) != 1) bad_prefix(text);
    p.family = 6;
    for (unsigned char b : bytes) p.address = (p.address << 8) | b;
  } else {
    in_addr a{};
    if (inet_pton(AF_INET, addr.c_str(), &a) != 1) bad_prefix(text);
    p.family = 4;
    p.address = ntohl(a.s_addr);
  }
  p.length = p.max_length();
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 ||
        !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      bad_prefix(text);
    }
    p.length = std::stoi(len);
    if (p.length > p.max_length()) bad_prefix(text);
  }
  if (!allow_host_bits && (p.address & host_mask(p.family, p.length)) != 0) {
    IpPrefix network = p;
    network.address &= ~host_mask(p.family, p.length);
    throw NipapError(FaultCode::kValue, "Invalid prefix " + text +
                                            ": bits are set to the right of the mask; the "
                                            "network for that mask is " +
                                            network.cidr_text());
  }
  return p;
}

std::vector<std::string> find_free_space(pqxx::transaction_base& tx, const FreeSpaceQuery& q) {
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

    // Rule 1: a stored prefix equal to S blocks only the candidate S.
    const bool s_stored = !tx.exec_params(
                                 "SELECT 1 FROM ip_net_plan WHERE vrf_id = $1 AND "
                                 "prefix = $2::cidr",
                                 q.vrf_id, s.cidr_text())
                               .empty();

    // Walk the gaps between the outermost stored prefixes strictly inside
    // S, in address order, a batch at a time: their parent is S itself when
    // S is stored, else the closest stored prefix around S (or none).
    u128 cursor = s.address;  // lowest address not yet known to be covered
    bool done = false;
    std::string after = s.cidr_text();  // S sorts below everything inside it
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
    // The prefixes strictly inside S are the cidr values above S up to
    // last/maxlen, so each batch is a range read of the (parent_id, prefix)
    // index, or of ip_net_plan__top_level__index when nothing covers S: it
    // costs the batch, not the number of S's children.
    const std::string last = IpPrefix{s.family, s.last(), s.max_length()}.cidr_text();
    while (!done) {
      // (vrf_id + 0: containment goes through the iprange GiST index, not
      // through all of the VRF's rows in ip_net_plan__vrf_id__index.)
      const char* sql =
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
      const pqxx::result rows = tx.exec_params(sql, q.vrf_id, s.cidr_text(), after, last, kBatch);
      for (const auto& row : rows) {
        const IpPrefix inner =
            parse_prefix(row[0].as<std::string>() + "/" + row[1].as<std::string>());
        if (inner.address > cursor) emit_gap(cursor, inner.address - 1);
        if (done) break;
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
        if (cursor <= s.last()) emit_gap(cursor, s.last());
        break;
      }
    }
  }
  if (static_cast<int>(out.size()) > want) out.resize(want);
  return out;
}

}  // namespace prefixd
