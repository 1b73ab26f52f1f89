// SPDX-License-Identifier: MIT
#include "api/auth_local.h"

#include <spdlog/spdlog.h>

#include "backend/errors.h"
#include "backend/password_hash.h"
#include "backend/user_store.h"

namespace prefixd::api {

namespace {

[[noreturn]] void reject() {
  throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
}

}  // namespace

AuthenticatedUser LocalAuthBackend::check_password(const std::string& login,
                                                   const std::string& password, DbSession& db) {
  auto user = find_user(db, login);
  // Every rejection spends one yescrypt verification, as a success does.
  if (!user) {
    verify_nothing(password);
    reject();
  }
  if (user->legacy) {
    if (!verify_nipap_sha1(password, user->legacy->salt, user->legacy->sha1_hex)) {
      verify_nothing(password);
      reject();
    }
    // The password is known now: store it the way prefixd does, in a
    // transaction of its own (the call that follows has its own).
    // A failure here (a read-only database, say) costs the upgrade, not the
    // login: the password was right, and the next login tries again.
    try {
      const std::string hash = hash_password(password);
      if (upgrade_legacy_hash(db, login, *user->legacy, hash)) {
        spdlog::info("user '{}': NIPAP password hash replaced by yescrypt", login);
      }
    } catch (const std::exception& e) {
      spdlog::warn("user '{}': NIPAP password hash not replaced: {}", login, e.what());
    }
  } else if (!verify_password(password, user->password_hash)) {
    reject();
  }
  return AuthenticatedUser{user->username, user->full_name, user->trusted, user->readonly};
}

}  // namespace prefixd::api
