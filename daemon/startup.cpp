// SPDX-License-Identifier: MIT
#include "daemon/startup.h"

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace prefixd::daemon {

std::string errno_text() {
  return std::strerror(errno);
}

int bind_listener(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(address.port);
  if (int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    throw StartupError("cannot resolve listen address " + address.text() + ": " + gai_strerror(rc));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Each worker slot gets its own socket in one reuseport group, so the
    // kernel spreads connections over the workers' accept queues.
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
    const std::string why = errno_text();
    freeaddrinfo(res);
    if (fd >= 0) close(fd);
    throw StartupError("cannot listen on " + address.text() + ": " + why);
  }
  freeaddrinfo(res);
  return fd;
}

int write_pid_file(const std::string& path) {
  if (path.empty()) return -1;
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw StartupError("cannot open pid file '" + path + "': " + errno_text());
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!read(fd, buf, sizeof buf - 1);
    throw StartupError("prefixd is already running (pid " + std::string(strtok(buf, "\n") ?: "?") +
                       ", pid file '" + path + "')");
  }
  const std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    throw StartupError("cannot write pid file '" + path + "': " + errno_text());
  }
  return fd;
}

void drop_privileges(const std::string& user, const std::string& group_name) {
  if (user.empty()) return;
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) throw StartupError("unknown user '" + user + "' (key user)");
  gid_t gid = pw->pw_gid;
  if (!group_name.empty()) {
    const group* gr = getgrnam(group_name.c_str());
    if (gr == nullptr) throw StartupError("unknown group '" + group_name + "' (key group)");
    gid = gr->gr_gid;
  }
  if (geteuid() != 0) {
    if (geteuid() == pw->pw_uid) return;  // already that user
    throw StartupError("configured to run as user '" + user +
                       "' but not started as root, so privileges cannot be changed");
  }
  if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0) {
    throw StartupError("cannot switch to user '" + user + "': " + errno_text());
  }
  spdlog::info("running as user {} (uid {}, gid {})", user, pw->pw_uid, gid);
}

}  // namespace prefixd::daemon
