// SPDX-License-Identifier: MIT
// Python's number and base64 conversions, as xmlrpc.client's Unmarshaller
// applies them to element text, with CPython's exception texts.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

#include "api/base64.h"
#include "api/xmlrpc_decoder_internal.h"
#include "backend/python_text.h"
#include "backend/utf8.h"

namespace prefixd::api::xmlrpc_detail {

namespace {

// Parses [sign](digits[.digits]|.digits)[e[sign]digits] (no blanks, no underscores) like
// CPython's strtod: out-of-range values become ±inf or ±0.0 instead of failing.
std::optional<double> parse_decimal_number(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::size_t int_begin = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::size_t int_digits = i - int_begin, frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    std::size_t frac_begin = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    frac_digits = i - frac_begin;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    if (i == s.size() || !is_digit(s[i])) return std::nullopt;
    for (; i < s.size() && is_digit(s[i]); ++i)
      exponent = std::min(exponent * 10 + (s[i] - '0'), 1000000000L);
    if (exp_negative) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;

  std::string_view number = s.substr(negative || s[0] == '+' ? 1 : 0);
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // The decimal exponent of the first significant digit tells overflow from underflow.
    long position = static_cast<long>(int_digits) - 1;
    for (std::size_t k = int_begin; k < s.size() && (is_digit(s[k]) || s[k] == '.'); ++k) {
      if (s[k] == '.') continue;
      if (s[k] != '0') break;
      --position;
    }
    value = position + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (ec != std::errc() || end != number.data() + number.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

// "inf", "infinity", "nan" with an optional sign, case-insensitively.
std::optional<double> parse_inf_or_nan(std::string_view s, bool allow_nan_payload) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto lower = [](std::string_view t) {
    std::string r(t);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  std::string word = lower(s);
  if (word == "inf" || word == "infinity")
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  if (allow_nan_payload) {
    // Decimal: NaN / sNaN followed by optional diagnostic digits.
    std::string_view w = word;
    if (w.starts_with("snan"))
      w.remove_prefix(4);
    else if (w.starts_with("nan"))
      w.remove_prefix(3);
    else
      return std::nullopt;
    if (!std::all_of(w.begin(), w.end(), is_digit)) return std::nullopt;
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (word == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::nullopt;
}

// CPython maps every Unicode blank to ' ' before int()/float() look at the text.
std::string ascii_blanks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t at = i;
    char32_t c = next_code_point(s, i);
    if (c >= 0x80 && py_isspace(c))
      out += ' ';
    else
      out.append(s.substr(at, i - at));
  }
  return out;
}

bool ascii_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

std::string_view trim_ascii(std::string_view s) {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

// int(data)
Value py_int(std::string_view data) {
  auto invalid = [&]() -> Value {
    fail("<class 'ValueError'>:invalid literal for int() with base 10: " + py_repr(data, 200));
  };
  std::string blanks = ascii_blanks(data);
  std::string_view s = trim_ascii(blanks);
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string digits;
  while (i < s.size()) {
    if (is_digit(s[i])) {
      digits += s[i++];
    } else if (s[i] == '_' && !digits.empty() && i + 1 < s.size() && is_digit(s[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  if (digits.empty()) return invalid();
  if (digits.size() > kPythonMaxIntDigits)
    fail("<class 'ValueError'>:Exceeds the limit (" + std::to_string(kPythonMaxIntDigits) +
         " digits) for integer string conversion: value has " + std::to_string(digits.size()) +
         " digits; use sys.set_int_max_str_digits() to increase the limit");
  if (i != s.size()) return invalid();

  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Value::integer(0);
  digits.erase(0, first);
  if (digits.size() <= 19) {
    uint64_t magnitude = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!negative && magnitude <= kMax) return Value::integer(static_cast<int64_t>(magnitude));
    if (negative && magnitude <= kMax + 1)
      return Value::integer(magnitude == kMax + 1 ? std::numeric_limits<int64_t>::min()
                                                  : -static_cast<int64_t>(magnitude));
  }
  return Value::big_integer((negative ? "-" : "") + digits);
}

// float(data)
double py_float(std::string_view data) {
  auto invalid = [&]() -> double {
    fail("<class 'ValueError'>:could not convert string to float: " + py_repr(data));
  };
  std::string blanks = ascii_blanks(data);
  // PEP 515: an underscore must sit between two digits.
  std::string clean;
  char prev = '\0';
  for (std::size_t i = 0; i < blanks.size(); ++i) {
    char c = blanks[i];
    if (c == '_') {
      if (!is_digit(prev) || i + 1 == blanks.size() || !is_digit(blanks[i + 1])) return invalid();
    } else {
      clean += c;
    }
    prev = c;
  }
  std::string_view s = trim_ascii(clean);
  if (auto special = parse_inf_or_nan(s, false)) return *special;
  if (auto number = parse_decimal_number(s)) return *number;
  return invalid();
}

// decimal.Decimal(data); the result is kept as a double (Value has no decimal type).
double py_decimal(std::string_view data) {
  std::string clean;
  for (char c : ascii_blanks(data))
    if (c != '_') clean += c;
  std::string_view s = trim_ascii(clean);
  if (auto special = parse_inf_or_nan(s, true)) return *special;
  if (auto number = parse_decimal_number(s)) return *number;
  fail("<class 'decimal.InvalidOperation'>:[<class 'decimal.ConversionSyntax'>]");
}

// xmlrpc.client.Binary.decode(data.encode("ascii")), i.e. binascii.a2b_base64 in its
// forgiving mode: characters outside the alphabet are skipped, and a complete padding
// ends the data.
std::string py_b64decode(std::string_view data) {
  for (std::size_t i = 0, pos = 0; i < data.size(); ++pos) {
    char32_t c = next_code_point(data, i);
    if (c < 0x80) continue;
    std::size_t start = pos, end_pos = pos + 1;
    while (i < data.size()) {
      std::size_t j = i;
      if (next_code_point(data, j) < 0x80) break;
      i = j;
      ++end_pos;
    }
    std::string message = "<class 'UnicodeEncodeError'>:'ascii' codec can't encode ";
    if (end_pos - start == 1) {
      static constexpr char kHex[] = "0123456789abcdef";
      int digits = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
      message += "character '\\";
      message += digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
      for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        message += kHex[(c >> shift) & 0xF];
      message += "' in position " + std::to_string(start);
    } else {
      message +=
          "characters in position " + std::to_string(start) + "-" + std::to_string(end_pos - 1);
    }
    fail(message + ": ordinal not in range(128)");
  }

  std::string out;
  out.reserve(data.size() / 4 * 3 + 3);
  int quad_pos = 0, pads = 0;
  unsigned left = 0;
  for (char ch : data) {
    if (ch == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) return out;
      continue;
    }
    int v = base64_digit(ch);
    if (v < 0) continue;
    pads = 0;
    switch (quad_pos) {
      case 0:
        left = static_cast<unsigned>(v);
        quad_pos = 1;
        break;
      case 1:
        out += static_cast<char>((left << 2) | (static_cast<unsigned>(v) >> 4));
        left = static_cast<unsigned>(v) & 0x0F;
        quad_pos = 2;
        break;
      case 2:
        out += static_cast<char>((left << 4) | (static_cast<unsigned>(v) >> 2));
        left = static_cast<unsigned>(v) & 0x03;
        quad_pos = 3;
        break;
      default:
        out += static_cast<char>((left << 6) | static_cast<unsigned>(v));
        quad_pos = 0;
        break;
    }
  }
  if (quad_pos == 1)
    fail("<class 'binascii.Error'>:Invalid base64-encoded string: number of data characters (" +
         std::to_string(out.size() / 3 * 4 + 1) + ") cannot be 1 more than a multiple of 4");
  if (quad_pos != 0) fail("<class 'binascii.Error'>:Incorrect padding");
  return out;
}

}  // namespace prefixd::api::xmlrpc_detail
