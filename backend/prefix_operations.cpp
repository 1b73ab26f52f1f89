// SPDX-License-Identifier: MIT
#include "backend/prefix_operations.h"

#include "backend/prefix_store.h"
#include "backend/vrf_store.h"

namespace prefixd::ops {

Prefix AddPrefix::run(pqxx::transaction_base& tx, const Actor& actor, const Args& args) {
  const AllocationArgs* allocation = args.allocation ? &*args.allocation : nullptr;
  add_prefix_mode(args.attr.prefix.has_value(), allocation && allocation->from_pool,
                  allocation && allocation->from_prefix);
  if (allocation == nullptr) return add_prefix(tx, actor, args.attr);
  // The VRF the caller named, if any (vrf_id nil is the default VRF), then
  // the allocation, which has claimed the new prefix's position when it
  // returns.
  VrfChoice vrf;
  if (args.attr.vrf) vrf = resolve_vrf(tx, *args.attr.vrf).id;
  const Allocation a = allocate(tx, vrf, *allocation);
  PrefixChanges filled = args.attr;
  filled.prefix = std::optional<std::string>(a.prefix);
  // The pool's default type (allocation.md §3).
  if (!filled.type) filled.type = a.default_type;
  return add_prefix(tx, actor, filled, a.vrf_id);
}

std::vector<Prefix> ListPrefix::run(pqxx::transaction_base& tx, const Actor&, const Args& spec) {
  return list_prefixes(tx, spec);
}

std::vector<Prefix> EditPrefix::run(pqxx::transaction_base& tx, const Actor& actor,
                                    const Args& args) {
  return edit_prefixes(tx, actor, args.prefix, args.attr);
}

std::vector<Prefix> RemovePrefix::run(pqxx::transaction_base& tx, const Actor& actor,
                                      const Args& args) {
  return remove_prefixes(tx, actor, args.prefix, args.recursive);
}

Found<Prefix> SearchPrefix::run(pqxx::transaction_base& tx, const Actor&, const Args& args) {
  Found<Prefix> found{args.query, {}};
  found.rows = search_prefixes(tx, found.query, args.options);
  return found;
}

std::vector<std::string> FindFreePrefix::run(pqxx::transaction_base& tx, const Actor&,
                                             const Args& args) {
  VrfChoice vrf;
  if (args.vrf) vrf = resolve_vrf(tx, *args.vrf).id;
  return find_free_prefix(tx, vrf, args.args);
}

}  // namespace prefixd::ops
