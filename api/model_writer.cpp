// SPDX-License-Identifier: MIT
#include "api/model_writer.h"

namespace prefixd::api {

void write_optional_string(ValueWriter& out, const std::optional<std::string>& s) {
  if (s) {
    out.write_string(*s);
  } else {
    out.write_nil();
  }
}

void write_string_list(ValueWriter& out, const std::vector<std::string>& items) {
  out.begin_array();
  for (const auto& s : items) out.write_string(s);
  out.end_array();
}

void write_avps(ValueWriter& out, const Avps& avps) {
  out.begin_struct();
  for (const auto& [key, value] : avps) {
    out.write_key(key);
    write_optional_string(out, value);
  }
  out.end_struct();
}

void write_vrf(ValueWriter& out, const Vrf& v) {
  out.begin_struct();
  out.write_key("id");
  out.write_int(v.id);
  out.write_key("rt");
  write_optional_string(out, v.rt);
  out.member("name", v.name);
  out.write_key("description");
  write_optional_string(out, v.description);
  out.write_key("tags");
  if (v.tags) {
    write_string_list(out, *v.tags);
  } else {
    out.write_nil();
  }
  out.write_key("avps");
  write_avps(out, v.avps);
  // Address counters exceed 32 bits, so they travel as strings (§4.1).
  const std::pair<const char*, const BigCount*> counters[] = {
      {"num_prefixes_v4", &v.num_prefixes_v4},       {"num_prefixes_v6", &v.num_prefixes_v6},
      {"total_addresses_v4", &v.total_addresses_v4}, {"total_addresses_v6", &v.total_addresses_v6},
      {"used_addresses_v4", &v.used_addresses_v4},   {"used_addresses_v6", &v.used_addresses_v6},
      {"free_addresses_v4", &v.free_addresses_v4},   {"free_addresses_v6", &v.free_addresses_v6},
  };
  for (const auto& [key, value] : counters) {
    out.write_key(key);
    write_optional_string(out, *value);
  }
  out.end_struct();
}

void write_pool(ValueWriter& out, const Pool& p, bool nil_when_no_prefixes) {
  auto optional_int = [&](const std::optional<int64_t>& v) {
    if (v) {
      out.write_int(*v);
    } else {
      out.write_nil();
    }
  };
  out.begin_struct();
  out.write_key("id");
  out.write_int(p.id);
  out.member("name", p.name);
  out.write_key("description");
  write_optional_string(out, p.description);
  out.write_key("default_type");
  write_optional_string(out, p.default_type);
  out.write_key("ipv4_default_prefix_length");
  optional_int(p.ipv4_default_prefix_length);
  out.write_key("ipv6_default_prefix_length");
  optional_int(p.ipv6_default_prefix_length);
  // Counters travel as strings, NULL as nil (§4.1).
  const std::pair<const char*, const BigCount*> counters[] = {
      {"member_prefixes_v4", &p.member_prefixes_v4}, {"member_prefixes_v6", &p.member_prefixes_v6},
      {"used_prefixes_v4", &p.used_prefixes_v4},     {"used_prefixes_v6", &p.used_prefixes_v6},
      {"free_prefixes_v4", &p.free_prefixes_v4},     {"free_prefixes_v6", &p.free_prefixes_v6},
      {"total_prefixes_v4", &p.total_prefixes_v4},   {"total_prefixes_v6", &p.total_prefixes_v6},
      {"total_addresses_v4", &p.total_addresses_v4}, {"total_addresses_v6", &p.total_addresses_v6},
      {"used_addresses_v4", &p.used_addresses_v4},   {"used_addresses_v6", &p.used_addresses_v6},
      {"free_addresses_v4", &p.free_addresses_v4},   {"free_addresses_v6", &p.free_addresses_v6},
  };
  for (const auto& [key, value] : counters) {
    out.write_key(key);
    write_optional_string(out, *value);
  }
  out.write_key("tags");
  if (p.tags) {
    write_string_list(out, *p.tags);
  } else {
    out.write_nil();
  }
  out.write_key("avps");
  write_avps(out, p.avps);
  out.write_key("vrf_id");
  optional_int(p.vrf_id);
  out.write_key("vrf_rt");
  write_optional_string(out, p.vrf_rt);
  out.write_key("vrf_name");
  write_optional_string(out, p.vrf_name);
  out.write_key("prefixes");
  if (p.prefixes.empty() && nil_when_no_prefixes) {
    out.write_nil();
  } else {
    write_string_list(out, p.prefixes);
  }
  out.end_struct();
}

void write_asn(ValueWriter& out, const Asn& a) {
  out.begin_struct();
  out.write_key("asn");
  out.write_int(a.asn);
  out.write_key("name");
  write_optional_string(out, a.name);
  out.end_struct();
}

void write_prefix(ValueWriter& out, const Prefix& p, PrefixShape shape) {
  auto optional_int = [&](const std::optional<int64_t>& v) {
    if (v) {
      out.write_int(*v);
    } else {
      out.write_nil();
    }
  };
  auto optional_timestamp = [&](const std::optional<Timestamp>& v) {
    if (v) {
      out.write_timestamp(*v);
    } else {
      out.write_nil();
    }
  };
  const bool search = shape == PrefixShape::kSearch;
  out.begin_struct();
  out.write_key("id");
  out.write_int(p.id);
  out.write_key("vrf_id");
  out.write_int(p.vrf_id);
  out.write_key("vrf_rt");
  write_optional_string(out, p.vrf_rt);
  out.write_key("vrf_name");
  write_optional_string(out, p.vrf_name);
  out.write_key("family");
  out.write_int(p.family);
  out.member("prefix", p.prefix);
  out.member("display_prefix", search ? p.display_prefix_cidr : p.display_prefix);
  const std::pair<const char*, const std::optional<std::string>*> texts[] = {
      {"description", &p.description},
      {"comment", &p.comment},
      {"node", &p.node},
      {"pool_name", &p.pool_name},
      {"country", &p.country},
      {"order_id", &p.order_id},
      {"customer_id", &p.customer_id},
      {"external_key", &p.external_key},
      {"alarm_priority", &p.alarm_priority},
  };
  for (const auto& [key, value] : texts) {
    out.write_key(key);
    write_optional_string(out, *value);
  }
  out.write_key("pool_id");
  optional_int(p.pool_id);
  out.member("type", p.type);
  out.write_key("indent");
  out.write_int(p.indent);
  out.member("authoritative_source", p.authoritative_source);
  out.write_key("monitor");
  if (p.monitor) {
    out.write_bool(*p.monitor);
  } else {
    out.write_nil();
  }
  out.write_key("vlan");
  optional_int(p.vlan);
  out.write_key("tags");
  write_string_list(out, p.tags);
  out.write_key("inherited_tags");
  write_string_list(out, p.inherited_tags);
  out.write_key("avps");
  write_avps(out, p.avps);
  out.write_key("added");
  out.write_timestamp(p.added);
  out.write_key("last_modified");
  out.write_timestamp(p.last_modified);
  out.write_key("expires");
  optional_timestamp(p.expires);
  // Address counters exceed 32 bits, so they travel as strings (§4.1).
  const std::pair<const char*, const BigCount*> counters[] = {
      {"total_addresses", &p.total_addresses},
      {"used_addresses", &p.used_addresses},
      {"free_addresses", &p.free_addresses},
  };
  for (const auto& [key, value] : counters) {
    out.write_key(key);
    write_optional_string(out, *value);
  }
  out.member("status", p.status);
  if (search) {
    out.write_key("prefix_length");
    out.write_int(p.prefix_length);
    out.write_key("children");
    out.write_int(p.children);
    out.write_key("match");
    out.write_bool(p.match);
    out.write_key("display");
    if (p.display) {
      out.write_bool(*p.display);
    } else {
      out.write_nil();
    }
  }
  out.end_struct();
}

void write_prefixes(ValueWriter& out, const std::vector<Prefix>& prefixes, PrefixShape shape) {
  out.begin_array();
  for (const Prefix& p : prefixes) write_prefix(out, p, shape);
  out.end_array();
}

}  // namespace prefixd::api
