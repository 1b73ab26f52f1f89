// SPDX-License-Identifier: MIT
// GET /metrics: the Prometheus text exposition of the shared counters, on
// the main port or on metrics.listen, optionally behind the same HTTP basic
// authentication as the API.
#pragma once

#include <functional>
#include <string>

#include "api/http_server.h"
#include "api/method_table.h"
#include "api/metrics.h"

namespace prefixd::api {

struct MetricsSettings {
  bool require_auth = false;
  bool events_enabled = false;
};

class MetricsEndpoint {
 public:
  // `before_scrape` publishes this worker's pending totals and returns the
  // values a scrape adds (active workers).
  MetricsEndpoint(ApiServices& services, const SharedMetrics& shared, MetricsSettings settings,
                  std::function<ScrapeExtras()> before_scrape);

  void handle(const HttpRequest& request, HttpResponse& response, std::string& out);

 private:
  ApiServices& services_;
  const SharedMetrics& shared_;
  MetricsSettings settings_;
  std::function<ScrapeExtras()> before_scrape_;
};

}  // namespace prefixd::api
