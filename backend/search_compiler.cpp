// SPDX-License-Identifier: MIT
#include "backend/search_compiler.h"

#include <charconv>

#include "backend/errors.h"
#include "backend/ip_prefix.h"
#include "backend/regex_guard.h"
#include "backend/sql_text.h"

namespace prefixd {

namespace {

// Deep enough for any real query, shallow enough that recursion is safe.
constexpr int kMaxDepth = 512;

struct LeafOperator {
  std::string_view name;
  std::string_view sql;
};

// search.md §1.2. Word and symbol forms of the plain comparisons.
constexpr LeafOperator kComparisons[] = {
    {"equals", "="},
    {"=", "="},
    {"not_equals", "<>"},
    {"!=", "<>"},
    {"less", "<"},
    {"<", "<"},
    {"less_or_equal", "<="},
    {"<=", "<="},
    {"greater", ">"},
    {">", ">"},
    {"greater_or_equal", ">="},
    {">=", ">="},
    {"like", "LIKE"},
    {"regex_match", "~*"},
    {"~*", "~*"},
    {"regex_not_match", "!~*"},
    {"!~*", "!~*"},
    {"~", "~"},
    {"!~", "!~"},
    {">>", ">>"},
    {">>=", ">>="},
    {"<<", "<<"},
    {"<<=", "<<="},
};

constexpr std::string_view kContainment[] = {"contains", "contains_equals", "contained_within",
                                             "contained_within_equals"};

bool is_known_operator(std::string_view op) {
  if (op == "and" || op == "or" || op == "is" || op == "is_not" || op == "equals_any") return true;
  for (const auto& c : kComparisons) {
    if (c.name == op) return true;
  }
  for (auto c : kContainment) {
    if (c == op) return true;
  }
  return false;
}

// The (network, last address) cidr bounds of a value that is a plain prefix
// or address, for the btree form of containment; nullopt for anything else
// (ranges, malformed text), which keeps the iprange form.
std::optional<std::pair<std::string, std::string>> cidr_bounds(const QueryScalar& value) {
  const std::string* text = std::get_if<std::string>(&value);
  if (text == nullptr) return std::nullopt;
  try {
    const IpPrefix prefix = parse_prefix(*text);
    IpPrefix last = prefix;
    last.address = prefix.last();
    last.length = prefix.max_length();
    return std::make_pair(prefix.cidr_text(), last.cidr_text());
  } catch (const NipapError&) {
    return std::nullopt;
  }
}

std::string format_double(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

}  // namespace

std::optional<std::string> scalar_text(const QueryScalar& value) {
  struct {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return b ? "true" : "false"; }
    std::optional<std::string> operator()(int64_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(double d) const { return format_double(d); }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
    std::optional<std::string> operator()(const std::vector<std::string>& items) const {
      return array_literal(items);
    }
  } visitor;
  return std::visit(visitor, value);
}

CompiledQuery SearchCompiler::compile(Query& query) {
  params_.clear();
  CompiledQuery out;
  out.sql = node(query, 0);
  out.params = std::move(params_);
  return out;
}

CompiledQuery compile_or_match_all(SearchObject object,
                                   const std::vector<SearchAttribute>& attributes, Query& query) {
  if (!query.op && !query.attribute && query.children.empty()) return {"TRUE", {}};
  return SearchCompiler(object, attributes).compile(query);
}

void throw_missing_val1() {
  throw NipapError(FaultCode::kMissingInput, "'val1' must be specified");
}

void require_nonempty_query(const Query& q) {
  if (!q.op && !q.attribute && q.children.empty()) throw_missing_val1();
}

std::string SearchCompiler::bind(const QueryScalar& value) {
  params_.push_back(scalar_text(value));
  return placeholder(static_cast<std::size_t>(next_param_++));
}

std::string SearchCompiler::node(Query& q, int depth) {
  if (depth > kMaxDepth) {
    throw NipapError(FaultCode::kInput,
                     "query nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (!q.op) {
    // An empty query {} where a query is required (search.md §1.1).
    require_nonempty_query(q);
    throw NipapError(FaultCode::kMissingInput, "'operator' must be specified");
  }
  if (q.is_combining()) {
    if (*q.op != "and" && *q.op != "or") {
      if (!is_known_operator(*q.op)) {
        throw NipapError(FaultCode::kNoSuchOperator, "No such operator " + *q.op);
      }
      throw NipapError(FaultCode::kNoSuchOperator,
                       "operator '" + *q.op + "' cannot combine two queries; use 'and' or 'or'");
    }
    const std::string left = node(q.children[0], depth + 1);
    const std::string right = node(q.children[1], depth + 1);
    return "(" + left + (*q.op == "and" ? " AND " : " OR ") + right + ")";
  }
  return leaf(q);
}

std::string SearchCompiler::leaf(Query& q) {
  if (!q.attribute) throw_missing_val1();
  const SearchAttribute* attr = nullptr;
  for (const auto& a : attributes_) {
    if (a.name == *q.attribute) attr = &a;
  }
  if (attr == nullptr) {
    throw NipapError(FaultCode::kInput, "Search variable '" + *q.attribute + "' unknown");
  }
  std::string& op = *q.op;
  if (object_ == SearchObject::kPrefix && *q.attribute == "vrf_id" &&
      std::holds_alternative<std::monostate>(q.value)) {
    q.value = int64_t{0};
  }
  const bool nil = std::holds_alternative<std::monostate>(q.value);
  if (nil && op == "equals") op = "is";
  if (nil && op == "not_equals") op = "is_not";
  if (!is_known_operator(op))
    throw NipapError(FaultCode::kNoSuchOperator, "No such operator " + op);

  const std::string column(attr->sql);
  const std::string type(attr->type);
  if (op == "and" || op == "or") {
    throw NipapError(FaultCode::kValue, "operator '" + op +
                                            "' combines two queries; it cannot compare '" +
                                            *q.attribute + "' with a value");
  }
  if (op == "is" || op == "is_not") {
    const char* negate = op == "is" ? "" : " NOT";
    if (nil) return "(" + column + " IS" + negate + " NULL)";
    if (const bool* b = std::get_if<bool>(&q.value)) {
      return "(" + column + " IS" + negate + (*b ? " TRUE)" : " FALSE)");
    }
    throw NipapError(FaultCode::kValue, "operator '" + op +
                                            "' needs nil, true or false as its value, not '" +
                                            scalar_text(q.value).value_or("") + "'");
  }
  if (op == "equals_any") {
    if (type != "text[]") {
      throw NipapError(FaultCode::kValue,
                       "operator 'equals_any' applies to tags, not to '" + *q.attribute + "'");
    }
    std::string sql = "(";
    sql += bind(q.value);
    sql += "::citext = ANY(" + column + "::citext[]))";
    return sql;
  }
  for (auto c : kContainment) {
    if (c == op) {
      // Word-form containment always tests the prefix's address range
      // (search.md §1.4); other objects have no addresses.
      if (object_ != SearchObject::kPrefix) {
        throw NipapError(FaultCode::kValue, "operator '" + op + "' applies to prefixes only");
      }
      const std::string range = "iprange(prefix)";
      const std::string value = bind(q.value) + "::iprange";
      // Prefixes inside N/len are exactly the cidr values from N/len to
      // last/maxlen in the inet order (a pre-order walk of the tree), so
      // "inside a prefix" becomes a btree range on (vrf_id, prefix), which
      // the planner estimates well and reads in result order. The iprange
      // cast is kept so a value the database refuses fails as before.
      if (op == "contained_within" || op == "contained_within_equals") {
        if (auto bounds = cidr_bounds(q.value)) {
          const std::string low = bind(bounds->first) + "::cidr";
          const std::string high = bind(bounds->second) + "::cidr";
          return "(" + value + " IS NOT NULL AND prefix " +
                 (op == "contained_within" ? ">" : ">=") + " " + low + " AND prefix <= " + high +
                 ")";
        }
      }
      if (op == "contains") return "(" + range + " >> " + value + ")";
      if (op == "contains_equals") return "(" + range + " >>= " + value + ")";
      if (op == "contained_within") return "(" + range + " << " + value + ")";
      return "(" + range + " <<= " + value + ")";
    }
  }
  for (const auto& c : kComparisons) {
    if (c.name != op) continue;
    const std::string_view sql_op = c.sql;
    if (sql_op == "LIKE" || sql_op == "~*" || sql_op == "!~*" || sql_op == "~" || sql_op == "!~") {
      if (sql_op != "LIKE") check_search_regex(*q.attribute, scalar_text(q.value).value_or(""));
      // ASN, tag, pool and VRF searches do not coalesce: a NULL name never
      // matches, not even a negated regex (asn.jsonl seq 75-77, pool.jsonl
      // seq 154, vrf.jsonl seq 175, 193, 195).
      if (object_ == SearchObject::kAsn || object_ == SearchObject::kTag ||
          object_ == SearchObject::kPool || object_ == SearchObject::kVrf) {
        return "(" + column + "::text " + std::string(sql_op) + " " + bind(q.value) + "::text)";
      }
      // Prefixes: the symbol forms compare the column as it is, so NULL
      // never matches and a non-text column is refused (prefix_search.jsonl
      // seq 46, 47, 92, 116).
      if (op == sql_op && sql_op != "LIKE") {
        return "(" + column + " " + std::string(sql_op) + " " + bind(q.value) + "::text)";
      }
      // A NULL attribute matches like the empty string (search.md §1.4).
      return "(COALESCE(" + column + "::text, '') " + std::string(sql_op) + " " + bind(q.value) +
             "::text)";
    }
    return "(" + column + " " + std::string(sql_op) + " " + bind(q.value) + "::" + type + ")";
  }
  throw NipapError(FaultCode::kNoSuchOperator, "No such operator " + op);
}

}  // namespace prefixd
