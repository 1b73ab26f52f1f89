// SPDX-License-Identifier: MIT
// Routes a worker's HTTP requests to the transports (/XMLRPC and /RPC2 for
// XML-RPC, /rest/v1/prefixes for NIPAP's REST API, /api/v1 for prefixd's JSON
// API, /healthz, /metrics) and writes one access-log line per request.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "api/http_server.h"
#include "api/json_frontend.h"
#include "api/metrics.h"
#include "api/metrics_endpoint.h"
#include "api/rest_frontend.h"
#include "api/trusted_proxies.h"
#include "api/xmlrpc_frontend.h"

namespace prefixd::api {

// The largest body accepted from a request without verified credentials:
// enough for NIPAP's envelope faults (which come before the credential
// check), far below limits.max_body_bytes. Larger ones are answered with
// the authentication failure at once, unread.
inline constexpr std::size_t kUnauthenticatedBodyBytes = 64 * 1024;

class RequestRouter {
 public:
  // `health_detail` adds worker facts (pid, slot, connections) to /healthz.
  // The access log names the X-Forwarded-For client of a `trusted_proxies` peer.
  RequestRouter(ApiServices& services, XmlRpcLimits xmlrpc_limits, std::size_t max_body_bytes,
                std::function<std::string()> health_detail,
                TrustedProxies trusted_proxies = TrustedProxies());

  // Counts every API call in `metrics`; serves GET /metrics from `endpoint`
  // when given (metrics on the main port).
  void observe(RequestMetrics metrics, MetricsEndpoint* endpoint) {
    metrics_ = metrics;
    metrics_endpoint_ = endpoint;
  }

  void handle(HttpRequest& request, HttpResponse& response);
  // The HttpServer's header handler: checks the credentials before the body
  // is read and sets the body limit (HttpServer's HeaderHandler contract).
  std::chrono::milliseconds check_headers(HttpRequest& request, bool waited);

 private:
  std::string client_of(const HttpRequest& request) const;
  void refuse_unauthenticated(HttpRequest& request, HttpResponse& response, CallOutcome& outcome);
  void handle_xmlrpc(HttpRequest& request, HttpResponse& response, CallOutcome& outcome);
  void handle_health(HttpResponse& response);

  ApiServices& services_;
  XmlRpcFrontend xmlrpc_;
  RestFrontend rest_;
  JsonFrontend json_;
  std::size_t max_body_bytes_;
  std::function<std::string()> health_detail_;
  TrustedProxies trusted_proxies_;
  RequestMetrics metrics_;
  MetricsEndpoint* metrics_endpoint_ = nullptr;
  std::string buffer_;  // response body, reused between requests
};

}  // namespace prefixd::api
