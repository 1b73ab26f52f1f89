// Handlers of the pool methods (spec/xmlrpc.md §5.3). smart_search_pool
// lives with the other smart searches.
#pragma once

#include "api/method_table.h"

namespace prefixd::api {

void handle_add_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_list_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_edit_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_remove_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_search_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
