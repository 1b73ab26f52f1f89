// SPDX-License-Identifier: MIT
// Free-space search (spec/allocation.md §5.3–§5.5): the lowest free aligned
// blocks of a wanted length inside search prefixes, judged in one VRF.
// Read-only; the caller holds the VRF lock when it goes on to insert.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/ip_prefix.h"

namespace prefixd {

struct FreeSpaceQuery {
  int vrf_id = 0;
  std::vector<IpPrefix> search;  // one family; searched in ascending order
  int prefix_length = 0;
  int count = 1;
};

// Up to `count` free prefixes in inet text form, lowest address first within
// each search prefix. Empty when nothing is free.
std::vector<std::string> find_free_space(pqxx::transaction_base& tx, const FreeSpaceQuery& query);

}  // namespace prefixd
