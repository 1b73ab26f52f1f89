// SPDX-License-Identifier: MIT
// The master's side of the change-event producer (daemon/event_producer.h):
// a supervised child that is started when events need one, restarted with
// growing delays when it dies, replaced when a reload changes its settings,
// and stopped on shutdown. The master calls it from a few places only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "api/metrics.h"
#include "daemon/config.h"

namespace prefixd::daemon {

class EventSupervisor {
 public:
  // `close_in_child` runs in the forked child first: it closes what the
  // master holds that the producer must not keep open (listening sockets).
  explicit EventSupervisor(std::function<void()> close_in_child)
      : close_in_child_(std::move(close_in_child)) {}

  // At start-up: `triggers_set` tells whether the master already applied
  // events.kafka.enabled to the triggers (it could reach the database). A
  // child is started when a producer is wanted or the triggers still need
  // setting.
  void start(const Config& config, bool triggers_set, api::SharedMetrics* metrics);
  // After a reload: replaces the child when the event settings changed.
  void reload(const Config& config);

  // Called for every reaped child; true when it was one of ours.
  bool reaped(pid_t pid, int status);
  // Restarts the child when its delay is over.
  void restart_due();

  void terminate();  // SIGTERM to every child of ours; none is restarted
  void kill_all();   // SIGKILL, then reaps
  bool alive() const { return current_.has_value() || !retiring_.empty(); }

 private:
  void spawn();

  api::SharedMetrics* metrics_ = nullptr;
  std::function<void()> close_in_child_;
  Config config_;
  bool wanted_ = false;  // a child should be running
  bool stopping_ = false;
  std::optional<pid_t> current_;
  std::vector<pid_t> retiring_;
  std::chrono::steady_clock::time_point started_{};
  std::optional<std::chrono::steady_clock::time_point> restart_at_;
  std::chrono::milliseconds backoff_{0};
};

// Sets NIPAP's trigger_kafka_* triggers to `enabled` and logs a change.
// False only when the database could not be reached; a refusal (not the
// tables' owner) is logged and not retried.
bool apply_event_triggers(pqxx::connection& conn, bool enabled);

// Whether two configurations differ in what the producer uses.
bool event_settings_differ(const Config& a, const Config& b);

}  // namespace prefixd::daemon
