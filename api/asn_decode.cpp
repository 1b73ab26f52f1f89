// SPDX-License-Identifier: MIT
#include "api/asn_decode.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "backend/asn_store.h"
#include "backend/errors.h"

namespace prefixd::api {

namespace {

[[noreturn]] void fail(FaultCode code, const std::string& message) {
  throw NipapError(code, message);
}

// An integer string as PostgreSQL's integer input reads it: surrounding
// whitespace, an optional sign, decimal digits. NIPAP hands such strings to
// the database, so "64521" is the number and "abc" a syntax error.
int64_t asn_from_text(const std::string& text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    fail(FaultCode::kValue, "Invalid syntax for integer (" + text + ")");
  }
  if (s.front() == '+') s.remove_prefix(1);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    fail(FaultCode::kValue, asn_out_of_range_message(s));
  }
  return value;
}

// add_asn's asn (errors.md §4.5 rows 5-6). The range is the store's check.
int64_t decode_asn_number(const Value& v) {
  switch (v.type()) {
    case Value::Type::kInt:
      return v.as_int();
    case Value::Type::kBigInt:
      fail(FaultCode::kValue, asn_out_of_range_message(v.text()));
    case Value::Type::kString:
      // NIPAP inserts a numeric string and then fails reading the row back;
      // prefixd converts it first (errors.md §4.5).
      return asn_from_text(v.text());
    case Value::Type::kNil:
      fail(FaultCode::kValue, "'asn' must not be nil");
    case Value::Type::kDouble:
      // NIPAP stores a float rounded and then fails (asn.jsonl seq 20);
      // prefixd refuses it with the same fault before inserting.
      fail(FaultCode::kValue, "asn specification key 'asn' must be an integer");
    default:
      fail(FaultCode::kValue, "'asn' must be an integer");
  }
}

// name: text or nil; an integer is stored as its decimal text, as the
// database's assignment cast does for NIPAP (asn.jsonl seq 59).
std::optional<std::string> decode_name(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      return std::nullopt;
    case Value::Type::kString:
      return v.text();
    case Value::Type::kInt:
      return std::to_string(v.as_int());
    case Value::Type::kBigInt:
      return v.text();
    default:
      fail(FaultCode::kValue, "'name' must be a string or nil");
  }
}

}  // namespace

AsnSpec decode_asn_spec(const Value* spec) {
  if (spec == nullptr || !spec->is_struct()) {
    fail(FaultCode::kInput, "asn specification must be a dict");
  }
  const auto& s = spec->as_struct();
  for (const auto& [key, value] : s) {
    if (key != "asn" && key != "name") {
      fail(FaultCode::kExtraneousInput, "extraneous specification key " + key);
    }
  }
  AsnSpec out;
  // NIPAP's order: the asn's type, then both keys, then the name's type.
  if (const Value* asn = spec->find("asn")) {
    if (asn->type() == Value::Type::kInt) {
      out.asn = asn->as_int();
    } else if (asn->type() == Value::Type::kBigInt) {
      // Beyond 64 bits: no ASN can match, and neither can these.
      out.asn = asn->text().front() == '-' ? std::numeric_limits<int64_t>::min()
                                           : std::numeric_limits<int64_t>::max();
    } else {
      fail(FaultCode::kValue, "asn specification key 'asn' must be an integer");
    }
    if (s.count("name")) {
      fail(FaultCode::kExtraneousInput,
           "asn specification contain both 'asn' and 'name', specify asn or name");
    }
  } else if (const Value* name = spec->find("name")) {
    if (!name->is_string())
      fail(FaultCode::kValue, "asn specification key 'name' must be a string");
    out.name = name->text();
  }
  return out;
}

AsnChanges decode_asn_attr(const Value* attr, bool adding) {
  if (attr == nullptr || !attr->is_struct()) {
    fail(FaultCode::kInput, "invalid input type, must be dict");
  }
  const auto& s = attr->as_struct();
  if (adding && !s.count("asn")) fail(FaultCode::kMissingInput, "missing attribute asn");
  for (const auto& [key, value] : s) {
    if (key != "name" && !(adding && key == "asn")) {
      fail(FaultCode::kExtraneousInput, "extraneous attribute " + key);
    }
  }
  AsnChanges out;
  if (const Value* v = attr->find("asn")) out.asn = decode_asn_number(*v);
  if (const Value* v = attr->find("name")) out.name = decode_name(*v);
  return out;
}

}  // namespace prefixd::api
