// SPDX-License-Identifier: MIT
// model.md §2.5 / errors.md §2.3: prefix text is read as PostgreSQL's cidr
// reads it. parse_prefix_text reads the common "a.b.c.d/len" form itself;
// this checks that it agrees with the database on that form and on the
// inputs it leaves to the database.
#include <optional>
#include <string>
#include <vector>

#include "backend/prefix_internal.h"
#include "test_database.h"

namespace prefixd::testing {
namespace {

using prefix_detail::parse_prefix_text;
using prefix_detail::ParsedPrefix;

class PrefixParseTest : public DatabaseTest {};

// The database's reading of `text`, or nullopt when it refuses it.
std::optional<ParsedPrefix> database_reading(pqxx::work& tx, const std::string& text) {
  pqxx::subtransaction sub(tx, "reading");
  try {
    const pqxx::row r = sub.exec_params1(
        "SELECT c::text, c::inet, family(c), masklen(c) FROM (SELECT $1::cidr AS c) s", text);
    sub.commit();
    ParsedPrefix p;
    p.cidr = r[0].as<std::string>();
    p.inet = r[1].as<std::string>();
    p.family = r[2].as<int>();
    p.length = r[3].as<int>();
    return p;
  } catch (const pqxx::sql_error&) {
    sub.abort();
    return std::nullopt;
  }
}

TEST_F(PrefixParseTest, AgreesWithTheDatabaseModelSection2_5) {
  const std::vector<std::string> inputs = {"10.0.0.0/8",      "10.1.2.3/32",
                                           "0.0.0.0/0",       "255.255.255.255/32",
                                           "192.168.0.0/16",  "192.168.1.0/24",
                                           "10.0.0.1/8",      "10.0.0.0/33",
                                           "010.0.0.0/8",     "10.0.0.0/08",
                                           "10.0.0/24",       "10/8",
                                           "10.0.0.0",        "10.0.0.0/",
                                           "10.0.0.0/-1",     "10.0.0.256/32",
                                           "1.2.3.4.5/32",    " 10.0.0.0/8",
                                           "10.0.0.0/8 ",     "10.0.0.0/8x",
                                           "10..0.0/16",      "2001:db8::/32",
                                           "2001:DB8::1/128", "::ffff:1.2.3.4/128",
                                           "1.2.3.4/32/1",    "",
                                           "1.2.3.0/24",      "128.0.0.0/1",
                                           "4294967296/32",   "1.2.3.4/032",
                                           "172.16.0.0/12",   "100.64.0.0/10"};
  for (const std::string& text : inputs) {
    SCOPED_TRACE("input '" + text + "'");
    in_tx([&](pqxx::work& tx) {
      const std::optional<ParsedPrefix> expected = database_reading(tx, text);
      std::optional<ParsedPrefix> got;
      int fault = 0;
      {
        pqxx::subtransaction sub(tx, "parse");
        try {
          got = parse_prefix_text(sub, text);
          sub.commit();
        } catch (const NipapError& e) {
          fault = static_cast<int>(e.code());
          sub.abort();
        }
      }
      if (!expected) {
        EXPECT_FALSE(got.has_value()) << "accepted as " << got->cidr;
        EXPECT_NE(fault, 0);
        return;
      }
      ASSERT_TRUE(got.has_value()) << "refused with " << fault;
      EXPECT_EQ(got->cidr, expected->cidr);
      EXPECT_EQ(got->inet, expected->inet);
      EXPECT_EQ(got->family, expected->family);
      EXPECT_EQ(got->length, expected->length);
    });
  }
}

}  // namespace
}  // namespace prefixd::testing
