// SPDX-License-Identifier: MIT
// search_prefix (spec/search.md §3): the match set, the related prefixes
// (parents, children, neighbours), parent_prefix mode, the match/display
// flags, offset and limit, in one statement.
#include "backend/db_errors.h"
#include "backend/db_session.h"
#include "backend/errors.h"
#include "backend/prefix_internal.h"
#include "backend/prefix_store.h"
#include "backend/sql_text.h"

namespace prefixd {

using namespace prefix_detail;

std::vector<Prefix> search_prefixes(pqxx::transaction_base& tx, Query& query,
                                    const PrefixSearchOptions& o) {
  // A prefix query needs a leaf: {} is not "everything" here (search.md §1.1).
  require_nonempty_query(query);
  SearchCompiler compiler(SearchObject::kPrefix, prefix_attributes());
  CompiledQuery compiled = compiler.compile(query);
  std::vector<std::optional<std::string>> params = std::move(compiled.params);
  auto bind = [&](std::optional<std::string> value, const char* cast) {
    return prefixd::bind(params, std::move(value), cast);
  };
  auto number = [](std::optional<int64_t> n) {
    return n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt;
  };

  std::string parent_condition;
  if (o.parent_prefix) {
    const pqxx::result parent = translate_db_errors(
        [&] { return tx.exec_prepared("prefix_search_parent", *o.parent_prefix); });
    if (parent.empty()) {
      throw NipapError(FaultCode::kNonExistent,
                       "Parent prefix " + std::to_string(*o.parent_prefix) + " can not be found");
    }
    // P itself and its direct children (search.md §3.3).
    parent_condition =
        " WHERE p.vrf_id = " + bind(parent[0][0].as<std::string>(), "::integer") +
        " AND iprange(p.prefix) <<= iprange(" + bind(parent[0][1].as<std::string>(), "::cidr") +
        ") AND p.indent <= " + bind(parent[0][2].as<std::string>(), "::integer") + " + 1";
  }

  const std::optional<int64_t> match_limit =
      o.max_result ? std::optional<int64_t>(*o.max_result + o.offset) : std::nullopt;
  const std::string limit = bind(number(match_limit), "::bigint");
  // The matches, VRF by VRF: each VRF's first `limit` matches in prefix
  // order (an ordered read of the (vrf_id, prefix) index when the query
  // bounds the prefix), then the global order over those few rows. This
  // never sorts the whole match set of a large reservation.
  const std::string matches =
      std::string(
          " FROM (SELECT vrf.*, prefixd_rt_sort_key(vrf.rt) AS sort_key"
          " FROM ip_net_vrf vrf) vrf CROSS JOIN LATERAL (SELECT p.* FROM prefixd_plan_exact p"
          " WHERE p.vrf_id = vrf.id AND ") +
      compiled.sql + " ORDER BY p.prefix LIMIT " + limit +
      ") p LEFT JOIN ip_net_pool pool ON pool.id = p.pool_id"
      " ORDER BY vrf.sort_key NULLS FIRST, p.prefix, p.vrf_id";

  const bool related_rows = o.include_all_parents || o.parents_depth != 0 ||
                            o.include_all_children || o.children_depth != 0 ||
                            o.include_neighbors || o.parent_prefix;
  std::optional<std::string> row_limit;
  if (o.max_result && *o.max_result != 0) row_limit = std::to_string(*o.max_result);
  std::string sql;
  if (!related_rows) {
    // Only the matches themselves: one pass.
    sql = std::string("SELECT ") + kPrefixColumns + ", true, true" + matches + " OFFSET " +
          bind(std::to_string(o.offset), "::bigint") + " LIMIT " + bind(row_limit, "::bigint");
  } else {
    sql = "WITH m AS MATERIALIZED (SELECT p.id, p.vrf_id, p.prefix, p.indent, p.display_prefix" +
          matches + " LIMIT " + limit + ")";

    // Related prefixes (search.md §3.2), one index-friendly join per kind.
    std::string related =
        "SELECT r.id, r.id = m.id AS self FROM m JOIN ip_net_plan r ON r.vrf_id + 0 = m.vrf_id "
        "AND iprange(r.prefix) >>= iprange(m.prefix)";
    if (!o.include_all_parents && o.parents_depth != -1) {
      related += " AND r.indent >= m.indent - " + bind(number(o.parents_depth), "::integer");
    }
    if (o.include_all_children || o.children_depth != 0) {
      related +=
          " UNION ALL SELECT r.id, false FROM m JOIN ip_net_plan r ON r.vrf_id + 0 = m.vrf_id "
          "AND iprange(r.prefix) << iprange(m.prefix)";
      if (!o.include_all_children && o.children_depth != -1) {
        related += " AND r.indent <= m.indent + " + bind(number(o.children_depth), "::integer");
      }
    }
    if (o.include_neighbors) {
      // In practice the sibling hosts of a matched host: its display prefix
      // is its assignment's network.
      related +=
          " UNION ALL SELECT r.id, false FROM m JOIN ip_net_plan r ON r.vrf_id + 0 = m.vrf_id "
          "AND iprange(r.prefix) << iprange(m.display_prefix::cidr) AND r.indent = m.indent";
    }
    sql += ", rel AS (SELECT id, bool_or(self) AS match FROM (" + related + ") x GROUP BY id)";

    sql += std::string(" SELECT ") + kPrefixColumns +
           ", coalesce(rel.match, false), CASE WHEN rel.id IS NOT NULL THEN true END" +
           kPrefixFrom + (o.parent_prefix ? " LEFT JOIN" : " JOIN") + " rel ON rel.id = p.id" +
           parent_condition + kSearchOrder + " OFFSET " +
           bind(std::to_string(o.offset), "::bigint") + " LIMIT " + bind(row_limit, "::bigint");
  }

  const pqxx::result rows = translate_db_errors([&] { return exec_cached(tx, sql, params); });
  std::vector<Prefix> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    Prefix p = row_to_prefix(r);
    // The search's own columns after the prefix's: match, display.
    const auto match = r[column::kPrefixColumnCount], display = r[column::kPrefixColumnCount + 1];
    p.match = match.as<bool>();
    p.display = display.is_null() ? std::nullopt : std::optional<bool>(display.as<bool>());
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace prefixd
