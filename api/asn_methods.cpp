// SPDX-License-Identifier: MIT
#include "api/asn_methods.h"

#include "api/asn_decode.h"
#include "api/model_writer.h"
#include "api/wire_decode.h"

namespace prefixd::api {

ops::AddAsn::Args decode_add_asn(const Value::Struct& args) {
  return decode_asn_attr(argument(args, "attr"), true);
}

ops::ListAsn::Args decode_list_asn(const Value::Struct& args) {
  // nil or {} lists every ASN.
  const Value* spec = argument(args, "asn");
  return spec == nullptr || spec->is_nil() ? AsnSpec{} : decode_asn_spec(spec);
}

ops::EditAsn::Args decode_edit_asn(const Value::Struct& args) {
  // NIPAP checks the attributes before the selector (errors.md §4.5).
  AsnChanges attr = decode_asn_attr(argument(args, "attr"), false);
  return {decode_asn_spec(argument(args, "asn")), std::move(attr)};
}

ops::RemoveAsn::Args decode_remove_asn(const Value::Struct& args) {
  return decode_asn_spec(argument(args, "asn"));
}

void write_asn_result(ValueWriter& out, const Value::Struct&, const Asn& asn) {
  write_asn(out, asn);
}

void write_asn_list(ValueWriter& out, const Value::Struct&, const std::vector<Asn>& asns) {
  out.begin_array();
  for (const Asn& a : asns) write_asn(out, a);
  out.end_array();
}

void write_asn_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Asn>& found) {
  write_search_answer(out, echo_of(decode_search_options, argument(args, "search_options")),
                      [&] { write_asn_list(out, args, found.rows); });
}

void write_tag_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Tag>& found) {
  write_search_answer(out, echo_of(decode_search_options, argument(args, "search_options")), [&] {
    out.begin_array();
    for (const Tag& t : found.rows) {
      out.begin_struct();
      out.member("name", t.name);
      out.end_struct();
    }
    out.end_array();
  });
}

}  // namespace prefixd::api
