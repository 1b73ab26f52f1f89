// SPDX-License-Identifier: MIT
#include "backend/pool_store.h"
#include "backend/search_attributes.h"

#include <string>

#include "backend/audit_log.h"
#include "backend/db_errors.h"
#include "backend/errors.h"
#include "backend/pg_values.h"
#include "backend/search_compiler.h"

namespace prefixd {

namespace {

// Every pool column, then the implied VRF and the member prefixes (model.md
// §4.3), computed for the whole list in one query: the lateral aggregate
// reads the members of each pool through ip_net_plan__pool_id__index.
constexpr const char* kSelect =
    "SELECT po.id, po.name, po.description, po.default_type::text, "
    "po.ipv4_default_prefix_length, po.ipv6_default_prefix_length, "
    "po.member_prefixes_v4::text, po.member_prefixes_v6::text, "
    "po.used_prefixes_v4::text, po.used_prefixes_v6::text, "
    "po.free_prefixes_v4::text, po.free_prefixes_v6::text, "
    "po.total_prefixes_v4::text, po.total_prefixes_v6::text, "
    "po.total_addresses_v4::text, po.total_addresses_v6::text, "
    "po.used_addresses_v4::text, po.used_addresses_v6::text, "
    "po.free_addresses_v4::text, po.free_addresses_v6::text, "
    "po.tags, hstore_to_array(po.avps), m.vrf_id, vrf.rt, vrf.name, m.prefixes "
    "FROM prefixd_pool_exact AS po "
    "LEFT JOIN LATERAL (SELECT min(p.vrf_id) AS vrf_id, "
    "array_agg(p.prefix::text ORDER BY p.prefix) AS prefixes "
    "FROM ip_net_plan AS p WHERE p.pool_id = po.id) AS m ON true "
    "LEFT JOIN ip_net_vrf AS vrf ON vrf.id = m.vrf_id";
// search.md §3.6: pools are ordered by name in the database collation.
constexpr const char* kOrder = " ORDER BY po.name, po.id";

constexpr const char* kPrefixTypes[] = {"reservation", "assignment", "host"};

// search.md §1.5. The address counters are the pool's own (the upstream
// ambiguity with the VRF's columns is not reproduced); vrf_rt is the RT of
// the implied VRF.

std::optional<int64_t> optional_int(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

Pool row_to_pool(const pqxx::row& r) {
  Pool p;
  p.id = r[0].as<int64_t>();
  p.name = r[1].as<std::string>();
  p.description = optional_text(r[2]);
  p.default_type = optional_text(r[3]);
  p.ipv4_default_prefix_length = optional_int(r[4]);
  p.ipv6_default_prefix_length = optional_int(r[5]);
  BigCount* counters[] = {&p.member_prefixes_v4, &p.member_prefixes_v6, &p.used_prefixes_v4,
                          &p.used_prefixes_v6,   &p.free_prefixes_v4,   &p.free_prefixes_v6,
                          &p.total_prefixes_v4,  &p.total_prefixes_v6,  &p.total_addresses_v4,
                          &p.total_addresses_v6, &p.used_addresses_v4,  &p.used_addresses_v6,
                          &p.free_addresses_v4,  &p.free_addresses_v6};
  for (int i = 0; i < 14; ++i) *counters[i] = optional_text(r[6 + i]);
  p.tags = optional_text_array(r[20]);
  p.avps = avps_from_array(r[21]);
  p.vrf_id = optional_int(r[22]);
  p.vrf_rt = optional_text(r[23]);
  p.vrf_name = optional_text(r[24]);
  p.prefixes = optional_text_array(r[25]).value_or(std::vector<std::string>{});
  return p;
}

std::vector<Pool> rows_to_pools(const pqxx::result& rows) {
  std::vector<Pool> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(row_to_pool(r));
  return out;
}

std::string spec_where(const PoolSpec& spec, SqlParams& params) {
  WhereClause where(params);
  // bigint: an id beyond the integer range matches nothing instead of failing.
  if (spec.id) where.equals("po.id", std::to_string(*spec.id), "::bigint");
  // Lookups by name are case-sensitive (model.md §1.5).
  if (spec.name) where.equals("po.name", *spec.name, "::text");
  return where.sql();
}

std::vector<Pool> select_pools(pqxx::transaction_base& tx, const std::string& where,
                               const std::vector<std::optional<std::string>>& params,
                               const std::string& tail = "") {
  return translate_db_errors([&] {
    return rows_to_pools(tx.exec_params(std::string(kSelect) + where + kOrder + tail,
                                        pqxx::prepare::make_dynamic_params(params)));
  });
}

std::vector<Pool> pools_by_id(pqxx::transaction_base& tx, const std::vector<int64_t>& ids) {
  if (ids.empty()) return {};
  return select_pools(tx, " WHERE po.id = ANY($1::integer[])", {array_literal(ids)});
}

// The attributes as the audit log shows them, close to NIPAP's Python repr.
std::string describe(const PoolChanges& attr) {
  AttrDescription d;
  if (attr.name) d.text("name", *attr.name);
  if (attr.description) d.text("description", *attr.description);
  if (attr.default_type) d.text("default_type", *attr.default_type);
  if (attr.ipv4_default_prefix_length) {
    d.number("ipv4_default_prefix_length", *attr.ipv4_default_prefix_length);
  }
  if (attr.ipv6_default_prefix_length) {
    d.number("ipv6_default_prefix_length", *attr.ipv6_default_prefix_length);
  }
  if (attr.tags) d.tags(*attr.tags);
  if (attr.avps) d.avps(*attr.avps);
  return d.str();
}

[[noreturn]] void invalid_default_type(const std::string& value) {
  throw NipapError(FaultCode::kValue, "invalid value '" + value +
                                          "' for default_type; expected one of reservation, "
                                          "assignment, host");
}

bool is_prefix_type(const std::string& value) {
  for (const char* t : kPrefixTypes) {
    if (value == t) return true;
  }
  return false;
}

// Everything add and edit check before writing, in NIPAP's order (errors.md
// §4.2): AVP keys, default lengths, default_type, nil name.
void check_attr(const PoolChanges& attr) {
  if (attr.avps && attr.avps->count("")) {
    throw NipapError(FaultCode::kValue, "AVP with empty name is not allowed");
  }
  if (attr.ipv4_default_prefix_length) {
    check_default_prefix_length(4, *attr.ipv4_default_prefix_length);
  }
  if (attr.ipv6_default_prefix_length) {
    check_default_prefix_length(6, *attr.ipv6_default_prefix_length);
  }
  if (attr.default_type && *attr.default_type) {
    if (!is_prefix_type(**attr.default_type)) invalid_default_type(**attr.default_type);
  }
  if (attr.name && !*attr.name) throw NipapError(FaultCode::kValue, "'name' must not be nil");
}

std::optional<std::string> tags_param(const Change<std::optional<std::vector<std::string>>>& tags) {
  // Absent tags default to {}; nil is stored as NULL (model.md §2.2).
  if (!tags) return "{}";
  return *tags ? std::optional(array_literal(**tags)) : std::nullopt;
}

// A comparison of default_type with a value that is not a prefix type would
// fail on the enum cast with a message that does not name the attribute
// (pool.jsonl seq 176); say which attribute and what it accepts instead.
void check_default_type_leaves(const Query& q) {
  if (q.is_combining()) {
    for (const Query& child : q.children) check_default_type_leaves(child);
    return;
  }
  static constexpr std::string_view kComparisons[] = {
      "equals",  "=", "not_equals",       "!=", "less", "<", "less_or_equal", "<=",
      "greater", ">", "greater_or_equal", ">="};
  if (!q.op || q.attribute != "default_type") return;
  bool comparison = false;
  for (auto c : kComparisons) comparison = comparison || *q.op == c;
  const std::optional<std::string> value = scalar_text(q.value);
  if (comparison && value && !is_prefix_type(*value)) invalid_default_type(*value);
}

template <typename T>
std::optional<T> value_of(const Change<std::optional<T>>& change) {
  return change ? *change : std::nullopt;
}

}  // namespace

const std::vector<PreparedStatement>& pool_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"pool_insert",
       "INSERT INTO ip_net_pool (name, description, default_type, ipv4_default_prefix_length, "
       "ipv6_default_prefix_length, tags, avps) VALUES ($1, $2, $3::ip_net_plan_type, "
       "$4::integer, $5::integer, $6::text[], hstore($7::text[])) RETURNING id"},
      // The hierarchy lock of every VRF the pool's members are in, ascending
      // (allocation.md §7.3), before the members are detached.
      {"pool_lock_member_vrfs",
       "SELECT prefixd_lock_vrf(v.vrf_id) FROM (SELECT DISTINCT vrf_id FROM ip_net_plan "
       "WHERE pool_id = $1 ORDER BY vrf_id) AS v"},
      // Detaching is an edit of each member (model.md §4.3): the plan
      // triggers move last_modified and the statistics.
      {"pool_detach_members", "UPDATE ip_net_plan SET pool_id = NULL WHERE pool_id = $1"},
      {"pool_delete", "DELETE FROM ip_net_pool WHERE id = $1"},
  };
  return kStatements;
}

const char* default_prefix_length_message(int family) {
  return family == 4 ? "Default IPv4 prefix length must be an integer between 1 and 32."
                     : "Default IPv6 prefix length must be an integer between 1 and 128.";
}

void check_default_prefix_length(int family, const std::optional<int64_t>& length) {
  if (!length) return;
  const int64_t max = family == 4 ? 32 : 128;
  if (*length < 1 || *length > max) {
    throw NipapError(FaultCode::kValue, default_prefix_length_message(family));
  }
}

void require_one_pool_key(bool id, bool name) {
  if (id == name) {
    throw NipapError(FaultCode::kMissingInput, "pool spec must contain either 'id' or 'name'");
  }
}

Pool add_pool(pqxx::transaction_base& tx, const Actor& actor, const PoolChanges& attr) {
  // model.md §4.5: required keys, in this order, before anything else.
  if (!attr.name) throw NipapError(FaultCode::kMissingInput, "missing attribute name");
  if (!attr.description)
    throw NipapError(FaultCode::kMissingInput, "missing attribute description");
  if (!attr.default_type) {
    throw NipapError(FaultCode::kMissingInput, "missing attribute default_type");
  }
  check_attr(attr);
  const int64_t id = translate_db_errors([&] {
    pqxx::row row = tx.exec_prepared1(
        "pool_insert", **attr.name, value_of(attr.description), value_of(attr.default_type),
        value_of(attr.ipv4_default_prefix_length), value_of(attr.ipv6_default_prefix_length),
        tags_param(attr.tags), avps_literal(attr.avps ? *attr.avps : Avps{}));
    return row[0].as<int64_t>();
  });
  Pool pool = pools_by_id(tx, {id}).at(0);
  write_audit(tx, actor,
              {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, pool.name,
               pool.id, "Added pool " + pool.name + " with attr: " + describe(attr)});
  return pool;
}

std::vector<Pool> list_pools(pqxx::transaction_base& tx, const PoolSpec& spec) {
  SqlParams params;
  const std::string where = spec_where(spec, params);
  return select_pools(tx, where, params);
}

std::vector<Pool> edit_pools(pqxx::transaction_base& tx, const Actor& actor, const PoolSpec& spec,
                             const PoolChanges& attr) {
  require_one_pool_key(spec.id.has_value(), spec.name.has_value());
  if (attr.empty()) throw NipapError(FaultCode::kInput, "'attr' must not be empty.");
  check_attr(attr);
  SqlParams spec_values;
  const std::string where = spec_where(spec, spec_values);
  const auto matched = translate_db_errors([&] {
    return tx.exec_params(
        "SELECT po.id, po.name FROM ip_net_pool AS po" + where + " ORDER BY po.name, po.id",
        pqxx::prepare::make_dynamic_params(spec_values));
  });
  std::vector<int64_t> ids;
  for (const auto& row : matched) {
    const int64_t id = row[0].as<int64_t>();
    const std::string old_name = row[1].as<std::string>();
    SqlParams params = {std::to_string(id)};
    SetClause set(params);
    auto number = [](const std::optional<int64_t>& v) {
      return v ? std::optional(std::to_string(*v)) : std::nullopt;
    };
    if (attr.name) set.set("name", *attr.name);
    if (attr.description) set.set("description", *attr.description);
    if (attr.default_type) set.set("default_type", *attr.default_type, "::ip_net_plan_type");
    if (attr.ipv4_default_prefix_length) {
      set.set("ipv4_default_prefix_length", number(*attr.ipv4_default_prefix_length), "::integer");
    }
    if (attr.ipv6_default_prefix_length) {
      set.set("ipv6_default_prefix_length", number(*attr.ipv6_default_prefix_length), "::integer");
    }
    if (attr.tags) set.set_text_array("tags", *attr.tags);
    if (attr.avps) set.set_avps("avps", *attr.avps);
    write_audit(tx, actor,
                {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, old_name, id,
                 "Edited pool " + old_name + " attr: " + describe(attr)});
    // An attr of only member_prefixes_* is accepted and changes nothing.
    if (!set.empty()) {
      translate_db_errors([&] {
        return tx.exec_params("UPDATE ip_net_pool SET " + set.sql() + " WHERE id = $1::integer",
                              pqxx::prepare::make_dynamic_params(params));
      });
    }
    ids.push_back(id);
  }
  return pools_by_id(tx, ids);
}

std::vector<Pool> remove_pools(pqxx::transaction_base& tx, const Actor& actor,
                               const PoolSpec& spec) {
  if (spec.empty()) {
    throw NipapError(FaultCode::kMissingInput, "a pool specification key (id or name) is required");
  }
  SqlParams params;
  const std::string where = spec_where(spec, params);
  std::vector<Pool> matched = select_pools(tx, where, params);
  for (const Pool& pool : matched) {
    translate_db_errors([&] {
      tx.exec_prepared("pool_lock_member_vrfs", pool.id);
      tx.exec_prepared("pool_detach_members", pool.id);
      return tx.exec_prepared("pool_delete", pool.id);
    });
    write_audit(tx, actor,
                {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, pool.name,
                 pool.id, "Removed pool " + pool.name});
  }
  return matched;
}

std::vector<Pool> search_pools(pqxx::transaction_base& tx, Query& query,
                               const SearchOptions& options) {
  // NIPAP fails on {} (a KeyError on 'val1', search.md §1.1); decision 3.
  require_nonempty_query(query);
  SearchCompiler compiler(SearchObject::kPool, pool_attributes());
  CompiledQuery compiled = compiler.compile(query);
  check_default_type_leaves(query);
  const std::string tail = limit_offset(compiled.params, options);
  return select_pools(tx, " WHERE " + compiled.sql, compiled.params, tail);
}

}  // namespace prefixd
