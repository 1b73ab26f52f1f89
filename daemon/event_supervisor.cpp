// SPDX-License-Identifier: MIT
#include "daemon/event_supervisor.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "backend/event_outbox.h"
#include "daemon/event_producer.h"

namespace prefixd::daemon {

namespace {
using Clock = std::chrono::steady_clock;

auto event_settings(const Config& c) {
  return std::tie(c.events_enabled, c.kafka_brokers, c.kafka_poll_interval, c.kafka_topic_prefix,
                  c.kafka_security_protocol, c.kafka_sasl_mechanism, c.kafka_sasl_username,
                  c.kafka_sasl_password, c.kafka_ssl_cafile, c.kafka_ssl_check_hostname,
                  c.kafka_delivery_timeout, c.events_retention);
}

bool producer_wanted(const Config& c) {
  return c.events_enabled && !c.kafka_brokers.empty();
}
}  // namespace

bool apply_event_triggers(pqxx::connection& conn, bool enabled) {
  try {
    if (set_event_triggers(conn, enabled)) {
      spdlog::info("change-event triggers {}", enabled ? "enabled" : "disabled");
    }
  } catch (const pqxx::broken_connection&) {
    return false;
  } catch (const pqxx::sql_error& e) {
    spdlog::error("cannot {} the change-event triggers (events.kafka.enabled): {}",
                  enabled ? "enable" : "disable", e.what());
  }
  return true;
}

bool event_settings_differ(const Config& a, const Config& b) {
  return event_settings(a) != event_settings(b) || a.conninfo() != b.conninfo();
}

void EventSupervisor::start(const Config& config, bool triggers_set, api::SharedMetrics* metrics) {
  metrics_ = metrics;
  config_ = config;
  if (config.events_enabled && config.kafka_brokers.empty()) {
    spdlog::warn(
        "events.kafka.enabled is true but events.kafka.brokers is empty: changes are recorded "
        "in kafka_produce_event and not sent");
  }
  wanted_ = producer_wanted(config) || !triggers_set;
  if (wanted_) spawn();
}

void EventSupervisor::reload(const Config& config) {
  const bool changed = event_settings_differ(config_, config);
  config_ = config;
  if (!changed || stopping_) return;
  if (current_) {
    // The new child stands by until the old one releases the producer lock.
    kill(*current_, SIGTERM);
    retiring_.push_back(*current_);
    current_.reset();
  }
  restart_at_.reset();
  backoff_ = std::chrono::milliseconds(0);
  // Even with events off, a child sets the triggers (without blocking the master).
  wanted_ = true;
  spawn();
}

void EventSupervisor::spawn() {
  const pid_t master = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("fork (event producer): {}", std::strerror(errno));
    restart_at_ = Clock::now() + std::chrono::seconds(1);
    return;
  }
  if (pid == 0) {
    if (close_in_child_) close_in_child_();
    run_event_producer(config_, EventProducerSetup{metrics_, master});
  }
  current_ = pid;
  started_ = Clock::now();
  if (metrics_) metrics_->event_producer.started.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("started event process {}", pid);
}

bool EventSupervisor::reaped(pid_t pid, int status) {
  auto old = std::find(retiring_.begin(), retiring_.end(), pid);
  if (old == retiring_.end() && current_ != pid) return false;
  if (metrics_) {
    metrics_->event_producer.exits[api::exit_cause_index(status)].fetch_add(
        1, std::memory_order_relaxed);
  }
  if (old != retiring_.end()) {
    retiring_.erase(old);
    return true;
  }
  current_.reset();
  if (stopping_) return true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    wanted_ = false;  // its work is done (triggers set, no producer configured)
    return true;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kProducerConfigError) {
    spdlog::error(
        "event process {} cannot work with this configuration; not restarted "
        "(fix events.kafka.* and reload)",
        pid);
    wanted_ = false;
    return true;
  }
  spdlog::error("event process {} {}", pid,
                WIFSIGNALED(status)
                    ? std::string("was killed by signal ") + std::to_string(WTERMSIG(status))
                    : "exited with status " + std::to_string(WEXITSTATUS(status)));
  // Like a worker: quick deaths restart with growing delays.
  if (Clock::now() - started_ < std::chrono::seconds(5)) {
    backoff_ =
        std::clamp(backoff_ * 2, std::chrono::milliseconds(250), std::chrono::milliseconds(30000));
  } else {
    backoff_ = std::chrono::milliseconds(0);
  }
  restart_at_ = Clock::now() + backoff_;
  return true;
}

void EventSupervisor::restart_due() {
  if (!wanted_ || stopping_ || current_ || !restart_at_ || Clock::now() < *restart_at_) return;
  restart_at_.reset();
  spawn();
}

void EventSupervisor::terminate() {
  stopping_ = true;
  if (current_) {
    kill(*current_, SIGTERM);
    retiring_.push_back(*current_);
    current_.reset();
  }
}

void EventSupervisor::kill_all() {
  terminate();
  for (pid_t pid : retiring_) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  retiring_.clear();
}

}  // namespace prefixd::daemon
