// SPDX-License-Identifier: MIT
// libFuzzer target over the whole smart-search chain (spec/search.md §4):
// every input is parsed as a VRF, pool, prefix and ASN query string, the
// interpretation is checked against §4.9, and a successful parse is compiled
// to SQL with the stores' own attribute tables, as smart_search_* does before
// it queries the database. The accepted failures are the NipapErrors the
// chain documents; anything else (another exception, a crash, a leak, a
// sanitizer report, a broken invariant below) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/errors.h"
#include "backend/search_attributes.h"
#include "backend/search_compiler.h"
#include "backend/smart_search_parser.h"

namespace prefixd::fuzz {
namespace {

// A broken invariant: said on stderr, then abort(), which libFuzzer records
// as a crash together with the input.
void require(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "smart_search_fuzz: %s%s%.*s\n", what, detail.empty() ? "" : ": ",
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

const QueryScalar* field(const Query::Fields& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

const std::string* text_of(const QueryScalar* v) {
  return v == nullptr ? nullptr : std::get_if<std::string>(v);
}

// The leaves under a leaf interpretation (text match, tag) were not typed by
// the user: they carry no interpretation, use `op`, and compare with `value`.
void check_generated_leaves(const Query& q, std::string_view op, std::string_view value) {
  if (q.is_combining()) {
    require(!q.children[0].interpretation && !q.children[1].interpretation,
            "a generated node has an interpretation");
    for (const Query& child : q.children) check_generated_leaves(child, op, value);
    return;
  }
  require(q.op == op, "a generated leaf has another operator", q.op.value_or("nil"));
  const std::string* v = std::get_if<std::string>(&q.value);
  require(v != nullptr && *v == value, "a generated leaf compares with another value");
}

// §4.9 for `q` and, through and/or nodes, the nodes below it. Sets
// `any_error` when a node says error: true.
void check_interpretation(const Query& q, SearchObject object, bool& any_error) {
  require(q.interpretation.has_value(), "a node from the text has no interpretation");
  const Query::Fields& f = *q.interpretation;
  for (size_t i = 0; i < f.size(); ++i) {
    for (size_t j = i + 1; j < f.size(); ++j) {
      require(f[i].first != f[j].first, "duplicate interpretation key", f[i].first);
    }
  }
  const QueryScalar* kind = field(f, "interpretation");
  require(kind != nullptr && field(f, "operator") != nullptr,
          "no 'interpretation' or 'operator' key");
  const QueryScalar* error = field(f, "error");
  if (object == SearchObject::kAsn) {
    require(error == nullptr, "an ASN interpretation has an 'error' key");
  } else {
    require(error != nullptr && std::holds_alternative<bool>(*error), "'error' missing or no bool");
    const bool failed = std::get<bool>(*error);
    require(failed == (text_of(field(f, "error_message")) != nullptr),
            "'error_message' is not present exactly when 'error' is true");
    any_error = any_error || failed;
  }
  if (std::holds_alternative<std::monostate>(*kind)) {
    // The failure tree of §4.2: operator, val1 and val2 nil.
    require(object != SearchObject::kAsn && !q.op && !q.attribute && q.children.empty() &&
                text_of(field(f, "string")) && text_of(field(f, "attribute")),
            "malformed failure tree");
    return;
  }
  const std::string* k = text_of(kind);
  const std::string* op = text_of(field(f, "operator"));
  require(k != nullptr && op != nullptr, "'interpretation' or 'operator' is no string");
  if (*k == "and" || *k == "or") {
    require(q.is_combining() && q.op == *k && *op == *k, "malformed and/or node", *k);
    for (const Query& child : q.children) check_interpretation(child, object, any_error);
    return;
  }
  const std::string* s = text_of(field(f, "string"));
  require(s != nullptr && text_of(field(f, "attribute")) != nullptr,
          "a leaf interpretation has no 'string' or 'attribute'", *k);
  if (*k == "text") {
    check_generated_leaves(q, "regex_match", *s);
  } else if (*k == "tag" || *k == "(inherited) tag") {
    require(s->size() > 1 && (*s)[0] == '#', "a tag string without '#'", *s);
    check_generated_leaves(q, "equals_any", std::string_view(*s).substr(1));
  } else if (*k == "expression") {
    const std::string* value = std::get_if<std::string>(&q.value);
    require(!q.is_combining() && q.attribute && q.op && value, "malformed expression node");
    require(*s == *q.attribute + *q.op + *value, "expression string is not ATTR+OP+VALUE", *s);
    require(*text_of(field(f, "attribute")) == *q.attribute && *op == *q.op,
            "expression interpretation differs from its node");
  } else {
    require(*k == "vrf_rt" || *k == "IPv4 address" || *k == "IPv4 prefix" || *k == "IPv6 address" ||
                *k == "IPv6 prefix" || *k == "asn",
            "unknown interpretation", *k);
    require(!q.is_combining() && q.attribute && q.op == *op, "malformed leaf", *k);
  }
}

const std::vector<SearchAttribute>& attributes_of(SearchObject object) {
  switch (object) {
    case SearchObject::kVrf:
      return vrf_attributes();
    case SearchObject::kPool:
      return pool_attributes();
    case SearchObject::kAsn:
      return asn_attributes();
    default:
      return prefix_attributes();
  }
}

// The values a compiled query must bind, in order: every leaf's value.
void leaf_values(const Query& q, std::vector<std::optional<std::string>>& out) {
  if (q.is_combining()) {
    for (const Query& child : q.children) leaf_values(child, out);
    return;
  }
  out.push_back(scalar_text(q.value));
}

void replace_values(Query& q, const std::string& value) {
  for (Query& child : q.children) replace_values(child, value);
  if (std::holds_alternative<std::string>(q.value)) q.value = value;
}

// True when `values` occur in `params` in this order (the compiler may bind
// values derived from them too, such as the bounds of a prefix).
bool is_subsequence(const std::vector<std::optional<std::string>>& values,
                    const std::vector<std::optional<std::string>>& params) {
  size_t next = 0;
  for (const auto& p : params) {
    if (next < values.size() && p == values[next]) ++next;
  }
  return next == values.size();
}

// Placeholders $1..$N each once and in order, N the number of parameters;
// parentheses balanced outside string literals.
void check_sql_shape(const std::string& sql, size_t params) {
  size_t next = 1;
  int depth = 0;
  bool literal = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') literal = !literal;
    if (literal) continue;
    if (c == '(') ++depth;
    if (c == ')') require(--depth >= 0, "unbalanced parentheses in the SQL", sql);
    if (c != '$') continue;
    size_t n = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      n = n * 10 + static_cast<size_t>(sql[++i] - '0');
    }
    require(n == next++, "placeholders out of order", sql);
  }
  require(depth == 0 && !literal, "unbalanced SQL", sql);
  require(next - 1 == params, "placeholder and parameter counts differ", sql);
}

// Compiles the tree as the store does. The only errors a smart-search tree
// may meet here are an attribute the smart-search list has but the store
// cannot search (§4.6: prefix `vrf`, `pool`, `children`, ...; pool `vrf`) and
// a word too long or complex to hand PostgreSQL as a regular expression
// (backend/regex_guard.h).
void check_compile(SearchObject object, const Query& parsed) {
  Query query = parsed;  // compile() applies NIPAP's rewrites in place
  CompiledQuery compiled;
  try {
    compiled = SearchCompiler(object, attributes_of(object)).compile(query);
  } catch (const NipapError& e) {
    const std::string_view message = e.what();
    require((e.code() == FaultCode::kInput && message.starts_with("Search variable '")) ||
                (e.code() == FaultCode::kValue &&
                 message.starts_with("regular expression for '")),
            "unexpected compile error", message);
    return;
  }
  std::vector<std::optional<std::string>> values;
  leaf_values(query, values);
  require(is_subsequence(values, compiled.params), "a value of the tree is not bound",
          compiled.sql);
  check_sql_shape(compiled.sql, compiled.params.size());
  // No value reaches the SQL text: a value longer than a few characters may
  // appear in it only as part of the fixed text the compiler writes for the
  // same tree anyway, with values that cannot be spliced (empty) and with a
  // value that is a prefix (the containment operators' btree form).
  std::string vocabulary;
  for (const char* stand_in : {"", "0.0.0.0/0"}) {
    Query other = parsed;
    replace_values(other, stand_in);
    vocabulary += SearchCompiler(object, attributes_of(object)).compile(other).sql + "\n";
  }
  for (const auto& value : values) {
    if (!value || value->size() < 4 || compiled.sql.find(*value) == std::string::npos) continue;
    require(vocabulary.find(*value) != std::string::npos, "a value is spliced into the SQL",
            compiled.sql);
  }
}

void check_chain(SearchObject object, std::string_view text) {
  SmartSearchParse parsed;
  try {
    parsed = parse_smart_search(object, text);
  } catch (const NipapError& e) {
    // §4.8: only the ASN parser throws, with 1200 (unbalanced quote, trailing
    // backslash, too many terms).
    require(object == SearchObject::kAsn && e.code() == FaultCode::kValue, "unexpected parse error",
            e.what());
    return;
  }
  require(parsed.error == !parsed.error_message.empty(), "error flag and message disagree");
  if (parsed.error) {
    require(parsed.error_message == "query interpretation failed" && !parsed.detail.empty(),
            "a failed parse without its message or reason");
  } else {
    require(parsed.detail.empty(), "a successful parse with a failure reason", parsed.detail);
  }
  bool any_error = false;
  check_interpretation(parsed.query, object, any_error);
  require(any_error == parsed.error, "the nodes' error flags disagree with the parse result");
  if (!parsed.error) check_compile(object, parsed.query);
}

}  // namespace
}  // namespace prefixd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const prefixd::SearchObject object :
       {prefixd::SearchObject::kVrf, prefixd::SearchObject::kPool, prefixd::SearchObject::kPrefix,
        prefixd::SearchObject::kAsn}) {
    prefixd::fuzz::check_chain(object, text);
  }
  return 0;
}
