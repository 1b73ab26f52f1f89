#include "api/auth.h"

#include <cctype>

#include "api/wire_decode.h"
#include "backend/errors.h"
#include "backend/password_hash.h"
#include "backend/user_store.h"

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

// Strict base64 (RFC 4648 alphabet, padding optional); nullopt when invalid.
std::optional<std::string> decode_base64(std::string_view in) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
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
  return out;
}

}  // namespace

Credentials parse_authorization(std::string_view header) {
  Credentials c;
  const size_t space = header.find(' ');
  if (space == std::string_view::npos) return c;
  const std::string_view scheme = header.substr(0, space);
  const std::string_view rest = header.substr(space + 1);
  if (iequals(scheme, "basic")) {
    auto decoded = decode_base64(rest);
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

AuthenticatedUser Authenticator::authenticate(const Credentials& credentials, DbSession& db) {
  switch (credentials.scheme) {
    case Credentials::Scheme::kNone:
      throw NipapError(FaultCode::kAuth, "Missing authentication method");
    case Credentials::Scheme::kBearer:
      // No JWT backend yet (spec/README.md decision 5).
      throw NipapError(FaultCode::kAuthentication, "Invalid bearer token.");
    case Credentials::Scheme::kBasic:
      break;
  }
  // A NUL would end the name or password early in libpq and in the hash
  // check: such credentials never match anyone.
  if (credentials.login.find('\0') != std::string::npos ||
      credentials.password.find('\0') != std::string::npos) {
    throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
  }
  // "name@backend" picks a backend; only the local user store exists, and
  // it is both the default and the one named "local".
  std::string name = credentials.login;
  const size_t at = name.rfind('@');
  if (at != std::string::npos) {
    if (name.substr(at + 1) != "local") {
      throw NipapError(FaultCode::kAuthentication,
                       "Invalid auth backend '" + name.substr(at + 1) + "' specified");
    }
    name.resize(at);
  }

  const auto now = std::chrono::steady_clock::now();
  if (now >= next_purge_) {
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires <= now; });
    next_purge_ = now + lifetime_;
  }
  std::string key = name;
  key.push_back('\0');
  key += credentials.password;
  if (auto it = cache_.find(key); it != cache_.end() && it->second.expires > now) {
    ++cache_hits_;
    return it->second.user;
  }

  auto user = db.run([&](pqxx::work& tx) { return find_user(tx, name); });
  ++hashes_;
  if (!user || !verify_password(credentials.password, user->password_hash)) {
    throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
  }
  AuthenticatedUser result{user->username, user->full_name, user->trusted, user->readonly};
  if (lifetime_.count() > 0) cache_[key] = CacheEntry{result, now + lifetime_};
  return result;
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
