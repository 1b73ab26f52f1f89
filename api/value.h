// SPDX-License-Identifier: MIT
// A wire-neutral value: what a decoded XML-RPC or JSON request argument is.
// Codecs build Values from the wire; the method table decodes Values into
// backend types. Results are normally streamed through a ValueWriter instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace prefixd::api {

class Value {
 public:
  enum class Type {
    kNil,
    kBool,
    kInt,     // fits in int64
    kBigInt,  // an integer outside int64; text() holds its decimal digits
    kDouble,
    kString,
    kDateTime,  // text() holds the token exactly as received (not interpreted)
    kBinary,    // text() holds the raw bytes
    kArray,
    kStruct,
  };
  using Array = std::vector<Value>;
  using Struct = std::map<std::string, Value, std::less<>>;

  Value() = default;
  static Value nil() { return Value(); }
  static Value boolean(bool b) {
    Value v(Type::kBool);
    v.int_ = b ? 1 : 0;
    return v;
  }
  static Value integer(int64_t i) {
    Value v(Type::kInt);
    v.int_ = i;
    return v;
  }
  static Value big_integer(std::string digits) { return Value(Type::kBigInt, std::move(digits)); }
  static Value real(double d) {
    Value v(Type::kDouble);
    v.double_ = d;
    return v;
  }
  static Value string(std::string s) { return Value(Type::kString, std::move(s)); }
  static Value datetime(std::string token) { return Value(Type::kDateTime, std::move(token)); }
  static Value binary(std::string bytes) { return Value(Type::kBinary, std::move(bytes)); }
  static Value array(Array a = {}) {
    Value v(Type::kArray);
    v.array_ = std::move(a);
    return v;
  }
  static Value structure(Struct s = {}) {
    Value v(Type::kStruct);
    v.struct_ = std::move(s);
    return v;
  }

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_struct() const { return type_ == Type::kStruct; }

  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }
  double as_double() const { return double_; }
  // String, big integer digits, date-time token or binary bytes.
  const std::string& text() const { return text_; }
  const Array& as_array() const { return array_; }
  Array& as_array() { return array_; }
  const Struct& as_struct() const { return struct_; }
  Struct& as_struct() { return struct_; }

  // Struct member lookup; nullptr when this is not a struct or has no such key.
  const Value* find(std::string_view key) const;

  // Python's type name for this value as NIPAP reports it in
  // "Function argument must be XML-RPC struct/Python dict (Python T given)."
  std::string_view python_type_name() const;

  // Python's truthiness: nil, false, 0, 0.0, "" and empty containers are false.
  bool truthy() const;

  bool operator==(const Value& other) const;

 private:
  explicit Value(Type t) : type_(t) {}
  Value(Type t, std::string text) : type_(t), text_(std::move(text)) {}

  Type type_ = Type::kNil;
  int64_t int_ = 0;
  double double_ = 0;
  std::string text_;
  Array array_;
  Struct struct_;
};

}  // namespace prefixd::api
