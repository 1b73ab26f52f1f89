// SPDX-License-Identifier: MIT
#include "api/request_router.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

namespace prefixd::api {

namespace {

// The pages NIPAP's web framework (Flask) answers for unknown paths and
// wrong methods; scripts see these, so they are reproduced exactly.
constexpr std::string_view kNotFoundPage =
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n";
constexpr std::string_view kMethodNotAllowedPage =
    "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
    "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";
constexpr const char* kHtml = "text/html; charset=utf-8";

}  // namespace

RequestRouter::RequestRouter(ApiServices& services, XmlRpcLimits xmlrpc_limits,
                             std::size_t max_body_bytes, std::function<std::string()> health_detail,
                             TrustedProxies trusted_proxies)
    : services_(services),
      xmlrpc_(services, xmlrpc_limits),
      rest_(services, JsonLimits{xmlrpc_limits.max_depth, xmlrpc_limits.max_values},
            max_body_bytes),
      json_(services, JsonLimits{xmlrpc_limits.max_depth, xmlrpc_limits.max_values},
            max_body_bytes),
      max_body_bytes_(max_body_bytes),
      health_detail_(std::move(health_detail)),
      trusted_proxies_(std::move(trusted_proxies)) {}

std::string RequestRouter::client_of(const HttpRequest& request) const {
  return trusted_proxies_.empty()
             ? request.client_address
             : trusted_proxies_.client_address(request.client_address,
                                               request.header_values("X-Forwarded-For"));
}

std::chrono::milliseconds RequestRouter::check_headers(HttpRequest& request, bool waited) {
  if (!waited) services_.authenticator.begin_request(client_of(request));
  request.authenticated = false;
  request.body_limit = std::min(kUnauthenticatedBodyBytes, max_body_bytes_);
  const std::string_view path = request.path;
  const bool api = path == "/XMLRPC" || path == "/RPC2" || path == "/rest/v1/prefixes" ||
                   JsonFrontend::handles(path);
  if (!api) return std::chrono::milliseconds(0);
  bool ok = false;
  const auto wait = services_.authenticator.check_credentials(
      parse_authorization(request.header("Authorization")), services_.db, waited, ok);
  if (wait.count() > 0) return wait;
  if (ok) {
    request.authenticated = true;
    request.body_limit = max_body_bytes_;
  }
  return std::chrono::milliseconds(0);
}

// A body too large for a request without verified credentials: the
// authentication failure in the transport's form, the body unread.
void RequestRouter::refuse_unauthenticated(HttpRequest& request, HttpResponse& response,
                                           CallOutcome& outcome) {
  const Credentials credentials = parse_authorization(request.header("Authorization"));
  FaultCode code = FaultCode::kAuth;
  std::string message = "Missing authentication method";
  try {
    services_.authenticator.authenticate(credentials, services_.db);
  } catch (const NipapError& e) {
    code = e.code();
    message = e.what();
  }
  outcome.method = "(unauthenticated body too large)";
  outcome.fault_code = static_cast<int>(code);
  buffer_.clear();
  const std::string_view path = request.path;
  if (path == "/XMLRPC" || path == "/RPC2") {
    response.content_type = "text/xml";
    write_xmlrpc_fault(buffer_, static_cast<int>(code), message);
  } else {
    response.status = 401;
    response.content_type = "application/json";
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"prefixd\"");
    buffer_ = "{\"error\": {\"code\": " +
              std::to_string(path == "/rest/v1/prefixes" ? 401 : static_cast<int>(code)) +
              ", \"message\": ";
    append_json_string(buffer_, message);
    buffer_ += "}}\n";
  }
  response.body = buffer_;
  response.close_connection = true;
}

void RequestRouter::handle(HttpRequest& request, HttpResponse& response) {
  const auto start = std::chrono::steady_clock::now();
  CallOutcome outcome;
  std::optional<Transport> transport;
  const std::string_view path = request.path;
  services_.answer_delay = std::chrono::milliseconds(0);
  if (request.body_too_large && !request.authenticated) {
    refuse_unauthenticated(request, response, outcome);
  } else if (path == "/XMLRPC" || path == "/RPC2") {
    if (request.method == "POST") {
      transport = Transport::kXmlRpc;
      handle_xmlrpc(request, response, outcome);
    } else {
      response.headers.emplace_back("Allow", "OPTIONS, POST");
      response.content_type = kHtml;
      if (request.method == "OPTIONS") {
        response.body = {};
      } else {
        response.status = 405;
        response.body = kMethodNotAllowedPage;
      }
    }
  } else if (path == "/rest/v1/prefixes") {
    outcome = rest_.handle(request, response, buffer_);
    if (!outcome.method.empty()) transport = Transport::kRest;
  } else if (JsonFrontend::handles(path)) {
    outcome = json_.handle(request, response, buffer_);
    if (!outcome.method.empty()) transport = Transport::kJson;
  } else if (path == "/healthz" && (request.method == "GET" || request.method == "HEAD")) {
    handle_health(response);
  } else if (path == "/metrics" && metrics_endpoint_ != nullptr) {
    metrics_endpoint_->handle(request, response, buffer_);
  } else {
    response.status = 404;
    response.content_type = kHtml;
    response.body = kNotFoundPage;
  }
  response.delay = services_.answer_delay;
  services_.authenticator.end_request();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  if (transport) metrics_.record(*transport, outcome.method, outcome.fault_code, micros / 1e6);
  auto* access = spdlog::get("access").get();
  if (!access->should_log(spdlog::level::info)) return;
  const std::string client = client_of(request);
  if (outcome.method.empty()) {
    access->info("{} \"{} {}\" {} {:.3f}ms", client, request.method, path, response.status,
                 micros / 1000.0);
  } else {
    access->info(
        "{} \"{} {}\" {} {} {:.3f}ms", client, request.method, path, outcome.method,
        outcome.fault_code == 0 ? std::string("ok") : "fault " + std::to_string(outcome.fault_code),
        micros / 1000.0);
  }
}

void RequestRouter::handle_xmlrpc(HttpRequest& request, HttpResponse& response,
                                  CallOutcome& outcome) {
  response.content_type = "text/xml";
  if (request.body_too_large) {
    XmlRpcFrontend::body_too_large(max_body_bytes_, buffer_);
    outcome.fault_code = static_cast<int>(FaultCode::kGeneric);
    outcome.method = "(body too large)";
  } else {
    const Credentials credentials = parse_authorization(request.header("Authorization"));
    outcome = xmlrpc_.handle(request.body, credentials, buffer_);
  }
  response.body = buffer_;
}

void RequestRouter::handle_health(HttpResponse& response) {
  const bool ok = services_.db.healthy();
  response.status = ok ? 200 : 503;
  response.content_type = "application/json";
  buffer_ = "{\"status\": \"";
  buffer_ += ok ? "ok" : "unavailable";
  const AuthCounters& auth = services_.authenticator.counters();
  buffer_ +=
      "\", \"password_hashes\": " + std::to_string(services_.authenticator.password_hashes()) +
      ", \"auth_cache_hits\": " + std::to_string(auth.cache_hits) +
      ", \"auth_cache_misses\": " + std::to_string(auth.cache_misses) +
      ", \"auth_backend_failures\": " + std::to_string(auth.backend_failures);
  if (health_detail_) buffer_ += ", " + health_detail_();
  // Unauthenticated: the database's address and libpq's text stay in the log.
  if (!ok) buffer_ += ", \"error\": \"database unavailable\"";
  buffer_ += "}\n";
  response.body = buffer_;
}

}  // namespace prefixd::api
