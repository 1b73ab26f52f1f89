// SPDX-License-Identifier: MIT
#include "api/xmlrpc_frontend.h"

#include <spdlog/spdlog.h>

#include "backend/errors.h"

namespace prefixd::api {

namespace {

std::string_view introspection_help(std::string_view name) {
  if (name == "system.listMethods") return "Returns the names of every method this server offers.";
  if (name == "system.methodHelp") return "Returns the help text of the method it is given.";
  if (name == "system.methodSignature") return "Signatures are not supported.";
  return "";
}

// NIPAP's introspection (SimpleXMLRPCDispatcher's): no authentication, no
// argument struct. system.multicall is deliberately absent.
bool handle_introspection(const XmlRpcCall& call, XmlRpcResponseWriter& w) {
  const std::string& name = call.method;
  if (name == "system.listMethods") {
    if (!call.params.empty()) {
      throw NipapError(FaultCode::kGeneric,
                       "<class 'TypeError'>:SimpleXMLRPCDispatcher.system_listMethods() takes 1 "
                       "positional argument but " +
                           std::to_string(call.params.size() + 1) + " were given");
    }
    std::vector<std::string_view> names;
    for (const auto& m : api_methods()) names.push_back(m.name);
    names.insert(names.end(),
                 {"system.listMethods", "system.methodHelp", "system.methodSignature"});
    std::sort(names.begin(), names.end());
    w.begin_array();
    for (auto n : names) w.write_string(n);
    w.end_array();
    return true;
  }
  if (name == "system.methodHelp" || name == "system.methodSignature") {
    const std::string function =
        name == "system.methodHelp" ? "system_methodHelp" : "system_methodSignature";
    if (call.params.empty()) {
      throw NipapError(FaultCode::kGeneric,
                       "<class 'TypeError'>:SimpleXMLRPCDispatcher." + function +
                           "() missing 1 required positional argument: 'method_name'");
    }
    if (call.params.size() > 1) {
      throw NipapError(FaultCode::kGeneric, "<class 'TypeError'>:SimpleXMLRPCDispatcher." +
                                                function + "() takes 2 positional arguments but " +
                                                std::to_string(call.params.size() + 1) +
                                                " were given");
    }
    if (name == "system.methodSignature") {
      w.write_string("signatures not supported");
      return true;
    }
    std::string_view asked;
    if (call.params[0].is_string()) asked = call.params[0].text();
    const MethodDef* m = find_api_method(asked);
    w.write_string(m ? m->help : introspection_help(asked));
    return true;
  }
  return false;
}

}  // namespace

CallOutcome XmlRpcFrontend::handle(std::string_view body, const Credentials& credentials,
                                   std::string& out) {
  CallOutcome outcome;
  out.clear();
  try {
    XmlRpcCall call = parse_xmlrpc_call(body, limits_);
    outcome.method = call.method;
    dispatch(call, credentials, out);
  } catch (const NipapError& e) {
    outcome.fault_code = static_cast<int>(e.code());
    out.clear();
    write_xmlrpc_fault(out, outcome.fault_code, e.what());
  } catch (const EncodingError&) {
    outcome.fault_code = static_cast<int>(FaultCode::kGeneric);
    out.clear();
    write_xmlrpc_fault(out, outcome.fault_code,
                       "<class 'OverflowError'>:int exceeds XML-RPC limits");
  } catch (const std::exception& e) {
    // A bug, not bad input: say so without leaking internals, and log it.
    spdlog::error("internal error in '{}': {}", outcome.method, e.what());
    outcome.fault_code = static_cast<int>(FaultCode::kGeneric);
    out.clear();
    write_xmlrpc_fault(out, outcome.fault_code,
                       "<class 'Exception'>:internal error, see the prefixd log");
  }
  return outcome;
}

void XmlRpcFrontend::dispatch(const XmlRpcCall& call, const Credentials& credentials,
                              std::string& out) {
  XmlRpcResponseWriter writer(out);
  writer.begin_response();
  if (!handle_introspection(call, writer)) {
    const MethodDef* method = find_api_method(call.method);
    if (method == nullptr) {
      // A missing <methodName> is refused by the decoder as Python's
      // dispatcher does (method "None"); an empty one is just unknown.
      throw NipapError(FaultCode::kGeneric,
                       "<class 'Exception'>:method \"" + call.method + "\" is not supported");
    }
    call_api_method(*method, call.params, credentials, services_, writer);
  }
  writer.end_response();
}

void XmlRpcFrontend::body_too_large(std::size_t limit, std::string& out) {
  out.clear();
  write_xmlrpc_fault(out, static_cast<int>(FaultCode::kGeneric),
                     "request body exceeds the configured limit of " + std::to_string(limit) +
                         " bytes (limits.max_body_bytes)");
}

}  // namespace prefixd::api
