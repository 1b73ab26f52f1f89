// SPDX-License-Identifier: MIT
#include "backend/migrations.h"

#include <regex>

#include "backend/version.h"

namespace prefixd {

namespace {
const char* const kRequiredExtensions[] = {"ip4r", "hstore", "citext"};
}

int latest_migration() {
  const auto& all = embedded_migrations();
  return all.empty() ? 0 : all.back().number;
}

SchemaState read_schema_state(pqxx::connection& conn) {
  SchemaState state;
  pqxx::read_transaction tx(conn);
  auto reg = tx.exec1("SELECT to_regclass('public.prefixd_schema_migration') IS NOT NULL");
  state.has_migration_table = reg[0].as<bool>();
  if (state.has_migration_table) {
    state.level =
        tx.exec1("SELECT coalesce(max(number), 0) FROM prefixd_schema_migration")[0].as<int>();
  }
  auto comment = tx.exec1(
      "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
      "WHERE datname = current_database()");
  static const std::regex kNipapComment("NIPAP database - schema version: ([0-9]+)");
  std::smatch m;
  std::string text = comment[0].as<std::string>();
  if (std::regex_search(text, m, kNipapComment)) {
    state.nipap_database = true;
    state.nipap_version = std::stoi(m[1]);
  }
  return state;
}

std::vector<std::string> missing_extensions(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  std::vector<std::string> missing;
  for (const char* ext : kRequiredExtensions) {
    auto r = tx.exec_params("SELECT 1 FROM pg_extension WHERE extname = $1", ext);
    if (r.empty()) missing.emplace_back(ext);
  }
  return missing;
}

bool is_superuser(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  return tx.exec1("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0].as<bool>();
}

void create_extensions(pqxx::connection& conn, const std::vector<std::string>& names) {
  pqxx::work tx(conn);
  for (const auto& name : names) tx.exec("CREATE EXTENSION IF NOT EXISTS " + tx.quote_name(name));
  tx.commit();
}

int apply_pending_migrations(pqxx::connection& conn, void (*log)(const std::string&)) {
  int applied = 0;
  {
    pqxx::work tx(conn);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS prefixd_schema_migration ("
        " number integer PRIMARY KEY, name text NOT NULL,"
        " applied timestamptz NOT NULL DEFAULT now())");
    tx.commit();
  }
  for (const auto& m : embedded_migrations()) {
    pqxx::work tx(conn);
    // Serialises concurrent upgrades (two hosts running `db upgrade` at once).
    tx.exec("LOCK TABLE prefixd_schema_migration IN EXCLUSIVE MODE");
    auto done =
        tx.exec_params("SELECT 1 FROM prefixd_schema_migration WHERE number = $1", m.number);
    if (!done.empty()) continue;
    tx.exec(m.sql);
    tx.exec_params("INSERT INTO prefixd_schema_migration (number, name) VALUES ($1, $2)", m.number,
                   m.name);
    tx.commit();
    ++applied;
    if (log) log("applied migration " + std::string(m.name));
  }
  return applied;
}

std::string schema_problem(const SchemaState& state) {
  const int latest = latest_migration();
  if (!state.has_migration_table || state.level == 0) {
    if (state.nipap_database) {
      return "this is a NIPAP database (schema version " + std::to_string(state.nipap_version) +
             ") that prefixd has not adopted yet; run 'prefixd db upgrade'";
    }
    return "the database has no prefixd schema; run 'prefixd db init'";
  }
  if (state.level < latest) {
    return "the database schema is at migration " + std::to_string(state.level) +
           ", this prefixd needs " + std::to_string(latest) + "; run 'prefixd db upgrade'";
  }
  if (state.level > latest) {
    return "the database schema is at migration " + std::to_string(state.level) +
           ", newer than this prefixd knows (" + std::to_string(latest) +
           "); upgrade prefixd instead";
  }
  return "";
}

}  // namespace prefixd
