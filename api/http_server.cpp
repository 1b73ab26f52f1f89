// SPDX-License-Identifier: MIT
#include "api/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace prefixd::api {

namespace {

// Per-request state, kept in libmicrohttpd's connection context because the
// access handler is called several times per request (headers, body chunks,
// final call).
struct RequestState {
  HttpRequest request;
  std::string url;
  std::string method;
  bool headers_checked = false;  // the header handler has set the body limit
  // The header handler asked for a wait: it runs again once the body is in
  // and the wait is over (a suspension is only safe to resume there).
  std::chrono::milliseconds wait{0};
  bool waited = false;
  bool refused = false;  // answered before its body was read
  bool answered = false;
  // A delayed answer, kept while its connection is suspended.
  std::unique_ptr<HttpResponse> pending;
  std::string pending_body;
};

constexpr std::string_view kServiceUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
    "Content-Length: 37\r\nConnection: close\r\n\r\nprefixd: too many connections, retry\n";
constexpr std::string_view kUriTooLong =
    "HTTP/1.1 414 URI Too Long\r\nContent-Type: text/plain\r\nContent-Length: 48\r\n"
    "Connection: close\r\n\r\nprefixd: request target or query string too long\n";

// Best effort: the socket is new or between requests, so nothing of
// libmicrohttpd's is interleaved; a client that does not read loses it.
void send_canned(int fd, std::string_view text) {
  (void)!send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

int connection_fd(MHD_Connection* c) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info ? info->connect_fd : -1;
}

// Ends a connection libmicrohttpd may not be reading any more (its buffer
// full): the socket is shut, and the connection's own timeout is cut to a
// second so libmicrohttpd closes it even if it never reads again.
void kill_connection(MHD_Connection* c) {
  const int fd = connection_fd(c);
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
  MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) return "";
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  } else {
    return "local";
  }
  return buf;
}

}  // namespace

struct HttpServerCallbacks {
  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char* version, const char* upload_data,
                               size_t* upload_data_size, void** con_cls);
  static void on_completed(void* cls, MHD_Connection* connection, void** con_cls,
                           MHD_RequestTerminationCode toe);
  static void on_connection(void* cls, MHD_Connection* connection, void** socket_context,
                            MHD_ConnectionNotificationCode toe);
  static void* on_uri(void* cls, const char* uri, MHD_Connection* connection);
  static MHD_Result first_call(HttpServer* self, RequestState* state, MHD_Connection* connection);
  static MHD_Result answer(HttpServer* self, RequestState* state, MHD_Connection* connection);
  static MHD_Result queue(HttpServer* self, MHD_Connection* connection, const HttpResponse& resp);
};

std::string_view HttpRequest::header(const char* name) const {
  const char* v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  return v ? std::string_view(v) : std::string_view();
}

std::string HttpRequest::header_values(const char* name) const {
  struct Collect {
    const char* name;
    std::string out;
  } collect{name, {}};
  MHD_get_connection_values(
      connection, MHD_HEADER_KIND,
      [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
        auto* c = static_cast<Collect*>(cls);
        if (key != nullptr && value != nullptr && strcasecmp(key, c->name) == 0) {
          if (!c->out.empty()) c->out += ", ";
          c->out += value;
        }
        return MHD_YES;
      },
      &collect);
  return collect.out;
}

HttpServer::HttpServer(HttpLimits limits, HttpHandler handler, ConnectionObserver on_close,
                       HeaderHandler on_headers)
    : limits_(limits),
      handler_(std::move(handler)),
      on_close_(std::move(on_close)),
      on_headers_(std::move(on_headers)) {
  const unsigned flags =
      MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
  // libmicrohttpd's own connection limit sits above ours, so that the 503
  // of add_connection() is what a client past the limit sees.
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpServerCallbacks::on_request, this,
                             MHD_OPTION_NOTIFY_COMPLETED, &HttpServerCallbacks::on_completed, this,
                             MHD_OPTION_NOTIFY_CONNECTION, &HttpServerCallbacks::on_connection,
                             this, MHD_OPTION_URI_LOG_CALLBACK, &HttpServerCallbacks::on_uri, this,
                             MHD_OPTION_CONNECTION_TIMEOUT, limits_.idle_timeout_seconds,
                             MHD_OPTION_CONNECTION_LIMIT, limits_.max_connections + 64,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),
                             MHD_OPTION_END);
  if (daemon_ == nullptr) throw std::runtime_error("cannot start the HTTP server");
}

HttpServer::~HttpServer() {
  if (daemon_) MHD_stop_daemon(daemon_);
}

int HttpServer::event_fd() const {
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
  return info ? info->epoll_fd : -1;
}

void HttpServer::run() {
  resume_due();
  progressed_ = false;
  MHD_run(daemon_);
  if (progressed_) {
    idle_spins_ = 0;
  } else {
    // No callback ran; libmicrohttpd may still have read (a header that
    // grows its buffer step by step). What its sockets hold tells.
    std::size_t unread = 0;
    for (const auto& [connection, deadline] : deadlines_) {
      int n = 0;
      const int fd = connection_fd(connection);
      if (fd >= 0 && ioctl(fd, FIONREAD, &n) == 0) unread += static_cast<std::size_t>(n);
    }
    idle_spins_ = unread == last_unread_ ? idle_spins_ + 1 : 0;
    last_unread_ = unread;
  }
  enforce_deadlines();
}

int HttpServer::timeout_ms() const {
  using namespace std::chrono;
  MHD_UNSIGNED_LONG_LONG ms = 0;
  long long wait = MHD_get_timeout(daemon_, &ms) == MHD_YES ? static_cast<long long>(ms) : -1;
  // libmicrohttpd 0.9.75 keeps a connection whose read buffer is full (a
  // chunk line longer than the connection's memory) in its ready list
  // without reading from it or answering, so it asks to be run at once,
  // forever. When a turn changed nothing, the worker sleeps instead until
  // a socket is ready or a deadline (which ends such a connection) is due.
  if (wait == 0 && idle_spins_ >= 2) wait = 50;
  const auto now = steady_clock::now();
  auto until = [&](steady_clock::time_point t) {
    const long long left = duration_cast<milliseconds>(t - now).count() + 1;
    if (wait < 0 || left < wait) wait = left < 0 ? 0 : left;
  };
  if (!resumes_.empty()) until(resumes_.begin()->first);
  if (!deadlines_.empty()) until(next_deadline_check_);
  return wait > 60000 ? 60000 : static_cast<int>(wait);
}

bool HttpServer::add_connection(int fd, const sockaddr* addr, socklen_t addrlen) {
  if (open_connections_ >= limits_.max_connections) {
    send_canned(fd, kServiceUnavailable);
    close(fd);
    return false;
  }
  // Counted here, not when libmicrohttpd reports the start: with
  // suspend/resume enabled it may take the connection over only at its next
  // run, after the worker accepted more.
  if (MHD_add_connection(daemon_, fd, addr, addrlen) != MHD_YES) return false;
  ++open_connections_;
  return true;
}

void HttpServer::schedule(MHD_Connection* c, std::chrono::milliseconds delay) {
  MHD_suspend_connection(c);
  resumes_.emplace(std::chrono::steady_clock::now() + delay, c);
}

void HttpServer::resume_due() {
  const auto now = std::chrono::steady_clock::now();
  while (!resumes_.empty() && resumes_.begin()->first <= now) {
    MHD_resume_connection(resumes_.begin()->second);
    resumes_.erase(resumes_.begin());
  }
}

void HttpServer::set_deadline(MHD_Connection* c, unsigned seconds) {
  if (seconds == 0) {
    deadlines_.erase(c);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (deadlines_.empty()) next_deadline_check_ = now + std::chrono::milliseconds(250);
  deadlines_[c] = now + std::chrono::seconds(seconds);
}

void HttpServer::enforce_deadlines() {
  const auto now = std::chrono::steady_clock::now();
  // Checked four times a second, not per event: a deadline is seconds long.
  if (deadlines_.empty() || now < next_deadline_check_) return;
  next_deadline_check_ = now + std::chrono::milliseconds(250);
  for (auto it = deadlines_.begin(); it != deadlines_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const MHD_ConnectionInfo* ci =
        MHD_get_connection_info(it->first, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    spdlog::info("{}: request not received within its deadline; connection closed",
                 address_text(ci ? ci->client_addr : nullptr));
    kill_connection(it->first);
    it = deadlines_.erase(it);
  }
}

void HttpServerCallbacks::on_connection(void* cls, MHD_Connection* connection, void**,
                                        MHD_ConnectionNotificationCode toe) {
  auto* self = static_cast<HttpServer*>(cls);
  self->progressed_ = true;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    self->set_deadline(connection, self->limits_.header_timeout_seconds);
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
    --self->open_connections_;
    self->deadlines_.erase(connection);
    for (auto it = self->resumes_.begin(); it != self->resumes_.end();) {
      it = it->second == connection ? self->resumes_.erase(it) : std::next(it);
    }
    if (self->on_close_) self->on_close_(-1);
  }
}

// Called with the request target before libmicrohttpd splits its query
// into arguments (which an overlong one would overflow): the request starts
// here, so its header deadline does too.
void* HttpServerCallbacks::on_uri(void* cls, const char* uri, MHD_Connection* connection) {
  auto* self = static_cast<HttpServer*>(cls);
  self->progressed_ = true;
  auto* state = new RequestState;
  ++self->in_flight_;
  const std::string_view target(uri ? uri : "");
  std::size_t parameters = 0;
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    parameters = 1;
    for (char c : target.substr(q)) parameters += c == '&' || c == ';';
  }
  if (target.size() > kMaxRequestTargetBytes || parameters > kMaxQueryParameters) {
    state->refused = true;
    const int fd = connection_fd(connection);
    if (fd >= 0) send_canned(fd, kUriTooLong);
    kill_connection(connection);
    self->deadlines_.erase(connection);
    return state;
  }
  if (self->deadlines_.find(connection) == self->deadlines_.end()) {
    self->set_deadline(connection, self->limits_.header_timeout_seconds);
  }
  return state;
}

void HttpServerCallbacks::on_completed(void* cls, MHD_Connection* connection, void** con_cls,
                                       MHD_RequestTerminationCode) {
  auto* self = static_cast<HttpServer*>(cls);
  self->progressed_ = true;
  // Between requests only the idle timeout applies.
  self->deadlines_.erase(connection);
  auto* state = static_cast<RequestState*>(*con_cls);
  if (state) {
    delete state;
    *con_cls = nullptr;
    --self->in_flight_;
  }
}

MHD_Result HttpServerCallbacks::on_request(void* cls, MHD_Connection* connection, const char* url,
                                           const char* method, const char*, const char* upload_data,
                                           size_t* upload_data_size, void** con_cls) {
  auto* self = static_cast<HttpServer*>(cls);
  self->progressed_ = true;
  auto* state = static_cast<RequestState*>(*con_cls);
  if (state == nullptr) {  // no request target seen (cannot happen; be safe)
    state = new RequestState;
    *con_cls = state;
    ++self->in_flight_;
  }
  if (state->refused) return MHD_NO;
  if (state->answered) {
    // Resumed with its delayed answer.
    if (state->pending) {
      const std::unique_ptr<HttpResponse> resp = std::move(state->pending);
      resp->body = state->pending_body;
      return queue(self, connection, *resp);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (state->url.empty()) {
    state->url = url ? url : "";
    state->method = method ? method : "";
    state->request.connection = connection;
    state->request.method = state->method;
    state->request.path = state->url;
    const MHD_ConnectionInfo* ci =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    state->request.client_address = address_text(ci ? ci->client_addr : nullptr);
    self->set_deadline(connection, self->limits_.body_timeout_seconds);
  }
  if (!state->headers_checked) return first_call(self, state, connection);
  if (*upload_data_size > 0) {
    HttpRequest& req = state->request;
    if (!req.body_too_large) {
      if (req.body.size() + *upload_data_size > req.body_limit) {
        req.body_too_large = true;
        req.body.clear();
        req.body.shrink_to_fit();
        // Without verified credentials nothing more is received.
        if (!req.authenticated) {
          spdlog::info("{}: unauthenticated body over {} bytes; connection closed",
                       req.client_address, req.body_limit);
          state->refused = true;
          return MHD_NO;
        }
      } else {
        req.body.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;  // consumed (or discarded past the limit)
    return MHD_YES;
  }
  return answer(self, state, connection);
}

// The headers are in, no body byte has been read: framing checks, then the
// header handler (credentials, body limit), then perhaps an answer at once.
MHD_Result HttpServerCallbacks::first_call(HttpServer* self, RequestState* state,
                                           MHD_Connection* connection) {
  HttpRequest& req = state->request;
  {
    // Two framings a proxy and prefixd could read differently (request
    // smuggling): refused, and the connection closed.
    std::size_t lengths = 0;
    MHD_get_connection_values(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char*) -> MHD_Result {
          if (key != nullptr && strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
            ++*static_cast<std::size_t*>(cls);
          }
          return MHD_YES;
        },
        &lengths);
    const bool chunked = !req.header(MHD_HTTP_HEADER_TRANSFER_ENCODING).empty();
    if (lengths > 1 || (lengths == 1 && chunked)) {
      HttpResponse resp;
      resp.status = 400;
      resp.content_type = "text/plain";
      resp.body = lengths > 1 ? "prefixd: more than one Content-Length\n"
                              : "prefixd: both Content-Length and Transfer-Encoding\n";
      resp.close_connection = true;
      state->answered = true;
      return queue(self, connection, resp);
    }
  }
  req.body_limit = self->limits_.max_body_bytes;
  req.authenticated = true;
  if (self->on_headers_) state->wait = self->on_headers_(req, false);
  state->headers_checked = true;
  self->set_deadline(connection, self->limits_.body_timeout_seconds);
  // A declared length over the limit is answered now, unread.
  const std::string_view length = req.header(MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!length.empty()) {
    unsigned long long declared = 0;
    bool digits = true;
    for (char c : length) {
      if (c < '0' || c > '9' || declared > (1ULL << 50)) {
        digits = false;
        break;
      }
      declared = declared * 10 + static_cast<unsigned>(c - '0');
    }
    if (digits && declared > req.body_limit) {
      req.body_too_large = true;
      return answer(self, state, connection);
    }
  }
  return MHD_YES;
}

MHD_Result HttpServerCallbacks::answer(HttpServer* self, RequestState* state,
                                       MHD_Connection* connection) {
  self->deadlines_.erase(connection);
  if (state->wait.count() > 0) {
    // Called again when resumed, the body complete.
    self->schedule(connection, state->wait);
    state->wait = std::chrono::milliseconds(0);
    state->waited = true;
    return MHD_YES;
  }
  if (state->waited && self->on_headers_) {
    state->waited = false;
    self->on_headers_(state->request, true);
  }
  state->answered = true;
  HttpResponse resp;
  self->handler_(state->request, resp);
  if (state->request.body_too_large) resp.close_connection = true;
  if (resp.delay.count() > 0) {
    state->pending = std::make_unique<HttpResponse>(resp);
    state->pending_body.assign(resp.body.data(), resp.body.size());
    state->pending->body = {};
    self->schedule(connection, resp.delay);
    return MHD_YES;
  }
  return queue(self, connection, resp);
}

MHD_Result HttpServerCallbacks::queue(HttpServer* self, MHD_Connection* connection,
                                      const HttpResponse& resp) {
  MHD_Response* response = MHD_create_response_from_buffer(
      resp.body.size(), const_cast<char*>(resp.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp.content_type.empty()) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type.c_str());
  }
  for (const auto& [name, value] : resp.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  if (resp.close_connection || self->draining_) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  }
  const MHD_Result rc =
      MHD_queue_response(connection, static_cast<unsigned>(resp.status), response);
  MHD_destroy_response(response);
  return rc;
}

}  // namespace prefixd::api
