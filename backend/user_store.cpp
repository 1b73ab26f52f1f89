#include "backend/user_store.h"

namespace prefixd {

const std::vector<PreparedStatement>& user_store_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"user_find",
       "SELECT username, password_hash, full_name, trusted, readonly FROM prefixd_user "
       "WHERE username = $1"},
      {"user_list",
       "SELECT username, password_hash, full_name, trusted, readonly FROM prefixd_user "
       "ORDER BY username"},
      {"user_add",
       "INSERT INTO prefixd_user (username, password_hash, full_name, trusted, readonly) "
       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING"},
      {"user_remove", "DELETE FROM prefixd_user WHERE username = $1"},
      {"user_set_password",
       "UPDATE prefixd_user SET password_hash = $2, updated = now() WHERE username = $1"},
  };
  return kStatements;
}

namespace {

User row_to_user(const pqxx::row& row) {
  User u;
  u.username = row[0].as<std::string>();
  u.password_hash = row[1].as<std::string>();
  if (!row[2].is_null()) u.full_name = row[2].as<std::string>();
  u.trusted = row[3].as<bool>();
  u.readonly = row[4].as<bool>();
  return u;
}

}  // namespace

std::optional<User> find_user(pqxx::transaction_base& tx, const std::string& username) {
  auto r = tx.exec_prepared("user_find", username);
  if (r.empty()) return std::nullopt;
  return row_to_user(r[0]);
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

}  // namespace prefixd
