// Prefixes (spec/model.md §5–§9, §11): add in explicit mode, list, edit,
// remove and search, each validating what NIPAP validates (hierarchy, node,
// country, pool VRF, duplicates) and writing its audit rows. The database
// keeps every derived value (indent, children, display_prefix, statistics,
// inherited tags); this module never writes them.
#pragma once

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

// Adds one prefix; attr.prefix must be set (an allocator fills it in for the
// from-pool / from-prefix modes before calling). The VRF is attr.vrf or the
// default VRF; authoritative_source is the actor's. Returns the new prefix.
Prefix add_prefix(pqxx::transaction_base& tx, const Actor& actor, const PrefixChanges& attr);

// Prefixes matching the spec (all for an empty spec), ordered by VRF rt text
// (default VRF first), then prefix (model.md §2.6).
std::vector<Prefix> list_prefixes(pqxx::transaction_base& tx, const PrefixSpec& spec);

// Edits every prefix the spec matches; returns them as they are after the
// edit, in search order. Refuses an empty spec (1110) or attr (1100).
std::vector<Prefix> edit_prefixes(pqxx::transaction_base& tx, const Actor& actor,
                                  const PrefixSpec& spec, const PrefixChanges& attr);

// remove_prefix (model.md §8.1). The spec needs `id` or `prefix` (1110); an
// unknown id is 1300. Validates everything before deleting anything.
void remove_prefixes(pqxx::transaction_base& tx, const Actor& actor, const PrefixSpec& spec,
                     bool recursive);

// search_prefix (search.md §3). `query` is rewritten in place as NIPAP does.
std::vector<Prefix> search_prefixes(pqxx::transaction_base& tx, Query& query,
                                    const PrefixSearchOptions& options);

}  // namespace prefixd
