// SPDX-License-Identifier: MIT
#include "daemon/kafka_producer.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace prefixd::daemon {

namespace {

// Per-producer state the librdkafka callbacks write (they run on the
// thread that calls rd_kafka_poll/flush, i.e. ours).
struct CallbackState {
  std::vector<rd_kafka_resp_err_t>* results = nullptr;  // per message of the batch in flight
  std::size_t reported = 0;
  std::string broker_error;
};

void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void*) {
  auto* state = static_cast<CallbackState*>(rd_kafka_opaque(rk));
  const auto index = reinterpret_cast<std::uintptr_t>(m->_private);
  if (state->results == nullptr || index >= state->results->size()) return;
  (*state->results)[index] = m->err;
  ++state->reported;
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  auto* state = static_cast<CallbackState*>(rd_kafka_opaque(rk));
  state->broker_error = std::string(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err))) +
                        ": " + (reason ? reason : "");
  spdlog::debug("kafka: {}", state->broker_error);
}

void on_log(const rd_kafka_t*, int level, const char* facility, const char* text) {
  // librdkafka's own chatter is debug detail; failures reach us through
  // delivery reports and the error callback and are logged from there.
  spdlog::debug("kafka {} [{}]: {}", facility, level, text);
}

void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char why[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), why, sizeof why) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw KafkaConfigError(std::string("kafka setting ") + name + ": " + why);
  }
}

}  // namespace

KafkaProducer::KafkaProducer(const Config& config)
    : delivery_timeout_(std::chrono::seconds(config.kafka_delivery_timeout)) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", config.kafka_brokers);
  set(conf, "client.id", "prefixd");
  // At-least-once with order per key: retries never reorder or duplicate
  // within a producer session, and acks=all waits for every in-sync replica.
  set(conf, "enable.idempotence", "true");
  set(conf, "acks", "all");
  // The partitioner of Java clients, so a key maps to the partition other
  // producers of the topic would pick.
  set(conf, "partitioner", "murmur2_random");
  set(conf, "linger.ms", "1");
  // Small batches must not wait for a delayed ACK (Nagle: up to 40 ms).
  set(conf, "socket.nagle.disable", "true");
  set(conf, "message.timeout.ms", std::to_string(delivery_timeout_.count()));
  set(conf, "reconnect.backoff.ms", "50");
  set(conf, "reconnect.backoff.max.ms", "1000");
  set(conf, "security.protocol", config.kafka_security_protocol);
  if (config.kafka_security_protocol.rfind("SASL_", 0) == 0) {
    set(conf, "sasl.mechanisms", config.kafka_sasl_mechanism);
    if (config.kafka_sasl_username) set(conf, "sasl.username", *config.kafka_sasl_username);
    if (config.kafka_sasl_password) set(conf, "sasl.password", *config.kafka_sasl_password);
  }
  if (config.kafka_security_protocol.find("SSL") != std::string::npos) {
    if (config.kafka_ssl_cafile) set(conf, "ssl.ca.location", *config.kafka_ssl_cafile);
    set(conf, "ssl.endpoint.identification.algorithm",
        config.kafka_ssl_check_hostname ? "https" : "none");
  }
  auto* state = new CallbackState;
  rd_kafka_conf_set_opaque(conf, state);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_log_cb(conf, on_log);
  char why[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
  if (rk_ == nullptr) {
    delete state;
    rd_kafka_conf_destroy(conf);
    throw KafkaConfigError(std::string("cannot create the Kafka producer: ") + why);
  }
  // Ask for the topics' metadata now, not when the first event waits for it.
  for (const char* name : {"prefix", "vrf", "pool"}) {
    rd_kafka_topic_t* topic =
        rd_kafka_topic_new(rk_, (config.kafka_topic_prefix + name).c_str(), nullptr);
    if (topic != nullptr) topics_.push_back(topic);
  }
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  auto* state = static_cast<CallbackState*>(rd_kafka_opaque(rk_));
  // Whatever is still queued stays in the outbox; do not wait for it.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  state->results = nullptr;
  rd_kafka_flush(rk_, 100);
  for (rd_kafka_topic_t* topic : topics_) rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk_);
  delete state;
}

bool KafkaProducer::fatal() const {
  char why[256];
  return rd_kafka_fatal_error(rk_, why, sizeof why) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::string KafkaProducer::broker_error() const {
  return static_cast<CallbackState*>(rd_kafka_opaque(rk_))->broker_error;
}

BatchResult KafkaProducer::send_batch(const std::vector<KafkaMessage>& batch,
                                      const std::function<bool()>& stop) {
  auto* state = static_cast<CallbackState*>(rd_kafka_opaque(rk_));
  std::vector<rd_kafka_resp_err_t> results(batch.size(), RD_KAFKA_RESP_ERR__IN_PROGRESS);
  state->results = &results;
  state->reported = 0;
  BatchResult out;
  std::size_t queued = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const KafkaMessage& m = batch[i];
    const std::string id = std::to_string(m.event_id);
    const void* key = m.key ? m.key->data() : nullptr;
    const std::size_t key_size = m.key ? m.key->size() : 0;
    rd_kafka_resp_err_t err;
    for (;;) {
      err = rd_kafka_producev(
          rk_, RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
          RD_KAFKA_V_HEADER("prefixd-event-id", id.data(), static_cast<ssize_t>(id.size())),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(i))),
          RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk_, 10);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Not queued: this and everything after it stay in the outbox. What
      // is already queued is still awaited, so nothing is left in flight.
      results[i] = err;
      break;
    }
    ++queued;
  }
  // Wait for every queued message's report (each ends within the delivery
  // timeout); `stop` may cut the wait short.
  while (state->reported < queued) {
    if (stop && stop()) {
      out.interrupted = true;
      break;
    }
    rd_kafka_poll(rk_, 50);
  }
  state->results = nullptr;
  out.ok.assign(results.size(), false);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i] == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.ok[i] = true;
      ++out.delivered;
    } else if (results[i] != RD_KAFKA_RESP_ERR__IN_PROGRESS || i < queued) {
      ++out.failed;
      if (out.error.empty()) out.error = rd_kafka_err2str(results[i]);
    }
  }
  if (out.failed == 0 && out.delivered < batch.size() && out.error.empty() && !out.interrupted) {
    out.error = "not queued";
  }
  return out;
}

}  // namespace prefixd::daemon
