// SPDX-License-Identifier: MIT
// The signing keys of a JWT issuer: its JWKS document fetched from an
// http(s):// or file:// URL with libcurl, with hard connect and total
// timeouts, kept for a lifetime and fetched again early when a token names
// an unknown key id (at most once per refresh interval). A failed fetch
// keeps the keys already known.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "api/auth_backend.h"
#include "api/jwt_token.h"

namespace prefixd::api {

// Fetches `url` (at most `max_bytes`) within the timeouts. Throws
// BackendUnavailable, with the detail logged.
std::string fetch_url(const std::string& url, std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds timeout, const std::string& ca_file,
                      std::size_t max_bytes);

class JwksClient {
 public:
  explicit JwksClient(const AuthBackendSettings& settings) : settings_(settings) {}

  // The key with this id, fetching the set when it is missing, too old, or
  // does not know `kid` (rate-limited). nullopt: no such key. Throws
  // BackendUnavailable when no key set could be had at all.
  std::optional<Jwk> key(const std::string& kid);

  // JWKS documents fetched since start-up (successful or not).
  std::uint64_t fetches() const { return fetches_; }

 private:
  void refresh();

  const AuthBackendSettings& settings_;
  std::map<std::string, Jwk> keys_;
  bool have_keys_ = false;
  std::chrono::steady_clock::time_point fetched_{};
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;
  std::uint64_t fetches_ = 0;
};

}  // namespace prefixd::api
