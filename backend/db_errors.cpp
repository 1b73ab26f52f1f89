// SPDX-License-Identifier: MIT
#include "backend/db_errors.h"

#include <spdlog/spdlog.h>

#include <map>
#include <string>

#include "backend/db_session.h"
#include "backend/errors.h"

namespace prefixd {

namespace {

std::string first_line(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// "ERROR:  text" as libpq formats it, without the severity prefix.
std::string bare_message(const std::string& what) {
  std::string line = first_line(what);
  for (const char* prefix : {"ERROR:  ", "FATAL:  "}) {
    if (line.rfind(prefix, 0) == 0) return line.substr(std::string(prefix).size());
  }
  return line;
}

// The text between the first pair of double quotes, or "".
std::string quoted(const std::string& s) {
  const size_t a = s.find('"');
  if (a == std::string::npos) return "";
  const size_t b = s.find('"', a + 1);
  return b == std::string::npos ? "" : s.substr(a + 1, b - a - 1);
}

// Unique indexes and their comments (model.md §1.5), which NIPAP puts into
// its duplicate-key message.
const std::map<std::string, std::string>& index_comments() {
  static const std::map<std::string, std::string> kComments = {
      {"ip_net_vrf__rt__index", "VRF RT"},
      {"ip_net_vrf__name__index", "VRF name"},
      {"ip_net_pool__name__index", "pool name"},
      {"ip_net_plan__vrf_id_prefix__index", "prefix"},
      // The primary key has no comment; NIPAP prints Python's None there
      // (asn.jsonl seq 12).
      {"ip_net_asn_pkey", "None"},
  };
  return kComments;
}

[[noreturn]] void throw_unique_violation(const std::string& what) {
  // DETAIL:  Key (lower(name))=(test) already exists.
  std::string comment = "value";
  const size_t on = what.find("unique constraint \"");
  if (on != std::string::npos) {
    const std::string index = quoted(what.substr(on));
    if (auto it = index_comments().find(index); it != index_comments().end()) {
      comment = it->second;
    }
  }
  std::string value;
  const size_t eq = what.find(")=(");
  const size_t end = what.find(") already exists");
  if (eq != std::string::npos && end != std::string::npos && end > eq) {
    value = what.substr(eq + 3, end - eq - 3);
  }
  if (value.empty()) {
    throw NipapError(
        FaultCode::kDuplicate,
        "Duplicate value for '" + comment + "', the value you have inputted is already in use.");
  }
  throw NipapError(FaultCode::kDuplicate, "Duplicate value for '" + comment + "', the value '" +
                                              value + "' is already in use.");
}

}  // namespace

void throw_nipap_error(const pqxx::sql_error& e) {
  const std::string state = e.sqlstate();
  const std::string what = e.what();
  const std::string message = bare_message(what);
  if (state == kQueryCanceled) throw NipapError(FaultCode::kGeneric, "statement timeout");
  if (sqlstate_means_connection_lost(state)) {
    spdlog::warn("database connection unusable: {}", message);
    throw DatabaseUnavailable("database connection lost during the call");
  }

  // prefixd's own triggers raise model refusals as "CODE:message".
  if (message.size() > 5 && message[4] == ':' &&
      std::isdigit(static_cast<unsigned char>(message[0]))) {
    const int code = std::stoi(message.substr(0, 4));
    throw NipapError(static_cast<FaultCode>(code), message.substr(5));
  }
  if (state == "23505") throw_unique_violation(what);
  if (state == "23502") {
    // null value in column "name" of relation "ip_net_vrf" violates ...
    throw NipapError(FaultCode::kValue, "'" + quoted(message) + "' must not be nil");
  }
  if (state == "22P02" || state == "22007" || state == "22008") {
    // invalid input syntax for type integer: "abc"
    const size_t type_at = message.find("for type ");
    if (type_at != std::string::npos) {
      std::string type = message.substr(type_at + 9);
      type = type.substr(0, type.find_first_of(": "));
      if (type == "cidr" || type == "inet" || type == "iprange" || type == "ip4r" ||
          type == "ip6r") {
        type = "prefix";
      }
      const size_t colon = message.find(": ", type_at);
      std::string value = colon == std::string::npos ? "" : message.substr(colon + 2);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      throw NipapError(FaultCode::kValue, "Invalid syntax for " + type + " (" + value + ")");
    }
    throw NipapError(FaultCode::kValue, message);
  }
  if (state.rfind("22", 0) == 0) throw NipapError(FaultCode::kValue, message);
  if (state == "40P01" || state == "40001") {
    throw TransactionConflict("Unable to execute query: " + message);
  }
  throw NipapError(FaultCode::kError, "Unable to execute query: " + message);
}

}  // namespace prefixd
