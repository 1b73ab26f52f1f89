// SPDX-License-Identifier: MIT
#include "backend/change_counter.h"

namespace prefixd {

const std::vector<PreparedStatement>& change_counter_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"change_counter", "SELECT coalesce(sum(changes), 0)::int8 FROM prefixd_change_counter"},
  };
  return kStatements;
}

std::int64_t read_change_counter(DbSession& db) {
  return db.run_read([](pqxx::transaction_base& tx) {
    return tx.exec_prepared1("change_counter")[0].as<std::int64_t>();
  });
}

}  // namespace prefixd
