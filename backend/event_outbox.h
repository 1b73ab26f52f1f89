// SPDX-License-Identifier: MIT
// The change-event outbox `kafka_produce_event` (model.md §12): the rows the
// triggers write, read in id order by the one active producer, marked
// processed once the brokers acknowledged them, deleted after the retention;
// and the enabled/disabled state of NIPAP's three trigger_kafka_* triggers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/db_session.h"

namespace prefixd {

struct OutboxEvent {
  std::int64_t id = 0;
  std::string table_name;              // ip_net_plan, ip_net_vrf, ip_net_pool
  std::string event_type;              // INSERT, UPDATE, DELETE
  std::optional<std::string> payload;  // the row as JSON text
  std::optional<std::string> row_id;   // payload's "id", the message key
};

// The oldest unprocessed events, at most `limit`, locked for this
// transaction (FOR UPDATE SKIP LOCKED, as NIPAP's producer reads them).
std::vector<OutboxEvent> lock_pending_events(pqxx::transaction_base& tx, int limit);

void mark_events_processed(pqxx::transaction_base& tx, const std::vector<std::int64_t>& ids);

// Deletes up to `batch` processed events created more than `retention` ago
// (never an unprocessed one). Returns how many went.
int delete_expired_events(pqxx::transaction_base& tx, std::chrono::seconds retention, int batch);

// Events not yet processed.
std::int64_t count_pending_events(pqxx::transaction_base& tx);
// The same on a worker's session, as the single statement it is.
std::int64_t count_pending_events(DbSession& db);

// Enables or disables trigger_kafka_ip_net_{plan,vrf,pool} (nipapd does the
// same at start-up from `[kafka] enabled`). Changes only what differs, so
// it takes no table lock when the state is already right. Returns true when
// something changed.
bool set_event_triggers(pqxx::connection& conn, bool enabled);

// The advisory lock key of the single active producer of a database.
inline constexpr std::int64_t kEventProducerLockKey = 0x7072656669786431;  // "prefixd1"

// The NOTIFY channel the trigger function signals.
inline constexpr const char* kEventChannel = "kafka_produce_event";

}  // namespace prefixd
