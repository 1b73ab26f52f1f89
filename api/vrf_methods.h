// Handlers of the VRF methods (spec/xmlrpc.md §5.2).
#pragma once

#include "api/method_table.h"

namespace prefixd::api {

void handle_add_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_list_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_edit_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_remove_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_search_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
