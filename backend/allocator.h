// SPDX-License-Identifier: MIT
// Where a new prefix goes (spec/allocation.md §3–§5): resolving the search
// space of a from-pool or from-prefix request, and find_free_prefix.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_session.h"

namespace prefixd {

const std::vector<PreparedStatement>& allocator_statements();

// A pool named by id or by name (xmlrpc.md §6).
struct PoolRef {
  std::optional<int64_t> id;
  std::optional<std::string> name;
};

// The decoded `args` of find_free_prefix and of add_prefix's allocating
// modes; exactly one of from_pool / from_prefix is set.
struct AllocationArgs {
  std::optional<PoolRef> from_pool;
  std::optional<std::vector<std::string>> from_prefix;
  std::optional<int> family;             // from-pool: 4 or 6
  std::optional<int64_t> prefix_length;  // validated against the family here
  int count = 1;
};

// The VRF a caller named, if any: nullopt means none was given.
using VrfChoice = std::optional<int64_t>;

// find_free_prefix (allocation.md §5): candidates in inet text form. In
// from-pool mode an unnamed VRF means the pool's implied VRF, and a named
// one must be it (spec/README.md decision 5).
std::vector<std::string> find_free_prefix(pqxx::transaction_base& tx, VrfChoice vrf,
                                          const AllocationArgs& args);

struct Allocation {
  int64_t vrf_id = 0;
  std::string prefix;                       // cidr text of the first free block
  std::optional<std::string> default_type;  // the pool's, in from-pool mode
  std::string space;                        // allocate_many: the search prefix holding it
};

// The prefix add_prefix's allocating modes create, found under the lock of
// the VRF it lands in, which the transaction holds from then on; the
// allocation plan (search space, VRF, length) is computed once. Throws
// NipapError 1300 "no free prefix found" when the space is full. add_prefix
// words some refusals differently from find_free_prefix (prefix_alloc.jsonl:
// "non-existing pool specified", "No prefixes in pool").
Allocation allocate(pqxx::transaction_base& tx, VrfChoice vrf, const AllocationArgs& args);

// The blocks `count` allocate() calls with these arguments would return one
// after another in one transaction (the `count` lowest free blocks), found
// at once and not claimed: whoever adds them must lock their positions and
// check that they are still free (nothing overlaps them but prefixes
// covering their `space`). nullopt when fewer are free, or the
// space cannot be searched; refusals throw as allocate()'s do.
std::optional<std::vector<Allocation>> allocate_many(pqxx::transaction_base& tx, VrfChoice vrf,
                                                     const AllocationArgs& args, int count);

// How many allocation plans this process has computed (find_free_prefix
// and allocate each compute one): for tests and benchmarks.
uint64_t allocation_plans_computed();

}  // namespace prefixd
