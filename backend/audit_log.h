// The audit log (ip_net_log, spec/model.md §11): one row per changed object,
// written in the same transaction as the change.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
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

void write_audit(pqxx::transaction_base& tx, const Actor& actor, const AuditEntry& entry);

}  // namespace prefixd
