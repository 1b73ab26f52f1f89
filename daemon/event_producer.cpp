// SPDX-License-Identifier: MIT
#include "daemon/event_producer.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>

#include "api/json_codec.h"
#include "backend/event_outbox.h"
#include "backend/migrations.h"
#include "daemon/child_process.h"
#include "daemon/event_supervisor.h"
#include "daemon/kafka_producer.h"
#include "daemon/logging.h"
#include "daemon/process_title.h"

namespace prefixd::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kBatchSize = 100;       // NIPAP's
constexpr int kRetentionBatch = 500;  // rows per DELETE, so no delete holds locks for long
constexpr auto kRetentionPeriod = std::chrono::seconds(60);
constexpr auto kWarningPeriod = std::chrono::minutes(1);
// Under a steady stream of writes (a batch went out less than kBusy ago), a
// wake-up waits kCoalesce for more events, so one batch carries several
// calls' events instead of one each: a few ms of latency for much less work.
constexpr auto kBusy = std::chrono::milliseconds(100);
constexpr auto kCoalesce = std::chrono::milliseconds(5);

std::string topic_for(const Config& config, const std::string& table) {
  if (table == "ip_net_plan") return config.kafka_topic_prefix + "prefix";
  if (table == "ip_net_vrf") return config.kafka_topic_prefix + "vrf";
  if (table == "ip_net_pool") return config.kafka_topic_prefix + "pool";
  return "";
}

// NIPAP's message: {"event_type": "INSERT", "payload": {...the row...}}.
std::string message_value(const OutboxEvent& e) {
  std::string v = "{\"event_type\": ";
  api::append_json_string(v, e.event_type);
  v += ", \"payload\": ";
  v += e.payload.value_or("null");
  v += '}';
  return v;
}

class Listener : public pqxx::notification_receiver {
 public:
  Listener(pqxx::connection& conn, bool& woken)
      : pqxx::notification_receiver(conn, kEventChannel), woken_(woken) {}
  void operator()(const std::string&, int) override { woken_ = true; }

 private:
  bool& woken_;
};

class Producer {
 public:
  Producer(const Config& config, const EventProducerSetup& setup, int signal_fd)
      : config_(config), setup_(setup), signal_fd_(signal_fd) {}
  int run();

 private:
  bool wants_producer() const { return config_.events_enabled && !config_.kafka_brokers.empty(); }
  void connect();
  void disconnect();
  bool deliver_batch();
  void delete_expired();
  void wait(milliseconds longest);
  bool stop_requested();
  void warn_undelivered(std::size_t failed, const std::string& why);

  const Config& config_;
  EventProducerSetup setup_;
  int signal_fd_;
  bool stopping_ = false;
  bool woken_ = false;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<KafkaProducer> kafka_;
  bool holds_lock_ = false;
  bool said_standby_ = false;
  milliseconds db_backoff_{0};
  milliseconds send_backoff_{0};
  Clock::time_point retry_sending_at_{};
  Clock::time_point next_retention_{};
  Clock::time_point next_warning_{};
  Clock::time_point last_batch_{};
  std::size_t failures_since_success_ = 0;
};

bool Producer::stop_requested() {
  signalfd_siginfo si;
  while (read(signal_fd_, &si, sizeof si) == sizeof si) stopping_ = true;
  return stopping_;
}

void Producer::connect() {
  // synchronous_commit off: marking rows processed is bookkeeping a crash
  // may lose (those events are then sent again, as at-least-once allows), so
  // the producer never waits for a WAL flush nor adds one to the API's.
  auto conn =
      std::make_unique<pqxx::connection>(config_.conninfo() + " application_name='prefixd events'" +
                                         " options='-c synchronous_commit=off'");
  const std::string problem = schema_problem(read_schema_state(*conn));
  if (!problem.empty()) throw std::runtime_error(problem);
  if (!apply_event_triggers(*conn, config_.events_enabled)) {
    throw pqxx::broken_connection("connection lost while setting the triggers");
  }
  conn_ = std::move(conn);
  listener_ = std::make_unique<Listener>(*conn_, woken_);
  holds_lock_ = false;
  woken_ = true;  // look at the outbox once right away
}

void Producer::disconnect() {
  listener_.reset();
  conn_.reset();
  holds_lock_ = false;
}

void Producer::warn_undelivered(std::size_t failed, const std::string& why) {
  ++failures_since_success_;
  const auto now = Clock::now();
  if (now < next_warning_) return;
  next_warning_ = now + kWarningPeriod;
  std::string detail = kafka_ ? kafka_->broker_error() : std::string();
  spdlog::warn(
      "cannot deliver change events to Kafka ({}): {} event(s) of a batch failed: {}{}; they "
      "stay in the outbox and are sent again (this warning repeats at most once a minute)",
      config_.kafka_brokers, failed, why, detail.empty() ? "" : " (" + detail + ")");
}

// Sends the oldest undelivered events (one batch) and marks those the
// brokers acknowledged. Returns true when a full batch went out, so more may
// be waiting.
bool Producer::deliver_batch() {
  if (Clock::now() < retry_sending_at_) return false;
  if (!kafka_) kafka_ = std::make_unique<KafkaProducer>(config_);
  pqxx::work tx(*conn_);
  const std::vector<OutboxEvent> events = lock_pending_events(tx, kBatchSize);
  if (events.empty()) {
    tx.commit();
    return false;
  }
  last_batch_ = Clock::now();
  std::vector<KafkaMessage> messages;
  std::vector<std::int64_t> unknown;
  for (const auto& e : events) {
    std::string topic = topic_for(config_, e.table_name);
    if (topic.empty()) {
      unknown.push_back(e.id);
      continue;
    }
    messages.push_back(KafkaMessage{std::move(topic), e.row_id, message_value(e), e.id});
  }
  if (!unknown.empty()) {
    spdlog::warn("{} outbox event(s) name a table that has no topic; marked processed unsent",
                 unknown.size());
  }
  const BatchResult result = kafka_->send_batch(messages, [this] { return stop_requested(); });
  setup_.metrics->events_sent.fetch_add(result.delivered, std::memory_order_relaxed);
  setup_.metrics->events_failed.fetch_add(result.failed, std::memory_order_relaxed);
  if (result.interrupted) {
    tx.abort();
    return false;
  }
  std::vector<std::int64_t> done = std::move(unknown);
  if (result.delivered == messages.size()) {
    for (const auto& m : messages) done.push_back(m.event_id);
  } else {
    // A delivered event is kept as undelivered when an earlier event of the
    // same key failed: sending it again after that one keeps the key's order.
    std::set<std::pair<std::string, std::string>> blocked;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const auto key = std::make_pair(messages[i].topic, messages[i].key.value_or(""));
      if (result.ok[i] && !blocked.count(key)) {
        done.push_back(messages[i].event_id);
      } else {
        blocked.insert(key);
      }
    }
  }
  mark_events_processed(tx, done);
  tx.commit();
  if (result.delivered == messages.size()) {
    if (failures_since_success_ > 0) {
      spdlog::info("change events reach Kafka again (after {} failed attempt(s))",
                   failures_since_success_);
    }
    failures_since_success_ = 0;
    send_backoff_ = milliseconds(0);
    return events.size() == static_cast<std::size_t>(kBatchSize);
  }
  warn_undelivered(result.failed, result.error);
  if (kafka_->fatal()) kafka_.reset();
  send_backoff_ = std::clamp(send_backoff_ * 2, milliseconds(250), milliseconds(5000));
  retry_sending_at_ = Clock::now() + send_backoff_;
  return false;
}

void Producer::delete_expired() {
  const auto now = Clock::now();
  if (now < next_retention_) return;
  pqxx::work tx(*conn_);
  const int deleted =
      delete_expired_events(tx, std::chrono::seconds(config_.events_retention), kRetentionBatch);
  tx.commit();
  if (deleted > 0) spdlog::debug("deleted {} delivered event(s) past the retention", deleted);
  // A full batch means more are due: continue soon, leaving room for deliveries.
  next_retention_ = now + (deleted == kRetentionBatch ? milliseconds(100) : kRetentionPeriod);
}

void Producer::wait(milliseconds longest) {
  if (conn_) conn_->get_notifs();  // already read along with a query result
  if (woken_) return;
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {conn_ ? conn_->sock() : -1, POLLIN, 0}};
  const int n = poll(fds, conn_ ? 2 : 1, static_cast<int>(longest.count()));
  if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && conn_) conn_->get_notifs();
  stop_requested();
}

int Producer::run() {
  const milliseconds poll_interval = std::chrono::seconds(config_.kafka_poll_interval);
  while (!stop_requested()) {
    if (!conn_) {
      try {
        connect();
        db_backoff_ = milliseconds(0);
      } catch (const std::exception& e) {
        db_backoff_ = std::clamp(db_backoff_ * 2, milliseconds(100), milliseconds(5000));
        spdlog::warn("events: cannot use the database ({}); retrying in {} ms", e.what(),
                     db_backoff_.count());
        disconnect();
        wait(db_backoff_);
        continue;
      }
      if (!wants_producer()) {
        if (config_.events_enabled) {
          spdlog::warn(
              "events.kafka.enabled is true but events.kafka.brokers is empty: changes are "
              "recorded in kafka_produce_event and not sent");
        }
        return 0;
      }
    }
    try {
      if (!holds_lock_) {
        holds_lock_ = pqxx::nontransaction(*conn_)
                          .exec_params1("SELECT pg_try_advisory_lock($1)", kEventProducerLockKey)[0]
                          .as<bool>();
        if (!holds_lock_) {
          if (!said_standby_) spdlog::info("another event producer is active; standing by");
          said_standby_ = true;
          wait(poll_interval);
          continue;
        }
        if (said_standby_) spdlog::info("now the active event producer");
        said_standby_ = false;
      }
      if (woken_ && Clock::now() - last_batch_ < kBusy) {
        pollfd p{signal_fd_, POLLIN, 0};
        poll(&p, 1, static_cast<int>(kCoalesce.count()));
      }
      woken_ = false;
      const bool more = deliver_batch();
      delete_expired();
      if (more || stop_requested()) continue;
      milliseconds longest = poll_interval;
      const auto now = Clock::now();
      if (retry_sending_at_ > now) {
        longest =
            std::min(longest, std::chrono::duration_cast<milliseconds>(retry_sending_at_ - now) +
                                  milliseconds(1));
        woken_ = false;
      }
      wait(longest);
      if (retry_sending_at_ > Clock::now()) woken_ = false;
    } catch (const KafkaConfigError&) {
      throw;
    } catch (const pqxx::broken_connection& e) {
      spdlog::warn("events: database connection lost: {}", e.what());
      disconnect();
    } catch (const std::exception& e) {
      spdlog::error("events: {}", e.what());
      disconnect();
      wait(milliseconds(1000));
    }
  }
  return 0;
}

}  // namespace

void run_event_producer(const Config& config, const EventProducerSetup& setup) {
  enter_child_process(setup.master_pid);
  set_process_title("prefixd: events");
  setup_logging(config, "events");
  int status = 0;
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  const int signal_fd = signalfd(-1, &term, SFD_NONBLOCK | SFD_CLOEXEC);
  try {
    Producer producer(config, setup, signal_fd);
    status = producer.run();
  } catch (const KafkaConfigError& e) {
    spdlog::critical("event producer: {}", e.what());
    status = kProducerConfigError;
  } catch (const std::exception& e) {
    spdlog::critical("event producer failed: {}", e.what());
    status = 1;
  }
  spdlog::shutdown();
  _exit(status);
}

}  // namespace prefixd::daemon
