// SPDX-License-Identifier: MIT
// prefixd's JSON API under /api/v1 (issue 6), a thin transport over the
// method table: POST /api/v1/<method> for every method, resource routes for
// VRFs, pools, prefixes and ASNs, and the OpenAPI document. HTTP Basic
// authentication as on XML-RPC; errors are HTTP statuses with a body
// {"error": {"code": <NIPAP fault code>, "type": "<class>", "message": "..."}}.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "api/json_codec.h"
#include "api/method_table.h"
#include "api/xmlrpc_frontend.h"
#include "backend/errors.h"

namespace prefixd::api {

// A JSON value's kind as messages name it ("an object", "a string").
std::string json_type_name(const Value& v);

// `auth` is optional on /api/v1: added when absent, its authoritative_source
// defaulting to "nipap". Refuses an auth that is not an object (1100).
void json_default_auth(Value::Struct& args);

// A collection of the resource routes and the methods it maps to.
struct JsonResource {
  std::string_view collection;  // path segment: "vrfs"
  std::string_view object;      // method suffix and spec argument: add_vrf, {"vrf": {...}}
  std::string_view key;         // the spec member {id} stands for: "id", or "asn" for ASNs
  std::string_view noun;        // in messages: "VRF"
};
const std::vector<JsonResource>& json_resources();

// The HTTP status of a NIPAP fault: 400 input and value errors, 401
// authentication, 403 authorisation, 404 non-existent, 409 duplicate, 500
// anything else (fault 1000 is the database or a bug).
int http_status_for(FaultCode code);

class JsonFrontend {
 public:
  JsonFrontend(ApiServices& services, JsonLimits limits, std::size_t max_body_bytes)
      : services_(services), limits_(limits), max_body_bytes_(max_body_bytes) {}

  // Whether `path` is this transport's (/api/v1 and below).
  static bool handles(std::string_view path);

  // Answers one request: status, headers and content type in `response`, the
  // body in `out` (cleared first; reused between requests), response.body
  // pointing at it. The outcome names the method called, if any.
  CallOutcome handle(const HttpRequest& request, HttpResponse& response, std::string& out);

 private:
  class Route;
  int route(const HttpRequest& request, Route& r);
  int serve_collection(const HttpRequest& request, Route& r, const JsonResource& res);
  int serve_item(const HttpRequest& request, Route& r, const JsonResource& res,
                 std::string_view id);
  template <typename Item>
  int serve_item_of(const HttpRequest& request, Route& r, const JsonResource& res, int64_t id);
  int serve_free(Route& r, std::string_view id);
  // The body as JSON (an empty body is {}); body_object also requires an object.
  Value body_json(const HttpRequest& request) const;
  Value body_object(const HttpRequest& request) const;

  ApiServices& services_;
  JsonLimits limits_;
  std::size_t max_body_bytes_;
};

}  // namespace prefixd::api
