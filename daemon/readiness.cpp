// SPDX-License-Identifier: MIT
#include "daemon/readiness.h"

#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace prefixd::daemon {

Notifier::Notifier() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path != nullptr && (path[0] == '/' || path[0] == '@') &&
      std::strlen(path) < sizeof(sockaddr_un::sun_path)) {
    path_ = path;
  }
  unsetenv("NOTIFY_SOCKET");
}

void Notifier::send(const std::string& message) const {
  if (path_.empty()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  if (path_[0] == '@') addr.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr), length) < 0) {
    spdlog::warn("cannot notify the service manager at {}: {}", path_, std::strerror(errno));
  }
  if (fd >= 0) close(fd);
}

std::string monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

HealthProbe::HealthProbe(const ListenAddress& listen)
    : deadline_(std::chrono::steady_clock::now() + std::chrono::seconds(2)) {
  std::string host = listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  request_ =
      "GET /healthz HTTP/1.0\r\nHost: " + listen.text() + "\r\nUser-Agent: prefixd-master\r\n\r\n";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(listen.port).c_str(), &hints, &res) != 0) {
    fail();
    return;
  }
  fd_ = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || (connect(fd_, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS)) {
    fail();
  }
  freeaddrinfo(res);
}

HealthProbe::~HealthProbe() {
  if (fd_ >= 0) close(fd_);
}

short HealthProbe::events() const {
  return step_ == Step::kReading ? POLLIN : POLLOUT;
}

HealthProbe::State HealthProbe::fail() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return state_ = State::kFailed;
}

HealthProbe::State HealthProbe::advance(short revents) {
  if (state_ != State::kRunning) return state_;
  if (std::chrono::steady_clock::now() >= deadline_) return fail();
  if (revents & (POLLERR | POLLNVAL)) return fail();
  if (step_ == Step::kConnecting && (revents & POLLOUT)) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return fail();
    step_ = Step::kSending;
  }
  if (step_ == Step::kSending && (revents & POLLOUT)) {
    const ssize_t n = ::send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return fail();
    if (n > 0) sent_ += static_cast<std::size_t>(n);
    if (sent_ == request_.size()) step_ = Step::kReading;
    return state_;
  }
  if (step_ == Step::kReading && (revents & (POLLIN | POLLHUP))) {
    char buf[256];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return state_;
    if (n > 0) head_.append(buf, static_cast<std::size_t>(n));
    if (head_.find('\n') == std::string::npos && head_.size() < 4096 && n > 0) return state_;
    const bool ok =
        head_.rfind("HTTP/1.", 0) == 0 && head_.size() > 12 && head_.compare(8, 5, " 200 ") == 0;
    close(fd_);
    fd_ = -1;
    return state_ = ok ? State::kOk : State::kFailed;
  }
  return state_;
}

}  // namespace prefixd::daemon
