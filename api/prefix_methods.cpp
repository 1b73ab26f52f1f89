#include "api/prefix_methods.h"

#include "api/allocation_methods.h"
#include "api/model_writer.h"
#include "api/prefix_decode.h"
#include "api/wire_decode.h"
#include "backend/errors.h"
#include "backend/prefix_store.h"
#include "backend/vrf_store.h"

namespace prefixd::api {

namespace {

void write_prefixes(ValueWriter& out, const std::vector<Prefix>& prefixes, PrefixShape shape) {
  out.begin_array();
  for (const Prefix& p : prefixes) write_prefix(out, p, shape);
  out.end_array();
}

}  // namespace

void handle_add_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  AddMode mode = AddMode::kExplicit;
  const PrefixChanges attr =
      decode_add_prefix_attr(argument(args, "attr"), argument(args, "args"), mode);
  if (mode == AddMode::kExplicit) {
    const Prefix prefix = ctx.services.db.run(
        [&](pqxx::work& tx) { return add_prefix(tx, actor_of(ctx.session), attr); });
    write_prefix(out, prefix, PrefixShape::kList);
    return;
  }
  const AllocationArgs alloc = decode_allocation_args(argument(args, "args"));
  const Prefix prefix = ctx.services.db.run([&](pqxx::work& tx) {
    // The VRF the caller named, if any (vrf_id nil is the default VRF).
    VrfChoice vrf;
    if (attr.vrf) {
      const auto found = list_vrfs(tx, *attr.vrf);
      if (found.empty()) throw NipapError(FaultCode::kNonExistent, "No matching VRF found.");
      vrf = found.front().id;
    }
    // Search and insert under the VRF's lock, so concurrent allocations
    // behave as if run one after another (allocation.md §7.2).
    const int64_t vrf_id = allocation_vrf(tx, vrf, alloc);
    tx.exec_params("SELECT prefixd_lock_vrf($1)", vrf_id);
    const Allocation a = allocate(tx, vrf, alloc);
    PrefixChanges filled = attr;
    filled.prefix = std::optional<std::string>(a.prefix);
    VrfSpec in_vrf;
    in_vrf.id = a.vrf_id;
    filled.vrf = in_vrf;
    if (!filled.type) filled.type = a.default_type;  // the pool's default (allocation.md §3)
    return add_prefix(tx, actor_of(ctx.session), filled);
  });
  write_prefix(out, prefix, PrefixShape::kList);
}

void handle_list_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const PrefixSpec spec = decode_prefix_spec(argument(args, "prefix"), SpecUse::kList);
  write_prefixes(out, ctx.services.db.run([&](pqxx::work& tx) { return list_prefixes(tx, spec); }),
                 PrefixShape::kList);
}

void handle_edit_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // NIPAP checks the attributes before the selector (errors.md §4.3).
  const PrefixChanges attr = decode_edit_prefix_attr(argument(args, "attr"));
  const PrefixSpec spec = decode_prefix_spec(argument(args, "prefix"), SpecUse::kEdit);
  write_prefixes(out, ctx.services.db.run([&](pqxx::work& tx) {
    return edit_prefixes(tx, actor_of(ctx.session), spec, attr);
  }),
                 PrefixShape::kSearch);
}

void handle_remove_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const PrefixSpec spec = decode_prefix_spec(argument(args, "prefix"), SpecUse::kRemove);
  const Value* recursive = argument(args, "recursive");
  const bool recurse = recursive != nullptr && recursive->truthy();
  ctx.services.db.run(
      [&](pqxx::work& tx) { remove_prefixes(tx, actor_of(ctx.session), spec, recurse); });
  out.write_nil();
}

void handle_search_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const Value* query_arg = argument(args, "query");
  // NIPAP looks for 'val1' in whatever it got: a string or list has none.
  if (query_arg != nullptr && (query_arg->is_string() || query_arg->is_array())) {
    throw NipapError(FaultCode::kMissingInput, "'val1' must be specified");
  }
  Query query = decode_query(query_arg);
  Value::Struct echo;
  const PrefixSearchOptions options =
      decode_prefix_search_options(argument(args, "search_options"), echo);
  // Without parent_prefix the search is one statement: no BEGIN/COMMIT.
  auto search = [&](pqxx::transaction_base& tx) { return search_prefixes(tx, query, options); };
  const auto prefixes =
      options.parent_prefix ? ctx.services.db.run(search) : ctx.services.db.run_read(search);
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  write_prefixes(out, prefixes, PrefixShape::kSearch);
  out.end_struct();
}

}  // namespace prefixd::api
