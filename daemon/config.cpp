// SPDX-License-Identifier: MIT
#include "daemon/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
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
    case K::kBackends:
      return "a mapping from backend names (letters, digits, '-', '_', '.') to sections";
    default:
      return "a string";
  }
}

[[noreturn]] void bad_value(const std::string& path, const ConfigKey& key,
                            const std::string& value) {
  throw ConfigError("configuration key '" + path + "': invalid value '" + value +
                    "'; allowed: " + allowed_text(key));
}

template <typename M>
struct MemberOf;
template <typename C, typename F>
struct MemberOf<F C::*> {
  using Class = C;
  using Field = F;
};

// `value` as the field type of `key`; `path` names the key in errors.
template <typename Field>
Field parse_value(const ConfigKey& key, const std::string& path, const std::string& value,
                  bool is_null) {
  if constexpr (std::is_same_v<Field, std::optional<std::string>>) {
    if (is_null) return std::nullopt;
    return value;
  } else if constexpr (std::is_same_v<Field, std::string>) {
    if (key.kind == K::kChoice) {
      std::string choices = std::string("|") + key.choices + "|";
      if (choices.find("|" + value + "|") == std::string::npos) bad_value(path, key, value);
    }
    return is_null ? std::string() : value;
  } else if constexpr (std::is_same_v<Field, long>) {
    long v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || v < key.min || v > key.max) {
      bad_value(path, key, value);
    }
    return v;
  } else if constexpr (std::is_same_v<Field, bool>) {
    if (value == "true" || value == "yes" || value == "on") return true;
    if (value == "false" || value == "no" || value == "off") return false;
    bad_value(path, key, value);
  } else if constexpr (std::is_same_v<Field, ListenAddress>) {
    try {
      return parse_listen(value);
    } catch (const ConfigError&) {
      bad_value(path, key, value);
    }
  } else if constexpr (std::is_same_v<Field, std::optional<ListenAddress>>) {
    if (is_null || value.empty()) return std::nullopt;
    try {
      return parse_listen(value);
    } catch (const ConfigError&) {
      bad_value(path, key, value);
    }
  } else {
    static_assert(std::is_same_v<Field, std::vector<std::string>>);
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
        bad_value(path, key, item);
      }
      items.push_back(item);
    }
    return items;
  }
}

// Sets the field `key` names in `target` (a Config or a backend's settings).
template <typename Target>
void apply(Target& target, const ConfigKey& key, const std::string& path, const std::string& value,
           bool is_null) {
  std::visit(
      [&](auto member) {
        using M = decltype(member);
        if constexpr (!std::is_same_v<M, std::monostate>) {
          if constexpr (std::is_same_v<typename MemberOf<M>::Class, Target>) {
            target.*member = parse_value<typename MemberOf<M>::Field>(key, path, value, is_null);
          }
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

// The scalar (or null) YAML value of a key, checked against its kind.
std::pair<std::string, bool> scalar_value(const ConfigKey& key, const std::string& path,
                                          const YAML::Node& value) {
  if (!value.IsScalar() && !value.IsNull()) {
    throw ConfigError("configuration key '" + path +
                      "' must be a single value; allowed: " + allowed_text(key));
  }
  if (value.IsNull() && key.kind != K::kOptionalString && key.kind != K::kString &&
      key.kind != K::kOptionalListen) {
    throw ConfigError("configuration key '" + path +
                      "' has no value; allowed: " + allowed_text(key));
  }
  return {value.IsNull() ? "" : value.Scalar(), value.IsNull()};
}

bool backend_key_applies(const ConfigKey& key, const std::string& type) {
  const std::string types = std::string("|") + key.backend_types + "|";
  return types.find("|" + type + "|") != std::string::npos;
}

// The checks a backend's keys cannot make one by one (spec/auth-config.md
// §1.2, §4.1, §5): type-specific keys and required keys, and the names
// "local" and "jwt", which other code relies on.
void check_backend(const api::AuthBackendSettings& b, const std::set<std::string>& given,
                   const std::string& path) {
  auto fail = [&](const std::string& what) {
    throw ConfigError("configuration key '" + path + "': " + what);
  };
  if (!given.contains("type")) fail("'type' is required (one of local, ldap, jwt)");
  for (const auto& name : given) {
    const ConfigKey* key = find_key("auth.backends.NAME." + name);
    if (!backend_key_applies(*key, b.type)) {
      fail("'" + name + "' does not apply to a backend of type " + b.type);
    }
  }
  auto require = [&](std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (!given.contains(name)) {
        fail(std::string("'") + name + "' is required for a backend of type " + b.type);
      }
    }
  };
  if (b.name == "local" && b.type != "local") {
    fail("the backend named local is prefixd's own accounts (type local)");
  }
  if ((b.name == "jwt") != (b.type == "jwt")) {
    fail(
        "bearer tokens are checked by the backend named jwt, which must be of type jwt (and "
        "the only one)");
  }
  if (b.type == "ldap") {
    require({"uri", "basedn", "binddn_fmt", "search"});
    if (!b.uri.starts_with("ldap://") && !b.uri.starts_with("ldaps://")) {
      fail("'uri' must start with ldap:// or ldaps://");
    }
    if (b.binddn_fmt.find("{}") == std::string::npos || b.search.find("{}") == std::string::npos) {
      fail("'binddn_fmt' and 'search' must contain {} (the login name)");
    }
    if (given.contains("search_binddn") != given.contains("search_password")) {
      fail("'search_binddn' and 'search_password' go together");
    }
  }
  if (b.type == "jwt") {
    require({"jwk_url", "group_claim_name"});
    if (!b.jwk_url.starts_with("http://") && !b.jwk_url.starts_with("https://") &&
        !b.jwk_url.starts_with("file://")) {
      fail("'jwk_url' must start with http://, https:// or file://");
    }
    if (b.ro_group.empty() && b.rw_group.empty()) {
      fail("at least one of 'ro_group' and 'rw_group' is needed, or no token is ever accepted");
    }
  }
}

void load_backends(Config& config, const YAML::Node& node) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    throw ConfigError(
        "configuration key 'auth.backends' must be a mapping of backend names to sections");
  }
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string path = "auth.backends." + name;
    const bool valid_name =
        !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        });
    if (!valid_name) {
      throw ConfigError("configuration key 'auth.backends': invalid backend name '" + name +
                        "'; allowed: 1 to 64 letters, digits, '-', '_' and '.'");
    }
    if (!item.second.IsMap()) {
      throw ConfigError("configuration key '" + path + "' must be a section (a mapping)");
    }
    api::AuthBackendSettings backend;
    backend.name = name;
    std::set<std::string> given;
    for (const auto& kv : item.second) {
      const std::string key_name = kv.first.as<std::string>();
      const ConfigKey* key = find_key("auth.backends.NAME." + key_name);
      const std::string key_path = path + "." + key_name;
      if (key == nullptr) throw ConfigError("unknown configuration key '" + key_path + "'");
      auto [value, is_null] = scalar_value(*key, key_path, kv.second);
      apply(backend, *key, key_path, value, is_null);
      given.insert(key_name);
    }
    check_backend(backend, given, path);
    for (const auto& other : config.auth_backends) {
      if (other.name == name) throw ConfigError("auth.backends: '" + name + "' appears twice");
    }
    config.auth_backends.push_back(std::move(backend));
  }
}

void load_node(Config& config, const YAML::Node& node, const std::string& prefix) {
  for (const auto& item : node) {
    const std::string name = item.first.as<std::string>();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = item.second;
    if (path == "auth.backends") {
      load_backends(config, value);
      continue;
    }
    if (is_section(path)) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        throw ConfigError("configuration key '" + path + "' must be a section (a mapping)");
      }
      load_node(config, value, path);
      continue;
    }
    const ConfigKey* key = find_key(path);
    if (key == nullptr || key->backend_types != nullptr) {
      throw ConfigError("unknown configuration key '" + path + "'");
    }
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
      apply(config, *key, path, items, false);
      continue;
    }
    auto [text, is_null] = scalar_value(*key, path, value);
    apply(config, *key, path, text, is_null);
  }
}

void check_default_backend(const Config& config) {
  if (config.auth_default_backend == "local") return;
  for (const auto& b : config.auth_backends) {
    if (b.name == config.auth_default_backend) {
      if (b.type == "jwt") {
        throw ConfigError(
            "configuration key 'auth.default_backend': the jwt backend takes "
            "bearer tokens, not passwords");
      }
      return;
    }
  }
  throw ConfigError("configuration key 'auth.default_backend': no backend named '" +
                    config.auth_default_backend + "' in auth.backends");
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
  using B = api::AuthBackendSettings;
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
      {"database.statement_timeout", K::kInt, "30",
       "Seconds a single SQL statement of an API call may run before PostgreSQL cancels it (the "
       "call then fails with fault 1 'statement timeout' and the connection is kept). 0: no "
       "limit.",
       0, 86400, nullptr, &Config::statement_timeout},
      {"database.reconnect_backoff_min", K::kInt, "100",
       "Milliseconds to wait before retrying after a failed connection attempt; each further "
       "failure doubles the wait.",
       10, 60000, nullptr, &Config::reconnect_backoff_min_ms},
      {"database.reconnect_backoff_max", K::kInt, "1000",
       "Longest wait, in milliseconds, between connection attempts while the database is "
       "unreachable (so a returning database is used within this time).",
       10, 600000, nullptr, &Config::reconnect_backoff_max_ms},
      {"auth.cache_timeout", K::kInt, "3600",
       "Seconds a successful authentication (a password, an LDAP bind and search, a bearer "
       "token until its exp) is remembered per worker, so a correct password is not re-hashed "
       "or re-checked with a server on every call. A removed user or changed password stops "
       "working within this time. 0 disables the cache.",
       0, 86400, nullptr, &Config::auth_cache_timeout},
      {"auth.free_failures", K::kInt, "5",
       "Failed logins a user name may have before each further attempt waits (a client address "
       "may have four times as many). Counted across all workers; forgotten after 15 minutes "
       "without failures, and for a name at its next successful login.",
       1, 1000000, nullptr, &Config::auth_free_failures},
      {"auth.max_failure_delay", K::kInt, "8000",
       "Longest wait, in milliseconds, imposed on a login after failures (the wait starts at "
       "250 ms and doubles per failure). Attempts that would queue longer are refused unchecked. "
       "Waiting answers do not hold a worker. 0 turns throttling off.",
       0, 600000, nullptr, &Config::auth_max_failure_delay},
      {"auth.default_backend", K::kString, "local",
       "Backend for an HTTP Basic login name without \"@NAME\": local (prefixd's own "
       "accounts) or the name of an ldap backend in auth.backends. \"name@NAME\" picks "
       "backend NAME (split at the last @); an unknown NAME is refused (fault 1510).",
       0, 0, nullptr, &Config::auth_default_backend},
      {"auth.backends",
       K::kBackends,
       "{}",
       "Authentication backends besides local, by name: a mapping from NAME to a section of the "
       "auth.backends.NAME keys below. Any number of ldap backends; one jwt backend, which must "
       "be named jwt (bearer tokens go to it). A backend named local may only be of type local.",
       0,
       0,
       nullptr,
       {}},
      {"auth.backends.NAME.type", K::kChoice, "",
       "Kind of backend: local (prefixd's accounts in PostgreSQL), ldap (an LDAP directory or "
       "Active Directory) or jwt (bearer tokens signed by an issuer's JWKS). Required.",
       0, 0, "local|ldap|jwt", &B::type, "local|ldap|jwt"},
      {"auth.backends.NAME.uri", K::kString, "",
       "LDAP server, ldap://HOST[:PORT] or ldaps://HOST[:PORT] (several separated by spaces are "
       "tried in turn). Required.",
       0, 0, nullptr, &B::uri, "ldap"},
      {"auth.backends.NAME.basedn", K::kString, "", "Base DN of the user search. Required.", 0, 0,
       nullptr, &B::basedn, "ldap"},
      {"auth.backends.NAME.binddn_fmt", K::kString, "",
       "DN to bind as, {} standing for the login name with DN special characters escaped: "
       "uid={},ou=People,dc=example,dc=com, or {}@example.com (Active Directory). Required.",
       0, 0, nullptr, &B::binddn_fmt, "ldap"},
      {"auth.backends.NAME.search", K::kString, "",
       "Search filter that finds the user's entry, {} standing for the login name with filter "
       "special characters escaped: uid={} or sAMAccountName={}. Its cn is the full name, its "
       "memberOf values the groups. Required.",
       0, 0, nullptr, &B::search, "ldap"},
      {"auth.backends.NAME.tls", K::kBool, "false",
       "Issue STARTTLS before binding (ldap:// URIs; ldaps:// is TLS from the start). The "
       "server's certificate is always verified.",
       0, 0, nullptr, &B::tls, "ldap"},
      {"auth.backends.NAME.tls_ca_file", K::kString, "",
       "PEM file of the certificate authorities trusted for ldaps://, STARTTLS or an https:// "
       "jwk_url. Empty: the system's (TLS_CACERT in /etc/ldap/ldap.conf for ldap, the system "
       "bundle for jwt).",
       0, 0, nullptr, &B::tls_ca_file, "ldap|jwt"},
      {"auth.backends.NAME.search_binddn", K::kString, "",
       "Account that runs the search, for directories where users cannot read their own cn and "
       "memberOf. Empty: the search runs as the user.",
       0, 0, nullptr, &B::search_binddn, "ldap"},
      {"auth.backends.NAME.search_password", K::kString, "", "Password of search_binddn.", 0, 0,
       nullptr, &B::search_password, "ldap"},
      {"auth.backends.NAME.rw_group", K::kString, "",
       "Group granting read-write access. ldap: a group DN compared exactly with the user's "
       "memberOf values; a member is read-write even when also in ro_group, and when rw_group "
       "is set a member of neither group is read-only (ro_group unset) or refused (ro_group "
       "set). jwt: a group named in the token's group claims; a member of ro_group is "
       "read-only even when also in rw_group, and a member of neither is refused.",
       0, 0, nullptr, &B::rw_group, "ldap|jwt"},
      {"auth.backends.NAME.ro_group", K::kString, "",
       "Group granting read-only access (see rw_group). Empty: none. ldap with ro_group alone: "
       "members are read-only, everyone else read-write.",
       0, 0, nullptr, &B::ro_group, "ldap|jwt"},
      {"auth.backends.NAME.connect_timeout", K::kInt, "5",
       "Seconds to wait for a connection to the LDAP server or the JWKS URL.", 1, 600, nullptr,
       &B::connect_timeout, "ldap|jwt"},
      {"auth.backends.NAME.timeout", K::kInt, "10",
       "Seconds one authentication (ldap: connect, STARTTLS, binds and search together) or one "
       "JWKS fetch may take in all. A worker serves nobody else meanwhile, so a dead server "
       "costs each call at most this.",
       1, 600, nullptr, &B::timeout, "ldap|jwt"},
      {"auth.backends.NAME.jwk_url", K::kString, "",
       "Where the token issuer publishes its signing keys (a JWKS document): http://, https:// "
       "or file://. Required.",
       0, 0, nullptr, &B::jwk_url, "jwt"},
      {"auth.backends.NAME.group_claim_name", K::kString, "",
       "Comma-separated names of the claims that hold the user's groups: a string claim is one "
       "group, an array claim one group per string element. Required.",
       0, 0, nullptr, &B::group_claim_name, "jwt"},
      {"auth.backends.NAME.issuer", K::kString, "",
       "When set, a token's iss claim must equal it. Empty: not checked (as NIPAP).", 0, 0, nullptr,
       &B::issuer, "jwt"},
      {"auth.backends.NAME.audience", K::kString, "",
       "When set, a token's aud claim (a string or an array) must contain it. Empty: not "
       "checked (as NIPAP).",
       0, 0, nullptr, &B::audience, "jwt"},
      {"auth.backends.NAME.clock_skew", K::kInt, "0",
       "Seconds of leeway when checking a token's exp, nbf and iat against this host's clock.", 0,
       3600, nullptr, &B::clock_skew, "jwt"},
      {"auth.backends.NAME.jwks_cache_timeout", K::kInt, "3600",
       "Seconds the signing keys are used before they are fetched again. When a fetch fails, "
       "the keys already known stay in use.",
       1, 604800, nullptr, &B::jwks_cache_timeout, "jwt"},
      {"auth.backends.NAME.jwks_refresh_interval", K::kInt, "60",
       "Least seconds between two fetches of the keys: a token naming an unknown kid fetches "
       "them early, at most this often.",
       0, 86400, nullptr, &B::jwks_refresh_interval, "jwt"},
      {"limits.max_body_bytes", K::kInt, "16777216", "Largest accepted request body, in bytes.",
       1024, 1073741824, nullptr, &Config::max_body_bytes},
      {"limits.max_nesting", K::kInt, "1024",
       "Deepest accepted nesting of arrays and structs in a request.", 8, 100000, nullptr,
       &Config::max_nesting},
      {"limits.max_values", K::kInt, "1000000",
       "Most values (scalars, arrays, structs) one request may hold. Decoding costs far more "
       "memory than the text, so this bounds a worker's memory per request.",
       1000, 100000000, nullptr, &Config::max_values},
      {"limits.max_connections", K::kInt, "4096", "Open client connections per worker.", 16,
       1000000, nullptr, &Config::max_connections},
      {"limits.idle_timeout", K::kInt, "300",
       "Seconds after which an idle client connection is closed.", 1, 86400, nullptr,
       &Config::idle_timeout},
      {"limits.max_echo_sleep", K::kInt, "10",
       "Longest wait, in seconds, that echo's 'sleep' argument may ask for.", 0, 3600, nullptr,
       &Config::max_echo_sleep},
      {"limits.request_timeout", K::kInt, "60",
       "Seconds an API call may take once its body is in: no further database transaction "
       "starts after this (fault 1 'request deadline exceeded'). Each statement is also bounded "
       "by database.statement_timeout.",
       1, 86400, nullptr, &Config::request_timeout},
      {"limits.header_timeout", K::kInt, "10",
       "Seconds a client has to send a request's line and headers, from connecting (or from the "
       "request line on a kept-alive connection); then the connection is closed.",
       1, 3600, nullptr, &Config::header_timeout},
      {"limits.body_timeout", K::kInt, "60",
       "Seconds a client has to send a request's body after its headers; then the connection is "
       "closed.",
       1, 86400, nullptr, &Config::body_timeout},
      {"limits.max_batch_calls", K::kInt, "10000",
       "Most method calls one POST /api/v1/batch may carry (they run in one transaction).", 1,
       1000000, nullptr, &Config::max_batch_calls},
      {"cache.enabled", K::kBool, "true",
       "Cache rendered answers of the read methods (list_*, search_*, smart_search_*) in "
       "shared memory for every worker of this host. A write through this host empties it "
       "before its answer is sent; writes by other hosts or plain SQL are seen through a "
       "change counter the database keeps (see cache.max_staleness_ms).",
       0, 0, nullptr, &Config::cache_enabled},
      {"cache.max_bytes", K::kInt, "67108864",
       "Shared memory of the response cache, its own tables included; the least recently "
       "used answers make room for new ones. Read at start-up only.",
       1048576, 68719476736, nullptr, &Config::cache_max_bytes},
      {"cache.max_staleness_ms", K::kInt, "0",
       "0: every cached answer is checked with one cheap query (the database's change "
       "counter) before it is sent, so no answer is older than the data at the time of the "
       "request. N: an answer whose counter a worker read at most N ms ago is sent without "
       "that query, so writes by other hosts or plain SQL may be missed for up to N ms (writes "
       "through this host never are).",
       0, 3600000, nullptr, &Config::cache_max_staleness_ms},
      {"cache.exclude_methods", K::kString, "",
       "Comma-separated read methods never answered from the cache (e.g. "
       "\"search_prefix,list_vrf\").",
       0, 0, nullptr, &Config::cache_exclude_methods},
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
    check_default_backend(config);
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
  if (key == nullptr || key->backend_types != nullptr || key->kind == K::kBackends) {
    throw ConfigError("unknown configuration key '" + path + "'");
  }
  apply(config, *key, path, value, false);
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

std::string Config::worker_conninfo() const {
  return conninfo() + " options='-c statement_timeout=" + std::to_string(statement_timeout * 1000) +
         "'";
}

int Config::effective_workers() const {
  if (workers > 0) return static_cast<int>(workers);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? static_cast<int>(std::min(cpus, 256L)) : 1;
}

std::string config_key_help(const ConfigKey& key) {
  std::string help = key.help;
  if (key.backend_types != nullptr) {
    std::string types = key.backend_types;
    std::replace(types.begin(), types.end(), '|', ',');
    if (std::string(key.path) != "auth.backends.NAME.type") help += " [" + types + "]";
  }
  return help;
}

namespace {

// `text` as comment lines starting with `lead`, a line taking words while
// it holds at most `limit` characters after `lead`.
void append_comment(std::string& out, const std::string& lead, const std::string& text,
                    size_t limit) {
  std::istringstream words(text);
  std::string line, word;
  while (words >> word) {
    if (line.size() + word.size() > limit) {
      out += lead + line + "\n";
      line.clear();
    }
    line += " " + word;
  }
  if (!line.empty()) out += lead + line + "\n";
}

// One key in the default file: its help, its allowed values, and the key
// with its default. `prefix` starts every line ("  " in a section, "  #    "
// inside the commented backend block).
void append_key(std::string& out, const ConfigKey& key, const std::string& prefix,
                const std::string& name, bool commented) {
  out += commented ? prefix.substr(0, prefix.find_last_not_of(' ') + 1) + "\n" : "\n";
  append_comment(out, prefix + "#", config_key_help(key), commented ? 76 - prefix.size() : 74);
  if (key.kind == K::kInt || key.kind == K::kChoice || key.kind == K::kBool ||
      key.kind == K::kAddressList) {
    out += prefix + (commented ? "#  " : "#   ") + "allowed: " + allowed_text(key) + "\n";
  }
  std::string def = key.default_text;
  if ((key.kind == K::kOptionalString || key.kind == K::kOptionalListen) && def.empty()) {
    out += prefix + "#" + name + ":\n";
  } else {
    out += prefix + name + ": " + (def.empty() ? "\"\"" : def) + "\n";
  }
}

// Examples of the two kinds of backend that need a server, commented out.
constexpr const char* kBackendExamples = R"(
  # Example: an LDAP directory (logins "alice" or "alice@ldap") whose
  # ipam-admins may write and ipam-users read, and bearer tokens from a
  # single sign-on service whose "groups" claim names the same groups.
  #
  #default_backend: ldap
  #backends:
  #  ldap:
  #    type: ldap
  #    uri: ldap://ldap.example.com
  #    tls: true
  #    basedn: ou=People,dc=example,dc=com
  #    binddn_fmt: uid={},ou=People,dc=example,dc=com
  #    search: uid={}
  #    rw_group: cn=ipam-admins,ou=Groups,dc=example,dc=com
  #    ro_group: cn=ipam-users,ou=Groups,dc=example,dc=com
  #  ad:
  #    type: ldap
  #    uri: ldaps://dc1.corp.example.com ldaps://dc2.corp.example.com
  #    basedn: dc=corp,dc=example,dc=com
  #    binddn_fmt: "{}@corp.example.com"
  #    search: sAMAccountName={}
  #    rw_group: CN=IPAM Admins,OU=Groups,DC=corp,DC=example,DC=com
  #  jwt:
  #    type: jwt
  #    jwk_url: https://sso.example.com/realms/example/protocol/openid-connect/certs
  #    group_claim_name: groups
  #    rw_group: ipam-admins
  #    ro_group: ipam-users
  #    issuer: https://sso.example.com/realms/example
  #    clock_skew: 30
)";

}  // namespace

std::string default_config_text() {
  std::string out =
      "# prefixd configuration (YAML). Every key is shown with its default;\n"
      "# a key left out keeps its default. See prefixd.yaml(5).\n";
  std::vector<std::string> section;  // the current nesting, e.g. {"events", "kafka"}
  for (const auto& key : config_keys()) {
    if (key.backend_types != nullptr) continue;  // inside auth.backends' block
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
      out += '\n';
      out.append(2 * i, ' ');
      out += parts[i];
      out += ":\n";
    }
    section = parts;
    const std::string indent(2 * section.size(), ' ');
    if (key.kind != K::kBackends) {
      append_key(out, key, indent, name, false);
      continue;
    }
    // A mapping of names: each backend's keys are shown, commented out,
    // under a placeholder NAME, then examples.
    out += "\n";
    append_comment(out, indent + "#", config_key_help(key), 74);
    out += indent + "#" + name + ":\n" + indent + "#  NAME:\n";
    for (const auto& backend_key : config_keys()) {
      if (backend_key.backend_types == nullptr) continue;
      const std::string key_path = backend_key.path;
      append_key(out, backend_key, indent + "#    ", key_path.substr(key_path.rfind('.') + 1),
                 true);
    }
    out += kBackendExamples;
  }
  return out;
}

}  // namespace prefixd::daemon
