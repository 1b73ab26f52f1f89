// SPDX-License-Identifier: MIT
// Tests for the JSON codec: parsing into Values (numbers at and beyond the
// int64 edges, escapes, depth limit, error positions, duplicate keys) and
// the writer's exact bytes (escaping, invalid UTF-8, numbers beyond 2^53,
// date-times with the local offset, base64, pretty layout).
#include "api/json_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

#include "api/json_frontend.h"
#include "api/method_table.h"
#include "api/openapi.h"
#include "api/value.h"
#include "backend/errors.h"

namespace prefixd::api {
namespace {

const JsonLimits kLimits{};

Value parse(std::string_view text) {
  return parse_json(text, kLimits);
}

std::string written(const Value& v, bool pretty = false) {
  std::string out;
  JsonWriter w(out, pretty);
  w.write(v);
  w.finish();
  return out;
}

// The error a text raises (message empty when it parses).
JsonError error_of(std::string_view text, JsonLimits limits = {}) {
  try {
    parse_json(text, limits);
  } catch (const JsonError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << text;
  return JsonError(JsonError::Kind::kSyntax, "");
}

// Sets TZ for one test and restores it afterwards.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::string old_;
  bool had_ = false;
};

TEST(JsonParse, Scalars) {
  EXPECT_EQ(parse("null"), Value::nil());
  EXPECT_EQ(parse(" true "), Value::boolean(true));
  EXPECT_EQ(parse("false"), Value::boolean(false));
  EXPECT_EQ(parse("0"), Value::integer(0));
  EXPECT_EQ(parse("-17"), Value::integer(-17));
  EXPECT_EQ(parse("1.5"), Value::real(1.5));
  EXPECT_EQ(parse("1e2"), Value::real(100));
  EXPECT_EQ(parse("\"x\""), Value::string("x"));
}

TEST(JsonParse, IntegerEdges) {
  EXPECT_EQ(parse("9223372036854775807"), Value::integer(INT64_MAX));
  EXPECT_EQ(parse("-9223372036854775808"), Value::integer(INT64_MIN));
  EXPECT_EQ(parse("9223372036854775808"), Value::big_integer("9223372036854775808"));
  EXPECT_EQ(parse("18446744073709551615"), Value::big_integer("18446744073709551615"));
  EXPECT_EQ(parse("18446744073709551616"), Value::big_integer("18446744073709551616"));
  EXPECT_EQ(parse("-9223372036854775809"), Value::big_integer("-9223372036854775809"));
  EXPECT_EQ(parse("340282366920938463463374607431768211456"),
            Value::big_integer("340282366920938463463374607431768211456"));
}

TEST(JsonParse, NumberOutOfRangeIsAnError) {
  JsonError e = error_of("[1e999]");
  EXPECT_EQ(e.kind(), JsonError::Kind::kSyntax);
  EXPECT_NE(std::string(e.what()).find("(byte 6): number overflow parsing '1e999'"),
            std::string::npos)
      << e.what();
}

TEST(JsonParse, StringEscapes) {
  EXPECT_EQ(parse(R"("a\"b\\c\/d\b\f\n\r\t")"), Value::string("a\"b\\c/d\b\f\n\r\t"));
  EXPECT_EQ(parse(R"("\u00e5\u20ac")"), Value::string("\xC3\xA5\xE2\x82\xAC"));
  EXPECT_EQ(parse(R"("\ud83d\ude00")"), Value::string("\xF0\x9F\x98\x80"));
  EXPECT_EQ(parse("\"\xC3\xA5\""), Value::string("\xC3\xA5"));
}

TEST(JsonParse, BadStringsAreSyntaxErrors) {
  for (std::string_view text : {R"("\ud800")", R"("\x")", "\"a\nb\"", "\"\xC3\"", "\"\xFF\"",
                                "\"\xC0\xAF\"", "\"unterminated"}) {
    JsonError e = error_of(text);
    EXPECT_EQ(e.kind(), JsonError::Kind::kSyntax) << text;
    EXPECT_GT(e.byte(), 0u) << text;
  }
}

// PostgreSQL text cannot hold NUL and libpq would cut the value there: a
// NUL in a string or key is refused instead of stored truncated.
TEST(JsonParse, NulInStringOrKeyRefused) {
  for (std::string_view text : {R"("nul\u0000byte")", R"({"a": "x\u0000"})", R"({"k\u0000": 1})"}) {
    JsonError e = error_of(text);
    EXPECT_EQ(e.kind(), JsonError::Kind::kSyntax) << text;
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
}

TEST(JsonParse, Containers) {
  Value v = parse(R"({"a": [1, {"b": null}], "c": {}})");
  ASSERT_TRUE(v.is_struct());
  EXPECT_EQ(*v.find("a"),
            Value::array({Value::integer(1), Value::structure({{"b", Value::nil()}})}));
  EXPECT_EQ(*v.find("c"), Value::structure());
  EXPECT_EQ(parse("[]"), Value::array());
}

TEST(JsonParse, DuplicateKeyRefused) {
  JsonError e = error_of(R"({"a": 1, "b": {"x": 1, "x": 2}})");
  EXPECT_EQ(e.kind(), JsonError::Kind::kDuplicateKey);
  EXPECT_NE(std::string(e.what()).find("\"x\" appears twice"), std::string::npos) << e.what();
  // The same key in sibling objects is fine.
  EXPECT_NO_THROW(parse(R"([{"x": 1}, {"x": 2}])"));
}

TEST(JsonParse, SyntaxErrorNamesPosition) {
  JsonError e = error_of("{\"a\": tru!}");
  EXPECT_EQ(e.kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(e.byte(), 10u);
  EXPECT_EQ(std::string(e.what()).rfind("malformed JSON at line 1, column 10 (byte 10): ", 0), 0u)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("invalid literal"), std::string::npos) << e.what();

  e = error_of("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_EQ(std::string(e.what()).rfind("malformed JSON at line 3, column 7 (byte 19): ", 0), 0u)
      << e.what();
}

TEST(JsonParse, TrailingAndMissingInput) {
  EXPECT_EQ(error_of("{} x").kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(error_of("{} {}").kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(error_of("").kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(error_of("{\"a\": 1,}").kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(error_of("NaN").kind(), JsonError::Kind::kSyntax);
  EXPECT_EQ(error_of("[1, 2").kind(), JsonError::Kind::kSyntax);
  EXPECT_NE(std::string(error_of("").what()).find("unexpected end of input"), std::string::npos);
}

TEST(JsonParse, DepthLimit) {
  JsonLimits limits{4};
  EXPECT_NO_THROW(parse_json("[[[[1]]]]", limits));
  EXPECT_NO_THROW(parse_json(R"({"a": {"b": [{"c": 1}]}})", limits));
  JsonError e = error_of(R"({"s": "[[[[[", "a": [[[{}]]]})", limits);
  EXPECT_EQ(e.kind(), JsonError::Kind::kTooDeep);
  EXPECT_EQ(e.byte(), 24u);
  EXPECT_EQ(std::string(e.what()),
            "JSON nested deeper than the limit of 4 (limits.max_nesting) at line 1, column 24 "
            "(byte 24)");
}

TEST(JsonParse, HostileNestingIsRefusedWithoutRecursion) {
  const std::string deep(1000000, '[');
  EXPECT_EQ(error_of(deep).kind(), JsonError::Kind::kTooDeep);
  // Within the default limit, an unterminated deep text is a plain syntax error.
  EXPECT_EQ(error_of(std::string(1000, '[')).kind(), JsonError::Kind::kSyntax);
}

TEST(JsonWrite, Scalars) {
  EXPECT_EQ(written(Value::nil()), "null");
  EXPECT_EQ(written(Value::boolean(true)), "true");
  EXPECT_EQ(written(Value::integer(-42)), "-42");
  EXPECT_EQ(written(Value::real(2)), "2.0");
  EXPECT_EQ(written(Value::real(0.1)), "0.1");
  EXPECT_EQ(written(Value::real(1e300)), "1e+300");
  EXPECT_EQ(written(Value::real(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(written(Value::real(std::nan(""))), "null");
  EXPECT_EQ(written(Value::binary(std::string("\0\xFF", 2))), "\"AP8=\"");
  EXPECT_EQ(written(Value::binary("abc")), "\"YWJj\"");
  EXPECT_EQ(written(Value::binary("abcd")), "\"YWJjZA==\"");
  EXPECT_EQ(written(Value::binary("")), "\"\"");
}

TEST(JsonWrite, NumbersBeyondDoublePrecisionAreStrings) {
  EXPECT_EQ(written(Value::integer(9007199254740992)), "9007199254740992");
  EXPECT_EQ(written(Value::integer(-9007199254740992)), "-9007199254740992");
  EXPECT_EQ(written(Value::integer(9007199254740993)), "\"9007199254740993\"");
  EXPECT_EQ(written(Value::integer(INT64_MIN)), "\"-9223372036854775808\"");
  EXPECT_EQ(written(Value::big_integer("340282366920938463463374607431768211456")),
            "\"340282366920938463463374607431768211456\"");
}

TEST(JsonWrite, StringEscaping) {
  EXPECT_EQ(written(Value::string("a\"b\\c/d")), R"("a\"b\\c/d")");
  EXPECT_EQ(written(Value::string("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(written(Value::string(std::string("\0\x01\x1f\x7f", 4))),
            "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(written(Value::string("\xC3\xA5 \xF0\x9F\x98\x80")), "\"\xC3\xA5 \xF0\x9F\x98\x80\"");
}

TEST(JsonWrite, InvalidUtf8BecomesReplacementCharacter) {
  auto fffd = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "\xEF\xBF\xBD";
    return s;
  };
  auto expect = [&](std::string_view in, const std::string& out_inner) {
    EXPECT_EQ(written(Value::string(std::string(in))), "\"" + out_inner + "\"") << in;
  };
  expect(
      "a\xFF"
      "b",
      "a" + fffd(1) + "b");
  expect("\xC3", fffd(1));                 // truncated
  expect("\xC0\xAF", fffd(2));             // overlong
  expect("\xED\xA0\x80", fffd(3));         // surrogate
  expect("\xF4\x90\x80\x80", fffd(4));     // above U+10FFFF
  expect("\xE2\x82\xAC", "\xE2\x82\xAC");  // valid, kept
  // Whatever the input, the output parses again (byte 0 included: it is
  // written as \u0000, which the parser refuses on purpose).
  EXPECT_EQ(written(Value::string(std::string("x\0y", 3))), R"("x\u0000y")");
  for (int b = 1; b < 256; ++b) {
    const std::string s = {'x', static_cast<char>(b), '\x80', 'y'};
    EXPECT_NO_THROW(parse(written(Value::string(s)))) << b;
  }
}

TEST(JsonWrite, StructuresCompactAndPretty) {
  const Value v = Value::structure({{"a", Value::array({Value::integer(1), Value::array()})},
                                    {"b", Value::structure()},
                                    {"c", Value::structure({{"d", Value::nil()}})}});
  EXPECT_EQ(written(v), R"({"a":[1,[]],"b":{},"c":{"d":null}})");
  EXPECT_EQ(written(v, true),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    []\n"
            "  ],\n"
            "  \"b\": {},\n"
            "  \"c\": {\n"
            "    \"d\": null\n"
            "  }\n"
            "}\n");
  // Round trip.
  EXPECT_EQ(parse(written(v)), v);
  EXPECT_EQ(parse(written(v, true)), v);
}

TEST(JsonWrite, DateTimeCarriesLocalOffset) {
  {
    ScopedTimeZone tz("Europe/Stockholm");
    EXPECT_EQ(written(Value::datetime("20240115T10:20:30")), "\"2024-01-15T10:20:30+01:00\"");
    EXPECT_EQ(written(Value::datetime("20240715T10:20:30")), "\"2024-07-15T10:20:30+02:00\"");
    // Several in one document: the per-minute cache must not leak across dates.
    EXPECT_EQ(written(Value::array({Value::datetime("20240115T10:20:30"),
                                    Value::datetime("20240715T10:20:30"),
                                    Value::datetime("20240715T10:20:59")})),
              "[\"2024-01-15T10:20:30+01:00\",\"2024-07-15T10:20:30+02:00\","
              "\"2024-07-15T10:20:59+02:00\"]");
  }
  {
    ScopedTimeZone tz("UTC");
    EXPECT_EQ(written(Value::datetime("20240115T10:20:30")), "\"2024-01-15T10:20:30+00:00\"");
  }
  {
    ScopedTimeZone tz("America/St_Johns");
    EXPECT_EQ(iso8601_with_offset("20240115T10:20:30"), "2024-01-15T10:20:30-03:30");
  }
  {
    ScopedTimeZone tz("Asia/Kolkata");
    EXPECT_EQ(iso8601_with_offset("20240115T10:20:30"), "2024-01-15T10:20:30+05:30");
  }
  // Anything not in NIPAP's naive form is passed on as a string.
  EXPECT_EQ(written(Value::datetime("2024-01-15")), "\"2024-01-15\"");
  EXPECT_EQ(iso8601_with_offset("20240115X10:20:30"), "20240115X10:20:30");
}

TEST(JsonApi, StatusForEveryFaultCode) {
  const std::pair<FaultCode, int> cases[] = {
      {FaultCode::kGeneric, 400},         {FaultCode::kError, 500},
      {FaultCode::kInput, 400},           {FaultCode::kMissingInput, 400},
      {FaultCode::kExtraneousInput, 400}, {FaultCode::kNoSuchOperator, 400},
      {FaultCode::kValue, 400},           {FaultCode::kNonExistent, 404},
      {FaultCode::kDuplicate, 409},       {FaultCode::kAuth, 401},
      {FaultCode::kAuthentication, 401},  {FaultCode::kAuthorization, 403},
  };
  for (const auto& [code, status] : cases) {
    EXPECT_EQ(http_status_for(code), status) << static_cast<int>(code);
  }
}

TEST(JsonApi, RoutesOnlyUnderApiV1) {
  EXPECT_TRUE(JsonFrontend::handles("/api/v1"));
  EXPECT_TRUE(JsonFrontend::handles("/api/v1/vrfs"));
  EXPECT_FALSE(JsonFrontend::handles("/api/v10"));
  EXPECT_FALSE(JsonFrontend::handles("/api/v1x/vrfs"));
  EXPECT_FALSE(JsonFrontend::handles("/rest/v1/prefixes"));
}

// The document is valid JSON and names every method of the table and every
// resource route, each operation once.
TEST(OpenApi, EveryMethodAndRoute) {
  std::string text;
  JsonWriter w(text);
  w.write(openapi_document());
  const Value doc = parse_json(text, kLimits);
  ASSERT_TRUE(doc.is_struct());
  EXPECT_EQ(*doc.find("openapi"), Value::string("3.0.3"));
  const Value* paths = doc.find("paths");
  ASSERT_NE(paths, nullptr);
  for (const MethodDef& m : api_methods()) {
    const Value* path = paths->find("/api/v1/" + std::string(m.name));
    ASSERT_NE(path, nullptr) << m.name;
    const Value* post = path->find("post");
    ASSERT_NE(post, nullptr) << m.name;
    EXPECT_EQ(*post->find("operationId"), Value::string(std::string(m.name)));
    EXPECT_EQ(*post->find("summary"), Value::string(std::string(m.help)));
  }
  for (const JsonResource& r : json_resources()) {
    const std::string base = "/api/v1/" + std::string(r.collection);
    ASSERT_NE(paths->find(base), nullptr) << base;
    EXPECT_NE(paths->find(base)->find("get"), nullptr);
    EXPECT_NE(paths->find(base)->find("post"), nullptr);
    const std::string item = base + "/{" + std::string(r.key) + "}";
    ASSERT_NE(paths->find(item), nullptr) << item;
    for (const char* verb : {"get", "patch", "delete"}) {
      EXPECT_NE(paths->find(item)->find(verb), nullptr) << item << " " << verb;
    }
  }
  ASSERT_NE(paths->find("/api/v1/prefixes/{id}/free"), nullptr);
  ASSERT_NE(paths->find("/api/v1/openapi.json"), nullptr);
  ASSERT_NE(paths->find("/api/v1/batch"), nullptr);
  EXPECT_NE(paths->find("/api/v1/batch")->find("post"), nullptr);
  EXPECT_EQ(paths->as_struct().size(), api_methods().size() + 2 * json_resources().size() + 3);
  // Every $ref points at a component that exists.
  const Value* components = doc.find("components");
  ASSERT_NE(components, nullptr);
  std::size_t refs = 0;
  auto check = [&](auto& self, const Value& v) -> void {
    if (v.is_array()) {
      for (const Value& item : v.as_array()) self(self, item);
    } else if (v.is_struct()) {
      for (const auto& [key, member] : v.as_struct()) {
        if (key == "$ref") {
          ++refs;
          const std::string& target = member.text();
          ASSERT_EQ(target.rfind("#/components/", 0), 0u) << target;
          const std::string rest = target.substr(13);
          const Value* section = components->find(rest.substr(0, rest.find('/')));
          ASSERT_NE(section, nullptr) << target;
          EXPECT_NE(section->find(rest.substr(rest.find('/') + 1)), nullptr) << target;
        } else {
          self(self, member);
        }
      }
    }
  };
  check(check, doc);
  EXPECT_GT(refs, api_methods().size());
}

// Object schemas come from the model writers: a prefix's times are
// date-times, its counters strings, expires nullable.
TEST(OpenApi, SchemasFollowTheModelWriters) {
  const Value* schemas = openapi_document().find("components")->find("schemas");
  const Value* prefix = schemas->find("Prefix")->find("properties");
  EXPECT_EQ(*prefix->find("added")->find("format"), Value::string("date-time"));
  EXPECT_EQ(prefix->find("added")->find("nullable"), nullptr);
  EXPECT_EQ(*prefix->find("expires")->find("nullable"), Value::boolean(true));
  EXPECT_EQ(*prefix->find("total_addresses")->find("type"), Value::string("string"));
  EXPECT_EQ(*prefix->find("vlan")->find("type"), Value::string("integer"));
  EXPECT_EQ(*prefix->find("monitor")->find("type"), Value::string("boolean"));
  EXPECT_EQ(*prefix->find("tags")->find("items")->find("type"), Value::string("string"));
  EXPECT_NE(schemas->find("PrefixSearchRow")->find("properties")->find("children"), nullptr);
  EXPECT_EQ(prefix->find("children"), nullptr);
  EXPECT_EQ(*schemas->find("Asn")->find("properties")->find("asn")->find("type"),
            Value::string("integer"));
  EXPECT_EQ(*schemas->find("Pool")->find("properties")->find("prefixes")->find("nullable"),
            Value::boolean(true));
}

}  // namespace
}  // namespace prefixd::api

namespace prefixd::api {
namespace {

// issue 11 item 3: a decoded value costs ~100 times its text; limits.max_values bounds it.
TEST(JsonParse, ValueCountIsLimited) {
  const JsonLimits limits{64, 6};
  EXPECT_NO_THROW(parse_json("[1, [2, 3], 4]", limits));  // two arrays, four numbers
  const JsonError e = error_of("[1, [2, 3], 4, 5]", limits);
  EXPECT_NE(std::string(e.what()).find("limits.max_values"), std::string::npos) << e.what();
  EXPECT_THROW(
      parse_json("{\"a\": {}, \"b\": {}, \"c\": {}, \"d\": {}, \"e\": {}, \"f\": {}}", limits),
      JsonError);
}

}  // namespace
}  // namespace prefixd::api
