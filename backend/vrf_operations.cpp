// SPDX-License-Identifier: MIT
#include "backend/vrf_operations.h"

#include "backend/vrf_store.h"

namespace prefixd::ops {

Vrf AddVrf::run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr) {
  return add_vrf(tx, actor, attr);
}

std::vector<Vrf> ListVrf::run(pqxx::transaction_base& tx, const Actor&, const Args& spec) {
  return list_vrfs(tx, spec);
}

std::vector<Vrf> EditVrf::run(pqxx::transaction_base& tx, const Actor& actor, const Args& args) {
  return edit_vrfs(tx, actor, args.vrf, args.attr);
}

std::vector<Vrf> RemoveVrf::run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec) {
  return remove_vrfs(tx, actor, spec);
}

Found<Vrf> SearchVrf::run(pqxx::transaction_base& tx, const Actor&, const Args& args) {
  Found<Vrf> found{args.query, {}};
  found.rows = search_vrfs(tx, found.query, args.options);
  return found;
}

}  // namespace prefixd::ops
