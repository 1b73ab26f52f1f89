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

namespace {

// Two digits of v (0-99) at p.
char* two_digits(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

}  // namespace

void ValueWriter::write_timestamp(const Timestamp& t) {
  const LocalTime l = local_time(t);
  // PostgreSQL's to_char(..., 'YYYY') as NIPAP printed it: at least four
  // digits; a year BC by its number. Formatted by hand: a search result
  // writes three per row, and snprintf was 2.5 % of a worker's time.
  const long long year = l.year > 0 ? l.year : 1 - l.year;
  char text[48];
  char* p = text;
  if (year >= 0 && year <= 9999) {
    p = two_digits(two_digits(p, static_cast<int>(year / 100)), static_cast<int>(year % 100));
  } else {
    p += std::snprintf(p, 24, "%04lld", year);
  }
  p = two_digits(two_digits(p, l.month), l.day);
  *p++ = 'T';
  p = two_digits(p, l.hour);
  *p++ = ':';
  p = two_digits(p, l.minute);
  *p++ = ':';
  p = two_digits(p, l.second);
  write_datetime(std::string_view(text, static_cast<std::size_t>(p - text)));
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
