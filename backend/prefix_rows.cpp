// SPDX-License-Identifier: MIT
// How a prefix row is read, which attributes a query or spec may name, and
// how a spec becomes SQL (shared by the prefix store and the prefix search).
#include "backend/pg_values.h"
#include "backend/prefix_internal.h"
#include "backend/search_attributes.h"

namespace prefixd::prefix_detail {

// Timestamps as whole seconds since the epoch and the session time zone's
// offset at that instant; expires "infinity" (never) reads as NULL.
const char* const kPrefixColumns =
    "p.id, p.vrf_id, vrf.rt, vrf.name, family(p.prefix), p.prefix::text, p.display_prefix, "
    "p.display_prefix::text, masklen(p.prefix), p.description, p.comment, p.node, p.pool_id, "
    "pool.name, p.type::text, p.indent, p.children, p.country, p.order_id, p.customer_id, "
    "p.external_key, p.authoritative_source, p.alarm_priority::text, p.monitor, p.vlan, "
    "coalesce(p.tags, '{}'), coalesce(p.inherited_tags, '{}'), hstore_to_array(p.avps), "
    "floor(extract(epoch FROM p.added))::int8, extract(timezone FROM p.added)::int4, "
    "floor(extract(epoch FROM p.last_modified))::int8, "
    "extract(timezone FROM p.last_modified)::int4, "
    "CASE WHEN isfinite(p.expires) THEN floor(extract(epoch FROM p.expires))::int8 END, "
    "CASE WHEN isfinite(p.expires) THEN extract(timezone FROM p.expires)::int4 END, "
    "p.total_addresses::text, p.used_addresses::text, p.free_addresses::text, p.status::text";
const char* const kPrefixFrom =
    " FROM prefixd_plan_exact p JOIN ip_net_vrf vrf ON vrf.id = p.vrf_id"
    " LEFT JOIN ip_net_pool pool ON pool.id = p.pool_id";
const char* const kSearchOrder =
    " ORDER BY prefixd_rt_sort_key(vrf.rt) NULLS FIRST, p.prefix, p.vrf_id";

namespace {

// A row's columns through one field object that moves along the row: a
// pqxx::field made anew (row[i]) holds its own reference to the result,
// two atomic operations, and a prefix row is read some 60 times (a fifth of
// the worker's time in libpqxx for a 50-row search).
class Columns {
 public:
  explicit Columns(const pqxx::row& row) : it_(row.begin()) {}
  const pqxx::field& operator[](int column) {
    it_ += column - at_;
    at_ = column;
    return *it_.operator->();  // the iterator is the field (operator* copies it)
  }

 private:
  pqxx::row::const_iterator it_;
  int at_ = 0;
};

Timestamp timestamp(Columns& r, int seconds, int offset) {
  return Timestamp{r[seconds].as<int64_t>(), r[offset].as<int32_t>()};
}

}  // namespace

Prefix row_to_prefix(const pqxx::row& row) {
  using namespace column;
  Columns r(row);
  Prefix p;
  p.id = r[kId].as<int64_t>();
  p.vrf_id = r[kVrfId].as<int64_t>();
  p.vrf_rt = optional_text(r[kVrfRt]);
  p.vrf_name = optional_text(r[kVrfName]);
  p.family = r[kFamily].as<int64_t>();
  p.prefix = r[kPrefix].as<std::string>();
  p.display_prefix = r[kDisplayPrefix].is_null() ? p.prefix : r[kDisplayPrefix].as<std::string>();
  p.display_prefix_cidr =
      r[kDisplayPrefixCidr].is_null() ? p.prefix : r[kDisplayPrefixCidr].as<std::string>();
  p.prefix_length = r[kPrefixLength].as<int64_t>();
  p.description = optional_text(r[kDescription]);
  p.comment = optional_text(r[kComment]);
  p.node = optional_text(r[kNode]);
  if (!r[kPoolId].is_null()) p.pool_id = r[kPoolId].as<int64_t>();
  p.pool_name = optional_text(r[kPoolName]);
  p.type = r[kType].as<std::string>();
  p.indent = r[kIndent].is_null() ? 0 : r[kIndent].as<int64_t>();
  p.children = r[kChildren].is_null() ? 0 : r[kChildren].as<int64_t>();
  p.country = optional_text(r[kCountry]);
  p.order_id = optional_text(r[kOrderId]);
  p.customer_id = optional_text(r[kCustomerId]);
  p.external_key = optional_text(r[kExternalKey]);
  p.authoritative_source = r[kAuthoritativeSource].as<std::string>();
  p.alarm_priority = optional_text(r[kAlarmPriority]);
  if (!r[kMonitor].is_null()) p.monitor = r[kMonitor].as<bool>();
  if (!r[kVlan].is_null()) p.vlan = r[kVlan].as<int64_t>();
  p.tags = optional_text_array(r[kTags]).value_or(std::vector<std::string>{});
  p.inherited_tags = optional_text_array(r[kInheritedTags]).value_or(std::vector<std::string>{});
  p.avps = avps_from_array(r[kAvps]);
  p.added = timestamp(r, kAdded, kAddedOffset);
  p.last_modified = timestamp(r, kLastModified, kLastModifiedOffset);
  if (!r[kExpires].is_null()) p.expires = timestamp(r, kExpires, kExpiresOffset);
  p.total_addresses = optional_text(r[kTotalAddresses]);
  p.used_addresses = optional_text(r[kUsedAddresses]);
  p.free_addresses = optional_text(r[kFreeAddresses]);
  p.status = r[kStatus].as<std::string>();
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
    std::optional<std::string> value = term.list ? array_literal(*term.list) : term.value;
    // A nil vrf_id means the default VRF (xmlrpc.md §6).
    if (term.key == "vrf_id" && !value) value = "0";
    where += " AND ";
    if (!value) {
      where += std::string(attr->sql) + " IS NULL";
      continue;
    }
    const std::string type = term.list ? "::text[]" : "::" + std::string(attr->type);
    where += attr->sql;
    where += " = ";
    where += bind(params, value, type);
  }
  return where;
}

}  // namespace prefixd::prefix_detail
