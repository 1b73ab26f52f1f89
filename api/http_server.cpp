#include "api/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <strings.h>
#include <unistd.h>

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
};

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

HttpServer::HttpServer(HttpLimits limits, HttpHandler handler, ConnectionObserver on_close)
    : limits_(limits), handler_(std::move(handler)), on_close_(std::move(on_close)) {
  const unsigned flags = MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TURBO;
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpServerCallbacks::on_request, this,
                             MHD_OPTION_NOTIFY_COMPLETED, &HttpServerCallbacks::on_completed, this,
                             MHD_OPTION_NOTIFY_CONNECTION, &HttpServerCallbacks::on_connection,
                             this, MHD_OPTION_CONNECTION_TIMEOUT, limits_.idle_timeout_seconds,
                             MHD_OPTION_CONNECTION_LIMIT, limits_.max_connections,
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
  MHD_run(daemon_);
}

int HttpServer::timeout_ms() const {
  MHD_UNSIGNED_LONG_LONG ms = 0;
  if (MHD_get_timeout(daemon_, &ms) != MHD_YES) return -1;
  return ms > 60000 ? 60000 : static_cast<int>(ms);
}

bool HttpServer::add_connection(int fd, const sockaddr* addr, socklen_t addrlen) {
  return MHD_add_connection(daemon_, fd, addr, addrlen) == MHD_YES;
}

void HttpServerCallbacks::on_connection(void* cls, MHD_Connection*, void**,
                                        MHD_ConnectionNotificationCode toe) {
  auto* self = static_cast<HttpServer*>(cls);
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    ++self->open_connections_;
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
    --self->open_connections_;
    if (self->on_close_) self->on_close_(-1);
  }
}

void HttpServerCallbacks::on_completed(void* cls, MHD_Connection*, void** con_cls,
                                       MHD_RequestTerminationCode) {
  auto* self = static_cast<HttpServer*>(cls);
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
  auto* state = static_cast<RequestState*>(*con_cls);
  if (state == nullptr) {
    state = new RequestState;
    *con_cls = state;
    ++self->in_flight_;
    state->url = url ? url : "";
    state->method = method ? method : "";
    state->request.connection = connection;
    const MHD_ConnectionInfo* ci =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    state->request.client_address = address_text(ci ? ci->client_addr : nullptr);
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (!state->request.body_too_large) {
      if (state->request.body.size() + *upload_data_size > self->limits_.max_body_bytes) {
        state->request.body_too_large = true;
        state->request.body.clear();
        state->request.body.shrink_to_fit();
      } else {
        state->request.body.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;  // consumed (or discarded past the limit)
    return MHD_YES;
  }

  HttpRequest& req = state->request;
  req.method = state->method;
  req.path = state->url;
  // libmicrohttpd strips the query string from `url`; the raw one is not
  // exposed, so it is rebuilt from the arguments when a front-end needs it.
  HttpResponse resp;
  self->handler_(req, resp);

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
