// SPDX-License-Identifier: MIT
#include "api/allocation_methods.h"

#include "api/wire_decode.h"
#include "backend/errors.h"

namespace prefixd::api {

namespace {

[[noreturn]] void fail(FaultCode code, const std::string& message) {
  throw NipapError(code, message);
}

PoolRef decode_pool_ref(const Value& spec) {
  if (!spec.is_struct()) fail(FaultCode::kInput, "pool specification must be a dict");
  const auto& s = spec.as_struct();
  if (s.count("id") && s.size() > 1) {
    fail(FaultCode::kExtraneousInput,
         "pool specification with 'id' should not contain anything else");
  }
  for (const auto& [key, value] : s) {
    if (key != "id" && key != "name")
      fail(FaultCode::kExtraneousInput, "extraneous specification key " + key);
  }
  PoolRef ref;
  if (const Value* id = spec.find("id")) {
    if (!id->is_int()) fail(FaultCode::kValue, "pool specification key 'id' must be an integer");
    ref.id = id->as_int();
  } else if (const Value* name = spec.find("name")) {
    if (!name->is_string())
      fail(FaultCode::kValue, "pool specification key 'name' must be a string");
    ref.name = name->text();
  } else {
    fail(FaultCode::kMissingInput, "pool specification must contain 'id' or 'name'");
  }
  return ref;
}

}  // namespace

AllocationArgs decode_allocation_args(const Value* args) {
  if (args == nullptr || !args->is_struct()) {
    fail(FaultCode::kInput, "invalid input, please provide dict as args");
  }
  AllocationArgs out;
  if (const Value* count = args->find("count")) {
    const auto n = python_int(*count);
    if (!n) fail(FaultCode::kValue, "'count' must be an integer");
    if (*n > 1000) fail(FaultCode::kValue, "count over the maximum result size");
    out.count = *n < 1 ? 1 : static_cast<int>(*n);
  }
  const Value* pool = args->find("from-pool");
  const Value* prefixes = args->find("from-prefix");
  const Value* family = args->find("family");
  const Value* length = args->find("prefix_length");
  if (pool && prefixes) fail(FaultCode::kInput, "specify 'from-pool' OR 'from-prefix'");
  if (pool) {
    if (!family) fail(FaultCode::kMissingInput, "'family' must be specified with 'from-pool' mode");
    const auto f = python_int(*family);
    if (!f || (*f != 4 && *f != 6))
      fail(FaultCode::kValue, "incorrect family specified, must be 4 or 6");
    out.family = static_cast<int>(*f);
    out.from_pool = decode_pool_ref(*pool);
  } else if (prefixes) {
    if (!prefixes->is_array()) fail(FaultCode::kInput, "from-prefix should be a list");
    if (!length)
      fail(FaultCode::kMissingInput, "'prefix_length' must be specified with 'from-prefix'");
    if (family)
      fail(FaultCode::kExtraneousInput, "'family' is superfluous when in 'from-prefix' mode");
    std::vector<std::string> list;
    for (const Value& p : prefixes->as_array()) {
      if (!p.is_string()) fail(FaultCode::kInput, "from-prefix should be a list of prefix strings");
      list.push_back(p.text());
    }
    out.from_prefix = std::move(list);
  } else {
    fail(FaultCode::kMissingInput, "specify 'from-pool' or 'from-prefix'");
  }
  if (length && !(pool && length->is_nil())) {
    const auto n = python_int(*length);
    if (!n) fail(FaultCode::kValue, "prefix length must be integer");
    out.prefix_length = *n;
  }
  return out;
}

std::optional<VrfSpec> decode_vrf_argument(const Value* vrf) {
  // NIPAP reads only the first usable key and treats anything else as the
  // default VRF (prefix_alloc.jsonl: {'foo': 1}, a bare string).
  if (vrf == nullptr || !vrf->is_struct()) return std::nullopt;
  VrfSpec spec;
  if (const Value* id = vrf->find("id")) {
    if (!id->is_nil() && !id->is_int()) {
      fail(FaultCode::kValue, "VRF specification key 'id' must be an integer.");
    }
    spec.id = id->is_nil() ? 0 : id->as_int();
  } else if (const Value* rt = vrf->find("rt")) {
    if (!rt->is_string()) fail(FaultCode::kValue, "VRF specification key 'rt' must be a string.");
    spec.rt = std::optional<std::string>(rt->text());
  } else if (const Value* name = vrf->find("name")) {
    if (!name->is_string()) {
      fail(FaultCode::kValue, "VRF specification key 'name' must be a string.");
    }
    spec.name = name->text();
  } else {
    return std::nullopt;
  }
  return spec;
}

ops::FindFreePrefix::Args decode_find_free_prefix(const Value::Struct& args) {
  AllocationArgs allocation = decode_allocation_args(argument(args, "args"));
  return {decode_vrf_argument(argument(args, "vrf")), std::move(allocation)};
}

void write_free_prefixes(ValueWriter& out, const Value::Struct&,
                         const std::vector<std::string>& prefixes) {
  out.begin_array();
  for (const auto& p : prefixes) out.write_string(p);
  out.end_array();
}

}  // namespace prefixd::api
