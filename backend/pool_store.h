// SPDX-License-Identifier: MIT
// Pools (spec/model.md §4): add, list, edit, remove and search, each writing
// its audit rows. The statistics are kept by the database (0002_ipam_schema);
// the implied VRF and the member prefixes are computed when reading, for a
// whole list in one query.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "backend/db_session.h"
#include "backend/model.h"
#include "backend/query.h"

namespace prefixd {

const std::vector<PreparedStatement>& pool_statements();

// model.md §4.2: a default prefix length, when set, must be 1..32 (family 4)
// or 1..128 (family 6); 0 is refused for both. Throws NipapError 1200 with
// the pinned message ("Default IPv4 prefix length must be an integer between
// 1 and 32.").
void check_default_prefix_length(int family, const std::optional<int64_t>& length);
// The pinned message of check_default_prefix_length, also used for values
// that are not integers at all.
const char* default_prefix_length_message(int family);

// edit_pool's selector names exactly one of id and name (1110 "pool spec
// must contain either 'id' or 'name'").
void require_one_pool_key(bool id, bool name);

Pool add_pool(pqxx::transaction_base& tx, const Actor& actor, const PoolChanges& attr);
// Ordered by name; an empty spec lists every pool.
std::vector<Pool> list_pools(pqxx::transaction_base& tx, const PoolSpec& spec);
// `spec` must hold exactly one of id and name (1110). Returns the edited
// pools as they are after the edit.
std::vector<Pool> edit_pools(pqxx::transaction_base& tx, const Actor& actor, const PoolSpec& spec,
                             const PoolChanges& attr);
// Removes the matched pools; their members stay, detached (pool_id NULL).
// Returns the pools as they were. An empty spec is refused (1110) before
// anything is touched.
std::vector<Pool> remove_pools(pqxx::transaction_base& tx, const Actor& actor,
                               const PoolSpec& spec);
// `query` is rewritten in place as NIPAP does (search.md §1.3). An empty
// query is refused (1110): NIPAP has no "match all" for pools.
std::vector<Pool> search_pools(pqxx::transaction_base& tx, Query& query,
                               const SearchOptions& options);

}  // namespace prefixd
