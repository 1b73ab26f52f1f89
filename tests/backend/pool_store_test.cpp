// SPDX-License-Identifier: MIT
// Pools in the backend against a real PostgreSQL (spec/model.md §4 and §11,
// spec/errors.md §4.2, spec/search.md §1–§2 for pool searches). Members are
// written with plain SQL, as administrators do: the statistics are the
// database's (README decision 10).
#include "backend/pool_store.h"

#include "backend/errors.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;

PoolChanges pool_attr(std::string name, std::optional<std::string> default_type = std::nullopt) {
  PoolChanges a;
  a.name = std::optional<std::string>(std::move(name));
  a.description = std::optional<std::string>();
  a.default_type = std::move(default_type);
  return a;
}

PoolSpec by_id(int64_t id) {
  PoolSpec s;
  s.id = id;
  return s;
}

PoolSpec by_name(std::string name) {
  PoolSpec s;
  s.name = std::move(name);
  return s;
}

// The statistics of one family as "member/used/free/total/addresses t/u/f",
// nil shown as "-".
std::string stats(const Pool& p, int family) {
  auto s = [](const BigCount& c) { return c.value_or("-"); };
  if (family == 4) {
    return s(p.member_prefixes_v4) + "/" + s(p.used_prefixes_v4) + "/" + s(p.free_prefixes_v4) +
           "/" + s(p.total_prefixes_v4) + " " + s(p.total_addresses_v4) + "/" +
           s(p.used_addresses_v4) + "/" + s(p.free_addresses_v4);
  }
  return s(p.member_prefixes_v6) + "/" + s(p.used_prefixes_v6) + "/" + s(p.free_prefixes_v6) + "/" +
         s(p.total_prefixes_v6) + " " + s(p.total_addresses_v6) + "/" + s(p.used_addresses_v6) +
         "/" + s(p.free_addresses_v6);
}

class PoolStore : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
  }

  Pool add(const PoolChanges& a) {
    return in_tx([&](pqxx::work& tx) { return add_pool(tx, actor(), a); });
  }

  // A pool with default lengths /31 and /112, as in NIPAP's
  // TestPoolStatistics.
  Pool stats_pool(const std::string& name = "test") {
    PoolChanges a = pool_attr(name, "assignment");
    a.ipv4_default_prefix_length = std::optional<int64_t>(31);
    a.ipv6_default_prefix_length = std::optional<int64_t>(112);
    return add(a);
  }

  Pool get(int64_t id) {
    auto pools = in_tx([&](pqxx::work& tx) { return list_pools(tx, by_id(id)); });
    EXPECT_EQ(pools.size(), 1u);
    return pools.at(0);
  }

  static void sql(const std::string& statement) {
    pqxx::work tx(*conn_);
    tx.exec(statement);
    tx.commit();
  }

  // Inserts a prefix in VRF 0 (or `vrf`), a member of `pool` when given.
  static void insert(const std::string& prefix, const std::string& type,
                     std::optional<int64_t> pool = std::nullopt, int64_t vrf = 0) {
    sql("INSERT INTO ip_net_plan (vrf_id, prefix, type, description, pool_id) VALUES (" +
        std::to_string(vrf) + ", '" + prefix + "', '" + type + "', 'test', " +
        (pool ? std::to_string(*pool) : std::string("NULL")) + ")");
  }
};

// model.md §4.1: every attribute, zero statistics, nil VRF, no prefixes; §11 audit row.
TEST_F(PoolStore, Model_4_1_AddReturnsEveryAttribute) {
  PoolChanges a = pool_attr("pool-a", "assignment");
  a.description = std::optional<std::string>("first pool");
  a.ipv4_default_prefix_length = std::optional<int64_t>(24);
  a.ipv6_default_prefix_length = std::optional<int64_t>(64);
  a.tags = std::optional<std::vector<std::string>>({"core", "dc1"});
  a.avps = Avps{{"owner", "noc"}};
  const Pool p = add(a);
  EXPECT_GT(p.id, 0);
  EXPECT_EQ(p.name, "pool-a");
  EXPECT_EQ(p.description, "first pool");
  EXPECT_EQ(p.default_type, "assignment");
  EXPECT_EQ(p.ipv4_default_prefix_length, 24);
  EXPECT_EQ(p.ipv6_default_prefix_length, 64);
  EXPECT_EQ(p.tags, (std::vector<std::string>{"core", "dc1"}));
  EXPECT_EQ(p.avps, (Avps{{"owner", "noc"}}));
  EXPECT_EQ(stats(p, 4), "0/0/-/- 0/0/0");
  EXPECT_EQ(stats(p, 6), "0/0/-/- 0/0/0");
  EXPECT_FALSE(p.vrf_id.has_value());
  EXPECT_FALSE(p.vrf_rt.has_value());
  EXPECT_FALSE(p.vrf_name.has_value());
  EXPECT_TRUE(p.prefixes.empty());
  EXPECT_EQ(scalar("SELECT pool_name || '/' || pool_id || '/' || username || '/' || "
                   "authoritative_source || '/' || (vrf_id IS NULL) FROM ip_net_log"),
            "pool-a/" + std::to_string(p.id) + "/alice/nipap/true");
  EXPECT_EQ(scalar("SELECT description FROM ip_net_log").rfind("Added pool pool-a with attr: {", 0),
            0u);

  // Minimal: description and default_type nil, tags nil stored as NULL (§2.2).
  PoolChanges minimal = pool_attr("pool-b");
  minimal.tags = std::optional<std::vector<std::string>>();
  const Pool b = add(minimal);
  EXPECT_FALSE(b.description.has_value());
  EXPECT_FALSE(b.default_type.has_value());
  EXPECT_FALSE(b.ipv4_default_prefix_length.has_value());
  EXPECT_FALSE(b.tags.has_value());
  EXPECT_TRUE(b.avps.empty());
}

// model.md §4.1 quirk: member_prefixes_* are accepted and ignored, on add and edit.
TEST_F(PoolStore, Model_4_1_MemberPrefixesAcceptedButIgnored) {
  PoolChanges a = pool_attr("quirk");
  a.member_prefixes = true;
  const Pool p = add(a);
  EXPECT_EQ(p.member_prefixes_v4, "0");
  PoolChanges only_members;
  only_members.member_prefixes = true;
  auto edited =
      in_tx([&](pqxx::work& tx) { return edit_pools(tx, actor(), by_id(p.id), only_members); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0].member_prefixes_v6, "0");
  // Plain SQL cannot overwrite a statistic either.
  sql("UPDATE ip_net_pool SET member_prefixes_v4 = 7 WHERE id = " + std::to_string(p.id));
  EXPECT_EQ(get(p.id).member_prefixes_v4, "0");
}

// model.md §4.2: 1..32 and 1..128 with the pinned messages; 0 refused for both.
TEST_F(PoolStore, Model_4_2_DefaultPrefixLengthValidation) {
  const std::string v4 = "Default IPv4 prefix length must be an integer between 1 and 32.";
  const std::string v6 = "Default IPv6 prefix length must be an integer between 1 and 128.";
  for (int64_t bad : {0, 33, -1, 50}) {
    PoolChanges a = pool_attr("bad4");
    a.ipv4_default_prefix_length = std::optional<int64_t>(bad);
    EXPECT_EQ(fault_of([&] { add(a); }), std::make_pair(1200, v4)) << bad;
  }
  for (int64_t bad : {0, 129, -5}) {
    PoolChanges a = pool_attr("bad6");
    a.ipv6_default_prefix_length = std::optional<int64_t>(bad);
    EXPECT_EQ(fault_of([&] { add(a); }), std::make_pair(1200, v6)) << bad;
  }
  // Both bad: IPv4 is checked first.
  PoolChanges both = pool_attr("both");
  both.ipv4_default_prefix_length = std::optional<int64_t>(99);
  both.ipv6_default_prefix_length = std::optional<int64_t>(999);
  EXPECT_EQ(fault_of([&] { add(both); }).second, v4);
  int n = 0;
  for (auto [l4, l6] : {std::pair<int64_t, int64_t>{1, 1}, {32, 128}, {24, 64}}) {
    PoolChanges a = pool_attr("ok" + std::to_string(++n));
    a.ipv4_default_prefix_length = std::optional<int64_t>(l4);
    a.ipv6_default_prefix_length = std::optional<int64_t>(l6);
    const Pool p = add(a);
    EXPECT_EQ(p.ipv4_default_prefix_length, l4);
    EXPECT_EQ(p.ipv6_default_prefix_length, l6);
  }
  // On edit too, and nil clears a length.
  const Pool p = add(pool_attr("edit-me"));
  PoolChanges change;
  change.ipv4_default_prefix_length = std::optional<int64_t>(40);
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(p.id), change); });
            }),
            std::make_pair(1200, v4));
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_pool"), "4");
}

// errors.md §4.2 add_pool: required keys in order, enum, nil name, AVPs,
// duplicates; a failed call changes nothing.
TEST_F(PoolStore, Errors_4_2_AddRefusals) {
  PoolChanges a;
  EXPECT_EQ(fault_of([&] { add(a); }), std::make_pair(1110, std::string("missing attribute name")));
  a.name = std::optional<std::string>("x");
  EXPECT_EQ(fault_of([&] { add(a); }),
            std::make_pair(1110, std::string("missing attribute description")));
  a.description = std::optional<std::string>();
  EXPECT_EQ(fault_of([&] { add(a); }),
            std::make_pair(1110, std::string("missing attribute default_type")));
  for (const char* bad : {"bogus", "Assignment", ""}) {
    auto f = fault_of([&] { add(pool_attr("t", std::string(bad))); });
    EXPECT_EQ(f.first, 1200) << bad;
    EXPECT_NE(f.second.find("'" + std::string(bad) + "'"), std::string::npos) << f.second;
    EXPECT_NE(f.second.find("default_type"), std::string::npos) << f.second;
  }
  PoolChanges nil_name = pool_attr("n");
  nil_name.name = std::optional<std::string>();
  EXPECT_EQ(fault_of([&] { add(nil_name); }),
            std::make_pair(1200, std::string("'name' must not be nil")));
  PoolChanges avp = pool_attr("avp");
  avp.avps = Avps{{"", "1"}};
  EXPECT_EQ(fault_of([&] { add(avp); }),
            std::make_pair(1200, std::string("AVP with empty name is not allowed")));

  add(pool_attr("pool-a"));
  for (const char* dup : {"pool-a", "POOL-A"}) {
    EXPECT_EQ(fault_of([&] { add(pool_attr(dup)); }),
              std::make_pair(1400, std::string("Duplicate value for 'pool name', the value "
                                               "'pool-a' is already in use.")));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_pool"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log"), "1");
}

// search.md §3.6 / xmlrpc.md §5.3: lists are ordered by name; §1.5: name
// lookups are case-sensitive; a spec by id or name.
TEST_F(PoolStore, Model_4_1_ListOrderedByNameAndSpecs) {
  for (const char* name : {"pool-b", "", "pool-a", "len v4 1"}) add(pool_attr(name));
  auto all = in_tx([](pqxx::work& tx) { return list_pools(tx, PoolSpec{}); });
  std::vector<std::string> names;
  for (const Pool& p : all) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"", "len v4 1", "pool-a", "pool-b"}));
  EXPECT_EQ(in_tx([](pqxx::work& tx) { return list_pools(tx, by_name("pool-a")); }).size(), 1u);
  EXPECT_TRUE(in_tx([](pqxx::work& tx) { return list_pools(tx, by_name("POOL-A")); }).empty());
  EXPECT_EQ(in_tx([&](pqxx::work& tx) { return list_pools(tx, by_id(all[2].id)); }).at(0).name,
            "pool-a");
  EXPECT_TRUE(in_tx([](pqxx::work& tx) { return list_pools(tx, by_id(99999999)); }).empty());
  EXPECT_TRUE(
      in_tx([](pqxx::work& tx) { return list_pools(tx, by_id(int64_t{1} << 40)); }).empty());
}

// model.md §4.3: the implied VRF and the member prefixes, ascending, computed when
// reading (members written with plain SQL).
TEST_F(PoolStore, Model_4_3_ImpliedVrfAndMemberPrefixes) {
  sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65100:1', 'pool-vrf')");
  const int64_t vrf = std::stoll(scalar("SELECT id FROM ip_net_vrf WHERE rt = '65100:1'"));
  const Pool p = add(pool_attr("members"));
  const Pool empty = add(pool_attr("empty"));
  insert("2001:db8:100::/48", "reservation", p.id, vrf);
  insert("172.16.1.0/24", "reservation", p.id, vrf);
  insert("172.16.0.0/24", "reservation", p.id, vrf);
  insert("172.16.0.0/23", "reservation", std::nullopt, vrf);  // not a member
  const Pool got = get(p.id);
  EXPECT_EQ(got.vrf_id, vrf);
  EXPECT_EQ(got.vrf_rt, "65100:1");
  EXPECT_EQ(got.vrf_name, "pool-vrf");
  EXPECT_EQ(got.prefixes,
            (std::vector<std::string>{"172.16.0.0/24", "172.16.1.0/24", "2001:db8:100::/48"}));
  const Pool none = get(empty.id);
  EXPECT_FALSE(none.vrf_id.has_value());
  EXPECT_TRUE(none.prefixes.empty());
  // Members in the default VRF imply VRF 0 with a nil rt.
  const Pool zero = add(pool_attr("zero"));
  insert("10.0.0.0/8", "reservation", zero.id);
  const Pool z = get(zero.id);
  EXPECT_EQ(z.vrf_id, 0);
  EXPECT_FALSE(z.vrf_rt.has_value());
  EXPECT_EQ(z.vrf_name, "default");
  // The whole list in one query shows the same.
  auto all = in_tx([](pqxx::work& tx) { return list_pools(tx, PoolSpec{}); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].prefixes.size(), 3u);
  EXPECT_EQ(all[1].vrf_rt, "65100:1");
}

// model.md §4.4, nipaptest.py::TestPoolStatistics::test_stats1.
TEST_F(PoolStore, Model_4_4_Stats1MembersRemovalAndDefaultLength) {
  const Pool p = stats_pool();
  EXPECT_EQ(stats(p, 4), "0/0/-/- 0/0/0");
  EXPECT_EQ(stats(p, 6), "0/0/-/- 0/0/0");
  insert("1.0.0.0/24", "reservation", p.id);
  insert("2.0.0.0/24", "reservation", p.id);
  insert("2001:db8:1::/48", "reservation", p.id);
  insert("2001:db8:2::/48", "reservation", p.id);
  EXPECT_EQ(stats(get(p.id), 4), "2/0/256/256 512/0/512");
  EXPECT_EQ(get(p.id).free_prefixes_v6, "36893488147419103232");
  sql("DELETE FROM ip_net_plan WHERE prefix = '1.0.0.0/24'");
  EXPECT_EQ(stats(get(p.id), 4), "1/0/128/128 256/0/256");
  PoolChanges change;
  change.ipv4_default_prefix_length = std::optional<int64_t>(30);
  auto edited = in_tx([&](pqxx::work& tx) { return edit_pools(tx, actor(), by_id(p.id), change); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(stats(edited[0], 4), "1/0/64/64 256/0/256");
  // Without members free/total return to nil.
  sql("DELETE FROM ip_net_plan");
  EXPECT_EQ(stats(get(p.id), 4), "0/0/-/- 0/0/0");
  EXPECT_EQ(stats(get(p.id), 6), "0/0/-/- 0/0/0");
}

// model.md §4.4, test_stats2: a member resized.
TEST_F(PoolStore, Model_4_4_Stats2MemberResized) {
  const Pool p = stats_pool();
  insert("1.0.0.0/24", "reservation", p.id);
  sql("UPDATE ip_net_plan SET prefix = '1.0.0.0/25' WHERE prefix = '1.0.0.0/24'");
  EXPECT_EQ(stats(get(p.id), 4), "1/0/64/64 128/0/128");
}

// model.md §4.4, test_stats3 and test_stats4: a child of a member, then moved.
TEST_F(PoolStore, Model_4_4_Stats3And4ChildAddedAndMoved) {
  const Pool p = stats_pool();
  insert("1.0.0.0/24", "reservation", p.id);
  insert("1.0.0.0/31", "assignment");
  EXPECT_EQ(stats(get(p.id), 4), "1/1/127/128 256/2/254");
  sql("UPDATE ip_net_plan SET prefix = '1.0.0.128/25' WHERE prefix = '1.0.0.0/31'");
  EXPECT_EQ(stats(get(p.id), 4), "1/1/64/65 256/128/128");
}

// model.md §4.4, test_stats5: a member detached and re-attached.
TEST_F(PoolStore, Model_4_4_Stats5DetachAndReattach) {
  const Pool p = stats_pool();
  insert("1.0.0.0/24", "reservation", p.id);
  insert("2.0.0.0/24", "reservation", p.id);
  insert("1.0.0.0/31", "assignment");
  sql("UPDATE ip_net_plan SET pool_id = NULL WHERE prefix = '1.0.0.0/24'");
  EXPECT_EQ(stats(get(p.id), 4), "1/0/128/128 256/0/256");
  sql("UPDATE ip_net_plan SET pool_id = " + std::to_string(p.id) + " WHERE prefix = '1.0.0.0/24'");
  EXPECT_EQ(stats(get(p.id), 4), "2/1/255/256 512/2/510");
}

// model.md §4.4: the IPv6 counterpart (one /48 with a /112 child) and the upgrade
// fixture (a /20 with three /24 children, default /31).
TEST_F(PoolStore, Model_4_4_Ipv6AndUpgradeFixture) {
  const Pool p = stats_pool();
  insert("2001:db8:1::/48", "reservation", p.id);
  insert("2001:db8:1::/112", "assignment");
  const Pool v6 = get(p.id);
  EXPECT_EQ(v6.used_addresses_v6, "65536");
  EXPECT_EQ(v6.free_prefixes_v6, "18446744073709551615");
  EXPECT_EQ(v6.used_prefixes_v6, "1");

  const Pool f = stats_pool("fixture");
  insert("192.168.0.0/20", "reservation", f.id);
  for (const char* child : {"192.168.0.0/24", "192.168.1.0/24", "192.168.2.0/24"}) {
    insert(child, "assignment");
  }
  const Pool got = get(f.id);
  EXPECT_EQ(got.used_prefixes_v4, "3");
  EXPECT_EQ(got.free_prefixes_v4, "1664");
  EXPECT_EQ(got.total_prefixes_v4, "1667");
}

// model.md §4.5 edit: by id or name, exactly one of them; returns the edited pools;
// §11: the audit row names the pool as it was.
TEST_F(PoolStore, Model_4_5_EditByIdOrName) {
  const Pool a = add(pool_attr("pool-a"));
  add(pool_attr("pool-b"));
  PoolChanges change;
  change.name = std::optional<std::string>("pool-a2");
  change.default_type = std::optional<std::string>("host");
  change.tags = std::optional<std::vector<std::string>>({"t"});
  change.avps = Avps{{"k", "v"}};
  auto edited =
      in_tx([&](pqxx::work& tx) { return edit_pools(tx, actor(), by_name("pool-a"), change); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0].id, a.id);
  EXPECT_EQ(edited[0].name, "pool-a2");
  EXPECT_EQ(edited[0].default_type, "host");
  EXPECT_EQ(edited[0].tags, (std::vector<std::string>{"t"}));
  EXPECT_EQ(edited[0].avps, (Avps{{"k", "v"}}));
  EXPECT_EQ(scalar("SELECT pool_name || ': ' || description FROM ip_net_log ORDER BY id DESC "
                   "LIMIT 1")
                .rfind("pool-a: Edited pool pool-a attr: {'name': 'pool-a2'", 0),
            0u);
  // Nothing matched: an empty list.
  EXPECT_TRUE(in_tx([&](pqxx::work& tx) {
                return edit_pools(tx, actor(), by_name("nope"), change);
              }).empty());
  PoolSpec both = by_id(a.id);
  both.name = "pool-a2";
  for (const PoolSpec& bad : {PoolSpec{}, both}) {
    EXPECT_EQ(
        fault_of([&] { in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), bad, change); }); }),
        std::make_pair(1110, std::string("pool spec must contain either 'id' or 'name'")));
  }
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(a.id), PoolChanges{}); });
            }),
            std::make_pair(1100, std::string("'attr' must not be empty.")));
  PoolChanges rename;
  rename.name = std::optional<std::string>("Pool-B");
  EXPECT_EQ(
      fault_of(
          [&] { in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(a.id), rename); }); }),
      std::make_pair(1400, std::string("Duplicate value for 'pool name', the value 'pool-b' is "
                                       "already in use.")));
  rename.name = std::optional<std::string>();
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(a.id), rename); });
            }).first,
            1200);
  PoolChanges bad_type;
  bad_type.default_type = std::optional<std::string>("bogus");
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(a.id), bad_type); });
            }).first,
            1200);
  EXPECT_EQ(get(a.id).name, "pool-a2");
}

// model.md §4.3 / §4.5 remove: members are detached (an edit of each member for
// last_modified), the pool goes, one audit row; an empty spec is refused
// before anything is touched; no match is a silent no-op.
TEST_F(PoolStore, Model_4_5_RemoveDetachesMembers) {
  const Pool p = stats_pool("doomed");
  insert("1.0.0.0/24", "reservation", p.id);
  insert("1.0.0.0/31", "assignment");
  sql("UPDATE ip_net_plan SET last_modified = '2000-01-01T00:00:00Z'");
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { remove_pools(tx, actor(), PoolSpec{}); });
            }).first,
            1110);
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_pool"), "1");
  in_tx([&](pqxx::work& tx) { remove_pools(tx, actor(), by_name("doomed")); });
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_pool"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan WHERE pool_id IS NULL"), "2");
  EXPECT_EQ(scalar("SELECT last_modified > '2001-01-01' FROM ip_net_plan WHERE prefix = "
                   "'1.0.0.0/24'"),
            "t");
  EXPECT_EQ(scalar("SELECT last_modified < '2001-01-01' FROM ip_net_plan WHERE prefix = "
                   "'1.0.0.0/31'"),
            "t");
  EXPECT_EQ(scalar("SELECT pool_name || '/' || pool_id || '/' || description FROM ip_net_log "
                   "ORDER BY id DESC LIMIT 1"),
            "doomed/" + std::to_string(p.id) + "/Removed pool doomed");
  in_tx([&](pqxx::work& tx) { remove_pools(tx, actor(), by_name("doomed")); });
  in_tx([&](pqxx::work& tx) { remove_pools(tx, actor(), by_id(99999999)); });
}

// search.md §1–§2 for pools: the attributes of §1.5 (vrf_rt of the implied
// VRF, the pool's own counters), operators, options, malformed queries.
TEST_F(PoolStore, Search_1_PoolAttributesOperatorsAndOptions) {
  sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65100:1', 'pool-vrf')");
  const int64_t vrf = std::stoll(scalar("SELECT id FROM ip_net_vrf WHERE rt = '65100:1'"));
  PoolChanges a = pool_attr("pool-a", "assignment");
  a.tags = std::optional<std::vector<std::string>>({"core"});
  a.ipv4_default_prefix_length = std::optional<int64_t>(24);
  const Pool pa = add(a);
  PoolChanges b = pool_attr("pool-b", "reservation");
  b.description = std::optional<std::string>("second");
  b.ipv4_default_prefix_length = std::optional<int64_t>(20);
  add(b);
  add(pool_attr("other"));
  insert("172.16.0.0/24", "reservation", pa.id, vrf);

  auto search = [&](Query q, SearchOptions o = {}) {
    return in_tx([&](pqxx::work& tx) { return search_pools(tx, q, o); });
  };
  auto names = [](const std::vector<Pool>& pools) {
    std::string out;
    for (const Pool& p : pools) out += (out.empty() ? "" : ",") + p.name;
    return out;
  };
  EXPECT_EQ(names(search(Query::leaf("=", "name", std::string("pool-a")))), "pool-a");
  EXPECT_EQ(names(search(Query::leaf("regex_match", "name", std::string("^POOL")))),
            "pool-a,pool-b");
  EXPECT_EQ(names(search(Query::leaf("~", "name", std::string("^POOL")))), "");
  EXPECT_EQ(names(search(Query::leaf("not_equals", "default_type", std::string("assignment")))),
            "pool-b");
  EXPECT_EQ(names(search(Query::leaf("is", "default_type", std::monostate{}))), "other");
  EXPECT_EQ(names(search(Query::leaf("equals", "description", std::monostate{}))), "other,pool-a");
  EXPECT_EQ(names(search(Query::leaf("less", "ipv4_default_prefix_length", int64_t{24}))),
            "pool-b");
  EXPECT_EQ(names(search(Query::leaf(">=", "ipv4_default_prefix_length", std::string("24")))),
            "pool-a");
  EXPECT_EQ(names(search(Query::leaf("equals_any", "tags", std::string("CORE")))), "pool-a");
  EXPECT_EQ(names(search(Query::leaf("=", "vrf_rt", std::string("65100:1")))), "pool-a");
  EXPECT_EQ(names(search(Query::leaf("=", "total_addresses_v4", std::string("256")))), "pool-a");
  EXPECT_EQ(names(search(Query::leaf("is", "free_prefixes_v4", std::monostate{}))), "other,pool-b");
  EXPECT_EQ(names(search(Query::combine(
                "or",
                Query::combine("and", Query::leaf("like", "name", std::string("pool%")),
                               Query::leaf("=", "default_type", std::string("reservation"))),
                Query::leaf("=", "name", std::string("other"))))),
            "other,pool-b");
  // The full shape comes back from a search too.
  auto found = search(Query::leaf("=", "id", pa.id));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].prefixes, (std::vector<std::string>{"172.16.0.0/24"}));
  EXPECT_EQ(found[0].vrf_name, "pool-vrf");
  SearchOptions page;
  page.max_result = 1;
  page.offset = 1;
  EXPECT_EQ(names(search(Query::leaf("like", "name", std::string("%")), page)), "pool-a");

  // Malformed (search.md §1.1, §1.5, §1.2, §1.3).
  EXPECT_EQ(fault_of([&] { search(Query{}); }).first, 1110);
  for (const char* unknown : {"vrf_id", "vrf_name", "prefixes", "foo"}) {
    EXPECT_EQ(fault_of([&] { search(Query::leaf("=", unknown, std::string("x"))); }),
              std::make_pair(1100, "Search variable '" + std::string(unknown) + "' unknown"));
  }
  EXPECT_EQ(fault_of([&] { search(Query::leaf("bogus", "name", std::string("x"))); }),
            std::make_pair(1130, std::string("No such operator bogus")));
  EXPECT_EQ(
      fault_of([&] { search(Query::leaf("=", "ipv4_default_prefix_length", std::string("abc"))); }),
      std::make_pair(1200, std::string("Invalid syntax for integer (abc)")));
  EXPECT_EQ(fault_of([&] { search(Query::leaf("=", "default_type", std::string("bogus"))); }),
            std::make_pair(1200, std::string("invalid value 'bogus' for default_type; expected one "
                                             "of reservation, assignment, host")));
  // Regular expressions on default_type take any text.
  EXPECT_EQ(names(search(Query::leaf("regex_match", "default_type", std::string("^res")))),
            "pool-b");
}

// model.md §4.4: a free block one bit longer than the default length counts
// as one (the rounding quirk), longer ones as nothing.
TEST_F(PoolStore, Model_4_4_HalfBlockCountsOne) {
  const Pool p = stats_pool();
  insert("1.0.0.0/24", "reservation", p.id);
  insert("1.0.0.1/32", "reservation");
  // free: 1.0.0.0/32 (half a /31: 1) and 1.0.0.2-1.0.0.255 (/31 .. /25: 127)
  EXPECT_EQ(stats(get(p.id), 4), "1/1/128/129 256/1/255");
  insert("1.0.0.4/30", "reservation");
  // 1.0.0.2/31 (1), 1.0.0.8-255 (/29 .. /25: 124)
  EXPECT_EQ(stats(get(p.id), 4), "1/2/126/128 256/5/251");
}

// model.md §2.3, errors.md §4.2 edit_pool row 4: an empty AVP name is
// refused on edit, nothing changes.
TEST_F(PoolStore, Model_2_3_EditRefusesEmptyAvpName) {
  const Pool p = add(pool_attr("avp"));
  PoolChanges change;
  change.avps = Avps{{"", "x"}};
  change.description = std::optional<std::string>("not stored");
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_pools(tx, actor(), by_id(p.id), change); });
            }),
            std::make_pair(1200, std::string("AVP with empty name is not allowed")));
  EXPECT_FALSE(get(p.id).description.has_value());
}

}  // namespace
}  // namespace prefixd
