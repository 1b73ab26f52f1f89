// SPDX-License-Identifier: MIT
// The shared metrics (api/metrics.h): what one request records and how a
// scrape sums the worker slots into the Prometheus text format.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "api/metrics.h"

namespace prefixd::api {
namespace {

class MetricsText : public ::testing::Test {
 protected:
  void SetUp() override { shared_ = map_shared_metrics(); }
  void TearDown() override { munmap(shared_, sizeof(SharedMetrics)); }
  SharedMetrics* shared_ = nullptr;
};

TEST_F(MetricsText, SumsSlotsIntoCountersAndHistograms) {
  shared_->use_slot(0);
  shared_->use_slot(3);
  RequestMetrics a(shared_, 0), b(shared_, 3);
  a.record(Transport::kXmlRpc, "add_prefix", 0, 0.002);
  b.record(Transport::kXmlRpc, "add_prefix", 0, 0.2);
  b.record(Transport::kJson, "add_prefix", 1400, 20);
  a.record(Transport::kXmlRpc, "no.such.method", 1, 0.0001);
  b.record(Transport::kRest, "search_prefix", 4242, 0.001);
  shared_->slots[3].auth_cache_hits = 7;
  shared_->slots[0].auth_cache_misses = 2;
  shared_->workers.exits[exit_cause_index(W_EXITCODE(0, SIGKILL))] += 1;
  ScrapeExtras extras;
  extras.active_workers = 4;
  extras.outbox_backlog = 12;
  const std::string text = render_metrics(*shared_, extras);
  for (const char* line :
       {"prefixd_requests_total{method=\"add_prefix\",transport=\"xmlrpc\",outcome=\"ok\"} 2\n",
        "prefixd_requests_total{method=\"add_prefix\",transport=\"json\",outcome=\"1400\"} 1\n",
        "prefixd_requests_total{method=\"unknown\",transport=\"xmlrpc\",outcome=\"1\"} 1\n",
        "prefixd_requests_total{method=\"search_prefix\",transport=\"rest\",outcome=\"other\"} 1\n",
        "prefixd_request_duration_seconds_bucket{method=\"add_prefix\",le=\"0.0025\"} 1\n",
        "prefixd_request_duration_seconds_bucket{method=\"add_prefix\",le=\"0.25\"} 2\n",
        "prefixd_request_duration_seconds_bucket{method=\"add_prefix\",le=\"10\"} 2\n",
        "prefixd_request_duration_seconds_bucket{method=\"add_prefix\",le=\"+Inf\"} 3\n",
        "prefixd_request_duration_seconds_sum{method=\"add_prefix\"} 20.202\n",
        "prefixd_request_duration_seconds_count{method=\"add_prefix\"} 3\n",
        "prefixd_auth_cache_hits_total 7\n", "prefixd_auth_cache_misses_total 2\n",
        "prefixd_workers 4\n", "prefixd_worker_exits_total{cause=\"SIGKILL\"} 1\n",
        "prefixd_worker_exits_total{cause=\"exit_ok\"} 0\n", "prefixd_events_outbox_backlog 12\n",
        "# TYPE prefixd_requests_total counter\n",
        "# TYPE prefixd_request_duration_seconds histogram\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // No sample for what never happened.
  EXPECT_EQ(text.find("method=\"list_vrf\""), std::string::npos);
}

TEST_F(MetricsText, DeltaPublisherAddsGrowthOnly) {
  DeltaPublisher p;
  Counter& c = shared_->slots[1].database_reconnects;
  p.publish(c, 3);
  p.publish(c, 3);
  p.publish(c, 5);
  EXPECT_EQ(c.load(), 5u);
  DeltaPublisher restarted;  // a new worker in the same slot continues the count
  restarted.publish(c, 1);
  EXPECT_EQ(c.load(), 6u);
}

TEST(ExitCause, StatusesAndSignals) {
  EXPECT_EQ(exit_cause_index(W_EXITCODE(0, 0)), 0);
  EXPECT_EQ(exit_cause_index(W_EXITCODE(3, 0)), 1);
  EXPECT_EQ(exit_cause_index(W_EXITCODE(0, SIGSEGV)), 2 + SIGSEGV);
}

}  // namespace
}  // namespace prefixd::api
