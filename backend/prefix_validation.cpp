// SPDX-License-Identifier: MIT
// The model rules the backend owns for prefixes (spec README decision 10):
// value parsing with PostgreSQL's own input rules, the hierarchy of
// model.md §6, node, country, pool VRF and duplicates, with NIPAP's messages.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <regex>
#include <string_view>

#include "backend/db_errors.h"
#include "backend/errors.h"
#include "backend/prefix_internal.h"

namespace prefixd::prefix_detail {

namespace {

[[noreturn]] void value_error(const std::string& message) {
  throw NipapError(FaultCode::kValue, message);
}

[[noreturn]] void parent_type_error(const pqxx::row& parent, const char* wanted) {
  value_error("Parent prefix (" + parent[1].as<std::string>() + ") is of type " +
              parent[2].as<std::string>() + " but must be of type '" + wanted + "'");
}

std::string lower_trimmed(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  std::string out = s.substr(a, b - a);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A relative phrase such as "2 years", "in 3 days", "1 week 2 days" or
// "next month" (model.md §5.6), as PostgreSQL interval text.
std::optional<std::string> relative_interval(const std::string& phrase) {
  static const std::regex kNext(R"(^next\s+(year|month|week|day|hour|minute)$)");
  static const std::regex kAmounts(
      R"(^(in\s+)?((\+?\d{1,6})\s*(years?|months?|weeks?|days?|hours?|minutes?|mins?|seconds?|secs?)\s*)+$)");
  std::smatch m;
  if (std::regex_match(phrase, m, kNext)) return "1 " + m[1].str();
  if (std::regex_match(phrase, kAmounts)) {
    return phrase.rfind("in", 0) == 0 ? phrase.substr(2) : phrase;
  }
  return std::nullopt;
}

// A decimal number of 1 to `max_digits` digits without a leading zero, or
// nullopt.
std::optional<unsigned> plain_number(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

// The common input "a.b.c.d/len" (canonical, no host bits) read without a
// round trip; anything else (abbreviations, IPv6, errors) is left to the
// database's cidr parser, whose results and messages are the reference.
std::optional<ParsedPrefix> parse_plain_ipv4_prefix(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto length = plain_number(text.substr(slash + 1), 2);
  if (!length || *length > 32) return std::nullopt;
  uint32_t address = 0;
  std::string_view rest = text.substr(0, slash);
  for (int octet = 0; octet < 4; ++octet) {
    const std::size_t dot = octet < 3 ? rest.find('.') : rest.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const auto value = plain_number(rest.substr(0, dot), 3);
    if (!value || *value > 255) return std::nullopt;
    address = (address << 8) | *value;
    rest = octet < 3 ? rest.substr(dot + 1) : std::string_view();
  }
  const uint32_t host_mask = *length == 32 ? 0 : (0xffffffffu >> *length);
  if ((address & host_mask) != 0) return std::nullopt;
  ParsedPrefix p;
  p.cidr = std::string(text);
  p.inet = *length == 32 ? std::string(text.substr(0, slash)) : p.cidr;
  p.family = 4;
  p.length = static_cast<int>(*length);
  return p;
}

}  // namespace

ParsedPrefix parse_prefix_text(pqxx::transaction_base& tx, const std::string& text) {
  if (auto plain = parse_plain_ipv4_prefix(text)) return *std::move(plain);
  static const std::string kSql =
      "SELECT c::text, c::inet, family(c), masklen(c) FROM (SELECT $1::cidr AS c) s";
  // A savepoint, so that a refusal can be explained with a second query.
  // (pqxx 6's subtransaction does not issue it for exec_params.)
  const bool savepoint = dynamic_cast<pqxx::dbtransaction*>(&tx) != nullptr;
  pqxx::result r;
  try {
    if (savepoint) tx.exec("SAVEPOINT prefixd_parse_prefix");
    r = tx.exec_params(kSql, text);
    if (savepoint) tx.exec("RELEASE SAVEPOINT prefixd_parse_prefix");
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    const std::string what = e.what();
    if (e.sqlstate().rfind("22", 0) != 0) throw_nipap_error(e);
    if (savepoint) tx.exec("ROLLBACK TO SAVEPOINT prefixd_parse_prefix");
    if (what.find("invalid cidr value") == std::string::npos) {
      value_error("Invalid syntax for prefix (" + text + ")");
    }
    const std::string network = translate_db_errors([&] {
      return tx.exec_params("SELECT network($1::inet)::text", text)[0][0].as<std::string>();
    });
    value_error("Invalid prefix (" + text +
                "); bits set to right of mask. Network address for current mask: " + network);
  }
  ParsedPrefix p;
  p.cidr = r[0][0].as<std::string>();
  p.inet = r[0][1].as<std::string>();
  p.family = r[0][2].as<int>();
  p.length = r[0][3].as<int>();
  return p;
}

std::string resolve_expires(pqxx::transaction_base& tx, const std::string& text) {
  const std::string phrase = lower_trimmed(text);
  if (phrase == "never" || phrase == "infinity") return "infinity";
  std::string sql;
  std::string arg = text;
  if (phrase == "tomorrow") {
    // 09:00 local time the next day, as NIPAP's parser reads it.
    sql = "SELECT (date_trunc('day', now()) + $1::interval)::text";
    arg = "1 day 9 hours";
  } else if (const auto interval = relative_interval(phrase)) {
    sql = "SELECT (now() + $1::interval)::text";
    arg = *interval;
  } else {
    // Only times XML-RPC can carry back: finite, four-digit years.
    sql =
        "SELECT CASE WHEN isfinite(v) AND v >= '0001-01-01' AND v < '10000-01-01' THEN v::text "
        "END FROM (SELECT $1::timestamptz AS v) s";
  }
  pqxx::result r;
  try {
    r = tx.exec_params(sql, arg);
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate().rfind("22", 0) != 0) throw_nipap_error(e);
    value_error("Invalid date specification for expires (" + text + ")");
  }
  if (r.empty() || r[0][0].is_null()) {
    value_error("Invalid date specification for expires (" + text + ")");
  }
  return r[0][0].as<std::string>();
}

std::string normalize_country(const std::string& country) {
  std::string out = country;
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (out.size() != 2 ||
      !std::all_of(out.begin(), out.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    // NIPAP's text, leading space included (errors.md §3).
    value_error(" Please enter a two letter country code according to ISO 3166-1 alpha-2");
  }
  return out;
}

void check_enum(const char* attribute, const std::optional<std::string>& value) {
  if (!value) return;
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kEnums = {
      {"type", {"reservation", "assignment", "host"}},
      {"status", {"assigned", "reserved", "quarantine"}},
      {"alarm_priority", {"warning", "low", "medium", "high", "critical"}},
  };
  for (const auto& [name, values] : kEnums) {
    if (name != attribute) continue;
    if (std::find(values.begin(), values.end(), *value) != values.end()) return;
    std::string list;
    for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
    value_error("Invalid value '" + *value + "' for " + name + "; expected one of " + list);
  }
}

void check_hierarchy(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                     const std::string& type, int64_t self) {
  if (type == "host" && !p.full_length()) {
    value_error("Prefix of type host must have all bits set in netmask");
  }
  const pqxx::result parent = tx.exec_prepared("prefix_parent", vrf_id, p.cidr, self);
  if (type == "host") {
    if (parent.empty()) {
      value_error("Prefix of type host must have a parent (covering) prefix of type assignment");
    }
    if (parent[0][2].as<std::string>() != "assignment") parent_type_error(parent[0], "assignment");
    return;
  }
  if (!parent.empty() && parent[0][2].as<std::string>() != "reservation") {
    parent_type_error(parent[0], "reservation");
  }
  if (type == "assignment" &&
      !tx.exec_prepared("prefix_non_host_inside", vrf_id, p.cidr, self).empty()) {
    value_error("Prefix of type 'assignment' must not have any subnets other than of type 'host'");
  }
}

void check_pool_vrf(pqxx::transaction_base& tx, int64_t pool_id, int64_t vrf_id, int64_t self) {
  // Writers joining one pool from different VRFs hold different VRF locks:
  // the pool row serialises them (taken after the VRF lock, as the triggers
  // do when they update pool statistics).
  tx.exec_prepared("prefix_lock_pool", pool_id);
  if (!tx.exec_prepared("prefix_pool_other_vrf", pool_id, vrf_id, self).empty()) {
    value_error("Change not allowed. All member prefixes of a pool must be in a the same VRF.");
  }
}

void check_node(const std::string& type, const ParsedPrefix& p,
                const std::optional<std::string>& node) {
  if (!node) return;
  if (type == "reservation") {
    value_error("Not allowed to set 'node' value for prefixes of type 'reservation'.");
  }
  if (type == "assignment" && !p.full_length()) {
    value_error(
        "Not allowed to set 'node' value for prefixes of type 'assignment' which do not have all "
        "bits set in netmask.");
  }
}

void check_type_change(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                       const std::string& old_type, const std::string& new_type, int64_t self) {
  if (old_type == new_type) return;
  const bool swap = (old_type == "reservation" && new_type == "assignment") ||
                    (old_type == "assignment" && new_type == "reservation");
  const std::string change = "Changing from type '" + old_type + "' to '" + new_type + "'";
  if (!swap) value_error(change + " is not allowed.");
  if (!tx.exec_prepared("prefix_any_inside", vrf_id, p.cidr, self).empty()) {
    value_error(change + " requires there to be no child prefixes.");
  }
}

void check_hosts_stay_covered(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                              int64_t self) {
  const pqxx::result host = tx.exec_prepared("prefix_uncovered_host", self, p.cidr);
  if (host.empty()) return;
  // The host would fall to whatever else covers it: say what it breaks.
  const pqxx::result parent =
      tx.exec_prepared("prefix_parent", vrf_id, host[0][0].as<std::string>(), self);
  if (parent.empty()) {
    value_error("Prefix of type host must have a parent (covering) prefix of type assignment");
  }
  parent_type_error(parent[0], "assignment");
}

void check_duplicate(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                     int64_t self) {
  if (!tx.exec_prepared("prefix_duplicate", vrf_id, p.cidr, self).empty()) {
    throw NipapError(FaultCode::kDuplicate, "Duplicate value for 'prefix', the value '" +
                                                std::to_string(vrf_id) + ", " + p.inet +
                                                "' is already in use.");
  }
}

}  // namespace prefixd::prefix_detail
