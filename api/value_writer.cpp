// ValueWriter conveniences shared by every transport.
#include "api/value_writer.h"

#include <stdexcept>

#include "api/value.h"

namespace prefixd::api {

void ValueWriter::write_big_integer(std::string_view /*digits*/) {
  throw std::overflow_error("int exceeds XML-RPC limits");
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
