#include "api/pool_methods.h"

#include "api/model_writer.h"
#include "api/wire_decode.h"
#include "backend/errors.h"
#include "backend/pool_store.h"

namespace prefixd::api {

namespace {

void write_pools(ValueWriter& out, const std::vector<Pool>& pools, bool nil_when_no_prefixes) {
  out.begin_array();
  for (const Pool& p : pools) write_pool(out, p, nil_when_no_prefixes);
  out.end_array();
}

}  // namespace

void handle_add_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const PoolChanges attr = decode_pool_attr(argument(args, "attr"), true);
  const Pool pool = ctx.services.db.run(
      [&](pqxx::work& tx) { return add_pool(tx, actor_of(ctx.session), attr); });
  write_pool(out, pool);
}

void handle_list_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // nil or {} lists every pool.
  const Value* spec = argument(args, "pool");
  const PoolSpec decoded = spec == nullptr || spec->is_nil() ? PoolSpec{} : decode_pool_spec(spec);
  write_pools(out, ctx.services.db.run_read([&](pqxx::transaction_base& tx) {
    return list_pools(tx, decoded);
  }),
              false);
}

void handle_edit_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // NIPAP's order (errors.md §4.2): the spec must name exactly one of id and
  // name, then the attributes, then the rest of the spec.
  const Value* spec = argument(args, "pool");
  if (spec == nullptr || spec->is_nil()) {
    throw NipapError(FaultCode::kInput, "pool specification must be a dict");
  }
  // A string or array gives the same answer as a struct without id/name
  // (pool.jsonl seq 97: NIPAP tests the keys with `in`).
  const bool has_id = spec->is_struct() && spec->find("id") != nullptr;
  const bool has_name = spec->is_struct() && spec->find("name") != nullptr;
  if (has_id == has_name) {
    throw NipapError(FaultCode::kMissingInput, "pool spec must contain either 'id' or 'name'");
  }
  const PoolChanges attr = decode_pool_attr(argument(args, "attr"), false);
  const PoolSpec decoded = decode_pool_spec(spec);
  const auto pools = ctx.services.db.run(
      [&](pqxx::work& tx) { return edit_pools(tx, actor_of(ctx.session), decoded, attr); });
  write_pools(out, pools, true);
}

void handle_remove_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const PoolSpec spec = decode_pool_spec(argument(args, "pool"));
  ctx.services.db.run([&](pqxx::work& tx) { remove_pools(tx, actor_of(ctx.session), spec); });
  out.write_nil();
}

void handle_search_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  Query query = decode_query(argument(args, "query"));
  Value::Struct echo;
  const SearchOptions options = decode_search_options(argument(args, "search_options"), echo);
  const auto pools =
      ctx.services.db.run([&](pqxx::work& tx) { return search_pools(tx, query, options); });
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  write_pools(out, pools, true);
  out.end_struct();
}

}  // namespace prefixd::api
