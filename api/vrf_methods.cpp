// SPDX-License-Identifier: MIT
#include "api/vrf_methods.h"

#include "api/model_writer.h"
#include "api/wire_decode.h"

namespace prefixd::api {

ops::AddVrf::Args decode_add_vrf(const Value::Struct& args) {
  return decode_vrf_attr(argument(args, "attr"), true);
}

ops::ListVrf::Args decode_list_vrf(const Value::Struct& args) {
  // nil or {} lists every VRF.
  const Value* spec = argument(args, "vrf");
  return spec == nullptr || spec->is_nil() ? VrfSpec{} : decode_vrf_spec(spec);
}

ops::EditVrf::Args decode_edit_vrf(const Value::Struct& args) {
  // NIPAP checks the attributes before the selector (errors.md §4.1).
  VrfChanges attr = decode_vrf_attr(argument(args, "attr"), false);
  return {decode_vrf_spec(argument(args, "vrf")), std::move(attr)};
}

ops::RemoveVrf::Args decode_remove_vrf(const Value::Struct& args) {
  return decode_vrf_spec(argument(args, "vrf"));
}

void write_vrf_result(ValueWriter& out, const Value::Struct&, const Vrf& vrf) {
  write_vrf(out, vrf);
}

void write_vrf_list(ValueWriter& out, const Value::Struct&, const std::vector<Vrf>& vrfs) {
  out.begin_array();
  for (const Vrf& v : vrfs) write_vrf(out, v);
  out.end_array();
}

void write_vrf_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Vrf>& found) {
  write_search_answer(out, echo_of(decode_search_options, argument(args, "search_options")),
                      [&] { write_vrf_list(out, args, found.rows); });
}

}  // namespace prefixd::api
