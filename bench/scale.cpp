// SPDX-License-Identifier: MIT
// prefixd-bench-scale: per-operation latency of the backend operations the
// daemon's method table runs (backend/*_operations.h), on a database
// bench/generate.cpp loaded.
//
// Each repetition is one transaction on one connection, timed from BEGIN to
// COMMIT (reads) or ROLLBACK (writes: every repetition sees the same data).
// Operations and databases run round-robin after a warm-up, so background
// work (autovacuum, checkpoints, other processes) spreads over all of them;
// an operation that has used up --budget seconds on a database stops there. With --explain, each
// operation then runs once more under auto_explain (ANALYZE, BUFFERS, nested statements: trigger
// and function bodies too), the plans go to a file, and every "Seq Scan on ip_net_plan" is
// reported.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backend/db_session.h"
#include "backend/errors.h"
#include "backend/migrations.h"
#include "backend/pool_operations.h"
#include "backend/prefix_operations.h"
#include "backend/vrf_operations.h"
#include "bench/generate.h"

namespace prefixd::bench {
namespace {

using Clock = std::chrono::steady_clock;

const Actor kActor{"bench", "bench", "prefixd benchmark", "nipap"};

struct Operation {
  std::string name;
  bool writes;
  // Runs repetition `rep` in `tx`; throws when the result is not the one
  // the data set implies, so a broken operation is never timed.
  std::function<void(pqxx::work& tx, int64_t rep)> run;
};

void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("unexpected result: " + what);
}

AllocationArgs from_pool(const std::string& pool, int family) {
  AllocationArgs args;
  args.from_pool = PoolRef{std::nullopt, pool};
  args.family = family;
  return args;
}

AllocationArgs from_prefix(const std::string& parent, int64_t length) {
  AllocationArgs args;
  args.from_prefix = std::vector<std::string>{parent};
  args.prefix_length = length;
  return args;
}

// add_prefix as the method table runs it: the operation, in the
// repetition's transaction.
Prefix add(pqxx::work& tx, PrefixChanges attr, std::optional<AllocationArgs> allocation = {}) {
  return ops::AddPrefix::run(tx, kActor, {std::move(attr), std::move(allocation)});
}

PrefixChanges described(const char* description) {
  PrefixChanges attr;
  attr.description = std::optional<std::string>(description);
  return attr;
}

std::vector<Operation> operations(pqxx::connection& conn, int vrfs, int pools) {
  // Leaves of the flat block to remove, a different one each repetition.
  std::vector<int64_t> leaves;
  {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         tx.exec_params("SELECT c.id FROM ip_net_plan c JOIN ip_net_plan b ON c.parent_id = b.id "
                        "WHERE b.vrf_id = 0 AND b.prefix = $1::cidr ORDER BY c.id",
                        Layout::kFlatBlock)) {
      leaves.push_back(row[0].as<int64_t>());
    }
  }
  expect(!leaves.empty(), "the flat block has no children; load it with prefixd-bench-generate");
  std::shuffle(leaves.begin(), leaves.end(), std::mt19937_64(42));

  auto search = [](Query query, int64_t expected) {
    return [query, expected](pqxx::work& tx, int64_t) {
      const auto found = ops::SearchPrefix::run(tx, kActor, {query, PrefixSearchOptions{}});
      expect(static_cast<int64_t>(found.rows.size()) == expected, "search_prefix result size");
    };
  };
  const Query within8 = Query::leaf("contained_within_equals", "prefix", Layout::kAggregate4);
  return {
      {"add_prefix", true,
       [](pqxx::work& tx, int64_t rep) {
         PrefixChanges attr = described("bench leaf");
         attr.prefix = std::optional<std::string>(Layout::explicit_leaf(rep));
         attr.type = std::optional<std::string>("assignment");
         expect(add(tx, attr).indent == 1, "indent of the new leaf");
       }},
      {"add_prefix from pool", true,
       [](pqxx::work& tx, int64_t) {
         const Prefix p = add(tx, described("bench pool"), from_pool(Layout::pool_v4(0), 4));
         expect(p.prefix == "10.0.200.0/24", "from-pool prefix " + p.prefix);
       }},
      {"add_prefix from parent", true,
       [](pqxx::work& tx, int64_t) {
         PrefixChanges attr = described("bench parent");
         attr.type = std::optional<std::string>("assignment");
         const Prefix p = add(tx, attr, from_prefix(Layout::kPlainSite, 24));
         expect(p.prefix == "10.1.200.0/24", "from-parent prefix " + p.prefix);
       }},
      {"search_prefix", false, search(within8, 50)},
      {"list_vrf", false,
       [vrfs](pqxx::work& tx, int64_t) {
         expect(static_cast<int>(ops::ListVrf::run(tx, kActor, VrfSpec{}).size()) == vrfs,
                "list_vrf size");
       }},
      {"list_pool", false,
       [pools](pqxx::work& tx, int64_t) {
         expect(static_cast<int>(ops::ListPool::run(tx, kActor, PoolSpec{}).size()) == pools,
                "list_pool size");
       }},
      {"find_free_prefix", false,
       [](pqxx::work& tx, int64_t) {
         const auto found =
             ops::FindFreePrefix::run(tx, kActor, {std::nullopt, from_pool(Layout::pool_v4(0), 4)});
         expect(found == std::vector<std::string>{"10.0.200.0/24"}, "find_free_prefix result");
       }},
      {"remove_prefix", true,
       [leaves](pqxx::work& tx, int64_t rep) {
         PrefixSpec spec;
         spec.terms.push_back({"id", std::to_string(leaves[rep % leaves.size()])});
         ops::RemovePrefix::run(tx, kActor, {spec, false});
       }},
      // Beyond the list: where the time of the ones above goes.
      {"find_free_prefix v6 pool", false,
       [](pqxx::work& tx, int64_t) {
         const auto found =
             ops::FindFreePrefix::run(tx, kActor, {std::nullopt, from_pool(Layout::pool_v6(0), 6)});
         expect(found == std::vector<std::string>{"2001:db8:0:64::/64"}, "IPv6 find_free_prefix");
       }},
      {"search_prefix vrf 0", false,
       search(Query::combine("and", Query::leaf("equals", "vrf_id", std::string("0")), within8),
              50)},
      {"add_prefix from flat block", true,
       [](pqxx::work& tx, int64_t) {
         PrefixChanges attr = described("bench flat");
         attr.type = std::optional<std::string>("assignment");
         const Prefix p = add(tx, attr, from_prefix(Layout::kFlatBlock, 28));
         expect(p.indent == 1, "from-flat-block indent");
       }},
  };
}

void run_once(pqxx::connection& conn, const Operation& op, int64_t rep) {
  pqxx::work tx(conn);
  op.run(tx, rep);
  if (op.writes) {
    tx.abort();
  } else {
    tx.commit();
  }
}

struct Stats {
  double median, p90, p99, max;
};

// Nearest-rank percentiles of the timings (ms).
Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q * ms.size()));
    return ms[std::clamp<size_t>(i, 1, ms.size()) - 1];
  };
  return {rank(0.5), rank(0.9), rank(0.99), ms.back()};
}

// Collects what the server sends as notices (auto_explain's LOG lines).
class NoticeLog : public pqxx::errorhandler {
 public:
  explicit NoticeLog(pqxx::connection& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char msg[]) noexcept override {
    try {
      text_ += msg;
    } catch (...) {
    }
    return false;
  }
  std::string take() { return std::exchange(text_, {}); }

 private:
  std::string text_;
};

// Runs every operation once under auto_explain; writes the plans to `path`
// and returns the statements that scanned ip_net_plan sequentially.
std::vector<std::string> explain(pqxx::connection& conn, const std::vector<Operation>& ops,
                                 const std::string& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  std::vector<std::string> seq_scans;
  NoticeLog log(conn);
  conn.set_variable("client_min_messages", "log");
  pqxx::nontransaction(conn).exec("LOAD 'auto_explain'");
  const char* settings[][2] = {{"auto_explain.log_analyze", "on"},
                               {"auto_explain.log_buffers", "on"},
                               {"auto_explain.log_nested_statements", "on"},
                               {"auto_explain.log_timing", "on"}};
  for (const auto& s : settings) conn.set_variable(s[0], s[1]);
  for (const Operation& op : ops) {
    conn.set_variable("auto_explain.log_min_duration", "0");
    run_once(conn, op, 4095);
    conn.set_variable("auto_explain.log_min_duration", "-1");
    const std::string plans = log.take();
    out << "==== " << op.name << " ====\n" << plans << "\n";
    // One plan per LOG message; report each that reads the table in full.
    std::istringstream in(plans);
    std::string line, query;
    while (std::getline(in, line)) {
      if (line.rfind("LOG:", 0) == 0) query.clear();
      if (line.find("Query Text:") != std::string::npos) query = line;
      if (line.find("Seq Scan on ip_net_plan") != std::string::npos) {
        seq_scans.push_back(op.name + ": " + query + "\n    " + line);
      }
    }
  }
  conn.set_variable("client_min_messages", "notice");
  return seq_scans;
}

// One benchmarked database: its connection and its operations.
struct Target {
  std::string db;
  std::unique_ptr<pqxx::connection> conn;
  int64_t rows = 0;
  std::vector<Operation> ops;
  std::vector<std::vector<double>> timings;
};

Target open_target(const std::string& db, const std::vector<std::string>& settings,
                   const std::string& only) {
  Target t;
  t.db = db;
  t.conn = std::make_unique<pqxx::connection>("dbname=" + db);
  const std::string problem = schema_problem(read_schema_state(*t.conn));
  if (!problem.empty()) throw std::runtime_error(db + ": " + problem);
  for (const std::string& s : settings) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("--set wants NAME=VALUE, got '" + s + "'");
    }
    t.conn->set_variable(s.substr(0, eq), s.substr(eq + 1));
  }
  declare_statements(*t.conn, true);
  int vrfs = 0, pools = 0;
  {
    pqxx::read_transaction tx(*t.conn);
    t.rows = tx.exec1("SELECT count(*) FROM ip_net_plan")[0].as<int64_t>();
    vrfs = tx.exec1("SELECT count(*) FROM ip_net_vrf")[0].as<int>();
    pools = tx.exec1("SELECT count(*) FROM ip_net_pool")[0].as<int>();
  }
  t.ops = operations(*t.conn, vrfs, pools);
  if (!only.empty()) {
    const std::string wanted = "," + only + ",";
    std::erase_if(t.ops, [&](const Operation& op) {
      return wanted.find("," + op.name + ",") == std::string::npos;
    });
    expect(!t.ops.empty(), "--only names no operation");
  }
  t.timings.resize(t.ops.size());
  return t;
}

int run(int argc, char** argv) {
  CLI::App app{"Per-operation latency of prefixd's backend on prefixd-bench-generate databases"};
  std::vector<std::string> dbs;
  std::vector<std::string> settings;
  int64_t reps = 300, warmup = 10;
  double budget = 60;
  std::string only, explain_path, tsv_path;
  app.add_option("-d,--db", dbs,
                 "databases loaded by prefixd-bench-generate, smallest first; measured "
                 "interleaved, so load on the machine hits all alike")
      ->required();
  app.add_option("-r,--reps", reps, "timed repetitions per operation")
      ->check(CLI::Range(1, 100000));
  app.add_option("-w,--warmup", warmup, "untimed repetitions first")->check(CLI::Range(0, 10000));
  app.add_option("--budget", budget,
                 "seconds per operation and database after which, with 5 timings or more, it "
                 "is not repeated further")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--only", only, "comma-separated operation names to run");
  app.add_option("--set", settings, "NAME=VALUE session setting for every connection (what-if)");
  app.add_option("--explain", explain_path,
                 "write auto_explain plans of each operation on the last database here");
  app.add_option("--tsv", tsv_path, "append 'rows op reps median p90 p99 max' (ms) lines here");
  CLI11_PARSE(app, argc, argv);

  std::vector<Target> targets;
  for (const std::string& db : dbs) targets.push_back(open_target(db, settings, only));
  for (Target& t : targets) {
    std::printf("%s: %lld prefixes\n", t.db.c_str(), static_cast<long long>(t.rows));
    for (const Operation& op : t.ops) {
      for (int64_t i = 0; i < warmup; ++i) run_once(*t.conn, op, reps + i);
    }
  }
  std::printf("%lld repetitions after %lld warm-up, interleaved over operations and databases\n",
              static_cast<long long>(reps), static_cast<long long>(warmup));
  for (int64_t rep = 0; rep < reps; ++rep) {
    for (size_t i = 0; i < targets.front().ops.size(); ++i) {
      for (Target& t : targets) {
        std::vector<double>& done = t.timings[i];
        const double spent = std::accumulate(done.begin(), done.end(), 0.0) / 1000;
        if (done.size() >= 5 && spent > budget) continue;  // enough of a slow one
        const auto start = Clock::now();
        run_once(*t.conn, t.ops[i], rep);
        t.timings[i].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    }
  }

  std::ofstream tsv;
  if (!tsv_path.empty()) {
    tsv.open(tsv_path, std::ios::app);
    if (!tsv) throw std::runtime_error("cannot append to " + tsv_path);
  }
  // operation | per database: median (p99) | ratio of the medians last/first
  std::printf("\n%-28s", "median ms (p99)");
  for (const Target& t : targets) std::printf(" %26lld", static_cast<long long>(t.rows));
  std::printf("%s\n", targets.size() > 1 ? "   last/first" : "");
  for (size_t i = 0; i < targets.front().ops.size(); ++i) {
    std::printf("%-28s", targets.front().ops[i].name.c_str());
    for (const Target& t : targets) {
      const Stats s = stats_of(t.timings[i]);
      char cell[64];
      std::snprintf(cell, sizeof cell, "%.2f (%.2f)%s", s.median, s.p99,
                    static_cast<int64_t>(t.timings[i].size()) < reps
                        ? (" n=" + std::to_string(t.timings[i].size())).c_str()
                        : "");
      std::printf(" %26s", cell);
      if (tsv.is_open()) {
        tsv << t.rows << '\t' << t.ops[i].name << '\t' << t.timings[i].size() << '\t' << s.median
            << '\t' << s.p90 << '\t' << s.p99 << '\t' << s.max << '\n';
      }
    }
    if (targets.size() > 1) {
      std::printf("   %10.2f", stats_of(targets.back().timings[i]).median /
                                   stats_of(targets.front().timings[i]).median);
    }
    std::printf("\n");
  }
  if (!explain_path.empty()) {
    Target& t = targets.back();
    const auto seq_scans = explain(*t.conn, t.ops, explain_path);
    std::printf("\nplans on %s written to %s; sequential scans of ip_net_plan: %zu\n", t.db.c_str(),
                explain_path.c_str(), seq_scans.size());
    for (const auto& s : seq_scans) std::printf("  %s\n", s.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace prefixd::bench

int main(int argc, char** argv) {
  return prefixd::bench::main_reporting_errors("prefixd-bench-scale", prefixd::bench::run, argc,
                                               argv);
}
