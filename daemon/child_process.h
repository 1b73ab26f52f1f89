// SPDX-License-Identifier: MIT
// What every child of the master (worker, event producer) does first: the
// master forwards termination as SIGTERM, which the child reads from a
// signalfd (so it stays blocked); Ctrl-C and SIGHUP reach the whole process
// group and are the master's alone; and the child exits as soon as the
// master is gone rather than run orphaned.
#pragma once

#include <sys/types.h>

namespace prefixd::daemon {

void enter_child_process(pid_t master_pid);

}  // namespace prefixd::daemon
