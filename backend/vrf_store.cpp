// SPDX-License-Identifier: MIT
#include "backend/vrf_store.h"
#include "backend/search_attributes.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

#include "backend/audit_log.h"
#include "backend/db_errors.h"
#include "backend/errors.h"
#include "backend/pg_values.h"
#include "backend/search_compiler.h"

namespace prefixd {

namespace {

constexpr const char* kColumns =
    "id, rt, name, description, tags, hstore_to_array(avps), num_prefixes_v4::text, "
    "num_prefixes_v6::text, total_addresses_v4::text, total_addresses_v6::text, "
    "used_addresses_v4::text, used_addresses_v6::text, free_addresses_v4::text, "
    "free_addresses_v6::text";
constexpr const char* kOrder = " ORDER BY prefixd_rt_sort_key(rt) NULLS FIRST, id";

Vrf row_to_vrf(const pqxx::row& r) {
  Vrf v;
  v.id = r[0].as<int64_t>();
  v.rt = optional_text(r[1]);
  v.name = r[2].as<std::string>();
  v.description = optional_text(r[3]);
  v.tags = optional_text_array(r[4]);
  v.avps = avps_from_array(r[5]);
  BigCount* counters[] = {&v.num_prefixes_v4,    &v.num_prefixes_v6,   &v.total_addresses_v4,
                          &v.total_addresses_v6, &v.used_addresses_v4, &v.used_addresses_v6,
                          &v.free_addresses_v4,  &v.free_addresses_v6};
  for (int i = 0; i < 8; ++i) *counters[i] = optional_text(r[6 + i]);
  return v;
}

std::vector<Vrf> rows_to_vrfs(const pqxx::result& rows) {
  std::vector<Vrf> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(row_to_vrf(r));
  return out;
}

[[noreturn]] void invalid_rt() {
  throw NipapError(
      FaultCode::kValue,
      "Invalid input for column rt, should be ASN:id (123:456) or IP:id (1.3.3.7:456)");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A 64-bit integer as Python's int() reads it (surrounding whitespace, a
// sign, leading zeros); nullopt otherwise.
std::optional<int64_t> parse_int64(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// An IPv4 address as PostgreSQL's inet input reads it, "/len" dropped.
std::optional<std::string> parse_ipv4(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    const auto len = parse_int64(s.substr(slash + 1));
    if (!len || *len < 0 || *len > 32 || s.substr(slash + 1).find(' ') != std::string_view::npos) {
      return std::nullopt;
    }
    s = s.substr(0, slash);
  }
  unsigned octets[4];
  int n = 0;
  size_t pos = 0;
  while (n < 4) {
    size_t end = s.find('.', pos);
    std::string_view part = s.substr(pos, end == std::string_view::npos ? s.npos : end - pos);
    if (part.empty() || part.size() > 3) return std::nullopt;
    unsigned v = 0;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 255) return std::nullopt;
    octets[n++] = v;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (n != 4 || s.find('.', pos) != std::string_view::npos) return std::nullopt;
  return std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." +
         std::to_string(octets[2]) + "." + std::to_string(octets[3]);
}

std::string spec_where(const VrfSpec& spec, SqlParams& params) {
  WhereClause where(params);
  if (spec.id) where.equals("id", std::to_string(*spec.id), "::integer");
  if (spec.rt) where.equals("rt", *spec.rt, "::text");
  if (spec.name) where.equals("name", *spec.name, "::text");
  return where.sql();
}

std::string describe(const VrfChanges& attr) {
  AttrDescription d;
  if (attr.rt) d.text("rt", *attr.rt);
  if (attr.name) d.text("name", *attr.name);
  if (attr.description) d.text("description", *attr.description);
  if (attr.tags) d.tags(*attr.tags);
  if (attr.avps) d.avps(*attr.avps);
  return d.str();
}

void check_avps(const Change<Avps>& avps) {
  if (avps && avps->count("")) {
    throw NipapError(FaultCode::kValue, "AVP with empty name is not allowed");
  }
}

// The rt a row will have, validated for that row (model.md §3.2).
std::optional<std::string> rt_for_row(int64_t id, const std::optional<std::string>& rt) {
  if (id == 0) {
    if (rt) {
      throw NipapError(FaultCode::kValue, "Invalid input for column rt, must be NULL for VRF id 0");
    }
    return std::nullopt;
  }
  if (!rt) invalid_rt();
  return normalize_rt(*rt);
}

}  // namespace

const std::vector<PreparedStatement>& vrf_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"vrf_insert",
       "INSERT INTO ip_net_vrf (rt, name, description, tags, avps) "
       "VALUES ($1, $2, $3, $4::text[], hstore($5::text[])) RETURNING id"},
      {"audit_insert",
       "INSERT INTO ip_net_log (vrf_id, vrf_rt, vrf_name, prefix_prefix, prefix_id, pool_name, "
       "pool_id, username, authenticated_as, authoritative_source, full_name, description) "
       "VALUES ($1, $2, $3, $4::cidr, $5, $6, $7, $8, $9, $10, $11, $12)"},
      {"vrf_delete", "DELETE FROM ip_net_vrf WHERE id = $1"},
      {"vrf_delete_prefixes",
       // Hosts first, then longest prefixes first, so that no step removes
       // something that still has children (model.md §3.3).
       "DELETE FROM ip_net_plan WHERE vrf_id = $1"},
  };
  return kStatements;
}

std::string normalize_rt(std::string_view rt) {
  const size_t colon = rt.find(':');
  if (colon == std::string_view::npos || rt.find(':', colon + 1) != std::string_view::npos) {
    invalid_rt();
  }
  const auto assigned = parse_int64(rt.substr(colon + 1));
  if (!assigned) invalid_rt();
  const std::string_view admin = rt.substr(0, colon);
  if (const auto asn = parse_int64(admin)) {
    return std::to_string(*asn) + ":" + std::to_string(*assigned);
  }
  if (const auto ip = parse_ipv4(admin)) return *ip + ":" + std::to_string(*assigned);
  invalid_rt();
}

Vrf add_vrf(pqxx::transaction_base& tx, const Actor& actor, const VrfChanges& attr) {
  check_avps(attr.avps);
  const std::optional<std::string> rt = rt_for_row(-1, attr.rt ? *attr.rt : std::nullopt);
  if (!attr.name || !*attr.name) throw NipapError(FaultCode::kValue, "'name' must not be nil");
  // A nil tags list is stored as NULL (model.md §2.2).
  std::optional<std::string> tags = "{}";
  if (attr.tags) tags = *attr.tags ? std::optional(array_literal(**attr.tags)) : std::nullopt;
  const int64_t id = translate_db_errors([&] {
    pqxx::row row = tx.exec_prepared1("vrf_insert", rt, **attr.name,
                                      attr.description ? *attr.description : std::nullopt, tags,
                                      avps_literal(attr.avps ? *attr.avps : Avps{}));
    return row[0].as<int64_t>();
  });
  Vrf vrf = rows_to_vrfs(tx.exec_params(std::string("SELECT ") + kColumns +
                                            " FROM prefixd_vrf_exact WHERE id = $1",
                                        id))
                .at(0);
  write_audit(tx, actor,
              {vrf.id, vrf.rt, vrf.name, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
               "Added VRF " + vrf.rt.value_or("None") + " with attr: " + describe(attr)});
  return vrf;
}

std::vector<Vrf> list_vrfs(pqxx::transaction_base& tx, const VrfSpec& spec) {
  SqlParams params;
  const std::string where = spec_where(spec, params);
  return translate_db_errors([&] {
    return rows_to_vrfs(exec_cached(
        tx, std::string("SELECT ") + kColumns + " FROM prefixd_vrf_exact" + where + kOrder, params));
  });
}

Vrf resolve_vrf(pqxx::transaction_base& tx, const VrfSpec& spec) {
  std::vector<Vrf> vrfs = list_vrfs(tx, spec);
  if (vrfs.empty()) throw NipapError(FaultCode::kNonExistent, "No matching VRF found.");
  return std::move(vrfs.front());
}

std::vector<Vrf> edit_vrfs(pqxx::transaction_base& tx, const Actor& actor, const VrfSpec& spec,
                           const VrfChanges& attr) {
  check_avps(attr.avps);
  if (spec.empty())
    throw NipapError(FaultCode::kMissingInput,
                     "a VRF specification key (id, rt or name) is required");
  if (attr.empty()) throw NipapError(FaultCode::kInput, "'attr' must not be empty.");
  if (attr.name && !*attr.name) throw NipapError(FaultCode::kValue, "'name' must not be nil");
  std::vector<Vrf> matched = list_vrfs(tx, spec);
  std::vector<int64_t> ids;
  for (const Vrf& old : matched) {
    const auto rt = rt_for_row(old.id, attr.rt ? *attr.rt : old.rt);
    SqlParams params = {std::to_string(old.id)};
    SetClause set(params);
    set.set("rt", rt);
    if (attr.name) set.set("name", *attr.name);
    if (attr.description) set.set("description", *attr.description);
    if (attr.tags) set.set_text_array("tags", *attr.tags);
    if (attr.avps) set.set_avps("avps", *attr.avps);
    write_audit(tx, actor,
                {old.id, old.rt, old.name, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 "Edited VRF " + old.rt.value_or("None") + " attr: " + describe(attr)});
    translate_db_errors([&] {
      return tx.exec_params("UPDATE ip_net_vrf SET " + set.sql() + " WHERE id = $1::integer",
                            pqxx::prepare::make_dynamic_params(params));
    });
    ids.push_back(old.id);
  }
  if (ids.empty()) return {};
  return rows_to_vrfs(tx.exec_params(std::string("SELECT ") + kColumns +
                                         " FROM prefixd_vrf_exact WHERE id = ANY($1::integer[])" +
                                         kOrder,
                                     array_literal(ids)));
}

std::vector<Vrf> remove_vrfs(pqxx::transaction_base& tx, const Actor& actor, const VrfSpec& spec) {
  if (spec.empty()) {
    throw NipapError(FaultCode::kMissingInput,
                     "a VRF specification key (id, rt or name) is required");
  }
  const std::vector<Vrf> matched = list_vrfs(tx, spec);
  for (const Vrf& vrf : matched) {
    if (vrf.id == 0)
      throw NipapError(FaultCode::kValue, "Prohibited delete of default VRF (id=0).");
  }
  for (const Vrf& vrf : matched) {
    translate_db_errors([&] {
      tx.exec_params("SELECT prefixd_lock_vrf($1)", vrf.id);
      tx.exec_prepared("vrf_delete_prefixes", vrf.id);
      return tx.exec_prepared("vrf_delete", vrf.id);
    });
    write_audit(tx, actor,
                {vrf.id, vrf.rt, vrf.name, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 "Removed vrf " + vrf.rt.value_or("None")});
  }
  return matched;
}

std::vector<Vrf> search_vrfs(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options) {
  CompiledQuery compiled = compile_or_match_all(SearchObject::kVrf, vrf_attributes(), query);
  const std::string sql = std::string("SELECT ") + kColumns + " FROM prefixd_vrf_exact WHERE " +
                          compiled.sql + kOrder + limit_offset(compiled.params, options);
  return translate_db_errors([&] { return rows_to_vrfs(exec_cached(tx, sql, compiled.params)); });
}

}  // namespace prefixd
