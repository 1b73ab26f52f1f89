// SPDX-License-Identifier: MIT
// Authentication backends (spec/auth-config.md §1.2, §3–§5): the kinds an
// account can prove its identity with, each behind one interface so that
// the Authenticator's cache, throttling and cost equalisation apply to all.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "backend/db_session.h"

namespace prefixd::api {

// One `auth.backends.NAME` section of the configuration. Which keys a kind
// reads is declared with the keys (daemon/config.cpp).
struct AuthBackendSettings {
  std::string name;
  std::string type;  // "local", "ldap" or "jwt"

  // ldap
  std::string uri;         // ldap://host[:port] or ldaps://host[:port]
  std::string basedn;      // search base
  std::string binddn_fmt;  // bind DN, "{}" = the login name, DN-escaped
  std::string search;      // search filter, "{}" = the login name, filter-escaped
  bool tls = false;        // STARTTLS before binding
  std::string tls_ca_file;
  std::string search_binddn;
  std::string search_password;

  // ldap and jwt
  std::string ro_group;
  std::string rw_group;
  long connect_timeout = 5;  // seconds to establish a connection
  long timeout = 10;         // seconds one authentication may take in all

  // jwt
  std::string jwk_url;           // http(s):// or file://
  std::string group_claim_name;  // comma-separated claim names
  std::string issuer;            // checked against `iss` when set
  std::string audience;          // must be in `aud` when set
  long clock_skew = 0;           // seconds of leeway for exp, nbf, iat
  long jwks_cache_timeout = 3600;
  long jwks_refresh_interval = 60;  // least seconds between fetches
};

struct AuthenticatedUser {
  std::string name;  // without the "@backend" suffix
  std::optional<std::string> full_name;
  bool trusted = false;
  bool readonly = false;
};

// Thrown by a backend that could not decide (server down, broken answer):
// fault 1000 with a message that names no address, never cached.
class BackendUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AuthBackend {
 public:
  virtual ~AuthBackend() = default;

  // Checks a login name (without "@backend") and its password. Returns the
  // account, or throws NipapError 1510 (rejected) or BackendUnavailable.
  virtual AuthenticatedUser check_password(const std::string& login, const std::string& password,
                                           DbSession& db) = 0;

  // Checks a bearer token; `valid_until` receives the time after which the
  // result must not be reused. Backends without tokens reject every one.
  virtual AuthenticatedUser check_token(const std::string& token,
                                        std::chrono::system_clock::time_point& valid_until);
};

// A backend of settings.type; throws std::invalid_argument for an unknown type.
std::unique_ptr<AuthBackend> make_auth_backend(const AuthBackendSettings& settings);

}  // namespace prefixd::api
