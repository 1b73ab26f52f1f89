// SPDX-License-Identifier: MIT
// ValueWriter conveniences shared by every transport.
#include "api/value_writer.h"

#include <cstdio>
#include <stdexcept>

#include "api/value.h"

namespace prefixd::api {

void ValueWriter::write_big_integer(std::string_view /*digits*/) {
  throw std::overflow_error("int exceeds XML-RPC limits");
}

void ValueWriter::write_timestamp(const Timestamp& t) {
  const LocalTime l = local_time(t);
  // PostgreSQL's to_char(..., 'YYYY') as NIPAP printed it: at least four
  // digits; a year BC by its number.
  const long long year = l.year > 0 ? l.year : 1 - l.year;
  char text[48];
  const int n = std::snprintf(text, sizeof text, "%04lld%02d%02dT%02d:%02d:%02d", year, l.month,
                              l.day, l.hour, l.minute, l.second);
  write_datetime(std::string_view(text, static_cast<std::size_t>(n)));
}

void ValueWriter::write(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      write_nil();
      return;
    case Value::Type::kBool:
      write_bool(v.as_bool());
      return;
    case Value::Type::kInt:
      write_int(v.as_int());
      return;
    case Value::Type::kBigInt:
      write_big_integer(v.text());
      return;
    case Value::Type::kDouble:
      write_double(v.as_double());
      return;
    case Value::Type::kString:
      write_string(v.text());
      return;
    case Value::Type::kDateTime:
      write_datetime(v.text());
      return;
    case Value::Type::kBinary:
      write_binary(v.text());
      return;
    case Value::Type::kArray:
      begin_array();
      for (const Value& item : v.as_array()) write(item);
      end_array();
      return;
    case Value::Type::kStruct:
      begin_struct();
      for (const auto& [key, item] : v.as_struct()) {
        write_key(key);
        write(item);
      }
      end_struct();
      return;
  }
}

}  // namespace prefixd::api
