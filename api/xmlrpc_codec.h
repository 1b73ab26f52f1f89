// SPDX-License-Identifier: MIT
// XML-RPC wire codec: decodes methodCall bodies into Values the way NIPAP's Python
// unmarshaller does (xmlrpc.md §1.2) and writes methodResponse / fault bodies byte for byte
// like Python's marshaller (§1.1, §1.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/value.h"
#include "api/value_writer.h"

namespace prefixd::api {

struct XmlRpcCall {
  std::string method;
  std::vector<Value> params;
};

struct XmlRpcLimits {
  // Deepest allowed nesting of arrays/structs in a request. Element nesting that is not
  // value nesting is bounded too (4 * max_depth + 16) because the XML libraries free their
  // trees recursively. Keep it moderate: decoded Values are destroyed recursively as well.
  std::size_t max_depth = 1024;
  // Most <value> elements in one call (limits.max_values): a decoded value
  // costs far more memory than its text.
  std::size_t max_values = 1000000;
};

// Parses a methodCall body. Malformed XML and undecodable values throw
// prefixd::NipapError(FaultCode::kGeneric, "<class 'X'>:message") with Python's texts; a call
// without a methodName throws the dispatcher's `method "None" is not supported` fault, since
// no method can have that name. Nesting beyond limits.max_depth throws kGeneric as well.
XmlRpcCall parse_xmlrpc_call(std::string_view body, const XmlRpcLimits& limits);

// A result that XML-RPC cannot carry (an integer outside 32 bits). The frontend discards the
// partial response and answers fault 1 "<class 'OverflowError'>:int exceeds XML-RPC limits".
class EncodingError : public std::runtime_error {
  using runtime_error::runtime_error;
};

// Appends a methodResponse to `out`: begin_response(), exactly one value through the
// ValueWriter interface, end_response(). On EncodingError `out` holds a partial response;
// the caller truncates it to its size before begin_response().
class XmlRpcResponseWriter final : public ValueWriter {
 public:
  explicit XmlRpcResponseWriter(std::string& out) : out_(out) {}

  void begin_response();
  void end_response();

  void write_nil() override;
  void write_bool(bool b) override;
  void write_int(int64_t i) override;
  void write_big_integer(std::string_view digits) override;
  void write_double(double d) override;
  void write_string(std::string_view s) override;
  void write_datetime(std::string_view iso8601_basic) override;
  void write_binary(std::string_view bytes) override;
  void begin_array() override;
  void end_array() override;
  void begin_struct() override;
  void write_key(std::string_view key) override;
  void end_struct() override;
  // Top-level values only (the method result).
  std::string cache_format() const override { return open_.empty() ? "xmlrpc" : ""; }
  std::string* cache_buffer() override { return &out_; }

 private:
  void value_done();

  std::string& out_;
  // One entry per open container: true for a struct, false for an array.
  std::vector<bool> open_;
};

// Appends a complete fault methodResponse.
void write_xmlrpc_fault(std::string& out, int code, std::string_view message);

}  // namespace prefixd::api
