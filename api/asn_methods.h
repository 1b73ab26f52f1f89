// Handlers of the ASN methods (spec/xmlrpc.md §5.5) and of search_tag
// (§5.6, which prefixd adds: spec/README.md decision 5).
#pragma once

#include "api/method_table.h"

namespace prefixd::api {

void handle_add_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_list_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_edit_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_remove_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_search_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_search_tag(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
