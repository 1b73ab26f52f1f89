// SPDX-License-Identifier: MIT
#include "daemon/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace prefixd::daemon {

void enter_child_process(pid_t master_pid) {
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, SIGCHLD);
  sigaddset(&unblock, SIGHUP);
  sigaddset(&unblock, SIGINT);
  sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != master_pid) _exit(0);
}

}  // namespace prefixd::daemon
