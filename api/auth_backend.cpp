// SPDX-License-Identifier: MIT
#include "api/auth_backend.h"

#include <stdexcept>

#include "api/auth_jwt.h"
#include "api/auth_ldap.h"
#include "api/auth_local.h"
#include "backend/errors.h"

namespace prefixd::api {

AuthenticatedUser AuthBackend::check_token(const std::string&,
                                           std::chrono::system_clock::time_point&) {
  throw NipapError(FaultCode::kAuthentication, "Invalid bearer token.");
}

std::unique_ptr<AuthBackend> make_auth_backend(const AuthBackendSettings& settings) {
  if (settings.type == "local") return std::make_unique<LocalAuthBackend>();
  if (settings.type == "ldap") return std::make_unique<LdapAuthBackend>(settings);
  if (settings.type == "jwt") return std::make_unique<JwtAuthBackend>(settings);
  throw std::invalid_argument("unknown authentication backend type '" + settings.type + "'");
}

}  // namespace prefixd::api
