// SPDX-License-Identifier: MIT
// prefixd's configuration: every key declared once in a table (path, type,
// default, range, help), from which the YAML loader, its validation, the
// commented default file and the man page are all derived.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "api/auth_backend.h"

namespace prefixd::daemon {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 1337;
  std::string text() const;
};

struct Config {
  ListenAddress listen;
  // Peers whose X-Forwarded-For names the client in the access log.
  std::vector<std::string> trusted_proxies;
  long workers = 0;  // 0: one per online CPU
  std::string pid_file;
  std::string user;
  std::string group;
  long shutdown_timeout = 30;

  std::string log_level = "info";
  std::string log_target = "stderr";
  bool access_log = true;

  // Unset database keys fall back to libpq's defaults and PG* variables.
  std::optional<std::string> db_host;
  std::optional<std::string> db_port;
  std::optional<std::string> db_name;
  std::optional<std::string> db_user;
  std::optional<std::string> db_password;
  std::optional<std::string> db_sslmode;
  long db_connect_timeout = 5;
  long statement_timeout = 30;           // seconds; 0: none
  long reconnect_backoff_min_ms = 100;   // first wait after a failed connection attempt
  long reconnect_backoff_max_ms = 1000;  // the doubling stops here

  long auth_cache_timeout = 3600;
  std::string auth_default_backend = "local";
  std::vector<api::AuthBackendSettings> auth_backends;  // auth.backends.NAME
  long auth_free_failures = 5;         // per user name; an address gets four times as many
  long auth_max_failure_delay = 8000;  // ms; 0 turns failure throttling off

  long max_body_bytes = 16 * 1024 * 1024;
  long max_nesting = 1024;
  long max_values = 1000000;
  long max_connections = 4096;
  long idle_timeout = 300;
  long max_echo_sleep = 10;
  long request_timeout = 60;
  long header_timeout = 10;
  long body_timeout = 60;
  long max_batch_calls = 10000;

  // Change events to Kafka (NIPAP's [kafka] section, auth-config.md §8.5).
  bool events_enabled = false;
  std::string kafka_brokers;
  long kafka_poll_interval = 2;
  std::string kafka_topic_prefix = "nipap.";
  std::string kafka_security_protocol = "PLAINTEXT";
  std::string kafka_sasl_mechanism = "PLAIN";
  std::optional<std::string> kafka_sasl_username;
  std::optional<std::string> kafka_sasl_password;
  std::optional<std::string> kafka_ssl_cafile;
  bool kafka_ssl_check_hostname = true;
  long kafka_delivery_timeout = 10;
  long events_retention = 7 * 24 * 3600;

  // The rendered-response cache (issue 14).
  bool cache_enabled = true;
  long cache_max_bytes = 64L * 1024 * 1024;
  long cache_max_staleness_ms = 0;
  std::string cache_exclude_methods;  // comma-separated method names

  // Prometheus metrics.
  bool metrics_enabled = true;
  std::optional<ListenAddress> metrics_listen;  // unset: on the main port
  bool metrics_require_auth = false;

  // The libpq connection string for these settings.
  std::string conninfo() const;
  // conninfo() plus the session settings a serving worker runs with
  // (statement_timeout).
  std::string worker_conninfo() const;
  // workers, with 0 resolved to the number of online CPUs.
  int effective_workers() const;
};

struct ConfigKey {
  enum class Kind {
    kString,
    kOptionalString,
    kInt,
    kBool,
    kChoice,
    kListen,
    kOptionalListen,
    kAddressList,
    kBackends,  // auth.backends: a mapping of names to sections of the NAME keys
  };
  // "database.host"; a backend's keys are "auth.backends.NAME.uri".
  const char* path;
  Kind kind;
  const char* default_text;  // as written in YAML; "" for unset
  const char* help;
  long min = 0;
  long max = 0;
  const char* choices = nullptr;  // kChoice: "a|b|c"
  std::variant<std::monostate, std::string Config::*, std::optional<std::string> Config::*,
               long Config::*, bool Config::*, ListenAddress Config::*,
               std::optional<ListenAddress> Config::*, std::vector<std::string> Config::*,
               std::string api::AuthBackendSettings::*, long api::AuthBackendSettings::*,
               bool api::AuthBackendSettings::*>
      field;
  // A backend key: the backend types it applies to ("ldap|jwt").
  const char* backend_types = nullptr;
};

const std::vector<ConfigKey>& config_keys();

// What a key accepts, in words ("an integer from 0 to 256").
std::string config_key_allowed(const ConfigKey& key);
// A key's help text; a backend key's ends with the types it applies to.
std::string config_key_help(const ConfigKey& key);

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads a YAML file over the defaults. Throws ConfigError naming the key,
// the value and what is allowed.
Config load_config_file(const std::string& path);
Config load_config_text(const std::string& yaml_text, const std::string& origin);

// Sets one key from text, as the command line does ("workers", "4"; a list
// key takes comma-separated items).
void set_config_key(Config& config, const std::string& path, const std::string& value);

// The commented default configuration file (etc/prefixd.yaml is this text).
std::string default_config_text();

ListenAddress parse_listen(const std::string& text);

}  // namespace prefixd::daemon
