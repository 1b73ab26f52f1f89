// SPDX-License-Identifier: MIT
#include "backend/smart_search_parser.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "backend/errors.h"
#include "backend/smart_search_ip.h"
#include "backend/smart_search_tokenizer.h"

namespace prefixd {

namespace {

using smart_search::Token;
using smart_search::TokenKind;
using Fields = Query::Fields;

constexpr const char* kFailed = "query interpretation failed";

// Smart-search attribute lists (§4.6); `values` non-empty means an enumeration.
struct SmartAttribute {
  std::string_view name;
  std::vector<std::string_view> values;
};

const std::vector<SmartAttribute>& smart_attributes(SearchObject object) {
  static const std::vector<SmartAttribute> kPrefix = {
      {"added", {}},
      {"alarm_priority", {"warning", "low", "medium", "high", "critical"}},
      {"authoritative_source", {}},
      {"children", {}},
      {"comment", {}},
      {"country", {}},
      {"customer_id", {}},
      {"description", {}},
      {"display", {}},
      {"display_prefix", {}},
      {"expires", {}},
      {"external_key", {}},
      {"family", {}},
      {"free_addreses", {}},
      {"indent", {}},
      {"last_modified", {}},
      {"match", {}},
      {"monitor", {}},
      {"node", {}},
      {"order_id", {}},
      {"pool", {}},
      {"prefix", {}},
      {"prefix_length", {}},
      {"status", {"assigned", "reserved", "quarantine"}},
      {"total_addresses", {}},
      {"type", {"assignment", "host", "reservation"}},
      {"used_addreses", {}},
      {"vlan", {}},
      {"vrf", {}},
  };
  static const std::vector<SmartAttribute> kVrf = {
      {"description", {}},
      {"free_addresses_v4", {}},
      {"free_addresses_v6", {}},
      {"name", {}},
      {"num_prefixes_v4", {}},
      {"num_prefixes_v6", {}},
      {"rt", {}},
      {"total_addresses_v4", {}},
      {"total_addresses_v6", {}},
      {"used_addresses_v4", {}},
      {"used_addresses_v6", {}},
  };
  static const std::vector<SmartAttribute> kPool = {
      {"default_type", {}},
      {"description", {}},
      {"free_addresses_v4", {}},
      {"free_addresses_v6", {}},
      {"free_prefixes_v4", {}},
      {"free_prefixes_v6", {}},
      {"ipv4_default_prefix_length", {}},
      {"ipv6_default_prefix_length", {}},
      {"member_prefixes_v4", {}},
      {"member_prefixes_v6", {}},
      {"name", {}},
      {"total_addresses_v4", {}},
      {"total_addresses_v6", {}},
      {"total_prefixes_v4", {}},
      {"total_prefixes_v6", {}},
      {"used_addresses_v4", {}},
      {"used_addresses_v6", {}},
      {"used_prefixes_v4", {}},
      {"used_prefixes_v6", {}},
      {"vrf", {}},
  };
  switch (object) {
    case SearchObject::kPrefix:
      return kPrefix;
    case SearchObject::kPool:
      return kPool;
    default:
      return kVrf;
  }
}

Query with_interpretation(Query q, Fields fields) {
  q.interpretation = std::move(fields);
  return q;
}

Query regex_leaf(const char* attribute, const std::string& s) {
  return Query::leaf("regex_match", attribute, s);
}

// The text match of a bare word (§4.5, §4.7); each object orders its
// interpretation keys its own way.
Query text_node(SearchObject object, const std::string& s) {
  if (object == SearchObject::kPrefix) {
    Query q = Query::combine(
        "or",
        Query::combine(
            "or",
            Query::combine(
                "or", Query::combine("or", regex_leaf("comment", s), regex_leaf("description", s)),
                regex_leaf("node", s)),
            regex_leaf("order_id", s)),
        regex_leaf("customer_id", s));
    return with_interpretation(
        std::move(q), {{"string", s},
                       {"interpretation", std::string("text")},
                       {"attribute", std::string("description or comment or node or order_id or "
                                                 "customer_id")},
                       {"operator", std::string("regex")},
                       {"error", false}});
  }
  if (object == SearchObject::kPool) {
    return with_interpretation(
        Query::combine("or", regex_leaf("name", s), regex_leaf("description", s)),
        {{"attribute", std::string("name or description")},
         {"interpretation", std::string("text")},
         {"operator", std::string("regex")},
         {"string", s},
         {"error", false}});
  }
  return with_interpretation(
      Query::combine("or",
                     Query::combine("or", regex_leaf("name", s), regex_leaf("description", s)),
                     regex_leaf("rt", s)),
      {{"string", s},
       {"interpretation", std::string("text")},
       {"attribute", std::string("vrf or name or description")},
       {"operator", std::string("regex")},
       {"error", false}});
}

Query tag_node(SearchObject object, const std::string& hash_tag) {
  const std::string tag = hash_tag.substr(1);
  if (object == SearchObject::kPrefix) {
    return with_interpretation(Query::combine("or", Query::leaf("equals_any", "tags", tag),
                                              Query::leaf("equals_any", "inherited_tags", tag)),
                               {{"string", hash_tag},
                                {"interpretation", std::string("(inherited) tag")},
                                {"attribute", std::string("tag")},
                                {"operator", std::string("equals_any")},
                                {"error", false}});
  }
  return with_interpretation(Query::leaf("equals_any", "tags", tag),
                             {{"string", hash_tag},
                              {"interpretation", std::string("tag")},
                              {"attribute", std::string("tag")},
                              {"operator", std::string("equals_any")},
                              {"error", false}});
}

Query prefix_node(const std::string& s, const char* kind, const char* op, const std::string& value,
                  std::vector<std::pair<const char*, std::string>> extra = {}) {
  Fields fields = {{"string", s},
                   {"interpretation", std::string(kind)},
                   {"attribute", std::string("prefix")},
                   {"operator", std::string(op)},
                   {"error", false}};
  for (auto& [key, v] : extra) fields.emplace_back(key, std::move(v));
  return with_interpretation(Query::leaf(op, "prefix", value), std::move(fields));
}

size_t count_char(std::string_view s, char c) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), c));
}

// A word or quoted string in a prefix search: IPv4 prefix, IPv4 address or
// text (§4.5), decided the way NIPAP does it with the IPy library.
Query prefix_word_node(const std::string& s) {
  using smart_search::ipv4_to_string;
  const size_t slashes = count_char(s, '/');
  if (slashes == 1 && s.find('-') == std::string::npos) {
    const size_t slash = s.find('/');
    const std::string address = s.substr(0, slash);
    const std::string length = s.substr(slash + 1);
    const auto len = smart_search::py_int(length, 10);
    const auto value = smart_search::ipy_ipv4(address);
    if (len && value && !len->saturated && (!len->negative || len->magnitude == 0) &&
        len->magnitude <= 32) {
      std::string expanded = address;
      for (size_t parts = count_char(address, '.') + 1; parts < 4; ++parts) expanded += ".0";
      expanded += "/" + length;
      const int bits = static_cast<int>(len->magnitude);
      const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
      std::string strict = ipv4_to_string(*value & mask);
      if (bits != 32) strict += "/" + std::to_string(bits);
      std::vector<std::pair<const char*, std::string>> extra;
      if (expanded != s) extra.emplace_back("expanded", expanded);
      if (strict != expanded) extra.emplace_back("strict_prefix", strict);
      return prefix_node(s, "IPv4 prefix", "contained_within_equals", strict, std::move(extra));
    }
  } else if (slashes == 0 && count_char(s, '.') == 3) {
    if (const auto value = smart_search::ipy_ipv4(s)) {
      const std::string address = ipv4_to_string(*value);
      return prefix_node(address, "IPv4 address", "contains_equals", address);
    }
  }
  return text_node(SearchObject::kPrefix, s);
}

class TreeBuilder {
 public:
  TreeBuilder(SearchObject object, const std::vector<Token>& tokens)
      : object_(object), tokens_(tokens) {}

  // The query for the whole token list. Throws Failure for input the tree
  // cannot represent (operators without operands).
  Query build() { return sequence(); }

  bool success() const { return success_; }
  const std::string& detail() const { return detail_; }

  struct Failure {
    std::string message;
  };

 private:
  struct Item {
    bool is_boolean = false;
    std::string op;  // booleans
    Query query;     // operands
  };

  // One level: the whole input or the inside of a group (decision 4: a group
  // gets the same treatment as the top level, so it appears as the same kind
  // of and/or node).
  Query sequence() {
    std::vector<Item> items;
    while (next_ < tokens_.size() && tokens_[next_].kind != TokenKind::kClose) {
      const Token& token = tokens_[next_++];
      if (token.kind == TokenKind::kBoolean) {
        std::string op = token.text;
        std::transform(op.begin(), op.end(), op.begin(), [](char c) { return c | 0x20; });
        items.push_back(Item{true, std::move(op), {}});
      } else if (token.kind == TokenKind::kOpen) {
        Query group = sequence();
        ++next_;  // the kClose the tokenizer guarantees
        items.push_back(Item{false, {}, std::move(group)});
      } else {
        items.push_back(Item{false, {}, operand(token)});
      }
    }
    return fold(std::move(items));
  }

  // §4.4: implicit `and` between operands, a last boolean dropped, then a
  // left fold in which a later boolean overwrites an earlier one.
  Query fold(std::vector<Item> items) {
    std::vector<Item> ast;
    for (size_t k = 0; k < items.size(); ++k) {
      const bool has_next = k + 1 < items.size();
      if (items[k].is_boolean) {
        if (has_next) ast.push_back(std::move(items[k]));
        continue;
      }
      ast.push_back(std::move(items[k]));
      if (has_next && !items[k + 1].is_boolean) ast.push_back(Item{true, "and", {}});
    }
    if (ast.empty()) return text_node(object_, "");
    if (ast.size() == 1) {
      if (ast[0].is_boolean) throw Failure{"missing operand for '" + ast[0].op + "'"};
      return std::move(ast[0].query);
    }
    std::optional<std::string> op;
    std::optional<Query> val1, val2;
    for (size_t k = 0; k < ast.size(); ++k) {
      Item& part = ast[k];
      if (part.is_boolean) {
        op = part.op;
        continue;
      }
      if (!val1) {
        val1 = std::move(part.query);
      } else {
        val2 = std::move(part.query);
      }
      if (k + 1 < ast.size() && val1 && val2) {
        val1 = combine(*op, std::move(*val1), std::move(*val2));
        val2.reset();
        op.reset();
      }
    }
    if (!op || !val1 || !val2) {
      // NIPAP returns an incomplete node here and its search then crashes.
      throw Failure{"missing operand for '" + op.value_or("and") + "'"};
    }
    return combine(*op, std::move(*val1), std::move(*val2));
  }

  static Query combine(const std::string& op, Query left, Query right) {
    return with_interpretation(Query::combine(op, std::move(left), std::move(right)),
                               {{"interpretation", op}, {"operator", op}, {"error", false}});
  }

  Query operand(const Token& token) {
    switch (token.kind) {
      case TokenKind::kExpression:
        return expression(token);
      case TokenKind::kTag:
        return tag_node(object_, token.text);
      case TokenKind::kRt:
        if (object_ == SearchObject::kPrefix) {
          return with_interpretation(Query::leaf("equals", "vrf_rt", token.text),
                                     {{"attribute", std::string("VRF RT")},
                                      {"interpretation", std::string("vrf_rt")},
                                      {"operator", std::string("equals")},
                                      {"string", token.text},
                                      {"error", false}});
        }
        break;
      case TokenKind::kIpv6Address:
        if (object_ == SearchObject::kPrefix) {
          return prefix_node(token.text, "IPv6 address", "contains_equals", token.text);
        }
        break;
      case TokenKind::kIpv6Prefix:
        if (object_ == SearchObject::kPrefix) {
          const size_t slash = token.text.rfind('/');
          const std::string strict =
              smart_search::ipv6_network_string(std::string_view(token.text).substr(0, slash),
                                                std::string_view(token.text).substr(slash + 1));
          std::vector<std::pair<const char*, std::string>> extra;
          if (strict != token.text) extra.emplace_back("strict_prefix", strict);
          return prefix_node(token.text, "IPv6 prefix", "contained_within_equals", strict,
                             std::move(extra));
        }
        break;
      case TokenKind::kWord:
      case TokenKind::kQuoted:
        if (object_ == SearchObject::kPrefix) return prefix_word_node(token.text);
        break;
      default:
        break;
    }
    return text_node(object_, token.text);
  }

  // §4.6: ATTR OP VALUE, validated against the object's smart attributes.
  Query expression(const Token& token) {
    Fields fields = {{"string", token.text},
                     {"interpretation", std::string("expression")},
                     {"attribute", token.attribute},
                     {"operator", token.op},
                     {"error", false}};
    std::string error;
    const auto& attributes = smart_attributes(object_);
    const auto it =
        std::find_if(attributes.begin(), attributes.end(),
                     [&](const SmartAttribute& a) { return a.name == token.attribute; });
    if (it == attributes.end()) {
      error = "unknown attribute";
    } else if (!it->values.empty() &&
               std::find(it->values.begin(), it->values.end(), token.value) == it->values.end()) {
      error = "invalid value";
    }
    if (!error.empty()) {
      fields[4].second = true;
      fields.emplace_back("error_message", error);
      if (success_) detail_ = error;
      success_ = false;
    }
    return with_interpretation(Query::leaf(token.op, token.attribute, token.value),
                               std::move(fields));
  }

  SearchObject object_;
  const std::vector<Token>& tokens_;
  size_t next_ = 0;
  bool success_ = true;
  std::string detail_;
};

// The §4.2 failure tree: operator, val1 and val2 nil.
SmartSearchParse failure(std::string_view input, const std::string& message) {
  SmartSearchParse result;
  result.query.interpretation = Fields{{"interpretation", std::monostate{}},
                                       {"string", std::string(input)},
                                       {"attribute", std::string("text")},
                                       {"operator", std::monostate{}},
                                       {"error", true},
                                       {"error_message", message}};
  result.error = true;
  result.error_message = kFailed;
  result.detail = message;
  return result;
}

// §4.8: shell-style terms, integers compared with `asn`, the rest matched
// against `name`, combined right-nested with the newest term first.
SmartSearchParse parse_asn(std::string_view text) {
  std::vector<std::string> terms = smart_search::shlex_split(text);
  if (terms.empty()) terms.emplace_back();
  std::optional<Query> query;
  for (std::string& term : terms) {
    Query node;
    if (smart_search::py_int(term, 10)) {
      node = with_interpretation(Query::leaf("equals", "asn", term),
                                 {{"string", term},
                                  {"interpretation", std::string("asn")},
                                  {"attribute", std::string("asn")},
                                  {"operator", std::string("equals")}});
    } else {
      node = with_interpretation(Query::leaf("regex_match", "name", term),
                                 {{"string", term},
                                  {"interpretation", std::string("text")},
                                  {"attribute", std::string("name")},
                                  {"operator", std::string("regex")}});
    }
    if (!query) {
      query = std::move(node);
    } else {
      query = with_interpretation(
          Query::combine("and", std::move(node), std::move(*query)),
          {{"interpretation", std::string("and")}, {"operator", std::string("and")}});
    }
  }
  SmartSearchParse result;
  result.query = std::move(*query);
  return result;
}

}  // namespace

SmartSearchParse parse_smart_search(SearchObject object, std::string_view text) {
  if (object == SearchObject::kAsn) return parse_asn(text);
  if (object == SearchObject::kTag) {
    throw NipapError(FaultCode::kInput, "smart search is not available for tags");
  }
  const std::string expanded = smart_search::expand_tabs(text);
  const smart_search::Precheck precheck = smart_search::precheck(expanded);
  if (!precheck.error.empty()) return failure(text, precheck.error);
  const smart_search::TokenizeResult tokens = smart_search::tokenize(expanded, precheck);
  if (!tokens.error.empty()) return failure(text, tokens.error);
  TreeBuilder builder(object, tokens.tokens);
  SmartSearchParse result;
  try {
    result.query = builder.build();
  } catch (const TreeBuilder::Failure& f) {
    return failure(text, f.message);
  }
  if (!builder.success()) {
    result.error = true;
    result.error_message = kFailed;
    result.detail = builder.detail();
  }
  return result;
}

}  // namespace prefixd
