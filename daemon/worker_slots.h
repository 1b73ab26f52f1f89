// SPDX-License-Identifier: MIT
// State shared by the master and every worker through an anonymous shared
// mapping: per worker slot, how many connections it holds and whether a
// worker is accepting there. Workers use it to balance connections.
#pragma once

#include <sys/types.h>

#include <atomic>

namespace prefixd::daemon {

inline constexpr int kMaxWorkers = 256;

struct SlotState {
  std::atomic<int> connections{0};
  std::atomic<pid_t> accepting_pid{0};  // 0: no worker accepts in this slot
  // 1 while the slot's worker holds a working database connection.
  std::atomic<int> database_ok{0};
};

struct SharedSlots {
  std::atomic<int> active_slots{0};
  SlotState slots[kMaxWorkers];
};
static_assert(std::atomic<int>::is_always_lock_free, "shared atomics must be lock-free");

// Maps a zeroed region shared with every child forked afterwards.
SharedSlots* map_shared_slots();

}  // namespace prefixd::daemon
