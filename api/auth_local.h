// SPDX-License-Identifier: MIT
// The `local` backend: prefixd's accounts in PostgreSQL (table prefixd_user),
// with yescrypt hashes, or NIPAP's salted SHA-1 for imported accounts until
// their first successful login re-hashes the password.
#pragma once

#include "api/auth_backend.h"

namespace prefixd::api {

class LocalAuthBackend final : public AuthBackend {
 public:
  AuthenticatedUser check_password(const std::string& login, const std::string& password,
                                   DbSession& db) override;
};

}  // namespace prefixd::api
