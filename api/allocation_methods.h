// find_free_prefix (spec/xmlrpc.md §5.4.5, spec/allocation.md §5) and the
// decoding of allocation arguments that add_prefix shares.
#pragma once

#include "api/method_table.h"
#include "backend/allocator.h"

namespace prefixd::api {

// `args` of find_free_prefix / add_prefix's allocating modes, validated in
// NIPAP's order (allocation.md §5.2).
AllocationArgs decode_allocation_args(const Value* args);

// The `vrf` argument of find_free_prefix: nil, {} or an unusable value mean
// none; {'id'|'rt'|'name': …} is resolved (1300 'No matching VRF found.').
VrfChoice resolve_vrf_argument(pqxx::transaction_base& tx, const Value* vrf);

void handle_find_free_prefix(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
