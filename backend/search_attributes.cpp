// SPDX-License-Identifier: MIT
// The searchable attributes of each object (spec/search.md §1.5).
#include "backend/search_attributes.h"

namespace prefixd {

const std::vector<SearchAttribute>& vrf_attributes() {
  static const std::vector<SearchAttribute> kAttributes = {
      {"id", "id", "integer"},
      {"rt", "rt", "text"},
      {"name", "name", "text"},
      {"description", "description", "text"},
      {"tags", "tags", "text[]"},
      {"avps", "avps", "hstore"},
      {"num_prefixes_v4", "num_prefixes_v4", "numeric"},
      {"num_prefixes_v6", "num_prefixes_v6", "numeric"},
      {"total_addresses_v4", "total_addresses_v4", "numeric"},
      {"total_addresses_v6", "total_addresses_v6", "numeric"},
      {"used_addresses_v4", "used_addresses_v4", "numeric"},
      {"used_addresses_v6", "used_addresses_v6", "numeric"},
      {"free_addresses_v4", "free_addresses_v4", "numeric"},
      {"free_addresses_v6", "free_addresses_v6", "numeric"},
  };
  return kAttributes;
}

const std::vector<SearchAttribute>& pool_attributes() {
  static const std::vector<SearchAttribute> kAttributes = {
      {"id", "po.id", "integer"},
      {"name", "po.name", "text"},
      {"description", "po.description", "text"},
      {"default_type", "po.default_type", "ip_net_plan_type"},
      {"ipv4_default_prefix_length", "po.ipv4_default_prefix_length", "integer"},
      {"ipv6_default_prefix_length", "po.ipv6_default_prefix_length", "integer"},
      {"tags", "po.tags", "text[]"},
      {"avps", "po.avps", "hstore"},
      {"vrf_rt", "vrf.rt", "text"},
      {"member_prefixes_v4", "po.member_prefixes_v4", "numeric"},
      {"member_prefixes_v6", "po.member_prefixes_v6", "numeric"},
      {"used_prefixes_v4", "po.used_prefixes_v4", "numeric"},
      {"used_prefixes_v6", "po.used_prefixes_v6", "numeric"},
      {"free_prefixes_v4", "po.free_prefixes_v4", "numeric"},
      {"free_prefixes_v6", "po.free_prefixes_v6", "numeric"},
      {"total_prefixes_v4", "po.total_prefixes_v4", "numeric"},
      {"total_prefixes_v6", "po.total_prefixes_v6", "numeric"},
      {"total_addresses_v4", "po.total_addresses_v4", "numeric"},
      {"total_addresses_v6", "po.total_addresses_v6", "numeric"},
      {"used_addresses_v4", "po.used_addresses_v4", "numeric"},
      {"used_addresses_v6", "po.used_addresses_v6", "numeric"},
      {"free_addresses_v4", "po.free_addresses_v4", "numeric"},
      {"free_addresses_v6", "po.free_addresses_v6", "numeric"},
  };
  return kAttributes;
}

const std::vector<SearchAttribute>& prefix_attributes() {
  static const std::vector<SearchAttribute> kAttributes = {
      {"id", "p.id", "integer"},
      {"prefix", "p.prefix", "cidr"},
      {"prefix_length", "masklen(p.prefix)", "integer"},
      {"family", "family(p.prefix)", "integer"},
      {"vrf_id", "p.vrf_id", "integer"},
      {"vrf_rt", "vrf.rt", "text"},
      {"vrf_name", "vrf.name", "text"},
      {"pool_id", "p.pool_id", "integer"},
      {"type", "p.type", "ip_net_plan_type"},
      {"status", "p.status", "ip_net_plan_status"},
      {"description", "p.description", "text"},
      {"comment", "p.comment", "text"},
      {"node", "p.node", "text"},
      {"country", "p.country", "text"},
      {"order_id", "p.order_id", "text"},
      {"customer_id", "p.customer_id", "text"},
      {"external_key", "p.external_key", "text"},
      {"authoritative_source", "p.authoritative_source", "text"},
      {"alarm_priority", "p.alarm_priority", "priority_5step"},
      {"monitor", "p.monitor", "boolean"},
      {"vlan", "p.vlan", "integer"},
      {"tags", "p.tags", "text[]"},
      {"inherited_tags", "p.inherited_tags", "text[]"},
      {"avps", "p.avps", "hstore"},
      {"indent", "p.indent", "integer"},
      {"added", "p.added", "timestamptz"},
      {"last_modified", "p.last_modified", "timestamptz"},
      {"expires", "p.expires", "timestamptz"},
      {"total_addresses", "p.total_addresses", "numeric"},
      {"used_addresses", "p.used_addresses", "numeric"},
      {"free_addresses", "p.free_addresses", "numeric"},
  };
  return kAttributes;
}

const std::vector<SearchAttribute>& asn_attributes() {
  // search.md §1.5. The type is the column's, so a value that is no
  // integer fails as "Invalid syntax for integer (...)" as in NIPAP.
  static const std::vector<SearchAttribute> kAttributes = {
      {"asn", "asn", "integer"},
      {"name", "name", "text"},
  };
  return kAttributes;
}

const std::vector<SearchAttribute>& tag_attributes() {
  static const std::vector<SearchAttribute> kAttributes = {
      {"name", "name", "text"},
  };
  return kAttributes;
}

}  // namespace prefixd
