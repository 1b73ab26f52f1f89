// SPDX-License-Identifier: MIT
#include "api/method_table.h"

#include <algorithm>

#include "api/allocation_methods.h"
#include "api/asn_methods.h"
#include "api/cached_call.h"
#include "api/pool_methods.h"
#include "api/prefix_methods.h"
#include "api/smart_search_methods.h"
#include "api/utility_methods.h"
#include "api/vrf_methods.h"
#include "api/wire_decode.h"
#include "backend/errors.h"

namespace prefixd::api {

const std::vector<MethodDef>& api_methods() {
  static const std::vector<MethodDef> kMethods = [] {
    std::vector<MethodDef> m = {
        {"db_version", Access::kRead, handle_db_version,
         "Returns the NIPAP database schema version the database is compatible with."},
        {"echo", Access::kRead, handle_echo,
         "Returns the argument 'message' unchanged (nil when absent); with 'sleep', waits that "
         "many seconds first."},
        {"version", Access::kRead, handle_version, "Returns the version of prefixd."},
        {"smart_search_vrf", Access::kRead, invoke_smart_search_vrf,
         "Searches VRFs with free text 'query_string' (words, RTs, attribute expressions, "
         "and/or); also 'search_options' and 'extra_query'. Returns the interpretation too."},
        {"smart_search_pool", Access::kRead, invoke_smart_search_pool,
         "Searches pools with free text 'query_string'; also 'search_options' and "
         "'extra_query'. Returns the interpretation too."},
        {"smart_search_prefix", Access::kRead, invoke_smart_search_prefix,
         "Searches prefixes with free text 'query_string' (addresses, prefixes, #tags, words, "
         "attribute expressions, and/or, parentheses); also 'search_options' and "
         "'extra_query'. Returns the interpretation too."},
        {"smart_search_asn", Access::kRead, invoke_smart_search_asn,
         "Searches ASNs with free text 'query_string' (numbers and names); also "
         "'search_options' and 'extra_query'. Returns the interpretation too."},
        method_row<ops::FindFreePrefix, decode_find_free_prefix, write_free_prefixes>(
            "find_free_prefix",
            "Finds free prefixes: 'args' holds from-pool (with family) or from-prefix (with "
            "prefix_length), and count; 'vrf' names the VRF. Returns prefixes, lowest first."),
        method_row<ops::AddVrf, decode_add_vrf, write_vrf_result>(
            "add_vrf",
            "Adds a VRF. Arguments: attr (rt and name required; description, tags, avps). Returns "
            "the new VRF."),
        method_row<ops::ListVrf, decode_list_vrf, write_vrf_list>(
            "list_vrf",
            "Lists VRFs matching the spec 'vrf' (id, rt or name; nil or {} for all), ordered by "
            "RT."),
        method_row<ops::EditVrf, decode_edit_vrf, write_vrf_list>(
            "edit_vrf",
            "Sets the attributes 'attr' on the VRFs matching 'vrf'. Returns the edited VRFs."),
        method_row<ops::RemoveVrf, decode_remove_vrf, write_nil_result<std::vector<Vrf>>>(
            "remove_vrf", "Removes the VRFs matching 'vrf' and every prefix in them."),
        method_row<ops::SearchVrf, decode_search, write_vrf_search>(
            "search_vrf",
            "Searches VRFs with a structured 'query' and 'search_options' (max_result, offset)."),
        method_row<ops::AddPrefix, decode_add_prefix, write_prefix_result>(
            "add_prefix",
            "Adds a prefix. Arguments: attr (prefix, type and description or node required; "
            "status, comment, node, pool_id/pool_name, vrf_id/vrf_rt/vrf_name, country, order_id, "
            "customer_id, external_key, alarm_priority, monitor, vlan, tags, avps, expires). "
            "Returns the new prefix."),
        method_row<ops::ListPrefix, decode_list_prefix, write_prefix_list>(
            "list_prefix",
            "Lists prefixes matching the spec 'prefix' (exact attribute values; nil or {} for "
            "all), ordered by VRF and prefix."),
        method_row<ops::EditPrefix, decode_edit_prefix, write_edited_prefixes>(
            "edit_prefix",
            "Sets the attributes 'attr' on the prefixes matching 'prefix'. Returns the edited "
            "prefixes."),
        method_row<ops::RemovePrefix, decode_remove_prefix, write_nil_result<std::vector<Prefix>>>(
            "remove_prefix",
            "Removes the prefixes matching 'prefix' (id or prefix required); with 'recursive', "
            "everything inside them too."),
        method_row<ops::SearchPrefix, decode_search_prefix, write_prefix_search>(
            "search_prefix",
            "Searches prefixes with a structured 'query' and 'search_options' (max_result, offset, "
            "parents_depth, children_depth, include_all_parents, include_all_children, "
            "include_neighbors, parent_prefix)."),
        method_row<ops::AddPool, decode_add_pool, write_pool_result>(
            "add_pool",
            "Adds a pool. Arguments: attr (name, description and default_type required; "
            "ipv4_default_prefix_length, ipv6_default_prefix_length, tags, avps). Returns the new "
            "pool."),
        method_row<ops::ListPool, decode_list_pool, write_pool_list>(
            "list_pool",
            "Lists pools matching the spec 'pool' (id or name; nil or {} for all), ordered by "
            "name."),
        method_row<ops::EditPool, decode_edit_pool, write_edited_pools>(
            "edit_pool",
            "Sets the attributes 'attr' on the pool matching 'pool' (exactly one of id or name). "
            "Returns the edited pools."),
        method_row<ops::RemovePool, decode_remove_pool, write_nil_result<std::vector<Pool>>>(
            "remove_pool",
            "Removes the pools matching 'pool' (id or name); their member prefixes stay, "
            "detached."),
        method_row<ops::SearchPool, decode_search, write_pool_search>(
            "search_pool",
            "Searches pools with a structured 'query' (required) and 'search_options' (max_result, "
            "offset)."),
        method_row<ops::AddAsn, decode_add_asn, write_asn_result>(
            "add_asn",
            "Adds an ASN. Arguments: attr (asn required, an integer; name). Returns the new ASN."),
        method_row<ops::ListAsn, decode_list_asn, write_asn_list>(
            "list_asn",
            "Lists ASNs matching the spec 'asn' (asn or name; nil or {} for all), ordered by asn."),
        method_row<ops::EditAsn, decode_edit_asn, write_asn_list>(
            "edit_asn",
            "Sets the attributes 'attr' (name only) on the ASNs matching 'asn' (asn or name). "
            "Returns the edited ASNs."),
        method_row<ops::RemoveAsn, decode_remove_asn, write_nil_result<std::vector<Asn>>>(
            "remove_asn", "Removes the ASNs matching 'asn' (asn or name)."),
        method_row<ops::SearchAsn, decode_search, write_asn_search>(
            "search_asn",
            "Searches ASNs with a structured 'query' (attributes asn, name; {} for all) and "
            "'search_options' (max_result, offset)."),
        method_row<ops::SearchTag, decode_search, write_tag_search>(
            "search_tag",
            "Searches the distinct tags used on prefixes with a structured 'query' (attribute "
            "name; "
            "{} for all) and 'search_options' (max_result, offset). Returns tags ordered by name."),
    };
    std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return m;
  }();
  return kMethods;
}

const MethodDef* find_api_method(std::string_view name) {
  const auto& all = api_methods();
  auto it = std::lower_bound(all.begin(), all.end(), name,
                             [](const MethodDef& m, std::string_view n) { return m.name < n; });
  return it != all.end() && it->name == name ? &*it : nullptr;
}

const Value& checked_envelope(const std::vector<Value>& params) {
  if (params.size() != 1) {
    throw NipapError(FaultCode::kError, "NIPAP API functions take exactly 1 argument (" +
                                            std::to_string(params.size()) + " given)");
  }
  const Value& arg = params[0];
  if (!arg.is_struct()) {
    throw NipapError(FaultCode::kError,
                     "Function argument must be XML-RPC struct/Python dict (Python " +
                         std::string(arg.python_type_name()) + " given).");
  }
  const Value* auth = arg.find("auth");
  if (auth == nullptr || !auth->is_struct()) {
    throw NipapError(FaultCode::kError, "Missing/invalid authentication options in request.");
  }
  const Value* source = auth->find("authoritative_source");
  if (source == nullptr) {
    throw NipapError(FaultCode::kError, "Missing authoritative source in auth options.");
  }
  return *source;
}

CallContext open_call(const MethodDef& method, const std::vector<Value>& params,
                      const Credentials& credentials, ApiServices& services) {
  checked_envelope(params);
  const AuthenticatedUser user = services.authenticator.authenticate(credentials, services.db);
  return open_call_as(method, params, user, services);
}

CallContext open_call_as(const MethodDef& method, const std::vector<Value>& params,
                         const AuthenticatedUser& user, ApiServices& services) {
  const Value& source = checked_envelope(params);
  const Value* auth = params[0].find("auth");
  // NIPAP dies on a nil source after authenticating (Fault 1); it is the
  // same missing input, so it gets the same answer as an absent key.
  if (source.is_nil()) {
    throw NipapError(FaultCode::kError, "Missing authoritative source in auth options.");
  }
  CallContext ctx{make_session(user, auth->as_struct(), python_str(source)), services, method.name};
  if (method.access == Access::kWrite && ctx.session.readonly) {
    throw NipapError(FaultCode::kAuthorization,
                     "read-only user '" + ctx.session.username.value_or("None") +
                         "' is not authorized to run function '" + std::string(method.name) + "'");
  }
  return ctx;
}

void call_api_method(const MethodDef& method, const std::vector<Value>& params,
                     const Credentials& credentials, ApiServices& services, ValueWriter& out) {
  CallContext ctx = open_call(method, params, credentials, services);
  if (services.cache != nullptr && services.cache->serves(method)) {
    services.cache->invoke(method, ctx, params[0].as_struct(), out);
  } else {
    method.invoke(ctx, params[0].as_struct(), out);
  }
}

void note_write(ApiServices& services) {
  if (services.cache != nullptr) services.cache->wrote();
}

}  // namespace prefixd::api
