// SPDX-License-Identifier: MIT
#include "api/wire_decode.h"

#include <charconv>
#include <cmath>
#include <set>

#include "backend/errors.h"
#include "backend/pool_store.h"
#include "backend/search_compiler.h"

namespace prefixd::api {

namespace {

[[noreturn]] void fail(FaultCode code, const std::string& message) {
  throw NipapError(code, message);
}

// 'key', as messages name an argument.
std::string quoted(std::string_view key) {
  std::string out = "'";
  out += key;
  out += '\'';
  return out;
}

std::optional<std::string> nullable_string(const Value& v, std::string_view key) {
  if (v.is_nil()) return std::nullopt;
  if (!v.is_string()) fail(FaultCode::kValue, quoted(key) + " must be a string or nil");
  return v.text();
}

std::optional<std::vector<std::string>> nullable_string_list(const Value& v, std::string_view key) {
  if (v.is_nil()) return std::nullopt;
  auto refuse = [&] { fail(FaultCode::kValue, quoted(key) + " must be a list of strings"); };
  if (!v.is_array()) refuse();
  std::vector<std::string> out;
  for (const Value& item : v.as_array()) {
    if (!item.is_string()) refuse();
    out.push_back(item.text());
  }
  return out;
}

QueryScalar scalar_of(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      return std::monostate{};
    case Value::Type::kBool:
      return v.as_bool();
    case Value::Type::kInt:
      return v.as_int();
    case Value::Type::kDouble:
      return v.as_double();
    case Value::Type::kBigInt:
    case Value::Type::kString:
    case Value::Type::kDateTime:
      return v.text();
    case Value::Type::kArray: {
      // A list of strings compares with an array attribute such as tags
      // (prefix_search.jsonl seq 113).
      std::vector<std::string> items;
      for (const Value& item : v.as_array()) {
        if (!item.is_string()) {
          fail(FaultCode::kValue, "a query value must be a string, number, boolean or nil");
        }
        items.push_back(item.text());
      }
      return items;
    }
    default:
      fail(FaultCode::kValue, "a query value must be a string, number, boolean or nil");
  }
}

constexpr int kMaxQueryDepth = 512;

Query decode_node(const Value& v, int depth) {
  if (depth > kMaxQueryDepth) {
    fail(FaultCode::kInput,
         "query nested deeper than " + std::to_string(kMaxQueryDepth) + " levels");
  }
  if (!v.is_struct()) fail(FaultCode::kInput, "a query must be a struct");
  Query q;
  const Value* op = v.find("operator");
  const Value* val1 = v.find("val1");
  const Value* val2 = v.find("val2");
  if (op == nullptr) fail(FaultCode::kMissingInput, "'operator' must be specified");
  if (!op->is_string()) fail(FaultCode::kInput, "'operator' must be a string");
  q.op = op->text();
  if (val1 != nullptr && val1->is_struct()) {
    if (val2 == nullptr || !val2->is_struct()) {
      fail(FaultCode::kInput, "'val2' must be a query when 'val1' is one");
    }
    q.children.push_back(decode_node(*val1, depth + 1));
    q.children.push_back(decode_node(*val2, depth + 1));
    return q;
  }
  if (val1 == nullptr || val1->is_nil()) throw_missing_val1();
  if (!val1->is_string()) fail(FaultCode::kInput, "'val1' must be an attribute name");
  q.attribute = val1->text();
  if (val2 == nullptr) {
    fail(FaultCode::kMissingInput,
         "Value (val2 in API) for '" + val1->text() + "' must be specified");
  }
  q.value = scalar_of(*val2);
  return q;
}

}  // namespace

const Value* argument(const Value::Struct& args, std::string_view key) {
  auto it = args.find(key);
  return it == args.end() ? nullptr : &it->second;
}

VrfSpec decode_vrf_spec(const Value* spec) {
  if (spec == nullptr || !spec->is_struct()) {
    fail(FaultCode::kInput, "vrf specification must be a dict");
  }
  VrfSpec out;
  for (const auto& [key, value] : spec->as_struct()) {
    if (key != "id" && key != "rt" && key != "name") {
      fail(FaultCode::kExtraneousInput, "extraneous specification key " + key);
    }
  }
  for (const auto& [key, value] : spec->as_struct()) {
    if (key == "id") {
      if (!value.is_int())
        fail(FaultCode::kValue, "VRF specification key 'id' must be an integer.");
      out.id = value.as_int();
    } else {
      if (!value.is_string()) {
        fail(FaultCode::kValue, "VRF specification key '" + key + "' must be a string.");
      }
      if (key == "rt") {
        out.rt = value.text();
      } else {
        out.name = value.text();
      }
    }
  }
  if (spec->as_struct().size() > 1) {
    fail(FaultCode::kExtraneousInput,
         "VRF specification contains too many keys, specify VRF id, vrf or name.");
  }
  return out;
}

VrfChanges decode_vrf_attr(const Value* attr, bool adding) {
  if (attr == nullptr || !attr->is_struct())
    fail(FaultCode::kInput, "invalid input type, must be dict");
  const auto& s = attr->as_struct();
  if (adding) {
    for (const char* required : {"rt", "name"}) {
      if (!s.count(required))
        fail(FaultCode::kMissingInput, std::string("missing attribute ") + required);
    }
  }
  static const std::set<std::string, std::less<>> kSettable = {"rt", "name", "description", "tags",
                                                               "avps"};
  for (const auto& [key, value] : s) {
    if (!kSettable.count(key)) fail(FaultCode::kExtraneousInput, "extraneous attribute " + key);
  }
  VrfChanges out;
  if (const Value* v = attr->find("avps")) {
    out.avps = decode_avps(*v);
  }
  if (const Value* v = attr->find("rt")) {
    // NIPAP reads a number as its text, which then fails the RT format
    // check with the usual message (vrf.jsonl seq 58).
    out.rt = v->is_int() ? std::optional<std::string>(std::to_string(v->as_int()))
                         : nullable_string(*v, "rt");
  }
  if (const Value* v = attr->find("name")) out.name = nullable_string(*v, "name");
  if (const Value* v = attr->find("description"))
    out.description = nullable_string(*v, "description");
  if (const Value* v = attr->find("tags")) out.tags = nullable_string_list(*v, "tags");
  return out;
}

PoolSpec decode_pool_spec(const Value* spec) {
  if (spec == nullptr || !spec->is_struct()) {
    fail(FaultCode::kInput, "pool specification must be a dict");
  }
  const auto& s = spec->as_struct();
  for (const auto& [key, value] : s) {
    if (key != "id" && key != "name") {
      fail(FaultCode::kExtraneousInput, "extraneous specification key " + key);
    }
  }
  PoolSpec out;
  if (const Value* id = spec->find("id")) {
    // A boolean is not an integer here (pool.jsonl: NIPAP checks the type).
    if (!id->is_int()) fail(FaultCode::kValue, "pool specification key 'id' must be an integer");
    if (s.size() > 1) {
      fail(FaultCode::kExtraneousInput,
           "pool specification with 'id' should not contain anything else");
    }
    out.id = id->as_int();
  } else if (const Value* name = spec->find("name")) {
    if (!name->is_string())
      fail(FaultCode::kValue, "pool specification key 'name' must be a string");
    out.name = name->text();
  }
  return out;
}

PoolChanges decode_pool_attr(const Value* attr, bool adding) {
  if (attr == nullptr || !attr->is_struct())
    fail(FaultCode::kInput, "invalid input type, must be dict");
  const auto& s = attr->as_struct();
  if (adding) {
    for (const char* required : {"name", "description", "default_type"}) {
      if (!s.count(required))
        fail(FaultCode::kMissingInput, std::string("missing attribute ") + required);
    }
  }
  // member_prefixes_v4/_v6 are accepted and ignored (model.md §4.1 quirk).
  static const std::set<std::string, std::less<>> kSettable = {"name",
                                                               "description",
                                                               "default_type",
                                                               "ipv4_default_prefix_length",
                                                               "ipv6_default_prefix_length",
                                                               "tags",
                                                               "avps",
                                                               "member_prefixes_v4",
                                                               "member_prefixes_v6"};
  for (const auto& [key, value] : s) {
    if (!kSettable.count(key)) fail(FaultCode::kExtraneousInput, "extraneous attribute " + key);
  }
  PoolChanges out;
  if (const Value* v = attr->find("avps")) {
    out.avps = decode_avps(*v);
  }
  for (int family : {4, 6}) {
    const char* key = family == 4 ? "ipv4_default_prefix_length" : "ipv6_default_prefix_length";
    const Value* v = attr->find(key);
    if (v == nullptr) continue;
    std::optional<int64_t> length;
    if (!v->is_nil()) {
      length = python_int(*v);
      if (!length) fail(FaultCode::kValue, default_prefix_length_message(family));
      check_default_prefix_length(family, length);
    }
    (family == 4 ? out.ipv4_default_prefix_length : out.ipv6_default_prefix_length) = length;
  }
  if (const Value* v = attr->find("name")) out.name = nullable_string(*v, "name");
  if (const Value* v = attr->find("description"))
    out.description = nullable_string(*v, "description");
  if (const Value* v = attr->find("default_type")) {
    if (!v->is_nil() && !v->is_string()) {
      fail(FaultCode::kValue, "'default_type' must be one of reservation, assignment, host or nil");
    }
    out.default_type = nullable_string(*v, "default_type");
  }
  if (const Value* v = attr->find("tags")) out.tags = nullable_string_list(*v, "tags");
  out.member_prefixes = s.count("member_prefixes_v4") || s.count("member_prefixes_v6");
  return out;
}

Query decode_query(const Value* query) {
  if (query == nullptr || !query->is_struct()) fail(FaultCode::kInput, "'query' must be a struct");
  if (query->as_struct().empty()) return Query{};
  return decode_node(*query, 0);
}

SearchOptions decode_search_options(const Value* options, Value::Struct& echo) {
  SearchOptions out;
  echo.clear();
  if (options != nullptr && !options->is_nil()) {
    if (!options->is_struct()) {
      fail(FaultCode::kValue,
           "Invalid value for option 'max_result'. Only integer values allowed.");
    }
    echo = options->as_struct();
  }
  for (const char* key : {"max_result", "offset"}) {
    int64_t& target = std::string_view(key) == "max_result" ? out.max_result : out.offset;
    if (auto it = echo.find(key); it != echo.end()) {
      const auto n = python_int(it->second);
      if (!n) {
        fail(FaultCode::kValue,
             std::string("Invalid value for option '") + key + "'. Only integer values allowed.");
      }
      if (*n < 0 || *n > kPgIntegerMax) {
        fail(FaultCode::kValue, std::string("Invalid value for option '") + key +
                                    "'. It must be between 0 and " + std::to_string(kPgIntegerMax) +
                                    ".");
      }
      target = *n;
    }
    echo[key] = Value::integer(target);
  }
  return out;
}

ops::SearchArgs decode_search(const Value::Struct& args) {
  Query query = decode_query(argument(args, "query"));
  return {std::move(query), without_echo(decode_search_options, argument(args, "search_options"))};
}

// Python's str() of a decoded value, for messages that quote it.
std::string python_str(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      return "None";
    case Value::Type::kBool:
      return v.as_bool() ? "True" : "False";
    case Value::Type::kInt:
      return std::to_string(v.as_int());
    case Value::Type::kDouble: {
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.as_double());
      std::string s(buf, ec == std::errc() ? ptr : buf);
      if (s.find_first_of(".eninf") == std::string::npos) s += ".0";
      return s;
    }
    case Value::Type::kArray: {
      std::string s = "[";
      for (const Value& item : v.as_array()) {
        if (s.size() > 1) s += ", ";
        s += item.is_string() ? "'" + item.text() + "'" : python_str(item);
      }
      return s + "]";
    }
    case Value::Type::kStruct:
      return "{...}";
    default:
      return v.text();
  }
}

// Python's int(): integers, booleans, finite floats (truncated) and decimal
// strings (surrounding whitespace, a sign, underscores between digits).
std::optional<int64_t> python_int(const Value& v) {
  switch (v.type()) {
    case Value::Type::kInt:
    case Value::Type::kBool:
      return v.as_int();
    case Value::Type::kDouble:
      if (!std::isfinite(v.as_double()) || std::fabs(v.as_double()) > 9.2e18) return std::nullopt;
      return static_cast<int64_t>(v.as_double());
    case Value::Type::kString: {
      std::string_view s = v.text();
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
      bool negative = false;
      if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
      }
      std::string digits;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_' && i > 0 && i + 1 < s.size() &&
            std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
            std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
          continue;
        }
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
        digits.push_back(s[i]);
      }
      if (digits.empty()) return std::nullopt;
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
      return negative ? -n : n;
    }
    default:
      return std::nullopt;
  }
}

Avps decode_avps(const Value& v) {
  if (!v.is_struct()) fail(FaultCode::kValue, "'avps' must be a struct of strings");
  Avps out;
  for (const auto& [key, value] : v.as_struct()) {
    if (value.is_nil()) {
      out[key] = std::nullopt;
    } else if (value.is_string()) {
      out[key] = value.text();
    } else {
      fail(FaultCode::kValue, "AVP '" + key + "' must have a string value");
    }
  }
  if (out.count("")) fail(FaultCode::kValue, "AVP with empty name is not allowed");
  return out;
}

Actor actor_of(const Session& session) {
  return Actor{session.username, session.authenticated_as, session.full_name,
               session.authoritative_source};
}

}  // namespace prefixd::api
