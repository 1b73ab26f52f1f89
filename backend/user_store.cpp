// SPDX-License-Identifier: MIT
#include "backend/user_store.h"

namespace prefixd {

const std::vector<PreparedStatement>& user_store_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"user_find",
       "SELECT username, password_hash, full_name, trusted, readonly, legacy_salt, legacy_sha1 "
       "FROM prefixd_user WHERE username = $1"},
      {"user_list",
       "SELECT username, password_hash, full_name, trusted, readonly, legacy_salt, legacy_sha1 "
       "FROM prefixd_user ORDER BY username"},
      {"user_add",
       "INSERT INTO prefixd_user (username, password_hash, full_name, trusted, readonly) "
       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING"},
      {"user_remove", "DELETE FROM prefixd_user WHERE username = $1"},
      {"user_set_password",
       "UPDATE prefixd_user SET password_hash = $2, legacy_salt = NULL, legacy_sha1 = NULL, "
       "updated = now() WHERE username = $1"},
      {"user_upgrade_legacy",
       "UPDATE prefixd_user SET password_hash = $4, legacy_salt = NULL, legacy_sha1 = NULL, "
       "updated = now() WHERE username = $1 AND legacy_salt = $2 AND legacy_sha1 = $3"},
      // Only an account that holds no crypt(3) hash takes the file's hash.
      {"user_import_legacy",
       "INSERT INTO prefixd_user (username, full_name, trusted, readonly, legacy_salt, "
       "legacy_sha1) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO UPDATE SET "
       "full_name = EXCLUDED.full_name, trusted = EXCLUDED.trusted, "
       "readonly = EXCLUDED.readonly, "
       "legacy_salt = CASE WHEN prefixd_user.password_hash IS NULL THEN EXCLUDED.legacy_salt "
       "ELSE NULL END, "
       "legacy_sha1 = CASE WHEN prefixd_user.password_hash IS NULL THEN EXCLUDED.legacy_sha1 "
       "ELSE NULL END, updated = now()"},
  };
  return kStatements;
}

namespace {

User row_to_user(const pqxx::row& row) {
  User u;
  u.username = row[0].as<std::string>();
  if (!row[1].is_null()) u.password_hash = row[1].as<std::string>();
  if (!row[2].is_null()) u.full_name = row[2].as<std::string>();
  u.trusted = row[3].as<bool>();
  u.readonly = row[4].as<bool>();
  if (!row[5].is_null() && !row[6].is_null()) {
    u.legacy = LegacyHash{row[5].as<std::string>(), row[6].as<std::string>()};
  }
  return u;
}

}  // namespace

std::optional<User> find_user(pqxx::transaction_base& tx, const std::string& username) {
  auto r = tx.exec_prepared("user_find", username);
  if (r.empty()) return std::nullopt;
  return row_to_user(r[0]);
}

std::optional<User> find_user(DbSession& db, const std::string& username) {
  return db.run_read([&](pqxx::transaction_base& tx) { return find_user(tx, username); });
}

std::vector<User> list_users(pqxx::transaction_base& tx) {
  std::vector<User> users;
  for (const auto& row : tx.exec_prepared("user_list")) users.push_back(row_to_user(row));
  return users;
}

void add_user(pqxx::transaction_base& tx, const User& user) {
  auto r = tx.exec_prepared("user_add", user.username, user.password_hash, user.full_name,
                            user.trusted, user.readonly);
  if (r.affected_rows() == 0) {
    throw NipapError(FaultCode::kDuplicate, "user '" + user.username + "' already exists");
  }
}

bool remove_user(pqxx::transaction_base& tx, const std::string& username) {
  return tx.exec_prepared("user_remove", username).affected_rows() > 0;
}

bool set_password_hash(pqxx::transaction_base& tx, const std::string& username,
                       const std::string& password_hash) {
  return tx.exec_prepared("user_set_password", username, password_hash).affected_rows() > 0;
}

bool upgrade_legacy_hash(pqxx::transaction_base& tx, const std::string& username,
                         const LegacyHash& old, const std::string& password_hash) {
  return tx.exec_prepared("user_upgrade_legacy", username, old.salt, old.sha1_hex, password_hash)
             .affected_rows() > 0;
}

bool upgrade_legacy_hash(DbSession& db, const std::string& username, const LegacyHash& old,
                         const std::string& password_hash) {
  return db.run([&](pqxx::transaction_base& tx) {
    return upgrade_legacy_hash(tx, username, old, password_hash);
  });
}

void import_legacy_user(pqxx::transaction_base& tx, const User& user) {
  std::optional<std::string> salt, sha1;
  if (user.legacy) {
    salt = user.legacy->salt;
    sha1 = user.legacy->sha1_hex;
  }
  tx.exec_prepared("user_import_legacy", user.username, user.full_name, user.trusted, user.readonly,
                   salt, sha1);
}

}  // namespace prefixd
