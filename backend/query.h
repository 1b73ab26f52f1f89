// SPDX-License-Identifier: MIT
// A structured search query (spec/search.md §1): a binary tree of nodes
// {operator, val1, val2}. A combining node ("and"/"or") has two children;
// a leaf compares an attribute (val1) with a value (val2). Smart search
// (search.md §4) produces the same tree, with an `interpretation` on every
// node that came from the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace prefixd {

// A leaf value or an interpretation field: nil, bool, integer, number, text,
// or a list of strings (compared with an array attribute such as tags).
using QueryScalar =
    std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

struct Query {
  // The operator as given ("equals", "=", "and", ...). Empty only in the
  // tree smart search returns when it could not parse its input, where
  // NIPAP sends operator, val1 and val2 as nil.
  std::optional<std::string> op;

  // Combining node: exactly two children (val1, val2). Leaf: none.
  std::vector<Query> children;

  // Leaf: the attribute name (val1) and the comparison value (val2).
  std::optional<std::string> attribute;
  QueryScalar value;

  // Smart search only: the interpretation struct, as ordered key/value
  // pairs holding exactly the keys NIPAP sends for this node (search.md
  // §4.9). Absent (nullopt) on nodes that did not come from the text, such
  // as the wrapper that ANDs an extra_query.
  using Fields = std::vector<std::pair<std::string, QueryScalar>>;
  std::optional<Fields> interpretation;

  bool is_combining() const { return children.size() == 2; }

  static Query leaf(std::string op, std::string attribute, QueryScalar value) {
    Query q;
    q.op = std::move(op);
    q.attribute = std::move(attribute);
    q.value = std::move(value);
    return q;
  }
  static Query combine(std::string op, Query left, Query right) {
    Query q;
    q.op = std::move(op);
    q.children.push_back(std::move(left));
    q.children.push_back(std::move(right));
    return q;
  }
};

// The kind of object a search or smart search is about.
enum class SearchObject { kVrf, kPool, kPrefix, kAsn, kTag };

}  // namespace prefixd
