// SPDX-License-Identifier: MIT
// Non-inline members of Value: lookup, Python type names and truthiness, equality.
#include "api/value.h"

namespace prefixd::api {

const Value* Value::find(std::string_view key) const {
  if (type_ != Type::kStruct) return nullptr;
  auto it = struct_.find(key);
  return it == struct_.end() ? nullptr : &it->second;
}

std::string_view Value::python_type_name() const {
  switch (type_) {
    case Type::kNil:
      return "NoneType";
    case Type::kBool:
      return "bool";
    case Type::kInt:
    case Type::kBigInt:
      return "int";
    case Type::kDouble:
      return "float";
    case Type::kString:
      return "str";
    case Type::kDateTime:
      return "DateTime";
    case Type::kBinary:
      return "Binary";
    case Type::kArray:
      return "list";
    case Type::kStruct:
      return "dict";
  }
  return "NoneType";
}

bool Value::truthy() const {
  switch (type_) {
    case Type::kNil:
      return false;
    case Type::kBool:
    case Type::kInt:
      return int_ != 0;
    // Outside int64 by construction, so never zero; guard against hand-built "0" anyway.
    case Type::kBigInt:
      return text_.find_first_not_of("-0") != std::string::npos;
    case Type::kDouble:
      return double_ != 0;  // NaN is truthy in Python, and NaN != 0
    case Type::kString:
      return !text_.empty();
    // xmlrpc.client.DateTime and Binary define neither __bool__ nor __len__: always true.
    case Type::kDateTime:
    case Type::kBinary:
      return true;
    case Type::kArray:
      return !array_.empty();
    case Type::kStruct:
      return !struct_.empty();
  }
  return false;
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNil:
      return true;
    case Type::kBool:
    case Type::kInt:
      return int_ == other.int_;
    case Type::kDouble:
      return double_ == other.double_;
    case Type::kBigInt:
    case Type::kString:
    case Type::kDateTime:
    case Type::kBinary:
      return text_ == other.text_;
    case Type::kArray:
      return array_ == other.array_;
    case Type::kStruct:
      return struct_ == other.struct_;
  }
  return false;
}

}  // namespace prefixd::api
