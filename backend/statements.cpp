// SPDX-License-Identifier: MIT
// The table of every prepared statement, gathered from the backend modules.
#include "backend/allocator.h"
#include "backend/asn_store.h"
#include "backend/change_counter.h"
#include "backend/db_session.h"
#include "backend/pool_store.h"
#include "backend/prefix_store.h"
#include "backend/user_store.h"
#include "backend/vrf_store.h"

namespace prefixd {

const std::vector<PreparedStatement>& all_statements() {
  static const std::vector<PreparedStatement> kAll = [] {
    std::vector<PreparedStatement> all;
    for (const auto* module :
         {&user_store_statements(), &vrf_statements(), &pool_statements(), &asn_statements(),
          &prefix_statements(), &allocator_statements(), &change_counter_statements()}) {
      all.insert(all.end(), module->begin(), module->end());
    }
    return all;
  }();
  return kAll;
}

}  // namespace prefixd
