// SPDX-License-Identifier: MIT
// prefixd's accounts (table prefixd_user): the local authentication backend
// and the `prefixd user ...` admin commands.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_session.h"

namespace prefixd {

// NIPAP's password scheme (local_auth.db): lower-case hex SHA-1 of salt ||
// password. Accounts imported from NIPAP hold it until their first login.
struct LegacyHash {
  std::string salt;
  std::string sha1_hex;
  bool operator==(const LegacyHash&) const = default;
};

struct User {
  std::string username;
  std::string password_hash;  // crypt(3) string; empty while `legacy` is set
  std::optional<LegacyHash> legacy;
  std::optional<std::string> full_name;
  bool trusted = false;
  bool readonly = false;
};

const std::vector<PreparedStatement>& user_store_statements();

// Reads one account by exact (case-sensitive) name.
std::optional<User> find_user(pqxx::transaction_base& tx, const std::string& username);
// The same on a worker's session, as the single statement it is.
std::optional<User> find_user(DbSession& db, const std::string& username);
std::vector<User> list_users(pqxx::transaction_base& tx);
// Throws NipapError(kDuplicate) when the name is taken.
void add_user(pqxx::transaction_base& tx, const User& user);
// Return false when no such user exists.
bool remove_user(pqxx::transaction_base& tx, const std::string& username);
// Sets a crypt(3) hash and erases any legacy hash.
bool set_password_hash(pqxx::transaction_base& tx, const std::string& username,
                       const std::string& password_hash);
// Replaces the legacy hash `old` by `password_hash`; false when the account
// no longer holds `old` (changed or removed meanwhile).
bool upgrade_legacy_hash(pqxx::transaction_base& tx, const std::string& username,
                         const LegacyHash& old, const std::string& password_hash);
// The same in a transaction of its own on a worker's session.
bool upgrade_legacy_hash(DbSession& db, const std::string& username, const LegacyHash& old,
                         const std::string& password_hash);
// Creates or updates an account from NIPAP's local_auth.db. An existing
// account keeps a crypt(3) password (an import never downgrades one); an
// account that still holds a legacy hash gets the file's.
void import_legacy_user(pqxx::transaction_base& tx, const User& user);

}  // namespace prefixd
