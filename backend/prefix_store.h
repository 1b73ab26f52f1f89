// SPDX-License-Identifier: MIT
// Prefixes (spec/model.md §5–§9, §11): add in explicit mode, list, edit,
// remove and search, each validating what NIPAP validates (hierarchy, node,
// country, pool VRF, duplicates) and writing its audit rows. The database
// keeps every derived value (indent, children, display_prefix, statistics,
// inherited tags); this module never writes them.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string_view>
#include <vector>

#include "backend/db_session.h"
#include "backend/model.h"
#include "backend/query.h"

namespace prefixd {

const std::vector<PreparedStatement>& prefix_statements();

// Checks the keys of a prefix spec (xmlrpc.md §6): every key must be a
// searchable prefix attribute (1120 "Key 'K' not allowed in prefix spec."),
// and `id` must stand alone (1120). Needs no database.
void check_prefix_spec(const PrefixSpec& spec);

// add_prefix's mode (allocation.md §1): the call names exactly one of a
// prefix, from-pool and from-prefix, else NipapError 1120 "specify 'prefix'
// or 'from-prefix' or 'from-pool'".
enum class AddMode { kExplicit, kFromPool, kFromPrefix };
AddMode add_prefix_mode(bool prefix, bool from_pool, bool from_prefix);

// add_prefix needs a description or a node (1110 "Either description or
// node must be specified.").
void require_description_or_node(bool description, bool node);

// Adds one prefix; attr.prefix must be set (ops::AddPrefix fills it in for the
// from-pool / from-prefix modes). The VRF is attr.vrf or the default VRF;
// `claimed_in` is the VRF in which an allocation has claimed attr.prefix's
// position (prefixd_claim_prefix). authoritative_source is the actor's. The
// checks that need no database run here; the VRF, the position lock, the
// hierarchy, the pool's VRF, duplicates, the insert and the audit rows are
// one call of prefixd_add_prefix (0014), told which step refused first so
// that refusals keep NIPAP's order. Returns the new prefix.
Prefix add_prefix(pqxx::transaction_base& tx, const Actor& actor, const PrefixChanges& attr,
                  std::optional<int64_t> claimed_in = std::nullopt);
// Adds the explicit prefixes of several add_prefix calls in one statement
// (prefixd_add_prefixes, 0016), each exactly as add_prefix would one after
// another, and returns them in call order. Returns nullopt, having changed
// nothing, when that cannot be done: a call that is not add_prefix's one
// statement shape, a refusal, prefixes that overlap each other (a later
// call would change an earlier one's result). The caller then adds them one
// by one. With `allocated_in`, the prefixes are blocks allocate_many found
// in that VRF, each in its search prefix (`spaces`): they must still be free
// once locked.
std::optional<std::vector<Prefix>> add_prefixes_at_once(
    pqxx::transaction_base& tx, const Actor& actor, const std::vector<PrefixChanges>& attrs,
    std::optional<int64_t> allocated_in = std::nullopt,
    const std::vector<std::string>& spaces = {});
// True when add_prefix(attr) sends exactly one statement (the VRF named by
// id or not at all, no pool, no expires/vlan/monitor for PostgreSQL to read),
// so it can run without BEGIN/COMMIT.
bool add_prefix_is_one_statement(const PrefixChanges& attr);

// Prefixes matching the spec (all for an empty spec), ordered by VRF rt text
// (default VRF first), then prefix (model.md §2.6).
std::vector<Prefix> list_prefixes(pqxx::transaction_base& tx, const PrefixSpec& spec);

// Edits every prefix the spec matches; returns them as they are after the
// edit, in search order. Refuses an empty spec (1110) or attr (1100).
std::vector<Prefix> edit_prefixes(pqxx::transaction_base& tx, const Actor& actor,
                                  const PrefixSpec& spec, const PrefixChanges& attr);

// remove_prefix (model.md §8.1). The spec needs `id` or `prefix` (1110); an
// unknown id is 1300. Validates everything before deleting anything. Returns
// the prefixes the spec matched, as they were (not the descendants a
// recursive removal takes with them).
std::vector<Prefix> remove_prefixes(pqxx::transaction_base& tx, const Actor& actor,
                                    const PrefixSpec& spec, bool recursive);

// search_prefix (search.md §3). `query` is rewritten in place as NIPAP does.
std::vector<Prefix> search_prefixes(pqxx::transaction_base& tx, Query& query,
                                    const PrefixSearchOptions& options);

}  // namespace prefixd
