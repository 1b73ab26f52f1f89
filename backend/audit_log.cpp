// SPDX-License-Identifier: MIT
#include "backend/audit_log.h"

namespace prefixd {

std::string describe_tags(const std::optional<std::vector<std::string>>& tags) {
  if (!tags) return "None";
  std::string list = "[";
  for (const auto& t : *tags) list += (list.size() > 1 ? ", '" : "'") + t + "'";
  return list + "]";
}

void AttrDescription::item(std::string_view key, std::string_view value) {
  if (out_.size() > 1) out_ += ", ";
  out_ += '\'';
  out_ += key;
  out_ += "': ";
  out_ += value;
}

void AttrDescription::text(std::string_view key, const std::optional<std::string>& value) {
  if (!value) {
    item(key, "None");
    return;
  }
  std::string quoted = "'";
  quoted += *value;
  quoted += '\'';
  item(key, quoted);
}

void AttrDescription::number(std::string_view key, const std::optional<int64_t>& value) {
  item(key, value ? std::to_string(*value) : "None");
}

void AttrDescription::tags(const std::optional<std::vector<std::string>>& tags) {
  item("tags", describe_tags(tags));
}

void AttrDescription::avps(const Avps& avps) {
  item("avps", std::to_string(avps.size()) + " pair(s)");
}

void write_audit(pqxx::transaction_base& tx, const Actor& actor, const AuditEntry& e) {
  tx.exec_prepared("audit_insert", e.vrf_id, e.vrf_rt, e.vrf_name, e.prefix_prefix, e.prefix_id,
                   e.pool_name, e.pool_id, actor.username.value_or(actor.authenticated_as),
                   actor.authenticated_as, actor.authoritative_source, actor.full_name,
                   e.description);
}

}  // namespace prefixd
