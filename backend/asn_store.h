// SPDX-License-Identifier: MIT
// Autonomous system numbers (spec/model.md §10): add, list, edit, remove and
// search, each write with its audit rows (model.md §11).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "backend/db_session.h"
#include "backend/model.h"
#include "backend/query.h"

namespace prefixd {

const std::vector<PreparedStatement>& asn_statements();

// The range of the asn column (a signed 32-bit integer).
constexpr int64_t kAsnMin = -kPgIntegerMax - 1;
constexpr int64_t kAsnMax = kPgIntegerMax;

// The 1200 message for an asn the column cannot hold; `value` is the
// number as given (it may not fit in 64 bits).
std::string asn_out_of_range_message(std::string_view value);

// Throws NipapError 1110 when attr lacks asn, 1120 for anything but asn and
// name, 1200 for an asn outside the column's range, 1400 "Duplicate value
// for ..." when the asn exists.
Asn add_asn(pqxx::transaction_base& tx, const Actor& actor, const AsnChanges& attr);
// Ordered by asn; an empty spec lists all.
std::vector<Asn> list_asns(pqxx::transaction_base& tx, const AsnSpec& spec);
// Sets `name` on the matched ASNs and returns them as they are after the
// edit, ordered by asn. Refuses an empty spec (1110) or attr (1100), and
// attr.asn (1120), before touching anything.
std::vector<Asn> edit_asns(pqxx::transaction_base& tx, const Actor& actor, const AsnSpec& spec,
                           const AsnChanges& attr);
// Deletes the matched ASNs (none matched: nothing happens) and returns them,
// ordered by asn. Refuses an empty spec (1110).
std::vector<Asn> remove_asns(pqxx::transaction_base& tx, const Actor& actor, const AsnSpec& spec);
// `query` is rewritten in place as NIPAP does (search.md §1.3). Ordered by
// asn; offset and max_result both apply (search.md §2.1).
std::vector<Asn> search_asns(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options);

}  // namespace prefixd
