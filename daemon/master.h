// SPDX-License-Identifier: MIT
// The master process: binds one SO_REUSEPORT listening socket per worker
// slot (kept open across worker restarts and reloads), forks and supervises
// the workers, and acts on signals: SIGTERM/SIGINT drain and exit, SIGHUP
// reloads the configuration and replaces the workers one at a time.
#pragma once

#include <functional>

#include "daemon/config.h"

namespace prefixd::daemon {

struct MasterOptions {
  bool foreground = true;
  // Re-reads the configuration (file plus command-line overrides) on SIGHUP.
  std::function<Config()> reload;
};

// Returns the process exit status.
int run_master(const Config& config, const MasterOptions& options);

}  // namespace prefixd::daemon
