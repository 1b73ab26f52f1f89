// SPDX-License-Identifier: MIT
#include "backend/prefix_operations.h"

#include "backend/errors.h"
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

std::optional<std::vector<Prefix>> add_prefixes_at_once(Transaction& transaction,
                                                        const Actor& actor,
                                                        const std::vector<AddPrefix::Args>& calls) {
  std::vector<PrefixChanges> attrs;
  attrs.reserve(calls.size());
  for (const auto& call : calls) {
    if (call.allocation) return std::nullopt;
    attrs.push_back(call.attr);
  }
  return prefixd::add_prefixes_at_once(transaction.tx(), actor, attrs);
}

std::optional<std::vector<Prefix>> allocate_prefixes_at_once(Transaction& transaction,
                                                             const Actor& actor,
                                                             const AddPrefix::Args& call,
                                                             int count) {
  if (!call.allocation) return std::nullopt;
  const AllocationArgs& allocation = *call.allocation;
  pqxx::transaction_base& tx = transaction.tx();
  // What refuses here refuses the first call when it runs on its own.
  tx.exec("SAVEPOINT prefixd_allocate_run");
  std::optional<std::vector<Prefix>> added;
  try {
    add_prefix_mode(call.attr.prefix.has_value(), allocation.from_pool.has_value(),
                    allocation.from_prefix.has_value());
    VrfChoice vrf;
    if (call.attr.vrf) vrf = resolve_vrf(tx, *call.attr.vrf).id;
    if (const auto blocks = allocate_many(tx, vrf, allocation, count)) {
      std::vector<PrefixChanges> attrs(blocks->size(), call.attr);
      std::vector<std::string> spaces;
      for (std::size_t i = 0; i < attrs.size(); ++i) {
        attrs[i].prefix = std::optional<std::string>((*blocks)[i].prefix);
        if (!attrs[i].type) attrs[i].type = (*blocks)[i].default_type;
        spaces.push_back((*blocks)[i].space);
      }
      added = prefixd::add_prefixes_at_once(tx, actor, attrs, blocks->front().vrf_id, spaces);
    }
    tx.exec("RELEASE SAVEPOINT prefixd_allocate_run");
  } catch (const DatabaseUnavailable&) {
    throw;
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const NipapError&) {
    tx.exec("ROLLBACK TO SAVEPOINT prefixd_allocate_run");
    return std::nullopt;
  } catch (const pqxx::sql_error&) {
    tx.exec("ROLLBACK TO SAVEPOINT prefixd_allocate_run");
    return std::nullopt;
  }
  return added;
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
