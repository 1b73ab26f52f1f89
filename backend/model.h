// SPDX-License-Identifier: MIT
// The domain's value types (spec/model.md): what the backend takes and
// returns. No transport types: the API layer converts wire values to these.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backend/timestamp.h"

namespace prefixd {

// The largest value of PostgreSQL's integer (int4) columns and of the
// search options NIPAP bounds the same way.
inline constexpr int64_t kPgIntegerMax = 2147483647;

// hstore: string keys, values that may be NULL.
using Avps = std::map<std::string, std::optional<std::string>>;
// A numeric(40) statistic as decimal text; nullopt is SQL NULL.
using BigCount = std::optional<std::string>;

// Who performs a write, for the audit log (model.md §11).
struct Actor {
  std::optional<std::string> username;
  std::string authenticated_as;
  std::optional<std::string> full_name;
  std::string authoritative_source;
};

// A change to one attribute: present (possibly to nil) or absent.
template <typename T>
using Change = std::optional<T>;

struct Vrf {
  int64_t id = 0;
  std::optional<std::string> rt;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  Avps avps;
  BigCount num_prefixes_v4, num_prefixes_v6;
  BigCount total_addresses_v4, total_addresses_v6;
  BigCount used_addresses_v4, used_addresses_v6;
  BigCount free_addresses_v4, free_addresses_v6;
};

// The settable attributes of a VRF (model.md §3.1); unset members are left
// alone on edit and take their defaults on add.
struct VrfChanges {
  Change<std::optional<std::string>> rt;
  Change<std::optional<std::string>> name;
  Change<std::optional<std::string>> description;
  Change<std::optional<std::vector<std::string>>> tags;
  Change<Avps> avps;
  bool empty() const { return !rt && !name && !description && !tags && !avps; }
};

// Selects VRFs by exact values (xmlrpc.md §6); all keys unset selects all.
struct VrfSpec {
  Change<int64_t> id;
  Change<std::optional<std::string>> rt;
  Change<std::string> name;
  bool empty() const { return !id && !rt && !name; }
};

// A pool (model.md §4): its own columns, the statistics the database keeps,
// and what is computed when reading: the implied VRF of its members and the
// members' prefixes.
struct Pool {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> default_type;
  std::optional<int64_t> ipv4_default_prefix_length, ipv6_default_prefix_length;
  BigCount member_prefixes_v4, member_prefixes_v6;
  BigCount used_prefixes_v4, used_prefixes_v6;
  BigCount free_prefixes_v4, free_prefixes_v6;
  BigCount total_prefixes_v4, total_prefixes_v6;
  BigCount total_addresses_v4, total_addresses_v6;
  BigCount used_addresses_v4, used_addresses_v6;
  BigCount free_addresses_v4, free_addresses_v6;
  std::optional<std::vector<std::string>> tags;
  Avps avps;
  std::optional<int64_t> vrf_id;
  std::optional<std::string> vrf_rt, vrf_name;
  // Member prefixes as cidr text, ascending.
  std::vector<std::string> prefixes;
};

// The settable attributes of a pool (model.md §4.1); unset members are left
// alone on edit and take their defaults on add.
struct PoolChanges {
  Change<std::optional<std::string>> name;
  Change<std::optional<std::string>> description;
  Change<std::optional<std::string>> default_type;
  Change<std::optional<int64_t>> ipv4_default_prefix_length;
  Change<std::optional<int64_t>> ipv6_default_prefix_length;
  Change<std::optional<std::vector<std::string>>> tags;
  Change<Avps> avps;
  // member_prefixes_v4/_v6 were given: accepted, their values ignored
  // (model.md §4.1 quirk).
  bool member_prefixes = false;
  bool empty() const {
    return !name && !description && !default_type && !ipv4_default_prefix_length &&
           !ipv6_default_prefix_length && !tags && !avps && !member_prefixes;
  }
};

// Selects pools by exact values (xmlrpc.md §6); no keys selects all.
struct PoolSpec {
  Change<int64_t> id;
  Change<std::string> name;
  bool empty() const { return !id && !name; }
};

// An autonomous system number (model.md §10). The column is a signed
// 32-bit integer; asn is int64 so that out-of-range input can be reported.
struct Asn {
  int64_t asn = 0;
  std::optional<std::string> name;
};

// The attributes of an ASN: asn is required on add and not editable.
struct AsnChanges {
  Change<int64_t> asn;
  Change<std::optional<std::string>> name;
  bool empty() const { return !asn && !name; }
};

// Selects ASNs by exact values (xmlrpc.md §6): asn or name, not both; all
// keys unset selects all.
struct AsnSpec {
  Change<int64_t> asn;
  Change<std::string> name;
  bool empty() const { return !asn && !name; }
};

// Options of a VRF, pool or ASN search (search.md §2.1).
struct SearchOptions {
  int64_t max_result = 50;
  int64_t offset = 0;
};

// A prefix as read (model.md §5.1). Timestamps carry the session time zone's
// offset, so XML-RPC can send NIPAP's naive wall-clock times (xmlrpc.md §4.2).
struct Prefix {
  int64_t id = 0;
  int64_t vrf_id = 0;
  std::optional<std::string> vrf_rt, vrf_name;
  int64_t family = 4;
  std::string prefix;               // cidr text, always with "/len"
  std::string display_prefix;       // inet text: a full-length mask is omitted
  std::string display_prefix_cidr;  // the same address, always with "/len"
  int64_t prefix_length = 0;
  std::optional<std::string> description, comment, node;
  std::optional<int64_t> pool_id;
  std::optional<std::string> pool_name;
  std::string type;
  int64_t indent = 0;
  int64_t children = 0;
  std::optional<std::string> country, order_id, customer_id, external_key;
  std::string authoritative_source;
  std::optional<std::string> alarm_priority;
  std::optional<bool> monitor;
  std::optional<int64_t> vlan;
  std::vector<std::string> tags, inherited_tags;
  Avps avps;
  Timestamp added, last_modified;
  std::optional<Timestamp> expires;  // nullopt: never (infinity)
  BigCount total_addresses, used_addresses, free_addresses;
  std::string status;
  // Search results only (search.md §3.4).
  bool match = true;
  std::optional<bool> display = true;
};

// Names a pool by id or name; both unset means "no pool".
struct PoolSelector {
  std::optional<int64_t> id;
  std::optional<std::string> name;
};

// The settable attributes of a prefix (model.md §5.1); unset members are left
// alone on edit and take their defaults on add. Text-typed values (prefix,
// vlan, monitor, expires) are parsed by the backend with PostgreSQL's rules.
struct PrefixChanges {
  Change<std::optional<std::string>> prefix;
  Change<std::optional<std::string>> type, status, description, comment, node, country;
  Change<std::optional<std::string>> order_id, customer_id, external_key;
  Change<std::optional<std::string>> authoritative_source, alarm_priority;
  Change<std::optional<std::string>> monitor;  // boolean text
  Change<std::optional<std::string>> vlan;     // integer text
  Change<std::optional<std::vector<std::string>>> tags;
  Change<Avps> avps;
  // "infinity" for never; else a timestamp or a relative phrase (§5.6).
  Change<std::string> expires;
  // The VRF named by vrf_id / vrf_rt / vrf_name (the winning alias).
  Change<VrfSpec> vrf;
  // pool_id / pool_name; nullopt inside: no pool.
  Change<std::optional<PoolSelector>> pool;
  bool empty() const {
    return !prefix && !type && !status && !description && !comment && !node && !country &&
           !order_id && !customer_id && !external_key && !authoritative_source && !alarm_priority &&
           !monitor && !vlan && !tags && !avps && !expires && !vrf && !pool;
  }
};

// Selects prefixes by exact attribute values (xmlrpc.md §6), ANDed. A nil
// value compares with IS NULL; `list` is a list of strings given instead of
// a value (tags).
struct PrefixSpec {
  struct Term {
    std::string key;
    std::optional<std::string> value;
    std::optional<std::vector<std::string>> list = std::nullopt;
  };
  std::vector<Term> terms;
  bool empty() const { return terms.empty(); }
  const Term* find(const std::string& key) const {
    for (const Term& t : terms) {
      if (t.key == key) return &t;
    }
    return nullptr;
  }
};

// Options of a prefix search (search.md §2.2), normalised.
struct PrefixSearchOptions {
  int64_t parents_depth = 0, children_depth = 0;
  bool include_all_parents = false, include_all_children = false, include_neighbors = false;
  // nullopt: no limit. 0 (only from the string "0") limits the match set to
  // `offset` entries and skips the final cut (search.md §2.2 quirk).
  std::optional<int64_t> max_result = 50;
  int64_t offset = 0;
  std::optional<int64_t> parent_prefix;
};

}  // namespace prefixd
