// SPDX-License-Identifier: MIT
// libFuzzer target: a whole HTTP request through libmicrohttpd and prefixd's
// HTTP layer in this process (a socketpair per input): framing checks, the
// header handler (credentials before the body), the /rest/v1 and /api/v1
// query, header and body decoding, the XML-RPC envelope. No database is
// reachable, so calls end at authentication with a fault, 401 or 503; what
// is checked is that every input ends, answered or closed, without a crash,
// leak or sanitizer report, and that the connection is gone afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/method_table.h"
#include "api/request_router.h"
#include "backend/db_session.h"

namespace {

using namespace prefixd;

struct Harness {
  Harness() {
    spdlog::set_default_logger(spdlog::null_logger_mt("fuzz"));
    spdlog::null_logger_mt("access")->set_level(spdlog::level::off);
  }
  // A socket path that does not exist: every connection attempt fails at once.
  DbSession db{"host=/nonexistent-prefixd-fuzz connect_timeout=1"};
  api::Authenticator authenticator{std::chrono::seconds(0)};
  api::ApiServices services{db, authenticator, api::ApiSettings{0}};
  api::RequestRouter router{services, api::XmlRpcLimits{64}, 1 << 20, nullptr};
  api::HttpServer http{
      api::HttpLimits{1 << 20, 5, 64, 5, 5},
      [this](api::HttpRequest& rq, api::HttpResponse& rs) { router.handle(rq, rs); }, nullptr,
      [this](api::HttpRequest& rq, bool waited) { return router.check_headers(rq, waited); }};
};

void drain(int fd) {
  char buf[65536];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* h = new Harness;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::size_t before = h->http.open_connections();
  if (!h->http.add_connection(sv[0], reinterpret_cast<sockaddr*>(&peer), sizeof peer)) {
    close(sv[1]);
    return 0;
  }
  std::size_t sent = 0;
  for (int turn = 0; turn < 64; ++turn) {
    if (sent < size) {
      const ssize_t n = send(sv[1], data + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    h->http.run();
    drain(sv[1]);
    if (sent == size && h->http.timeout_ms() != 0) break;
  }
  close(sv[1]);
  for (int turn = 0; turn < 64 && h->http.open_connections() > before; ++turn) h->http.run();
  return 0;
}
