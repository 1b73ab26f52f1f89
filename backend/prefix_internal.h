// SPDX-License-Identifier: MIT
// Shared by the prefix store's files (prefix_store, prefix_rows,
// prefix_validation, prefix_search): how a prefix row is read and the model
// checks.
// Not an interface for other modules; use backend/prefix_store.h.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/model.h"
#include "backend/search_attributes.h"
#include "backend/search_compiler.h"

namespace prefixd::prefix_detail {

// The columns row_to_prefix reads, over `ip_net_plan p`, `ip_net_vrf vrf` and
// `ip_net_pool pool` (kPrefixFrom). The searchable attributes are
// prefix_attributes() in backend/search_attributes.h.
extern const char* const kPrefixColumns;
extern const char* const kPrefixFrom;
// Search order (search.md §3.6): VRF rt sort key, prefix.
extern const char* const kSearchOrder;

// The positions of kPrefixColumns in a row; a query's own columns follow
// from kPrefixColumnCount on.
namespace column {
enum : int {
  kId,
  kVrfId,
  kVrfRt,
  kVrfName,
  kFamily,
  kPrefix,
  kDisplayPrefix,
  kDisplayPrefixCidr,
  kPrefixLength,
  kDescription,
  kComment,
  kNode,
  kPoolId,
  kPoolName,
  kType,
  kIndent,
  kChildren,
  kCountry,
  kOrderId,
  kCustomerId,
  kExternalKey,
  kAuthoritativeSource,
  kAlarmPriority,
  kMonitor,
  kVlan,
  kTags,
  kInheritedTags,
  kAvps,
  kAdded,
  kAddedOffset,
  kLastModified,
  kLastModifiedOffset,
  kExpires,
  kExpiresOffset,
  kTotalAddresses,
  kUsedAddresses,
  kFreeAddresses,
  kStatus,
  kPrefixColumnCount
};
}  // namespace column

Prefix row_to_prefix(const pqxx::row& r);
std::vector<Prefix> rows_to_prefixes(const pqxx::result& rows);

// `WHERE`-less boolean SQL for a spec, binding its values into `params`.
std::string spec_condition(const PrefixSpec& spec, std::vector<std::optional<std::string>>& params);

// A prefix as PostgreSQL's cidr input reads it (model.md §2.5).
struct ParsedPrefix {
  std::string cidr;  // "10.0.0.0/8"
  std::string inet;  // "10.0.0.1" for a full-length prefix, else as cidr
  int family = 4;
  int length = 0;
  bool full_length() const { return length == (family == 4 ? 32 : 128); }
};

// Throws 1200: "Invalid syntax for prefix (X)", or the host-bits message
// naming the network address for the mask (errors.md §2.3).
ParsedPrefix parse_prefix_text(pqxx::transaction_base& tx, const std::string& text);

// The stored form of an expires input (model.md §5.6): "infinity", or a
// timestamptz text. Throws 1200 "Invalid date specification for expires".
std::string resolve_expires(pqxx::transaction_base& tx, const std::string& text);

// Upper-cased two-letter code, or 1200 with NIPAP's message (model.md §5.4).
std::string normalize_country(const std::string& country);

// Refuses values outside the enumerations (model.md §5.3) with 1200.
void check_enum(const char* attribute, const std::optional<std::string>& value);

// model.md §6.1 for a prefix of `type` at `p` in `vrf_id`, ignoring the row
// `self` (0 when adding).
void check_hierarchy(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                     const std::string& type, int64_t self);
// model.md §4.3: every member of a pool is in one VRF.
void check_pool_vrf(pqxx::transaction_base& tx, int64_t pool_id, int64_t vrf_id, int64_t self);
// model.md §5.4.
void check_node(const std::string& type, const ParsedPrefix& p,
                const std::optional<std::string>& node);
// model.md §6.2: reservation <-> assignment only, without descendants.
void check_type_change(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                       const std::string& old_type, const std::string& new_type, int64_t self);
// model.md §6.2 (prefixd): an assignment that moves must keep covering its hosts.
void check_hosts_stay_covered(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                              int64_t self);
// model.md §6.6, with NIPAP's message (errors.md §2.2).
void check_duplicate(pqxx::transaction_base& tx, int64_t vrf_id, const ParsedPrefix& p,
                     int64_t self);

}  // namespace prefixd::prefix_detail
