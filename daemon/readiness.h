// SPDX-License-Identifier: MIT
// What the master tells the service manager and how it learns it may:
// systemd's readiness protocol (sd_notify(3)) spoken directly, and a
// GET /healthz on the daemon's own address that never blocks the master (it
// is driven from the master's poll loop).
#pragma once

#include <chrono>
#include <string>

#include "daemon/config.h"

namespace prefixd::daemon {

// One datagram per state change to $NOTIFY_SOCKET (a socket path or, after
// '@', an abstract name). Without NOTIFY_SOCKET it does nothing. Removes
// NOTIFY_SOCKET from the environment: the workers must not speak for the
// service.
class Notifier {
 public:
  Notifier();
  bool enabled() const { return !path_.empty(); }
  void send(const std::string& message) const;

 private:
  std::string path_;
};

// CLOCK_MONOTONIC in microseconds, as RELOADING=1 wants it.
std::string monotonic_usec();

// One non-blocking GET /healthz on the daemon's listen address.
class HealthProbe {
 public:
  enum class State { kRunning, kOk, kFailed };

  // Starts connecting; a probe that cannot even start is kFailed at once.
  explicit HealthProbe(const ListenAddress& listen);
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // The descriptor and poll events to wait for while kRunning.
  int fd() const { return fd_; }
  short events() const;
  // Advances after poll() reported `revents` (or a timeout, with 0); the
  // probe fails once its deadline (2 s) has passed.
  State advance(short revents);
  State state() const { return state_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  enum class Step { kConnecting, kSending, kReading };
  State fail();

  int fd_ = -1;
  State state_ = State::kRunning;
  Step step_ = Step::kConnecting;
  std::string request_;
  std::size_t sent_ = 0;
  std::string head_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace prefixd::daemon
