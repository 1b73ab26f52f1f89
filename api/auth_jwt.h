// SPDX-License-Identifier: MIT
// The `jwt` backend (spec/auth-config.md §5): bearer tokens signed by an
// issuer whose keys are published as a JWKS. The signature is checked with
// the key the token's `kid` names and the algorithm its header names (only
// asymmetric ones), then exp/nbf/iat with a clock skew, optionally iss and
// aud, then the group claims: ro_group first, then rw_group, else refused.
#pragma once

#include "api/auth_backend.h"
#include "api/jwks_client.h"

namespace prefixd::api {

class JwtAuthBackend final : public AuthBackend {
 public:
  explicit JwtAuthBackend(AuthBackendSettings settings);

  // Basic credentials are never accepted by this backend.
  AuthenticatedUser check_password(const std::string& login, const std::string& password,
                                   DbSession& db) override;
  AuthenticatedUser check_token(const std::string& token,
                                std::chrono::system_clock::time_point& valid_until) override;

 private:
  AuthBackendSettings settings_;
  JwksClient jwks_;
};

}  // namespace prefixd::api
