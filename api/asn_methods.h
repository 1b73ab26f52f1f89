// SPDX-License-Identifier: MIT
// The ASN methods and search_tag (spec/xmlrpc.md §5.5, §5.6): decoding of
// their argument structs into the operations' arguments, and how their
// results are written.
#pragma once

#include <vector>

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/asn_operations.h"

namespace prefixd::api {

ops::AddAsn::Args decode_add_asn(const Value::Struct& args);
ops::ListAsn::Args decode_list_asn(const Value::Struct& args);
ops::EditAsn::Args decode_edit_asn(const Value::Struct& args);
ops::RemoveAsn::Args decode_remove_asn(const Value::Struct& args);

void write_asn_result(ValueWriter& out, const Value::Struct& args, const Asn& asn);
void write_asn_list(ValueWriter& out, const Value::Struct& args, const std::vector<Asn>& asns);
void write_asn_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Asn>& found);
void write_tag_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Tag>& found);

}  // namespace prefixd::api
