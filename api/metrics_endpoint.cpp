// SPDX-License-Identifier: MIT
#include "api/metrics_endpoint.h"

#include "api/cached_call.h"

#include "backend/errors.h"
#include "backend/event_outbox.h"

namespace prefixd::api {

MetricsEndpoint::MetricsEndpoint(ApiServices& services, const SharedMetrics& shared,
                                 MetricsSettings settings,
                                 std::function<ScrapeExtras()> before_scrape)
    : services_(services),
      shared_(shared),
      settings_(settings),
      before_scrape_(std::move(before_scrape)) {}

void MetricsEndpoint::handle(const HttpRequest& request, HttpResponse& response, std::string& out) {
  response.content_type = "text/plain; charset=utf-8";
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.emplace_back("Allow", "GET, HEAD");
    out = "only GET and HEAD\n";
    response.body = out;
    return;
  }
  if (settings_.require_auth) {
    try {
      services_.authenticator.authenticate(parse_authorization(request.header("Authorization")),
                                           services_.db);
    } catch (const DatabaseUnavailable& e) {
      response.status = 503;
      out = std::string(e.what()) + "\n";
      response.body = out;
      return;
    } catch (const NipapError& e) {
      response.status = 401;
      response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"prefixd\"");
      out = std::string(e.what()) + "\n";
      response.body = out;
      return;
    }
  }
  ScrapeExtras extras = before_scrape_ ? before_scrape_() : ScrapeExtras{};
  extras.events_enabled = settings_.events_enabled;
  if (services_.cache != nullptr) extras.cache = services_.cache->store().stats();
  try {
    extras.outbox_backlog = count_pending_events(services_.db);
  } catch (const std::exception&) {
    // No database: the backlog is left out of this scrape, the rest is served.
  }
  out = render_metrics(shared_, extras);
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = out;
}

}  // namespace prefixd::api
