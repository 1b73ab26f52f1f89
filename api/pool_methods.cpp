// SPDX-License-Identifier: MIT
#include "api/pool_methods.h"

#include "api/model_writer.h"
#include "api/wire_decode.h"
#include "backend/pool_store.h"

namespace prefixd::api {

namespace {

void write_pools(ValueWriter& out, const std::vector<Pool>& pools, bool nil_when_no_prefixes) {
  out.begin_array();
  for (const Pool& p : pools) write_pool(out, p, nil_when_no_prefixes);
  out.end_array();
}

}  // namespace

ops::AddPool::Args decode_add_pool(const Value::Struct& args) {
  return decode_pool_attr(argument(args, "attr"), true);
}

ops::ListPool::Args decode_list_pool(const Value::Struct& args) {
  // nil or {} lists every pool.
  const Value* spec = argument(args, "pool");
  return spec == nullptr || spec->is_nil() ? PoolSpec{} : decode_pool_spec(spec);
}

ops::EditPool::Args decode_edit_pool(const Value::Struct& args) {
  // NIPAP's order (errors.md §4.2): the spec must name exactly one of id and
  // name, then the attributes, then the rest of the spec.
  const Value* spec = argument(args, "pool");
  if (spec == nullptr || spec->is_nil()) {
    throw NipapError(FaultCode::kInput, "pool specification must be a dict");
  }
  // A string or array gives the same answer as a struct without id/name
  // (pool.jsonl seq 97: NIPAP tests the keys with `in`).
  require_one_pool_key(spec->is_struct() && spec->find("id") != nullptr,
                       spec->is_struct() && spec->find("name") != nullptr);
  PoolChanges attr = decode_pool_attr(argument(args, "attr"), false);
  return {decode_pool_spec(spec), std::move(attr)};
}

ops::RemovePool::Args decode_remove_pool(const Value::Struct& args) {
  return decode_pool_spec(argument(args, "pool"));
}

void write_pool_result(ValueWriter& out, const Value::Struct&, const Pool& pool) {
  write_pool(out, pool);
}

void write_pool_list(ValueWriter& out, const Value::Struct&, const std::vector<Pool>& pools) {
  write_pools(out, pools, false);
}

void write_edited_pools(ValueWriter& out, const Value::Struct&, const std::vector<Pool>& pools) {
  write_pools(out, pools, true);
}

void write_pool_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Pool>& found) {
  write_search_answer(out, echo_of(decode_search_options, argument(args, "search_options")),
                      [&] { write_pools(out, found.rows, true); });
}

}  // namespace prefixd::api
