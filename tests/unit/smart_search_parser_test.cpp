// SPDX-License-Identifier: MIT
// Table-driven tests of the smart-search parser (spec/search.md §4): every row
// of smart_search_table.cpp (query string, expected tree and interpretation,
// the section it checks; decision-4 rows marked), then the limits and
// robustness of the parser on long, deep, random and mutated input.
#include "backend/smart_search_parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "backend/errors.h"
#include "tests/unit/smart_search_table.h"

namespace prefixd {
namespace {

using namespace smart_search_table;

// Parses and renders; a NipapError becomes "throws CODE: message".
std::string outcome(SearchObject object, std::string_view input, bool* success = nullptr) {
  try {
    const SmartSearchParse parse = parse_smart_search(object, input);
    if (success != nullptr) *success = !parse.error;
    return render(parse.query);
  } catch (const NipapError& e) {
    if (success != nullptr) *success = true;
    return "throws " + std::to_string(static_cast<int>(e.code())) + ": " + e.what();
  }
}

TEST(SmartSearchTable, EveryRow) {
  ASSERT_GE(rows().size(), 150u);
  for (const Row& row : rows()) {
    SCOPED_TRACE(std::string(row.section) + " input " + Q(row.input));
    bool success = false;
    EXPECT_EQ(outcome(row.object, row.input, &success), row.expected);
    EXPECT_EQ(success, row.success);
  }
}

TEST(SmartSearchParser, FailureFlagsAndMessages) {
  SmartSearchParse p = parse_smart_search(SearchObject::kPrefix, "foo");
  EXPECT_FALSE(p.error);
  EXPECT_EQ(p.error_message, "");

  p = parse_smart_search(SearchObject::kPrefix, "vlan=1 type=foo bar=1");
  EXPECT_TRUE(p.error);
  EXPECT_EQ(p.error_message, "query interpretation failed");
  EXPECT_EQ(p.detail, "invalid value");  // the first failing node

  p = parse_smart_search(SearchObject::kVrf, "(core");
  EXPECT_TRUE(p.error);
  EXPECT_EQ(p.error_message, "query interpretation failed");
  EXPECT_EQ(p.detail, "unclosed parentheses");

  p = parse_smart_search(SearchObject::kPool, "and x");
  EXPECT_TRUE(p.error);
  EXPECT_EQ(p.detail, "missing operand for 'and'");

  EXPECT_THROW(parse_smart_search(SearchObject::kTag, "x"), NipapError);
  try {
    parse_smart_search(SearchObject::kAsn, "\"x");
    FAIL() << "no exception";
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kValue);
    EXPECT_STREQ(e.what(), "No closing quotation");
  }
}

// Values stay strings where NIPAP sends strings (§4.6: '100' is not converted).
TEST(SmartSearchParser, ValuesAreStrings) {
  const SmartSearchParse p = parse_smart_search(SearchObject::kPrefix, "vlan>100");
  ASSERT_TRUE(std::holds_alternative<std::string>(p.query.value));
  EXPECT_EQ(std::get<std::string>(p.query.value), "100");
  const SmartSearchParse a = parse_smart_search(SearchObject::kAsn, "64512");
  ASSERT_TRUE(std::holds_alternative<std::string>(a.query.value));
}

// ---- limits and robustness ---------------------------------------------------

int depth(const Query& q) {
  int d = 0;
  for (const Query& c : q.children) d = std::max(d, depth(c));
  return d + 1;
}

TEST(SmartSearchRobustness, NestingDepthIsCapped) {
  const std::string ok = std::string(64, '(') + "a" + std::string(64, ')');
  EXPECT_EQ(outcome(SearchObject::kPrefix, ok), PText("a"));
  const std::string deep = std::string(65, '(') + "a" + std::string(65, ')');
  EXPECT_EQ(outcome(SearchObject::kPrefix, deep),
            Fail(deep, "parentheses nested deeper than 64 levels"));
  const std::string very_deep = std::string(10000, '(') + "a" + std::string(10000, ')');
  const SmartSearchParse p = parse_smart_search(SearchObject::kPrefix, very_deep);
  EXPECT_TRUE(p.error);
  EXPECT_EQ(p.detail, "parentheses nested deeper than 64 levels");
  EXPECT_EQ(parse_smart_search(SearchObject::kVrf, std::string(10000, '(')).detail,
            "unclosed parentheses");
}

TEST(SmartSearchRobustness, TermCountIsCapped) {
  const SmartSearchParse ok = parse_smart_search(SearchObject::kPrefix, words(256));
  EXPECT_FALSE(ok.error);
  EXPECT_LE(depth(ok.query), 256 + 5);  // the SQL compiler accepts 512 levels
  const std::string many = words(257);
  EXPECT_EQ(outcome(SearchObject::kPrefix, many),
            Fail(many, "too many search terms (at most 256)"));
  EXPECT_EQ(outcome(SearchObject::kAsn, many), "throws 1200: too many search terms (at most 256)");
  EXPECT_FALSE(parse_smart_search(SearchObject::kAsn, words(256)).error);
  // Booleans are not terms.
  std::string with_or = "a";
  for (int i = 0; i < 255; ++i) with_or += " or b";
  EXPECT_FALSE(parse_smart_search(SearchObject::kPool, with_or).error);
}

TEST(SmartSearchRobustness, LongInputsAreLinear) {
  const auto start = std::chrono::steady_clock::now();
  const std::string big_word(1 << 20, 'x');
  EXPECT_EQ(outcome(SearchObject::kPrefix, big_word), PText(big_word));
  EXPECT_EQ(outcome(SearchObject::kAsn, big_word), AsnText(big_word));
  std::string spaced;
  while (spaced.size() < (1u << 20)) spaced += "ab ";
  EXPECT_TRUE(parse_smart_search(SearchObject::kPrefix, spaced).error);
  EXPECT_THROW(parse_smart_search(SearchObject::kAsn, spaced), NipapError);
  // One quoted string by the pre-check's rules, 2^19 empty ones by the tokenizer's.
  EXPECT_EQ(parse_smart_search(SearchObject::kVrf, std::string(1 << 20, '"')).detail,
            "too many search terms (at most 256)");
  std::string escaped_quotes;  // each quote starts a long scan that fails
  while (escaped_quotes.size() < (1u << 20)) escaped_quotes += "'\\";
  EXPECT_EQ(parse_smart_search(SearchObject::kPrefix, escaped_quotes).detail, "unclosed quote");
  EXPECT_EQ(parse_smart_search(SearchObject::kPrefix, std::string(1 << 20, '\t')).detail, "");
  EXPECT_EQ(parse_smart_search(SearchObject::kPrefix, std::string(1 << 20, ')')).detail,
            "unclosed parentheses");
  std::string digits(1 << 20, '1');
  EXPECT_FALSE(parse_smart_search(SearchObject::kPrefix, digits).error);
  std::string ops(1 << 20, '=');
  EXPECT_EQ(outcome(SearchObject::kPool, ops), PoolText(ops));  // decision 4: nothing dropped
  std::string v6;
  while (v6.size() < (1u << 20)) v6 += "1:2:3:4:5:6:7:8/64 ";
  EXPECT_TRUE(parse_smart_search(SearchObject::kPrefix, v6).error);  // too many terms
  const std::string zone = "fe80::1%" + std::string(1 << 20, 'z');
  EXPECT_EQ(outcome(SearchObject::kPrefix, zone), V6Addr(zone));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 60.0);
}

TEST(SmartSearchRobustness, ArbitraryBytes) {
  // NUL and invalid UTF-8 are ordinary word characters.
  const std::string nul("a\0b", 3);
  EXPECT_EQ(outcome(SearchObject::kPrefix, nul), PText(nul));
  EXPECT_EQ(outcome(SearchObject::kPrefix, "\xff\xfe"), PText("\xff\xfe"));
  EXPECT_EQ(outcome(SearchObject::kVrf, "\xe2\x80"), VText("\xe2\x80"));
  // U+3000 IDEOGRAPHIC SPACE separates words.
  EXPECT_EQ(outcome(SearchObject::kPrefix,
                    "a\xe3\x80\x80"
                    "b"),
            And(PText("a"), PText("b")));
}

// Random and mutated inputs: every outcome is a tree or a NipapError, trees
// are well formed and shallow.
void check_well_formed(const Query& q, bool from_text) {
  if (from_text) {
    ASSERT_TRUE(q.interpretation.has_value());
  }
  ASSERT_TRUE(q.children.empty() || q.children.size() == 2);
  for (const Query& c : q.children) {
    const bool is_boolean = q.interpretation && !q.interpretation->empty() &&
                            q.interpretation->front().first == "interpretation" &&
                            std::holds_alternative<std::string>(q.interpretation->front().second);
    // Children of and/or nodes came from the text; leaves of text matches
    // and tag nodes did not.
    check_well_formed(c, from_text && is_boolean);
  }
}

TEST(SmartSearchRobustness, RandomAndMutatedInputs) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> pieces = {"a",
                                           "or",
                                           "and",
                                           "OR",
                                           "(",
                                           ")",
                                           "\"",
                                           "'",
                                           "\\",
                                           "#",
                                           "=",
                                           "<",
                                           ">",
                                           "~",
                                           "!",
                                           "*",
                                           " ",
                                           "\t",
                                           "\n",
                                           "\r",
                                           ":",
                                           "::",
                                           "/",
                                           ".",
                                           "%",
                                           "10",
                                           "255",
                                           "1.2.3.4",
                                           "2001:db8::",
                                           "0x",
                                           "vlan",
                                           "type",
                                           "host",
                                           std::string("\0", 1),
                                           "\xff",
                                           "\xc3\xb6",
                                           "\xe3\x80\x80",
                                           "-",
                                           "_"};
  const std::vector<SearchObject> objects = {SearchObject::kPrefix, SearchObject::kVrf,
                                             SearchObject::kPool, SearchObject::kAsn};
  std::vector<std::string> seeds;
  for (const Row& row : rows()) seeds.emplace_back(row.input);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      const int n = static_cast<int>(rng() % 12);
      for (int k = 0; k < n; ++k) input += pieces[rng() % pieces.size()];
    } else {
      input = seeds[rng() % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits; ++k) {
        const size_t pos = input.empty() ? 0 : rng() % (input.size() + 1);
        switch (rng() % 3) {
          case 0:
            input.insert(pos, pieces[rng() % pieces.size()]);
            break;
          case 1:
            if (pos < input.size()) input.erase(pos, 1 + rng() % 3);
            break;
          default:
            if (pos < input.size()) input[pos] = static_cast<char>(rng() % 256);
        }
      }
    }
    const SearchObject object = objects[rng() % objects.size()];
    SCOPED_TRACE(Q(input));
    try {
      const SmartSearchParse p = parse_smart_search(object, input);
      EXPECT_EQ(p.error, !p.error_message.empty());
      if (p.error) {
        EXPECT_FALSE(p.detail.empty());
      }
      check_well_formed(p.query, true);
      EXPECT_LE(depth(p.query), 300);
    } catch (const NipapError& e) {
      EXPECT_EQ(object, SearchObject::kAsn);
      EXPECT_EQ(e.code(), FaultCode::kValue);
    }
  }
}

}  // namespace
}  // namespace prefixd
