#include "backend/audit_log.h"

namespace prefixd {

std::string describe_tags(const std::optional<std::vector<std::string>>& tags) {
  if (!tags) return "None";
  std::string list = "[";
  for (const auto& t : *tags) list += (list.size() > 1 ? ", '" : "'") + t + "'";
  return list + "]";
}

void write_audit(pqxx::transaction_base& tx, const Actor& actor, const AuditEntry& e) {
  tx.exec_prepared("audit_insert", e.vrf_id, e.vrf_rt, e.vrf_name, e.prefix_prefix, e.prefix_id,
                   e.pool_name, e.pool_id, actor.username.value_or(actor.authenticated_as),
                   actor.authenticated_as, actor.authoritative_source, actor.full_name,
                   e.description);
}

}  // namespace prefixd
