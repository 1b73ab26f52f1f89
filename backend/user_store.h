// prefixd's accounts (table prefixd_user): the local authentication backend
// and the `prefixd user ...` admin commands.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_session.h"

namespace prefixd {

struct User {
  std::string username;
  std::string password_hash;
  std::optional<std::string> full_name;
  bool trusted = false;
  bool readonly = false;
};

const std::vector<PreparedStatement>& user_store_statements();

// Reads one account by exact (case-sensitive) name.
std::optional<User> find_user(pqxx::transaction_base& tx, const std::string& username);
std::vector<User> list_users(pqxx::transaction_base& tx);
// Throws NipapError(kDuplicate) when the name is taken.
void add_user(pqxx::transaction_base& tx, const User& user);
// Return false when no such user exists.
bool remove_user(pqxx::transaction_base& tx, const std::string& username);
bool set_password_hash(pqxx::transaction_base& tx, const std::string& username,
                       const std::string& password_hash);

}  // namespace prefixd
