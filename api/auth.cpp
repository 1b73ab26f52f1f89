// SPDX-License-Identifier: MIT
#include "api/auth.h"
#include <spdlog/spdlog.h>
#include "api/auth_throttle.h"
#include "backend/utf8.h"

#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

#include "api/base64.h"
#include "api/wire_decode.h"
#include "backend/errors.h"

namespace prefixd::api {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// A cache key of fixed size that keeps no password or token in memory:
// SHA-256 over the parts, each preceded by its length.
std::string cache_key(std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (std::string_view part : parts) {
    const std::uint64_t size = part.size();
    ok = ok && EVP_DigestUpdate(ctx, &size, sizeof size) == 1 &&
         EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view in, Base64Alphabet alphabet) {
  const bool url = alphabet == Base64Alphabet::kUrl;
  // One digit table (api/base64.h); base64url swaps the last two digits.
  auto sextet = [url](char c) -> int {
    if (url) {
      if (c == '-') return 62;
      if (c == '_') return 63;
      if (c == '+' || c == '/') return -1;
    }
    return base64_digit(c);
  };
  if (!url) {
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // base64url (JWS): one encoding per value, so leftover bits must be zero.
  if (url && bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

Credentials parse_authorization(std::string_view header) {
  Credentials c;
  const size_t space = header.find(' ');
  if (space == std::string_view::npos) return c;
  const std::string_view scheme = header.substr(0, space);
  const std::string_view rest = header.substr(space + 1);
  if (iequals(scheme, "basic")) {
    auto decoded = decode_base64(rest, Base64Alphabet::kStandard);
    if (!decoded) return c;
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos) return c;
    c.scheme = Credentials::Scheme::kBasic;
    c.login = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  } else if (iequals(scheme, "bearer")) {
    c.scheme = Credentials::Scheme::kBearer;
    c.token = std::string(rest);
  }
  return c;
}

Authenticator::Authenticator(std::chrono::seconds cache_lifetime)
    : Authenticator(AuthSettings{cache_lifetime, "local", {}}) {}

Authenticator::Authenticator(const AuthSettings& settings, AuthThrottle* throttle)
    : lifetime_(settings.cache_lifetime),
      default_backend_(settings.default_backend),
      throttle_(throttle) {
  for (const auto& b : settings.backends) backends_[b.name] = make_auth_backend(b);
  if (!backends_.contains("local")) {
    AuthBackendSettings local;
    local.name = "local";
    local.type = "local";
    backends_["local"] = make_auth_backend(local);
  }
  if (!backends_.contains(default_backend_)) {
    throw std::invalid_argument("auth.default_backend '" + default_backend_ + "' names no backend");
  }
}

Authenticator::~Authenticator() = default;

AuthBackend* Authenticator::backend(const std::string& name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second.get();
}

const AuthenticatedUser* Authenticator::cached(const std::string& key,
                                               std::chrono::steady_clock::time_point now) {
  if (now >= next_purge_) {
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires <= now; });
    next_purge_ = now + std::max(lifetime_, std::chrono::seconds(1));
  }
  auto it = cache_.find(key);
  if (it == cache_.end() || it->second.expires <= now) {
    ++counters_.cache_misses;
    return nullptr;
  }
  ++counters_.cache_hits;
  return &it->second.user;
}

void Authenticator::remember(std::string key, const AuthenticatedUser& user,
                             std::chrono::steady_clock::time_point expires,
                             std::chrono::steady_clock::time_point now) {
  if (lifetime_.count() <= 0 || expires <= now) return;
  if (cache_.size() >= kMaxCacheEntries) {
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires <= now; });
    // Still full: make room at random rather than grow without bound.
    if (cache_.size() >= kMaxCacheEntries) cache_.erase(cache_.begin());
  }
  cache_[std::move(key)] = CacheEntry{user, expires};
}

namespace {

std::string outcome_key(const Credentials& c) {
  std::string key = c.login;
  key.push_back('\0');
  key += c.password;
  key.push_back('\0');
  key += c.token;
  key.push_back(static_cast<char>(c.scheme));
  return key;
}

// The name a Basic login is throttled under: without its "@backend".
std::string throttle_name(const std::string& login) {
  return login.substr(0, login.rfind('@'));
}

}  // namespace

void Authenticator::begin_request(std::string client_address) {
  client_address_ = std::move(client_address);
  outcome_.reset();
}

std::chrono::milliseconds Authenticator::check_credentials(const Credentials& credentials,
                                                           DbSession& db, bool waited, bool& ok) {
  ok = false;
  if (credentials.scheme == Credentials::Scheme::kNone) return std::chrono::milliseconds(0);
  Outcome outcome{outcome_key(credentials), std::nullopt, FaultCode::kAuthentication, "", false};
  // A login remembered as good is not throttled: the wait is for guesses.
  bool remembered = false;
  if (credentials.scheme == Credentials::Scheme::kBasic) {
    std::string name = credentials.login;
    std::string backend_name = default_backend_;
    if (const size_t at = name.rfind('@'); at != std::string::npos) {
      backend_name = name.substr(at + 1);
      name.resize(at);
    }
    const auto it = cache_.find(cache_key({backend_name, name, credentials.password}));
    remembered = it != cache_.end() && it->second.expires > std::chrono::steady_clock::now();
  }
  if (throttle_ && credentials.scheme == Credentials::Scheme::kBasic && !waited && !remembered) {
    const auto turn = throttle_->take_turn(throttle_name(credentials.login), client_address_);
    if (turn.refused) {
      const auto c = throttle_->counters();
      spdlog::warn(
          "login as '{}' from {} refused unchecked: too many failures (failures {}, delayed {}, "
          "refused {})",
          throttle_name(credentials.login), client_address_, c.failures, c.delayed, c.refused);
      outcome.message = "Too many failed logins for this user or address; try again later.";
      outcome_ = std::move(outcome);
      return std::chrono::milliseconds(0);
    }
    if (turn.wait.count() > 0) return turn.wait;
  }
  try {
    outcome.user = authenticate(credentials, db);
    ok = true;
  } catch (const NipapError& e) {
    outcome.code = e.code();
    outcome.message = e.what();
    outcome.database_unavailable = dynamic_cast<const DatabaseUnavailable*>(&e) != nullptr;
  }
  outcome_ = std::move(outcome);
  return std::chrono::milliseconds(0);
}

AuthenticatedUser Authenticator::authenticate(const Credentials& credentials, DbSession& db) {
  if (outcome_ && outcome_->key == outcome_key(credentials)) {
    if (outcome_->user) return *outcome_->user;
    if (outcome_->database_unavailable) throw DatabaseUnavailable(outcome_->message);
    throw NipapError(outcome_->code, outcome_->message);
  }
  const auto now = std::chrono::steady_clock::now();
  switch (credentials.scheme) {
    case Credentials::Scheme::kNone:
      throw NipapError(FaultCode::kAuth, "Missing authentication method");
    case Credentials::Scheme::kBearer: {
      // Bearer tokens always go to the backend named "jwt" (spec §1.2).
      AuthBackend* jwt = backend("jwt");
      if (jwt == nullptr) throw NipapError(FaultCode::kAuthentication, "Invalid bearer token.");
      std::string key = cache_key({"\x01", credentials.token});
      if (const AuthenticatedUser* hit = cached(key, now)) return *hit;
      auto valid_until = std::chrono::system_clock::time_point::max();
      AuthenticatedUser user;
      try {
        user = jwt->check_token(credentials.token, valid_until);
      } catch (const BackendUnavailable& e) {
        ++counters_.backend_failures;
        throw NipapError(FaultCode::kError, e.what());
      }
      auto expires = now + lifetime_;
      const auto left = valid_until - std::chrono::system_clock::now();
      if (left < lifetime_) expires = now + std::chrono::duration_cast<std::chrono::seconds>(left);
      remember(std::move(key), user, expires, now);
      return user;
    }
    case Credentials::Scheme::kBasic:
      break;
  }
  // A NUL would end the name or password early in libpq, libldap and the
  // hash check: such credentials never match anyone.
  // Nor does a name that is not UTF-8 (PostgreSQL would refuse to compare it).
  if (credentials.login.find('\0') != std::string::npos ||
      credentials.password.find('\0') != std::string::npos || !is_valid_utf8(credentials.login)) {
    throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
  }
  // "name@backend" picks a backend (split at the last '@').
  std::string name = credentials.login;
  std::string backend_name = default_backend_;
  if (const size_t at = name.rfind('@'); at != std::string::npos) {
    backend_name = name.substr(at + 1);
    name.resize(at);
  }
  AuthBackend* chosen = backend(backend_name);
  if (chosen == nullptr) {
    throw NipapError(FaultCode::kAuthentication,
                     "Invalid auth backend '" + backend_name + "' specified");
  }
  std::string key = cache_key({backend_name, name, credentials.password});
  if (const AuthenticatedUser* hit = cached(key, now)) return *hit;
  AuthenticatedUser user;
  try {
    user = chosen->check_password(name, credentials.password, db);
  } catch (const BackendUnavailable& e) {
    ++counters_.backend_failures;
    throw NipapError(FaultCode::kError, e.what());
  } catch (const NipapError& e) {
    if (throttle_ && e.code() == FaultCode::kAuthentication) {
      throttle_->record_failure(name, client_address_);
      const auto c = throttle_->counters();
      spdlog::info("login as '{}' from {} failed (failures {}, delayed {}, refused {})", name,
                   client_address_, c.failures, c.delayed, c.refused);
    }
    throw;
  }
  if (throttle_) throttle_->record_success(name);
  remember(std::move(key), user, now + lifetime_, now);
  return user;
}

Session make_session(const AuthenticatedUser& user, const Value::Struct& auth_options,
                     std::string authoritative_source) {
  Session s;
  s.authenticated_as = user.name;
  s.username = user.name;
  s.full_name = user.full_name;
  s.readonly = user.readonly;
  s.trusted = user.trusted;
  s.authoritative_source = std::move(authoritative_source);
  if (!user.trusted) return s;
  auto optional_text = [](const Value& v) -> std::optional<std::string> {
    if (v.is_nil()) return std::nullopt;
    return python_str(v);
  };
  if (auto it = auth_options.find("username"); it != auth_options.end()) {
    s.username = optional_text(it->second);
  }
  // A trusted account speaks for someone else: its own name is not used.
  auto fn = auth_options.find("full_name");
  s.full_name = fn != auth_options.end() ? optional_text(fn->second) : std::nullopt;
  if (auto it = auth_options.find("readonly"); it != auth_options.end()) {
    s.readonly = it->second.truthy();
  }
  return s;
}

}  // namespace prefixd::api
