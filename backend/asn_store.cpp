// SPDX-License-Identifier: MIT
#include "backend/asn_store.h"
#include "backend/search_attributes.h"

#include <algorithm>

#include "backend/audit_log.h"
#include "backend/db_errors.h"
#include "backend/errors.h"
#include "backend/search_compiler.h"
#include "backend/sql_text.h"

namespace prefixd {

namespace {

constexpr const char* kSelect = "SELECT asn, name FROM ip_net_asn";

std::vector<Asn> rows_to_asns(const pqxx::result& rows) {
  std::vector<Asn> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    Asn a;
    a.asn = r[0].as<int64_t>();
    if (!r[1].is_null()) a.name = r[1].as<std::string>();
    out.push_back(std::move(a));
  }
  return out;
}

void sort_by_asn(std::vector<Asn>& asns) {
  std::sort(asns.begin(), asns.end(), [](const Asn& a, const Asn& b) { return a.asn < b.asn; });
}

// " WHERE ..." for a spec, appending its values to `params`.
std::string spec_where(const AsnSpec& spec, SqlParams& params) {
  WhereClause where(params);
  // bigint: a selector outside the column's range simply matches nothing.
  if (spec.asn) where.equals("asn", std::to_string(*spec.asn), "::bigint");
  if (spec.name) where.equals("name", *spec.name, "::text");
  return where.sql();
}

// The attributes as NIPAP writes them into the audit log (a dict's repr).
std::string describe(const AsnChanges& attr) {
  AttrDescription d;
  if (attr.asn) d.number("asn", *attr.asn);
  if (attr.name) d.text("name", *attr.name);
  return d.str();
}

void check_range(int64_t asn) {
  if (asn < kAsnMin || asn > kAsnMax) {
    throw NipapError(FaultCode::kValue, asn_out_of_range_message(std::to_string(asn)));
  }
}

[[noreturn]] void spec_required() {
  throw NipapError(FaultCode::kMissingInput, "an ASN specification key (asn or name) is required");
}

}  // namespace

const std::vector<PreparedStatement>& asn_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"asn_insert",
       "INSERT INTO ip_net_asn (asn, name) VALUES ($1::integer, $2::text) RETURNING asn, name"},
  };
  return kStatements;
}

std::string asn_out_of_range_message(std::string_view value) {
  return "Invalid value for 'asn': " + std::string(value) + " is out of range (" +
         std::to_string(kAsnMin) + " to " + std::to_string(kAsnMax) + ")";
}

Asn add_asn(pqxx::transaction_base& tx, const Actor& actor, const AsnChanges& attr) {
  if (!attr.asn) throw NipapError(FaultCode::kMissingInput, "missing attribute asn");
  check_range(*attr.asn);
  const std::optional<std::string> name = attr.name ? *attr.name : std::nullopt;
  Asn asn = translate_db_errors(
      [&] { return rows_to_asns(tx.exec_prepared("asn_insert", *attr.asn, name)).at(0); });
  write_audit(
      tx, actor,
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, "Added ASN " + std::to_string(asn.asn) + " with attr: " + describe(attr)});
  return asn;
}

std::vector<Asn> list_asns(pqxx::transaction_base& tx, const AsnSpec& spec) {
  std::vector<std::optional<std::string>> params;
  const std::string sql = kSelect + spec_where(spec, params) + " ORDER BY asn";
  return translate_db_errors([&] {
    return rows_to_asns(tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params)));
  });
}

std::vector<Asn> edit_asns(pqxx::transaction_base& tx, const Actor& actor, const AsnSpec& spec,
                           const AsnChanges& attr) {
  if (attr.asn) throw NipapError(FaultCode::kExtraneousInput, "extraneous attribute asn");
  if (attr.empty()) throw NipapError(FaultCode::kInput, "'attr' must not be empty.");
  if (spec.empty()) spec_required();
  SqlParams params;
  const std::string where = spec_where(spec, params);
  SetClause set(params);
  set.set("name", *attr.name, "::text");
  const std::string sql = "UPDATE ip_net_asn SET " + set.sql() + where + " RETURNING asn, name";
  std::vector<Asn> edited = translate_db_errors([&] {
    return rows_to_asns(tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params)));
  });
  sort_by_asn(edited);
  for (const Asn& a : edited) {
    write_audit(tx, actor,
                {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 std::nullopt, "Edited ASN " + std::to_string(a.asn) + " attr: " + describe(attr)});
  }
  return edited;
}

std::vector<Asn> remove_asns(pqxx::transaction_base& tx, const Actor& actor, const AsnSpec& spec) {
  if (spec.empty()) spec_required();
  std::vector<std::optional<std::string>> params;
  const std::string sql =
      "DELETE FROM ip_net_asn" + spec_where(spec, params) + " RETURNING asn, name";
  std::vector<Asn> removed = translate_db_errors([&] {
    return rows_to_asns(tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params)));
  });
  sort_by_asn(removed);
  for (const Asn& a : removed) {
    write_audit(tx, actor,
                {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 std::nullopt, "Removed ASN " + std::to_string(a.asn)});
  }
  return removed;
}

std::vector<Asn> search_asns(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options) {
  CompiledQuery compiled = compile_or_match_all(SearchObject::kAsn, asn_attributes(), query);
  const std::string sql = std::string(kSelect) + " WHERE " + compiled.sql + " ORDER BY asn" +
                          limit_offset(compiled.params, options);
  return translate_db_errors([&] {
    return rows_to_asns(tx.exec_params(sql, pqxx::prepare::make_dynamic_params(compiled.params)));
  });
}

}  // namespace prefixd
