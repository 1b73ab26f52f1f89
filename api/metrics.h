// SPDX-License-Identifier: MIT
// Prometheus metrics shared by the master, the workers and the event
// producer: plain atomic counters in one anonymous shared mapping that the
// master creates before it forks. Each worker slot has its own block, so a
// request costs a few relaxed atomic additions to memory no other process
// writes (no locks); a scrape sums the blocks and renders the text format.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/response_cache.h"

namespace prefixd::api {

enum class Transport : int { kXmlRpc = 0, kJson = 1, kRest = 2 };

inline constexpr int kMetricSlots = 256;   // = daemon::kMaxWorkers
inline constexpr int kMetricMethods = 48;  // api methods + introspection + "unknown"
inline constexpr int kMetricTransports = 3;
// "ok", the NIPAP fault codes (errors.md §1), and "other".
inline constexpr int kMetricOutcomes = 14;
// Upper bounds of the request duration histogram, in seconds (+Inf implied).
inline constexpr double kDurationBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
inline constexpr int kMetricBuckets = sizeof kDurationBuckets / sizeof kDurationBuckets[0] + 1;
// Why a child process ended: 0 exit status 0, 1 another status, 2 + N signal N.
inline constexpr int kExitCauses = 2 + 65;

using Counter = std::atomic<std::uint64_t>;
using Gauge = std::atomic<std::int64_t>;
static_assert(Counter::is_always_lock_free && Gauge::is_always_lock_free);

// Everything one worker slot counts. Counters keep counting across the
// slot's worker restarts; gauges belong to the slot's current worker.
struct alignas(64) SlotMetrics {
  Counter requests[kMetricMethods][kMetricTransports][kMetricOutcomes];
  Counter duration_buckets[kMetricMethods][kMetricBuckets];  // per bucket, not cumulative
  Counter duration_micros[kMetricMethods];
  Counter auth_cache_hits;
  Counter auth_cache_misses;
  Counter database_connect_failures;
  Counter database_connections_lost;
  Counter database_reconnects;
  Gauge in_flight;
  Gauge resident_bytes;
  Gauge pid;  // 0: no worker serves this slot
};

struct ProcessMetrics {
  Counter started;
  Counter exits[kExitCauses];
};

struct SharedMetrics {
  ProcessMetrics workers;
  ProcessMetrics event_producer;
  Counter events_sent;
  Counter events_failed;
  // 1 + the highest slot index ever given a worker; scrapes read no further.
  std::atomic<int> slots_used;
  SlotMetrics slots[kMetricSlots];

  void use_slot(int slot) {
    int seen = slots_used.load();
    while (seen < slot + 1 && !slots_used.compare_exchange_weak(seen, slot + 1)) {
    }
  }
};

// Maps a zeroed SharedMetrics shared with every child forked afterwards.
// Zeroed memory is a valid set of atomics; the pages of unused slots are
// never touched.
SharedMetrics* map_shared_metrics();

// The index of an exit cause, from a waitpid() status.
int exit_cause_index(int wait_status);

// What one worker records per API request. A no-op without shared metrics.
class RequestMetrics {
 public:
  RequestMetrics() = default;
  RequestMetrics(SharedMetrics* shared, int slot);
  void record(Transport transport, std::string_view method, int fault_code, double seconds);
  SlotMetrics* slot() const { return slot_; }

 private:
  SlotMetrics* slot_ = nullptr;
};

// Adds the growth of a process-local running total to a shared counter.
class DeltaPublisher {
 public:
  void publish(Counter& target, std::uint64_t current) {
    if (current > last_) target.fetch_add(current - last_, std::memory_order_relaxed);
    last_ = current;
  }

 private:
  std::uint64_t last_ = 0;
};

// Values a scrape adds that are not counters in shared memory.
struct ScrapeExtras {
  int active_workers = 0;
  std::optional<std::int64_t> outbox_backlog;  // unset when the database is unreachable
  bool events_enabled = false;
  std::optional<CacheStats> cache;  // unset when the response cache is off
};

// The Prometheus text exposition (format 0.0.4) of everything above.
std::string render_metrics(const SharedMetrics& metrics, const ScrapeExtras& extras);

}  // namespace prefixd::api
