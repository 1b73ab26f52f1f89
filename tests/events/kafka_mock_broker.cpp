// SPDX-License-Identifier: MIT
// prefixd-kafka-mock: a Kafka cluster for tests and benchmarks, made of
// librdkafka's built-in mock brokers, with a real librdkafka consumer that
// reads the change-event topics back.
//
//   prefixd-kafka-mock [TOPIC_PREFIX [PARTITIONS]]
//
// Prints "bootstrap HOST:PORT" once the cluster is up, then one line per
// consumed message: a JSON object with topic, partition, offset, key, value,
// the prefixd-event-id header and "t", the CLOCK_MONOTONIC time of receipt
// in seconds. Commands on standard input, each answered with "ok COMMAND":
// "down" / "up" (every broker stops / resumes answering), "quit". Ends at
// the end of its input, so it never outlives the test that started it.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex out_mutex;
std::atomic<bool> done{false};

void say(const std::string& line) {
  std::lock_guard<std::mutex> lock(out_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string json_text(const char* data, std::size_t size) {
  std::string out = "\"";
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(data[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

double monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

rd_kafka_conf_t* conf_with(std::initializer_list<std::pair<const char*, std::string>> settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char why[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), why, sizeof why) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", name, why);
      std::exit(2);
    }
  }
  return conf;
}

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

}  // namespace

int main(int argc, char** argv) {
  const std::string prefix = argc > 1 ? argv[1] : "nipap.";
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 3;
  char why[512];

  // The mock brokers' sockets take the host handle's settings: without
  // Nagle, a small produce response is not held back for a delayed ACK.
  rd_kafka_conf_t* host_conf = conf_with({{"socket.nagle.disable", "true"}});
  rd_kafka_conf_set_log_cb(host_conf, quiet_log);
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, host_conf, why, sizeof why);
  if (host == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", why);
    return 2;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host, 1);
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);
  const std::string topics[] = {prefix + "prefix", prefix + "vrf", prefix + "pool"};
  for (const auto& topic : topics) {
    rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1);
  }

  rd_kafka_conf_t* consumer_conf = conf_with({{"bootstrap.servers", bootstrap},
                                              {"group.id", "prefixd-test"},
                                              {"enable.auto.commit", "false"},
                                              {"fetch.wait.max.ms", "5"},
                                              {"socket.nagle.disable", "true"},
                                              {"fetch.error.backoff.ms", "20"},
                                              {"reconnect.backoff.ms", "20"},
                                              {"reconnect.backoff.max.ms", "200"}});
  rd_kafka_conf_set_log_cb(consumer_conf, quiet_log);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, consumer_conf, why, sizeof why);
  if (consumer == nullptr) {
    std::fprintf(stderr, "rd_kafka_new (consumer): %s\n", why);
    return 2;
  }
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(0);
  for (const auto& topic : topics) {
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  say("bootstrap " + bootstrap);

  std::thread commands([&] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line == "down" || line == "up") {
        for (int broker = 1; broker <= 1; ++broker) {
          if (line == "down") {
            rd_kafka_mock_broker_set_down(cluster, broker);
          } else {
            rd_kafka_mock_broker_set_up(cluster, broker);
          }
        }
        say("ok " + line);
      } else if (line == "quit") {
        break;
      } else if (!line.empty()) {
        say("unknown command " + line);
      }
    }
    done = true;
  });

  while (!done) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 20);
    if (m == nullptr) continue;
    const double now = monotonic_seconds();
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string event_id = "null";
      rd_kafka_headers_t* headers = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, "prefixd-event-id", &value, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
        event_id = std::string(static_cast<const char*>(value), size);
      }
      char t[32];
      std::snprintf(t, sizeof t, "%.6f", now);
      say("{\"topic\": " +
          json_text(rd_kafka_topic_name(m->rkt), std::strlen(rd_kafka_topic_name(m->rkt))) +
          ", \"partition\": " + std::to_string(m->partition) +
          ", \"offset\": " + std::to_string(m->offset) + ", \"key\": " +
          (m->key ? json_text(static_cast<const char*>(m->key), m->key_len) : "null") +
          ", \"value\": " + json_text(static_cast<const char*>(m->payload), m->len) +
          ", \"event_id\": " + event_id + ", \"t\": " + t + "}");
    }
    rd_kafka_message_destroy(m);
  }
  commands.join();
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(host);
  return 0;
}
