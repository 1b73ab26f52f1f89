// SPDX-License-Identifier: MIT
#include "backend/pool_operations.h"

#include "backend/pool_store.h"

namespace prefixd::ops {

Pool AddPool::run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr) {
  return add_pool(tx, actor, attr);
}

std::vector<Pool> ListPool::run(pqxx::transaction_base& tx, const Actor&, const Args& spec) {
  return list_pools(tx, spec);
}

std::vector<Pool> EditPool::run(pqxx::transaction_base& tx, const Actor& actor, const Args& args) {
  return edit_pools(tx, actor, args.pool, args.attr);
}

std::vector<Pool> RemovePool::run(pqxx::transaction_base& tx, const Actor& actor,
                                  const Args& spec) {
  return remove_pools(tx, actor, spec);
}

Found<Pool> SearchPool::run(pqxx::transaction_base& tx, const Actor&, const Args& args) {
  Found<Pool> found{args.query, {}};
  found.rows = search_pools(tx, found.query, args.options);
  return found;
}

}  // namespace prefixd::ops
