// SPDX-License-Identifier: MIT
// Compiles a structured search query (spec/search.md §1) into a SQL boolean
// expression with bound parameters. Attribute names and operators come from
// fixed tables; values are always parameters, never spliced into the SQL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/query.h"

namespace prefixd {

// One searchable attribute of an object: its name in queries (val1), the SQL
// expression it reads, and the SQL type a value is cast to.
struct SearchAttribute {
  std::string_view name;
  std::string_view sql;
  std::string_view type;  // "text", "integer", "numeric", "boolean", "cidr", "text[]", ...
};

struct CompiledQuery {
  std::string sql;  // a boolean expression over the object's row
  std::vector<std::optional<std::string>> params;
};

class SearchCompiler {
 public:
  // `attributes` must outlive the compiler. `first_param` numbers the first
  // placeholder ($N), for queries that already bind parameters.
  SearchCompiler(SearchObject object, const std::vector<SearchAttribute>& attributes,
                 int first_param = 1)
      : object_(object), attributes_(attributes), next_param_(first_param) {}

  // Applies NIPAP's visible rewrites in place (search.md §1.3: equals/
  // not_equals with nil become is/is_not; prefix searches read vrf_id nil
  // as 0), then compiles. Throws NipapError for malformed queries: unknown
  // attribute 1100, unknown operator 1130, bad node shapes 1100/1110.
  CompiledQuery compile(Query& query);

 private:
  std::string node(Query& q, int depth);
  std::string leaf(Query& q);
  std::string bind(const QueryScalar& value);

  SearchObject object_;
  const std::vector<SearchAttribute>& attributes_;
  int next_param_;
  std::vector<std::optional<std::string>> params_;
};

// An empty query {} means every row for VRFs, ASNs and tags (search.md
// §1.1): TRUE without parameters; anything else is compiled.
CompiledQuery compile_or_match_all(SearchObject object,
                                   const std::vector<SearchAttribute>& attributes, Query& query);

// A query node without an attribute: 1110 "'val1' must be specified", NIPAP's
// KeyError on 'val1'.
[[noreturn]] void throw_missing_val1();
// Pools and prefixes have no "match all": an empty query {} is refused with
// throw_missing_val1 (search.md §1.1).
void require_nonempty_query(const Query& query);

// The text a scalar is bound as: what PostgreSQL parses for the cast.
std::optional<std::string> scalar_text(const QueryScalar& value);

}  // namespace prefixd
