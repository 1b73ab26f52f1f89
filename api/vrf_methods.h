// SPDX-License-Identifier: MIT
// The VRF methods (spec/xmlrpc.md §5.2): decoding of their argument structs
// into the operations' arguments, and how their results are written.
#pragma once

#include <vector>

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/vrf_operations.h"

namespace prefixd::api {

ops::AddVrf::Args decode_add_vrf(const Value::Struct& args);
ops::ListVrf::Args decode_list_vrf(const Value::Struct& args);
ops::EditVrf::Args decode_edit_vrf(const Value::Struct& args);
ops::RemoveVrf::Args decode_remove_vrf(const Value::Struct& args);

void write_vrf_result(ValueWriter& out, const Value::Struct& args, const Vrf& vrf);
void write_vrf_list(ValueWriter& out, const Value::Struct& args, const std::vector<Vrf>& vrfs);
// {search_options, result} (search.md §2.1).
void write_vrf_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Vrf>& found);

}  // namespace prefixd::api
