#include "daemon/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/trusted_proxies.h"

namespace prefixd::daemon {

namespace {

using K = ConfigKey::Kind;

std::string quote_conninfo(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

std::string allowed_text(const ConfigKey& key) {
  switch (key.kind) {
    case K::kInt:
      return "an integer from " + std::to_string(key.min) + " to " + std::to_string(key.max);
    case K::kBool:
      return "true or false";
    case K::kChoice: {
      std::string c = key.choices;
      std::string out = "one of ";
      for (char& ch : c) {
        if (ch == '|') {
          out += ", ";
        } else {
          out.push_back(ch);
        }
      }
      return out;
    }
    case K::kListen:
      return "ADDRESS:PORT, e.g. 127.0.0.1:1337 or [::1]:1337";
    case K::kOptionalListen:
      return "ADDRESS:PORT, e.g. 127.0.0.1:9337 or [::1]:9337, or unset";
    case K::kAddressList:
      return "a list of IP addresses or CIDR networks, e.g. [127.0.0.1, 10.0.0.0/8, ::1]";
    default:
      return "a string";
  }
}

[[noreturn]] void bad_value(const ConfigKey& key, const std::string& value) {
  throw ConfigError("configuration key '" + std::string(key.path) + "': invalid value '" + value +
                    "'; allowed: " + allowed_text(key));
}

void apply(Config& config, const ConfigKey& key, const std::string& value, bool is_null) {
  std::visit(
      [&](auto member) {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::monostate>) {
          return;
        } else if constexpr (std::is_same_v<M, std::optional<std::string> Config::*>) {
          if (is_null) {
            config.*member = std::nullopt;
          } else {
            config.*member = value;
          }
        } else if constexpr (std::is_same_v<M, std::string Config::*>) {
          if (key.kind == K::kChoice) {
            std::string choices = std::string("|") + key.choices + "|";
            if (choices.find("|" + value + "|") == std::string::npos) bad_value(key, value);
          }
          config.*member = is_null ? std::string() : value;
        } else if constexpr (std::is_same_v<M, long Config::*>) {
          long v = 0;
          auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
          if (ec != std::errc() || ptr != value.data() + value.size() || v < key.min ||
              v > key.max) {
            bad_value(key, value);
          }
          config.*member = v;
        } else if constexpr (std::is_same_v<M, bool Config::*>) {
          if (value == "true" || value == "yes" || value == "on") {
            config.*member = true;
          } else if (value == "false" || value == "no" || value == "off") {
            config.*member = false;
          } else {
            bad_value(key, value);
          }
        } else if constexpr (std::is_same_v<M, ListenAddress Config::*>) {
          try {
            config.*member = parse_listen(value);
          } catch (const ConfigError&) {
            bad_value(key, value);
          }
        } else if constexpr (std::is_same_v<M, std::optional<ListenAddress> Config::*>) {
          if (is_null || value.empty()) {
            config.*member = std::nullopt;
            return;
          }
          try {
            config.*member = parse_listen(value);
          } catch (const ConfigError&) {
            bad_value(key, value);
          }
        } else if constexpr (std::is_same_v<M, std::vector<std::string> Config::*>) {
          // Comma-separated items (the command line's form of a list).
          std::vector<std::string> items;
          std::istringstream in(value);
          for (std::string item; std::getline(in, item, ',');) {
            item.erase(0, item.find_first_not_of(" \t"));
            item.erase(item.find_last_not_of(" \t") + 1);
            if (item.empty()) continue;
            try {
              api::parse_network(item);
            } catch (const std::invalid_argument&) {
              bad_value(key, item);
            }
            items.push_back(item);
          }
          config.*member = std::move(items);
        }
      },
      key.field);
}

const ConfigKey* find_key(const std::string& path) {
  for (const auto& k : config_keys()) {
    if (path == k.path) return &k;
  }
  return nullptr;
}

bool is_section(const std::string& path) {
  for (const auto& k : config_keys()) {
    if (std::string(k.path).rfind(path + ".", 0) == 0) return true;
  }
  return false;
}

void load_node(Config& config, const YAML::Node& node, const std::string& prefix) {
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = item.second;
    if (is_section(path)) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        throw ConfigError("configuration key '" + path + "' must be a section (a mapping)");
      }
      load_node(config, value, path);
      continue;
    }
    const ConfigKey* key = find_key(path);
    if (key == nullptr) throw ConfigError("unknown configuration key '" + path + "'");
    if (key->kind == K::kAddressList && !value.IsScalar()) {
      if (!value.IsNull() && !value.IsSequence()) {
        throw ConfigError("configuration key '" + path +
                          "' must be a list; allowed: " + allowed_text(*key));
      }
      std::string items;
      for (const auto& item : value) {
        if (!item.IsScalar() || item.Scalar().empty() ||
            item.Scalar().find(',') != std::string::npos) {
          throw ConfigError("configuration key '" + path + "': invalid list item" +
                            (item.IsScalar() ? " '" + item.Scalar() + "'" : std::string()) +
                            "; allowed: " + allowed_text(*key));
        }
        items += (items.empty() ? "" : ",") + item.Scalar();
      }
      apply(config, *key, items, false);
      continue;
    }
    if (!value.IsScalar() && !value.IsNull()) {
      throw ConfigError("configuration key '" + path +
                        "' must be a single value; allowed: " + allowed_text(*key));
    }
    if (value.IsNull() && key->kind != K::kOptionalString && key->kind != K::kString &&
        key->kind != K::kOptionalListen) {
      throw ConfigError("configuration key '" + path +
                        "' has no value; allowed: " + allowed_text(*key));
    }
    apply(config, *key, value.IsNull() ? "" : value.Scalar(), value.IsNull());
  }
}

}  // namespace

std::string config_key_allowed(const ConfigKey& key) {
  return allowed_text(key);
}

std::string ListenAddress::text() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

ListenAddress parse_listen(const std::string& text) {
  ListenAddress a;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw ConfigError("bad listen address '" + text + "'");
    }
    a.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      throw ConfigError("bad listen address '" + text + "'");
    }
    a.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (a.host.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    throw ConfigError("bad listen address '" + text + "'");
  }
  a.port = port;
  return a;
}

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> kKeys = {
      {"listen", K::kListen, "127.0.0.1:1337",
       "Address and TCP port to serve HTTP on (XML-RPC at /XMLRPC and /RPC2). [::]:1337 listens "
       "on every address.",
       0, 0, nullptr, &Config::listen},
      {"trusted_proxies", K::kAddressList, "[]",
       "Reverse proxies (addresses or CIDR networks) allowed to name the client in "
       "X-Forwarded-For. A request from one of them is logged with the client address found "
       "there; any other request with its TCP peer's address.",
       0, 0, nullptr, &Config::trusted_proxies},
      {"workers", K::kInt, "0",
       "Worker processes, each with its own database connection. 0 means one per online CPU.", 0,
       256, nullptr, &Config::workers},
      {"pid_file", K::kString, "",
       "Write the master's process id here (and hold a lock on it). Empty: no pid file.", 0, 0,
       nullptr, &Config::pid_file},
      {"user", K::kString, "",
       "When started as root, switch to this user after binding the listening socket.", 0, 0,
       nullptr, &Config::user},
      {"group", K::kString, "", "Group to switch to; empty means the user's primary group.", 0, 0,
       nullptr, &Config::group},
      {"shutdown_timeout", K::kInt, "30",
       "Seconds to let in-flight requests finish on SIGTERM or when a worker is replaced.", 1, 3600,
       nullptr, &Config::shutdown_timeout},
      {"log.level", K::kChoice, "info", "Least severe message to log.", 0, 0,
       "trace|debug|info|warning|error|critical|off", &Config::log_level},
      {"log.target", K::kChoice, "stderr",
       "Where to log: stderr, or syslog (facility daemon). A daemonized prefixd (no -f) always "
       "logs to syslog.",
       0, 0, "stderr|syslog", &Config::log_target},
      {"log.access", K::kBool, "true",
       "Log one line per request: client, path, method, result, duration.", 0, 0, nullptr,
       &Config::access_log},
      {"database.host", K::kOptionalString, "",
       "PostgreSQL host name or Unix socket directory. Unset: libpq's default or PGHOST.", 0, 0,
       nullptr, &Config::db_host},
      {"database.port", K::kOptionalString, "",
       "PostgreSQL port. Unset: libpq's default or PGPORT.", 0, 0, nullptr, &Config::db_port},
      {"database.name", K::kOptionalString, "",
       "Database name. Unset: libpq's default or PGDATABASE.", 0, 0, nullptr, &Config::db_name},
      {"database.user", K::kOptionalString, "", "Database role. Unset: libpq's default or PGUSER.",
       0, 0, nullptr, &Config::db_user},
      {"database.password", K::kOptionalString, "",
       "Database password. Unset: PGPASSWORD or ~/.pgpass. There is no default password.", 0, 0,
       nullptr, &Config::db_password},
      {"database.sslmode", K::kOptionalString, "",
       "libpq sslmode (disable, prefer, require, verify-full, ...). Unset: libpq's default "
       "(prefer) or PGSSLMODE.",
       0, 0, nullptr, &Config::db_sslmode},
      {"database.connect_timeout", K::kInt, "5", "Seconds to wait for a database connection.", 1,
       600, nullptr, &Config::db_connect_timeout},
      {"auth.cache_timeout", K::kInt, "3600",
       "Seconds a successful login is remembered per worker, so a correct password is not "
       "re-hashed on every call. A removed user or changed password stops working within this "
       "time. 0 disables the cache.",
       0, 86400, nullptr, &Config::auth_cache_timeout},
      {"limits.max_body_bytes", K::kInt, "16777216", "Largest accepted request body, in bytes.",
       1024, 1073741824, nullptr, &Config::max_body_bytes},
      {"limits.max_nesting", K::kInt, "1024",
       "Deepest accepted nesting of arrays and structs in a request.", 8, 100000, nullptr,
       &Config::max_nesting},
      {"limits.max_connections", K::kInt, "4096", "Open client connections per worker.", 16,
       1000000, nullptr, &Config::max_connections},
      {"limits.idle_timeout", K::kInt, "300",
       "Seconds after which an idle client connection is closed.", 1, 86400, nullptr,
       &Config::idle_timeout},
      {"limits.max_echo_sleep", K::kInt, "10",
       "Longest wait, in seconds, that echo's 'sleep' argument may ask for.", 0, 3600, nullptr,
       &Config::max_echo_sleep},
      {"metrics.enabled", K::kBool, "true",
       "Serve Prometheus metrics (text format) at GET /metrics, summed over the master and all "
       "workers.",
       0, 0, nullptr, &Config::metrics_enabled},
      {"metrics.listen", K::kOptionalListen, "",
       "Serve /metrics on this separate ADDRESS:PORT only (every worker accepts there). Unset: "
       "on the main listen address, beside the API.",
       0, 0, nullptr, &Config::metrics_listen},
      {"metrics.require_auth", K::kBool, "false",
       "Ask for the HTTP basic credentials of any prefixd account before answering /metrics.", 0, 0,
       nullptr, &Config::metrics_require_auth},
      {"events.retention", K::kInt, "604800",
       "Seconds a delivered change event stays in the outbox table kafka_produce_event before "
       "the producer deletes it (in small batches). Undelivered events are never deleted. "
       "Default: 7 days.",
       0, 315360000, nullptr, &Config::events_retention},
      {"events.kafka.enabled", K::kBool, "false",
       "Publish every change of a prefix, VRF or pool to Kafka as NIPAP does: at start-up and "
       "on reload prefixd enables (true) or disables (false) the trigger_kafka_* triggers that "
       "write each change to kafka_produce_event in the same transaction, and runs a producer "
       "process that sends them to the brokers.",
       0, 0, nullptr, &Config::events_enabled},
      {"events.kafka.brokers", K::kString, "",
       "Comma-separated host:port list of Kafka bootstrap brokers. Empty: the triggers follow "
       "'enabled' but no producer runs (events wait in the outbox).",
       0, 0, nullptr, &Config::kafka_brokers},
      {"events.kafka.poll_interval", K::kInt, "2",
       "Seconds between looks at the outbox when no notification arrived (the triggers also "
       "wake the producer at once through LISTEN/NOTIFY).",
       1, 3600, nullptr, &Config::kafka_poll_interval},
      {"events.kafka.topic_prefix", K::kString, "nipap.",
       "Topics are this prefix followed by prefix, vrf or pool.", 0, 0, nullptr,
       &Config::kafka_topic_prefix},
      {"events.kafka.security_protocol", K::kChoice, "PLAINTEXT", "How to reach the brokers.", 0, 0,
       "PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL", &Config::kafka_security_protocol},
      {"events.kafka.sasl_mechanism", K::kChoice, "PLAIN", "SASL mechanism, with SASL_*.", 0, 0,
       "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512", &Config::kafka_sasl_mechanism},
      {"events.kafka.sasl_username", K::kOptionalString, "", "SASL user name.", 0, 0, nullptr,
       &Config::kafka_sasl_username},
      {"events.kafka.sasl_password", K::kOptionalString, "", "SASL password.", 0, 0, nullptr,
       &Config::kafka_sasl_password},
      {"events.kafka.ssl_cafile", K::kOptionalString, "",
       "CA certificates (PEM file) to verify the brokers with. Unset: the system's.", 0, 0, nullptr,
       &Config::kafka_ssl_cafile},
      {"events.kafka.ssl_check_hostname", K::kBool, "true",
       "Check that a broker's certificate names the host connected to.", 0, 0, nullptr,
       &Config::kafka_ssl_check_hostname},
      {"events.kafka.delivery_timeout", K::kInt, "10",
       "Seconds to wait for the brokers to acknowledge a batch before it counts as failed; "
       "failed events stay in the outbox and are sent again.",
       1, 3600, nullptr, &Config::kafka_delivery_timeout},
  };
  return kKeys;
}

Config load_config_text(const std::string& yaml_text, const std::string& origin) {
  Config config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": " + e.what());
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) throw ConfigError(origin + ": the configuration must be a YAML mapping");
  try {
    load_node(config, root, "");
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  }
  return config;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read configuration file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path);
}

void set_config_key(Config& config, const std::string& path, const std::string& value) {
  const ConfigKey* key = find_key(path);
  if (key == nullptr) throw ConfigError("unknown configuration key '" + path + "'");
  apply(config, *key, value, false);
}

std::string Config::conninfo() const {
  std::string out = "connect_timeout=" + std::to_string(db_connect_timeout);
  auto add = [&](const char* name, const std::optional<std::string>& v) {
    if (v && !v->empty()) out += std::string(" ") + name + "=" + quote_conninfo(*v);
  };
  add("host", db_host);
  add("port", db_port);
  add("dbname", db_name);
  add("user", db_user);
  add("password", db_password);
  add("sslmode", db_sslmode);
  return out;
}

int Config::effective_workers() const {
  if (workers > 0) return static_cast<int>(workers);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? static_cast<int>(std::min(cpus, 256L)) : 1;
}

std::string default_config_text() {
  std::string out =
      "# prefixd configuration (YAML). Every key is shown with its default;\n"
      "# a key left out keeps its default. See prefixd.yaml(5).\n";
  std::vector<std::string> section;  // the current nesting, e.g. {"events", "kafka"}
  for (const auto& key : config_keys()) {
    std::vector<std::string> parts;
    std::istringstream path(key.path);
    for (std::string part; std::getline(path, part, '.');) parts.push_back(part);
    const std::string name = parts.back();
    parts.pop_back();
    std::size_t common = 0;
    while (common < parts.size() && common < section.size() && parts[common] == section[common]) {
      ++common;
    }
    for (std::size_t i = common; i < parts.size(); ++i) {
      out += "\n" + std::string(2 * i, ' ') + parts[i] + ":\n";
    }
    section = parts;
    const std::string indent(2 * section.size(), ' ');
    out += "\n";
    std::istringstream help(key.help);
    std::string line, word;
    while (help >> word) {
      if (line.size() + word.size() > 74) {
        out += indent + "#" + line + "\n";
        line.clear();
      }
      line += " " + word;
    }
    if (!line.empty()) out += indent + "#" + line + "\n";
    if (key.kind == K::kInt || key.kind == K::kChoice || key.kind == K::kBool ||
        key.kind == K::kAddressList) {
      out += indent + "#   allowed: " + allowed_text(key) + "\n";
    }
    std::string def = key.default_text;
    if ((key.kind == K::kOptionalString || key.kind == K::kOptionalListen) && def.empty()) {
      out += indent + "#" + name + ":\n";
    } else {
      out += indent + name + ": " + (def.empty() ? "\"\"" : def) + "\n";
    }
  }
  return out;
}

}  // namespace prefixd::daemon
