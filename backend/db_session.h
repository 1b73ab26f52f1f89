// SPDX-License-Identifier: MIT
// A worker's single PostgreSQL connection: statements prepared on connect,
// one transaction per API call, and loss of the connection classified and
// recovered from with backoff (never by retrying the call that failed).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_errors.h"
#include "backend/errors.h"

namespace prefixd {

// A statement declared once and prepared whenever a connection opens, so a
// typo fails at start-up rather than on the first request that needs it.
struct PreparedStatement {
  const char* name;
  const char* sql;
};

// Every statement of every backend module.
const std::vector<PreparedStatement>& all_statements();

// Declares every statement on `conn`; with `verify` also has the server
// prepare each now, so a broken statement is reported at once.
void declare_statements(pqxx::connection& conn, bool verify);

// Runs `sql` as a prepared statement of tx's connection, preparing it the
// first time that connection sees the text. For statements whose text is
// built per request from a few shapes (searches): planning them for every
// call cost as much as running them. The statement's name is derived from
// its text, so connections used alternately by one thread never disagree
// about what a name means. At most kMaxCachedStatements texts are prepared
// per connection; beyond that it falls back to exec_params. Thread-safe.
pqxx::result exec_cached(pqxx::transaction_base& tx, const std::string& sql,
                         const std::vector<std::optional<std::string>>& params);
inline constexpr std::size_t kMaxCachedStatements = 256;

// True for SQLSTATE classes that mean the connection is unusable:
// 08 (connection), 53 (resources), 54 (limits), 57 (operator), 58 (system),
// except 57014 (query_canceled: a statement timeout or a cancel request,
// after which the connection is fine).
bool sqlstate_means_connection_lost(const std::string& sqlstate);
inline constexpr const char* kQueryCanceled = "57014";

class DbSession {
 public:
  // `conninfo` is a libpq connection string; keys it omits fall back to
  // libpq's defaults and the PG* environment variables.
  explicit DbSession(std::string conninfo, std::string application_name = "prefixd");
  ~DbSession();

  // Runs fn(pqxx::work&) in one transaction and commits it. Connects first
  // when needed. Throws DatabaseUnavailable when there is no usable
  // connection or it breaks during the call; other errors pass through.
  template <typename Fn>
  auto run(Fn&& fn) {
    return run_in<pqxx::work>(std::forward<Fn>(fn));
  }

  // For a call whose work is exactly one statement (a read, or a write
  // done by one server-side function): runs it without BEGIN/COMMIT (the
  // statement is its own transaction), saving two round trips. Statements
  // fn sends before it must only read.
  template <typename Fn>
  auto run_read(Fn&& fn) {
    return run_in<pqxx::nontransaction>(std::forward<Fn>(fn));
  }

  // Runs call() (a run() or run_read() of a call that can be made again)
  // and, when PostgreSQL aborts it to break a deadlock, again, up to
  // kConflictRetries more times. Position locks (0013) are taken as a call
  // discovers what it changes, so two calls in one subtree (a move beside
  // an add, say) can close a cycle; one of them is aborted, having changed
  // nothing, and the retry finds the other done.
  static constexpr int kConflictRetries = 3;
  template <typename Call>
  auto retry_conflicts(Call&& call) {
    for (int attempt = 0;; ++attempt) {
      try {
        return call();
      } catch (const TransactionConflict& e) {
        if (attempt >= kConflictRetries) throw;
        note_conflict(e);
      }
    }
  }

  // Statistics deltas (0013): this session appends them to
  // prefixd_stat_pending instead of updating counter rows every write of a
  // VRF would share; readers add what is pending (the prefixd_*_exact
  // views), and folds move it into the tables. A committed write marks the
  // session; the worker folds a marked session's deltas off the request
  // path once fold_due() says so, at most every kFoldInterval.
  static constexpr std::chrono::milliseconds kFoldInterval{20};
  void wrote() { unfolded_ = true; }
  // Milliseconds until a fold is due (0: now), or -1 when nothing waits.
  int fold_due_in_ms() const;
  // Folds what is pending into the tables, without waiting for rows other
  // transactions hold (their deltas stay pending for a later fold). Never
  // throws.
  void fold_statistics();

  // True when a connection is open and answers a trivial query. May try to
  // reconnect (subject to backoff).
  bool healthy();
  bool connected() const { return conn_ != nullptr; }
  // The reason the last connection attempt failed ("" if none).
  const std::string& last_error() const { return last_error_; }

  // The open connection, connecting (subject to backoff) when there is none.
  pqxx::connection& connection();

  // Running totals since start-up, for metrics.
  struct Counters {
    std::uint64_t connect_failures = 0;   // attempts to connect that failed
    std::uint64_t connections_lost = 0;   // open connections that broke
    std::uint64_t reconnects = 0;         // successful connects after a failure or loss
    std::uint64_t conflicts_retried = 0;  // calls run again after a deadlock
  };
  const Counters& counters() const { return counters_; }

  // Waits between reconnection attempts: `first` after a failure, doubling
  // up to `most`.
  void set_reconnect_backoff(std::chrono::milliseconds first, std::chrono::milliseconds most) {
    first_backoff_ = first;
    max_backoff_ = most;
  }

  // The current request's deadline: a transaction that would start after it
  // is refused (fault 1 "request deadline exceeded"). Cleared with {}.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

 private:
  template <typename Tx, typename Fn>
  auto run_in(Fn&& fn) {
    check_deadline();
    pqxx::connection& conn = connection();
    try {
      Tx tx(conn);
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        tx.commit();
      } else {
        auto result = fn(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::broken_connection& e) {
      throw lost(e.what());
    } catch (const pqxx::deadlock_detected&) {
      // (libpqxx 6 does not derive these from sql_error.)
      throw TransactionConflict("Unable to execute query: deadlock detected");
    } catch (const pqxx::serialization_failure&) {
      throw TransactionConflict("Unable to execute query: could not serialize access");
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() == kQueryCanceled) throw canceled(e.what());
      if (sqlstate_means_connection_lost(e.sqlstate())) throw lost(e.what());
      // What no handler translated (an id past int4, text PostgreSQL's
      // encoding refuses) is still bad input, not an internal error.
      throw_nipap_error(e);
    }
  }

  void check_deadline() const;
  void note_conflict(const TransactionConflict& e);
  NipapError canceled(const std::string& what) const;
  DatabaseUnavailable lost(const std::string& what);
  bool idle_connection_alive();
  void connect_now();

  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
  Counters counters_;
  bool ever_connected_ = false;
  std::string last_error_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::chrono::milliseconds first_backoff_{100};
  std::chrono::milliseconds max_backoff_{1000};
  std::chrono::steady_clock::time_point deadline_{};
  bool unfolded_ = false;
  std::chrono::steady_clock::time_point last_fold_{};
};

}  // namespace prefixd
