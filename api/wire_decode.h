// SPDX-License-Identifier: MIT
// Decoding of wire values (XML-RPC or JSON, as api::Value) into the
// backend's argument types, with NIPAP's fault codes and messages for every
// malformed argument (spec/xmlrpc.md §5–§6, spec/search.md §1.6, §2).
#pragma once

#include <string_view>

#include "api/auth.h"
#include "api/value.h"
#include "backend/model.h"
#include "backend/operation.h"
#include "backend/query.h"

namespace prefixd::api {

// The member `key` of a method's argument struct, or nullptr when absent
// (an absent key behaves like nil, xmlrpc.md §2).
const Value* argument(const Value::Struct& args, std::string_view key);

VrfSpec decode_vrf_spec(const Value* spec);
// `adding`: add_vrf's required keys (rt, then name) must be present.
VrfChanges decode_vrf_attr(const Value* attr, bool adding);

// A pool spec (xmlrpc.md §6): `id` alone, or `name`. nil or a non-struct is
// refused with 1100 'pool specification must be a dict'.
PoolSpec decode_pool_spec(const Value* spec);
// `adding`: add_pool's required keys (name, description, default_type, in
// that order) must be present. Default lengths are converted as Python's
// int() does and range-checked (model.md §4.2).
PoolChanges decode_pool_attr(const Value* attr, bool adding);

// A structured query (search.md §1). nil or a non-struct is refused.
Query decode_query(const Value* query);

// search_options for VRF, pool and ASN searches (search.md §2.1). `echo`
// receives the options as they are sent back: the given struct with the
// normalised values (unknown keys are kept, nipap-www relies on it).
SearchOptions decode_search_options(const Value* options, Value::Struct& echo);

// A search-options decoder's result without its echo, and its echo alone
// (the search_options a search sends back).
template <typename Decode>
auto without_echo(Decode decode, const Value* options) {
  Value::Struct echo;
  return decode(options, echo);
}
template <typename Decode>
Value::Struct echo_of(Decode decode, const Value* options) {
  Value::Struct echo;
  decode(options, echo);
  return echo;
}
// The arguments of search_vrf, search_pool, search_asn and search_tag: `query`
// and `search_options`.
ops::SearchArgs decode_search(const Value::Struct& args);

Actor actor_of(const Session& session);

// An `avps` struct (model.md §2.3): string keys, string or nil values, no
// empty key.
Avps decode_avps(const Value& v);

// Python's str() of a decoded value, for the places NIPAP stringifies one
// (authoritative_source, values quoted in messages).
std::string python_str(const Value& v);

// Python's int(): integers, booleans, finite floats (truncated) and decimal
// strings; nullopt where int() would raise.
std::optional<int64_t> python_int(const Value& v);

}  // namespace prefixd::api
