// SPDX-License-Identifier: MIT
#include "api/prefix_methods.h"

#include "api/allocation_methods.h"
#include "api/model_writer.h"
#include "api/prefix_decode.h"
#include "api/wire_decode.h"
#include "backend/search_compiler.h"

namespace prefixd::api {

ops::AddPrefix::Args decode_add_prefix(const Value::Struct& args) {
  AddMode mode = AddMode::kExplicit;
  PrefixChanges attr = decode_add_prefix_attr(argument(args, "attr"), argument(args, "args"), mode);
  if (mode == AddMode::kExplicit) return {std::move(attr), std::nullopt};
  return {std::move(attr), decode_allocation_args(argument(args, "args"))};
}

ops::ListPrefix::Args decode_list_prefix(const Value::Struct& args) {
  return decode_prefix_spec(argument(args, "prefix"), SpecUse::kList);
}

ops::EditPrefix::Args decode_edit_prefix(const Value::Struct& args) {
  // NIPAP checks the attributes before the selector (errors.md §4.3).
  PrefixChanges attr = decode_edit_prefix_attr(argument(args, "attr"));
  return {decode_prefix_spec(argument(args, "prefix"), SpecUse::kEdit), std::move(attr)};
}

ops::RemovePrefix::Args decode_remove_prefix(const Value::Struct& args) {
  PrefixSpec spec = decode_prefix_spec(argument(args, "prefix"), SpecUse::kRemove);
  const Value* recursive = argument(args, "recursive");
  return {std::move(spec), recursive != nullptr && recursive->truthy()};
}

ops::SearchPrefix::Args decode_search_prefix(const Value::Struct& args) {
  const Value* query = argument(args, "query");
  // NIPAP looks for 'val1' in whatever it got: a string or list has none.
  if (query != nullptr && (query->is_string() || query->is_array())) throw_missing_val1();
  Query decoded = decode_query(query);
  return {std::move(decoded),
          without_echo(decode_prefix_search_options, argument(args, "search_options"))};
}

void write_prefix_result(ValueWriter& out, const Value::Struct&, const Prefix& prefix) {
  write_prefix(out, prefix, PrefixShape::kList);
}

void write_prefix_list(ValueWriter& out, const Value::Struct&,
                       const std::vector<Prefix>& prefixes) {
  write_prefixes(out, prefixes, PrefixShape::kList);
}

void write_edited_prefixes(ValueWriter& out, const Value::Struct&,
                           const std::vector<Prefix>& prefixes) {
  write_prefixes(out, prefixes, PrefixShape::kSearch);
}

void write_prefix_search(ValueWriter& out, const Value::Struct& args,
                         const ops::Found<Prefix>& found) {
  write_search_answer(out, echo_of(decode_prefix_search_options, argument(args, "search_options")),
                      [&] { write_prefixes(out, found.rows, PrefixShape::kSearch); });
}

}  // namespace prefixd::api
