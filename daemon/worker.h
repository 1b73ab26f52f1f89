// SPDX-License-Identifier: MIT
// A worker process: serves HTTP on its slot's listening socket with its own
// database connection, balances connections with its siblings, and drains
// on SIGTERM.
#pragma once

#include <sys/types.h>

#include <vector>

#include "api/auth_throttle.h"
#include "api/metrics.h"
#include "daemon/config.h"
#include "daemon/worker_slots.h"

namespace prefixd::daemon {

struct WorkerSetup {
  int slot = 0;
  int listen_fd = -1;
  // Connections handed over by siblings arrive here (SCM_RIGHTS).
  int handoff_receive_fd = -1;
  // handoff_send_fds[i] reaches slot i.
  std::vector<int> handoff_send_fds;
  SharedSlots* shared = nullptr;
  int ready_fd = -1;  // a byte is written here once the worker serves
  pid_t master_pid = 0;
  api::SharedMetrics* metrics = nullptr;  // counters shared with the master
  int metrics_listen_fd = -1;             // metrics.listen, if configured
  // Failed logins of every worker (shared memory); a private table if null.
  api::AuthThrottle::Table* throttle_table = nullptr;
  api::ResponseCache* response_cache = nullptr;  // shared by the workers; nullptr: off
};

// Never returns: exits 0 after a clean drain, non-zero on a fatal error.
[[noreturn]] void run_worker(const Config& config, const WorkerSetup& setup);

}  // namespace prefixd::daemon
