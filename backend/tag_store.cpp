#include "backend/tag_store.h"
#include "backend/search_attributes.h"

#include "backend/db_errors.h"
#include "backend/search_compiler.h"

namespace prefixd {

namespace {}  // namespace

std::vector<Tag> search_tags(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options) {
  std::string where = "TRUE";
  std::vector<std::optional<std::string>> params;
  // An empty query {} means every tag (search.md §1.1).
  if (query.op || query.attribute || !query.children.empty()) {
    SearchCompiler compiler(SearchObject::kTag, tag_attributes());
    CompiledQuery compiled = compiler.compile(query);
    where = std::move(compiled.sql);
    params = std::move(compiled.params);
  }
  params.push_back(std::to_string(options.max_result));
  params.push_back(std::to_string(options.offset));
  const std::string sql =
      "SELECT name FROM (SELECT DISTINCT unnest(tags) AS name FROM ip_net_plan) AS tag WHERE " +
      where + " ORDER BY name LIMIT $" + std::to_string(params.size() - 1) + "::bigint OFFSET $" +
      std::to_string(params.size()) + "::bigint";
  return translate_db_errors([&] {
    std::vector<Tag> out;
    for (const auto& row : tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params))) {
      out.push_back(Tag{row[0].as<std::string>()});
    }
    return out;
  });
}

}  // namespace prefixd
