// SPDX-License-Identifier: MIT
// The audit log (ip_net_log, spec/model.md §11): one row per changed object,
// written in the same transaction as the change.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "backend/model.h"

namespace prefixd {

struct AuditEntry {
  std::optional<int64_t> vrf_id;
  std::optional<std::string> vrf_rt;
  std::optional<std::string> vrf_name;
  std::optional<std::string> prefix_prefix;
  std::optional<int64_t> prefix_id;
  std::optional<std::string> pool_name;
  std::optional<int64_t> pool_id;
  std::string description;
};

// How an attr's tags read in an audit description: ['a', 'b'] or None.
std::string describe_tags(const std::optional<std::vector<std::string>>& tags);

// An attr as audit descriptions show it, close to NIPAP's repr of a dict:
// {'key': value, ...} with the values already written as Python would.
class AttrDescription {
 public:
  void item(std::string_view key, std::string_view value);
  // A text value: 'text', or None for nil.
  void text(std::string_view key, const std::optional<std::string>& value);
  void number(std::string_view key, const std::optional<int64_t>& value);
  void tags(const std::optional<std::vector<std::string>>& tags);
  void avps(const Avps& avps);
  std::string str() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

void write_audit(pqxx::transaction_base& tx, const Actor& actor, const AuditEntry& entry);

}  // namespace prefixd
