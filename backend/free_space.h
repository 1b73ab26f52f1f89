// SPDX-License-Identifier: MIT
// Free-space search (spec/allocation.md §5.3–§5.5): the lowest free aligned
// blocks of a wanted length inside search prefixes, judged in one VRF.
// Read-only. A walk may resume from a floor (migration 0015) and reports
// where it could leave one.
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

// Where a walk of one search prefix met the gap holding its first candidate:
// what prefixd_note_floor records (migration 0015), so that later walks of
// that search prefix for that length resume there.
struct FloorNote {
  IpPrefix space;
  std::string after;  // cidr text: the last outermost prefix before the gap
  std::string floor;  // cidr text, full length: the gap's first address
  std::string based;  // the time of the full walk this one derives from
  int walked = 0;     // outermost prefixes walked to get there
};

// Up to `count` free prefixes in inet text form, lowest address first within
// each search prefix. Empty when nothing is free. With `notes`, appends a
// FloorNote for each search prefix where a candidate was found.
std::vector<std::string> find_free_space(pqxx::transaction_base& tx, const FreeSpaceQuery& query,
                                         std::vector<FloorNote>* notes = nullptr);

}  // namespace prefixd
