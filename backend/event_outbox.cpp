// SPDX-License-Identifier: MIT
#include "backend/event_outbox.h"

namespace prefixd {

namespace {
constexpr const char* kTriggerTables[][2] = {{"ip_net_plan", "trigger_kafka_ip_net_plan"},
                                             {"ip_net_vrf", "trigger_kafka_ip_net_vrf"},
                                             {"ip_net_pool", "trigger_kafka_ip_net_pool"}};

std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string text = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(ids[i]);
  }
  return text + "}";
}
}  // namespace

std::vector<OutboxEvent> lock_pending_events(pqxx::transaction_base& tx, int limit) {
  const pqxx::result r = tx.exec_params(
      "SELECT id, table_name, event_type, payload::text, payload->>'id' FROM kafka_produce_event "
      "WHERE processed IS NOT TRUE ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      limit);
  std::vector<OutboxEvent> events;
  events.reserve(r.size());
  for (const auto& row : r) {
    OutboxEvent e;
    e.id = row[0].as<std::int64_t>();
    e.table_name = row[1].as<std::string>();
    e.event_type = row[2].as<std::string>();
    if (!row[3].is_null()) e.payload = row[3].as<std::string>();
    if (!row[4].is_null()) e.row_id = row[4].as<std::string>();
    events.push_back(std::move(e));
  }
  return events;
}

void mark_events_processed(pqxx::transaction_base& tx, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  tx.exec_params("UPDATE kafka_produce_event SET processed = true WHERE id = ANY($1::integer[])",
                 id_array(ids));
}

int delete_expired_events(pqxx::transaction_base& tx, std::chrono::seconds retention, int batch) {
  const pqxx::result r = tx.exec_params(
      "DELETE FROM kafka_produce_event WHERE id IN (SELECT id FROM kafka_produce_event "
      "WHERE processed AND created_at < now() - make_interval(secs => $1) "
      "ORDER BY created_at LIMIT $2)",
      static_cast<double>(retention.count()), batch);
  return static_cast<int>(r.affected_rows());
}

std::int64_t count_pending_events(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT count(*) FROM kafka_produce_event WHERE processed IS NOT TRUE")[0]
      .as<std::int64_t>();
}

std::int64_t count_pending_events(DbSession& db) {
  return db.run_read([](pqxx::transaction_base& tx) { return count_pending_events(tx); });
}

bool set_event_triggers(pqxx::connection& conn, bool enabled) {
  pqxx::work tx(conn);
  bool changed = false;
  for (const auto& [table, trigger] : kTriggerTables) {
    const pqxx::result r = tx.exec_params(
        "SELECT tgenabled <> 'D' FROM pg_trigger WHERE tgname = $1 AND tgrelid = $2::regclass",
        trigger, table);
    if (r.empty() || r[0][0].as<bool>() == enabled) continue;
    // Bounded: a long transaction holding the table must not stall start-up.
    tx.exec("SET LOCAL lock_timeout = '5s'");
    tx.exec(std::string("ALTER TABLE ") + table + (enabled ? " ENABLE" : " DISABLE") + " TRIGGER " +
            trigger);
    changed = true;
  }
  tx.commit();
  return changed;
}

}  // namespace prefixd
