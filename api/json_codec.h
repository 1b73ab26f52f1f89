// SPDX-License-Identifier: MIT
// JSON wire codec: parses request bodies into Values (nlohmann-json's SAX
// parser, never a recursive one, with a nesting limit) and writes results
// through the ValueWriter interface straight into a string.
//
// Wire rules (issue 6 item 5):
//  - Integers beyond int64 parse as Value::big_integer; JSON null is nil.
//  - Integers whose magnitude exceeds 2^53 (and big integers) are written as
//    strings, since JavaScript and many JSON libraries would round them.
//    Counters that may grow that large are already strings in the results.
//  - A stored time is written as ISO 8601 with the UTC offset the database
//    session's time zone (its TimeZone; PGTZ) had at that instant, the same
//    wall-clock time XML-RPC sends: 2024-05-01T12:00:00+02:00. A date-time
//    token echoed from a request (NIPAP's naive "YYYYMMDDTHH:MM:SS") gets the
//    offset of the process's local time zone (TZ) at that time; in the hour
//    repeated when clocks go back, the C library picks one of the two.
//  - Binary values are base64 strings; non-finite doubles are null.
//  - Strings: '"', '\\' and control characters are escaped (\n, \t, ... or
//    \u00XX), everything else is written as UTF-8. Bytes that are not valid
//    UTF-8 become U+FFFD, so the output is always valid JSON. Request bodies
//    must be valid UTF-8 (RFC 8259); invalid bytes are a syntax error.
//  - Objects with a repeated key are refused rather than silently keeping one.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/value.h"
#include "api/value_writer.h"

namespace prefixd::api {

struct JsonLimits {
  // Deepest allowed nesting of arrays and objects (limits.max_nesting).
  std::size_t max_depth = 1024;
  // Most values (scalars, arrays, objects) in one text (limits.max_values):
  // a decoded value costs far more memory than its text.
  std::size_t max_values = 1000000;
};

// A request body that is not acceptable JSON. The message names the problem
// and, where there is one, the position ("at line 1, column 9 (byte 9)").
// Every JsonError is a client error (HTTP 400).
class JsonError : public std::runtime_error {
 public:
  enum class Kind { kSyntax, kTooDeep, kDuplicateKey };
  JsonError(Kind kind, const std::string& message, std::size_t byte = 0)
      : std::runtime_error(message), kind_(kind), byte_(byte) {}
  Kind kind() const { return kind_; }
  // 1-based offset of the offending byte; 0 when the error has no position.
  std::size_t byte() const { return byte_; }

 private:
  Kind kind_;
  std::size_t byte_;
};

// Parses one complete JSON text (any value at top level; surrounding
// whitespace allowed, anything else after it is an error).
Value parse_json(std::string_view text, const JsonLimits& limits);

// Writes one JSON value into `out` (appended). With `pretty`, objects and
// arrays are indented by two spaces per level and the text ends in a newline.
class JsonWriter final : public ValueWriter {
 public:
  explicit JsonWriter(std::string& out, bool pretty = false) : out_(out), pretty_(pretty) {}

  // Ends the document (a newline when pretty). Call once after the value.
  void finish();

  void write_nil() override;
  void write_bool(bool b) override;
  void write_int(int64_t i) override;
  void write_big_integer(std::string_view digits) override;
  void write_double(double d) override;
  void write_string(std::string_view s) override;
  void write_datetime(std::string_view iso8601_basic) override;
  void write_timestamp(const Timestamp& t) override;
  void write_binary(std::string_view bytes) override;
  void begin_array() override;
  void end_array() override;
  void begin_struct() override;
  void write_key(std::string_view key) override;
  void end_struct() override;
  std::string cache_format() const override;
  std::string* cache_buffer() override { return &out_; }
  void cached_value_appended() override;

 private:
  void before_value();
  void close(char bracket);
  void newline();

  std::string& out_;
  bool pretty_;
  bool after_key_ = false;
  // One entry per open container: whether it has a member yet.
  std::vector<bool> open_;
  // The last date-time's minute ("YYYYMMDDTHH:MM") and its offset, since
  // results carry many times from the same minute.
  std::string offset_minute_;
  std::string offset_text_;
};

// Captures what is written as a Value tree (kept for results a transport
// must inspect before answering, and for building Values from events).
class ValueTreeWriter final : public ValueWriter {
 public:
  // The complete value (nil until one was written).
  Value& result() { return root_; }
  // Adds a finished value where the next value goes.
  void add(Value v);
  // Open arrays and structs.
  std::size_t depth() const { return open_.size(); }
  // Whether the innermost open struct already has `key`.
  bool open_struct_has(std::string_view key) const;

  void write_nil() override { add(Value::nil()); }
  void write_bool(bool b) override { add(Value::boolean(b)); }
  void write_int(int64_t i) override { add(Value::integer(i)); }
  void write_big_integer(std::string_view digits) override {
    add(Value::big_integer(std::string(digits)));
  }
  void write_double(double d) override { add(Value::real(d)); }
  void write_string(std::string_view s) override { add(Value::string(std::string(s))); }
  void write_datetime(std::string_view t) override { add(Value::datetime(std::string(t))); }
  void write_binary(std::string_view b) override { add(Value::binary(std::string(b))); }
  void begin_array() override { open(Value::array()); }
  void end_array() override { close(); }
  void begin_struct() override { open(Value::structure()); }
  void write_key(std::string_view key) override { keys_.back() = key; }
  void end_struct() override { close(); }

 private:
  void open(Value container);
  void close();

  Value root_;
  std::vector<Value> open_;
  std::vector<std::string> keys_;  // the pending key of each open container
};

// Appends `s` as a JSON string literal (quotes included), per the rules above.
void append_json_string(std::string& out, std::string_view s);

// ISO 8601 with offset for a naive "YYYYMMDDTHH:MM:SS" read in the process's
// local time zone; the input unchanged when it is not of that form.
std::string iso8601_with_offset(std::string_view iso8601_basic);

}  // namespace prefixd::api
