// Who is calling: HTTP Authorization parsing, password verification against
// the user store with a per-worker cache of successful logins, and the
// session a call runs as (trusted impersonation, read-only), per
// spec/auth-config.md §1–§2 and spec/xmlrpc.md §2.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/value.h"
#include "backend/db_session.h"

namespace prefixd::api {

struct Credentials {
  enum class Scheme { kNone, kBasic, kBearer };
  Scheme scheme = Scheme::kNone;
  std::string login;  // Basic: the name as sent, possibly with "@backend"
  std::string password;
  std::string token;  // Bearer
};

// Parses an Authorization header. Anything that is not well-formed Basic
// (any case of the scheme, base64 of "name:password") or Bearer is kNone.
Credentials parse_authorization(std::string_view header);

struct AuthenticatedUser {
  std::string name;  // without the "@backend" suffix
  std::optional<std::string> full_name;
  bool trusted = false;
  bool readonly = false;
};

// What a call runs as, after the auth options were applied.
struct Session {
  std::string authenticated_as;
  std::optional<std::string> username;
  std::optional<std::string> full_name;
  std::string authoritative_source;
  bool readonly = false;
  bool trusted = false;
};

class Authenticator {
 public:
  explicit Authenticator(std::chrono::seconds cache_lifetime) : lifetime_(cache_lifetime) {}

  // Throws NipapError 1500 (no usable credentials) or 1510 (rejected).
  AuthenticatedUser authenticate(const Credentials& credentials, DbSession& db);

  // Passwords verified with the (deliberately slow) hash since start-up.
  std::uint64_t password_hashes() const { return hashes_; }
  // Logins answered from the cache since start-up (a miss is a hash).
  std::uint64_t cache_hits() const { return cache_hits_; }

 private:
  struct CacheEntry {
    AuthenticatedUser user;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::seconds lifetime_;
  // Key: login and password; only successful logins are cached, so a
  // removed user or a changed password stops working within the lifetime.
  std::unordered_map<std::string, CacheEntry> cache_;
  std::uint64_t hashes_ = 0;
  std::uint64_t cache_hits_ = 0;
  std::chrono::steady_clock::time_point next_purge_{};
};

// Applies the auth options (`auth` struct members or REST headers) to an
// authenticated user: only trusted accounts may set username, full_name and
// readonly (spec/auth-config.md §2.1).
Session make_session(const AuthenticatedUser& user, const Value::Struct& auth_options,
                     std::string authoritative_source);

}  // namespace prefixd::api
