// SPDX-License-Identifier: MIT
#include "backend/allocator.h"

#include <algorithm>
#include <atomic>

#include "backend/errors.h"
#include "backend/free_space.h"

namespace prefixd {

namespace {

struct PoolRow {
  int64_t id;
  std::optional<int> default_v4, default_v6;
  std::optional<std::string> default_type;
};

enum class Caller { kFindFree, kAddPrefix };

std::atomic<uint64_t> plans_computed{0};

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
      // The hierarchy lock of a pool's implied VRF (its members', model.md
      // §4.3); returns that VRF, no row for a pool without members.
      {"allocator_lock_pool_vrf",
       "SELECT vrf_id, prefixd_lock_vrf(vrf_id) FROM (SELECT vrf_id FROM ip_net_plan "
       "WHERE pool_id = $1 LIMIT 1) AS m"},
      {"allocator_lock_vrf", "SELECT prefixd_lock_vrf($1)"},
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
  // Search and insert under the VRF's lock, so concurrent allocations behave
  // as if run one after another (allocation.md §7.2). The lock comes before
  // the plan, so the plan reads the pool's members as the lock leaves them.
  std::optional<PoolRow> pool;
  std::optional<int64_t> locked;
  if (args.from_pool) {
    pool = find_pool(tx, *args.from_pool, Caller::kAddPrefix);
    const pqxx::result r = tx.exec_prepared("allocator_lock_pool_vrf", pool->id);
    if (!r.empty()) locked = r[0][0].as<int64_t>();
  } else {
    locked = vrf.value_or(0);
    tx.exec_prepared("allocator_lock_vrf", *locked);
  }
  Plan p = plan(tx, vrf, args, pool, Caller::kAddPrefix);
  // The pool's members moved to another VRF between the two reads (model.md
  // §4.3 keeps them in one): that VRF's lock is the one that counts.
  if (locked != p.query.vrf_id) tx.exec_prepared("allocator_lock_vrf", p.query.vrf_id);
  p.query.count = 1;
  const auto found = p.searchable ? find_free_space(tx, p.query) : std::vector<std::string>{};
  if (found.empty()) throw NipapError(FaultCode::kNonExistent, "no free prefix found");
  return Allocation{p.query.vrf_id, parse_prefix(found.front()).cidr_text(), p.default_type};
}

uint64_t allocation_plans_computed() {
  return plans_computed.load(std::memory_order_relaxed);
}

}  // namespace prefixd
