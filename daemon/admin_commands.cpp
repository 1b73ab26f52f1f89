// SPDX-License-Identifier: MIT
#include "daemon/admin_commands.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>

#include "backend/migrations.h"
#include "backend/password_hash.h"
#include "backend/user_store.h"
#include "backend/version.h"

namespace prefixd::daemon {

namespace {

std::unique_ptr<pqxx::connection> connect(const Config& config) {
  try {
    auto conn = std::make_unique<pqxx::connection>(config.conninfo());
    declare_statements(*conn, false);
    return conn;
  } catch (const std::exception& e) {
    std::cerr << "prefixd: cannot connect to the database: " << e.what();
    return nullptr;
  }
}

// Creates the extensions when possible; otherwise prints what a superuser
// must run. False when the schema cannot be installed yet.
bool ensure_extensions(pqxx::connection& conn) {
  const auto missing = missing_extensions(conn);
  if (missing.empty()) return true;
  if (is_superuser(conn)) {
    create_extensions(conn, missing);
    for (const auto& e : missing) std::cout << "created extension " << e << "\n";
    return true;
  }
  std::cerr << "prefixd: the database lacks extensions that only a superuser can create.\n"
            << "Run these as a PostgreSQL superuser in database '" << conn.dbname()
            << "', then run this command again:\n";
  for (const auto& e : missing) std::cerr << "  CREATE EXTENSION IF NOT EXISTS " << e << ";\n";
  return false;
}

int install_schema(const Config& config, bool adopting_allowed) {
  auto conn = connect(config);
  if (!conn) return 1;
  try {
    const SchemaState state = read_schema_state(*conn);
    if (state.level > latest_migration()) {
      std::cerr << "prefixd: " << schema_problem(state) << "\n";
      return 1;
    }
    if (state.nipap_database && state.level == 0) {
      if (!adopting_allowed) {
        std::cerr << "prefixd: this is a NIPAP database; adopt it with 'prefixd db upgrade'\n";
        return 1;
      }
      if (state.nipap_version != kNipapSchemaVersion) {
        std::cerr << "prefixd: this NIPAP database has schema version " << state.nipap_version
                  << "; prefixd adopts version " << kNipapSchemaVersion
                  << ". Upgrade it with NIPAP's own tools first.\n";
        return 1;
      }
      std::cout << "adopting NIPAP database (schema version " << state.nipap_version << ")\n";
    }
    if (!ensure_extensions(*conn)) return 1;
    const int applied =
        apply_pending_migrations(*conn, [](const std::string& line) { std::cout << line << "\n"; });
    std::cout << "schema at migration " << latest_migration() << " ("
              << (applied ? std::to_string(applied) + " applied" : "already current") << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "prefixd: " << e.what() << "\n";
    return 1;
  }
}

std::optional<std::string> read_password(bool from_stdin) {
  std::string line;
  if (from_stdin) {
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  FILE* tty = fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    std::cerr << "prefixd: no terminal to ask for a password; use --password-stdin\n";
    return std::nullopt;
  }
  auto ask = [&](const char* prompt) -> std::optional<std::string> {
    fputs(prompt, tty);
    fflush(tty);
    termios old{};
    tcgetattr(fileno(tty), &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    char buf[1024];
    const bool ok = fgets(buf, sizeof buf, tty) != nullptr;
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    if (!ok) return std::nullopt;
    std::string s = buf;
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  };
  auto first = ask("Password: ");
  std::optional<std::string> second;
  if (first) second = ask("Repeat password: ");
  fclose(tty);
  if (!first || !second) return std::nullopt;
  if (*first != *second) {
    std::cerr << "prefixd: the passwords differ\n";
    return std::nullopt;
  }
  return first;
}

template <typename Fn>
int with_transaction(const Config& config, Fn&& fn) {
  auto conn = connect(config);
  if (!conn) return 1;
  try {
    pqxx::work tx(*conn);
    const int rc = fn(tx);
    if (rc == 0) tx.commit();
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "prefixd: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int db_init(const Config& config) {
  return install_schema(config, false);
}
int db_upgrade(const Config& config) {
  return install_schema(config, true);
}

int db_status(const Config& config) {
  auto conn = connect(config);
  if (!conn) return 1;
  try {
    const SchemaState state = read_schema_state(*conn);
    std::cout << "database:        " << conn->dbname() << "\n"
              << "migration level: " << state.level << " (this prefixd: " << latest_migration()
              << ")\n"
              << "NIPAP schema:    "
              << (state.nipap_database ? std::to_string(state.nipap_version) : "none") << "\n";
    const std::string problem = schema_problem(state);
    std::cout << "status:          " << (problem.empty() ? "current" : problem) << "\n";
    return problem.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "prefixd: " << e.what() << "\n";
    return 1;
  }
}

int user_add(const Config& config, const UserOptions& options) {
  if (options.name.empty() || options.name.find('@') != std::string::npos) {
    std::cerr << "prefixd: a user name must be non-empty and contain no '@'\n";
    return 2;
  }
  auto password = read_password(options.password_stdin);
  if (!password) return 1;
  if (password->empty()) {
    std::cerr << "prefixd: the password must not be empty\n";
    return 2;
  }
  User user{options.name,      hash_password(*password), std::nullopt,
            options.full_name, options.trusted,          options.readonly};
  return with_transaction(config, [&](pqxx::work& tx) {
    add_user(tx, user);
    std::cout << "added user " << user.username << "\n";
    return 0;
  });
}

int user_remove(const Config& config, const std::string& name) {
  return with_transaction(config, [&](pqxx::work& tx) {
    if (!remove_user(tx, name)) {
      std::cerr << "prefixd: no user '" << name << "'\n";
      return 1;
    }
    std::cout << "removed user " << name << "\n";
    return 0;
  });
}

int user_list(const Config& config) {
  return with_transaction(config, [&](pqxx::work& tx) {
    const auto users = list_users(tx);
    // HASH: nipap-sha1 marks an account imported from NIPAP that has not
    // logged in since (its password is re-hashed with yescrypt then).
    std::printf("%-24s %-8s %-8s %-10s %s\n", "NAME", "TRUSTED", "READONLY", "HASH", "FULL NAME");
    for (const auto& u : users) {
      const char* hash = u.legacy                             ? "nipap-sha1"
                         : u.password_hash.starts_with("$y$") ? "yescrypt"
                                                              : "crypt";
      std::printf("%-24s %-8s %-8s %-10s %s\n", u.username.c_str(), u.trusted ? "yes" : "no",
                  u.readonly ? "yes" : "no", hash, u.full_name.value_or("").c_str());
    }
    return 0;
  });
}

int user_passwd(const Config& config, const std::string& name, bool password_stdin) {
  auto password = read_password(password_stdin);
  if (!password) return 1;
  if (password->empty()) {
    std::cerr << "prefixd: the password must not be empty\n";
    return 2;
  }
  const std::string hash = hash_password(*password);
  return with_transaction(config, [&](pqxx::work& tx) {
    if (!set_password_hash(tx, name, hash)) {
      std::cerr << "prefixd: no user '" << name << "'\n";
      return 1;
    }
    std::cout << "changed the password of " << name << "\n";
    return 0;
  });
}

}  // namespace prefixd::daemon
