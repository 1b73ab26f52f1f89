// SPDX-License-Identifier: MIT
#include "api/metrics.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>
#include <vector>

#include "api/method_table.h"
#include "backend/version.h"

namespace prefixd::api {

namespace {

constexpr int kFaultCodes[] = {1, 1000, 1100, 1110, 1120, 1130, 1200, 1300, 1400, 1500, 1510, 1520};
static_assert(sizeof kFaultCodes / sizeof kFaultCodes[0] + 2 == kMetricOutcomes);
constexpr const char* kTransportNames[] = {"xmlrpc", "json", "rest"};
constexpr std::string_view kIntrospection[] = {"system.listMethods", "system.methodHelp",
                                               "system.methodSignature"};

int outcome_index(int fault_code) {
  if (fault_code == 0) return 0;
  for (int i = 0; i < kMetricOutcomes - 2; ++i) {
    if (kFaultCodes[i] == fault_code) return i + 1;
  }
  return kMetricOutcomes - 1;
}

std::string outcome_name(int index) {
  if (index == 0) return "ok";
  if (index == kMetricOutcomes - 1) return "other";
  return std::to_string(kFaultCodes[index - 1]);
}

int method_count() {
  return static_cast<int>(api_methods().size() + std::size(kIntrospection) + 1);
}

int method_index(std::string_view name) {
  const auto& all = api_methods();
  if (const MethodDef* m = find_api_method(name)) return static_cast<int>(m - all.data());
  for (std::size_t i = 0; i < std::size(kIntrospection); ++i) {
    if (kIntrospection[i] == name) return static_cast<int>(all.size() + i);
  }
  return method_count() - 1;
}

std::string_view method_name(int index) {
  const auto& all = api_methods();
  if (index < static_cast<int>(all.size())) return all[index].name;
  index -= static_cast<int>(all.size());
  if (index < static_cast<int>(std::size(kIntrospection))) return kIntrospection[index];
  return "unknown";
}

std::string cause_name(int index) {
  if (index == 0) return "exit_ok";
  if (index == 1) return "exit_error";
  const char* abbrev = sigabbrev_np(index - 2);
  return abbrev ? std::string("SIG") + abbrev : "signal_" + std::to_string(index - 2);
}

std::span<const SlotMetrics> used_slots(const SharedMetrics& m) {
  const int n = std::clamp(m.slots_used.load(std::memory_order_relaxed), 0, kMetricSlots);
  return {m.slots, static_cast<std::size_t>(n)};
}

std::uint64_t load(const Counter& c) {
  return c.load(std::memory_order_relaxed);
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  template <typename V>
  void sample(std::string_view name, const std::string& labels, V value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    if constexpr (std::is_floating_point_v<V>) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", value);
      out_ += buf;
    } else {
      out_ += std::to_string(value);
    }
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(const char* name, std::string_view value) {
  return std::string(name) + "=\"" + std::string(value) + "\"";
}

void render_process(Writer& w, const ProcessMetrics& p, const char* started, const char* exits,
                    const char* started_help, const char* exits_help) {
  w.family(started, "counter", started_help);
  w.sample(started, "", load(p.started));
  w.family(exits, "counter", exits_help);
  for (int i = 0; i < kExitCauses; ++i) {
    const std::uint64_t n = load(p.exits[i]);
    if (n > 0 || i < 2) w.sample(exits, label("cause", cause_name(i)), n);
  }
}

void render_requests(Writer& w, const SharedMetrics& m) {
  const int methods = method_count();
  w.family("prefixd_requests_total", "counter",
           "API calls answered, by method, transport and outcome (ok, or the NIPAP fault code).");
  for (int mi = 0; mi < methods; ++mi) {
    for (int t = 0; t < kMetricTransports; ++t) {
      for (int o = 0; o < kMetricOutcomes; ++o) {
        std::uint64_t n = 0;
        for (const auto& s : used_slots(m)) n += load(s.requests[mi][t][o]);
        if (n == 0) continue;
        w.sample("prefixd_requests_total",
                 label("method", method_name(mi)) + "," + label("transport", kTransportNames[t]) +
                     "," + label("outcome", outcome_name(o)),
                 n);
      }
    }
  }
  w.family("prefixd_request_duration_seconds", "histogram",
           "Time to answer an API call, from the complete request to the response, by method.");
  for (int mi = 0; mi < methods; ++mi) {
    std::uint64_t buckets[kMetricBuckets] = {};
    std::uint64_t micros = 0;
    for (const auto& s : used_slots(m)) {
      for (int b = 0; b < kMetricBuckets; ++b) buckets[b] += load(s.duration_buckets[mi][b]);
      micros += load(s.duration_micros[mi]);
    }
    std::uint64_t total = 0;
    for (auto b : buckets) total += b;
    if (total == 0) continue;
    const std::string method = label("method", method_name(mi));
    std::uint64_t cumulative = 0;
    for (int b = 0; b < kMetricBuckets; ++b) {
      cumulative += buckets[b];
      char bound[32];
      if (b + 1 < kMetricBuckets) {
        std::snprintf(bound, sizeof bound, "%g", kDurationBuckets[b]);
      } else {
        std::strcpy(bound, "+Inf");
      }
      w.sample("prefixd_request_duration_seconds_bucket", method + "," + label("le", bound),
               cumulative);
    }
    w.sample("prefixd_request_duration_seconds_sum", method, static_cast<double>(micros) / 1e6);
    w.sample("prefixd_request_duration_seconds_count", method, total);
  }
}

template <typename Field>
std::uint64_t sum_slots(const SharedMetrics& m, Field field) {
  std::uint64_t n = 0;
  for (const auto& s : used_slots(m)) n += load(s.*field);
  return n;
}

}  // namespace

SharedMetrics* map_shared_metrics() {
  void* p = mmap(nullptr, sizeof(SharedMetrics), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  return static_cast<SharedMetrics*>(p);
}

int exit_cause_index(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? 0 : 1;
  if (WIFSIGNALED(status) && WTERMSIG(status) < kExitCauses - 2) return 2 + WTERMSIG(status);
  return 1;
}

RequestMetrics::RequestMetrics(SharedMetrics* shared, int slot)
    : slot_(shared && slot >= 0 && slot < kMetricSlots ? &shared->slots[slot] : nullptr) {
  if (method_count() > kMetricMethods) throw std::logic_error("kMetricMethods is too small");
}

void RequestMetrics::record(Transport transport, std::string_view method, int fault_code,
                            double seconds) {
  if (slot_ == nullptr) return;
  const int mi = method_index(method);
  constexpr auto relaxed = std::memory_order_relaxed;
  slot_->requests[mi][static_cast<int>(transport)][outcome_index(fault_code)].fetch_add(1, relaxed);
  int bucket = 0;
  while (bucket + 1 < kMetricBuckets && seconds > kDurationBuckets[bucket]) ++bucket;
  slot_->duration_buckets[mi][bucket].fetch_add(1, relaxed);
  slot_->duration_micros[mi].fetch_add(static_cast<std::uint64_t>(seconds * 1e6), relaxed);
}

std::string render_metrics(const SharedMetrics& m, const ScrapeExtras& extras) {
  Writer w;
  w.family("prefixd_build_info", "gauge",
           "Always 1; the labels name the prefixd version and the NIPAP schema version it serves.");
  w.sample("prefixd_build_info",
           label("version", kVersion) + "," +
               label("nipap_schema_version", std::to_string(kNipapSchemaVersion)),
           1);
  render_requests(w, m);
  std::int64_t in_flight = 0;
  for (const auto& s : used_slots(m)) in_flight += s.in_flight.load(std::memory_order_relaxed);
  w.family("prefixd_requests_in_flight", "gauge",
           "HTTP requests received and not yet answered, over all workers.");
  w.sample("prefixd_requests_in_flight", "", in_flight);
  w.family("prefixd_auth_cache_hits_total", "counter",
           "Logins answered from a worker's authentication cache.");
  w.sample("prefixd_auth_cache_hits_total", "", sum_slots(m, &SlotMetrics::auth_cache_hits));
  w.family("prefixd_auth_cache_misses_total", "counter",
           "Logins checked against the user store (password hashed).");
  w.sample("prefixd_auth_cache_misses_total", "", sum_slots(m, &SlotMetrics::auth_cache_misses));
  w.family("prefixd_database_errors_total", "counter",
           "Failures of the workers' database connections: attempts to connect that failed, "
           "and open connections that broke.");
  w.sample("prefixd_database_errors_total", label("kind", "connect_failed"),
           sum_slots(m, &SlotMetrics::database_connect_failures));
  w.sample("prefixd_database_errors_total", label("kind", "connection_lost"),
           sum_slots(m, &SlotMetrics::database_connections_lost));
  w.family("prefixd_database_reconnects_total", "counter",
           "Database connections a worker opened again after a failure.");
  w.sample("prefixd_database_reconnects_total", "",
           sum_slots(m, &SlotMetrics::database_reconnects));
  w.family("prefixd_workers", "gauge", "Worker slots configured.");
  w.sample("prefixd_workers", "", extras.active_workers);
  render_process(w, m.workers, "prefixd_workers_started_total", "prefixd_worker_exits_total",
                 "Worker processes the master started.",
                 "Worker processes that ended, by cause (exit status or signal).");
  w.family("prefixd_worker_resident_memory_bytes", "gauge",
           "Resident memory of each worker process, by slot.");
  const auto slots = used_slots(m);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto& s = slots[i];
    if (s.pid.load(std::memory_order_relaxed) == 0) continue;
    w.sample("prefixd_worker_resident_memory_bytes", label("slot", std::to_string(i)),
             s.resident_bytes.load(std::memory_order_relaxed));
  }
  w.family("prefixd_events_enabled", "gauge",
           "1 when change events are published to Kafka (events.kafka.enabled).");
  w.sample("prefixd_events_enabled", "", extras.events_enabled ? 1 : 0);
  w.family("prefixd_events_outbox_backlog", "gauge",
           "Change events in the outbox (kafka_produce_event) not yet delivered.");
  if (extras.outbox_backlog) w.sample("prefixd_events_outbox_backlog", "", *extras.outbox_backlog);
  w.family("prefixd_events_sent_total", "counter",
           "Change events the brokers acknowledged (a resent event counts again).");
  w.sample("prefixd_events_sent_total", "", load(m.events_sent));
  w.family("prefixd_events_failed_total", "counter",
           "Change events the producer could not deliver (they stay in the outbox and are "
           "retried).");
  w.sample("prefixd_events_failed_total", "", load(m.events_failed));
  if (extras.cache) {
    const CacheStats& c = *extras.cache;
    const std::pair<const char*, std::uint64_t> counters[] = {
        {"hits", c.hits},           {"misses", c.misses},
        {"stores", c.stores},       {"invalidations", c.invalidations},
        {"evictions", c.evictions}, {"stale", c.stale}};
    w.family("prefixd_response_cache_total", "counter",
             "Rendered-response cache, over all workers: hits (answered from the cache), misses "
             "(rendered), stores, invalidations (writes through this host, each forgetting "
             "everything), evictions (to make room), stale (entries the database had changed "
             "under).");
    for (const auto& [event, value] : counters) {
      w.sample("prefixd_response_cache_total", label("event", event), value);
    }
    w.family("prefixd_response_cache_entries", "gauge", "Responses held by the cache.");
    w.sample("prefixd_response_cache_entries", "", c.entries);
    w.family("prefixd_response_cache_bytes", "gauge",
             "Bytes of keys and responses the cache holds.");
    w.sample("prefixd_response_cache_bytes", "", c.used_bytes);
    w.family("prefixd_response_cache_capacity_bytes", "gauge",
             "Shared memory of the cache, its tables included (cache.max_bytes).");
    w.sample("prefixd_response_cache_capacity_bytes", "", c.capacity_bytes);
  }
  render_process(w, m.event_producer, "prefixd_event_producer_starts_total",
                 "prefixd_event_producer_exits_total",
                 "Event producer processes the master started.",
                 "Event producer processes that ended, by cause (exit status or signal).");
  return w.take();
}

}  // namespace prefixd::api
