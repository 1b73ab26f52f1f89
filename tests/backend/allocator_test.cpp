// SPDX-License-Identifier: MIT
// Allocation in the backend against a real PostgreSQL (spec/allocation.md
// §2-§7; the refusals of spec/errors.md §4.3 rows 9-13 and §4.4). The wire
// checks of allocation.md §1 and §5.2 (mode keys, count, family, argument
// types) belong to the API's decoder and are tested end to end
// (tests/e2e/test_find_free.py, test_prefix.py).
#include "backend/allocator.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "backend/errors.h"
#include "backend/pool_store.h"
#include "backend/prefix_operations.h"
#include "backend/prefix_store.h"
#include "backend/vrf_store.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using testing::fault_of;
using Strings = std::vector<std::string>;

AllocationArgs from_pool(const std::string& pool, int family,
                         std::optional<int64_t> length = std::nullopt) {
  AllocationArgs a;
  a.from_pool = PoolRef{std::nullopt, pool};
  a.family = family;
  a.prefix_length = length;
  return a;
}

AllocationArgs from_prefix(Strings prefixes, int64_t length, int count = 1) {
  AllocationArgs a;
  a.from_prefix = std::move(prefixes);
  a.prefix_length = length;
  a.count = count;
  return a;
}

class Allocator : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    clear_ipam_data();
  }

  int64_t vrf(const std::string& rt) {
    VrfChanges v;
    v.rt = std::optional<std::string>(rt);
    v.name = std::optional<std::string>("vrf " + rt);
    return in_tx([&](pqxx::work& tx) { return add_vrf(tx, actor(), v); }).id;
  }

  void pool(const std::string& name, std::optional<std::string> type, std::optional<int64_t> v4,
            std::optional<int64_t> v6) {
    PoolChanges p;
    p.name = std::optional<std::string>(name);
    p.description = std::optional<std::string>();
    p.default_type = std::optional<std::optional<std::string>>(std::move(type));
    p.ipv4_default_prefix_length = std::optional<std::optional<int64_t>>(v4);
    p.ipv6_default_prefix_length = std::optional<std::optional<int64_t>>(v6);
    in_tx([&](pqxx::work& tx) { add_pool(tx, actor(), p); });
  }

  Prefix add(const std::string& prefix, const std::string& type, int64_t vrf_id = 0,
             std::optional<std::string> pool_name = std::nullopt) {
    PrefixChanges a;
    a.prefix = std::optional<std::string>(prefix);
    a.type = std::optional<std::string>(type);
    a.description = std::optional<std::string>("d");
    VrfSpec v;
    v.id = vrf_id;
    a.vrf = v;
    if (pool_name) a.pool = std::optional(PoolSelector{std::nullopt, *pool_name});
    return in_tx([&](pqxx::work& tx) { return add_prefix(tx, actor(), a); });
  }

  Strings find(VrfChoice vrf, const AllocationArgs& args) {
    return in_tx([&](pqxx::work& tx) { return find_free_prefix(tx, vrf, args); });
  }

  // add_prefix in an allocating mode as the API runs it (allocation.md §1,
  // §7.3): the operation takes the VRF's lock, searches and inserts in one
  // transaction.
  static Prefix allocate_and_add(pqxx::connection& conn, VrfChoice vrf, const AllocationArgs& args,
                                 std::optional<std::string> type = std::nullopt) {
    ops::AddPrefix::Args call;
    call.attr.description = std::optional<std::string>("allocated");
    if (vrf) {
      VrfSpec named;
      named.id = *vrf;
      call.attr.vrf = named;
    }
    if (type) call.attr.type = std::optional<std::string>(*type);
    call.allocation = args;
    pqxx::work tx(conn);
    Prefix p = ops::AddPrefix::run(tx, actor(), call);
    tx.commit();
    return p;
  }
  Prefix allocate_and_add(VrfChoice vrf, const AllocationArgs& args,
                          std::optional<std::string> type = std::nullopt) {
    return allocate_and_add(*conn_, vrf, args, std::move(type));
  }
  std::pair<int, std::string> allocate_fault(VrfChoice vrf, const AllocationArgs& args) {
    return fault_of([&] { in_tx([&](pqxx::work& tx) { allocate(tx, vrf, args); }); });
  }
  std::pair<int, std::string> find_fault(VrfChoice vrf, const AllocationArgs& args) {
    return fault_of([&] { find(vrf, args); });
  }
};

// Each call plans its allocation once: add_prefix's allocating modes (which
// lock the VRF first) and find_free_prefix alike.
TEST_F(Allocator, PlanIsComputedOncePerCall) {
  pool("once", "assignment", 24, 48);
  add("10.9.0.0/16", "reservation", 0, "once");
  const uint64_t start = allocation_plans_computed();
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("once", 4)).prefix, "10.9.0.0/24");
  EXPECT_EQ(allocation_plans_computed() - start, 1u);
  EXPECT_EQ(allocate_and_add(VrfChoice(0), from_prefix({"10.9.0.0/16"}, 24), "assignment").prefix,
            "10.9.1.0/24");
  EXPECT_EQ(allocation_plans_computed() - start, 2u);
  EXPECT_EQ(find(std::nullopt, from_pool("once", 4)), Strings{"10.9.2.0/24"});
  EXPECT_EQ(allocation_plans_computed() - start, 3u);
  // A refusal found while planning is still one plan.
  EXPECT_EQ(allocate_fault(std::nullopt, from_prefix({"10.9.0.0/16"}, 33)).first, 1200);
  EXPECT_EQ(allocation_plans_computed() - start, 4u);
}

// allocation.md §3 and the typical setups of its table: the pool's implied
// VRF, its default type and length; the result is a child of the member,
// not a member (§3 step 7), and counts in used_prefixes.
TEST_F(Allocator, Allocation_3_FromPoolUsesImpliedVrfDefaultTypeAndLength) {
  const int64_t v = vrf("123:123");
  pool("res", "assignment", 24, 48);
  add("1.3.0.0/16", "reservation", v, "res");
  add("2001:db8::/32", "reservation", v, "res");
  const Prefix first = allocate_and_add(std::nullopt, from_pool("res", 4));
  EXPECT_EQ(first.prefix, "1.3.0.0/24");
  EXPECT_EQ(first.vrf_id, v);
  EXPECT_EQ(first.vrf_rt, "123:123");
  EXPECT_EQ(first.type, "assignment");
  EXPECT_EQ(first.indent, 1);
  EXPECT_FALSE(first.pool_id.has_value());
  EXPECT_EQ(first.status, "assigned");
  EXPECT_EQ(allocate_and_add(v, from_pool("res", 4)).prefix, "1.3.1.0/24");
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("res", 6)).prefix, "2001:db8::/48");
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("res", 6)).prefix, "2001:db8:1::/48");
  // prefix_length overrides the default.
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("res", 4, 23)).prefix, "1.3.2.0/23");
  EXPECT_EQ(scalar("SELECT used_prefixes_v4 || '/' || used_prefixes_v6 FROM ip_net_pool"), "3/2");

  // Hosts from an assignment: network and broadcast skipped (§5.4 rule 4).
  pool("hosts", "host", 32, 128);
  add("10.255.0.0/24", "assignment", 0, "hosts");
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("hosts", 4)).prefix, "10.255.0.1/32");
  const Prefix second = allocate_and_add(std::nullopt, from_pool("hosts", 4));
  EXPECT_EQ(second.prefix, "10.255.0.2/32");
  EXPECT_EQ(second.display_prefix, "10.255.0.2/24");
  // §3 step 3: a type in attr wins over the pool's default (here: refused
  // by the hierarchy, the pool's members being assignments).
  EXPECT_EQ(
      fault_of([&] { allocate_and_add(std::nullopt, from_pool("hosts", 4), "assignment"); }).second,
      "Parent prefix (10.255.0.0/24) is of type assignment but must be of type "
      "'reservation'");
}

// allocation.md §3 steps 0-6, errors.md §4.3 rows 9-13 and §4.4 rows 11,
// 12, 18: the refusals of from-pool mode, worded as add_prefix and as
// find_free_prefix word them.
TEST_F(Allocator, Allocation_3_FromPoolRefusals) {
  const int64_t v = vrf("65000:1");
  EXPECT_EQ(allocate_fault(std::nullopt, from_pool("nope", 4)),
            std::make_pair(1100, std::string("non-existing pool specified")));
  EXPECT_EQ(find_fault(std::nullopt, from_pool("nope", 4)),
            std::make_pair(1300, std::string("Non-existent pool specified")));
  pool("empty", "assignment", 24, 64);
  EXPECT_EQ(allocate_fault(std::nullopt, from_pool("empty", 4)),
            std::make_pair(1100, std::string("No prefixes in pool")));
  EXPECT_EQ(find_fault(std::nullopt, from_pool("empty", 4)).first, 1100);
  add("2001:db8::/32", "reservation", v, "empty");
  auto f = find_fault(std::nullopt, from_pool("empty", 4));
  EXPECT_EQ(f.first, 1100);
  EXPECT_NE(f.second.find("family 4"), std::string::npos) << f.second;
  EXPECT_EQ(allocate_fault(std::nullopt, from_pool("empty", 4)).first, 1100);
  // The VRF named must be the pool's implied VRF (§3 step 4, §5.1).
  for (VrfChoice other : {VrfChoice(0), VrfChoice(v + 1000)}) {
    EXPECT_EQ(allocate_fault(other, from_pool("empty", 6)),
              std::make_pair(1100, std::string("VRF must be the same as the pools implied VRF")));
    EXPECT_EQ(find_fault(other, from_pool("empty", 6)).first, 1100);
  }
  // §5.2 item 8 (prefixd): the wanted length is range-checked in from-pool mode too.
  for (int64_t bad : {-1, 129}) {
    f = allocate_fault(std::nullopt, from_pool("empty", 6, bad));
    EXPECT_EQ(f.first, 1200) << bad;
    EXPECT_NE(f.second.find("128"), std::string::npos) << f.second;
  }
  // §3 step 6: no default length and none given: nothing can be found.
  pool("nolength", "assignment", std::nullopt, std::nullopt);
  add("10.0.0.0/8", "reservation", 0, "nolength");
  EXPECT_EQ(allocate_fault(std::nullopt, from_pool("nolength", 4)),
            std::make_pair(1300, std::string("no free prefix found")));
  EXPECT_EQ(find(std::nullopt, from_pool("nolength", 4)), Strings{});
  // Nothing was stored by any of these.
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan"), "2");
}

// allocation.md §4 and its examples: the VRF named (or 0), search prefixes
// that need not exist, the length checked against their family.
TEST_F(Allocator, Allocation_4_FromPrefix) {
  add("1.3.3.0/24", "assignment");
  for (const char* want : {"1.3.3.1/32", "1.3.3.2/32", "1.3.3.3/32"}) {
    const Prefix host = allocate_and_add(std::nullopt, from_prefix({"1.3.3.0/24"}, 32), "host");
    EXPECT_EQ(host.prefix, want);
    EXPECT_EQ(host.display_prefix.substr(host.display_prefix.size() - 3), "/24");
  }
  EXPECT_EQ(allocate_and_add(VrfChoice(0), from_prefix({"1.3.3.0/24"}, 32), "host").prefix,
            "1.3.3.4/32");
  const int64_t v = vrf("123:4567");
  add("1.3.3.0/24", "assignment", v);
  const Prefix in_vrf = allocate_and_add(v, from_prefix({"1.3.3.0/24"}, 32), "host");
  EXPECT_EQ(in_vrf.prefix, "1.3.3.1/32");
  EXPECT_EQ(in_vrf.vrf_id, v);
  add("2001:db8::/64", "reservation");
  EXPECT_EQ(find(std::nullopt, from_prefix({"2001:db8::/48"}, 64)), Strings{"2001:db8:0:1::/64"});
  // §5.6: a search prefix with host bits is read as its network.
  EXPECT_EQ(find(std::nullopt, from_prefix({"12.0.0.5/24"}, 26, 2)),
            (Strings{"12.0.0.0/26", "12.0.0.64/26"}));
  // Refusals (errors.md §4.4 rows 13, 15, 17).
  EXPECT_EQ(find_fault(std::nullopt, from_prefix({"10.0.0.0/8", "2001:db8::/32"}, 24)),
            std::make_pair(1100, std::string("mixing of address-family is not allowed for "
                                             "'from-prefix' arg")));
  for (int64_t bad : {-1, 33}) {
    auto f = find_fault(std::nullopt, from_prefix({"10.0.0.0/8"}, bad));
    EXPECT_EQ(f.first, 1200) << bad;
    EXPECT_NE(f.second.find("32"), std::string::npos) << f.second;
  }
  EXPECT_EQ(find(std::nullopt, from_prefix({"2001:db8::/32"}, 128)).size(), 1u);
  EXPECT_EQ(find_fault(std::nullopt, from_prefix({"10.0.0.x/8"}, 24)).first, 1200);
  EXPECT_EQ(find_fault(std::nullopt, from_prefix({}, 24)).first, 1100);
  // allocate() with from-prefix: nothing free is 1300 (errors.md §4.3 row 13).
  EXPECT_EQ(allocate_fault(std::nullopt, from_prefix({"1.3.3.0/24"}, 8)),
            std::make_pair(1300, std::string("no free prefix found")));
}

// allocation.md §5.1 (spec/README.md decision 5): find_free_prefix from a
// pool judges freeness in the pool's implied VRF, not in VRF 0.
TEST_F(Allocator, Allocation_5_1_FindFreeFromPoolSearchesTheImpliedVrf) {
  const int64_t v = vrf("65000:2");
  pool("p", "assignment", 24, std::nullopt);
  add("10.0.0.0/16", "reservation", v, "p");
  add("10.0.0.0/24", "assignment", v);
  add("10.0.1.0/24", "assignment", 0);  // VRF 0 does not block VRF v
  AllocationArgs args = from_pool("p", 4);
  args.count = 2;
  EXPECT_EQ(find(std::nullopt, args), (Strings{"10.0.1.0/24", "10.0.2.0/24"}));
  EXPECT_EQ(find(v, args), (Strings{"10.0.1.0/24", "10.0.2.0/24"}));
  // §5.2: a count below 1 gives one result (allowed by the spec).
  args.count = 0;
  EXPECT_EQ(find(std::nullopt, args).size(), 1u);
}

// allocation.md §5.7: pool free_prefixes counts the network and broadcast
// blocks that find_free_prefix skips for hosts.
TEST_F(Allocator, Allocation_5_7_PoolFreePrefixesIncludeNetworkAndBroadcast) {
  pool("h", "host", 32, std::nullopt);
  add("10.9.0.0/24", "assignment", 0, "h");
  EXPECT_EQ(scalar("SELECT free_prefixes_v4 FROM ip_net_pool"), "256");
  AllocationArgs args = from_pool("h", 4);
  args.count = 1000;
  EXPECT_EQ(find(std::nullopt, args).size(), 254u);
}

// allocation.md §7.2 and errors.md §4.3 row 13: when the space is used up,
// the next allocation says so and stores nothing.
TEST_F(Allocator, Allocation_7_2_ExhaustedSpace) {
  pool("small", "assignment", 31, std::nullopt);
  add("10.0.0.0/30", "reservation", 0, "small");
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("small", 4)).prefix, "10.0.0.0/31");
  EXPECT_EQ(allocate_and_add(std::nullopt, from_pool("small", 4)).prefix, "10.0.0.2/31");
  EXPECT_EQ(fault_of([&] { allocate_and_add(std::nullopt, from_pool("small", 4)); }),
            std::make_pair(1300, std::string("no free prefix found")));
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan"), "3");
}

// allocation.md §7.2, model.md §13: concurrent allocations of mixed sizes
// from one pool all succeed, never overlap, and leave the derived values
// exact, as if run one after another.
TEST_F(Allocator, Allocation_7_2_ConcurrentAllocationsNeverOverlap) {
  const int64_t v = vrf("65000:3");
  pool("shared", "assignment", 26, std::nullopt);
  add("10.64.0.0/16", "reservation", v, "shared");
  constexpr int kWriters = 8;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::mutex failed_lock;
  std::vector<std::string> failed;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      pqxx::connection conn("dbname=" + name_);
      declare_statements(conn, false);
      for (int i = 0; i < kEach; ++i) {
        try {
          allocate_and_add(conn, std::nullopt, from_pool("shared", 4, 24 + (w + i) % 4));
        } catch (const std::exception& e) {
          ++failures;
          const std::lock_guard<std::mutex> hold(failed_lock);
          failed.emplace_back(e.what());
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& message : failed) ADD_FAILURE() << "an allocation failed: " << message;
  const int n = kWriters * kEach;
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan WHERE vrf_id = " + std::to_string(v)),
            std::to_string(n + 1));
  // No two allocations overlap; every one is a direct child of the member.
  EXPECT_EQ(scalar("SELECT count(*) FROM ip_net_plan a JOIN ip_net_plan b ON a.id < b.id AND "
                   "a.vrf_id = b.vrf_id AND iprange(a.prefix) && iprange(b.prefix) WHERE "
                   "masklen(a.prefix) > 16 AND masklen(b.prefix) > 16"),
            "0");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM ip_net_plan WHERE indent = 1 AND vrf_id = " + std::to_string(v)),
      std::to_string(n));
  // Derived values equal a recount (model.md §7, §3.4, §4.4).
  EXPECT_EQ(scalar("SELECT m.children || '/' || (m.used_addresses = (SELECT sum(total_addresses) "
                   "FROM ip_net_plan WHERE indent = 1 AND vrf_id = m.vrf_id)) FROM ip_net_plan m "
                   "WHERE masklen(m.prefix) = 16"),
            std::to_string(n) + "/true");
  EXPECT_EQ(scalar("SELECT (o.used_prefixes_v4 = " + std::to_string(n) +
                   ")::text || '/' || (v.num_prefixes_v4 = " + std::to_string(n + 1) +
                   ")::text || '/' || (v.used_addresses_v4 = o.used_addresses_v4)::text FROM "
                   "ip_net_pool o, ip_net_vrf v WHERE v.rt = '65000:3'"),
            "true/true/true");
}

}  // namespace
}  // namespace prefixd
