// SPDX-License-Identifier: MIT
#include "api/auth_jwt.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <set>
#include <sstream>

#include "backend/errors.h"

namespace prefixd::api {

namespace {

// The texts NIPAP answers with (spec §5); the log says more.
constexpr const char* kMalformed = "Failed to decode JWT token";
constexpr const char* kExpired = "Token expired";
constexpr const char* kBadSignature = "Invalid token signature";
constexpr const char* kBadAlgorithm = "Unknown token signature algorithm";
constexpr const char* kNoAccess = "Invalid bearer token.";
constexpr std::size_t kMaxTokenBytes = 16 * 1024;

[[noreturn]] void refuse(const char* message, const std::string& why) {
  spdlog::info("bearer token refused: {}", why);
  throw NipapError(FaultCode::kAuthentication, message);
}

// A NumericDate claim (seconds since the epoch), if present; a present
// claim that is not a finite number makes the token malformed.
std::optional<double> numeric_date(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    refuse(kMalformed, std::string("claim ") + name + " is not a number");
  }
  return it->get<double>();
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

}  // namespace

JwtAuthBackend::JwtAuthBackend(AuthBackendSettings settings)
    : settings_(std::move(settings)), jwks_(settings_) {}

AuthenticatedUser JwtAuthBackend::check_password(const std::string&, const std::string&,
                                                 DbSession&) {
  throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
}

AuthenticatedUser JwtAuthBackend::check_token(const std::string& token,
                                              std::chrono::system_clock::time_point& valid_until) {
  if (token.size() > kMaxTokenBytes) refuse(kMalformed, "token too long");
  auto jwt = decode_jwt(token);
  if (!jwt) refuse(kMalformed, "not three base64url parts with JSON objects");
  auto sub = jwt->claims.find("sub");
  // A NUL could not be stored in the audit log (PostgreSQL text).
  if (sub == jwt->claims.end() || !sub->is_string() || sub->get<std::string>().empty() ||
      sub->get<std::string>().find('\0') != std::string::npos) {
    refuse(kMalformed, "no sub claim, or one with a NUL");
  }
  auto alg = jwt->header.find("alg");
  if (alg == jwt->header.end() || !alg->is_string()) refuse(kMalformed, "no alg in the header");
  const std::string algorithm = alg->get<std::string>();
  // `none` and the HMAC family (a public key is no shared secret) end here.
  if (!supported_jwt_algorithm(algorithm)) refuse(kBadAlgorithm, "alg " + algorithm);
  if (jwt->header.contains("crit")) refuse(kMalformed, "unsupported crit header");
  std::string kid;
  if (auto k = jwt->header.find("kid"); k != jwt->header.end()) {
    if (!k->is_string()) refuse(kMalformed, "kid is not a string");
    kid = k->get<std::string>();
  }
  auto key = jwks_.key(kid);
  if (!key) refuse(kBadSignature, "no key with kid '" + kid + "' in " + settings_.jwk_url);
  if (!verify_jwt_signature(*jwt, algorithm, *key)) {
    refuse(kBadSignature, "signature does not verify (alg " + algorithm + ", kid '" + kid + "')");
  }

  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double skew = static_cast<double>(settings_.clock_skew);
  if (auto exp = numeric_date(jwt->claims, "exp")) {
    if (now >= *exp + skew) refuse(kExpired, "expired");
    valid_until = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(*exp + skew)));
  }
  if (auto nbf = numeric_date(jwt->claims, "nbf"); nbf && now + skew < *nbf) {
    refuse(kMalformed, "not valid yet (nbf)");
  }
  if (auto iat = numeric_date(jwt->claims, "iat"); iat && now + skew < *iat) {
    refuse(kMalformed, "issued in the future (iat)");
  }
  if (!settings_.issuer.empty()) {
    auto iss = jwt->claims.find("iss");
    if (iss == jwt->claims.end() || !iss->is_string() || *iss != settings_.issuer) {
      refuse(kMalformed, "iss is not " + settings_.issuer);
    }
  }
  if (!settings_.audience.empty()) {
    auto aud = jwt->claims.find("aud");
    bool match = false;
    if (aud != jwt->claims.end() && aud->is_string()) match = *aud == settings_.audience;
    if (aud != jwt->claims.end() && aud->is_array()) {
      for (const auto& a : *aud) match = match || (a.is_string() && a == settings_.audience);
    }
    if (!match) refuse(kMalformed, "aud does not contain " + settings_.audience);
  }

  std::set<std::string> groups;
  for (const auto& claim : split_names(settings_.group_claim_name)) {
    auto it = jwt->claims.find(claim);
    if (it == jwt->claims.end()) continue;
    if (it->is_string()) groups.insert(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& g : *it) {
        if (g.is_string()) groups.insert(g.get<std::string>());
      }
    }
  }
  AuthenticatedUser user;
  user.name = sub->get<std::string>();
  auto name = jwt->claims.find("name");
  user.full_name = name != jwt->claims.end() && name->is_string() &&
                           name->get<std::string>().find('\0') == std::string::npos
                       ? name->get<std::string>()
                       : user.name;
  // Read-only is tested first (the opposite precedence to LDAP's).
  if (!settings_.ro_group.empty() && groups.contains(settings_.ro_group)) {
    user.readonly = true;
  } else if (!settings_.rw_group.empty() && groups.contains(settings_.rw_group)) {
    user.readonly = false;
  } else {
    refuse(kNoAccess, "'" + user.name + "' is in neither ro_group nor rw_group");
  }
  return user;
}

}  // namespace prefixd::api
