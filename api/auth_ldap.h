// SPDX-License-Identifier: MIT
// The `ldap` backend (spec/auth-config.md §4) through OpenLDAP's libldap:
// simple bind as binddn_fmt(login), STARTTLS or ldaps://, a search for the
// user's cn and memberOf (optionally as a search account), and the rw/ro
// group policy of §4.2. Every authentication opens its own connection and
// is bounded in time by the backend's `timeout` (a dead server costs a call
// at most that), never a hung worker.
#pragma once

#include <string>
#include <string_view>

#include "api/auth_backend.h"

namespace prefixd::api {

class LdapAuthBackend final : public AuthBackend {
 public:
  explicit LdapAuthBackend(AuthBackendSettings settings);

  AuthenticatedUser check_password(const std::string& login, const std::string& password,
                                   DbSession& db) override;

 private:
  AuthBackendSettings settings_;
};

// RFC 4514 escaping of an attribute value inside a DN.
std::string escape_ldap_dn_value(std::string_view value);
// RFC 4515 escaping of an assertion value inside a search filter.
std::string escape_ldap_filter_value(std::string_view value);
// `pattern` with every "{}" replaced by `value`.
std::string fill_ldap_template(std::string_view pattern, std::string_view value);

}  // namespace prefixd::api
