// SPDX-License-Identifier: MIT
// A librdkafka producer for change events: idempotent, acks=all, order
// kept per key; send_batch() hands a batch over and waits until every
// message is acknowledged or has failed, so the caller marks rows processed
// only after a complete flush.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/config.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;

namespace prefixd::daemon {

struct KafkaMessage {
  std::string topic;
  std::optional<std::string> key;
  std::string value;
  std::int64_t event_id = 0;  // sent as header "prefixd-event-id"
};

struct BatchResult {
  std::vector<bool> ok;  // per message: acknowledged by the brokers
  std::size_t delivered = 0;
  std::size_t failed = 0;
  std::string error;  // the first failure's reason
  bool interrupted = false;
};

// librdkafka refused a setting: retrying cannot help.
class KafkaConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class KafkaProducer {
 public:
  // Throws KafkaConfigError naming the setting librdkafka refused.
  explicit KafkaProducer(const Config& config);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Sends `batch` and waits for every delivery report. `stop` is polled
  // while waiting; when it returns true the wait ends (interrupted).
  BatchResult send_batch(const std::vector<KafkaMessage>& batch, const std::function<bool()>& stop);

  // A fatal error (idempotence broken): this producer must be replaced.
  bool fatal() const;
  // The last error librdkafka reported about the brokers ("" if none).
  std::string broker_error() const;

 private:
  rd_kafka_t* rk_ = nullptr;
  std::vector<rd_kafka_topic_t*> topics_;  // held so their metadata stays known
  std::chrono::milliseconds delivery_timeout_;
};

}  // namespace prefixd::daemon
