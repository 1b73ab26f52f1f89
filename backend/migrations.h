// SPDX-License-Identifier: MIT
// Schema migrations: numbered SQL files embedded at build time, applied in
// order by `prefixd db init` / `prefixd db upgrade`, recorded in
// prefixd_schema_migration. Also recognises a NIPAP database to adopt.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace prefixd {

struct Migration {
  int number;
  const char* name;
  const char* sql;
};

// Every migration compiled into this binary, in ascending order.
const std::vector<Migration>& embedded_migrations();

// The highest migration number this binary knows.
int latest_migration();

struct SchemaState {
  bool has_migration_table = false;  // prefixd has managed this database
  int level = 0;                     // highest applied migration (0: none)
  bool nipap_database = false;       // carries NIPAP's schema-version comment
  int nipap_version = 0;             // the version in that comment
};

SchemaState read_schema_state(pqxx::connection& conn);

// Extensions the schema needs. Returns those missing from the database.
std::vector<std::string> missing_extensions(pqxx::connection& conn);
bool is_superuser(pqxx::connection& conn);
void create_extensions(pqxx::connection& conn, const std::vector<std::string>& names);

// Applies every migration above the current level, each in its own
// transaction together with its bookkeeping row. Returns how many ran.
// `log` receives one line per applied migration.
int apply_pending_migrations(pqxx::connection& conn, void (*log)(const std::string&));

// Why the daemon may not serve this schema, or "" when it may.
std::string schema_problem(const SchemaState& state);

}  // namespace prefixd
