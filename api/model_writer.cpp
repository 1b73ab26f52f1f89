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

}  // namespace prefixd::api
