// SPDX-License-Identifier: MIT
#include "api/json_codec.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "api/base64.h"
#include "backend/utf8.h"

namespace prefixd::api {

namespace {

// ---------------------------------------------------------------------------------------
// Parsing

// 1-based line and column of the 1-based byte offset `byte`.
std::string position_text(std::string_view text, std::size_t byte) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(byte - line_start) +
         " (byte " + std::to_string(byte) + ")";
}

// The 1-based offset of the bracket that opens level max_depth + 1, or 0.
// Only called after the parser stopped there, so the text up to it is valid.
std::size_t too_deep_at(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i + 1;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return 0;
}

// Builds a Value from nlohmann-json's SAX events. The parser keeps its own
// explicit stack, so hostile nesting cannot overflow the C++ stack; the depth
// limit bounds the (recursive) destruction of the Value tree.
class ValueSax final : public nlohmann::json_sax<nlohmann::json> {
 public:
  ValueSax(std::size_t max_depth, std::size_t max_values)
      : max_depth_(max_depth), max_values_(max_values) {}

  bool null() override { return add(Value::nil()); }
  bool boolean(bool b) override { return add(Value::boolean(b)); }
  bool number_integer(number_integer_t i) override { return add(Value::integer(i)); }
  bool number_unsigned(number_unsigned_t u) override {
    if (u <= static_cast<number_unsigned_t>(INT64_MAX)) {
      return add(Value::integer(static_cast<int64_t>(u)));
    }
    return add(Value::big_integer(std::to_string(u)));
  }
  // nlohmann-json falls back to a double for integers beyond 64 bits; the
  // token tells them apart.
  bool number_float(number_float_t d, const string_t& token) override {
    if (token.find_first_of(".eE") == std::string::npos) return add(Value::big_integer(token));
    if (!std::isfinite(d)) {
      return fail(JsonError::Kind::kSyntax, "number " + token + " is out of range");
    }
    return add(Value::real(d));
  }
  // PostgreSQL text cannot hold NUL: libpq would silently cut the value
  // there, so "\u0000" is refused rather than stored truncated.
  bool string(string_t& s) override {
    if (s.find('\0') != std::string::npos) return fail_nul("a string");
    return add(Value::string(std::move(s)));
  }
  bool binary(binary_t&) override { return fail(JsonError::Kind::kSyntax, "binary value"); }

  bool start_object(std::size_t) override {
    if (!count()) return false;
    if (tree_.depth() >= max_depth_) return fail(JsonError::Kind::kTooDeep, "");
    tree_.begin_struct();
    return true;
  }
  bool key(string_t& k) override {
    if (k.find('\0') != std::string::npos) return fail_nul("an object key");
    if (tree_.open_struct_has(k)) {
      return fail(JsonError::Kind::kDuplicateKey,
                  "malformed JSON: key \"" + k + "\" appears twice in one object");
    }
    tree_.write_key(k);
    return true;
  }
  bool end_object() override {
    tree_.end_struct();
    return true;
  }
  bool start_array(std::size_t) override {
    if (!count()) return false;
    if (tree_.depth() >= max_depth_) return fail(JsonError::Kind::kTooDeep, "");
    tree_.begin_array();
    return true;
  }
  bool end_array() override {
    tree_.end_array();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 5: <detail>"
    // or "[json.exception.out_of_range.406] <detail>"; the position is given by the caller.
    std::string_view what = e.what();
    if (const std::size_t id_end = what.find("] "); id_end != std::string_view::npos) {
      what.remove_prefix(id_end + 2);
    }
    if (what.starts_with("parse error")) {
      if (const std::size_t colon = what.find(": "); colon != std::string_view::npos) {
        what.remove_prefix(colon + 2);
      }
    }
    detail_ = what;
    error_byte_ = position == 0 ? 1 : position;
    return fail(JsonError::Kind::kSyntax, "");
  }

  Value take_result() { return std::move(tree_.result()); }

  bool failed() const { return failed_; }
  JsonError::Kind error_kind() const { return error_kind_; }
  const std::string& error_message() const { return error_message_; }
  std::size_t error_byte() const { return error_byte_; }
  const std::string& detail() const { return detail_; }

 private:
  bool fail(JsonError::Kind kind, std::string message) {
    failed_ = true;
    error_kind_ = kind;
    error_message_ = std::move(message);
    return false;
  }
  bool fail_nul(const char* what) {
    return fail(
        JsonError::Kind::kSyntax,
        std::string(what) + " contains a NUL character (\\u0000), which prefixd cannot store");
  }
  bool add(Value v) {
    if (!count()) return false;
    tree_.add(std::move(v));
    return true;
  }
  bool count() {
    if (++values_ <= max_values_) return true;
    return fail(JsonError::Kind::kSyntax, "the JSON text holds more than " +
                                              std::to_string(max_values_) +
                                              " values (limits.max_values)");
  }

  std::size_t max_depth_;
  std::size_t max_values_;
  std::size_t values_ = 0;
  ValueTreeWriter tree_;
  bool failed_ = false;
  JsonError::Kind error_kind_ = JsonError::Kind::kSyntax;
  std::string error_message_;
  std::size_t error_byte_ = 0;
  std::string detail_;
};

// ---------------------------------------------------------------------------------------
// Writing

// What replaces byte c (< 0x80) inside a JSON string, or nullptr to keep it.
const char* ascii_escape(unsigned char c) {
  static const char* const kControl[0x20] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
  };
  if (c < 0x20) return kControl[c];
  if (c == '"') return "\\\"";
  if (c == '\\') return "\\\\";
  return nullptr;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

constexpr int64_t kLargestExactDouble = int64_t{1} << 53;

bool is_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "+HH:MM" for the local time zone at the given wall-clock time. In a gap
// (clocks put forward) mktime moves the time past it and gives that offset.
std::string local_offset(int year, int month, int day, int hour, int minute, int second) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  t.tm_isdst = -1;
  std::mktime(&t);  // fills in tm_gmtoff; cannot fail for four-digit years with 64-bit time_t
  const long offset = t.tm_gmtoff;
  const long magnitude = offset < 0 ? -offset : offset;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", offset < 0 ? '-' : '+', magnitude / 3600 % 100,
                magnitude % 3600 / 60);
  return buf;
}

struct NaiveTime {
  int year, month, day, hour, minute, second;
};

// Reads "YYYYMMDDTHH:MM:SS".
bool parse_naive(std::string_view s, NaiveTime& t) {
  if (s.size() != 17 || s[8] != 'T' || s[11] != ':' || s[14] != ':') return false;
  if (!is_digits(s.substr(0, 8)) || !is_digits(s.substr(9, 2)) || !is_digits(s.substr(12, 2)) ||
      !is_digits(s.substr(15, 2))) {
    return false;
  }
  auto number = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return v;
  };
  t = {number(0, 4), number(4, 2), number(6, 2), number(9, 2), number(12, 2), number(15, 2)};
  return true;
}

// "YYYY-MM-DDTHH:MM:SS" from the naive form (already checked).
std::string extended_form(std::string_view s) {
  std::string out;
  out.reserve(25);
  out.append(s.substr(0, 4)).append("-").append(s.substr(4, 2)).append("-");
  out.append(s.substr(6, 2)).append(s.substr(8));
  return out;
}

}  // namespace

Value parse_json(std::string_view text, const JsonLimits& limits) {
  ValueSax sax(limits.max_depth == 0 ? 1 : limits.max_depth, limits.max_values);
  nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                            true);
  if (!sax.failed()) return sax.take_result();
  switch (sax.error_kind()) {
    case JsonError::Kind::kTooDeep: {
      const std::size_t byte = too_deep_at(text, limits.max_depth);
      throw JsonError(JsonError::Kind::kTooDeep,
                      "JSON nested deeper than the limit of " + std::to_string(limits.max_depth) +
                          " (limits.max_nesting) at " + position_text(text, byte),
                      byte);
    }
    case JsonError::Kind::kDuplicateKey:
      throw JsonError(JsonError::Kind::kDuplicateKey, sax.error_message());
    case JsonError::Kind::kSyntax:
      break;
  }
  if (sax.error_byte() == 0) {
    throw JsonError(JsonError::Kind::kSyntax, "malformed JSON: " + sax.error_message());
  }
  throw JsonError(
      JsonError::Kind::kSyntax,
      "malformed JSON at " + position_text(text, sax.error_byte()) + ": " + sax.detail(),
      sax.error_byte());
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0, i = 0;
  auto replace = [&](std::string_view with, std::size_t skip) {
    out.append(s.data() + run, i - run);
    out += with;
    i += skip;
    run = i;
  };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (const char* escape = ascii_escape(c)) {
        replace(escape, 1);
      } else {
        ++i;
      }
    } else if (const std::size_t length = utf8_length(s, i)) {
      i += length;
    } else {
      replace(kReplacement, 1);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string iso8601_with_offset(std::string_view iso8601_basic) {
  NaiveTime t;
  if (!parse_naive(iso8601_basic, t)) return std::string(iso8601_basic);
  return extended_form(iso8601_basic) +
         local_offset(t.year, t.month, t.day, t.hour, t.minute, t.second);
}

void ValueTreeWriter::add(Value v) {
  if (open_.empty()) {
    root_ = std::move(v);
  } else if (open_.back().is_array()) {
    open_.back().as_array().push_back(std::move(v));
  } else {
    open_.back().as_struct().insert_or_assign(std::move(keys_.back()), std::move(v));
  }
}

bool ValueTreeWriter::open_struct_has(std::string_view key) const {
  return !open_.empty() && open_.back().is_struct() && open_.back().find(key) != nullptr;
}

void ValueTreeWriter::open(Value container) {
  open_.push_back(std::move(container));
  keys_.emplace_back();
}

void ValueTreeWriter::close() {
  Value done = std::move(open_.back());
  open_.pop_back();
  keys_.pop_back();
  add(std::move(done));
}

void JsonWriter::newline() {
  if (!pretty_) return;
  out_ += '\n';
  out_.append(2 * open_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) return;
  if (open_.back()) out_ += ',';
  open_.back() = true;
  newline();
}

std::string JsonWriter::cache_format() const {
  // What before_value() and the indentation depend on.
  std::string f = pretty_ ? "json-pretty/" : "json/";
  f += std::to_string(open_.size());
  f += after_key_ ? 'k' : (open_.empty() ? '-' : (open_.back() ? 'm' : 'e'));
  return f;
}

void JsonWriter::cached_value_appended() {
  if (after_key_) {
    after_key_ = false;
  } else if (!open_.empty()) {
    open_.back() = true;
  }
}

void JsonWriter::close(char bracket) {
  const bool had_members = open_.back();
  open_.pop_back();
  if (had_members) newline();
  out_ += bracket;
}

void JsonWriter::finish() {
  if (pretty_) out_ += '\n';
}

void JsonWriter::write_nil() {
  before_value();
  out_ += "null";
}

void JsonWriter::write_bool(bool b) {
  before_value();
  out_ += b ? "true" : "false";
}

void JsonWriter::write_int(int64_t i) {
  before_value();
  const bool exact = i >= -kLargestExactDouble && i <= kLargestExactDouble;
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, i).ptr;
  if (!exact) out_ += '"';
  out_.append(buf, end);
  if (!exact) out_ += '"';
}

void JsonWriter::write_big_integer(std::string_view digits) {
  before_value();
  append_json_string(out_, digits);
}

void JsonWriter::write_double(double d) {
  before_value();
  if (!std::isfinite(d)) {
    out_ += "null";
    return;
  }
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;
  const std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out_ += text;
  // Keep it recognisably a float: 2.0 rather than 2.
  if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
}

void JsonWriter::write_string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
}

void JsonWriter::write_datetime(std::string_view iso8601_basic) {
  before_value();
  NaiveTime t;
  if (!parse_naive(iso8601_basic, t)) {
    append_json_string(out_, iso8601_basic);
    return;
  }
  const std::string_view minute = iso8601_basic.substr(0, 14);
  if (minute != offset_minute_) {
    offset_minute_ = minute;
    offset_text_ = local_offset(t.year, t.month, t.day, t.hour, t.minute, t.second);
  }
  out_ += '"';
  out_ += extended_form(iso8601_basic);
  out_ += offset_text_;
  out_ += '"';
}

void JsonWriter::write_timestamp(const Timestamp& t) {
  before_value();
  const LocalTime l = local_time(t);
  const long magnitude = t.utc_offset < 0 ? -static_cast<long>(t.utc_offset) : t.utc_offset;
  char text[80];
  const int n =
      std::snprintf(text, sizeof text, "\"%04lld-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld\"",
                    static_cast<long long>(l.year), l.month, l.day, l.hour, l.minute, l.second,
                    t.utc_offset < 0 ? '-' : '+', magnitude / 3600 % 100, magnitude % 3600 / 60);
  out_.append(text, static_cast<std::size_t>(n));
}

void JsonWriter::write_binary(std::string_view bytes) {
  before_value();
  out_ += '"';
  append_base64(out_, bytes);
  out_ += '"';
}

void JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  open_.push_back(false);
}

void JsonWriter::end_array() {
  close(']');
}

void JsonWriter::begin_struct() {
  before_value();
  out_ += '{';
  open_.push_back(false);
}

void JsonWriter::write_key(std::string_view key) {
  if (open_.back()) out_ += ',';
  open_.back() = true;
  newline();
  append_json_string(out_, key);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::end_struct() {
  close('}');
}

}  // namespace prefixd::api
