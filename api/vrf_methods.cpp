#include "api/vrf_methods.h"

#include "api/model_writer.h"
#include "api/wire_decode.h"
#include "backend/vrf_store.h"

namespace prefixd::api {

namespace {

void write_vrfs(ValueWriter& out, const std::vector<Vrf>& vrfs) {
  out.begin_array();
  for (const Vrf& v : vrfs) write_vrf(out, v);
  out.end_array();
}

}  // namespace

void handle_add_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const VrfChanges attr = decode_vrf_attr(argument(args, "attr"), true);
  const Vrf vrf =
      ctx.services.db.run([&](pqxx::work& tx) { return add_vrf(tx, actor_of(ctx.session), attr); });
  write_vrf(out, vrf);
}

void handle_list_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // nil or {} lists every VRF.
  const Value* spec = argument(args, "vrf");
  const VrfSpec decoded = spec == nullptr || spec->is_nil() ? VrfSpec{} : decode_vrf_spec(spec);
  write_vrfs(out, ctx.services.db.run_read(
                      [&](pqxx::transaction_base& tx) { return list_vrfs(tx, decoded); }));
}

void handle_edit_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // NIPAP checks the attributes before the selector (errors.md §4.1).
  const VrfChanges attr = decode_vrf_attr(argument(args, "attr"), false);
  const VrfSpec spec = decode_vrf_spec(argument(args, "vrf"));
  write_vrfs(out, ctx.services.db.run([&](pqxx::work& tx) {
    return edit_vrfs(tx, actor_of(ctx.session), spec, attr);
  }));
}

void handle_remove_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const VrfSpec spec = decode_vrf_spec(argument(args, "vrf"));
  ctx.services.db.run([&](pqxx::work& tx) { remove_vrfs(tx, actor_of(ctx.session), spec); });
  out.write_nil();
}

void handle_search_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  Query query = decode_query(argument(args, "query"));
  Value::Struct echo;
  const SearchOptions options = decode_search_options(argument(args, "search_options"), echo);
  const auto vrfs =
      ctx.services.db.run([&](pqxx::work& tx) { return search_vrfs(tx, query, options); });
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  write_vrfs(out, vrfs);
  out.end_struct();
}

}  // namespace prefixd::api
