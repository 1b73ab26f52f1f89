// SPDX-License-Identifier: MIT
// Free-space search (spec/allocation.md §5.4–§5.6) against a real database,
// with the examples of §5.4's table.
#include "backend/free_space.h"

#include "backend/errors.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using Strings = std::vector<std::string>;

class FreeSpace : public testing::DatabaseTest {
 protected:
  static void SetUpTestSuite() {
    DatabaseTest::SetUpTestSuite();
    if (!conn_) return;
    pqxx::work tx(*conn_);
    tx.exec("DELETE FROM ip_net_plan");
    // The fixture of allocation.md §5.4.
    tx.exec(
        "INSERT INTO ip_net_plan (vrf_id, prefix, type, description) VALUES "
        "(0, '10.0.0.0/24', 'assignment', 'a'), (0, '10.0.0.2/32', 'host', 'h'), "
        "(0, '10.1.0.0/16', 'reservation', 'r'), (0, '10.1.0.0/20', 'reservation', 'r'), "
        "(0, '10.1.16.5/32', 'reservation', 'r'), (0, '2001:db8::/64', 'assignment', 'a')");
    tx.commit();
  }

  Strings find(std::vector<std::string> search, int length, int count, int vrf = 0) {
    FreeSpaceQuery q;
    q.vrf_id = vrf;
    for (const auto& s : search) q.search.push_back(parse_prefix(s));
    q.prefix_length = length;
    q.count = count;
    pqxx::read_transaction tx(*conn_);
    return find_free_space(tx, q);
  }
};

// allocation.md §5.4 rules 1-4 (network and broadcast skipped for hosts), §5.5.
TEST_F(FreeSpace, Allocation_5_4_HostsSkipNetworkBroadcastAndUsedAddresses) {
  EXPECT_EQ(find({"10.0.0.0/24"}, 32, 4),
            (Strings{"10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5"}));
  const Strings all = find({"10.0.0.0/24"}, 32, 300);
  ASSERT_EQ(all.size(), 253u);
  EXPECT_EQ(all.front(), "10.0.0.1");
  EXPECT_EQ(all.back(), "10.0.0.254");
}

// allocation.md §5.4 rules 2-3: aligned blocks, blocked by what lies inside.
TEST_F(FreeSpace, Allocation_5_4_BlocksAlignedAndBlockedByWhatTheyContain) {
  EXPECT_EQ(find({"10.0.0.0/24"}, 31, 3), (Strings{"10.0.0.0/31", "10.0.0.4/31", "10.0.0.6/31"}));
  EXPECT_EQ(find({"10.1.0.0/16"}, 24, 3),
            (Strings{"10.1.17.0/24", "10.1.18.0/24", "10.1.19.0/24"}));
  EXPECT_EQ(find({"10.1.16.0/20"}, 24, 2), (Strings{"10.1.17.0/24", "10.1.18.0/24"}));
}

// allocation.md §5.4 rule 1 and §4: search prefixes need not be stored.
TEST_F(FreeSpace, Allocation_5_4_UnstoredSearchPrefixes) {
  EXPECT_EQ(find({"10.0.0.4/31"}, 32, 3), (Strings{"10.0.0.4", "10.0.0.5"}));
  EXPECT_EQ(find({"10.0.0.4/30"}, 32, 5), (Strings{"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(find({"11.0.0.0/16"}, 16, 3), (Strings{"11.0.0.0/16"}));
  EXPECT_EQ(find({"2001:db8::/48"}, 64, 2), (Strings{"2001:db8:0:1::/64", "2001:db8:0:2::/64"}));
}

// allocation.md §5.4, §5.5: nothing free is an empty list, not an error.
TEST_F(FreeSpace, Allocation_5_4_NothingFree) {
  EXPECT_EQ(find({"10.1.0.0/16"}, 16, 3), Strings{});  // S itself is stored
  EXPECT_EQ(find({"10.1.0.0/16"}, 8, 3), Strings{});   // wanted block larger than S
}

// allocation.md §5.4 rule 4 for IPv6 (the all-zero address is skipped).
TEST_F(FreeSpace, Allocation_5_4_Ipv6Hosts) {
  EXPECT_EQ(find({"2001:db8::/64"}, 128, 2), (Strings{"2001:db8::1", "2001:db8::2"}));
}

// allocation.md §5.3: several search prefixes, ascending (prefixd's order).
TEST_F(FreeSpace, Allocation_5_3_SearchPrefixesInAscendingOrder) {
  EXPECT_EQ(find({"12.0.0.0/24", "11.0.0.0/24"}, 25, 3),
            (Strings{"11.0.0.0/25", "11.0.0.128/25", "12.0.0.0/25"}));
}

// allocation.md §5.6: the end of the address space; errors.md §2.3 prefix syntax.
TEST_F(FreeSpace, Allocation_5_6_TopOfAddressSpaceAndHostBits) {
  EXPECT_EQ(find({"255.255.255.0/24"}, 25, 5), (Strings{"255.255.255.0/25", "255.255.255.128/25"}));
  EXPECT_EQ(find({"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/126"}, 127, 5),
            (Strings{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc/127",
                     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}));
  try {
    parse_prefix("12.0.0.5/24");
    FAIL() << "host bits accepted";
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kValue);
    EXPECT_NE(std::string(e.what()).find("12.0.0.0/24"), std::string::npos);
  }
  EXPECT_THROW(parse_prefix("1.2.3.0/33"), NipapError);
  EXPECT_THROW(parse_prefix("12.0.0.x/8"), NipapError);
}

// allocation.md §5.4: freeness is judged in one VRF only.
TEST_F(FreeSpace, Allocation_5_4_OtherVrfsDoNotBlock) {
  EXPECT_EQ(find({"10.0.0.0/24"}, 32, 2, 12345), (Strings{"10.0.0.1", "10.0.0.2"}));
}

// model.md §2.5: cidr and inet text forms.
TEST(PrefixText, Model_2_5_TextForms) {
  EXPECT_EQ(parse_prefix("2001:DB8:0:0:1::/80").cidr_text(), "2001:db8:0:0:1::/80");
  EXPECT_EQ(parse_prefix("2001:0:0:1:0:0:0:1").inet_text(), "2001:0:0:1::1");
  EXPECT_EQ(parse_prefix("10.0.0.1").cidr_text(), "10.0.0.1/32");
  EXPECT_EQ(parse_prefix("10.0.0.1").inet_text(), "10.0.0.1");
  EXPECT_EQ(parse_prefix("::ffff:1.2.3.4").inet_text(), "::ffff:1.2.3.4");
}

}  // namespace
}  // namespace prefixd
