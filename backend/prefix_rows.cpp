// How a prefix row is read, which attributes a query or spec may name, and
// how a spec becomes SQL (shared by the prefix store and the prefix search).
#include "backend/pg_values.h"
#include "backend/prefix_internal.h"
#include "backend/search_attributes.h"

namespace prefixd::prefix_detail {

// Timestamps as naive "YYYYMMDDTHH:MM:SS" in the session time zone; expires
// "infinity" (never) reads as NULL.
const char* const kPrefixColumns =
    "p.id, p.vrf_id, vrf.rt, vrf.name, family(p.prefix), p.prefix::text, p.display_prefix, "
    "p.display_prefix::text, masklen(p.prefix), p.description, p.comment, p.node, p.pool_id, "
    "pool.name, p.type::text, p.indent, p.children, p.country, p.order_id, p.customer_id, "
    "p.external_key, p.authoritative_source, p.alarm_priority::text, p.monitor, p.vlan, "
    "coalesce(p.tags, '{}'), coalesce(p.inherited_tags, '{}'), hstore_to_array(p.avps), "
    "to_char(p.added, 'YYYYMMDD\"T\"HH24:MI:SS'), "
    "to_char(p.last_modified, 'YYYYMMDD\"T\"HH24:MI:SS'), "
    "CASE WHEN isfinite(p.expires) THEN to_char(p.expires, 'YYYYMMDD\"T\"HH24:MI:SS') END, "
    "p.total_addresses::text, p.used_addresses::text, p.free_addresses::text, p.status::text";
const char* const kPrefixFrom =
    " FROM ip_net_plan p JOIN ip_net_vrf vrf ON vrf.id = p.vrf_id"
    " LEFT JOIN ip_net_pool pool ON pool.id = p.pool_id";
const char* const kSearchOrder =
    " ORDER BY prefixd_rt_sort_key(vrf.rt) NULLS FIRST, p.prefix, p.vrf_id";

Prefix row_to_prefix(const pqxx::row& r) {
  Prefix p;
  p.id = r[0].as<int64_t>();
  p.vrf_id = r[1].as<int64_t>();
  p.vrf_rt = optional_text(r[2]);
  p.vrf_name = optional_text(r[3]);
  p.family = r[4].as<int64_t>();
  p.prefix = r[5].as<std::string>();
  p.display_prefix = r[6].is_null() ? p.prefix : r[6].as<std::string>();
  p.display_prefix_cidr = r[7].is_null() ? p.prefix : r[7].as<std::string>();
  p.prefix_length = r[8].as<int64_t>();
  p.description = optional_text(r[9]);
  p.comment = optional_text(r[10]);
  p.node = optional_text(r[11]);
  if (!r[12].is_null()) p.pool_id = r[12].as<int64_t>();
  p.pool_name = optional_text(r[13]);
  p.type = r[14].as<std::string>();
  p.indent = r[15].is_null() ? 0 : r[15].as<int64_t>();
  p.children = r[16].is_null() ? 0 : r[16].as<int64_t>();
  p.country = optional_text(r[17]);
  p.order_id = optional_text(r[18]);
  p.customer_id = optional_text(r[19]);
  p.external_key = optional_text(r[20]);
  p.authoritative_source = r[21].as<std::string>();
  p.alarm_priority = optional_text(r[22]);
  if (!r[23].is_null()) p.monitor = r[23].as<bool>();
  if (!r[24].is_null()) p.vlan = r[24].as<int64_t>();
  p.tags = optional_text_array(r[25]).value_or(std::vector<std::string>{});
  p.inherited_tags = optional_text_array(r[26]).value_or(std::vector<std::string>{});
  p.avps = avps_from_array(r[27]);
  p.added = r[28].as<std::string>("");
  p.last_modified = r[29].as<std::string>("");
  p.expires = optional_text(r[30]);
  p.total_addresses = optional_text(r[31]);
  p.used_addresses = optional_text(r[32]);
  p.free_addresses = optional_text(r[33]);
  p.status = r[34].as<std::string>();
  return p;
}

std::vector<Prefix> rows_to_prefixes(const pqxx::result& rows) {
  std::vector<Prefix> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(row_to_prefix(r));
  return out;
}

std::string spec_condition(const PrefixSpec& spec,
                           std::vector<std::optional<std::string>>& params) {
  std::string where = "TRUE";
  for (const auto& term : spec.terms) {
    const SearchAttribute* attr = nullptr;
    for (const auto& a : prefix_attributes()) {
      if (a.name == term.key) attr = &a;
    }
    if (attr == nullptr) continue;  // check_prefix_spec refused it already
    std::optional<std::string> value = term.value;
    // A nil vrf_id means the default VRF (xmlrpc.md §6).
    if (term.key == "vrf_id" && !value) value = "0";
    where += " AND ";
    if (!value) {
      where += std::string(attr->sql) + " IS NULL";
      continue;
    }
    const std::string type = term.array ? "::text[]" : "::" + std::string(attr->type);
    where += attr->sql;
    where += " = ";
    where += bind(params, value, type);
  }
  return where;
}

}  // namespace prefixd::prefix_detail
