// SPDX-License-Identifier: MIT
#include "backend/allocator.h"

#include <algorithm>
#include <atomic>

#include "backend/errors.h"
#include "backend/free_space.h"
#include "backend/sql_text.h"

namespace prefixd {

namespace {

struct PoolRow {
  int64_t id;
  std::optional<int> default_v4, default_v6;
  std::optional<std::string> default_type;
};

enum class Caller { kFindFree, kAddPrefix };

std::atomic<uint64_t> plans_computed{0};

// Prefixes a search walks past its floor before the allocation moves it.
constexpr int kFloorEvery = 64;

PoolRow find_pool(pqxx::transaction_base& tx, const PoolRef& ref, Caller caller) {
  pqxx::result r = ref.id ? tx.exec_prepared("allocator_pool_by_id", *ref.id)
                          : tx.exec_prepared("allocator_pool_by_name", ref.name.value_or(""));
  if (r.empty()) {
    if (caller == Caller::kAddPrefix) {
      throw NipapError(FaultCode::kInput, "non-existing pool specified");
    }
    throw NipapError(FaultCode::kNonExistent, "Non-existent pool specified");
  }
  PoolRow p{r[0][0].as<int64_t>(), std::nullopt, std::nullopt, std::nullopt};
  if (!r[0][1].is_null()) p.default_v4 = r[0][1].as<int>();
  if (!r[0][2].is_null()) p.default_v6 = r[0][2].as<int>();
  if (!r[0][3].is_null()) p.default_type = r[0][3].as<std::string>();
  return p;
}

void check_length(int family, int64_t length) {
  const int max = family == 4 ? 32 : 128;
  if (length < 0 || length > max) {
    throw NipapError(FaultCode::kValue,
                     "the specified wanted prefix length argument must be between 0 and " +
                         std::to_string(max) + " for ipv" + std::to_string(family));
  }
}

// The search space and VRF of a request (allocation.md §3–§5.2).
struct Plan {
  FreeSpaceQuery query;
  bool searchable = true;  // false: nothing can be found (no default length)
  std::optional<std::string> default_type;
};

// `pool` is the pool of a from-pool request, already looked up.
Plan plan(pqxx::transaction_base& tx, VrfChoice vrf, const AllocationArgs& args,
          const std::optional<PoolRow>& pool_row, Caller caller) {
  plans_computed.fetch_add(1, std::memory_order_relaxed);
  Plan p;
  p.query.count = std::clamp(args.count, 1, 1000);
  if (args.from_pool) {
    const PoolRow& pool = *pool_row;
    p.default_type = pool.default_type;
    const int family = args.family.value_or(4);
    pqxx::result members = tx.exec_prepared("allocator_pool_members", pool.id);
    // The pool's implied VRF is its members' (model.md §4.3).
    std::optional<int64_t> implied;
    for (const auto& m : members) implied = m[0].as<int64_t>();
    if (!implied) {
      throw NipapError(FaultCode::kInput,
                       caller == Caller::kAddPrefix
                           ? std::string("No prefixes in pool")
                           : "No prefixes of family " + std::to_string(family) + " in pool");
    }
    if (vrf && *vrf != *implied) {
      throw NipapError(FaultCode::kInput, "VRF must be the same as the pools implied VRF");
    }
    p.query.vrf_id = static_cast<int>(*implied);
    for (const auto& m : members) {
      if (m[3].as<int>() == family) {
        p.query.search.push_back(
            parse_prefix(m[1].as<std::string>() + "/" + m[2].as<std::string>()));
      }
    }
    if (p.query.search.empty()) {
      throw NipapError(FaultCode::kInput,
                       "No prefixes of family " + std::to_string(family) + " in pool");
    }
    std::optional<int64_t> length = args.prefix_length;
    if (!length) {
      const auto def = family == 4 ? pool.default_v4 : pool.default_v6;
      if (def) length = *def;
    }
    if (!length) {
      p.searchable = false;  // no length to look for (allocation.md §3 step 6)
      return p;
    }
    check_length(family, *length);
    p.query.prefix_length = static_cast<int>(*length);
    return p;
  }
  const auto& texts = *args.from_prefix;
  if (texts.empty()) throw NipapError(FaultCode::kInput, "'from-prefix' must not be empty");
  for (const auto& t : texts) {
    // A search prefix with host bits set is read as its network
    // (allocation.md §5.6).
    IpPrefix s = parse_prefix(t, true);
    const int bits = s.max_length() - s.length;
    if (bits > 0) {
      const unsigned __int128 mask = bits >= 128 ? ~static_cast<unsigned __int128>(0)
                                                 : (static_cast<unsigned __int128>(1) << bits) - 1;
      s.address &= ~mask;
    }
    if (!p.query.search.empty() && p.query.search.front().family != s.family) {
      throw NipapError(FaultCode::kInput,
                       "mixing of address-family is not allowed for 'from-prefix' arg");
    }
    p.query.search.push_back(s);
  }
  check_length(p.query.search.front().family, *args.prefix_length);
  p.query.prefix_length = static_cast<int>(*args.prefix_length);
  p.query.vrf_id = static_cast<int>(vrf.value_or(0));
  return p;
}

}  // namespace

const std::vector<PreparedStatement>& allocator_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"allocator_pool_by_id",
       "SELECT id, ipv4_default_prefix_length, ipv6_default_prefix_length, default_type::text "
       "FROM ip_net_pool WHERE id = $1"},
      {"allocator_pool_by_name",
       "SELECT id, ipv4_default_prefix_length, ipv6_default_prefix_length, default_type::text "
       "FROM ip_net_pool WHERE name = $1"},
      {"allocator_pool_members",
       "SELECT vrf_id, host(prefix), masklen(prefix), family(prefix) FROM ip_net_plan "
       "WHERE pool_id = $1 ORDER BY prefix"},
      // Allocation without waiting for other allocations (0013): the pool
      // shared (its members and default lengths stay as read), then the
      // first candidate nobody is claiming.
      {"allocator_lock_pool", "SELECT prefixd_lock_pool($1, false)"},
      {"allocator_claim",
       "SELECT claimed::text, wait_key FROM prefixd_claim_prefix($1, $2::cidr[], $3::cidr[])"},
      {"allocator_wait_position", "SELECT prefixd_wait_position($1)"},
      {"allocator_wait_candidate",
       "SELECT prefixd_wait_position(prefixd_position_key($1, $2::cidr))"},
      {"allocator_note_floor",
       "SELECT prefixd_note_floor($1, $2::cidr, $3, $4::cidr, $5::cidr, $6::timestamptz)"},
  };
  return kStatements;
}

std::vector<std::string> find_free_prefix(pqxx::transaction_base& tx, VrfChoice vrf,
                                          const AllocationArgs& args) {
  std::optional<PoolRow> pool;
  if (args.from_pool) pool = find_pool(tx, *args.from_pool, Caller::kFindFree);
  Plan p = plan(tx, vrf, args, pool, Caller::kFindFree);
  if (!p.searchable) return {};
  return find_free_space(tx, p.query);
}

Allocation allocate(pqxx::transaction_base& tx, VrfChoice vrf, const AllocationArgs& args) {
  // Concurrent allocations do not queue behind each other (allocation.md
  // §7.2, issue 13): each claims the lowest free candidate no transaction in
  // flight has claimed (prefixd_claim_prefix), holding its position lock to
  // the end, so no two ever get overlapping blocks.
  std::optional<PoolRow> pool;
  if (args.from_pool) {
    pool = find_pool(tx, *args.from_pool, Caller::kAddPrefix);
    tx.exec_prepared("allocator_lock_pool", pool->id);
  }
  Plan p = plan(tx, vrf, args, pool, Caller::kAddPrefix);
  int want = 16;
  for (int round = 0; p.searchable && round < 1000; ++round) {
    p.query.count = want;
    std::vector<FloorNote> floors;
    const auto found = find_free_space(tx, p.query, &floors);
    if (found.empty()) break;
    std::vector<std::string> spaces, candidates;
    for (const auto& text : found) {
      const IpPrefix c = parse_prefix(text);
      for (const auto& s : p.query.search) {
        if (s.address <= c.address && c.last() <= s.last()) {
          spaces.push_back(s.cidr_text());
          break;
        }
      }
      candidates.push_back(c.cidr_text());
    }
    const pqxx::row r = tx.exec_prepared1("allocator_claim", p.query.vrf_id, array_literal(spaces),
                                          array_literal(candidates));
    if (!r[0].is_null()) {
      // Later searches of these prefixes resume where this one found its
      // candidate (migration 0015), once it has walked far enough to be
      // worth a write.
      for (const auto& f : floors) {
        if (f.walked < kFloorEvery) continue;
        tx.exec_prepared("allocator_note_floor", p.query.vrf_id, f.space.cidr_text(),
                         p.query.prefix_length, f.after, f.floor, f.based);
      }
      return Allocation{p.query.vrf_id, r[0].as<std::string>(), p.default_type, {}};
    }
    if (!r[1].is_null()) {
      // The search space itself is changing: wait for that, then look again.
      tx.exec_prepared("allocator_wait_position", r[1].as<int64_t>());
    } else if (static_cast<int>(found.size()) < want || want >= 1000) {
      // Every free block is being claimed: wait for the lowest one's claim
      // to commit or roll back.
      tx.exec_prepared("allocator_wait_candidate", p.query.vrf_id, candidates.front());
    } else {
      want = std::min(want * 4, 1000);
    }
  }
  throw NipapError(FaultCode::kNonExistent, "no free prefix found");
}

std::optional<std::vector<Allocation>> allocate_many(pqxx::transaction_base& tx, VrfChoice vrf,
                                                     const AllocationArgs& args, int count) {
  std::optional<PoolRow> pool;
  if (args.from_pool) {
    pool = find_pool(tx, *args.from_pool, Caller::kAddPrefix);
    tx.exec_prepared("allocator_lock_pool", pool->id);
  }
  Plan p = plan(tx, vrf, args, pool, Caller::kAddPrefix);
  if (!p.searchable) return std::nullopt;
  p.query.count = count;
  const auto found = find_free_space(tx, p.query);
  if (static_cast<int>(found.size()) < count) return std::nullopt;
  std::vector<Allocation> out;
  out.reserve(found.size());
  for (const auto& text : found) {
    const IpPrefix c = parse_prefix(text);
    Allocation a{p.query.vrf_id, c.cidr_text(), p.default_type, {}};
    for (const auto& space : p.query.search) {
      if (space.address <= c.address && c.last() <= space.last()) {
        a.space = space.cidr_text();
        break;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

uint64_t allocation_plans_computed() {
  return plans_computed.load(std::memory_order_relaxed);
}

}  // namespace prefixd
