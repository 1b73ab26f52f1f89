// SPDX-License-Identifier: MIT
#include "api/smart_search_methods.h"

#include "api/model_writer.h"
#include "api/prefix_decode.h"
#include "api/wire_decode.h"
#include "backend/asn_operations.h"
#include "backend/errors.h"
#include "backend/pool_operations.h"
#include "backend/prefix_operations.h"
#include "backend/smart_search_parser.h"
#include "backend/vrf_operations.h"

namespace prefixd::api {

namespace {

void write_scalar(ValueWriter& out, const QueryScalar& v) {
  if (std::holds_alternative<std::monostate>(v)) {
    out.write_nil();
  } else if (const bool* b = std::get_if<bool>(&v)) {
    out.write_bool(*b);
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    out.write_int(*i);
  } else if (const double* d = std::get_if<double>(&v)) {
    out.write_double(*d);
  } else if (const auto* items = std::get_if<std::vector<std::string>>(&v)) {
    write_string_list(out, *items);  // an extra_query's list, as it came
  } else {
    out.write_string(std::get<std::string>(v));
  }
}

// The steps of search.md §4.1, shared by every object kind: decode the text
// and the extra query, run the structured search Op, answer with the
// interpretation. A text that cannot be parsed is answered at once, with the
// options as they came.
template <typename Op, typename DecodeOptions, typename WriteRow>
void smart_search(CallContext& ctx, const Value::Struct& args, ValueWriter& out,
                  SearchObject object, DecodeOptions decode_options, WriteRow write_row) {
  const Value* text = argument(args, "query_string");
  if (text == nullptr || text->is_nil()) {
    throw NipapError(FaultCode::kValue, "'query_string' must not be None");
  }
  if (!text->is_string()) throw NipapError(FaultCode::kValue, "'query_string' must be a string");
  SmartSearchParse parsed = parse_smart_search(object, text->text());
  if (parsed.error) {
    const Value* options = argument(args, "search_options");
    out.begin_struct();
    out.write_key("interpretation");
    write_query(out, parsed.query);
    out.write_key("search_options");
    out.write(options && options->is_struct() ? *options : Value::structure());
    out.write_key("result");
    out.begin_array();
    out.end_array();
    out.write_key("error");
    out.write_bool(true);
    out.member("error_message", parsed.error_message);
    out.end_struct();
    return;
  }
  Query query = std::move(parsed.query);
  if (const Value* extra = argument(args, "extra_query"); extra && !extra->is_nil()) {
    if (!extra->is_struct()) throw NipapError(FaultCode::kInput, "'extra_query' must be a struct");
    query = Query::combine("and", std::move(query), decode_query(extra));
  }
  Value::Struct echo;
  const typename Op::Args decoded{std::move(query),
                                  decode_options(argument(args, "search_options"), echo)};
  const typename Op::Result found = run_operation<Op>(ctx, decoded);
  out.begin_struct();
  out.write_key("interpretation");
  write_query(out, found.query);
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  out.begin_array();
  for (const auto& row : found.rows) write_row(out, row);
  out.end_array();
  out.write_key("error");
  out.write_bool(false);
  out.end_struct();
}

}  // namespace

void write_query(ValueWriter& out, const Query& q) {
  out.begin_struct();
  out.write_key("operator");
  if (q.op) {
    out.write_string(*q.op);
  } else {
    out.write_nil();
  }
  out.write_key("val1");
  if (q.is_combining()) {
    write_query(out, q.children[0]);
  } else if (q.attribute) {
    out.write_string(*q.attribute);
  } else {
    out.write_nil();
  }
  out.write_key("val2");
  if (q.is_combining()) {
    write_query(out, q.children[1]);
  } else {
    write_scalar(out, q.value);
  }
  if (q.interpretation) {
    out.write_key("interpretation");
    out.begin_struct();
    for (const auto& [key, value] : *q.interpretation) {
      out.write_key(key);
      write_scalar(out, value);
    }
    out.end_struct();
  }
  out.end_struct();
}

void invoke_smart_search_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  smart_search<ops::SearchVrf>(
      ctx, args, out, SearchObject::kVrf,
      [](const Value* o, Value::Struct& echo) { return decode_search_options(o, echo); },
      [](ValueWriter& w, const Vrf& v) { write_vrf(w, v); });
}

void invoke_smart_search_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  smart_search<ops::SearchPool>(
      ctx, args, out, SearchObject::kPool,
      [](const Value* o, Value::Struct& echo) { return decode_search_options(o, echo); },
      [](ValueWriter& w, const Pool& p) { write_pool(w, p, true); });
}

void invoke_smart_search_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  smart_search<ops::SearchAsn>(
      ctx, args, out, SearchObject::kAsn,
      [](const Value* o, Value::Struct& echo) { return decode_search_options(o, echo); },
      [](ValueWriter& w, const Asn& a) { write_asn(w, a); });
}

void invoke_smart_search_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  smart_search<ops::SearchPrefix>(
      ctx, args, out, SearchObject::kPrefix,
      [](const Value* o, Value::Struct& echo) { return decode_prefix_search_options(o, echo); },
      [](ValueWriter& w, const Prefix& p) { write_prefix(w, p, PrefixShape::kSearch); });
}

}  // namespace prefixd::api
