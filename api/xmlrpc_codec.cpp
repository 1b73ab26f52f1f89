// XML-RPC codec. Requests are decoded the way nipapd's Python xmlrpc.client.Unmarshaller
// decodes them: by xmlrpc-c (a project decision) where it is known to be safe and exact, and
// by a small libexpat port of the Unmarshaller everywhere else. Responses are written
// straight into a string.
//
// Why not "rename a few tags, then hand the body to xmlrpc-c": measured against xmlrpc-c
// 1.33.14 (Debian 12), that can be made neither safe nor exact.
//  * It rejects <biginteger>, <float>, <bigdecimal>, <int> outside 32 bits, <x:nil/> for any
//    prefix but "ex", <array> without <data>, two <methodName>s, a missing <methodName>, and
//    <int> with blanks or '_' (Python's int() takes both). A safe rename needs a tokenizer
//    anyway (CDATA, comments, entities, encodings).
//  * It accepts but decodes differently: <dateTime.iso8601> loses its text (Python keeps it;
//    "2024-01-02T03:04:05Z" came back as 20240102T03:04:05), <double> is not correctly
//    rounded ("0.30000000000000004" gave 0.3000000000000001) and takes hex floats, <base64>
//    goes on after '=' padding where Python stops, "&#13;" becomes LF instead of CR, and a
//    <member> with <value> before <name> is read by element name where Python pairs items
//    in document order (the last two found by fuzzing both decoders against each other).
//  * It crashes: any invalid <i8> text (2^63, "abc") segfaults in its error path (bad printf
//    argument); elements nested ~100k deep overflow the stack in its recursive
//    xml_element_free. Its bundled expat is an old fork that expands internal entities, and
//    it builds structs in quadratic time (160k members: 4.4 s).
//  * Its errors carry no line/column, so Python's ExpatError texts cannot be reproduced.
//
// So every body first goes through a guard pass with the system libexpat (2.5, the parser
// CPython uses, hence identical error texts). The guard checks well-formedness, enforces the
// nesting limit, refuses entity declarations (nothing legitimate needs them, and they feed
// every expat expansion and recursion bug), and decides whether the body stays where
// xmlrpc-c is exact: UTF-8 without BOM or DOCTYPE, root <methodCall>, only the elements
// methodCall methodName params param value int i4 i1 i2 boolean string nil ex:nil array data
// struct member name, <name> before <value> in a member, at most 256 members per struct, no
// "&#13;". Such bodies go to xmlrpc-c. Everything else, and whatever xmlrpc-c refuses, goes
// to PythonUnmarshaller: the Unmarshaller's stack machine with the same tag handling, value
// conversions and exception texts. It is iterative, so any depth the guard admits is safe.
#include "api/xmlrpc_codec.h"

#include <expat.h>
#include <xmlrpc-c/base.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "backend/errors.h"

namespace prefixd::api {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD
// Structs larger than this go to the fallback parser: xmlrpc-c inserts in O(n).
constexpr std::size_t kMaxXmlrpcCStructMembers = 256;
// CPython's default sys.int_info.default_max_str_digits.
constexpr std::size_t kPythonMaxIntDigits = 4300;

[[noreturn]] void fail(const std::string& text) {
  throw NipapError(FaultCode::kGeneric, text);
}

std::string limit_message(std::size_t max_depth) {
  return "request nesting exceeds the configured limit of " + std::to_string(max_depth) +
         " (limits.max_nesting)";
}

std::string_view local_name(std::string_view tag) {
  auto colon = tag.rfind(':');
  return colon == std::string_view::npos ? tag : tag.substr(colon + 1);
}

// ---------------------------------------------------------------------------------------
// UTF-8 and Python string helpers

// Length of the valid UTF-8 sequence at s[i], else 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  auto cont = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  unsigned c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned c1 = byte(1);
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned c1 = byte(1);
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

// Decodes the code point at s[i] and advances i; invalid bytes decode as themselves (the
// strings handled here come from expat and are valid).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  std::size_t len = utf8_length(s, i);
  auto b = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]));
  };
  char32_t cp;
  switch (len) {
    case 2:
      cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
      break;
    case 3:
      cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
      break;
    case 4:
      cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
      break;
    default:
      cp = b(0);
      len = 1;
      break;
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Python's str.isspace().
bool py_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Python's str.isprintable(), without the unassigned code points (that needs the Unicode
// database; it only affects how an error message quotes exotic input).
bool py_isprintable(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return false;
  if (c < 0x7F) return true;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
      (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB))
    return false;
  if ((c >= 0x600 && c <= 0x605) || c == 0x61C || c == 0x6DD || c == 0x70F || c == 0x180E)
    return false;
  if ((c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
    return false;
  if (c == 0xE0001 || (c >= 0xE0020 && c <= 0xE007F) || c >= 0xF0000) return false;
  return true;
}

// Python's repr() of a str, cut to max_chars characters like "%.200R" does.
std::string py_repr(std::string_view s, std::size_t max_chars = std::string::npos) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = next_code_point(s, i);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (py_isprintable(c)) {
      append_utf8(out, c);
    } else {
      int digits = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
      out += '\\';
      out += digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
      for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xF];
    }
  }
  out += quote;
  if (max_chars != std::string::npos) {
    std::size_t i = 0;
    for (std::size_t n = 0; n < max_chars && i < out.size(); ++n) next_code_point(out, i);
    out.resize(i);
  }
  return out;
}

// Python's str.strip().
std::string_view py_strip(std::string_view s) {
  std::size_t begin = s.size(), end = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t at = i;
    if (!py_isspace(next_code_point(s, i))) {
      if (begin == s.size()) begin = at;
      end = i;
    }
  }
  return begin < end ? s.substr(begin, end - begin) : std::string_view();
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// ---------------------------------------------------------------------------------------
// Python's number and base64 conversions, as the Unmarshaller applies them

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

  auto sextet = [](unsigned char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(data.size() / 4 * 3 + 3);
  int quad_pos = 0, pads = 0;
  unsigned left = 0;
  for (char ch : data) {
    if (ch == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) return out;
      continue;
    }
    int v = sextet(static_cast<unsigned char>(ch));
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

// ---------------------------------------------------------------------------------------
// Feeding expat the way CPython's xmlrpc.client.ExpatParser does: feed() then close().

class ExpatParser {
 public:
  ExpatParser() : parser_(XML_ParserCreate(nullptr)) {
    if (parser_ == nullptr) throw std::bad_alloc();
  }
  ExpatParser(const ExpatParser&) = delete;
  ExpatParser& operator=(const ExpatParser&) = delete;
  ~ExpatParser() { XML_ParserFree(parser_); }
  XML_Parser get() const { return parser_; }

  // Records a failure raised inside a callback; exceptions must not unwind through expat.
  void abort(std::exception_ptr error) {
    if (!error_) error_ = std::move(error);
    XML_StopParser(parser_, XML_FALSE);
  }
  bool aborted() const { return static_cast<bool>(error_); }

  // Throws the callback's failure, or Python's ExpatError text.
  void parse(std::string_view body) {
    constexpr std::size_t kChunk = std::size_t{1} << 30;  // XML_Parse takes an int length
    bool ok = true;
    for (std::size_t off = 0; ok && off < body.size(); off += kChunk) {
      std::size_t n = std::min(kChunk, body.size() - off);
      ok = XML_Parse(parser_, body.data() + off, static_cast<int>(n), XML_FALSE) == XML_STATUS_OK;
    }
    if (ok) ok = XML_Parse(parser_, "", 0, XML_TRUE) == XML_STATUS_OK;
    if (error_) std::rethrow_exception(error_);
    if (!ok) fail(expat_error_text());
  }

  std::string expat_error_text() const {
    const XML_LChar* what = XML_ErrorString(XML_GetErrorCode(parser_));
    return position_text(what != nullptr ? what : "unknown error");
  }

  std::string position_text(std::string_view what) const {
    return "<class 'xml.parsers.expat.ExpatError'>:" + std::string(what) + ": line " +
           std::to_string(XML_GetCurrentLineNumber(parser_)) + ", column " +
           std::to_string(XML_GetCurrentColumnNumber(parser_));
  }

 private:
  XML_Parser parser_;
  std::exception_ptr error_;
};

// Runs fn, turning any exception into an abort of the parse.
template <typename Fn>
void guarded(ExpatParser& parser, Fn&& fn) {
  if (parser.aborted()) return;
  try {
    fn();
  } catch (...) {
    parser.abort(std::current_exception());
  }
}

// ---------------------------------------------------------------------------------------
// Guard pass

bool xmlrpc_c_vocabulary(std::string_view tag) {
  static constexpr std::string_view kNames[] = {
      "methodCall", "methodName", "params", "param",  "value", "int",  "i4",     "i1",     "i2",
      "boolean",    "string",     "nil",    "ex:nil", "array", "data", "struct", "member", "name"};
  return std::find(std::begin(kNames), std::end(kNames), tag) != std::end(kNames);
}

class Guard {
 public:
  Guard(std::string_view body, const XmlRpcLimits& limits) : body_(body), limits_(limits) {
    // Raw element depth: a struct level takes three elements (value, struct, member).
    std::size_t m = limits.max_depth;
    max_elements_ = m > (std::numeric_limits<std::size_t>::max() - 16) / 4
                        ? std::numeric_limits<std::size_t>::max()
                        : 4 * m + 16;
  }

  // Throws on malformed XML or excessive nesting; returns whether xmlrpc-c may decode it.
  bool run() {
    if (body_.size() >= 2 &&
        ((body_[0] == '\xFE' && body_[1] == '\xFF') || (body_[0] == '\xFF' && body_[1] == '\xFE')))
      xmlrpc_c_ok_ = false;  // UTF-16
    if (body_.size() >= 3 && body_.substr(0, 3) == "\xEF\xBB\xBF") xmlrpc_c_ok_ = false;
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &Guard::on_start, &Guard::on_end);
    XML_SetCharacterDataHandler(p, &Guard::on_data);
    XML_SetXmlDeclHandler(p, &Guard::on_xml_decl);
    XML_SetStartDoctypeDeclHandler(p, &Guard::on_doctype);
    XML_SetEntityDeclHandler(p, &Guard::on_entity);
    parser_.parse(body_);
    return xmlrpc_c_ok_;
  }

 private:
  struct Container {
    bool is_struct;
    std::size_t members;
  };
  enum class Element : char { kOther, kMemberWithoutName, kMemberWithName };

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_, [&] { g->start(name); });
  }
  static void XMLCALL on_end(void* self, const XML_Char* name) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_, [&] { g->end(name); });
  }
  // Expat turns raw CRs into LFs, so a CR in character data came from "&#13;": xmlrpc-c
  // turns those into LF as well, Python keeps them.
  static void XMLCALL on_data(void* self, const XML_Char* text, int len) {
    if (std::memchr(text, '\r', static_cast<std::size_t>(len)) != nullptr)
      static_cast<Guard*>(self)->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_xml_decl(void* self, const XML_Char*, const XML_Char* encoding, int) {
    auto* g = static_cast<Guard*>(self);
    if (encoding != nullptr && !iequals(encoding, "utf-8")) g->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    static_cast<Guard*>(self)->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_entity(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_,
            [&] { fail(g->parser_.position_text("entity declarations are not supported")); });
  }

  void start(std::string_view tag) {
    if (path_.size() >= max_elements_) fail(limit_message(limits_.max_depth));
    if (path_.empty() && tag != "methodCall") xmlrpc_c_ok_ = false;
    if (!xmlrpc_c_vocabulary(tag)) xmlrpc_c_ok_ = false;
    // Python pairs struct items in document order, so <value> before <name> inside a
    // <member> swaps key and value there; xmlrpc-c reads them by element name.
    if (!path_.empty() && path_.back() == Element::kMemberWithoutName) {
      if (tag == "name")
        path_.back() = Element::kMemberWithName;
      else if (tag == "value")
        xmlrpc_c_ok_ = false;
    }
    path_.push_back(tag == "member" ? Element::kMemberWithoutName : Element::kOther);
    std::string_view local = local_name(tag);
    if (local == "value" && ++values_ > limits_.max_values) {
      fail("request holds more than " + std::to_string(limits_.max_values) +
           " values (limits.max_values)");
    }
    if (local == "member" && !open_.empty() && open_.back().is_struct &&
        ++open_.back().members > kMaxXmlrpcCStructMembers)
      xmlrpc_c_ok_ = false;
    if (local == "array" || local == "struct") {
      if (open_.size() >= limits_.max_depth) fail(limit_message(limits_.max_depth));
      open_.push_back({local == "struct", 0});
    }
  }

  void end(std::string_view tag) {
    path_.pop_back();
    std::string_view local = local_name(tag);
    if ((local == "array" || local == "struct") && !open_.empty()) open_.pop_back();
  }
  std::size_t values_ = 0;

  std::string_view body_;
  const XmlRpcLimits& limits_;
  ExpatParser parser_;
  std::size_t max_elements_;
  std::vector<Container> open_;
  std::vector<Element> path_;  // one entry per open element
  bool xmlrpc_c_ok_ = true;
};

// ---------------------------------------------------------------------------------------
// xmlrpc-c path

struct XmlrpcValueRef {
  xmlrpc_value* v = nullptr;
  ~XmlrpcValueRef() {
    if (v != nullptr) xmlrpc_DECREF(v);
  }
};

struct XmlrpcEnv {
  xmlrpc_env env;
  XmlrpcEnv() { xmlrpc_env_init(&env); }
  ~XmlrpcEnv() { xmlrpc_env_clean(&env); }
  XmlrpcEnv(const XmlrpcEnv&) = delete;
  XmlrpcEnv& operator=(const XmlrpcEnv&) = delete;
};

bool read_string(xmlrpc_env* env, xmlrpc_value* v, std::string& out) {
  std::size_t len = 0;
  const char* text = nullptr;
  xmlrpc_read_string_lp(env, v, &len, &text);
  if (env->fault_occurred) return false;
  std::unique_ptr<char, decltype(&std::free)> owner(const_cast<char*>(text), &std::free);
  out.assign(text, len);
  return true;
}

// Converts an xmlrpc-c value; false when it holds anything the guard should have kept
// away (then the fallback parser decides). Depth is bounded by the guard.
bool convert(xmlrpc_env* env, xmlrpc_value* v, Value& out) {
  switch (xmlrpc_value_type(v)) {
    case XMLRPC_TYPE_INT: {
      int i = 0;
      xmlrpc_read_int(env, v, &i);
      out = Value::integer(i);
      break;
    }
    case XMLRPC_TYPE_BOOL: {
      xmlrpc_bool b = 0;
      xmlrpc_read_bool(env, v, &b);
      out = Value::boolean(b != 0);
      break;
    }
    case XMLRPC_TYPE_STRING: {
      std::string s;
      if (!read_string(env, v, s)) return false;
      out = Value::string(std::move(s));
      break;
    }
    case XMLRPC_TYPE_NIL:
      out = Value::nil();
      break;
    case XMLRPC_TYPE_ARRAY: {
      int size = xmlrpc_array_size(env, v);
      if (env->fault_occurred || size < 0) return false;
      Value::Array items(static_cast<std::size_t>(size));
      for (int i = 0; i < size; ++i) {
        XmlrpcValueRef item;
        xmlrpc_array_read_item(env, v, static_cast<unsigned>(i), &item.v);
        if (env->fault_occurred || !convert(env, item.v, items[static_cast<std::size_t>(i)]))
          return false;
      }
      out = Value::array(std::move(items));
      break;
    }
    case XMLRPC_TYPE_STRUCT: {
      int size = xmlrpc_struct_size(env, v);
      if (env->fault_occurred || size < 0) return false;
      Value::Struct members;
      for (int i = 0; i < size; ++i) {
        XmlrpcValueRef key, item;
        xmlrpc_struct_read_member(env, v, static_cast<unsigned>(i), &key.v, &item.v);
        std::string name;
        Value value;
        if (env->fault_occurred || !read_string(env, key.v, name) || !convert(env, item.v, value))
          return false;
        members.insert_or_assign(std::move(name), std::move(value));
      }
      out = Value::structure(std::move(members));
      break;
    }
    default:
      return false;  // double, dateTime, base64, i8: the guard routes these elsewhere
  }
  return !env->fault_occurred;
}

std::optional<XmlRpcCall> parse_with_xmlrpc_c(std::string_view body) {
  XmlrpcEnv env;
  const char* method = nullptr;
  XmlrpcValueRef params;
  xmlrpc_parse_call(&env.env, body.data(), body.size(), &method, &params.v);
  if (env.env.fault_occurred) return std::nullopt;
  std::unique_ptr<char, decltype(&std::free)> method_owner(const_cast<char*>(method), &std::free);
  Value converted;
  if (method == nullptr || params.v == nullptr || !convert(&env.env, params.v, converted) ||
      !converted.is_array())
    return std::nullopt;
  return XmlRpcCall{method, std::move(converted.as_array())};
}

// ---------------------------------------------------------------------------------------
// Fallback: xmlrpc.client.Unmarshaller

class PythonUnmarshaller {
 public:
  XmlRpcCall parse(std::string_view body) {
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &PythonUnmarshaller::on_start, &PythonUnmarshaller::on_end);
    XML_SetCharacterDataHandler(p, &PythonUnmarshaller::on_data);
    XML_SetEntityDeclHandler(p, &PythonUnmarshaller::on_entity);
    parser_.parse(body);
    return close();
  }

 private:
  enum class DocType { kNone, kParams, kFault, kMethodName };

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->start(local_name(name)); });
  }
  static void XMLCALL on_end(void* self, const XML_Char* name) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->end(local_name(name)); });
  }
  static void XMLCALL on_data(void* self, const XML_Char* text, int len) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->data_.append(text, static_cast<std::size_t>(len)); });
  }
  static void XMLCALL on_entity(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_,
            [&] { fail(u->parser_.position_text("entity declarations are not supported")); });
  }

  static bool dispatches(std::string_view tag) {
    static constexpr std::string_view kNames[] = {"nil",
                                                  "boolean",
                                                  "int",
                                                  "i1",
                                                  "i2",
                                                  "i4",
                                                  "i8",
                                                  "biginteger",
                                                  "double",
                                                  "float",
                                                  "bigdecimal",
                                                  "string",
                                                  "name",
                                                  "array",
                                                  "struct",
                                                  "base64",
                                                  "dateTime.iso8601",
                                                  "value",
                                                  "params",
                                                  "fault",
                                                  "methodName"};
    return std::find(std::begin(kNames), std::end(kNames), tag) != std::end(kNames);
  }

  void start(std::string_view tag) {
    if (tag == "array" || tag == "struct") marks_.push_back(stack_.size());
    data_.clear();
    if (in_value_ && !dispatches(tag))
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError(" +
           py_repr("unknown tag " + py_repr(tag)) + ")");
    in_value_ = tag == "value";
  }

  void push(Value v) {
    stack_.push_back(std::move(v));
    in_value_ = false;
  }

  std::size_t pop_mark() {
    if (marks_.empty()) fail("<class 'IndexError'>:pop from empty list");
    std::size_t mark = std::min(marks_.back(), stack_.size());
    marks_.pop_back();
    return mark;
  }

  void end(std::string_view tag) {
    const std::string& data = data_;
    if (tag == "nil") {
      push(Value::nil());
    } else if (tag == "boolean") {
      if (data != "0" && data != "1") fail("<class 'TypeError'>:bad boolean value");
      push(Value::boolean(data == "1"));
    } else if (tag == "int" || tag == "i4" || tag == "i8" || tag == "i1" || tag == "i2" ||
               tag == "biginteger") {
      push(py_int(data));
    } else if (tag == "double" || tag == "float") {
      push(Value::real(py_float(data)));
    } else if (tag == "bigdecimal") {
      push(Value::real(py_decimal(data)));
    } else if (tag == "string" || tag == "name") {
      push(Value::string(data));
    } else if (tag == "array") {
      std::size_t mark = pop_mark();
      Value::Array items(
          std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
          std::make_move_iterator(stack_.end()));
      stack_.resize(mark);
      push(Value::array(std::move(items)));
    } else if (tag == "struct") {
      end_struct();
    } else if (tag == "base64") {
      push(Value::binary(py_b64decode(data)));
    } else if (tag == "dateTime.iso8601") {
      // DateTime.decode keeps str(data).strip(); end_dateTime leaves _value alone.
      stack_.push_back(Value::datetime(std::string(py_strip(data))));
    } else if (tag == "value") {
      if (in_value_) push(Value::string(data));
    } else if (tag == "params") {
      type_ = DocType::kParams;
    } else if (tag == "fault") {
      type_ = DocType::kFault;
    } else if (tag == "methodName") {
      method_ = data;
      type_ = DocType::kMethodName;
    }
  }

  void end_struct() {
    std::size_t mark = pop_mark();
    Value::Struct members;
    for (std::size_t i = mark; i < stack_.size(); i += 2) {
      if (i + 1 >= stack_.size()) fail("<class 'IndexError'>:list index out of range");
      Value& key = stack_[i];
      switch (key.type()) {
        case Value::Type::kString:
          members.insert_or_assign(key.text(), std::move(stack_[i + 1]));
          continue;
        case Value::Type::kArray:
        case Value::Type::kStruct:
        case Value::Type::kDateTime:
        case Value::Type::kBinary:
          fail("<class 'TypeError'>:unhashable type: '" + std::string(key.python_type_name()) +
               "'");
        default:
          // Python would accept a number or None as key; a Value struct cannot hold one.
          fail("<class 'TypeError'>:dictionary key must be string");
      }
    }
    stack_.resize(mark);
    push(Value::structure(std::move(members)));
  }

  XmlRpcCall close() {
    if (type_ == DocType::kNone || !marks_.empty())
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError()");
    if (type_ == DocType::kFault) {
      // Python raises the posted Fault and the dispatcher answers with it verbatim.
      const Value* code = stack_.empty() ? nullptr : stack_[0].find("faultCode");
      const Value* text = stack_.empty() ? nullptr : stack_[0].find("faultString");
      if (code == nullptr || text == nullptr || !code->is_int() || !text->is_string() ||
          stack_[0].as_struct().size() != 2 || code->as_int() < std::numeric_limits<int>::min() ||
          code->as_int() > std::numeric_limits<int>::max())
        fail("<class 'TypeError'>:invalid fault structure");
      throw NipapError(static_cast<FaultCode>(code->as_int()), text->text());
    }
    if (!method_) fail("<class 'Exception'>:method \"None\" is not supported");
    return XmlRpcCall{std::move(*method_), std::move(stack_)};
  }

  ExpatParser parser_;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::string data_;
  bool in_value_ = false;
  DocType type_ = DocType::kNone;
  std::optional<std::string> method_;
};

// ---------------------------------------------------------------------------------------
// Writing

// Python's xmlrpc.client.escape (only & < >) plus what keeps the document well-formed:
// bytes that are not UTF-8 and characters XML 1.0 forbids become U+FFFD (Python would emit
// them raw and break the client's parser; no character reference can express them).
void append_text(std::string& out, std::string_view s) {
  std::size_t run = 0, i = 0;
  auto flush = [&](std::size_t end) { out.append(s.data() + run, end - run); };
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::string_view replacement;
    std::size_t len = 1;
    if (c < 0x80) {
      if (c == '&')
        replacement = "&amp;";
      else if (c == '<')
        replacement = "&lt;";
      else if (c == '>')
        replacement = "&gt;";
      else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        replacement = kReplacementChar;
    } else {
      len = utf8_length(s, i);
      if (len == 0) {
        replacement = kReplacementChar;
        len = 1;
      } else if (len == 3 && c == 0xEF && s[i + 1] == '\xBF' &&
                 (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
        replacement = kReplacementChar;  // U+FFFE and U+FFFF are not XML characters
      }
    }
    if (!replacement.empty()) {
      flush(i);
      out += replacement;
      run = i + len;
    }
    i += len;
  }
  flush(s.size());
}

// repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16 up.
void append_python_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "nan";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "inf" : "-inf";
    return;
  }
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
  if (!text.empty() && text[0] == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e))
    if (c != '.') digits += c;
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);

  int decpt = exponent + 1;
  int n = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char exp_buf[8];
    int len = std::snprintf(exp_buf, sizeof exp_buf, "e%+.02d", exponent);
    out.append(exp_buf, static_cast<std::size_t>(len));
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= n) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - n), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<std::size_t>(decpt));
  }
}

// base64.encodebytes: 76-character lines, each ending in "\n"; nothing for no bytes.
void append_base64_lines(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::size_t kLineBytes = 57;
  for (std::size_t line = 0; line < bytes.size(); line += kLineBytes) {
    std::size_t end = std::min(bytes.size(), line + kLineBytes);
    for (std::size_t i = line; i < end; i += 3) {
      unsigned b0 = static_cast<unsigned char>(bytes[i]);
      unsigned b1 = i + 1 < end ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
      unsigned b2 = i + 2 < end ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
      out += kAlphabet[b0 >> 2];
      out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
      out += i + 1 < end ? kAlphabet[((b1 & 0x0F) << 2) | (b2 >> 6)] : '=';
      out += i + 2 < end ? kAlphabet[b2 & 0x3F] : '=';
    }
    out += '\n';
  }
}

}  // namespace

XmlRpcCall parse_xmlrpc_call(std::string_view body, const XmlRpcLimits& limits) {
  if (Guard(body, limits).run()) {
    if (auto call = parse_with_xmlrpc_c(body)) return std::move(*call);
  }
  return PythonUnmarshaller().parse(body);
}

void XmlRpcResponseWriter::begin_response() {
  open_.clear();
  out_ += "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
}

void XmlRpcResponseWriter::end_response() {
  out_ += "</param>\n</params>\n</methodResponse>\n";
}

void XmlRpcResponseWriter::value_done() {
  if (!open_.empty() && open_.back()) out_ += "</member>\n";
}

void XmlRpcResponseWriter::write_nil() {
  out_ += "<value><nil/></value>";
  value_done();
}

void XmlRpcResponseWriter::write_bool(bool b) {
  out_ += b ? "<value><boolean>1</boolean></value>\n" : "<value><boolean>0</boolean></value>\n";
  value_done();
}

void XmlRpcResponseWriter::write_int(int64_t i) {
  if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())
    throw EncodingError("int exceeds XML-RPC limits");
  out_ += "<value><int>";
  out_ += std::to_string(i);
  out_ += "</int></value>\n";
  value_done();
}

void XmlRpcResponseWriter::write_big_integer(std::string_view) {
  throw EncodingError("int exceeds XML-RPC limits");
}

void XmlRpcResponseWriter::write_double(double d) {
  out_ += "<value><double>";
  append_python_double(out_, d);
  out_ += "</double></value>\n";
  value_done();
}

void XmlRpcResponseWriter::write_string(std::string_view s) {
  out_ += "<value><string>";
  append_text(out_, s);
  out_ += "</string></value>\n";
  value_done();
}

void XmlRpcResponseWriter::write_datetime(std::string_view iso8601_basic) {
  out_ += "<value><dateTime.iso8601>";
  append_text(out_, iso8601_basic);
  out_ += "</dateTime.iso8601></value>\n";
  value_done();
}

void XmlRpcResponseWriter::write_binary(std::string_view bytes) {
  out_ += "<value><base64>\n";
  append_base64_lines(out_, bytes);
  out_ += "</base64></value>\n";
  value_done();
}

void XmlRpcResponseWriter::begin_array() {
  out_ += "<value><array><data>\n";
  open_.push_back(false);
}

void XmlRpcResponseWriter::end_array() {
  if (open_.empty() || open_.back()) throw std::logic_error("end_array without begin_array");
  open_.pop_back();
  out_ += "</data></array></value>\n";
  value_done();
}

void XmlRpcResponseWriter::begin_struct() {
  out_ += "<value><struct>\n";
  open_.push_back(true);
}

void XmlRpcResponseWriter::write_key(std::string_view key) {
  if (open_.empty() || !open_.back()) throw std::logic_error("write_key outside a struct");
  out_ += "<member>\n<name>";
  append_text(out_, key);
  out_ += "</name>\n";
}

void XmlRpcResponseWriter::end_struct() {
  if (open_.empty() || !open_.back()) throw std::logic_error("end_struct without begin_struct");
  open_.pop_back();
  out_ += "</struct></value>\n";
  value_done();
}

void write_xmlrpc_fault(std::string& out, int code, std::string_view message) {
  out +=
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n"
      "<name>faultCode</name>\n<value><int>";
  out += std::to_string(code);
  out +=
      "</int></value>\n</member>\n<member>\n<name>faultString</name>\n"
      "<value><string>";
  append_text(out, message);
  out += "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
}

}  // namespace prefixd::api
