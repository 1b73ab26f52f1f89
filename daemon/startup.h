// SPDX-License-Identifier: MIT
// What the master does once before it serves: bind the listening sockets,
// take the pid file, give up root. Each throws StartupError with the
// message the operator sees.
#pragma once

#include <stdexcept>
#include <string>

#include "daemon/config.h"

namespace prefixd::daemon {

class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// strerror(errno).
std::string errno_text();

// A non-blocking SO_REUSEPORT listening socket on `address` (one per worker
// slot, so the kernel spreads connections over the workers' accept queues).
int bind_listener(const ListenAddress& address);

// Locks and writes the pid file `path` (nothing for ""); returns its
// descriptor, held open for the lock, or -1.
int write_pid_file(const std::string& path);

// Switches to `user` (and `group`, else the user's) when started as root.
void drop_privileges(const std::string& user, const std::string& group);

}  // namespace prefixd::daemon
