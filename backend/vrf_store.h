// SPDX-License-Identifier: MIT
// VRFs (spec/model.md §3): validation and normalisation of route targets,
// add, list, edit, remove and search, each writing its audit rows.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "backend/db_session.h"
#include "backend/model.h"
#include "backend/query.h"

namespace prefixd {

const std::vector<PreparedStatement>& vrf_statements();

// The stored form of a route target (model.md §3.2): "ASN:n" or "IPv4:n"
// with canonical numbers. Throws NipapError 1200 "Invalid input for column
// rt, ..." when it is not one.
std::string normalize_rt(std::string_view rt);

Vrf add_vrf(pqxx::transaction_base& tx, const Actor& actor, const VrfChanges& attr);
std::vector<Vrf> list_vrfs(pqxx::transaction_base& tx, const VrfSpec& spec);
// The VRF a spec names, wherever a VRF is named by a write or an allocation:
// throws NipapError 1300 "No matching VRF found." when there is none.
Vrf resolve_vrf(pqxx::transaction_base& tx, const VrfSpec& spec);
// Returns the edited VRFs as they are after the edit.
std::vector<Vrf> edit_vrfs(pqxx::transaction_base& tx, const Actor& actor, const VrfSpec& spec,
                           const VrfChanges& attr);
// Removes the matched VRFs and every prefix in them; returns the VRFs as
// they were. Refuses the default VRF and an empty spec before touching
// anything.
std::vector<Vrf> remove_vrfs(pqxx::transaction_base& tx, const Actor& actor, const VrfSpec& spec);
// `query` is rewritten in place as NIPAP does (search.md §1.3).
std::vector<Vrf> search_vrfs(pqxx::transaction_base& tx, Query& query,
                             const SearchOptions& options);

}  // namespace prefixd
