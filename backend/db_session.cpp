#include "backend/db_session.h"

#include <poll.h>

#include <spdlog/spdlog.h>
#include <unordered_map>

#include "backend/migrations.h"

namespace prefixd {

pqxx::result exec_cached(pqxx::transaction_base& tx, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params) {
  // One cache per thread (a worker has one thread and one connection at a
  // time); a new connection, told apart by its address and backend pid,
  // starts empty.
  thread_local const void* cache_connection = nullptr;
  thread_local int cache_pid = 0;
  thread_local std::unordered_map<std::string, std::string> names;
  pqxx::connection_base& conn = tx.conn();
  if (&conn != cache_connection || conn.backendpid() != cache_pid) {
    names.clear();
    cache_connection = &conn;
    cache_pid = conn.backendpid();
  }
  auto it = names.find(sql);
  if (it == names.end()) {
    if (names.size() >= kMaxCachedStatements) {
      return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
    }
    std::string name = "prefixd_cached_" + std::to_string(names.size());
    conn.prepare(name, sql);
    it = names.emplace(sql, std::move(name)).first;
  }
  return tx.exec_prepared(it->second, pqxx::prepare::make_dynamic_params(params));
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

bool DbSession::healthy() {
  try {
    run([](pqxx::work& tx) { tx.exec("SELECT 1"); });
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace prefixd
