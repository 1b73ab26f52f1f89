#include "api/method_table.h"

#include <algorithm>

#include "api/utility_methods.h"
#include "api/vrf_methods.h"
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
        {"add_vrf", Access::kWrite, handle_add_vrf,
         "Adds a VRF. Arguments: attr (rt and name required; description, tags, avps). Returns "
         "the new VRF."},
        {"list_vrf", Access::kRead, handle_list_vrf,
         "Lists VRFs matching the spec 'vrf' (id, rt or name; nil or {} for all), ordered by RT."},
        {"edit_vrf", Access::kWrite, handle_edit_vrf,
         "Sets the attributes 'attr' on the VRFs matching 'vrf'. Returns the edited VRFs."},
        {"remove_vrf", Access::kWrite, handle_remove_vrf,
         "Removes the VRFs matching 'vrf' and every prefix in them."},
        {"search_vrf", Access::kRead, handle_search_vrf,
         "Searches VRFs with a structured 'query' and 'search_options' (max_result, offset)."},
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

void call_api_method(const MethodDef& method, const std::vector<Value>& params,
                     const Credentials& credentials, ApiServices& services, ValueWriter& out) {
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
  AuthenticatedUser user = services.authenticator.authenticate(credentials, services.db);
  // NIPAP dies on a nil source after authenticating (Fault 1); it is the
  // same missing input, so it gets the same answer as an absent key.
  if (source->is_nil()) {
    throw NipapError(FaultCode::kError, "Missing authoritative source in auth options.");
  }
  CallContext ctx{make_session(user, auth->as_struct(), python_str(*source)), services,
                  method.name};
  if (method.access == Access::kWrite && ctx.session.readonly) {
    throw NipapError(FaultCode::kAuthorization,
                     "read-only user '" + ctx.session.username.value_or("None") +
                         "' is not authorized to run function '" + std::string(method.name) + "'");
  }
  method.handler(ctx, arg.as_struct(), out);
}

}  // namespace prefixd::api
