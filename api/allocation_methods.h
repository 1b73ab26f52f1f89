// SPDX-License-Identifier: MIT
// find_free_prefix (spec/xmlrpc.md §5.4.5, spec/allocation.md §5) and the
// decoding of allocation arguments that add_prefix shares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/prefix_operations.h"

namespace prefixd::api {

// `args` of find_free_prefix / add_prefix's allocating modes, validated in
// NIPAP's order (allocation.md §5.2).
AllocationArgs decode_allocation_args(const Value* args);

// The `vrf` argument of find_free_prefix: nil, {} or an unusable value name
// none; {'id'|'rt'|'name': …} names one (the first of these keys; a nil id is
// the default VRF).
std::optional<VrfSpec> decode_vrf_argument(const Value* vrf);

ops::FindFreePrefix::Args decode_find_free_prefix(const Value::Struct& args);
void write_free_prefixes(ValueWriter& out, const Value::Struct& args,
                         const std::vector<std::string>& prefixes);

}  // namespace prefixd::api
