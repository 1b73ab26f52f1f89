// SPDX-License-Identifier: MIT
// The XML-RPC response writer: methodResponse and fault bodies written straight
// into a string, byte for byte as Python's xmlrpc.client marshaller writes them.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

#include "api/base64.h"
#include "api/xmlrpc_codec.h"
#include "backend/utf8.h"

namespace prefixd::api {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

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

}  // namespace

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
  append_base64(out_, bytes, 57);  // base64.encodebytes: 76-character lines
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
