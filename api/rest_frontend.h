// SPDX-License-Identifier: MIT
// NIPAP's REST resource /rest/v1/prefixes (spec/rest.md): GET searches, POST
// adds, PUT edits, DELETE removes. Query parameters, the JSON body and the
// NIPAP-* headers become the argument struct of a method-table call, so the
// semantics are XML-RPC's; statuses and bodies are NIPAP's, including its 500
// for every input error (spec/README.md decision 3).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "api/json_codec.h"
#include "api/method_table.h"
#include "api/xmlrpc_frontend.h"

namespace prefixd::api {

// The query parameters of a request as Flask's `request.args.to_dict()` sees
// them: percent-decoded ('+' is a space), the first value of a repeated name,
// in the order the names first appear.
std::vector<std::pair<std::string, std::string>> query_parameters(const HttpRequest& request);

class RestFrontend {
 public:
  // `max_body_bytes` is only quoted in the 413 answer; the HTTP server cuts
  // the body.
  RestFrontend(ApiServices& services, JsonLimits limits, std::size_t max_body_bytes)
      : services_(services), limits_(limits), max_body_bytes_(max_body_bytes) {}

  // Answers a request for /rest/v1/prefixes: status, content type and
  // headers into `response`, the body into `out` (cleared first; reused
  // between requests) with response.body pointing at it. The outcome names
  // the method called, empty when the request was refused before any call.
  CallOutcome handle(const HttpRequest& request, HttpResponse& response, std::string& out);

 private:
  ApiServices& services_;
  JsonLimits limits_;
  std::size_t max_body_bytes_;
};

}  // namespace prefixd::api
