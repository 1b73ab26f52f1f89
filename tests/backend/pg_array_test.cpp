// SPDX-License-Identifier: MIT
// Arrays and hstores read back from PostgreSQL's own output (issue 11 item 1):
// adversarial values, random values, decorated and multi-dimensional arrays,
// and malformed text, which must throw and never abort.
#include <random>

#include "backend/pg_array.h"
#include "backend/pg_values.h"
#include "tests/backend/test_database.h"

namespace prefixd {
namespace {

using testing::DatabaseTest;
using Elements = std::vector<std::optional<std::string>>;

const std::vector<std::string>& adversarial() {
  static const std::vector<std::string> kValues = {
      "'abc",       "'abc'",     "''",        "'",       "\"",      "\\",   "\\\\\"", "{",
      "}",          "{}",        "{a,b}",     ",",       "a,b",     "NULL", "null",   "NuLl",
      "",           " ",         "  lead",    "trail  ", "\t",      "\n",   "\r\n",   "\v\f",
      "x\x01y\x1f", "ünïcödé ✓", "[0:1]={a}", "=",       "a\"b\\c", "'x",   "''''"};
  return kValues;
}

// Random strings over the characters that matter to array syntax, plus some
// multi-byte UTF-8; never NUL (text cannot hold it).
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {
      "'", "\"", "\\", "{", "}", ",", " ",    "\t",   "\n", "NULL", "null", "a",
      "Z", "0",  "=",  "[", "]", ":", "\x01", "\x7f", "é",  "✓",    "😀"};
  std::uniform_int_distribution<int> len(0, 8);
  std::uniform_int_distribution<size_t> pick(0, kPieces.size() - 1);
  std::string out;
  for (int i = len(rng); i > 0; --i) out += kPieces[pick(rng)];
  return out;
}

class PgArray : public DatabaseTest {
 protected:
  // What PostgreSQL prints for ARRAY[values] built from parameters (no
  // literal of ours involved), read back with the parser.
  Elements round_trip(const Elements& values) {
    return in_tx([&](pqxx::work& tx) {
      std::string sql = "SELECT ARRAY[";
      std::vector<std::optional<std::string>> params;
      for (size_t i = 0; i < values.size(); ++i) {
        sql += (i ? ", " : "") + std::string("$") + std::to_string(i + 1) + "::text";
        params.push_back(values[i]);
      }
      sql += "]::text[]";
      const pqxx::result r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
      return parse_text_array(std::string_view(r[0][0].c_str(), r[0][0].size()));
    });
  }
};

TEST_F(PgArray, AdversarialValuesReadBackExactly) {
  for (const auto& v : adversarial()) {
    const Elements values{v, std::nullopt, v + "," + v};
    EXPECT_EQ(round_trip(values), values) << "value: " << v;
  }
}

TEST_F(PgArray, RandomValuesReadBackExactly) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    Elements values;
    std::uniform_int_distribution<int> count(1, 6);
    for (int i = count(rng); i > 0; --i) values.emplace_back(random_text(rng));
    ASSERT_EQ(round_trip(values), values);
  }
}

TEST_F(PgArray, HstoreReadBackExactly) {
  Avps avps;
  for (const auto& v : adversarial()) avps[v.empty() ? "empty" : v] = v;
  avps["nil"] = std::nullopt;
  const Avps back = in_tx([&](pqxx::work& tx) {
    const pqxx::result r =
        tx.exec_params("SELECT hstore_to_array(hstore($1::text[]))", avps_literal(avps));
    return avps_from_array(r[0][0]);
  });
  EXPECT_EQ(back, avps);
}

TEST_F(PgArray, LiteralsWrittenByHandAndDecorations) {
  const auto read = [&](const std::string& literal) {
    return in_tx([&](pqxx::work& tx) {
      const pqxx::result r = tx.exec_params("SELECT $1::text[]", literal);
      return parse_text_array(std::string_view(r[0][0].c_str(), r[0][0].size()));
    });
  };
  EXPECT_EQ(read("{'abc,'x}"), (Elements{"'abc", "'x"}));
  EXPECT_EQ(read("[0:2]={a,NULL,\"\"}"), (Elements{"a", std::nullopt, ""}));
  EXPECT_EQ(read("{{a,b},{c,\"}\"}}"), (Elements{"a", "b", "c", "}"}));
  EXPECT_EQ(read("{}"), Elements{});
  EXPECT_EQ(read("{\"NULL\", null , x\\,y}"), (Elements{"NULL", std::nullopt, "x,y"}));
}

TEST(PgArrayText, MalformedTextThrowsAndNeverAborts) {
  for (const char* bad : {"", "{", "}", "{a", "{\"a}", "{a,}", "{,}", "{a}}", "{a}x", "[1:2]",
                          "[x]={a}", "{{{{{{{a}}}}}}}", "{a\"b}", "{\\", "{\"\\"}) {
    EXPECT_THROW(parse_text_array(bad), UnreadableValue) << bad;
  }
}

}  // namespace
}  // namespace prefixd
