// SPDX-License-Identifier: MIT
// A fresh database for one test suite, on the private cluster the test
// command started (PGHOST/PGPORT/PGUSER): extensions, every migration, and
// the connection the backend functions run on. Dropped at the end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "backend/db_session.h"
#include "backend/errors.h"
#include "backend/migrations.h"
#include "backend/model.h"

namespace prefixd::testing {

// The code and message of the NipapError `fn` throws; {0, ""} when none.
inline std::pair<int, std::string> fault_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const NipapError& e) {
    return {static_cast<int>(e.code()), e.what()};
  }
  return {0, ""};
}

// NIPAP's text of a stored time: "YYYYMMDDTHH:MM:SS" in the session's zone.
inline std::string naive(const Timestamp& t) {
  const LocalTime l = local_time(t);
  char text[48];
  std::snprintf(text, sizeof text, "%04lld%02d%02dT%02d:%02d:%02d", static_cast<long long>(l.year),
                l.month, l.day, l.hour, l.minute, l.second);
  return text;
}
inline std::optional<std::string> naive(const std::optional<Timestamp>& t) {
  return t ? std::optional(naive(*t)) : std::nullopt;
}

class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::getenv("PGHOST") == nullptr) {
      if (std::getenv("PREFIXD_REQUIRE_DB")) {
        FAIL() << "PGHOST is not set but PREFIXD_REQUIRE_DB is";
      }
      GTEST_SKIP() << "no PostgreSQL configured (PGHOST unset)";
    }
    name_ = "prefixd_gtest_" + std::to_string(getpid());
    pqxx::connection admin("dbname=postgres");
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name_));
    conn_ = std::make_unique<pqxx::connection>("dbname=" + name_);
    create_extensions(*conn_, {"ip4r", "hstore", "citext"});
    apply_pending_migrations(*conn_, nullptr);
    declare_statements(*conn_, true);
  }

  static void TearDownTestSuite() {
    if (!conn_) return;
    conn_.reset();
    pqxx::connection admin("dbname=postgres");
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  }

  void SetUp() override {
    if (!conn_) GTEST_SKIP();
  }

  // Runs fn in a transaction that commits.
  template <typename Fn>
  auto in_tx(Fn&& fn) {
    pqxx::work tx(*conn_);
    if constexpr (std::is_void_v<decltype(fn(tx))>) {
      fn(tx);
      tx.commit();
    } else {
      auto r = fn(tx);
      tx.commit();
      return r;
    }
  }

  // Empties the IPAM tables (the default VRF stays), so that a test starts
  // from the data of a fresh installation.
  void clear_ipam_data() {
    in_tx([](pqxx::work& tx) {
      tx.exec("DELETE FROM ip_net_plan");
      tx.exec("DELETE FROM ip_net_pool");
      tx.exec("DELETE FROM ip_net_vrf WHERE id > 0");
      tx.exec("DELETE FROM ip_net_log");
    });
  }

  static std::string scalar(const std::string& sql) {
    pqxx::work tx(*conn_);
    auto r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }

  static Actor actor() { return Actor{"alice", "alice", "Alice Example", "nipap"}; }

  static inline std::string name_;
  static inline std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace prefixd::testing
