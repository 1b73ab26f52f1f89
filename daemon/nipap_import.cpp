// SPDX-License-Identifier: MIT
#include "daemon/nipap_import.h"

#include <sqlite3.h>

#include <iostream>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>

#include "backend/db_session.h"

namespace prefixd::daemon {

namespace {

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalize {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), which is what PostgreSQL accepts.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t n = c >= 0xc2 && c <= 0xdf   ? 1
                     : c >= 0xe0 && c <= 0xef ? 2
                     : c >= 0xf0 && c <= 0xf4 ? 3
                                              : 0;
    if (n == 0 || i + n >= s.size()) return false;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    const unsigned char d = static_cast<unsigned char>(s[i + 1]);
    if (d < lo || d > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// A text column: nullopt for NULL; `error` set when it is not valid text.
std::optional<std::string> text_column(sqlite3_stmt* st, int column, const char* name,
                                       std::string& error) {
  const int type = sqlite3_column_type(st, column);
  if (type == SQLITE_NULL) return std::nullopt;
  if (type != SQLITE_TEXT) {
    error = std::string(name) + " is not text";
    return std::nullopt;
  }
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
  std::string value(data ? data : "", static_cast<size_t>(sqlite3_column_bytes(st, column)));
  if (value.find('\0') != std::string::npos || !valid_utf8(value)) {
    error = std::string(name) + " is not valid UTF-8 text";
    return std::nullopt;
  }
  return value;
}

// NIPAP stores Python booleans, i.e. the integers 0 and 1; NULL reads as false.
std::optional<bool> flag_column(sqlite3_stmt* st, int column, const char* name,
                                std::string& error) {
  const int type = sqlite3_column_type(st, column);
  if (type == SQLITE_NULL) return false;
  if (type == SQLITE_INTEGER) {
    const auto v = sqlite3_column_int64(st, column);
    if (v == 0 || v == 1) return v == 1;
  }
  error = std::string(name) + " is not 0 or 1";
  return std::nullopt;
}

bool lower_hex_sha1(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string describe(const User& u) {
  return "full name " + (u.full_name ? "'" + *u.full_name + "'" : std::string("none")) +
         ", trusted " + (u.trusted ? "yes" : "no") + ", read-only " + (u.readonly ? "yes" : "no");
}

}  // namespace

std::vector<User> read_nipap_users(const std::string& path, std::vector<std::string>& errors) {
  std::vector<User> users;
  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, SqliteClose> db(raw);
  if (open_rc != SQLITE_OK) {
    errors.push_back("cannot open " + path + ": " +
                     (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(open_rc)));
    return users;
  }
  // Which columns the table has: the old schema lacks `readonly`.
  std::set<std::string> columns;
  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA table_info(\"user\")", -1, &st, nullptr) !=
        SQLITE_OK) {
      errors.push_back(path + ": " + sqlite3_errmsg(db.get()) + " (not an SQLite database?)");
      sqlite3_finalize(st);
      return users;
    }
    std::unique_ptr<sqlite3_stmt, StatementFinalize> info(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      if (name) columns.insert(name);
    }
  }
  if (columns.empty()) {
    const char* why = sqlite3_errmsg(db.get());
    errors.push_back(path + ": no table 'user' (not a NIPAP local_auth.db?)" +
                     std::string(sqlite3_errcode(db.get()) != SQLITE_OK &&
                                         sqlite3_errcode(db.get()) != SQLITE_DONE
                                     ? std::string(": ") + why
                                     : ""));
    return users;
  }
  for (const char* required : {"username", "pwd_salt", "pwd_hash", "full_name", "trusted"}) {
    if (!columns.contains(required)) {
      errors.push_back(path + ": table 'user' has no column '" + required + "'");
    }
  }
  if (!errors.empty()) return users;
  const bool has_readonly = columns.contains("readonly");
  const std::string sql = std::string("SELECT username, pwd_salt, pwd_hash, full_name, trusted, ") +
                          (has_readonly ? "readonly" : "0") + " FROM \"user\" ORDER BY rowid";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    errors.push_back(path + ": " + sqlite3_errmsg(db.get()));
    sqlite3_finalize(st);
    return users;
  }
  std::unique_ptr<sqlite3_stmt, StatementFinalize> rows(st);
  std::set<std::string> seen;
  int rc;
  for (int row = 1; (rc = sqlite3_step(st)) == SQLITE_ROW; ++row) {
    std::string error;
    auto name = text_column(st, 0, "username", error);
    const std::string where =
        "row " + std::to_string(row) + (name ? " (user '" + *name + "')" : std::string());
    User u;
    std::optional<std::string> salt, hash;
    std::optional<bool> trusted, readonly;
    if (error.empty() && (!name || name->empty())) error = "username is empty or NULL";
    if (error.empty()) salt = text_column(st, 1, "pwd_salt", error);
    if (error.empty() && !salt) error = "pwd_salt is NULL";
    if (error.empty()) hash = text_column(st, 2, "pwd_hash", error);
    if (error.empty() && (!hash || !lower_hex_sha1(*hash))) {
      error = "pwd_hash is not 40 lower-case hex digits (a SHA-1 from nipap-passwd)";
    }
    if (error.empty()) u.full_name = text_column(st, 3, "full_name", error);
    if (error.empty()) trusted = flag_column(st, 4, "trusted", error);
    if (error.empty()) readonly = flag_column(st, 5, "readonly", error);
    if (error.empty() && !seen.insert(*name).second) error = "username appears twice";
    if (!error.empty()) {
      errors.push_back(where + ": " + error);
      continue;
    }
    u.username = *name;
    u.legacy = LegacyHash{*salt, *hash};
    u.trusted = *trusted;
    u.readonly = *readonly;
    users.push_back(std::move(u));
  }
  if (rc != SQLITE_DONE) errors.push_back(path + ": " + sqlite3_errmsg(db.get()));
  return users;
}

int user_import_nipap(const Config& config, const std::string& path, bool dry_run) {
  std::vector<std::string> errors;
  const auto users = read_nipap_users(path, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << "prefixd: " << e << "\n";
    std::cerr << "prefixd: nothing imported (" << errors.size() << " error"
              << (errors.size() == 1 ? "" : "s") << ")\n";
    return 1;
  }
  try {
    pqxx::connection conn(config.conninfo());
    declare_statements(conn, false);
    pqxx::work tx(conn);
    int created = 0, updated = 0, unchanged = 0;
    for (const auto& u : users) {
      auto existing = find_user(tx, u.username);
      std::string what;
      if (!existing) {
        what = "create (" + describe(u) + ", NIPAP password)";
        ++created;
      } else {
        User next = *existing;
        next.full_name = u.full_name;
        next.trusted = u.trusted;
        next.readonly = u.readonly;
        // A prefixd password (set here, or a re-hashed NIPAP one) is kept.
        if (existing->legacy) next.legacy = u.legacy;
        const bool same = next.full_name == existing->full_name &&
                          next.trusted == existing->trusted &&
                          next.readonly == existing->readonly && next.legacy == existing->legacy;
        if (same) {
          ++unchanged;
          what = "unchanged";
        } else {
          ++updated;
          what = "update (" + describe(next) + ")";
          if (existing->legacy && !(next.legacy == existing->legacy)) {
            what += ", new NIPAP password";
          }
        }
        if (!existing->legacy) what += "; keeps its prefixd password";
      }
      std::cout << (dry_run ? "would " : "") << u.username << ": " << what << "\n";
      if (!dry_run) import_legacy_user(tx, u);
    }
    if (!dry_run) tx.commit();
    std::cout << (dry_run ? "dry run, nothing changed: " : "imported: ") << created << " created, "
              << updated << " updated, " << unchanged << " unchanged\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "prefixd: " << e.what() << "\nprefixd: nothing imported\n";
    return 1;
  }
}

}  // namespace prefixd::daemon
