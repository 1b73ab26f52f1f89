// SPDX-License-Identifier: MIT
// Who is calling: HTTP Authorization parsing, the choice of authentication
// backend (`user@backend`, Bearer → `jwt`), a per-worker bounded cache of
// successful authentications, and the session a call runs as (trusted
// impersonation, read-only), per spec/auth-config.md §1–§2 and
// spec/xmlrpc.md §2.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/auth_backend.h"
#include "api/value.h"
#include "backend/db_session.h"
#include "backend/errors.h"

namespace prefixd::api {

struct Credentials {
  enum class Scheme { kNone, kBasic, kBearer };
  Scheme scheme = Scheme::kNone;
  std::string login;  // Basic: the name as sent, possibly with "@backend"
  std::string password;
  std::string token;  // Bearer
};

enum class Base64Alphabet { kStandard, kUrl };
// RFC 4648 base64. kStandard (HTTP Basic): trailing '=' padding optional.
// kUrl (JWS, RFC 7515 §2): no padding, unused bits zero. nullopt when invalid.
std::optional<std::string> decode_base64(std::string_view in, Base64Alphabet alphabet);

// Parses an Authorization header. Anything that is not well-formed Basic
// (any case of the scheme, base64 of "name:password") or Bearer is kNone.
Credentials parse_authorization(std::string_view header);

// What a call runs as, after the auth options were applied.
struct Session {
  std::string authenticated_as;
  std::optional<std::string> username;
  std::optional<std::string> full_name;
  std::string authoritative_source;
  bool readonly = false;
  bool trusted = false;
};

struct AuthSettings {
  std::chrono::seconds cache_lifetime{3600};
  // Backend for a Basic login without "@NAME".
  std::string default_backend = "local";
  // Configured backends; `local` exists even when not listed.
  std::vector<AuthBackendSettings> backends;
};

// What the cache and the backends did since start-up (for /healthz and metrics).
struct AuthCounters {
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;      // authentications asked of a backend
  std::uint64_t backend_failures = 0;  // backend unavailable (fault 1000)
};

class AuthThrottle;

class Authenticator {
 public:
  explicit Authenticator(std::chrono::seconds cache_lifetime);
  // `throttle` (may be null): failed Basic logins, shared by the host's workers.
  explicit Authenticator(const AuthSettings& settings, AuthThrottle* throttle = nullptr);
  // Throws std::invalid_argument for an unknown backend type or default.
  ~Authenticator();

  // Throws NipapError 1500 (no usable credentials), 1510 (rejected) or 1000
  // (the backend could not be asked).
  // Within a request, the outcome of check_credentials() is reused.
  AuthenticatedUser authenticate(const Credentials& credentials, DbSession& db);

  // Starts a request from `client_address` (forgets the previous request's
  // outcome).
  void begin_request(std::string client_address);
  void end_request() { outcome_.reset(); }
  // Verifies the credentials of the request's headers before its body is
  // read, remembering the outcome for authenticate(). Returns a wait when
  // the name or address is throttled and the caller has not `waited` yet
  // (nothing verified then); otherwise 0 and sets `ok`.
  std::chrono::milliseconds check_credentials(const Credentials& credentials, DbSession& db,
                                              bool waited, bool& ok);

  // Credentials checked by a backend (not answered from the cache) since start-up.
  std::uint64_t password_hashes() const { return counters_.cache_misses; }
  // Authentications answered from the cache since start-up.
  std::uint64_t cache_hits() const { return counters_.cache_hits; }
  const AuthCounters& counters() const { return counters_; }

  // At most this many authentications are remembered per worker.
  static constexpr std::size_t kMaxCacheEntries = 10000;

 private:
  struct CacheEntry {
    AuthenticatedUser user;
    std::chrono::steady_clock::time_point expires;
  };
  AuthBackend* backend(const std::string& name) const;
  const AuthenticatedUser* cached(const std::string& key,
                                  std::chrono::steady_clock::time_point now);
  void remember(std::string key, const AuthenticatedUser& user,
                std::chrono::steady_clock::time_point expires,
                std::chrono::steady_clock::time_point now);

  std::chrono::seconds lifetime_;
  std::string default_backend_;
  std::map<std::string, std::unique_ptr<AuthBackend>, std::less<>> backends_;
  // Key: a SHA-256 of backend, login and password (or of the bearer token);
  // only successful authentications are cached, so a removed user or a
  // changed password stops working within the lifetime.
  std::unordered_map<std::string, CacheEntry> cache_;
  AuthCounters counters_;
  std::chrono::steady_clock::time_point next_purge_{};
  AuthThrottle* throttle_ = nullptr;
  std::string client_address_;
  // This request's verified outcome.
  struct Outcome {
    std::string key;
    std::optional<AuthenticatedUser> user;
    FaultCode code = FaultCode::kAuthentication;
    std::string message;
    bool database_unavailable = false;  // rethrown as DatabaseUnavailable
  };
  std::optional<Outcome> outcome_;
};

// Applies the auth options (`auth` struct members or REST headers) to an
// authenticated user: only trusted accounts may set username, full_name and
// readonly (spec/auth-config.md §2.1).
Session make_session(const AuthenticatedUser& user, const Value::Struct& auth_options,
                     std::string authoritative_source);

}  // namespace prefixd::api
