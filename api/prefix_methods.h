// SPDX-License-Identifier: MIT
// The prefix methods (spec/xmlrpc.md §5.4): decoding of their argument
// structs into the operations' arguments, and how their results are written.
#pragma once

#include <vector>

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/prefix_operations.h"

namespace prefixd::api {

ops::AddPrefix::Args decode_add_prefix(const Value::Struct& args);
ops::ListPrefix::Args decode_list_prefix(const Value::Struct& args);
ops::EditPrefix::Args decode_edit_prefix(const Value::Struct& args);
ops::RemovePrefix::Args decode_remove_prefix(const Value::Struct& args);
ops::SearchPrefix::Args decode_search_prefix(const Value::Struct& args);

// add_prefix and list_prefix: 32 keys, display_prefix in inet text.
void write_prefix_result(ValueWriter& out, const Value::Struct& args, const Prefix& prefix);
void write_prefix_list(ValueWriter& out, const Value::Struct& args,
                       const std::vector<Prefix>& prefixes);
// edit_prefix: the search shape.
void write_edited_prefixes(ValueWriter& out, const Value::Struct& args,
                           const std::vector<Prefix>& prefixes);
void write_prefix_search(ValueWriter& out, const Value::Struct& args,
                         const ops::Found<Prefix>& found);

}  // namespace prefixd::api
