// SPDX-License-Identifier: MIT
// Shared by the XML-RPC request decoder's files (xmlrpc_decoder,
// xmlrpc_python_values): feeding expat as CPython does, failing with Python's
// texts, and Python's conversions of element text. Not an interface for other
// modules; use api/xmlrpc_codec.h.
#pragma once

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "api/value.h"
#include "api/xmlrpc_codec.h"
#include "backend/errors.h"

namespace prefixd::api::xmlrpc_detail {

// CPython's default sys.int_info.default_max_str_digits.
constexpr std::size_t kPythonMaxIntDigits = 4300;

[[noreturn]] inline void fail(const std::string& text) {
  throw NipapError(FaultCode::kGeneric, text);
}

inline std::string limit_message(std::size_t max_depth) {
  return "request nesting exceeds the configured limit of " + std::to_string(max_depth) +
         " (limits.max_nesting)";
}

inline std::string_view local_name(std::string_view tag) {
  auto colon = tag.rfind(':');
  return colon == std::string_view::npos ? tag : tag.substr(colon + 1);
}

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
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

// Python's conversions of element text, as the Unmarshaller applies them
// (xmlrpc_python_values.cpp): int(data), float(data), decimal.Decimal(data),
// and base64 decoding of <base64>.
Value py_int(std::string_view data);
double py_float(std::string_view data);
double py_decimal(std::string_view data);
std::string py_b64decode(std::string_view data);

}  // namespace prefixd::api::xmlrpc_detail
