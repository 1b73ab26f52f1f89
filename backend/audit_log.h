// The audit log (ip_net_log, spec/model.md §11): one row per changed object,
// written in the same transaction as the change.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

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

void write_audit(pqxx::transaction_base& tx, const Actor& actor, const AuditEntry& entry);

}  // namespace prefixd
