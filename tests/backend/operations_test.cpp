// SPDX-License-Identifier: MIT
// The operations layer (backend/operation.h) against a real PostgreSQL: an
// operation runs in the shape it chooses on the worker's session, or inside a
// transaction its caller holds, where several operations commit or roll back
// together; removals return what they removed.
#include "backend/operation.h"

#include "backend/asn_operations.h"
#include "backend/pool_operations.h"
#include "backend/prefix_operations.h"
#include "backend/vrf_operations.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;

class Operations : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
    session_ = std::make_unique<DbSession>("dbname=" + name_);
  }

  static VrfChanges vrf(const std::string& rt) {
    VrfChanges v;
    v.rt = std::optional<std::string>(rt);
    v.name = std::optional<std::string>("vrf " + rt);
    return v;
  }

  static ops::AddPrefix::Args prefix(const std::string& cidr, const std::string& type,
                                     std::optional<std::string> vrf_rt = std::nullopt) {
    ops::AddPrefix::Args a;
    a.attr.prefix = std::optional<std::string>(cidr);
    a.attr.type = std::optional<std::string>(type);
    a.attr.description = std::optional<std::string>("d");
    if (vrf_rt) {
      VrfSpec spec;
      spec.rt = std::optional<std::string>(*vrf_rt);
      a.attr.vrf = spec;
    }
    return a;
  }

  template <typename Op>
  typename Op::Result execute(const typename Op::Args& args) {
    return ops::execute<Op>(*session_, nullptr, actor(), args);
  }

  std::unique_ptr<DbSession> session_;
};

TEST_F(Operations, DeclareWhetherTheyWrite) {
  EXPECT_EQ(ops::AddPrefix::kEffect, ops::Effect::kWrite);
  EXPECT_EQ(ops::RemoveVrf::kEffect, ops::Effect::kWrite);
  EXPECT_EQ(ops::EditPool::kEffect, ops::Effect::kWrite);
  EXPECT_EQ(ops::SearchPrefix::kEffect, ops::Effect::kRead);
  EXPECT_EQ(ops::FindFreePrefix::kEffect, ops::Effect::kRead);
  EXPECT_EQ(ops::ListAsn::kEffect, ops::Effect::kRead);
}

TEST_F(Operations, ChooseTheirTransactionShape) {
  EXPECT_EQ(ops::ListVrf::shape(VrfSpec{}), ops::Shape::kStatement);
  EXPECT_EQ(ops::AddVrf::shape(VrfChanges{}), ops::Shape::kTransaction);
  ops::SearchPrefix::Args search{Query::leaf("equals", "prefix", std::string("10.0.0.0/8")), {}};
  EXPECT_EQ(ops::SearchPrefix::shape(search), ops::Shape::kStatement);
  search.options.parent_prefix = 1;
  EXPECT_EQ(ops::SearchPrefix::shape(search), ops::Shape::kTransaction);
}

TEST_F(Operations, RunOnTheSession) {
  const Vrf added = execute<ops::AddVrf>(vrf("65000:1"));
  EXPECT_EQ(added.rt, "65000:1");
  const auto listed = execute<ops::ListVrf>(VrfSpec{});
  ASSERT_EQ(listed.size(), 2u);  // the default VRF and the new one
  EXPECT_EQ(listed[1].id, added.id);
  execute<ops::AddPrefix>(prefix("10.0.0.0/8", "reservation", "65000:1"));
  const auto found = execute<ops::SearchPrefix>(
      {Query::leaf("equals", "vrf_rt", std::string("65000:1")), PrefixSearchOptions{}});
  ASSERT_EQ(found.rows.size(), 1u);
  EXPECT_EQ(found.rows[0].prefix, "10.0.0.0/8");
}

// Operations given a transaction commit together...
TEST_F(Operations, ShareATransactionTheCallerHolds) {
  ops::in_transaction(*session_, [&](ops::Transaction& t) {
    ops::execute<ops::AddVrf>(*session_, &t, actor(), vrf("65000:2"));
    // The second sees what the first did, before anything is committed.
    ops::execute<ops::AddPrefix>(*session_, &t, actor(),
                                 prefix("10.2.0.0/16", "reservation", "65000:2"));
  });
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_vrf WHERE rt = '65000:2'"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan WHERE prefix = '10.2.0.0/16'"), "1");
}

// ...and roll back together: nothing of a batch whose last call fails stays.
TEST_F(Operations, RollBackTogether) {
  const auto [code, message] = fault_of([&] {
    ops::in_transaction(*session_, [&](ops::Transaction& t) {
      ops::execute<ops::AddVrf>(*session_, &t, actor(), vrf("65000:3"));
      ops::execute<ops::AddPrefix>(*session_, &t, actor(),
                                   prefix("10.3.0.0/16", "reservation", "65000:3"));
      ops::execute<ops::AddPrefix>(*session_, &t, actor(),
                                   prefix("10.3.0.0/16", "reservation", "65000:3"));
    });
  });
  EXPECT_EQ(code, 1400) << message;
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_vrf WHERE rt = '65000:3'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_log"), "0");
}

// remove_* answer what they removed, as it was, in the removal's transaction.
TEST_F(Operations, RemovalsReturnWhatTheyRemoved) {
  const Vrf v = execute<ops::AddVrf>(vrf("65000:4"));
  const Prefix parent = execute<ops::AddPrefix>(prefix("10.4.0.0/16", "reservation", "65000:4"));
  execute<ops::AddPrefix>(prefix("10.4.1.0/24", "reservation", "65000:4"));
  PrefixSpec by_id;
  by_id.terms.push_back({"id", std::to_string(parent.id)});
  const auto removed = execute<ops::RemovePrefix>({by_id, true});
  ASSERT_EQ(removed.size(), 1u);  // the matched prefix; its child went with it
  EXPECT_EQ(removed[0].id, parent.id);
  EXPECT_EQ(removed[0].children, 1);  // as it was before the removal
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan"), "0");

  VrfSpec spec;
  spec.id = v.id;
  const auto vrfs = execute<ops::RemoveVrf>(spec);
  ASSERT_EQ(vrfs.size(), 1u);
  EXPECT_EQ(vrfs[0].rt, "65000:4");

  PoolChanges p;
  p.name = std::optional<std::string>("gone");
  p.description = std::optional<std::string>("d");
  p.default_type = std::optional<std::optional<std::string>>("assignment");
  const Pool pool = execute<ops::AddPool>(p);
  PoolSpec pool_spec;
  pool_spec.id = pool.id;
  const auto pools = execute<ops::RemovePool>(pool_spec);
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0].name, "gone");

  AsnChanges a;
  a.asn = 64512;
  execute<ops::AddAsn>(a);
  AsnSpec asn_spec;
  asn_spec.asn = 64512;
  const auto asns = execute<ops::RemoveAsn>(asn_spec);
  ASSERT_EQ(asns.size(), 1u);
  EXPECT_EQ(asns[0].asn, 64512);
  EXPECT_TRUE(execute<ops::RemoveAsn>(asn_spec).empty());
}

// One VRF resolver for every place a call names a VRF.
TEST_F(Operations, NamedVrfsAreResolvedAlike) {
  ops::AddPrefix::Args add = prefix("10.5.0.0/16", "reservation", "65000:5");
  EXPECT_EQ(fault_of([&] { execute<ops::AddPrefix>(add); }),
            std::make_pair(1300, std::string("No matching VRF found.")));
  ops::FindFreePrefix::Args find;
  VrfSpec missing;
  missing.name = "no such VRF";
  find.vrf = missing;
  find.args.from_prefix = std::vector<std::string>{"10.5.0.0/16"};
  find.args.prefix_length = 24;
  EXPECT_EQ(fault_of([&] { execute<ops::FindFreePrefix>(find); }),
            std::make_pair(1300, std::string("No matching VRF found.")));
}

}  // namespace
}  // namespace prefixd
