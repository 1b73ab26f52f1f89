// SPDX-License-Identifier: MIT
// The database's change counter (migration 0012): statement triggers on the
// IPAM tables add one per writing transaction and connection to
// prefixd_change_counter, so the sum of its rows changes exactly when a
// transaction that changed IPAM data commits, whoever wrote (this host,
// another prefixd, plain SQL). The response cache compares it.
#pragma once

#include <cstdint>
#include <vector>

#include "backend/db_session.h"

namespace prefixd {

const std::vector<PreparedStatement>& change_counter_statements();

// The current sum, in a statement of its own (its own snapshot).
std::int64_t read_change_counter(DbSession& db);

}  // namespace prefixd
