// SPDX-License-Identifier: MIT
// Configuration loading and validation (daemon/config.h).
#include <gtest/gtest.h>

#include "daemon/config.h"

namespace prefixd::daemon {
namespace {

Config load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml");
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, EmptyFileGivesDefaults) {
  const Config c = load("");
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 1337);
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.auth_cache_timeout, 3600);
  EXPECT_EQ(c.max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(c.max_nesting, 1024);
  EXPECT_FALSE(c.db_host.has_value());
  EXPECT_FALSE(c.db_password.has_value());
}

TEST(Config, ReadsEveryKindOfValue) {
  const Config c = load(
      "listen: '[::1]:8080'\nworkers: 3\npid_file: /run/p.pid\n"
      "log:\n  level: debug\n  access: false\n"
      "database:\n  host: db.example\n  port: '5433'\n  name: ipam\n  sslmode: require\n"
      "auth:\n  cache_timeout: 0\nlimits:\n  max_body_bytes: 2048\n");
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_EQ(c.listen.text(), "[::1]:8080");
  EXPECT_EQ(c.workers, 3);
  EXPECT_EQ(c.effective_workers(), 3);
  EXPECT_EQ(c.pid_file, "/run/p.pid");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_FALSE(c.access_log);
  EXPECT_EQ(c.db_host, "db.example");
  EXPECT_EQ(c.auth_cache_timeout, 0);
  EXPECT_EQ(c.max_body_bytes, 2048);
  const std::string ci = c.conninfo();
  EXPECT_NE(ci.find("host='db.example'"), std::string::npos);
  EXPECT_NE(ci.find("port='5433'"), std::string::npos);
  EXPECT_NE(ci.find("dbname='ipam'"), std::string::npos);
  EXPECT_NE(ci.find("sslmode='require'"), std::string::npos);
  EXPECT_EQ(ci.find("password"), std::string::npos);
}

TEST(Config, UnknownKeyIsNamed) {
  EXPECT_NE(error_of("wrokers: 2\n").find("unknown configuration key 'wrokers'"),
            std::string::npos);
  EXPECT_NE(error_of("database:\n  hots: x\n").find("'database.hots'"), std::string::npos);
}

TEST(Config, WrongTypeNamesKeyValueAndAllowed) {
  const std::string e = error_of("workers: many\n");
  EXPECT_NE(e.find("'workers'"), std::string::npos) << e;
  EXPECT_NE(e.find("'many'"), std::string::npos) << e;
  EXPECT_NE(e.find("an integer from 0 to 256"), std::string::npos) << e;
  EXPECT_NE(error_of("log:\n  access: maybe\n").find("true or false"), std::string::npos);
  EXPECT_NE(error_of("database: 5\n").find("must be a section"), std::string::npos);
  EXPECT_NE(error_of("workers: [1, 2]\n").find("single value"), std::string::npos);
}

TEST(Config, OutOfRangeIsRefused) {
  EXPECT_NE(error_of("workers: 257\n").find("'257'"), std::string::npos);
  EXPECT_NE(error_of("workers: -1\n").find("'-1'"), std::string::npos);
  EXPECT_NE(error_of("limits:\n  max_nesting: 2\n").find("limits.max_nesting"), std::string::npos);
  EXPECT_NE(error_of("log:\n  level: loud\n").find("one of trace, debug"), std::string::npos);
}

TEST(Config, ListenAddressForms) {
  EXPECT_EQ(parse_listen("0.0.0.0:80").port, 80);
  EXPECT_EQ(parse_listen("[::]:1337").host, "::");
  for (const char* bad : {"1337", "host:", ":80", "h:0", "h:65536", "[::1]80", "::1:80", "h:8x"}) {
    EXPECT_THROW(parse_listen(bad), ConfigError) << bad;
  }
  EXPECT_NE(error_of("listen: nowhere\n").find("'listen'"), std::string::npos);
}

TEST(Config, MalformedYamlIsReported) {
  EXPECT_NE(error_of("workers: [\n").find("test.yaml"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("must be a YAML mapping"), std::string::npos);
}

TEST(Config, CommandLineOverridesUseTheSameChecks) {
  Config c = load("workers: 2\n");
  set_config_key(c, "workers", "4");
  EXPECT_EQ(c.workers, 4);
  EXPECT_THROW(set_config_key(c, "workers", "x"), ConfigError);
  EXPECT_THROW(set_config_key(c, "listen", "x"), ConfigError);
}

// The shipped default file is generated from the key table and must load
// back to exactly the defaults.
TEST(Config, DefaultTextLoadsToDefaults) {
  const Config c = load(default_config_text());
  const Config d;
  EXPECT_EQ(c.listen.text(), d.listen.text());
  EXPECT_EQ(c.workers, d.workers);
  EXPECT_EQ(c.log_level, d.log_level);
  EXPECT_EQ(c.auth_cache_timeout, d.auth_cache_timeout);
  EXPECT_EQ(c.max_body_bytes, d.max_body_bytes);
  EXPECT_FALSE(c.db_host.has_value());
  for (const auto& key : config_keys()) {
    const std::string path = key.path;
    const std::string leaf = path.substr(path.rfind('.') + 1);
    EXPECT_NE(default_config_text().find(leaf + ":"), std::string::npos) << path;
  }
}

// Issue 16: the events.kafka.* keys (NIPAP's [kafka] section, one level
// deeper) and the metrics.* keys.
TEST(Config, EventAndMetricsKeys) {
  const Config d = load("");
  EXPECT_FALSE(d.events_enabled);
  EXPECT_EQ(d.kafka_topic_prefix, "nipap.");
  EXPECT_EQ(d.kafka_poll_interval, 2);
  EXPECT_EQ(d.events_retention, 7 * 24 * 3600);
  EXPECT_TRUE(d.metrics_enabled);
  EXPECT_FALSE(d.metrics_listen.has_value());
  EXPECT_FALSE(d.metrics_require_auth);

  const Config c = load(
      "events:\n  retention: 60\n  kafka:\n    enabled: true\n    brokers: a:9092,b:9092\n"
      "    poll_interval: 5\n    topic_prefix: ipam.\n    security_protocol: SASL_SSL\n"
      "    sasl_mechanism: SCRAM-SHA-512\n    sasl_username: u\n    sasl_password: p\n"
      "    ssl_cafile: /etc/ca.pem\n    ssl_check_hostname: false\n"
      "metrics:\n  listen: 127.0.0.1:9337\n  require_auth: true\n");
  EXPECT_TRUE(c.events_enabled);
  EXPECT_EQ(c.kafka_brokers, "a:9092,b:9092");
  EXPECT_EQ(c.kafka_poll_interval, 5);
  EXPECT_EQ(c.kafka_topic_prefix, "ipam.");
  EXPECT_EQ(c.kafka_security_protocol, "SASL_SSL");
  EXPECT_EQ(c.kafka_sasl_mechanism, "SCRAM-SHA-512");
  EXPECT_EQ(c.kafka_sasl_username.value_or(""), "u");
  EXPECT_EQ(c.kafka_ssl_cafile.value_or(""), "/etc/ca.pem");
  EXPECT_FALSE(c.kafka_ssl_check_hostname);
  EXPECT_EQ(c.events_retention, 60);
  ASSERT_TRUE(c.metrics_listen.has_value());
  EXPECT_EQ(c.metrics_listen->text(), "127.0.0.1:9337");
  EXPECT_TRUE(c.metrics_require_auth);

  EXPECT_FALSE(load("metrics:\n  listen:\n").metrics_listen.has_value());
  EXPECT_NE(error_of("metrics:\n  listen: nowhere\n").find("'metrics.listen'"), std::string::npos);
  EXPECT_NE(error_of("events:\n  kafka:\n    security_protocol: SSL_SASL\n")
                .find("allowed: one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
            std::string::npos);
  EXPECT_NE(
      error_of("events:\n  kafka:\n    poll_interval: 0\n").find("events.kafka.poll_interval"),
      std::string::npos);
  EXPECT_NE(error_of("events:\n  kafka: true\n").find("'events.kafka' must be a section"),
            std::string::npos);
}

}  // namespace
}  // namespace prefixd::daemon
