// SPDX-License-Identifier: MIT
// Prefixes in the backend against a real PostgreSQL (spec/model.md §5–§9,
// §11; spec/errors.md §4.3; spec/search.md §2.2, §3).
#include "backend/prefix_store.h"

#include <atomic>
#include <functional>
#include <thread>

#include "backend/errors.h"
#include "backend/vrf_store.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;
using testing::naive;

PrefixChanges attr(const std::string& prefix, const std::string& type,
                   std::optional<std::string> description = "d") {
  PrefixChanges a;
  a.prefix = std::optional<std::string>(prefix);
  a.type = std::optional<std::string>(type);
  a.description = description;
  return a;
}

PrefixSpec spec(std::initializer_list<std::pair<std::string, std::optional<std::string>>> terms) {
  PrefixSpec s;
  for (const auto& [key, value] : terms) s.terms.push_back({key, value});
  return s;
}

Query leaf(std::string op, std::string attribute, QueryScalar value) {
  return Query::leaf(std::move(op), std::move(attribute), std::move(value));
}

class PrefixStore : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
  }

  Prefix add(const PrefixChanges& a) {
    return in_tx([&](pqxx::work& tx) { return add_prefix(tx, actor(), a); });
  }
  Prefix add(const std::string& prefix, const std::string& type) { return add(attr(prefix, type)); }
  std::pair<int, std::string> add_fault(const PrefixChanges& a) {
    return fault_of([&] { add(a); });
  }
  std::vector<Prefix> list(const PrefixSpec& s = {}) {
    return in_tx([&](pqxx::work& tx) { return list_prefixes(tx, s); });
  }
  Prefix get(const std::string& prefix) {
    auto found = list(spec({{"prefix", prefix}}));
    EXPECT_EQ(found.size(), 1u) << prefix;
    return found.empty() ? Prefix{} : found[0];
  }
  std::vector<Prefix> edit(const PrefixSpec& s, const PrefixChanges& a) {
    return in_tx([&](pqxx::work& tx) { return edit_prefixes(tx, actor(), s, a); });
  }
  void remove(const PrefixSpec& s, bool recursive = false) {
    in_tx([&](pqxx::work& tx) { remove_prefixes(tx, actor(), s, recursive); });
  }
  std::vector<Prefix> search(Query q, const PrefixSearchOptions& o = {}) {
    return in_tx([&](pqxx::work& tx) { return search_prefixes(tx, q, o); });
  }
  static std::vector<std::string> prefixes_of(const std::vector<Prefix>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) out.push_back(p.prefix);
    return out;
  }
  int64_t add_vrf_named(const std::string& rt, const std::string& name) {
    VrfChanges v;
    v.rt = std::optional<std::string>(rt);
    v.name = std::optional<std::string>(name);
    return in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), v); }).id;
  }
};

// model.md §5.1 (every attribute), §2.2, §5.5, §5.6, §5.7; errors.md §4.3 rows 18-20.
TEST_F(PrefixStore, Model_5_1_AddReturnsEveryAttribute) {
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.tags = std::optional<std::vector<std::string>>({"b", "a", "b"});
  a.avps = Avps{{"k", "v"}};
  a.comment = std::optional<std::string>("c");
  a.expires = std::string("2030-01-02 03:04:05");
  a.vlan = std::optional<std::string>("100");
  a.monitor = std::optional<std::string>("true");
  a.authoritative_source = std::optional<std::string>("overwritten");
  const Prefix p = add(a);
  EXPECT_GT(p.id, 0);
  EXPECT_EQ(p.vrf_id, 0);
  EXPECT_EQ(p.vrf_name, "default");
  EXPECT_FALSE(p.vrf_rt);
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.prefix, "10.0.0.0/8");
  EXPECT_EQ(p.display_prefix, "10.0.0.0/8");
  EXPECT_EQ(p.type, "reservation");
  EXPECT_EQ(p.status, "assigned");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"b", "a", "b"}));
  EXPECT_EQ(p.avps, (Avps{{"k", "v"}}));
  EXPECT_EQ(naive(p.expires), "20300102T03:04:05");
  EXPECT_EQ(p.vlan, 100);
  EXPECT_EQ(p.monitor, true);
  EXPECT_EQ(p.authoritative_source, "nipap");  // §5.5: always the caller's
  EXPECT_EQ(p.total_addresses, "16777216");
  EXPECT_EQ(p.used_addresses, "0");
  EXPECT_EQ(p.added, p.last_modified);  // §5.7
  EXPECT_EQ(naive(p.added).size(), 17u);
  // §2.2: nil tags read as []; §5.6: no expires reads as never.
  PrefixChanges b = attr("11.0.0.0/8", "reservation");
  b.tags = std::optional<std::vector<std::string>>();
  const Prefix q = add(b);
  EXPECT_TRUE(q.tags.empty());
  EXPECT_FALSE(q.expires);
}

// model.md §2.5; errors.md §2.3 (bits right of the mask, invalid syntax).
TEST_F(PrefixStore, Model_2_5_PrefixTextFormsAndErrors) {
  EXPECT_EQ(add("192.0.2.5", "reservation").prefix, "192.0.2.5/32");
  EXPECT_EQ(get("192.0.2.5/32").display_prefix, "192.0.2.5");
  EXPECT_EQ(add("10.5", "reservation").prefix, "10.5.0.0/16");
  EXPECT_EQ(add("2001:DB8:0::/48", "reservation").prefix, "2001:db8::/48");
  EXPECT_EQ(add_fault(attr("12.0.0.1/8", "reservation")),
            std::make_pair(1200, std::string("Invalid prefix (12.0.0.1/8); bits set to right of "
                                             "mask. Network address for current mask: "
                                             "12.0.0.0/8")));
  EXPECT_EQ(add_fault(attr("1.2.3.0/33", "reservation")),
            std::make_pair(1200, std::string("Invalid syntax for prefix (1.2.3.0/33)")));
  EXPECT_EQ(add_fault(attr("foo", "reservation")).first, 1200);
}

// model.md §5.2, §5.3; errors.md §3 and §4.3 rows 16, 19, 21.
TEST_F(PrefixStore, Model_5_2_DescriptionOrNodeAndUnknownType) {
  PrefixChanges a = attr("10.0.0.0/8", "reservation", std::nullopt);
  a.description.reset();
  EXPECT_EQ(add_fault(a),
            std::make_pair(1110, std::string("Either description or node must be specified.")));
  a = attr("10.0.0.0/8", "reservation");
  a.type.reset();
  EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string("Unknown prefix type")));
  a = attr("10.0.0.0/8", "bogus");
  EXPECT_EQ(add_fault(a).first, 1200);
  a = attr("10.0.0.0/8", "reservation");
  a.status = std::optional<std::string>("bogus");
  EXPECT_EQ(add_fault(a).first, 1200);
  EXPECT_TRUE(list().empty());
}

// model.md §5.4; errors.md §2.3 (integer, boolean syntax), §3 (node, country), §4.3 rows 20,
// 24, 25.
TEST_F(PrefixStore, Model_5_4_NodeCountryVlanMonitorRules) {
  add("10.0.0.0/8", "reservation");
  PrefixChanges a = attr("11.0.0.0/8", "reservation");
  a.node = std::optional<std::string>("");
  EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string("Not allowed to set 'node' value for "
                                                           "prefixes of type 'reservation'.")));
  a = attr("10.1.0.0/24", "assignment");
  a.node = std::optional<std::string>("n");
  EXPECT_EQ(add_fault(a).second,
            "Not allowed to set 'node' value for prefixes of type "
            "'assignment' which do not have all bits set in netmask.");
  a = attr("10.1.0.1/32", "assignment");
  a.node = std::optional<std::string>("n");
  EXPECT_EQ(add(a).node, "n");
  a = attr("10.2.0.0/24", "assignment");
  a.country = std::optional<std::string>("se");
  EXPECT_EQ(add(a).country, "SE");
  for (const char* bad : {"a", "aaa", "a1", ""}) {
    a = attr("10.3.0.0/24", "assignment");
    a.country = std::optional<std::string>(bad);
    EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string(" Please enter a two letter country "
                                                             "code according to ISO 3166-1 "
                                                             "alpha-2")))
        << bad;
  }
  a = attr("10.3.0.0/24", "assignment");
  a.vlan = std::optional<std::string>("x");
  EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string("Invalid syntax for integer (x)")));
  a = attr("10.3.0.0/24", "assignment");
  a.monitor = std::optional<std::string>("maybe");
  EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string("Invalid syntax for boolean (maybe)")));
  // §5.4 (prefixd): the node rule holds on every edit, not only on type changes.
  PrefixChanges e;
  e.node = std::optional<std::string>("sneaky");
  EXPECT_EQ(fault_of([&] { edit(spec({{"prefix", "10.0.0.0/8"}}), e); }).first, 1200);
  PrefixChanges c;
  c.country = std::optional<std::string>("q");
  EXPECT_EQ(fault_of([&] { edit(spec({{"prefix", "10.0.0.0/8"}}), c); }).first, 1200);
}

// model.md §5.6, §2.7; errors.md §4.3 row 17.
TEST_F(PrefixStore, Model_5_6_ExpiresForms) {
  auto with_expires = [&](const std::string& prefix, const std::string& expires) {
    PrefixChanges a = attr(prefix, "reservation");
    a.expires = expires;
    return naive(add(a).expires);
  };
  EXPECT_FALSE(with_expires("10.0.0.0/24", "never"));
  EXPECT_FALSE(with_expires("10.0.1.0/24", "infinity"));
  EXPECT_EQ(with_expires("10.0.2.0/24", "2031-05-06"), "20310506T00:00:00");
  EXPECT_EQ(with_expires("10.0.3.0/24", "2031-05-06 10:00:00.75"), "20310506T10:00:00");
  EXPECT_TRUE(with_expires("10.0.4.0/24", "tomorrow").value_or("").ends_with("T09:00:00"));
  EXPECT_TRUE(with_expires("10.0.5.0/24", "2 years"));
  PrefixChanges a = attr("10.0.6.0/24", "reservation");
  a.expires = std::string("foo bar");
  EXPECT_EQ(add_fault(a).first, 1200);
}

// model.md §6.1, §6.3, §6.6; errors.md §2.2 (prefix), §3, §4.3 rows 22, 26.
TEST_F(PrefixStore, Model_6_1_HierarchyRules) {
  add("10.0.0.0/8", "reservation");
  add("10.1.0.0/24", "assignment");
  add("10.1.0.1/32", "host");
  EXPECT_EQ(add_fault(attr("99.1.1.1/32", "host")).second,
            "Prefix of type host must have a parent (covering) prefix of type assignment");
  EXPECT_EQ(add_fault(attr("10.9.0.1/32", "host")).second,
            "Parent prefix (10.0.0.0/8) is of type reservation but must be of type 'assignment'");
  EXPECT_EQ(add_fault(attr("10.1.0.4/31", "host")).second,
            "Prefix of type host must have all bits set in netmask");
  EXPECT_EQ(add_fault(attr("10.1.0.128/25", "assignment")).second,
            "Parent prefix (10.1.0.0/24) is of type assignment but must be of type 'reservation'");
  EXPECT_EQ(add_fault(attr("10.1.0.128/25", "reservation")).first, 1200);
  EXPECT_EQ(add_fault(attr("10.1.0.0/23", "assignment")).second,
            "Prefix of type 'assignment' must not have any subnets other than of type 'host'");
  // A reservation may go above everything (§6.1 example).
  EXPECT_EQ(add("8.0.0.0/5", "reservation").indent, 0);
  EXPECT_EQ(get("10.1.0.1/32").indent, 3);
  // §6.6: duplicates, with NIPAP's message (inet text for full-length).
  EXPECT_EQ(add_fault(attr("10.1.0.1/32", "host")),
            std::make_pair(1400, std::string("Duplicate value for 'prefix', the value "
                                             "'0, 10.1.0.1' is already in use.")));
  EXPECT_EQ(add_fault(attr("10.0.0.0/08", "reservation")).second,
            "Duplicate value for 'prefix', the value '0, 10.0.0.0/8' is already in use.");
}

// model.md §6.3, §6.4, §6.5, §7 and §2.5 (display_prefix in search results).
TEST_F(PrefixStore, Model_6_3_IndentChildrenDisplayPrefix) {
  add("192.168.0.0/16", "reservation");
  add("192.168.0.0/24", "assignment");
  add("192.168.1.0/24", "reservation");
  add("192.168.0.1/32", "host");
  EXPECT_EQ(get("192.168.0.1/32").display_prefix, "192.168.0.1/24");
  // §6.3 example: editing the third to 192.168.0.0/20 re-nests the second.
  PrefixChanges move;
  move.prefix = std::optional<std::string>("192.168.0.0/20");
  edit(spec({{"prefix", "192.168.1.0/24"}}), move);
  EXPECT_EQ(get("192.168.0.0/16").indent, 0);
  EXPECT_EQ(get("192.168.0.0/20").indent, 1);
  EXPECT_EQ(get("192.168.0.0/24").indent, 2);
  EXPECT_EQ(get("192.168.0.1/32").indent, 3);
  Query q = leaf("contained_within_equals", "prefix", std::string("192.168.0.0/16"));
  const auto rows = search(q);
  ASSERT_EQ(prefixes_of(rows), (std::vector<std::string>{"192.168.0.0/16", "192.168.0.0/20",
                                                         "192.168.0.0/24", "192.168.0.1/32"}));
  EXPECT_EQ(rows[0].children, 1);
  EXPECT_EQ(rows[1].children, 1);
  EXPECT_EQ(rows[2].children, 1);
  // Search shape shows display_prefix with its length (§2.5).
  EXPECT_EQ(rows[3].display_prefix_cidr, "192.168.0.1/24");
  // §6.5: resizing the assignment gives its hosts the new length.
  PrefixChanges resize;
  resize.prefix = std::optional<std::string>("192.168.0.0/23");
  edit(spec({{"prefix", "192.168.0.0/24"}}), resize);
  EXPECT_EQ(get("192.168.0.1/32").display_prefix, "192.168.0.1/23");
  // §7: statistics of the resized assignment.
  const Prefix a = get("192.168.0.0/23");
  EXPECT_EQ(a.total_addresses, "512");
  EXPECT_EQ(a.used_addresses, "1");
}

// model.md §6.2; errors.md §4.3 edit_prefix rows 11-13, 15 and the spec/attr upstream bug.
TEST_F(PrefixStore, Model_6_2_EditsThatTouchTheHierarchy) {
  const int64_t other = add_vrf_named("65000:1", "other");
  add("10.0.0.0/8", "reservation");
  add("10.1.1.0/24", "assignment");
  add("10.1.1.1/32", "host");
  add("10.3.0.0/16", "reservation");
  PrefixChanges change_vrf;
  VrfSpec v;
  v.id = other;
  change_vrf.vrf = v;
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.3.0.0/16"}}), change_vrf);
            }),
            std::make_pair(1200, std::string("Changing VRF is not allowed")));
  PrefixChanges retype;
  retype.type = std::optional<std::string>("assignment");
  EXPECT_EQ(edit(spec({{"prefix", "10.3.0.0/16"}}), retype).at(0).type, "assignment");
  retype.type = std::optional<std::string>("reservation");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.1.1.0/24"}}), retype);
            }).second,
            "Changing from type 'assignment' to 'reservation' requires there to be no child "
            "prefixes.");
  retype.type = std::optional<std::string>("assignment");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.1.1.1/32"}}), retype);
            }).second,
            "Parent prefix (10.1.1.0/24) is of type assignment but must be of type 'reservation'");
  // prefixd: an assignment may not leave its hosts behind.
  PrefixChanges away;
  away.prefix = std::optional<std::string>("10.1.9.0/24");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.1.1.0/24"}}), away);
            }).second,
            "Parent prefix (10.0.0.0/8) is of type reservation but must be of type 'assignment'");
  // ... but may move onto an existing prefix only as a duplicate error.
  away.prefix = std::optional<std::string>("10.3.0.0/16");
  EXPECT_EQ(fault_of([&] { edit(spec({{"prefix", "10.1.1.0/24"}}), away); }).first, 1400);
  // A host moves within its assignment; the result is in search shape.
  PrefixChanges host_move;
  host_move.prefix = std::optional<std::string>("10.1.1.4/32");
  const auto moved = edit(spec({{"prefix", "10.1.1.1/32"}}), host_move);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].display_prefix_cidr, "10.1.1.4/24");
  EXPECT_TRUE(moved[0].match);
  // errors.md §4.3: attr beats spec when both name the prefix.
  PrefixChanges both;
  both.prefix = std::optional<std::string>("10.4.0.2/31");
  add("10.4.0.0/31", "reservation");
  EXPECT_EQ(edit(spec({{"prefix", "10.4.0.0/31"}}), both).at(0).prefix, "10.4.0.2/31");
  EXPECT_EQ(fault_of([&] { edit({}, both); }).first, 1110);
  EXPECT_EQ(fault_of([&] { edit(spec({{"prefix", "10.4.0.2/31"}}), {}); }).first, 1100);
  EXPECT_TRUE(edit(spec({{"prefix", "11.0.0.0/8"}}), both).empty());
}

// model.md §9 (order, propagation on edit and removal, search by inherited tag).
TEST_F(PrefixStore, Model_9_InheritedTags) {
  PrefixChanges top = attr("10.0.0.0/8", "reservation");
  top.tags = std::optional<std::vector<std::string>>({"top"});
  add(top);
  PrefixChanges bottom = attr("10.1.1.0/24", "reservation");
  bottom.tags = std::optional<std::vector<std::string>>({"bottom"});
  add(bottom);
  PrefixChanges middle = attr("10.1.0.0/16", "reservation");
  middle.tags = std::optional<std::vector<std::string>>({"middle", "top"});
  add(middle);
  // Top-down, first occurrence kept (spec README decision 7).
  EXPECT_EQ(get("10.1.1.0/24").inherited_tags, (std::vector<std::string>{"top", "middle"}));
  PrefixChanges retag;
  retag.tags = std::optional<std::vector<std::string>>({"b"});
  edit(spec({{"prefix", "10.0.0.0/8"}}), retag);
  EXPECT_EQ(get("10.1.1.0/24").inherited_tags, (std::vector<std::string>{"b", "middle", "top"}));
  remove(spec({{"prefix", "10.1.0.0/16"}}));
  EXPECT_EQ(get("10.1.1.0/24").inherited_tags, (std::vector<std::string>{"b"}));
  EXPECT_EQ(get("10.1.1.0/24").indent, 1);
  // §9: searching by tag sees inherited ones.
  Query q = leaf("equals_any", "inherited_tags", std::string("B"));
  EXPECT_EQ(prefixes_of(search(q)), (std::vector<std::string>{"10.1.1.0/24"}));
}

// model.md §8.1, §11; errors.md §4.3 remove_prefix rows 3, 4, 6 and §5 (unknown id: 1300).
TEST_F(PrefixStore, Model_8_1_RemoveAndRecursiveRemove) {
  const int64_t other = add_vrf_named("65000:2", "other");
  add("10.0.0.0/8", "reservation");
  add("10.1.0.0/16", "reservation");
  add("10.1.1.0/24", "assignment");
  add("10.1.1.1/32", "host");
  add("10.1.1.2/32", "host");
  PrefixChanges in_other = attr("10.0.0.0/8", "reservation");
  VrfSpec v;
  v.id = other;
  in_other.vrf = v;
  add(in_other);
  EXPECT_EQ(fault_of([&] {
              remove(spec({{"prefix", "10.1.1.0/24"}}));
            }),
            std::make_pair(1200, std::string("Prohibited delete, prefix (10.1.1.0/24) contains "
                                             "hosts.")));
  EXPECT_EQ(fault_of([&] {
              remove(spec({{"type", "host"}}));
            }),
            std::make_pair(1110, std::string("missing prefix or id of prefix")));
  EXPECT_EQ(fault_of([&] { remove(spec({{"id", "99999999"}})); }).first, 1300);
  remove(spec({{"prefix", "11.0.0.0/8"}}));  // nothing matched: silent
  // A recursion restricted so that it would orphan hosts is refused.
  EXPECT_EQ(fault_of([&] {
              remove(spec({{"prefix", "10.1.0.0/16"}, {"description", "x"}}), true);
            }).first,
            0);  // matches nothing but hosts with that description: none
  PrefixChanges desc;
  desc.description = std::optional<std::string>("assign");
  edit(spec({{"prefix", "10.1.1.0/24"}}), desc);
  EXPECT_EQ(fault_of([&] {
              remove(spec({{"prefix", "10.1.0.0/16"}, {"description", "assign"}}), true);
            }).second,
            "Prohibited delete, prefix (10.1.1.0/24) contains hosts.");
  // Type restriction: hosts go, assignments stay (§8.1).
  remove(spec({{"prefix", "10.1.0.0/16"}, {"vrf_id", "0"}, {"type", "reservation"}}), true);
  EXPECT_EQ(prefixes_of(list(spec({{"vrf_id", "0"}}))),
            (std::vector<std::string>{"10.0.0.0/8", "10.1.1.0/24"}));
  EXPECT_EQ(get("10.1.1.0/24").used_addresses, "0");
  // Without a VRF the prefix is removed in every VRF.
  remove(spec({{"prefix", "10.0.0.0/8"}}));
  EXPECT_EQ(prefixes_of(list()), (std::vector<std::string>{"10.1.1.0/24"}));
  // One audit row per matched prefix, none for recursion descendants.
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log WHERE description LIKE 'Removed prefix%'"),
            "3");
}

// model.md §3.4, §8.3: VRF statistics after adds and a recursive remove.
TEST_F(PrefixStore, Model_3_4_VrfStatisticsFollowAddsAndRemoves) {
  add("10.0.0.0/8", "reservation");
  add("10.1.0.0/24", "assignment");
  add("10.1.0.1/32", "host");
  add("2001:db8::/32", "reservation");
  auto vrf0 = [&] {
    VrfSpec s;
    s.id = 0;
    return in_tx([&](pqxx::work& tx) { return list_vrfs(tx, s); }).at(0);
  };
  Vrf v = vrf0();
  EXPECT_EQ(v.num_prefixes_v4, "3");
  EXPECT_EQ(v.num_prefixes_v6, "1");
  EXPECT_EQ(v.total_addresses_v4, "16777216");
  EXPECT_EQ(v.used_addresses_v4, "256");
  remove(spec({{"prefix", "10.0.0.0/8"}}), true);
  v = vrf0();
  EXPECT_EQ(v.num_prefixes_v4, "0");
  EXPECT_EQ(v.total_addresses_v4, "0");
  EXPECT_EQ(v.num_prefixes_v6, "1");
}

// model.md §8.4 (race): writers in one VRF are serialised, so concurrent adds under
// one parent keep every derived value exact.
TEST_F(PrefixStore, Model_8_4_ConcurrentAddsUnderOneParent) {
  add("10.0.0.0/16", "reservation");
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      pqxx::connection conn("dbname=" + name_);
      declare_statements(conn, false);
      for (int i = 0; i < 16; ++i) {
        try {
          pqxx::work tx(conn);
          add_prefix(tx, actor(),
                     attr("10.0." + std::to_string(w * 16 + i) + ".0/24", "assignment"));
          tx.commit();
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  const Prefix parent = get("10.0.0.0/16");
  EXPECT_EQ(parent.used_addresses, "16384");
  EXPECT_EQ(search(leaf("=", "prefix", std::string("10.0.0.0/16"))).at(0).children, 64);
  EXPECT_EQ(scalar("SELECT num_prefixes_v4::text || '/' || used_addresses_v4::text FROM "
                   "ip_net_vrf WHERE id = 0"),
            "65/16384");
}

// model.md §11 (prefix rows, actor columns); errors.md §4.3 row 4 (unknown pool: 1100).
TEST_F(PrefixStore, Model_11_AuditRows) {
  in_tx([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO ip_net_pool (name, description, default_type) VALUES ('p', 'd', "
        "'assignment')");
  });
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.pool = std::optional(PoolSelector{{}, "p"});
  add(a);
  PrefixChanges none;
  none.pool = std::optional<PoolSelector>();
  edit(spec({{"prefix", "10.0.0.0/8"}}), none);
  remove(spec({{"prefix", "10.0.0.0/8"}}));
  EXPECT_EQ(scalar("SELECT string_agg(split_part(description, ' ', 1) || ' ' || "
                   "split_part(description, ' ', 2), ',' ORDER BY id) FROM ip_net_log"),
            "Added prefix,Pool p,Edited prefix,Removed prefix,Removed prefix");
  EXPECT_EQ(scalar("SELECT DISTINCT username || '/' || authoritative_source FROM ip_net_log"),
            "alice/nipap");
  PrefixChanges unknown = attr("11.0.0.0/8", "reservation");
  unknown.pool = std::optional(PoolSelector{{}, "nope"});
  EXPECT_EQ(add_fault(unknown), std::make_pair(1100, std::string("non-existing pool specified")));
}

// model.md §4.3; errors.md §4.3 row 23.
TEST_F(PrefixStore, Model_4_3_PoolMembersShareOneVrf) {
  const int64_t other = add_vrf_named("65000:3", "other");
  in_tx([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO ip_net_pool (name, description, default_type) VALUES ('p', 'd', "
        "'assignment')");
  });
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.pool = std::optional(PoolSelector{{}, "p"});
  VrfSpec v;
  v.id = other;
  a.vrf = v;
  EXPECT_EQ(add(a).pool_name, "p");
  PrefixChanges b = attr("11.0.0.0/8", "reservation");
  b.pool = std::optional(PoolSelector{{}, "p"});
  EXPECT_EQ(add_fault(b).second,
            "Change not allowed. All member prefixes of a pool must be in a the same VRF.");
}

// search.md §2.2, §3.2-§3.5 (prefix search options).
TEST_F(PrefixStore, Search_2_2_SearchOptions) {
  add("10.0.0.0/8", "reservation");
  add("10.1.0.0/16", "reservation");
  add("10.1.0.0/24", "assignment");
  for (const char* h : {"10.1.0.1/32", "10.1.0.2/32", "10.1.0.3/32"}) add(h, "host");
  add("10.1.1.0/24", "assignment");
  Query q = leaf("=", "prefix", std::string("10.1.0.2/32"));
  EXPECT_EQ(prefixes_of(search(q)), (std::vector<std::string>{"10.1.0.2/32"}));
  PrefixSearchOptions o;
  o.parents_depth = 1;
  auto rows = search(q, o);
  ASSERT_EQ(prefixes_of(rows), (std::vector<std::string>{"10.1.0.0/24", "10.1.0.2/32"}));
  EXPECT_FALSE(rows[0].match);
  EXPECT_EQ(rows[0].display, true);
  EXPECT_TRUE(rows[1].match);
  o = {};
  o.parents_depth = -1;
  EXPECT_EQ(search(q, o).size(), 4u);
  o = {};
  o.include_neighbors = true;
  EXPECT_EQ(prefixes_of(search(q, o)),
            (std::vector<std::string>{"10.1.0.1/32", "10.1.0.2/32", "10.1.0.3/32"}));
  Query top = leaf("=", "prefix", std::string("10.1.0.0/16"));
  o = {};
  o.children_depth = 1;
  EXPECT_EQ(prefixes_of(search(top, o)),
            (std::vector<std::string>{"10.1.0.0/16", "10.1.0.0/24", "10.1.1.0/24"}));
  o = {};
  o.include_all_children = true;
  EXPECT_EQ(search(top, o).size(), 6u);
  // Offset and limit count rows (§3.5).
  Query all = leaf("contained_within_equals", "prefix", std::string("10.0.0.0/8"));
  o = {};
  o.max_result = 2;
  o.offset = 1;
  EXPECT_EQ(prefixes_of(search(all, o)), (std::vector<std::string>{"10.1.0.0/16", "10.1.0.0/24"}));
  o = {};
  o.max_result = std::nullopt;
  EXPECT_EQ(search(all, o).size(), 7u);
  o.max_result = 0;  // the string "0" quirk: the match set is cut to offset entries
  EXPECT_TRUE(search(all, o).empty());
}

// search.md §3.3; errors.md §4.6 (parent_prefix not found: 1300).
TEST_F(PrefixStore, Search_3_3_ParentPrefixMode) {
  add("10.0.0.0/8", "reservation");
  const Prefix mid = add("10.1.0.0/16", "reservation");
  add("10.1.0.0/24", "assignment");
  add("10.1.0.1/32", "host");
  add("10.1.1.0/24", "assignment");
  PrefixSearchOptions o;
  o.parent_prefix = mid.id;
  Query nothing = leaf("=", "node", std::string("nothing-matches"));
  auto rows = search(nothing, o);
  ASSERT_EQ(prefixes_of(rows),
            (std::vector<std::string>{"10.1.0.0/16", "10.1.0.0/24", "10.1.1.0/24"}));
  for (const auto& r : rows) {
    EXPECT_FALSE(r.match);
    EXPECT_FALSE(r.display.has_value());
  }
  Query child = leaf("=", "prefix", std::string("10.1.1.0/24"));
  rows = search(child, o);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[2].match);
  EXPECT_EQ(rows[2].display, true);
  o.parent_prefix = 99999999;
  EXPECT_EQ(fault_of([&] { search(nothing, o); }),
            std::make_pair(1300, std::string("Parent prefix 99999999 can not be found")));
}

// search.md §1.3, §1.6; errors.md §4.6 rows 1-3.
TEST_F(PrefixStore, Search_1_6_MalformedQueries) {
  add("10.0.0.0/8", "reservation");
  EXPECT_EQ(fault_of([&] { search(Query{}); }),
            std::make_pair(1110, std::string("'val1' must be specified")));
  EXPECT_EQ(fault_of([&] { search(leaf("=", "pool_name", std::string("x"))); }),
            std::make_pair(1100, std::string("Search variable 'pool_name' unknown")));
  EXPECT_EQ(fault_of([&] { search(leaf("=", "vlan", std::string("100x"))); }),
            std::make_pair(1200, std::string("Invalid syntax for integer (100x)")));
  // vrf_id nil means the default VRF (search.md §1.3).
  EXPECT_EQ(search(leaf("equals", "vrf_id", std::monostate{})).size(), 1u);
  // Symbol regex forms do not match NULL; word forms do.
  EXPECT_TRUE(search(leaf("!~", "node", std::string("n"))).empty());
  EXPECT_EQ(search(leaf("regex_not_match", "node", std::string("n"))).size(), 1u);
}

// xmlrpc.md §6; errors.md §3 (Key not allowed in prefix spec), §4.3 list_prefix and edit_prefix
// rows 9-10.
TEST_F(PrefixStore, Xmlrpc_6_SpecKeys) {
  add("10.0.0.0/8", "reservation");
  EXPECT_EQ(fault_of([&] {
              list(spec({{"pool_name", "x"}}));
            }),
            std::make_pair(1120, std::string("Key 'pool_name' not allowed in prefix spec.")));
  EXPECT_EQ(fault_of([&] {
              list(spec({{"id", "1"}, {"prefix", "10.0.0.0/8"}}));
            }),
            std::make_pair(1120, std::string("If 'id' specified, no other keys are allowed.")));
  EXPECT_EQ(list(spec({{"prefix_length", "8"}})).size(), 1u);
  EXPECT_EQ(list(spec({{"vrf_id", std::nullopt}})).size(), 1u);  // nil vrf_id: VRF 0
  EXPECT_EQ(list(spec({{"vrf_name", "default"}})).size(), 1u);
  EXPECT_EQ(fault_of([&] {
              list(spec({{"prefix", "foo"}}));
            }),
            std::make_pair(1200, std::string("Invalid syntax for prefix (foo)")));
}

// model.md §2.3, errors.md §4.3 rows 15 and §4.3 edit row 6: an empty AVP
// name is refused on add and on edit, before anything is written.
TEST_F(PrefixStore, Model_2_3_EmptyAvpNameRefusedOnAddAndEdit) {
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.avps = Avps{{"", "x"}};
  EXPECT_EQ(add_fault(a), std::make_pair(1200, std::string("AVP with empty name is not allowed")));
  add("10.0.0.0/8", "reservation");
  PrefixChanges e;
  e.avps = Avps{{"ok", "1"}, {"", "2"}};
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.0.0.0/8"}}), e);
            }),
            std::make_pair(1200, std::string("AVP with empty name is not allowed")));
  EXPECT_TRUE(get("10.0.0.0/8").avps.empty());
}

// model.md §2.4: statistics are exact decimal text up to 2^128.
TEST_F(PrefixStore, Model_2_4_BigNumbersAsDecimalText) {
  EXPECT_EQ(add("2001:db8::/48", "reservation").total_addresses, "1208925819614629174706176");
  EXPECT_EQ(add("::/0", "reservation").total_addresses, "340282366920938463463374607431768211456");
  EXPECT_EQ(get("::/0").used_addresses, "1208925819614629174706176");
  EXPECT_EQ(scalar("SELECT total_addresses_v6 FROM ip_net_vrf WHERE id = 0"),
            "340282366920938463463374607431768211456");
}

// model.md §2.6: list_prefix orders by the VRF's rt text (default VRF
// first), search_prefix by the rt sort key of §3.5; within a VRF cidr order
// (IPv4 first, address, then length: a pre-order walk).
TEST_F(PrefixStore, Model_2_6_Ordering) {
  const int64_t nine = add_vrf_named("9:1", "nine");
  const int64_t ten = add_vrf_named("10:1", "ten");
  auto in = [](const std::string& prefix, const std::string& type, int64_t vrf) {
    PrefixChanges a = attr(prefix, type);
    VrfSpec v;
    v.id = vrf;
    a.vrf = v;
    return a;
  };
  add(in("10.0.0.0/8", "reservation", nine));
  add(in("10.0.0.0/8", "reservation", ten));
  add("2001:db8::/32", "reservation");
  add("1.3.3.0/32", "reservation");
  add("1.3.2.0/24", "assignment");
  add("1.3.2.1/32", "host");
  std::vector<std::string> listed;
  for (const Prefix& p : list()) listed.push_back(p.vrf_rt.value_or("-") + " " + p.prefix);
  EXPECT_EQ(listed,
            (std::vector<std::string>{"- 1.3.2.0/24", "- 1.3.2.1/32", "- 1.3.3.0/32",
                                      "- 2001:db8::/32", "10:1 10.0.0.0/8", "9:1 10.0.0.0/8"}));
  std::vector<std::string> searched;
  Query everything = leaf("contained_within_equals", "prefix", std::string("10.0.0.0/8"));
  for (const Prefix& p : search(everything)) searched.push_back(p.vrf_rt.value_or("-"));
  EXPECT_EQ(searched, (std::vector<std::string>{"9:1", "10:1"}));
}

// model.md §5.1: the VRF of a new prefix named by id, rt or name; a VRF
// that does not exist is 1300 (errors.md §4.3 row 7).
TEST_F(PrefixStore, Model_5_1_VrfAliasesAndUnknownVrf) {
  const int64_t v = add_vrf_named("65000:9", "Named");
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  VrfSpec by_rt;
  by_rt.rt = std::optional<std::string>("65000:9");
  a.vrf = by_rt;
  EXPECT_EQ(add(a).vrf_id, v);
  a = attr("11.0.0.0/8", "reservation");
  VrfSpec by_name;
  by_name.name = "Named";
  a.vrf = by_name;
  const Prefix p = add(a);
  EXPECT_EQ(p.vrf_id, v);
  EXPECT_EQ(p.vrf_name, "Named");
  VrfSpec wrong_case;
  wrong_case.name = "named";  // names compare case-sensitively (§1.5)
  VrfSpec no_such_id;
  no_such_id.id = 99999999;
  for (const VrfSpec& unknown : {wrong_case, no_such_id}) {
    a = attr("12.0.0.0/8", "reservation");
    a.vrf = unknown;
    EXPECT_EQ(add_fault(a), std::make_pair(1300, std::string("No matching VRF found.")));
  }
  // Passing the same VRF on edit is fine (§6.2).
  PrefixChanges same;
  same.vrf = by_rt;
  same.comment = std::optional<std::string>("c");
  EXPECT_EQ(edit(spec({{"prefix", "10.0.0.0/8"}}), same).at(0).comment, "c");
  EXPECT_EQ(list().size(), 2u);
}

// model.md §5.3 and errors.md §2.3 last row: an unknown alarm_priority,
// status or type is 1200 naming the value (upstream: 1000).
TEST_F(PrefixStore, Model_5_3_EnumerationValues) {
  for (const char* field : {"alarm_priority", "status", "type"}) {
    PrefixChanges a = attr("10.0.0.0/8", "reservation");
    const std::string name = field;
    if (name == "alarm_priority") a.alarm_priority = std::optional<std::string>("urgent");
    if (name == "status") a.status = std::optional<std::string>("urgent");
    if (name == "type") a.type = std::optional<std::string>("urgent");
    const auto f = add_fault(a);
    EXPECT_EQ(f.first, 1200) << field;
    EXPECT_NE(f.second.find("urgent"), std::string::npos) << f.second;
    EXPECT_NE(f.second.find(field), std::string::npos) << f.second;
  }
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.alarm_priority = std::optional<std::string>("critical");
  a.status = std::optional<std::string>("quarantine");
  const Prefix p = add(a);
  EXPECT_EQ(p.alarm_priority, "critical");
  EXPECT_EQ(p.status, "quarantine");
  EXPECT_EQ(list().size(), 1u);
}

// model.md §5.4 (prefixd fixes the upstream bug): country is validated and
// upper-cased on every edit that sets it, also from NULL; nil clears it.
// errors.md §2.3: a vlan out of the integer range is 1200.
TEST_F(PrefixStore, Model_5_4_CountryOnEditAndVlanRange) {
  add("10.0.0.0/24", "assignment");
  PrefixChanges c;
  c.country = std::optional<std::string>("se");
  EXPECT_EQ(edit(spec({{"prefix", "10.0.0.0/24"}}), c).at(0).country, "SE");
  c.country = std::optional<std::string>();
  EXPECT_FALSE(edit(spec({{"prefix", "10.0.0.0/24"}}), c).at(0).country.has_value());
  PrefixChanges v;
  v.vlan = std::optional<std::string>("99999999999");
  EXPECT_EQ(fault_of([&] { edit(spec({{"prefix", "10.0.0.0/24"}}), v); }).first, 1200);
  v.vlan = std::optional<std::string>("-7");  // no range check within the column (§5.4)
  EXPECT_EQ(edit(spec({{"prefix", "10.0.0.0/24"}}), v).at(0).vlan, -7);
}

// model.md §5.5: authoritative_source is the caller's on add and changes on
// edit only when attr carries it.
TEST_F(PrefixStore, Model_5_5_AuthoritativeSource) {
  add("10.0.0.0/8", "reservation");
  PrefixChanges d;
  d.description = std::optional<std::string>("x");
  EXPECT_EQ(edit(spec({{"prefix", "10.0.0.0/8"}}), d).at(0).authoritative_source, "nipap");
  d.authoritative_source = std::optional<std::string>("billing");
  EXPECT_EQ(edit(spec({{"prefix", "10.0.0.0/8"}}), d).at(0).authoritative_source, "billing");
}

// model.md §5.7, spec/README.md decision 7: an edit moves last_modified;
// a parent whose statistics change because a child was added does not.
TEST_F(PrefixStore, Model_5_7_LastModified) {
  add("10.0.0.0/8", "reservation");
  add("10.1.0.0/16", "reservation");
  in_tx([](pqxx::work& tx) {
    tx.exec("UPDATE ip_net_plan SET added = '2000-01-01', last_modified = '2000-01-01'");
  });
  add("10.1.1.0/24", "assignment");
  EXPECT_EQ(naive(get("10.1.0.0/16").last_modified), "20000101T00:00:00");
  EXPECT_EQ(get("10.1.0.0/16").used_addresses, "256");
  PrefixChanges d;
  d.description = std::optional<std::string>("edited");
  const Prefix edited = edit(spec({{"prefix", "10.0.0.0/8"}}), d).at(0);
  EXPECT_EQ(naive(edited.added), "20000101T00:00:00");
  EXPECT_GT(naive(edited.last_modified), "2020");
}

// model.md §6.2: reservation -> assignment with a non-host descendant gets
// the "must not have any subnets" message; a retype that breaks a §6.1 rule
// gets that rule's message.
TEST_F(PrefixStore, Model_6_2_TypeChangeMessages) {
  add("10.0.0.0/16", "reservation");
  add("10.0.1.0/24", "reservation");
  add("192.0.2.1/32", "reservation");
  PrefixChanges retype;
  retype.type = std::optional<std::string>("assignment");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.0.0.0/16"}}), retype);
            }).second,
            "Prefix of type 'assignment' must not have any subnets other than of type 'host'");
  retype.type = std::optional<std::string>("host");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "192.0.2.1/32"}}), retype);
            }).second,
            "Prefix of type host must have a parent (covering) prefix of type assignment");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.0.1.0/24"}}), retype);
            }).second,
            "Prefix of type host must have all bits set in netmask");
  EXPECT_EQ(get("10.0.0.0/16").type, "reservation");
}

// model.md §6.4 with nipaptest.py::TestPrefixChildren::test_children1.
TEST_F(PrefixStore, Model_6_4_ChildrenCounts) {
  add("192.168.0.0/16", "reservation");
  add("192.168.0.0/20", "reservation");
  add("192.168.32.0/20", "reservation");
  for (const char* p : {"192.168.0.0/24", "192.168.1.0/24", "192.168.2.0/24"}) {
    add(p, "reservation");
  }
  add("192.168.32.0/24", "reservation");
  auto children = [&](const std::string& p) { return get(p).children; };
  EXPECT_EQ(children("192.168.0.0/16"), 2);
  EXPECT_EQ(children("192.168.0.0/20"), 3);
  EXPECT_EQ(children("192.168.32.0/20"), 1);
  PrefixChanges move;
  move.prefix = std::optional<std::string>("192.0.2.0/24");
  edit(spec({{"prefix", "192.168.2.0/24"}}), move);
  EXPECT_EQ(children("192.168.0.0/20"), 2);
  move.prefix = std::optional<std::string>("192.168.0.0/21");
  edit(spec({{"prefix", "192.168.1.0/24"}}), move);
  EXPECT_EQ(children("192.168.0.0/20"), 1);
  EXPECT_EQ(children("192.168.0.0/21"), 1);
  remove(spec({{"prefix", "192.168.0.0/16"}}));
  EXPECT_EQ(children("192.168.0.0/20"), 1);
  EXPECT_EQ(children("192.168.32.0/20"), 1);
  // test_children7: an assignment with one host.
  add("10.0.0.0/24", "assignment");
  add("10.0.0.1/32", "host");
  EXPECT_EQ(children("10.0.0.0/24"), 1);
}

// model.md §7 with nipaptest.py::TestPrefixStatistics test_stats1, 5, 7, 8.
TEST_F(PrefixStore, Model_7_PerPrefixStatistics) {
  auto stats = [&](const std::string& p) {
    const Prefix x = get(p);
    return *x.total_addresses + "/" + *x.used_addresses + "/" + *x.free_addresses;
  };
  add("1.0.0.0/24", "reservation");
  EXPECT_EQ(stats("1.0.0.0/24"), "256/0/256");
  add("1.0.0.0/20", "reservation");
  EXPECT_EQ(stats("1.0.0.0/20"), "4096/256/3840");
  add("2.0.0.0/24", "assignment");
  add("2.0.0.1/32", "host");
  EXPECT_EQ(stats("2.0.0.0/24"), "256/1/255");
  EXPECT_EQ(stats("2.0.0.1/32"), "1/1/0");
  add("3.0.0.0/24", "reservation");
  add("3.0.0.0/32", "reservation");
  EXPECT_EQ(stats("3.0.0.0/24"), "256/1/255");
  add("3.0.0.2/31", "reservation");
  EXPECT_EQ(stats("3.0.0.0/24"), "256/3/253");
  PrefixChanges shrink;
  shrink.prefix = std::optional<std::string>("3.0.0.2/32");
  edit(spec({{"prefix", "3.0.0.2/31"}}), shrink);
  EXPECT_EQ(stats("3.0.0.0/24"), "256/2/254");
  add("4.0.0.0/22", "reservation");
  add("4.0.0.0/23", "reservation");
  add("4.0.0.0/24", "reservation");
  add("4.0.1.0/24", "reservation");
  PrefixChanges grow;
  grow.prefix = std::optional<std::string>("4.0.0.0/21");
  edit(spec({{"prefix", "4.0.0.0/23"}}), grow);
  EXPECT_EQ(stats("4.0.0.0/21"), "2048/1024/1024");
  grow.prefix = std::optional<std::string>("4.0.0.0/23");
  edit(spec({{"prefix", "4.0.0.0/21"}}), grow);
  EXPECT_EQ(stats("4.0.0.0/23"), "512/512/0");
}

// model.md §3.4 with nipaptest.py::TestVrfStatistics test_stats1 and 2.
TEST_F(PrefixStore, Model_3_4_VrfStatisticsExamples) {
  auto vrf0 = [&] {
    return scalar(
        "SELECT num_prefixes_v4 || '/' || total_addresses_v4 || '/' || used_addresses_v4 || '/' || "
        "free_addresses_v4 || ' ' || num_prefixes_v6 || '/' || used_addresses_v6 FROM ip_net_vrf "
        "WHERE id = 0");
  };
  add("1.0.0.0/24", "reservation");
  add("2.0.0.0/24", "reservation");
  EXPECT_EQ(vrf0(), "2/512/0/512 0/0");
  remove(spec({{"prefix", "1.0.0.0/24"}}));
  EXPECT_EQ(vrf0(), "1/256/0/256 0/0");
  remove(spec({{"prefix", "2.0.0.0/24"}}));
  add("1.0.0.0/24", "reservation");
  add("1.0.0.128/25", "assignment");
  add("2001:db8:1::/48", "reservation");
  add("2001:db8:1::/64", "assignment");
  EXPECT_EQ(vrf0(), "2/256/128/128 2/18446744073709551616");
}

// model.md §8.4 (upstream drift, prefixd must not reproduce): pool used_*
// stay exact when a prefix is inserted between a member and its child, when
// a middle prefix is removed, and when a subtree is removed recursively.
TEST_F(PrefixStore, Model_8_4_PoolStatisticsDoNotDrift) {
  in_tx([](pqxx::work& tx) {
    tx.exec("INSERT INTO ip_net_pool (name, ipv4_default_prefix_length) VALUES ('p', 24)");
  });
  auto pool = [&] {
    return scalar(
        "SELECT used_prefixes_v4 || '/' || used_addresses_v4 || '/' || "
        "free_addresses_v4 FROM ip_net_pool");
  };
  PrefixChanges member = attr("10.0.0.0/16", "reservation");
  member.pool = std::optional(PoolSelector{std::nullopt, "p"});
  add(member);
  add("10.0.0.0/26", "reservation");
  add("10.0.0.0/24", "reservation");  // (a) above the member's child
  EXPECT_EQ(pool(), "1/256/65280");
  remove(spec({{"prefix", "10.0.0.0/24"}}));  // (b) the middle goes, its child moves up
  EXPECT_EQ(pool(), "1/64/65472");
  add("10.0.0.0/28", "assignment");
  add("10.0.0.1/32", "host");
  add("10.0.1.0/24", "reservation");
  remove(spec({{"prefix", "10.0.0.0/26"}}), true);  // (c) a chain removed recursively
  EXPECT_EQ(pool(), "1/256/65280");
  remove(spec({{"prefix", "10.0.1.0/24"}}), true);
  EXPECT_EQ(pool(), "0/0/65536");
}

// model.md §11 and its upstream-bug note: pool rows are written only when
// membership really changes; a removed member gets its pool row.
TEST_F(PrefixStore, Model_11_PoolMembershipAuditRows) {
  in_tx([](pqxx::work& tx) { tx.exec("INSERT INTO ip_net_pool (name) VALUES ('p'), ('q')"); });
  PrefixChanges a = attr("10.0.0.0/8", "reservation");
  a.pool = std::optional(PoolSelector{std::nullopt, "p"});
  add(a);
  PrefixChanges d;
  d.description = std::optional<std::string>("only the description");
  edit(spec({{"prefix", "10.0.0.0/8"}}), d);
  PrefixChanges same;
  same.pool = std::optional(PoolSelector{std::nullopt, "p"});
  edit(spec({{"prefix", "10.0.0.0/8"}}), same);
  PrefixChanges move;
  move.pool = std::optional(PoolSelector{std::nullopt, "q"});
  edit(spec({{"prefix", "10.0.0.0/8"}}), move);
  remove(spec({{"prefix", "10.0.0.0/8"}}));
  EXPECT_EQ(
      scalar("SELECT string_agg(description || ' [' || coalesce(pool_name, '-') || ' ' || "
             "coalesce(vrf_id::text, '-') || ' ' || coalesce(prefix_prefix::text, '-') || "
             "']', E'\\n' ORDER BY id) FROM ip_net_log WHERE description NOT LIKE '% attr: %'"),
      "Pool p expanded with prefix 10.0.0.0/8 in VRF None [p 0 10.0.0.0/8]\n"
      "Expanded pool q with prefix 10.0.0.0/8 [q 0 10.0.0.0/8]\n"
      "Removed prefix 10.0.0.0/8 from pool p [p 0 10.0.0.0/8]\n"
      "Removed prefix 10.0.0.0/8 [- 0 10.0.0.0/8]\n"
      "Prefix 10.0.0.0/8 removed from pool q [q - 10.0.0.0/8]");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log WHERE description LIKE 'Edited prefix%'"), "3");
}

// errors.md §4.3 edit_prefix rows 3-4: an unknown pool (1100) or VRF (1300)
// named in attr is refused before anything changes.
TEST_F(PrefixStore, Errors_4_3_EditRefusesUnknownPoolAndVrf) {
  add("10.0.0.0/8", "reservation");
  PrefixChanges e;
  e.pool = std::optional(PoolSelector{std::nullopt, "nope"});
  e.description = std::optional<std::string>("changed");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.0.0.0/8"}}), e);
            }),
            std::make_pair(1100, std::string("non-existing pool specified")));
  e = PrefixChanges{};
  VrfSpec unknown;
  unknown.rt = std::optional<std::string>("99:99");
  e.vrf = unknown;
  e.description = std::optional<std::string>("changed");
  EXPECT_EQ(fault_of([&] {
              edit(spec({{"prefix", "10.0.0.0/8"}}), e);
            }),
            std::make_pair(1300, std::string("No matching VRF found.")));
  EXPECT_EQ(get("10.0.0.0/8").description, "d");
}

}  // namespace
}  // namespace prefixd
