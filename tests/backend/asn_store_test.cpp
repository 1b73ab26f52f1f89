// SPDX-License-Identifier: MIT
// ASNs and tags in the backend against a real PostgreSQL (spec/model.md §10,
// §11; spec/errors.md §4.5, §2.2; spec/search.md §1–§2; spec/xmlrpc.md §5.6).
#include "backend/asn_store.h"

#include <functional>
#include <set>

#include "backend/errors.h"
#include "backend/tag_store.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;

AsnChanges asn_attr(int64_t asn, std::optional<std::string> name = std::nullopt) {
  AsnChanges a;
  a.asn = asn;
  a.name = std::move(name);
  return a;
}

AsnSpec by_asn(int64_t asn) {
  AsnSpec s;
  s.asn = asn;
  return s;
}

AsnSpec by_name(std::string name) {
  AsnSpec s;
  s.name = std::move(name);
  return s;
}

std::vector<int64_t> numbers(const std::vector<Asn>& asns) {
  std::vector<int64_t> out;
  for (const Asn& a : asns) out.push_back(a.asn);
  return out;
}

class AsnStore : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    in_tx([](pqxx::work& tx) {
      tx.exec("DELETE FROM ip_net_asn");
      tx.exec("DELETE FROM ip_net_log");
    });
  }

  Asn add(int64_t asn, std::optional<std::string> name = std::nullopt) {
    return in_tx([&](pqxx::work& tx) { return add_asn(tx, actor(), asn_attr(asn, name)); });
  }
  std::vector<Asn> list(const AsnSpec& spec = {}) {
    return in_tx([&](pqxx::work& tx) { return list_asns(tx, spec); });
  }
  std::vector<Asn> search(Query q, SearchOptions o = {}) {
    return in_tx([&](pqxx::work& tx) { return search_asns(tx, q, o); });
  }
};

// model.md §10: the result is exactly {asn, name}; name may be nil.
TEST_F(AsnStore, Model_10_AddReturnsAsnAndName) {
  const Asn a = add(64512, "Private one");
  EXPECT_EQ(a.asn, 64512);
  EXPECT_EQ(a.name, "Private one");
  const Asn b = add(64513);
  EXPECT_EQ(b.asn, 64513);
  EXPECT_EQ(b.name, std::nullopt);
  // The column's whole range, negative numbers included (asn.jsonl seq 6-8).
  EXPECT_EQ(add(2147483647, "max").asn, 2147483647);
  EXPECT_EQ(add(-2147483648LL).asn, -2147483648LL);
  EXPECT_EQ(add(0, "").name, "");
}

// model.md §10: 4-byte ASNs above the column's range are a value error naming the
// value, not the upstream 1000 data error; nothing is stored.
TEST_F(AsnStore, Model_10_OutOfRangeIs1200NamingTheValue) {
  for (int64_t bad : {int64_t{4200000000}, int64_t{2147483648}, int64_t{-2147483649}}) {
    auto [code, text] = fault_of([&] { add(bad); });
    EXPECT_EQ(code, 1200) << bad;
    EXPECT_NE(text.find(std::to_string(bad)), std::string::npos) << text;
    EXPECT_NE(text.find("'asn'"), std::string::npos) << text;
  }
  EXPECT_TRUE(list().empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log"), "0");
}

// errors.md §4.5 row 7 and §2.2: the duplicate opens with the pinned text and
// names the value; the failed call writes nothing.
TEST_F(AsnStore, Errors_4_5_DuplicateIs1400) {
  add(64512, "first");
  auto [code, text] = fault_of([&] { add(64512, "again"); });
  EXPECT_EQ(code, 1400);
  EXPECT_EQ(text.rfind("Duplicate value for", 0), 0u) << text;
  EXPECT_NE(text.find("'64512'"), std::string::npos) << text;
  EXPECT_EQ(list(by_asn(64512)).at(0).name, "first");
}

// errors.md §4.5: the store itself refuses a missing asn.
TEST_F(AsnStore, Errors_4_5_AddWithoutAsnIs1110) {
  AsnChanges a;
  a.name = std::optional<std::string>("x");
  EXPECT_EQ(fault_of([&] { in_tx([&](pqxx::work& tx) { add_asn(tx, actor(), a); }); }),
            std::make_pair(1110, std::string("missing attribute asn")));
}

// model.md §10: lists are ordered by asn; the spec selects by exact asn or name
// (case-sensitive, asn.jsonl seq 33); nothing matched is an empty list.
TEST_F(AsnStore, Model_10_ListOrderedByAsnAndSelectedBySpec) {
  for (int64_t n : {65001, -5, 3301, 1}) add(n, "as" + std::to_string(n));
  EXPECT_EQ(numbers(list()), (std::vector<int64_t>{-5, 1, 3301, 65001}));
  EXPECT_EQ(numbers(list(by_asn(3301))), (std::vector<int64_t>{3301}));
  EXPECT_EQ(numbers(list(by_name("as1"))), (std::vector<int64_t>{1}));
  EXPECT_TRUE(list(by_name("AS1")).empty());
  EXPECT_TRUE(list(by_asn(1234)).empty());
  // A selector outside the column's range matches nothing (no SQL error).
  EXPECT_TRUE(list(by_asn(int64_t{1} << 40)).empty());
  EXPECT_TRUE(list(by_name("x' OR '1'='1")).empty());
}

// model.md §11 and errors.md §4.5: edit sets name only, returns the edited rows and
// logs one row per matched ASN; refusals come before any change.
TEST_F(AsnStore, Model_11_EditReturnsEditedRowsAndLogsEach) {
  add(1, "Level one");
  add(2, "two");
  AsnChanges rename;
  rename.name = std::optional<std::string>("Level 1");
  auto edited =
      in_tx([&](pqxx::work& tx) { return edit_asns(tx, actor(), by_name("Level one"), rename); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0].asn, 1);
  EXPECT_EQ(edited[0].name, "Level 1");
  const std::string edits = "FROM ip_net_log WHERE description LIKE 'Edited%'";
  EXPECT_EQ(scalar("SELECT string_agg(description, '|') " + edits),
            "Edited ASN 1 attr: {'name': 'Level 1'}");
  EXPECT_EQ(scalar("SELECT username || '/' || authenticated_as || '/' || full_name || '/' || "
                   "authoritative_source || '/' || coalesce(vrf_id::text, 'null') " +
                   edits),
            "alice/alice/Alice Example/nipap/null");
  AsnChanges clear;
  clear.name = std::optional<std::string>();
  edited = in_tx([&](pqxx::work& tx) { return edit_asns(tx, actor(), by_asn(2), clear); });
  ASSERT_EQ(edited.size(), 1u);
  EXPECT_EQ(edited[0].name, std::nullopt);
  // Nothing matched: an empty list and no audit row.
  edited = in_tx([&](pqxx::work& tx) { return edit_asns(tx, actor(), by_asn(1234), rename); });
  EXPECT_TRUE(edited.empty());
  EXPECT_EQ(scalar("SELECT count(*) " + edits), "2");
}

// errors.md §4.5: asn is not editable; an empty attr is 1100 and an empty
// spec 1110 (upstream: SQL errors, 1000).
TEST_F(AsnStore, Errors_4_5_EditRefusals) {
  add(64512, "x");
  auto edit = [&](const AsnSpec& spec, const AsnChanges& attr) {
    return fault_of([&] { in_tx([&](pqxx::work& tx) { edit_asns(tx, actor(), spec, attr); }); });
  };
  AsnChanges name;
  name.name = std::optional<std::string>("y");
  EXPECT_EQ(edit(by_asn(64512), asn_attr(64599)),
            std::make_pair(1120, std::string("extraneous attribute asn")));
  EXPECT_EQ(edit(by_asn(64512), AsnChanges{}).first, 1100);
  EXPECT_EQ(edit(AsnSpec{}, name).first, 1110);
  EXPECT_EQ(list(by_asn(64512)).at(0).name, "x");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log"), "1");  // the add only
}

// model.md §10, §11: remove deletes the matched rows with one audit row each; no
// match is a silent no-op; an empty spec is refused (errors.md §4.5).
TEST_F(AsnStore, Model_10_RemoveDeletesMatchedAndLogs) {
  add(1, "one");
  add(2, "two");
  add(3, "three");
  in_tx([&](pqxx::work& tx) { remove_asns(tx, actor(), by_asn(2)); });
  in_tx([&](pqxx::work& tx) { remove_asns(tx, actor(), by_name("three")); });
  in_tx([&](pqxx::work& tx) { remove_asns(tx, actor(), by_asn(1234)); });
  EXPECT_EQ(numbers(list()), (std::vector<int64_t>{1}));
  EXPECT_EQ(scalar("SELECT string_agg(description, '|' ORDER BY id) FROM ip_net_log "
                   "WHERE description LIKE 'Removed%'"),
            "Removed ASN 2|Removed ASN 3");
  auto f = fault_of([&] { in_tx([&](pqxx::work& tx) { remove_asns(tx, actor(), AsnSpec{}); }); });
  EXPECT_EQ(f.first, 1110);
  EXPECT_EQ(numbers(list()), (std::vector<int64_t>{1}));
}

// model.md §11: add logs "Added ASN <asn> with attr: <attr>" without object columns.
TEST_F(AsnStore, Model_11_AddWritesAuditRow) {
  add(64512, "Private one");
  EXPECT_EQ(scalar("SELECT description FROM ip_net_log"),
            "Added ASN 64512 with attr: {'asn': 64512, 'name': 'Private one'}");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log WHERE vrf_id IS NULL AND prefix_id IS NULL "
                   "AND pool_id IS NULL"),
            "1");
}

// search.md §1: operators on asn and name, NULL rewriting, combining nodes,
// and the faults of malformed queries.
TEST_F(AsnStore, Search_1_OperatorsAndNullRewrite) {
  add(-5, "negative");
  add(1, "Level 1");
  add(3301, "Autonomous System One");
  add(64512, "7");
  add(64513);
  add(65000, "");
  EXPECT_EQ(search(Query{}).size(), 6u);
  EXPECT_EQ(numbers(search(Query::leaf("equals", "asn", int64_t{64512}))),
            (std::vector<int64_t>{64512}));
  EXPECT_EQ(numbers(search(Query::leaf("=", "asn", std::string("64512")))),
            (std::vector<int64_t>{64512}));
  EXPECT_EQ(numbers(search(Query::leaf("less", "asn", int64_t{64512}))),
            (std::vector<int64_t>{-5, 1, 3301}));
  EXPECT_EQ(numbers(search(Query::leaf(">=", "asn", int64_t{65000}))),
            (std::vector<int64_t>{65000}));
  EXPECT_EQ(numbers(search(Query::leaf("regex_match", "name", std::string("auto")))),
            (std::vector<int64_t>{3301}));
  EXPECT_TRUE(search(Query::leaf("~", "name", std::string("auto"))).empty());
  // A NULL name matches no regex, not even a negated one (asn.jsonl seq 75).
  EXPECT_EQ(numbers(search(Query::leaf("regex_not_match", "name", std::string("e")))),
            (std::vector<int64_t>{64512, 65000}));
  EXPECT_EQ(numbers(search(Query::leaf("like", "name", std::string("Level%")))),
            (std::vector<int64_t>{1}));
  // §1.3 rule 2: equals/not_equals with nil become is/is_not, in place.
  Query nil_eq = Query::leaf("equals", "name", std::monostate{});
  EXPECT_EQ(numbers(in_tx([&](pqxx::work& tx) { return search_asns(tx, nil_eq, {}); })),
            (std::vector<int64_t>{64513}));
  EXPECT_EQ(nil_eq.op, "is");
  EXPECT_EQ(search(Query::leaf("not_equals", "name", std::monostate{})).size(), 5u);
  EXPECT_TRUE(search(Query::leaf("=", "name", std::monostate{})).empty());  // not rewritten
  EXPECT_EQ(numbers(search(Query::combine("or", Query::leaf("=", "asn", int64_t{1}),
                                          Query::leaf("=", "asn", int64_t{3301})))),
            (std::vector<int64_t>{1, 3301}));
  // §1.5, §1.6, §1.3: unknown attribute 1100, unknown operator 1130, a value
  // that is no integer 1200.
  EXPECT_EQ(fault_of([&] { search(Query::leaf("equals", "id", int64_t{1})); }),
            std::make_pair(1100, std::string("Search variable 'id' unknown")));
  EXPECT_EQ(fault_of([&] { search(Query::leaf("foo", "asn", int64_t{1})); }),
            std::make_pair(1130, std::string("No such operator foo")));
  EXPECT_EQ(fault_of([&] { search(Query::leaf("equals", "asn", std::string("abc"))); }),
            std::make_pair(1200, std::string("Invalid syntax for integer (abc)")));
  // Check order (search.md §1.6): the attribute before the operator.
  EXPECT_EQ(fault_of([&] { search(Query::leaf("foo", "bar", int64_t{1})); }).first, 1100);
  EXPECT_EQ(search(Query::leaf("=", "name", std::string("x' OR '1'='1"))).size(), 0u);
}

// search.md §2.1: max_result limits and offset skips (NIPAP ignores offset
// for ASNs; prefixd applies it, as the spec recommends).
TEST_F(AsnStore, Search_2_1_MaxResultAndOffset) {
  for (int64_t n = 1; n <= 5; ++n) add(n);
  SearchOptions o;
  o.max_result = 2;
  EXPECT_EQ(numbers(search(Query{}, o)), (std::vector<int64_t>{1, 2}));
  o.offset = 2;
  EXPECT_EQ(numbers(search(Query{}, o)), (std::vector<int64_t>{3, 4}));
  o.max_result = 0;
  EXPECT_TRUE(search(Query{}, o).empty());
}

class TagStore : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    in_tx([](pqxx::work& tx) {
      tx.exec("DELETE FROM ip_net_plan WHERE masklen(prefix) = 24");
      tx.exec("DELETE FROM ip_net_plan");
      tx.exec(
          "INSERT INTO ip_net_plan (prefix, type, tags) VALUES "
          "('10.0.0.0/8', 'reservation', '{core,backbone}'), "
          "('10.1.0.0/24', 'assignment', '{core,customer}'), "
          "('192.0.2.0/24', 'assignment', NULL), "
          "('2001:db8::/32', 'reservation', '{v6,Backbone}')");
      // Tags of VRFs and pools are not prefix tags.
      tx.exec("UPDATE ip_net_vrf SET tags = '{vrf-only}' WHERE id = 0");
    });
  }
  std::vector<std::string> names(Query q, SearchOptions o = {}) {
    std::vector<std::string> out;
    for (const Tag& t : in_tx([&](pqxx::work& tx) { return search_tags(tx, q, o); })) {
      out.push_back(t.name);
    }
    return out;
  }
};

// xmlrpc.md §5.6: distinct tags used on prefixes, ordered by name.
TEST_F(TagStore, Xmlrpc_5_6_DistinctPrefixTagsOrderedByName) {
  const auto all = names(Query{});
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()),
            (std::set<std::string>{"Backbone", "backbone", "core", "customer", "v6"}));
  // In the database's collation.
  std::string joined;
  for (const auto& t : all) joined += (joined.empty() ? "" : ",") + t;
  EXPECT_EQ(joined, scalar("SELECT string_agg(t, ',' ORDER BY t) FROM (SELECT DISTINCT "
                           "unnest(tags) AS t FROM ip_net_plan) AS x"));
  EXPECT_EQ(names(Query::leaf("equals", "name", std::string("core"))),
            (std::vector<std::string>{"core"}));
  EXPECT_EQ(names(Query::leaf("regex_match", "name", std::string("^BACK"))).size(), 2u);
}

// search.md §1.5, §2.1: `name` is the only attribute; max_result and offset
// both apply.
TEST_F(TagStore, Search_2_1_TagOptionsAndAttribute) {
  const auto all = names(Query{});
  SearchOptions o;
  o.max_result = 2;
  o.offset = 1;
  EXPECT_EQ(names(Query{}, o), (std::vector<std::string>{all[1], all[2]}));
  EXPECT_EQ(fault_of([&] { names(Query::leaf("=", "tags", std::string("x"))); }),
            std::make_pair(1100, std::string("Search variable 'tags' unknown")));
}

}  // namespace
}  // namespace prefixd
