// SPDX-License-Identifier: MIT
// The change-event producer process (issue 16), forked and supervised by the
// master: applies events.kafka.enabled to NIPAP's trigger_kafka_* triggers,
// then (enabled, with brokers) sends the outbox rows to Kafka in id order,
// woken by the triggers' NOTIFY with poll_interval as a fallback, marks them
// processed after the brokers acknowledged them, and deletes processed rows
// older than events.retention in small batches. One producer per database is
// active at a time (an advisory lock); others wait as stand-bys.
#pragma once

#include <sys/types.h>

#include "api/metrics.h"
#include "daemon/config.h"

namespace prefixd::daemon {

// Exit status of a producer that cannot work with its configuration; the
// master does not restart it.
inline constexpr int kProducerConfigError = 78;

struct EventProducerSetup {
  api::SharedMetrics* metrics = nullptr;
  pid_t master_pid = 0;
};

// Never returns. Exits 0 when its work is done (triggers applied and no
// producer wanted, or SIGTERM), non-zero on a failure.
[[noreturn]] void run_event_producer(const Config& config, const EventProducerSetup& setup);

}  // namespace prefixd::daemon
