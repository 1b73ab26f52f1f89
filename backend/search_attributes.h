// SPDX-License-Identifier: MIT
// The searchable attributes of each object (spec/search.md §1.5): the
// names a structured query may use as val1, the SQL each reads and the type
// a value is cast to. One table per object, shared by its store, the search
// compiler's callers and the smart-search fuzz target.
#pragma once

#include <vector>

#include "backend/search_compiler.h"

namespace prefixd {

// Over `ip_net_vrf` (unqualified columns).
const std::vector<SearchAttribute>& vrf_attributes();
// Over `ip_net_pool po` and the implied VRF `vrf`.
const std::vector<SearchAttribute>& pool_attributes();
// Over `ip_net_plan p`, `ip_net_vrf vrf`; also the keys a prefix spec may use.
const std::vector<SearchAttribute>& prefix_attributes();
// Over `ip_net_asn`.
const std::vector<SearchAttribute>& asn_attributes();
// Over the tag list.
const std::vector<SearchAttribute>& tag_attributes();

}  // namespace prefixd
