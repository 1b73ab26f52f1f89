// SPDX-License-Identifier: MIT
// VRFs in the backend against a real PostgreSQL (spec/model.md §3,
// spec/errors.md §4.1, spec/search.md §1–§2 for VRF searches).
#include "backend/vrf_store.h"

#include "backend/errors.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;

VrfChanges vrf_attr(std::string rt, std::string name) {
  VrfChanges a;
  a.rt = std::optional<std::string>(std::move(rt));
  a.name = std::optional<std::string>(std::move(name));
  return a;
}

class VrfStore : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
  }
};

// model.md §3.2: the accepted forms and their stored text.
TEST(RouteTarget, Model_3_2_Normalisation) {
  const std::pair<const char*, const char*> accepted[] = {
      {"123:456", "123:456"},
      {" 123:456", "123:456"},
      {"123.123.123.123:456", "123.123.123.123:456"},
      {" 0123: 0456", "123:456"},
      {"010.001.002.003:7", "10.1.2.3:7"},
      {"10.1.2.3/8:7", "10.1.2.3:7"},
      {"-5:7", "-5:7"},
      {"1.2.3.4:-7", "1.2.3.4:-7"},
      {"99999999999:7", "99999999999:7"},
  };
  for (const auto& [in, out] : accepted) EXPECT_EQ(normalize_rt(in), out) << in;
  for (const char* bad :
       {"foo", "123:foo", "foo:123", "123.456.789.123:123", "123.123.200. 1:123",
        " 123.456.789.123:123", "1:2:3", "", "1.2.3:7", "123:abc", "9223372036854775808:1"}) {
    auto f = fault_of([&] { normalize_rt(bad); });
    EXPECT_EQ(f.first, 1200) << bad;
    EXPECT_EQ(f.second.rfind("Invalid input for column rt", 0), 0u) << bad;
  }
}

// model.md §3.1, §2.2, §2.3, §11 (add_vrf row).
TEST_F(VrfStore, Model_3_1_AddReturnsEveryColumnWithZeroStatistics) {
  VrfChanges a = vrf_attr(" 0123: 0456", "Test");
  a.description = std::optional<std::string>("desc");
  a.tags = std::optional<std::vector<std::string>>({"b", "a", "b"});
  a.avps = Avps{{"k", "v"}, {"n", std::nullopt}};
  const Vrf v = in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), a); });
  EXPECT_GT(v.id, 0);
  EXPECT_EQ(v.rt, "123:456");
  EXPECT_EQ(v.name, "Test");
  EXPECT_EQ(v.description, "desc");
  EXPECT_EQ(v.tags, (std::vector<std::string>{"b", "a", "b"}));  // §2.2: kept as given
  EXPECT_EQ(v.avps, (Avps{{"k", "v"}, {"n", std::nullopt}}));
  for (const BigCount* c : {&v.num_prefixes_v4, &v.total_addresses_v6, &v.free_addresses_v4}) {
    EXPECT_EQ(*c, "0");
  }
  // §11: the audit row carries the actor.
  EXPECT_EQ(scalar("SELECT username || '/' || authenticated_as || '/' || full_name || '/' || "
                   "authoritative_source || '/' || vrf_rt FROM ip_net_log"),
            "alice/alice/Alice Example/nipap/123:456");
}

// errors.md §2.2 and §4.1 add_vrf row 8; model.md §1.5 (case-insensitive name).
TEST_F(VrfStore, Errors_4_1_DuplicatesNameTheIndexComment) {
  in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr("123:456", "vrf-a")); });
  auto f = fault_of(
      [&] { in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr("0123:456", "x")); }); });
  EXPECT_EQ(f, std::make_pair(1400, std::string("Duplicate value for 'VRF RT', the value "
                                                "'123:456' is already in use.")));
  f = fault_of(
      [&] { in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr("1:1", "VRF-A")); }); });
  EXPECT_EQ(f, std::make_pair(1400, std::string("Duplicate value for 'VRF name', the value "
                                                "'vrf-a' is already in use.")));
  // A failed call changes nothing, audit log included.
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_vrf"), "2");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log"), "1");
}

// errors.md §4.1 add_vrf rows 5-7, §2.4 (nil name: 1200); model.md §2.3.
TEST_F(VrfStore, Errors_4_1_AddRefusesNilRtNilNameEmptyAvpKey) {
  VrfChanges a = vrf_attr("1:1", "n");
  a.rt = std::optional<std::string>();
  EXPECT_EQ(fault_of([&] { in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), a); }); }).first, 1200);
  a = vrf_attr("1:1", "n");
  a.name = std::optional<std::string>();
  EXPECT_EQ(fault_of([&] { in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), a); }); }).first, 1200);
  a = vrf_attr("1:1", "n");
  a.avps = Avps{{"", "x"}};
  EXPECT_EQ(fault_of([&] { in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), a); }); }),
            std::make_pair(1200, std::string("AVP with empty name is not allowed")));
}

// model.md §3.5 and §1.5 (lookups by name are case-sensitive).
TEST_F(VrfStore, Model_3_5_ListOrderedByRtSortKeyDefaultFirst) {
  for (const char* rt : {"1.3.3.7:456", "1234:456", "199:456"}) {
    in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr(rt, std::string("v") + rt)); });
  }
  auto all = in_tx([](pqxx::work& tx) { return list_vrfs(tx, VrfSpec{}); });
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, 0);
  EXPECT_FALSE(all[0].rt.has_value());
  EXPECT_EQ(all[0].name, "default");
  EXPECT_EQ(all[1].rt, "199:456");
  EXPECT_EQ(all[2].rt, "1234:456");
  EXPECT_EQ(all[3].rt, "1.3.3.7:456");
  // §1.5: lookups by name are case-sensitive.
  VrfSpec by_name;
  by_name.name = "V199:456";
  EXPECT_TRUE(in_tx([&](pqxx::work& tx) { return list_vrfs(tx, by_name); }).empty());
  by_name.name = "v199:456";
  EXPECT_EQ(in_tx([&](pqxx::work& tx) { return list_vrfs(tx, by_name); }).size(), 1u);
}

// model.md §3.3, §11 (edit_vrf row); errors.md §4.1 edit_vrf rows 9, 10.
TEST_F(VrfStore, Model_3_3_EditReturnsEditedRowsAndLogsOldValues) {
  const Vrf v = in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf_attr("1:1", "a")); });
  VrfSpec spec;
  spec.id = v.id;
  VrfChanges change;
  change.description = std::optional<std::string>("new");
  change.rt = std::optional<std::string>("2:2");
  auto edited = in_tx([&](pqxx::work& tx) { return edit_vrfs(tx, actor(), spec, change); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0].rt, "2:2");
  EXPECT_EQ(edited[0].description, "new");
  EXPECT_EQ(scalar("SELECT vrf_rt FROM ip_net_log ORDER BY id DESC LIMIT 1"), "1:1");
  // Nothing matched: an empty list, no error.
  spec.id = 999999;
  EXPECT_TRUE(in_tx([&](pqxx::work& tx) { return edit_vrfs(tx, actor(), spec, change); }).empty());
  EXPECT_EQ(fault_of([&] {
              in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), VrfSpec{}, change); });
            }).first,
            1110);  // decision 9
  EXPECT_EQ(
      fault_of([&] { in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), spec, VrfChanges{}); }); }),
      std::make_pair(1100, std::string("'attr' must not be empty.")));
}

// model.md §3.2 rule 1, §1.6; errors.md §2.1 and §4.1 edit_vrf row 12.
TEST_F(VrfStore, Model_3_2_DefaultVrfKeepsNullRt) {
  VrfSpec spec;
  spec.id = 0;
  VrfChanges change;
  change.rt = std::optional<std::string>("1:1");
  EXPECT_EQ(
      fault_of([&] { in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), spec, change); }); }),
      std::make_pair(1200, std::string("Invalid input for column rt, must be NULL for VRF id 0")));
  change = VrfChanges{};
  change.description = std::optional<std::string>("still default");
  auto edited = in_tx([&](pqxx::work& tx) { return edit_vrfs(tx, actor(), spec, change); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_FALSE(edited[0].rt.has_value());
  // Restore for the other tests.
  change.description = std::optional<std::string>("The default VRF, typically the Internet.");
  in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), spec, change); });
}

// model.md §3.3 (upstream bugs fixed); errors.md §4.1 remove_vrf rows 3-4; README decision 9.
TEST_F(VrfStore, Model_3_3_RemoveRefusesDefaultAndEmptySpecBeforeTouchingAnything) {
  in_tx([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO ip_net_plan (vrf_id, prefix, type, description) "
        "VALUES (0, '10.0.0.0/8', 'reservation', 'keep me')");
  });
  VrfSpec zero;
  zero.id = 0;
  auto f = fault_of([&] { in_tx([&](pqxx::work& tx) { remove_vrfs(tx, actor(), zero); }); });
  EXPECT_EQ(f.first, 1200);
  EXPECT_EQ(
      fault_of([&] { in_tx([&](pqxx::work& tx) { remove_vrfs(tx, actor(), VrfSpec{}); }); }).first,
      1110);
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan"), "1");
}

// model.md §3.3, §8.2, §11 (remove_vrf row).
TEST_F(VrfStore, Model_3_3_RemoveDeletesTheVrfsPrefixes) {
  const Vrf v =
      in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf_attr("7:7", "gone")); });
  in_tx([&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO ip_net_plan (vrf_id, prefix, type, description) VALUES "
        "($1, '10.0.0.0/8', 'reservation', 'r'), ($1, '10.1.0.0/16', 'assignment', 'a')",
        v.id);
  });
  VrfSpec spec;
  spec.rt = "7:7";
  in_tx([&](pqxx::work& tx) { remove_vrfs(tx, actor(), spec); });
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan WHERE vrf_id = " + std::to_string(v.id)), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_vrf WHERE id = " + std::to_string(v.id)), "0");
  EXPECT_EQ(scalar("SELECT description FROM ip_net_log ORDER BY id DESC LIMIT 1"),
            "Removed vrf 7:7");
  // Removing what does not exist is a silent no-op.
  in_tx([&](pqxx::work& tx) { remove_vrfs(tx, actor(), spec); });
}

// search.md §1, §2.1 for VRFs; errors.md §4.6 (1100, 1130, 1200).
TEST_F(VrfStore, Search_1_OperatorsAndOptions) {
  for (int i = 1; i <= 5; ++i) {
    VrfChanges a = vrf_attr(std::to_string(i) + ":1", "vrf-" + std::to_string(i));
    a.tags = std::optional<std::vector<std::string>>({i % 2 ? "Odd" : "even"});
    in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), a); });
  }
  auto search = [&](Query q, SearchOptions o = {}) {
    return in_tx([&](pqxx::work& tx) { return search_vrfs(tx, q, o); });
  };
  EXPECT_EQ(search(Query{}).size(), 6u);  // {} matches everything
  EXPECT_EQ(search(Query::leaf("regex_match", "name", std::string("VRF-[12]"))).size(), 2u);
  EXPECT_EQ(search(Query::leaf("equals_any", "tags", std::string("odd"))).size(), 3u);
  EXPECT_EQ(search(Query::combine("or", Query::leaf("=", "rt", std::string("1:1")),
                                  Query::leaf("equals", "name", std::string("vrf-5"))))
                .size(),
            2u);
  EXPECT_EQ(search(Query::leaf(">", "id", std::string("0"))).size(), 5u);
  Query nil_eq = Query::leaf("equals", "rt", std::monostate{});
  auto r = search(nil_eq);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].id, 0);
  SearchOptions page;
  page.max_result = 2;
  page.offset = 1;
  r = search(Query{}, page);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].rt, "1:1");
  EXPECT_EQ(search(Query::leaf("=", "name", std::string("x' OR '1'='1"))).size(), 0u);
  // Malformed queries (search.md §1.6) and bad values (§1.3).
  EXPECT_EQ(fault_of([&] { search(Query::leaf("foo", "name", std::string("x"))); }),
            std::make_pair(1130, std::string("No such operator foo")));
  EXPECT_EQ(fault_of([&] { search(Query::leaf("=", "foo", std::string("x"))); }),
            std::make_pair(1100, std::string("Search variable 'foo' unknown")));
  EXPECT_EQ(fault_of([&] { search(Query::leaf("=", "id", std::string("abc"))); }),
            std::make_pair(1200, std::string("Invalid syntax for integer (abc)")));
}

// model.md §2.2: a nil tags list is stored as NULL; a VRF reads it back nil.
TEST_F(VrfStore, Model_2_2_NilTagsStayNil) {
  VrfChanges a = vrf_attr("1:2", "untagged");
  a.tags = std::optional<std::vector<std::string>>();
  const Vrf v = in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), a); });
  EXPECT_FALSE(v.tags.has_value());
  EXPECT_EQ(scalar("SELECT tags IS NULL FROM ip_net_vrf WHERE id = " + std::to_string(v.id)), "t");
}

// model.md §2.3, errors.md §4.1 edit_vrf row 4: an empty AVP name is
// refused on edit too, and nothing changes.
TEST_F(VrfStore, Model_2_3_EditRefusesEmptyAvpName) {
  const Vrf v = in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf_attr("1:3", "a")); });
  VrfSpec spec;
  spec.id = v.id;
  VrfChanges change;
  change.avps = Avps{{"", "x"}};
  change.description = std::optional<std::string>("not stored");
  EXPECT_EQ(fault_of([&] { in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), spec, change); }); }),
            std::make_pair(1200, std::string("AVP with empty name is not allowed")));
  EXPECT_FALSE(in_tx([&](pqxx::work& tx) { return list_vrfs(tx, spec); }).at(0).description);
}

// model.md §3.2: lookups by rt compare the given text with the stored one,
// without normalising it.
TEST_F(VrfStore, Model_3_2_LookupByRtIsNotNormalised) {
  in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr(" 0123:456", "n")); });
  VrfSpec spec;
  spec.rt = std::optional<std::string>("123:456");
  EXPECT_EQ(in_tx([&](pqxx::work& tx) { return list_vrfs(tx, spec); }).size(), 1u);
  spec.rt = std::optional<std::string>(" 0123:456");
  EXPECT_TRUE(in_tx([&](pqxx::work& tx) { return list_vrfs(tx, spec); }).empty());
}

// model.md §1.6: the default VRF's name, description, tags and avps are
// editable (test_xmlrpc.py::NipapXmlTest::test_vrf_edit_default).
TEST_F(VrfStore, Model_1_6_DefaultVrfIsEditable) {
  VrfSpec zero;
  zero.id = 0;
  VrfChanges change;
  change.name = std::optional<std::string>("renamed default");
  change.tags = std::optional<std::vector<std::string>>({"t"});
  change.avps = Avps{{"k", "v"}};
  const Vrf v = in_tx([&](pqxx::work& tx) { return edit_vrfs(tx, actor(), zero, change); }).at(0);
  EXPECT_EQ(v.name, "renamed default");
  EXPECT_EQ(v.tags, (std::vector<std::string>{"t"}));
  EXPECT_EQ(v.avps, (Avps{{"k", "v"}}));
  EXPECT_FALSE(v.rt.has_value());
  change.name = std::optional<std::string>("default");
  change.tags = std::optional<std::vector<std::string>>(std::vector<std::string>{});
  change.avps = Avps{};
  in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), zero, change); });
}

// model.md §3.3, §11: remove_vrf writes one row for the VRF, none for the
// prefixes removed with it. (NIPAP also logs a prefix exactly equal to
// 0.0.0.0/0 or ::/0, an artefact of its implementation; the log is not
// readable through the API.)
TEST_F(VrfStore, Model_11_RemoveVrfLogsTheVrfOnly) {
  const Vrf v =
      in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf_attr("5:5", "gone")); });
  in_tx([&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES ($1, '10.0.0.0/8', "
        "'reservation'), ($1, '10.0.0.0/24', 'assignment'), ($1, '10.0.0.1/32', 'host')",
        v.id);
  });
  VrfSpec spec;
  spec.id = v.id;
  in_tx([&](pqxx::work& tx) { remove_vrfs(tx, actor(), spec); });
  EXPECT_EQ(scalar("SELECT string_agg(description, '|' ORDER BY id) FROM ip_net_log"),
            "Added VRF 5:5 with attr: {'rt': '5:5', 'name': 'gone'}|Removed vrf 5:5");
  EXPECT_EQ(scalar("SELECT num_prefixes_v4 FROM ip_net_vrf WHERE id = 0"), "0");
}

// errors.md §4.1 edit_vrf rows 11, 13, 14: an invalid rt, a nil name and a
// duplicate rt or name are refused on edit, and nothing changes.
TEST_F(VrfStore, Errors_4_1_EditRefusals) {
  in_tx([&](pqxx::work& tx) { add_vrf(tx, actor(), vrf_attr("1:1", "one")); });
  const Vrf two =
      in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), vrf_attr("2:2", "two")); });
  VrfSpec spec;
  spec.id = two.id;
  auto edit_fault = [&](const VrfChanges& change) {
    return fault_of([&] { in_tx([&](pqxx::work& tx) { edit_vrfs(tx, actor(), spec, change); }); });
  };
  VrfChanges change;
  change.rt = std::optional<std::string>("foo");
  auto f = edit_fault(change);
  EXPECT_EQ(f.first, 1200);
  EXPECT_EQ(f.second.rfind("Invalid input for column rt", 0), 0u) << f.second;
  change.rt = std::optional<std::string>();
  EXPECT_EQ(edit_fault(change).first, 1200);  // nil rt on a VRF other than 0
  change = VrfChanges{};
  change.name = std::optional<std::string>();
  EXPECT_EQ(edit_fault(change), std::make_pair(1200, std::string("'name' must not be nil")));
  change.name = std::optional<std::string>("ONE");
  EXPECT_EQ(edit_fault(change), std::make_pair(1400, std::string("Duplicate value for 'VRF name', "
                                                                 "the value 'one' is already in "
                                                                 "use.")));
  change = VrfChanges{};
  change.rt = std::optional<std::string>("01:1");
  EXPECT_EQ(edit_fault(change).first, 1400);
  const Vrf after = in_tx([&](pqxx::work& tx) { return list_vrfs(tx, spec); }).at(0);
  EXPECT_EQ(after.rt, "2:2");
  EXPECT_EQ(after.name, "two");
}

}  // namespace
}  // namespace prefixd
