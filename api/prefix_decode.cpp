// SPDX-License-Identifier: MIT
#include "api/prefix_decode.h"

#include <charconv>
#include <cmath>
#include <set>

#include "api/wire_decode.h"
#include "backend/errors.h"
#include "backend/prefix_store.h"

namespace prefixd::api {

namespace {

[[noreturn]] void fail(FaultCode code, const std::string& message) {
  throw NipapError(code, message);
}

bool is_integer(const Value& v) {
  return v.type() == Value::Type::kInt;
}

// A text attribute: a string or nil; integers are taken as their digits, as
// PostgreSQL's assignment cast does for NIPAP.
std::optional<std::string> text_value(const Value& v, const std::string& key) {
  if (v.is_nil()) return std::nullopt;
  if (v.is_string()) return v.text();
  if (is_integer(v)) return std::to_string(v.as_int());
  fail(FaultCode::kValue, "'" + key + "' must be a string or nil");
}

// expires (xmlrpc.md §5.4.4): nil means never; an XML-RPC dateTime is a
// naive time; strings are read by the backend.
std::string expires_value(const Value& v) {
  if (v.is_nil()) return "infinity";
  if (v.is_string()) return v.text();
  if (v.type() == Value::Type::kDateTime) {
    const std::string& t = v.text();
    // YYYYMMDDTHH:MM:SS, the form every XML-RPC client sends.
    if (t.size() == 17 && t[8] == 'T') {
      return t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2) + " " + t.substr(9);
    }
    return t;
  }
  fail(FaultCode::kValue,
       "Invalid date specification for expires: must be a string, a dateTime or nil");
}

PrefixChanges decode_attr(const Value& attr, const Value* args, AddMode* mode) {
  const auto& s = attr.as_struct();
  PrefixChanges out;
  std::set<std::string, std::less<>> consumed;

  // Pool membership aliases (model.md §5.1): pool_id wins; pool_name is then
  // left over and refused as extraneous (quirk).
  if (const Value* id = attr.find("pool_id")) {
    if (!id->is_nil() && !is_integer(*id)) {
      fail(FaultCode::kValue, "pool specification key 'id' must be an integer");
    }
    out.pool = id->is_nil() ? std::nullopt : std::optional(PoolSelector{id->as_int(), {}});
    consumed.insert("pool_id");
  } else if (const Value* name = attr.find("pool_name")) {
    if (!name->is_nil() && !name->is_string()) {
      fail(FaultCode::kValue, "pool specification key 'name' must be a string");
    }
    out.pool = name->is_nil() ? std::nullopt : std::optional(PoolSelector{{}, name->text()});
    consumed.insert("pool_name");
  }

  if (mode != nullptr) {
    *mode = add_prefix_mode(s.count("prefix") > 0,
                            args != nullptr && args->find("from-pool") != nullptr,
                            args != nullptr && args->find("from-prefix") != nullptr);
  }

  // VRF aliases: vrf_id wins over vrf_rt over vrf_name; the others are dropped.
  for (const char* key : {"vrf_id", "vrf_rt", "vrf_name"}) consumed.insert(key);
  if (const Value* id = attr.find("vrf_id")) {
    if (!id->is_nil() && !is_integer(*id)) {
      fail(FaultCode::kValue, "VRF specification key 'id' must be an integer.");
    }
    VrfSpec vrf;
    vrf.id = id->is_nil() ? 0 : id->as_int();
    out.vrf = vrf;
  } else if (const Value* rt = attr.find("vrf_rt")) {
    if (!rt->is_string()) fail(FaultCode::kValue, "VRF specification key 'rt' must be a string.");
    VrfSpec vrf;
    vrf.rt = std::optional<std::string>(rt->text());
    out.vrf = vrf;
  } else if (const Value* name = attr.find("vrf_name")) {
    if (!name->is_string()) {
      fail(FaultCode::kValue, "VRF specification key 'name' must be a string.");
    }
    VrfSpec vrf;
    vrf.name = name->text();
    out.vrf = vrf;
  }

  static const std::set<std::string, std::less<>> kSettable = {"prefix",
                                                               "type",
                                                               "status",
                                                               "description",
                                                               "comment",
                                                               "node",
                                                               "country",
                                                               "order_id",
                                                               "customer_id",
                                                               "external_key",
                                                               "alarm_priority",
                                                               "monitor",
                                                               "vlan",
                                                               "tags",
                                                               "avps",
                                                               "expires",
                                                               "authoritative_source"};
  for (const auto& [key, value] : s) {
    if (!kSettable.count(key) && !consumed.count(key)) {
      fail(FaultCode::kExtraneousInput, "extraneous attribute " + key);
    }
  }
  if (const Value* v = attr.find("avps")) out.avps = decode_avps(*v);
  if (mode != nullptr) require_description_or_node(s.count("description"), s.count("node"));
  if (const Value* v = attr.find("expires")) out.expires = expires_value(*v);

  if (const Value* v = attr.find("prefix")) {
    if (!v->is_nil() && !v->is_string()) fail(FaultCode::kValue, "'prefix' must be a string");
    out.prefix = v->is_nil() ? std::nullopt : std::optional(v->text());
  }
  const std::pair<const char*, Change<std::optional<std::string>>*> texts[] = {
      {"type", &out.type},
      {"status", &out.status},
      {"description", &out.description},
      {"comment", &out.comment},
      {"node", &out.node},
      {"country", &out.country},
      {"order_id", &out.order_id},
      {"customer_id", &out.customer_id},
      {"external_key", &out.external_key},
      {"alarm_priority", &out.alarm_priority},
      {"authoritative_source", &out.authoritative_source},
  };
  for (const auto& [key, target] : texts) {
    if (const Value* v = attr.find(key)) *target = text_value(*v, key);
  }
  if (const Value* v = attr.find("monitor")) {
    if (v->is_bool()) {
      out.monitor = std::optional<std::string>(v->as_bool() ? "true" : "false");
    } else if (v->is_nil() || v->is_string()) {
      out.monitor = v->is_nil() ? std::nullopt : std::optional(v->text());
    } else {
      fail(FaultCode::kValue, "'monitor' must be a boolean or nil");
    }
  }
  if (const Value* v = attr.find("vlan")) {
    if (v->is_nil()) {
      out.vlan = std::optional<std::string>();
    } else if (is_integer(*v) || v->type() == Value::Type::kBigInt) {
      out.vlan = std::optional(is_integer(*v) ? std::to_string(v->as_int()) : v->text());
    } else if (v->type() == Value::Type::kDouble && std::isfinite(v->as_double())) {
      // A float is rounded as PostgreSQL assigns a numeric to an integer.
      char buf[32];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, std::round(v->as_double()),
                                     std::chars_format::fixed);
      out.vlan = std::optional(std::string(buf, ec == std::errc() ? ptr : buf));
    } else if (v->is_string()) {
      out.vlan = std::optional(v->text());
    } else {
      fail(FaultCode::kValue, "'vlan' must be an integer or nil");
    }
  }
  if (const Value* v = attr.find("tags")) {
    if (v->is_nil()) {
      out.tags = std::optional<std::vector<std::string>>();
    } else {
      if (!v->is_array()) fail(FaultCode::kValue, "'tags' must be a list of strings");
      std::vector<std::string> tags;
      for (const Value& item : v->as_array()) {
        if (!item.is_string()) fail(FaultCode::kValue, "'tags' must be a list of strings");
        tags.push_back(item.text());
      }
      out.tags = std::optional(std::move(tags));
    }
  }
  return out;
}

}  // namespace

PrefixChanges decode_add_prefix_attr(const Value* attr, const Value* args, AddMode& mode) {
  if (attr == nullptr || !attr->is_struct()) fail(FaultCode::kInput, "'attr' must be a dict");
  // Without a prefix, allocation arguments that are not a struct are
  // refused as such, before the mode check (prefix_alloc.jsonl seq 155).
  if (!attr->find("prefix") && args != nullptr && !args->is_nil() && !args->is_struct()) {
    fail(FaultCode::kInput, "invalid input, please provide dict as args");
  }
  const Value* allocation = args != nullptr && args->is_struct() ? args : nullptr;
  return decode_attr(*attr, allocation, &mode);
}

PrefixChanges decode_edit_prefix_attr(const Value* attr) {
  if (attr == nullptr || !attr->is_struct()) {
    fail(FaultCode::kInput, "invalid input type, must be dict");
  }
  return decode_attr(*attr, nullptr, nullptr);
}

PrefixSpec decode_prefix_spec(const Value* spec, SpecUse use) {
  if (use == SpecUse::kList && (spec == nullptr || spec->is_nil())) return {};
  if (spec == nullptr || !spec->is_struct()) {
    // NIPAP tests `'id' in spec`: a string or list simply lacks the keys.
    if (use == SpecUse::kRemove && spec != nullptr && (spec->is_string() || spec->is_array())) {
      fail(FaultCode::kMissingInput, "missing prefix or id of prefix");
    }
    fail(FaultCode::kInput, "invalid prefix specification");
  }
  PrefixSpec out;
  for (const auto& [key, value] : spec->as_struct()) {
    // edit_prefix and remove_prefix cannot select by the VRF's columns
    // (prefix_tree.jsonl seq 157, prefix_errors.jsonl seq 148-149).
    if (use != SpecUse::kList && (key == "vrf_rt" || key == "vrf_name")) {
      fail(FaultCode::kExtraneousInput, "Key '" + key + "' not allowed in prefix spec.");
    }
    PrefixSpec::Term term{key, std::nullopt};
    // A false family (nil, 0) is ignored (xmlrpc.md §6).
    if (key == "family" && !value.truthy()) continue;
    switch (value.type()) {
      case Value::Type::kNil:
        break;
      case Value::Type::kBool:
        term.value = value.as_bool() ? "true" : "false";
        break;
      case Value::Type::kInt:
        term.value = std::to_string(value.as_int());
        break;
      case Value::Type::kDouble:
        term.value = python_str(value);
        break;
      case Value::Type::kBigInt:
      case Value::Type::kString:
      case Value::Type::kDateTime:
        term.value = value.text();
        break;
      case Value::Type::kArray: {
        std::vector<std::string> items;
        for (const Value& item : value.as_array()) {
          if (!item.is_string()) {
            fail(FaultCode::kValue, "prefix specification key '" + key + "' has an invalid value");
          }
          items.push_back(item.text());
        }
        term.list = std::move(items);
        break;
      }
      default:
        fail(FaultCode::kValue, "prefix specification key '" + key + "' has an invalid value");
    }
    out.terms.push_back(std::move(term));
  }
  check_prefix_spec(out);
  return out;
}

PrefixSearchOptions decode_prefix_search_options(const Value* options, Value::Struct& echo) {
  PrefixSearchOptions out;
  echo.clear();
  if (options != nullptr && !options->is_nil()) {
    if (!options->is_struct()) fail(FaultCode::kInput, "'search_options' must be a struct");
    echo = options->as_struct();
  }
  auto flag = [&](const char* key, bool& target, const char* separator) {
    auto it = echo.find(key);
    if (it == echo.end()) {
      echo[key] = Value::boolean(false);
      return;
    }
    const Value& v = it->second;
    // Python's `v in (True, False)`: 1, 0, 1.0 and 0.0 pass too.
    const bool ok =
        v.is_bool() || (is_integer(v) && (v.as_int() == 0 || v.as_int() == 1)) ||
        (v.type() == Value::Type::kDouble && (v.as_double() == 0.0 || v.as_double() == 1.0));
    if (!ok) {
      fail(FaultCode::kValue, std::string("Invalid value for option '") + key +
                                  "'. Only true and false valid. Supplied value" + separator + "'" +
                                  python_str(v) + "'");
    }
    target = v.truthy();
  };
  auto depth = [&](const char* key, const char* type_name, int64_t& target) {
    auto it = echo.find(key);
    if (it != echo.end()) {
      const auto n = python_int(it->second);
      if (!n || *n > kPgIntegerMax) {
        fail(FaultCode::kValue, std::string("Invalid value for option '") + type_name +
                                    "'. Only integer values allowed.");
      }
      if (*n < -1) {
        fail(FaultCode::kValue, std::string("Invalid value for option '") + key +
                                    "'. Only integer values > -1 allowed.");
      }
      target = *n;
    }
    echo[key] = Value::integer(target);
  };
  flag("include_all_parents", out.include_all_parents, " :");
  flag("include_all_children", out.include_all_children, ": ");
  depth("parents_depth", "parent_depth", out.parents_depth);
  depth("children_depth", "children_depth", out.children_depth);
  flag("include_neighbors", out.include_neighbors, ": ");

  if (auto it = echo.find("max_result"); it != echo.end()) {
    const Value& v = it->second;
    // Python's `v in (False, None)`: nil, false, 0 and 0.0 mean no limit.
    const bool unlimited = v.is_nil() || (v.is_bool() && !v.as_bool()) ||
                           (is_integer(v) && v.as_int() == 0) ||
                           (v.type() == Value::Type::kDouble && v.as_double() == 0.0);
    if (unlimited) {
      out.max_result = std::nullopt;
    } else {
      const auto n = python_int(v);
      if (!n || *n > kPgIntegerMax) {
        fail(FaultCode::kValue,
             "Invalid value for option 'max_result'. Only integer values allowed.");
      }
      if (*n < 0) {
        fail(FaultCode::kValue,
             "Invalid value for option 'max_result'. Only integer values >= 0 allowed.");
      }
      out.max_result = *n;
    }
  }
  echo["max_result"] = out.max_result ? Value::integer(*out.max_result) : Value::nil();

  if (auto it = echo.find("offset"); it != echo.end()) {
    const auto n = python_int(it->second);
    if (!n || *n > kPgIntegerMax) {
      fail(FaultCode::kValue, "Invalid value for option  'offset'. Only integer values allowed.");
    }
    if (*n < 0) {
      fail(FaultCode::kValue,
           "Invalid value for option 'offset'. Only integer values >= 0 allowed.");
    }
    out.offset = *n;
  }
  echo["offset"] = Value::integer(out.offset);

  if (auto it = echo.find("parent_prefix"); it != echo.end() && !it->second.is_nil()) {
    const auto n = python_int(it->second);
    if (!n) {
      fail(FaultCode::kValue, "Invalid value '" + python_str(it->second) +
                                  "' for option 'parent_prefix'. Must be the ID of a prefix.");
    }
    out.parent_prefix = *n;  // echoed as given
  } else {
    echo["parent_prefix"] = Value::nil();
  }
  return out;
}

}  // namespace prefixd::api
