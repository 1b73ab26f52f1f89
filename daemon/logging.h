// SPDX-License-Identifier: MIT
// Logging set-up: the main logger and the access logger ("access"), to
// stderr or syslog, at the configured level.
#pragma once

#include <string>

#include "daemon/config.h"

namespace prefixd::daemon {

// (Re)configures both loggers; `role` ("master", "worker 0") prefixes lines.
void setup_logging(const Config& config, const std::string& role, bool force_syslog = false);

}  // namespace prefixd::daemon
