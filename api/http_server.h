// One worker's HTTP server: libmicrohttpd driven from the worker's own epoll
// loop (no threads). The worker accepts connections itself and hands them to
// add_connection(), so it decides which worker serves which connection.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct MHD_Daemon;
struct MHD_Connection;

namespace prefixd::api {

struct HttpLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  unsigned idle_timeout_seconds = 300;  // idle keep-alive connections are closed after this
  unsigned max_connections = 4096;      // per worker
};

struct HttpRequest {
  std::string_view method;
  std::string_view path;   // without the query string
  std::string_view query;  // raw, without '?'
  std::string body;
  bool body_too_large = false;  // body exceeded HttpLimits::max_body_bytes and was cut
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
};

using HttpHandler = std::function<void(HttpRequest&, HttpResponse&)>;

class HttpServer {
 public:
  // Called with +1 / -1 as connections open and close, for load balancing.
  using ConnectionObserver = std::function<void(int delta)>;

  HttpServer(HttpLimits limits, HttpHandler handler, ConnectionObserver on_close);
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

  // Serves an accepted socket. Returns false (socket closed) on failure.
  bool add_connection(int fd, const sockaddr* addr, socklen_t addrlen);

  // From now on every response also closes its connection.
  void set_draining() { draining_ = true; }
  // Requests received and not yet fully answered.
  std::size_t requests_in_flight() const { return in_flight_; }
  std::size_t open_connections() const { return open_connections_; }

 private:
  friend struct HttpServerCallbacks;

  HttpLimits limits_;
  HttpHandler handler_;
  ConnectionObserver on_close_;
  MHD_Daemon* daemon_ = nullptr;
  std::size_t in_flight_ = 0;
  std::size_t open_connections_ = 0;
  bool draining_ = false;
};

}  // namespace prefixd::api
