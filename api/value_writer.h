// SPDX-License-Identifier: MIT
// A streaming sink for results. Handlers describe a result as a sequence of
// events; each transport (XML-RPC, JSON) implements the sink and writes its
// own bytes directly, so no intermediate value tree is built for large results.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backend/timestamp.h"

namespace prefixd::api {

class Value;

class ValueWriter {
 public:
  virtual ~ValueWriter() = default;
  virtual void write_nil() = 0;
  virtual void write_bool(bool b) = 0;
  // Must fit in 32 bits on XML-RPC; a codec that cannot encode it throws
  // EncodingError. Counters that may exceed that are written as strings.
  virtual void write_int(int64_t i) = 0;
  // An integer outside int64 (decimal digits, optional '-'), as decoded from a request and
  // echoed back. The default throws std::overflow_error; XML-RPC throws EncodingError.
  virtual void write_big_integer(std::string_view digits);
  virtual void write_double(double d) = 0;
  virtual void write_string(std::string_view s) = 0;
  // A date-time token as it was received (echoed values): XML-RPC's
  // "YYYYMMDDTHH:MM:SS" form.
  virtual void write_datetime(std::string_view iso8601_basic) = 0;
  // A stored point in time. The default is XML-RPC's (NIPAP's): the naive
  // wall-clock time of the database session's zone, through write_datetime;
  // JSON writes the instant with its offset.
  virtual void write_timestamp(const Timestamp& t);
  virtual void write_binary(std::string_view bytes) = 0;
  virtual void begin_array() = 0;
  virtual void end_array() = 0;
  virtual void begin_struct() = 0;
  // Names the next value inside the current struct.
  virtual void write_key(std::string_view key) = 0;
  virtual void end_struct() = 0;

  // The response cache (api/cached_call.h) replays the bytes one value
  // wrote. A writer that allows it names its format and current state, so
  // that one value written by any writer with the same name gives the same
  // bytes ("" when it cannot take replayed bytes), and gives its buffer.
  virtual std::string cache_format() const { return {}; }
  virtual std::string* cache_buffer() { return nullptr; }
  // After one value's bytes were appended to cache_buffer(): the state
  // writing them would have left.
  virtual void cached_value_appended() {}

  // Convenience: a whole Value tree.
  void write(const Value& v);
  // Convenience: key followed by a string / int / nil.
  void member(std::string_view key, std::string_view s) {
    write_key(key);
    write_string(s);
  }
};

}  // namespace prefixd::api
