// Handlers of the prefix methods (spec/xmlrpc.md §5.4): add (explicit mode;
// the allocating modes are refused until the allocator is wired in), list,
// edit, remove and search.
#pragma once

#include "api/method_table.h"

namespace prefixd::api {

void handle_add_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_list_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_edit_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_remove_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_search_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
