// SPDX-License-Identifier: MIT
// smart_search_{vrf,pool,prefix,asn} (spec/search.md §4.1): parse the free
// text, AND an extra_query, run the structured search operation, send back
// the interpretation.
#pragma once

#include "api/method_table.h"
#include "backend/query.h"

namespace prefixd::api {

void invoke_smart_search_vrf(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void invoke_smart_search_pool(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void invoke_smart_search_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void invoke_smart_search_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

// A query tree as clients send and receive it: {operator, val1, val2} with
// the interpretation struct on nodes that came from the text.
void write_query(ValueWriter& out, const Query& query);

}  // namespace prefixd::api
