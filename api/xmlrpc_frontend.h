// SPDX-License-Identifier: MIT
// The XML-RPC transport: a methodCall body in, a methodResponse out, with
// NIPAP's introspection methods and its fault conventions (spec/xmlrpc.md).
#pragma once

#include <string>
#include <string_view>

#include "api/auth.h"
#include "api/method_table.h"
#include "api/xmlrpc_codec.h"

namespace prefixd::api {

// What the access log says about a call.
struct CallOutcome {
  std::string method;
  int fault_code = 0;  // 0: success
};

class XmlRpcFrontend {
 public:
  XmlRpcFrontend(ApiServices& services, XmlRpcLimits limits)
      : services_(services), limits_(limits) {}

  // Answers one request body into `out` (cleared first; reused between
  // calls to avoid reallocating large responses).
  CallOutcome handle(std::string_view body, const Credentials& credentials, std::string& out);

  // The answer for a body over the configured size limit.
  static void body_too_large(std::size_t limit, std::string& out);

 private:
  void dispatch(const XmlRpcCall& call, const Credentials& credentials, std::string& out);

  ApiServices& services_;
  XmlRpcLimits limits_;
};

}  // namespace prefixd::api
