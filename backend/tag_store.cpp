// SPDX-License-Identifier: MIT
#include "backend/tag_store.h"
#include "backend/search_attributes.h"

#include "backend/db_errors.h"
#include "backend/search_compiler.h"
#include "backend/sql_text.h"

namespace prefixd {

std::vector<Tag> search_tags(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options) {
  CompiledQuery compiled = compile_or_match_all(SearchObject::kTag, tag_attributes(), query);
  const std::string sql =
      "SELECT name FROM (SELECT DISTINCT unnest(tags) AS name FROM ip_net_plan) AS tag WHERE " +
      compiled.sql + " ORDER BY name" + limit_offset(compiled.params, options);
  return translate_db_errors([&] {
    std::vector<Tag> out;
    for (const auto& row :
         tx.exec_params(sql, pqxx::prepare::make_dynamic_params(compiled.params))) {
      out.push_back(Tag{row[0].as<std::string>()});
    }
    return out;
  });
}

}  // namespace prefixd
