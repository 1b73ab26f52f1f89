// SPDX-License-Identifier: MIT
// spec/model.md §13: the invariants of a consistent database, checked
// against a recount done here (in C++, from the user-owned columns only)
// after a randomised sequence of add / edit / remove through the backend in
// two VRFs, both families, with pools and inherited tags. Also §8.3: every
// write leaves every derived value consistent before the call returns.
// (free_prefixes_* is recounted by tests/db/test_schema.py and the e2e
// tests with the Python model of tests/db/nipap_model.py.)
#include <array>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "backend/errors.h"
#include "backend/free_space.h"
#include "backend/prefix_store.h"
#include "backend/vrf_store.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using u128 = unsigned __int128;

std::string decimal(u128 v) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return out;
}

std::vector<std::string> split(const std::string& joined) {
  std::vector<std::string> out;
  std::stringstream in(joined);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

struct Row {
  int64_t id = 0, vrf = 0;
  IpPrefix net;
  std::string type;
  std::vector<std::string> tags, inherited;
  std::optional<int64_t> pool;
  int64_t indent = 0, children = 0;
  std::string display, total, used, free;
};

// a strictly contains b (same family, same VRF checked by the caller).
bool strictly_contains(const Row& a, const Row& b) {
  if (a.net.family != b.net.family || a.net.length >= b.net.length) return false;
  const int shift = a.net.max_length() - a.net.length;
  return shift >= 128 || ((a.net.address ^ b.net.address) >> shift) == 0;
}

u128 size_of(const IpPrefix& p) {
  return static_cast<u128>(1) << (p.max_length() - p.length);
}

class Invariants : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
  }

  std::vector<Row> rows() {
    std::vector<Row> out;
    pqxx::work tx(*conn_);
    for (const auto& r : tx.exec(
             "SELECT id, vrf_id, prefix::text, type::text, array_to_string(coalesce(tags, '{}'), "
             "','), pool_id, indent, children, host(display_prefix) || '/' || "
             "masklen(display_prefix), total_addresses::text, used_addresses::text, "
             "free_addresses::text, array_to_string(coalesce(inherited_tags, '{}'), ',') FROM "
             "ip_net_plan")) {
      Row row;
      row.id = r[0].as<int64_t>();
      row.vrf = r[1].as<int64_t>();
      row.net = parse_prefix(r[2].as<std::string>());
      row.type = r[3].as<std::string>();
      row.tags = split(r[4].as<std::string>());
      if (!r[5].is_null()) row.pool = r[5].as<int64_t>();
      row.indent = r[6].as<int64_t>(-1);
      row.children = r[7].as<int64_t>(-1);
      row.display = r[8].as<std::string>("");
      row.total = r[9].as<std::string>("");
      row.used = r[10].as<std::string>("");
      row.free = r[11].as<std::string>("");
      row.inherited = split(r[12].as<std::string>());
      out.push_back(std::move(row));
    }
    return out;
  }

  // Every difference between the database and the recount, as text.
  std::vector<std::string> problems() {
    const std::vector<Row> all = rows();
    std::vector<std::string> out;
    std::map<int64_t, const Row*> parent_of;
    std::map<int64_t, std::vector<const Row*>> children_of;
    for (const Row& r : all) {
      std::vector<const Row*> ancestors;
      for (const Row& a : all) {
        if (a.vrf == r.vrf && strictly_contains(a, r)) ancestors.push_back(&a);
      }
      std::sort(ancestors.begin(), ancestors.end(),
                [](const Row* x, const Row* y) { return x->net.length < y->net.length; });
      const Row* parent = ancestors.empty() ? nullptr : ancestors.back();
      parent_of[r.id] = parent;
      if (parent) children_of[parent->id].push_back(&r);
      std::vector<std::string> inherited;
      for (const Row* a : ancestors) {
        for (const auto& t : a->tags) {
          if (std::find(inherited.begin(), inherited.end(), t) == inherited.end()) {
            inherited.push_back(t);
          }
        }
      }
      const std::string where = r.net.cidr_text() + " in VRF " + std::to_string(r.vrf) + ": ";
      // §13.3 indent; §13.6 inherited tags (§9)
      if (r.indent != static_cast<int64_t>(ancestors.size())) out.push_back(where + "indent");
      if (r.inherited != inherited) out.push_back(where + "inherited_tags");
      // §13.4 display_prefix (§6.5)
      IpPrefix shown = r.net;
      if (r.type == "host" && parent) shown.length = parent->net.length;
      if (r.display != shown.cidr_text()) out.push_back(where + "display_prefix " + r.display);
      // §13.2 the tree's shape (§6.1)
      const std::string parent_type = parent ? parent->type : "";
      if (r.type == "host" && (r.net.length != r.net.max_length() || parent_type != "assignment")) {
        out.push_back(where + "host not full-length under an assignment");
      }
      if (r.type != "host" && parent && parent_type != "reservation") {
        out.push_back(where + r.type + " under a " + parent_type);
      }
    }
    std::map<std::tuple<int64_t, int>, std::array<u128, 4>> vrf_stats;  // num, total, used
    std::map<std::tuple<int64_t, int>, std::array<u128, 5>> pool_stats;
    std::map<int64_t, std::set<int64_t>> pool_vrfs;
    for (const Row& r : all) {
      const auto& kids = children_of[r.id];
      u128 used = 0;
      for (const Row* c : kids) used += size_of(c->net);
      if (r.net.length == r.net.max_length()) used = 1;
      const u128 total = size_of(r.net);
      const std::string where = r.net.cidr_text() + " in VRF " + std::to_string(r.vrf) + ": ";
      // §13.3 children; §13.5 statistics (§7)
      if (r.children != static_cast<int64_t>(kids.size())) out.push_back(where + "children");
      if (r.total != decimal(total) || r.used != decimal(used) || r.free != decimal(total - used)) {
        out.push_back(where + "total/used/free " + r.total + "/" + r.used + "/" + r.free);
      }
      if (r.type == "assignment") {
        for (const Row& d : all) {
          if (d.vrf == r.vrf && strictly_contains(r, d) && d.type != "host") {
            out.push_back(where + "assignment containing a " + d.type);
          }
        }
      }
      // §13.7 VRF statistics (§3.4)
      auto& v = vrf_stats[{r.vrf, r.net.family}];
      v[0] += 1;
      if (!parent_of[r.id]) {
        v[1] += total;
        v[2] += used;
      }
      // §13.7 pool statistics (§4.4), §13.8 one VRF per pool
      if (r.pool) {
        auto& p = pool_stats[{*r.pool, r.net.family}];
        p[0] += 1;
        p[1] += kids.size();
        p[2] += total;
        p[3] += used;
        pool_vrfs[*r.pool].insert(r.vrf);
      }
    }
    pqxx::work tx(*conn_);
    for (const auto& r : tx.exec("SELECT id, num_prefixes_v4, total_addresses_v4, "
                                 "used_addresses_v4, free_addresses_v4, num_prefixes_v6, "
                                 "total_addresses_v6, used_addresses_v6, free_addresses_v6 FROM "
                                 "ip_net_vrf")) {
      for (int family : {4, 6}) {
        const auto& s = vrf_stats[{r[0].as<int64_t>(), family}];
        const int at = family == 4 ? 1 : 5;
        const std::string got = r[at].c_str() + std::string("/") + r[at + 1].c_str() + "/" +
                                r[at + 2].c_str() + "/" + r[at + 3].c_str();
        const std::string want =
            decimal(s[0]) + "/" + decimal(s[1]) + "/" + decimal(s[2]) + "/" + decimal(s[1] - s[2]);
        if (got != want) {
          out.push_back("VRF " + r[0].as<std::string>() + " v" + std::to_string(family) + ": " +
                        got + ", recount " + want);
        }
      }
    }
    for (const auto& r :
         tx.exec("SELECT id, member_prefixes_v4, used_prefixes_v4, total_addresses_v4, "
                 "used_addresses_v4, free_addresses_v4, member_prefixes_v6, used_prefixes_v6, "
                 "total_addresses_v6, used_addresses_v6, free_addresses_v6 FROM ip_net_pool")) {
      const int64_t id = r[0].as<int64_t>();
      for (int family : {4, 6}) {
        const auto& s = pool_stats[{id, family}];
        const int at = family == 4 ? 1 : 6;
        std::string got;
        for (int i = 0; i < 5; ++i) {
          if (i) got += '/';
          got += r[at + i].c_str();
        }
        const std::string want = decimal(s[0]) + "/" + decimal(s[1]) + "/" + decimal(s[2]) + "/" +
                                 decimal(s[3]) + "/" + decimal(s[2] - s[3]);
        if (got != want) {
          out.push_back("pool " + std::to_string(id) + " v" + std::to_string(family) + ": " + got +
                        ", recount " + want);
        }
      }
      if (pool_vrfs[id].size() > 1) out.push_back("pool " + std::to_string(id) + " spans VRFs");
    }
    return out;
  }
};

// model.md §13 items 1-8 and §8.3, after 240 random writes (seed: PREFIXD_TEST_SEED).
TEST_F(Invariants, Model_13_HoldAfterRandomisedOperations) {
  VrfChanges vrf;
  vrf.rt = std::optional<std::string>("65000:13");
  vrf.name = std::optional<std::string>("thirteen");
  const int64_t other = in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf); }).id;
  in_tx([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO ip_net_pool (name, ipv4_default_prefix_length, ipv6_default_prefix_length) "
        "VALUES ('r1', 28, 120), ('r2', 30, NULL)");
  });
  const char* seed_text = std::getenv("PREFIXD_TEST_SEED");
  const unsigned seed = seed_text ? static_cast<unsigned>(std::stoul(seed_text)) : 20240501u;
  std::mt19937 rnd(seed);
  auto pick = [&](int n) { return static_cast<int>(rnd() % static_cast<unsigned>(n)); };
  auto random_prefix = [&]() {
    std::ostringstream s;
    if (pick(10) < 7) {
      static const int lengths[] = {16, 20, 22, 24, 24, 26, 28, 30, 32, 32};
      const int len = lengths[pick(10)];
      const uint32_t bits = (10u << 24) | (rnd() & 0x0003ff0fu);
      const uint32_t addr = len == 0 ? 0 : bits & ~((1ull << (32 - len)) - 1);
      s << (addr >> 24) << '.' << ((addr >> 16) & 255) << '.' << ((addr >> 8) & 255) << '.'
        << (addr & 255) << '/' << len;
    } else {
      static const int lengths[] = {32, 40, 48, 56, 64, 64, 128, 128};
      const int len = lengths[pick(8)];
      const int group3 = len >= 48 ? pick(4) : 0, group4 = len >= 64 ? pick(3) : 0;
      s << std::hex << "2001:db8:" << group3 << ':' << group4 << "::";
      if (len == 128) s << (1 + pick(6));
      s << std::dec << '/' << len;
    }
    return s.str();
  };
  static const char* const kTypes[] = {"reservation", "reservation", "assignment", "host"};
  static const char* const kTags[] = {"a", "b", "c"};
  auto random_tags = [&]() {
    std::vector<std::string> tags;
    for (int i = pick(3); i > 0; --i) tags.push_back(kTags[pick(3)]);
    return tags;
  };
  auto existing = [&]() -> std::optional<std::string> {
    const std::string id = scalar(
        "SELECT id FROM ip_net_plan ORDER BY id LIMIT 1 OFFSET " +
        std::to_string(pick(std::max(1, std::stoi(scalar("SELECT count(*) FROM ip_net_plan"))))));
    if (id.empty()) return std::nullopt;
    return id;
  };

  int done = 0, refused = 0;
  for (int step = 1; step <= 240; ++step) {
    const int op = pick(100);
    try {
      if (op < 65) {
        PrefixChanges a;
        a.prefix = std::optional<std::string>(random_prefix());
        a.type = std::optional<std::string>(kTypes[pick(4)]);
        a.description = std::optional<std::string>("random");
        a.tags = std::optional<std::vector<std::string>>(random_tags());
        VrfSpec v;
        v.id = pick(3) == 0 ? other : 0;
        a.vrf = v;
        if (pick(4) == 0) {
          PoolSelector member;
          member.name = pick(2) ? "r1" : "r2";
          a.pool = std::optional<PoolSelector>(member);
        }
        in_tx([&](pqxx::work& tx) { add_prefix(tx, actor(), a); });
      } else if (op < 88) {
        const auto id = existing();
        if (!id) continue;
        PrefixChanges e;
        switch (pick(4)) {
          case 0:
            e.tags = std::optional<std::vector<std::string>>(random_tags());
            break;
          case 1:
            e.prefix = std::optional<std::string>(random_prefix());
            break;
          case 2:
            e.type = std::optional<std::string>(kTypes[pick(4)]);
            break;
          default: {
            // nil (leave the pool) one time in three
            PoolSelector target;
            if (pick(3) != 0) target.name = pick(2) ? "r1" : "r2";
            e.pool = std::optional<PoolSelector>(target);
          }
        }
        PrefixSpec s;
        s.terms.push_back({"id", *id});
        in_tx([&](pqxx::work& tx) { edit_prefixes(tx, actor(), s, e); });
      } else {
        const auto id = existing();
        if (!id) continue;
        PrefixSpec s;
        s.terms.push_back({"id", *id});
        in_tx([&](pqxx::work& tx) { remove_prefixes(tx, actor(), s, pick(5) == 0); });
      }
      ++done;
    } catch (const NipapError& e) {
      // Hierarchy, duplicate and pool-VRF refusals are part of the game;
      // anything else is not.
      ASSERT_TRUE(e.code() == FaultCode::kValue || e.code() == FaultCode::kDuplicate)
          << "step " << step << ": " << static_cast<int>(e.code()) << " " << e.what();
      ++refused;
    }
    if (step % 40 == 0) {
      const auto found = problems();
      ASSERT_TRUE(found.empty()) << "after step " << step << " (seed " << seed
                                 << "): " << found.front() << " (+" << found.size() - 1 << ")";
    }
  }
  std::cerr << "seed " << seed << ": " << done << " done, " << refused << " refused, "
            << scalar(
                   "SELECT count(*) || ' rows, max indent ' || max(indent) || ', members ' || "
                   "count(pool_id) FROM ip_net_plan")
            << "\n";
  // The sequence did real work, refusals included.
  EXPECT_GT(done, 100);
  EXPECT_GT(refused, 5);
  EXPECT_GT(std::stoi(scalar("SELECT count(*) FROM ip_net_plan")), 20);
  EXPECT_GT(std::stoi(scalar("SELECT count(*) FROM ip_net_plan WHERE pool_id IS NOT NULL")), 0);
  EXPECT_GT(std::stoi(scalar("SELECT max(indent) FROM ip_net_plan")), 1);
}

}  // namespace
}  // namespace prefixd
