// SPDX-License-Identifier: MIT
// Tags (spec/xmlrpc.md §5.6): the distinct tags used on prefixes, searched
// with the structured query language on the one attribute `name`.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/model.h"
#include "backend/query.h"

namespace prefixd {

struct Tag {
  std::string name;
};

// The distinct own tags of all prefixes matching `query` ({} = all),
// ordered by name; offset and max_result both apply (search.md §2.1).
// `query` is rewritten in place as NIPAP does (search.md §1.3).
std::vector<Tag> search_tags(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options);

}  // namespace prefixd
