// SPDX-License-Identifier: MIT
// prefixd-bench-generate: creates a database holding exactly N prefixes in
// the hierarchy bench/generate.h describes, for bench/scale.cpp to measure.
//
// VRFs and pools are added through the backend (as the daemon would); the
// prefixes are loaded with plain multi-row INSERT ... SELECT statements into
// ip_net_plan, level by level and in batches, so the schema's own triggers
// compute every derived value (indent, children, statistics, inherited
// tags) exactly as they do for any other writer. Then VACUUM ANALYZE, and
// with --verify a check of the derived data against the full recomputation
// (prefixd_recompute_all, rolled back) and against values known from the
// layout alone.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_session.h"
#include "backend/migrations.h"
#include "backend/model.h"
#include "backend/pool_store.h"
#include "backend/vrf_store.h"
#include "bench/generate.h"

namespace prefixd::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string int_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "}";
}

// Ids the loader needs, by VRF index (0 is the default VRF).
struct Ids {
  std::vector<int64_t> vrf, pool_v4, pool_v6;
  int64_t pool_flat = 0;
};

Ids add_vrfs_and_pools(pqxx::connection& conn, const Layout& layout) {
  const Actor actor{"bench", "bench", "prefixd benchmark", "nipap"};
  Ids ids;
  pqxx::work tx(conn);
  for (int v = 0; v < layout.vrfs; ++v) {
    if (v == 0) {
      ids.vrf.push_back(0);
    } else {
      VrfChanges vrf;
      vrf.rt = std::optional<std::string>(Layout::vrf_rt(v));
      vrf.name = std::optional<std::string>(Layout::vrf_name(v));
      vrf.description = std::optional<std::string>("benchmark VRF");
      vrf.tags = std::optional<std::vector<std::string>>({"bench"});
      ids.vrf.push_back(add_vrf(tx, actor, vrf).id);
    }
    auto pool = [&](const std::string& name, int family, int64_t length) {
      PoolChanges p;
      p.name = std::optional<std::string>(name);
      p.description = std::optional<std::string>("benchmark pool");
      p.default_type = std::optional<std::string>("assignment");
      (family == 4 ? p.ipv4_default_prefix_length : p.ipv6_default_prefix_length) =
          std::optional<int64_t>(length);
      p.avps = Avps{{"team", "bench"}};
      return add_pool(tx, actor, p).id;
    };
    ids.pool_v4.push_back(pool(Layout::pool_v4(v), 4, 24));
    ids.pool_v6.push_back(pool(Layout::pool_v6(v), 6, 64));
    if (v == 0) ids.pool_flat = pool(Layout::kPoolFlat, 4, 28);
  }
  tx.commit();
  return ids;
}

// One level of the tree: `count` rows, row g of them produced by `select`
// from generate_series($1 = lo, $2 - 1 = hi - 1) AS g and `params`: vrfs
// (VRF ids by index), pools4/pools6 (IPv4/IPv6 pool ids by VRF index),
// flat_pool, nvrf (the number of VRFs).
struct Level {
  const char* name;
  int64_t count;
  std::string select;
};

constexpr const char* kColumns =
    "WITH params AS (SELECT $3::integer[] AS vrfs, $4::integer[] AS pools4, "
    "$5::integer[] AS pools6, $6::integer AS flat_pool, $7::integer AS nvrf) "
    "INSERT INTO ip_net_plan (vrf_id, prefix, type, status, description, node, customer_id, "
    "tags, avps, pool_id) ";

std::vector<Level> levels(const Layout& l) {
  const std::string k4 = std::to_string(l.sites_v4), k6 = std::to_string(l.sites_v6);
  const std::string a4 = std::to_string(Layout::kAssignmentsPerSite4);
  const std::string a6 = std::to_string(Layout::kAssignmentsPerSite6);
  const std::string h4 = std::to_string(Layout::kHostsPerAssignment4);
  const std::string every = std::to_string(Layout::kPoolEvery);
  // VRF index v, site s, assignment a, host h of row g.
  auto vrf = [](const std::string& per_vrf) { return "vrfs[g / " + per_vrf + " + 1]"; };
  const std::string series = " FROM params, generate_series($1::bigint, $2::bigint - 1) AS g";
  // Assignment g % 100 of site g / 100 % sites_v6 (and its host).
  auto v6_level = [&](const char* name, const char* suffix, const std::string& columns) {
    return Level{name, l.vrfs * int64_t{l.sites_v6} * Layout::kAssignmentsPerSite6,
                 "SELECT " + vrf(k6 + " / " + a6) + ", format('2001:db8:%s:%s" + suffix +
                     "', to_hex(g / " + a6 + " % " + k6 + "), to_hex(g % " + a6 + "))::cidr, " +
                     columns + ", '{}', '', NULL" + series};
  };
  // Site s = g % sites of VRF index g / sites; every tenth in the VRF's pool.
  auto site_level = [&](const char* name, int sites, const std::string& prefix, const char* pools) {
    const std::string k = std::to_string(sites);
    return Level{name, l.vrfs * int64_t{sites},
                 "SELECT " + vrf(k) + ", " + prefix +
                     ", 'reservation', 'assigned', 'site ' || g % " + k +
                     ", NULL, NULL, ARRAY['site' || g % " + k + "], hstore('site', (g % " + k +
                     ")::text), CASE WHEN g % " + k + " % " + every + " = 0 THEN " + pools +
                     "[g / " + k + " + 1] END" + series};
  };
  return {
      {"aggregates", 2 * l.vrfs + 1,
       "SELECT vrfs[g % " + std::to_string(l.vrfs) +
           " + 1], CASE WHEN g < nvrf THEN '10.0.0.0/8' WHEN g < 2 * nvrf THEN '2001:db8::/32' "
           "ELSE '172.16.0.0/12' END::cidr, 'reservation', 'assigned', "
           "CASE WHEN g < 2 * nvrf THEN 'aggregate of VRF ' || (g % nvrf) ELSE 'flat block' END, "
           "NULL, NULL, CASE WHEN g < 2 * nvrf THEN ARRAY['vrf' || (g % nvrf)] ELSE "
           "ARRAY['flat'] END, hstore('owner', 'noc'), CASE WHEN g = 2 * nvrf THEN flat_pool END" +
           series},
      site_level("IPv4 sites", l.sites_v4, "('10.' || g % " + k4 + " || '.0.0/16')::cidr",
                 "pools4"),
      site_level("IPv6 sites", l.sites_v6,
                 "format('2001:db8:%s::/48', to_hex(g % " + k6 + "))::cidr", "pools6"),
      {"IPv4 assignments", l.vrfs * int64_t{l.sites_v4} * Layout::kAssignmentsPerSite4,
       "SELECT " + vrf(k4 + " / " + a4) + ", ('10.' || g / " + a4 + " % " + k4 + " || '.' || g % " +
           a4 +
           " || '.0/24')::cidr, 'assignment', CASE WHEN g % 20 = 19 THEN 'reserved' ELSE "
           "'assigned' END::ip_net_plan_status, 'customer link ' || g, NULL, 'C' || g % 5000, "
           "CASE WHEN g % 50 = 0 THEN ARRAY['backbone'] ELSE '{}' END, CASE WHEN g % 10 = 0 "
           "THEN hstore('circuit', 'CID-' || g) ELSE '' END, NULL" +
           series},
      {"IPv4 hosts",
       l.vrfs * int64_t{l.sites_v4} * Layout::kAssignmentsPerSite4 * Layout::kHostsPerAssignment4,
       "SELECT " + vrf(k4 + " / " + a4 + " / " + h4) + ", ('10.' || g / " + h4 + " / " + a4 +
           " % " + k4 + " || '.' || g / " + h4 + " % " + a4 + " || '.' || g % " + h4 +
           " + 1 || '/32')::cidr, 'host', 'assigned', 'server ' || g, 'node-' || g, NULL, '{}', "
           "'', NULL" +
           series},
      v6_level("IPv6 assignments", "::/64",
               "'assignment', 'assigned', 'customer link ' || g, NULL, 'C' || g % 5000"),
      v6_level("IPv6 hosts", "::1/128", "'host', 'assigned', 'server ' || g, 'node6-' || g, NULL"),
      {"flat /28s", l.flat,
       "SELECT 0, set_masklen('172.16.0.0'::inet + g * 16, 28)::cidr, 'assignment', "
       "'assigned', 'flat link ' || g, NULL, 'C' || g % 5000, '{}', '', NULL" +
           series},
  };
}

// Inserts every level in `batch`-row statements. Through the triggers each
// statement commits on its own; with `bulk` the whole load is one
// transaction with prefixd's insert triggers disabled, ending with the
// schema's full recomputation of every derived value (what adopting a NIPAP
// database runs), so a failure leaves no half-derived table behind.
void load(pqxx::connection& conn, const Layout& layout, const Ids& ids, int64_t batch, bool bulk) {
  const std::string vrfs = int_array(ids.vrf), pools4 = int_array(ids.pool_v4),
                    pools6 = int_array(ids.pool_v6);
  constexpr const char* kTriggers[] = {"prefixd_plan_before_insert", "prefixd_plan_after_insert"};
  std::unique_ptr<pqxx::work> bulk_tx;
  if (bulk) {
    bulk_tx = std::make_unique<pqxx::work>(conn);
    for (const char* t : kTriggers) {
      bulk_tx->exec(std::string("ALTER TABLE ip_net_plan DISABLE TRIGGER ") + t);
    }
  }
  for (const Level& level : levels(layout)) {
    const auto start = Clock::now();
    for (int64_t lo = 0; lo < level.count; lo += batch) {
      const int64_t hi = std::min(level.count, lo + batch);
      std::optional<pqxx::work> own;
      pqxx::work& tx = bulk ? *bulk_tx : own.emplace(conn);
      tx.exec_params(std::string(kColumns) + level.select, lo, hi, vrfs, pools4, pools6,
                     ids.pool_flat, layout.vrfs);
      if (own) own->commit();
    }
    // Statistics of the level just loaded, for the next level's plans.
    if (!bulk) pqxx::nontransaction(conn).exec("ANALYZE ip_net_plan");
    const double s = seconds_since(start);
    std::printf("  %-17s %9lld rows %8.1f s %9.0f rows/s\n", level.name,
                static_cast<long long>(level.count), s, level.count / std::max(s, 1e-9));
    std::fflush(stdout);
  }
  if (bulk) {
    const auto start = Clock::now();
    for (const char* t : kTriggers) {
      bulk_tx->exec(std::string("ALTER TABLE ip_net_plan ENABLE TRIGGER ") + t);
    }
    bulk_tx->exec("SELECT prefixd_recompute_all()");
    bulk_tx->commit();
    std::printf("  %-17s %9s      %8.1f s\n", "recompute_all", "", seconds_since(start));
  }
}

// Derived data that the layout alone determines, read back from the
// database: (what, expected, SQL returning the actual value as text).
struct Check {
  std::string what, expected, sql;
};

std::vector<Check> layout_checks(const Layout& l, const Ids& ids) {
  const int64_t m4 = l.pool_members_v4(), m6 = l.pool_members_v6();
  const int64_t a4 = Layout::kAssignmentsPerSite4, a6 = Layout::kAssignmentsPerSite6;
  const int64_t v4_per_vrf = 1 + l.sites_v4 * (1 + a4 * (1 + Layout::kHostsPerAssignment4));
  const int64_t v6_per_vrf = 1 + l.sites_v6 * (1 + a6 * (1 + Layout::kHostsPerAssignment6));
  auto n = [](int64_t v) { return std::to_string(v); };
  const std::string last = n(ids.vrf.back());
  return {
      {"rows in ip_net_plan", n(l.prefixes), "SELECT count(*) FROM ip_net_plan"},
      {"VRF 0 num_prefixes_v4/v6", n(v4_per_vrf + 1 + l.flat) + " " + n(v6_per_vrf),
       "SELECT num_prefixes_v4 || ' ' || num_prefixes_v6 FROM ip_net_vrf WHERE id = 0"},
      {"last VRF num_prefixes_v4/v6", n(v4_per_vrf) + " " + n(v6_per_vrf),
       "SELECT num_prefixes_v4 || ' ' || num_prefixes_v6 FROM ip_net_vrf WHERE id = " + last},
      {"VRF 0 total/used_addresses_v4",
       n((int64_t{1} << 24) + (int64_t{1} << 20)) + " " + n(l.sites_v4 * 65536 + l.flat * 16),
       "SELECT total_addresses_v4 || ' ' || used_addresses_v4 FROM ip_net_vrf WHERE id = 0"},
      {"10.1.0.0/16 indent/children/used", "1 200 51200",
       "SELECT indent || ' ' || children || ' ' || used_addresses FROM ip_net_plan "
       "WHERE vrf_id = 0 AND prefix = '10.1.0.0/16'"},
      {"10.1.50.2/32 indent/display/inherited", "3 10.1.50.2/24 {vrf0,site1,backbone}",
       "SELECT indent || ' ' || display_prefix || ' ' || inherited_tags::text FROM ip_net_plan "
       "WHERE vrf_id = 0 AND prefix = '10.1.50.2/32'"},
      {"2001:db8:0:5::1/128 in last VRF: indent/inherited", "3 {vrf" + n(l.vrfs - 1) + ",site0}",
       "SELECT indent || ' ' || inherited_tags::text FROM ip_net_plan WHERE vrf_id = " + last +
           " AND prefix = '2001:db8:0:5::1/128'"},
      {"172.16.0.0/12 children/free_addresses", n(l.flat) + " " + n((1 << 20) - l.flat * 16),
       "SELECT children || ' ' || free_addresses FROM ip_net_plan WHERE vrf_id = 0 "
       "AND prefix = '172.16.0.0/12'"},
      {"pool bench-v4-0 member/used/free/total_prefixes_v4",
       n(m4) + " " + n(m4 * a4) + " " + n(m4 * (256 - a4)) + " " + n(m4 * 256),
       "SELECT member_prefixes_v4 || ' ' || used_prefixes_v4 || ' ' || free_prefixes_v4 || ' ' "
       "|| total_prefixes_v4 FROM ip_net_pool WHERE name = 'bench-v4-0'"},
      {"pool bench-v6-0 member/used/free_prefixes_v6",
       n(m6) + " " + n(m6 * a6) + " " + n(m6 * (65536 - a6)),
       "SELECT member_prefixes_v6 || ' ' || used_prefixes_v6 || ' ' || free_prefixes_v6 "
       "FROM ip_net_pool WHERE name = 'bench-v6-0'"},
      {"pool bench-flat used/free_prefixes_v4, used_addresses_v4",
       n(l.flat) + " " + n(65536 - l.flat) + " " + n(l.flat * 16),
       "SELECT used_prefixes_v4 || ' ' || free_prefixes_v4 || ' ' || used_addresses_v4 "
       "FROM ip_net_pool WHERE name = 'bench-flat'"},
  };
}

// Every derived value against prefixd_recompute_all() (a sorted sweep,
// independent of the incremental triggers), in a transaction rolled back.
constexpr const char* kPlanDerived =
    "SELECT id, parent_id, indent, children, total_addresses, used_addresses, free_addresses, "
    "display_prefix, inherited_tags FROM ip_net_plan";
constexpr const char* kVrfDerived =
    "SELECT id, num_prefixes_v4, num_prefixes_v6, total_addresses_v4, total_addresses_v6, "
    "used_addresses_v4, used_addresses_v6, free_addresses_v4, free_addresses_v6 FROM ip_net_vrf";
constexpr const char* kPoolDerived =
    "SELECT id, member_prefixes_v4, member_prefixes_v6, used_prefixes_v4, used_prefixes_v6, "
    "free_prefixes_v4, free_prefixes_v6, total_prefixes_v4, total_prefixes_v6, "
    "total_addresses_v4, total_addresses_v6, used_addresses_v4, used_addresses_v6, "
    "free_addresses_v4, free_addresses_v6 FROM ip_net_pool";

bool verify(pqxx::connection& conn, const Layout& layout, const Ids& ids) {
  bool ok = true;
  {
    pqxx::read_transaction tx(conn);
    for (const Check& c : layout_checks(layout, ids)) {
      const pqxx::result r = tx.exec(c.sql);
      const std::string actual = r.empty() || r[0][0].is_null() ? "(none)" : r[0][0].c_str();
      const bool good = actual == c.expected;
      ok = ok && good;
      std::printf("  %-4s %s: %s%s\n", good ? "ok" : "FAIL", c.what.c_str(), actual.c_str(),
                  good ? "" : (" (expected " + c.expected + ")").c_str());
    }
  }
  const auto start = Clock::now();
  pqxx::work tx(conn);
  const std::pair<const char*, const char*> tables[] = {
      {"bench_plan", kPlanDerived}, {"bench_vrf", kVrfDerived}, {"bench_pool", kPoolDerived}};
  for (const auto& [name, sql] : tables) {
    tx.exec(std::string("CREATE TEMP TABLE ") + name + " AS " + sql);
  }
  tx.exec("SELECT prefixd_recompute_all()");
  for (const auto& [name, sql] : tables) {
    const int64_t differ = tx.exec1(std::string("SELECT count(*) FROM (") + sql +
                                    " EXCEPT SELECT * FROM " + name + ") d")[0]
                               .as<int64_t>();
    ok = ok && differ == 0;
    std::printf("  %-4s %s rows whose derived values differ from prefixd_recompute_all(): %lld\n",
                differ == 0 ? "ok" : "FAIL", name + 6, static_cast<long long>(differ));
  }
  tx.abort();
  std::printf("  (recomputation check: %.1f s)\n", seconds_since(start));
  return ok;
}

int run(int argc, char** argv) {
  CLI::App app{"Loads N prefixes in a realistic hierarchy for prefixd's scale benchmark"};
  int64_t prefixes = 0;
  std::string db = "prefixd_bench";
  int64_t batch = 0;
  bool check = false, planner_default = false, bulk = false;
  app.add_option("-n,--prefixes", prefixes, "number of prefixes (8000 to 2000000)")->required();
  app.add_option("-d,--db", db, "database to (re)create on the server the PG* variables name");
  app.add_option("-b,--batch", batch,
                 "rows per INSERT statement (default 1000 through the triggers, 100000 with "
                 "--bulk)")
      ->check(CLI::Range(1, 10000000));
  app.add_flag("--bulk", bulk,
               "insert with prefixd's insert triggers off, then prefixd_recompute_all()");
  app.add_flag("--verify", check, "check every derived value afterwards");
  app.add_flag("--planner-default", planner_default,
               "load with the planner's defaults (slow: see bench/README.md)");
  CLI11_PARSE(app, argc, argv);
  const Layout layout = Layout::for_prefixes(prefixes);
  std::printf("layout: %d VRFs, per VRF %d IPv4 sites and %d IPv6 sites; %lld flat /28s\n",
              layout.vrfs, layout.sites_v4, layout.sites_v6, static_cast<long long>(layout.flat));

  const auto start = Clock::now();
  {
    pqxx::connection admin("dbname=postgres");
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(db) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(db));
  }
  pqxx::connection conn("dbname=" + db);
  if (!planner_default) {
    // The triggers' containment lookups (prefixd_ancestry, the children
    // count) filter on vrf_id and iprange(prefix). Their generic plans read
    // ip_net_plan__vrf_id__index -- alone, or in a BitmapAnd with the GiST
    // index -- which costs every row of the VRF, so a load gets slower with
    // every row. While the VRFs fill unevenly the generic estimate for
    // vrf_id = $1 is far off: plan each call for its VRF, without bitmap
    // scans (bench/README.md).
    conn.set_variable("enable_bitmapscan", "off");
    conn.set_variable("plan_cache_mode", "force_custom_plan");
  }
  create_extensions(conn, missing_extensions(conn));
  apply_pending_migrations(conn, nullptr);
  declare_statements(conn, true);
  const Ids ids = add_vrfs_and_pools(conn, layout);
  std::printf("schema, VRFs and pools: %.1f s\n", seconds_since(start));
  if (batch == 0) batch = bulk ? 100000 : 1000;
  std::printf("loading (%s, batches of %lld rows):\n",
              bulk ? "triggers off, then prefixd_recompute_all()" : "through the triggers",
              static_cast<long long>(batch));
  const auto load_start = Clock::now();
  load(conn, layout, ids, batch, bulk);
  const double load_s = seconds_since(load_start);
  const auto vacuum_start = Clock::now();
  {
    pqxx::nontransaction tx(conn);
    // The recomputation rewrote every row of a bulk load: compact it.
    tx.exec(std::string("VACUUM (") + (bulk ? "FULL, " : "") +
            "ANALYZE) ip_net_plan, ip_net_vrf, ip_net_pool");
  }
  const double vacuum_s = seconds_since(vacuum_start);
  const std::string size =
      pqxx::nontransaction(conn)
          .exec1("SELECT pg_size_pretty(pg_total_relation_size('ip_net_plan'))")[0]
          .as<std::string>();
  std::printf(
      "loaded %lld prefixes in %.1f s (%.0f rows/s); VACUUM %.1f s; "
      "ip_net_plan with indexes: %s\n",
      static_cast<long long>(layout.prefixes), load_s, layout.prefixes / load_s, vacuum_s,
      size.c_str());
  if (check) {
    std::printf("verifying:\n");
    if (!verify(conn, layout, ids)) {
      std::printf("verification FAILED\n");
      return 1;
    }
    std::printf("verification passed\n");
  }
  return 0;
}

}  // namespace
}  // namespace prefixd::bench

int main(int argc, char** argv) {
  return prefixd::bench::main_reporting_errors("prefixd-bench-generate", prefixd::bench::run, argc,
                                               argv);
}
