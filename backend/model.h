// The domain's value types (spec/model.md): what the backend takes and
// returns. No transport types: the API layer converts wire values to these.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace prefixd {

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

// Options of a VRF, pool or ASN search (search.md §2.1).
struct SearchOptions {
  int64_t max_result = 50;
  int64_t offset = 0;
};

}  // namespace prefixd
