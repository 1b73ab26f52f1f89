// SPDX-License-Identifier: MIT
// Stored times (backend/timestamp.h) and how each codec writes them: XML-RPC
// NIPAP's naive wall-clock time of the session's zone, JSON ISO 8601 with the
// offset that zone had at the instant.
#include "backend/timestamp.h"

#include <gtest/gtest.h>

#include <string>

#include "api/json_codec.h"
#include "api/xmlrpc_codec.h"

namespace prefixd {
namespace {

std::string xmlrpc(const Timestamp& t) {
  std::string out;
  api::XmlRpcResponseWriter w(out);
  w.write_timestamp(t);
  return out;
}

std::string json(const Timestamp& t) {
  std::string out;
  api::JsonWriter w(out);
  w.write_timestamp(t);
  w.finish();
  return out;
}

TEST(Timestamp, LocalTimeOfTheInstantInItsZone) {
  auto at = [](int64_t seconds, int32_t offset) {
    const LocalTime l = local_time({seconds, offset});
    char text[64];
    std::snprintf(text, sizeof text, "%lld-%02d-%02d %02d:%02d:%02d",
                  static_cast<long long>(l.year), l.month, l.day, l.hour, l.minute, l.second);
    return std::string(text);
  };
  EXPECT_EQ(at(0, 0), "1970-01-01 00:00:00");
  EXPECT_EQ(at(-1, 0), "1969-12-31 23:59:59");
  EXPECT_EQ(at(951782400, 0), "2000-02-29 00:00:00");       // a leap day of a /400 year
  EXPECT_EQ(at(1704067200, 19800), "2024-01-01 05:30:00");  // +05:30
  EXPECT_EQ(at(1704067200, -18000), "2023-12-31 19:00:00");
  EXPECT_EQ(at(253402300799, 0), "9999-12-31 23:59:59");
  EXPECT_EQ(at(-62135596800, 0), "1-01-01 00:00:00");
}

TEST(Timestamp, XmlRpcWritesTheNaiveWallClockTime) {
  EXPECT_EQ(xmlrpc({1704067200, 19800}),
            "<value><dateTime.iso8601>20240101T05:30:00</dateTime.iso8601></value>\n");
  EXPECT_EQ(xmlrpc({-62135596800, 0}),
            "<value><dateTime.iso8601>00010101T00:00:00</dateTime.iso8601></value>\n");
  EXPECT_EQ(xmlrpc({253402300799, 0}),
            "<value><dateTime.iso8601>99991231T23:59:59</dateTime.iso8601></value>\n");
  // Past year 9999 (PostgreSQL stores up to 294276 AD): all the digits.
  EXPECT_EQ(xmlrpc({253402300800, 0}),
            "<value><dateTime.iso8601>100000101T00:00:00</dateTime.iso8601></value>\n");
  // A year BC by its number, at least four digits.
  EXPECT_EQ(xmlrpc({-62135596801, 0}),
            "<value><dateTime.iso8601>00011231T23:59:59</dateTime.iso8601></value>\n");
}

TEST(Timestamp, JsonWritesTheInstantWithItsOffset) {
  EXPECT_EQ(json({1704067200, 19800}), "\"2024-01-01T05:30:00+05:30\"");
  EXPECT_EQ(json({1704067200, -12600}), "\"2023-12-31T20:30:00-03:30\"");
  EXPECT_EQ(json({1704067200, 0}), "\"2024-01-01T00:00:00+00:00\"");
}

}  // namespace
}  // namespace prefixd
