// SPDX-License-Identifier: MIT
// One worker's HTTP server: libmicrohttpd driven from the worker's own epoll
// loop (no threads). The worker accepts connections itself and hands them to
// add_connection(), so it decides which worker serves which connection.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct MHD_Daemon;
struct MHD_Connection;

namespace prefixd::api {

struct HttpLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  unsigned idle_timeout_seconds = 300;   // idle keep-alive connections are closed after this
  unsigned max_connections = 4096;       // per worker; past it new connections get 503
  unsigned header_timeout_seconds = 10;  // from connect (or the request line) to the last header
  unsigned body_timeout_seconds = 60;    // from the last header to the last body byte
};

// The longest request target (path and query) and the most query
// parameters served; longer ones are answered 414 at once. Both keep a
// request inside libmicrohttpd's per-connection memory, where an overflow
// would leave the connection unanswered.
inline constexpr std::size_t kMaxRequestTargetBytes = 8192;
inline constexpr std::size_t kMaxQueryParameters = 256;

struct HttpRequest {
  std::string_view method;
  std::string_view path;  // without the query string (see query_parameters)
  std::string body;
  bool body_too_large = false;  // body exceeded body_limit and was cut
  // Set by the header handler: the largest body this request may send, and
  // whether its credentials were verified.
  std::size_t body_limit = 0;
  bool authenticated = false;
  std::string client_address;
  MHD_Connection* connection = nullptr;

  // A request header (case-insensitive name), or empty when absent.
  std::string_view header(const char* name) const;
  // Every value of a header that may repeat, in arrival order, joined with ", ".
  std::string header_values(const char* name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  // The body. Handlers usually write into a buffer they reuse between
  // requests; the server copies it out before returning.
  std::string_view body;
  bool close_connection = false;
  // Send the answer this much later; the worker serves others meanwhile.
  std::chrono::milliseconds delay{0};
};

using HttpHandler = std::function<void(HttpRequest&, HttpResponse&)>;

// Once a request's headers are in and before any body byte is read: sets
// request.body_limit (and authenticated). It may instead ask for a wait:
// the request then keeps the limit set, its body is received, and after the
// wait the handler is called again (`waited` true) to set `authenticated`
// before the request is answered. Answers nothing itself.
using HeaderHandler = std::function<std::chrono::milliseconds(HttpRequest& request, bool waited)>;

class HttpServer {
 public:
  // Called with +1 / -1 as connections open and close, for load balancing.
  using ConnectionObserver = std::function<void(int delta)>;

  HttpServer(HttpLimits limits, HttpHandler handler, ConnectionObserver on_close,
             HeaderHandler on_headers = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The epoll descriptor the worker's loop waits on; call run() when readable.
  int event_fd() const;
  // Processes whatever is ready without blocking.
  void run();
  // Milliseconds until run() must be called again even if nothing is ready,
  // or -1 for no deadline.
  int timeout_ms() const;

  // Serves an accepted socket. Returns false (socket closed) on failure, and
  // when max_connections are open (after answering 503 with Retry-After).
  bool add_connection(int fd, const sockaddr* addr, socklen_t addrlen);

  // From now on every response also closes its connection.
  void set_draining() { draining_ = true; }
  // Requests received and not yet fully answered.
  std::size_t requests_in_flight() const { return in_flight_; }
  std::size_t open_connections() const { return open_connections_; }

 private:
  friend struct HttpServerCallbacks;

  void resume_due();
  void enforce_deadlines();
  void set_deadline(MHD_Connection* c, unsigned seconds);
  void schedule(MHD_Connection* c, std::chrono::milliseconds delay);

  HttpLimits limits_;
  HttpHandler handler_;
  ConnectionObserver on_close_;
  HeaderHandler on_headers_;
  MHD_Daemon* daemon_ = nullptr;
  // Header and body deadlines per connection (none while a call runs or
  // the connection idles between requests).
  std::unordered_map<MHD_Connection*, std::chrono::steady_clock::time_point> deadlines_;
  std::chrono::steady_clock::time_point next_deadline_check_{};
  // Suspended connections and when to resume them.
  std::multimap<std::chrono::steady_clock::time_point, MHD_Connection*> resumes_;
  // Consecutive loop turns in which libmicrohttpd asked to run at once and
  // had nothing to do (see timeout_ms()).
  int idle_spins_ = 0;
  std::size_t last_unread_ = 0;
  bool progressed_ = false;
  std::size_t in_flight_ = 0;
  std::size_t open_connections_ = 0;
  bool draining_ = false;
};

}  // namespace prefixd::api
