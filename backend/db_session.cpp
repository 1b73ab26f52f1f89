// SPDX-License-Identifier: MIT
#include "backend/db_session.h"

#include <poll.h>

#include <spdlog/spdlog.h>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "backend/migrations.h"

namespace prefixd {

namespace {

// The name a statement text is prepared under: the same text gets the same
// name on every connection, so no connection can hold a name for other text.
std::string cached_statement_name(const std::string& sql) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (const char c : sql) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char name[32];
  std::snprintf(name, sizeof name, "prefixd_cached_%016llx", static_cast<unsigned long long>(hash));
  return name;
}

// How many texts each live connection has prepared (the definitions
// themselves live in the connection object, which libpqxx re-prepares after
// a reconnect). A connection is told apart from one that reuses its address
// by the server process it talks to.
struct CachedCount {
  int backend_pid = 0;
  std::unordered_set<std::string> names;
};

}  // namespace

pqxx::result exec_cached(pqxx::transaction_base& tx, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params) {
  static std::mutex mutex;
  static std::unordered_map<const void*, CachedCount> counts;
  pqxx::connection_base& conn = tx.conn();
  const std::string name = cached_statement_name(sql);
  bool prepared = false;
  {
    std::lock_guard lock(mutex);
    // Entries of connections long gone only cost memory: keep a bounded few.
    if (counts.size() > 64 && !counts.count(&conn)) counts.clear();
    CachedCount& mine = counts[&conn];
    if (mine.backend_pid != conn.backendpid()) mine = CachedCount{conn.backendpid(), {}};
    prepared = mine.names.count(name) > 0;
    if (!prepared && mine.names.size() < kMaxCachedStatements) {
      mine.names.insert(name);
      prepared = true;
      // Declares it on this connection; libpqxx prepares it with the first
      // execution and refuses another text under the same name.
      try {
        conn.prepare(name, sql);
      } catch (const pqxx::argument_error&) {
        mine.names.erase(name);  // a hash collision: this text runs unprepared
        prepared = false;
      }
    }
  }
  if (!prepared) return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
  return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params));
}

void declare_statements(pqxx::connection& conn, bool verify) {
  for (const auto& s : all_statements()) {
    conn.prepare(s.name, s.sql);
    if (verify) conn.prepare_now(s.name);
  }
}

bool sqlstate_means_connection_lost(const std::string& sqlstate) {
  if (sqlstate.size() < 2) return false;
  if (sqlstate == kQueryCanceled) return false;
  const std::string cls = sqlstate.substr(0, 2);
  return cls == "08" || cls == "53" || cls == "54" || cls == "57" || cls == "58";
}

DbSession::DbSession(std::string conninfo, std::string application_name)
    : conninfo_(std::move(conninfo)) {
  // libpq takes the last occurrence of a key, so a user-given
  // application_name in the conninfo is overridden only if absent.
  if (conninfo_.find("application_name") == std::string::npos) {
    conninfo_ += (conninfo_.empty() ? "" : " ");
    conninfo_ += "application_name='" + application_name + "'";
  }
}

DbSession::~DbSession() = default;

void DbSession::connect_now() {
  auto conn = std::make_unique<pqxx::connection>(conninfo_);
  // The schema must be one this binary knows, or statements would fail at
  // random later; refusing here keeps the worker answering a clear fault.
  const std::string problem = schema_problem(read_schema_state(*conn));
  if (!problem.empty()) throw DatabaseUnavailable(problem);
  declare_statements(*conn, true);
  // Statistics deltas go to prefixd_stat_pending, not to the counter rows
  // every write of a VRF would otherwise update (0013).
  pqxx::nontransaction(*conn).exec("SET prefixd.deferred_statistics = on");
  conn_ = std::move(conn);
}

pqxx::connection& DbSession::connection() {
  if (conn_ && conn_->is_open() && idle_connection_alive()) return *conn_;
  if (conn_) ++counters_.connections_lost;
  conn_.reset();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    throw DatabaseUnavailable("database unavailable");
  }
  try {
    connect_now();
    if (ever_connected_ || counters_.connect_failures > 0) ++counters_.reconnects;
    ever_connected_ = true;
    if (!last_error_.empty()) spdlog::info("database connection restored");
    last_error_.clear();
    backoff_ = std::chrono::milliseconds{0};
    return *conn_;
  } catch (const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    ++counters_.connect_failures;
    if (what != last_error_) spdlog::warn("cannot use the database: {}", what);
    last_error_ = what;
    backoff_ = backoff_.count() == 0 ? first_backoff_ : std::min(backoff_ * 2, max_backoff_);
    next_attempt_ = now + backoff_;
    // Callers may not be authenticated: the address and libpq's text stay
    // in the log.
    throw DatabaseUnavailable("database unavailable");
  }
}

bool DbSession::idle_connection_alive() {
  // An idle connection has nothing to read: prefixd never LISTENs, and the
  // server reports parameter changes only in answer to a command. Anything
  // readable is the server closing it (the FATAL of a shutdown, a restart,
  // pg_terminate_backend) or the close itself, so the connection is
  // replaced before the call starts and only calls that were running when
  // it broke fail.
  pollfd p{conn_->sock(), POLLIN, 0};
  if (p.fd < 0) return false;
  if (poll(&p, 1, 0) == 0) return true;
  spdlog::warn("database connection closed while idle; reconnecting");
  return false;
}

DatabaseUnavailable DbSession::lost(const std::string& what) {
  ++counters_.connections_lost;
  conn_.reset();
  std::string text = what;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  last_error_ = text;
  spdlog::warn("database connection lost: {}", text);
  // Reconnect on the next call without waiting: the outage may be over.
  next_attempt_ = {};
  backoff_ = std::chrono::milliseconds{0};
  return DatabaseUnavailable("database connection lost during the call");
}

void DbSession::note_conflict(const TransactionConflict& e) {
  ++counters_.conflicts_retried;
  spdlog::info("running the call again: {}", e.what());
}

void DbSession::check_deadline() const {
  if (deadline_ != std::chrono::steady_clock::time_point{} &&
      std::chrono::steady_clock::now() >= deadline_) {
    throw NipapError(FaultCode::kGeneric, "request deadline exceeded");
  }
}

NipapError DbSession::canceled(const std::string& what) const {
  std::string text = what;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  spdlog::warn("statement canceled: {}", text);
  return NipapError(FaultCode::kGeneric, "statement timeout");
}

int DbSession::fold_due_in_ms() const {
  if (!unfolded_ || !conn_) return -1;
  const auto left = last_fold_ + kFoldInterval - std::chrono::steady_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
  return ms > 0 ? static_cast<int>(ms) : 0;
}

void DbSession::fold_statistics() {
  unfolded_ = false;
  last_fold_ = std::chrono::steady_clock::now();
  if (!conn_) return;
  try {
    pqxx::nontransaction tx(*conn_);
    // -1: another worker is folding, or folded less than an interval ago;
    // that fold may have missed this session's latest deltas, so try again
    // after the interval.
    if (tx.exec1("SELECT prefixd_fold_statistics('20 milliseconds')")[0].as<int64_t>() < 0) {
      unfolded_ = true;
    }
  } catch (const pqxx::broken_connection& e) {
    (void)lost(e.what());
  } catch (const std::exception& e) {
    // Deltas stay pending: exact for readers, folded by the next fold.
    spdlog::warn("folding statistics: {}", e.what());
  }
}

bool DbSession::healthy() {
  try {
    run([](pqxx::work& tx) { tx.exec("SELECT 1"); });
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace prefixd
