#include "daemon/master.h"

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "api/metrics.h"
#include "backend/db_session.h"
#include "backend/migrations.h"
#include "backend/version.h"
#include "daemon/event_supervisor.h"
#include "daemon/logging.h"
#include "daemon/process_title.h"
#include "daemon/worker.h"
#include "daemon/worker_slots.h"

namespace prefixd::daemon {

namespace {

using Clock = std::chrono::steady_clock;

class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

// systemd's readiness protocol (sd_notify(3)) spoken directly: one datagram
// per state change to $NOTIFY_SOCKET, a socket path or, after '@', an
// abstract name. Without NOTIFY_SOCKET it does nothing.
class Notifier {
 public:
  Notifier() {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path != nullptr && (path[0] == '/' || path[0] == '@') &&
        std::strlen(path) < sizeof(sockaddr_un::sun_path)) {
      path_ = path;
    }
    // The workers must not speak for the service.
    unsetenv("NOTIFY_SOCKET");
  }
  bool enabled() const { return !path_.empty(); }

  void send(const std::string& message) const {
    if (path_.empty()) return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (path_[0] == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&addr), length) < 0) {
      spdlog::warn("cannot notify the service manager at {}: {}", path_, errno_text());
    }
    if (fd >= 0) close(fd);
  }

 private:
  std::string path_;
};

std::string monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

// True when GET /healthz on the daemon's own listen address answers 200.
bool health_ok(const ListenAddress& listen) {
  std::string host = listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(listen.port).c_str(), &hints, &res) != 0) {
    return false;
  }
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool ok = false;
  if (fd >= 0) {
    const timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const std::string request = "GET /healthz HTTP/1.0\r\nHost: " + listen.text() +
                                "\r\nUser-Agent: prefixd-master\r\n\r\n";
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
      std::string head;
      char buf[256];
      ssize_t n;
      while (head.find('\n') == std::string::npos && head.size() < 4096 &&
             (n = recv(fd, buf, sizeof buf, 0)) > 0) {
        head.append(buf, static_cast<size_t>(n));
      }
      ok = head.rfind("HTTP/1.", 0) == 0 && head.size() > 12 && head.compare(8, 5, " 200 ") == 0;
    }
    close(fd);
  }
  freeaddrinfo(res);
  return ok;
}

struct Slot {
  int listen_fd = -1;
  int handoff_receive = -1;
  int handoff_send = -1;
};

struct Child {
  pid_t pid;
  int slot;
  bool retiring = false;
  Clock::time_point started;
};

class Master {
 public:
  Master(Config config, MasterOptions options)
      : config_(std::move(config)), options_(std::move(options)) {}
  int run();

 private:
  void open_slot(int index);
  void close_slot(int index);
  std::optional<pid_t> spawn(int slot, bool wait_ready);
  void reap();
  void respawn_due();
  void reload();
  int shutdown();
  void write_pid_file();
  void drop_privileges();
  bool slot_has_live_child(int slot) const;
  void check_ready();
  void close_inherited_fds();

  Config config_;
  MasterOptions options_;
  SharedSlots* shared_ = nullptr;
  api::SharedMetrics* metrics_ = nullptr;
  int metrics_fd_ = -1;  // metrics.listen, shared by every worker
  EventSupervisor events_{[this] { close_inherited_fds(); }};
  api::AuthThrottle::Table* throttle_table_ = nullptr;
  std::vector<Slot> slots_;
  std::vector<Child> children_;
  std::map<int, Clock::time_point> respawn_at_;
  std::map<int, std::chrono::milliseconds> backoff_;
  int pid_fd_ = -1;
  Notifier notifier_;
  bool ready_ = false;
  Clock::time_point next_health_check_;
  std::chrono::milliseconds health_interval_{100};
};

// READY=1 goes out once the workers serve and /healthz answers 200 (a
// worker reaches the database); until then /healthz is polled with growing
// pauses, so a database that is still starting delays readiness, not start-up.
void Master::check_ready() {
  if (ready_ || !notifier_.enabled() || Clock::now() < next_health_check_) return;
  // Every worker must reach the database, not just the one that happens to
  // answer the master's own /healthz request.
  bool all_ok = true;
  for (int i = 0; i < shared_->active_slots.load(); ++i) {
    all_ok = all_ok && shared_->slots[i].database_ok.load() == 1;
  }
  if (all_ok && health_ok(config_.listen)) {
    ready_ = true;
    spdlog::info("ready: /healthz answers 200");
    notifier_.send("READY=1\nMAINPID=" + std::to_string(getpid()) + "\nSTATUS=serving on http://" +
                   config_.listen.text() + " with " + std::to_string(shared_->active_slots.load()) +
                   " worker(s)");
    return;
  }
  if (health_interval_ == std::chrono::milliseconds(100)) {
    notifier_.send("STATUS=waiting for /healthz to answer 200 (is the database reachable?)");
  }
  next_health_check_ = Clock::now() + health_interval_;
  health_interval_ = std::min(health_interval_ * 3 / 2, std::chrono::milliseconds(2000));
}

// In a non-worker child: the master's sockets and pid file must not stay
// open there (a retired slot's socket would keep queueing connections).
void Master::close_inherited_fds() {
  for (Slot& s : slots_) {
    for (int fd : {s.listen_fd, s.handoff_receive, s.handoff_send}) {
      if (fd >= 0) close(fd);
    }
  }
  if (metrics_fd_ >= 0) close(metrics_fd_);
  if (pid_fd_ >= 0) close(pid_fd_);
}

void Master::open_slot(int index) {
  if (static_cast<int>(slots_.size()) <= index) slots_.resize(index + 1);
  Slot& s = slots_[index];
  if (s.listen_fd >= 0) return;
  s.listen_fd = bind_listener(config_.listen);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
    throw StartupError("socketpair: " + errno_text());
  }
  s.handoff_receive = pair[0];
  s.handoff_send = pair[1];
  shared_->slots[index].connections.store(0);
  shared_->slots[index].accepting_pid.store(0);
  shared_->slots[index].database_ok.store(0);
}

void Master::close_slot(int index) {
  Slot& s = slots_[index];
  for (int* fd : {&s.listen_fd, &s.handoff_receive, &s.handoff_send}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  shared_->slots[index].connections.store(0);
  shared_->slots[index].accepting_pid.store(0);
}

bool Master::slot_has_live_child(int slot) const {
  return std::any_of(children_.begin(), children_.end(),
                     [&](const Child& c) { return c.slot == slot; });
}

std::optional<pid_t> Master::spawn(int slot, bool wait_ready) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    spdlog::error("pipe: {}", errno_text());
    return std::nullopt;
  }
  const pid_t master = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("fork: {}", errno_text());
    close(ready[0]);
    close(ready[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    close(ready[0]);
    if (pid_fd_ >= 0) close(pid_fd_);
    WorkerSetup setup;
    setup.slot = slot;
    setup.shared = shared_;
    setup.throttle_table = throttle_table_;
    setup.ready_fd = ready[1];
    setup.master_pid = master;
    setup.metrics = metrics_;
    setup.metrics_listen_fd = metrics_fd_;
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) {
      Slot& s = slots_[i];
      setup.handoff_send_fds.push_back(s.handoff_send);
      if (i == slot) {
        setup.listen_fd = s.listen_fd;
        setup.handoff_receive_fd = s.handoff_receive;
      } else {
        // A sibling's socket must die with the master's copy when its slot
        // is retired, so workers do not keep it open.
        if (s.listen_fd >= 0) close(s.listen_fd);
        if (s.handoff_receive >= 0) close(s.handoff_receive);
      }
    }
    run_worker(config_, setup);
  }
  close(ready[1]);
  children_.push_back(Child{pid, slot, false, Clock::now()});
  metrics_->workers.started.fetch_add(1, std::memory_order_relaxed);
  metrics_->use_slot(slot);
  spdlog::info("started worker {} in slot {}", pid, slot);
  bool ok = true;
  if (wait_ready) {
    pollfd p{ready[0], POLLIN, 0};
    char byte;
    ok = poll(&p, 1, 15000) == 1 && read(ready[0], &byte, 1) == 1;
    if (!ok) spdlog::error("worker {} in slot {} did not become ready", pid, slot);
  }
  close(ready[0]);
  if (!ok) return std::nullopt;
  return pid;
}

void Master::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (events_.reaped(pid, status)) continue;
    auto it = std::find_if(children_.begin(), children_.end(),
                           [&](const Child& c) { return c.pid == pid; });
    if (it == children_.end()) continue;
    const Child child = *it;
    children_.erase(it);
    metrics_->workers.exits[api::exit_cause_index(status)].fetch_add(1, std::memory_order_relaxed);
    std::string how =
        WIFEXITED(status)     ? "exited with status " + std::to_string(WEXITSTATUS(status))
        : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                    strsignal(WTERMSIG(status)) + ")"
                              : "stopped";
    const bool expected = child.retiring;
    if (expected) {
      spdlog::info("worker {} (slot {}) {}", pid, child.slot, how);
    } else {
      spdlog::error("worker {} (slot {}) {}", pid, child.slot, how);
    }
    const int active = shared_->active_slots.load();
    if (!slot_has_live_child(child.slot)) {
      auto& gauges = metrics_->slots[child.slot];
      gauges.in_flight.store(0);
      gauges.pid.store(0);
      gauges.resident_bytes.store(0);
      shared_->slots[child.slot].connections.store(0);
      shared_->slots[child.slot].accepting_pid.store(0);
      if (child.slot >= active) close_slot(child.slot);
    }
    if (!expected && child.slot < active && !slot_has_live_child(child.slot)) {
      // A worker that dies soon after starting is restarted with growing
      // delays, so a persistent fault does not become a fork storm.
      auto& backoff = backoff_[child.slot];
      if (Clock::now() - child.started < std::chrono::seconds(5)) {
        backoff = std::clamp(backoff * 2, std::chrono::milliseconds(250),
                             std::chrono::milliseconds(30000));
      } else {
        backoff = std::chrono::milliseconds(0);
      }
      respawn_at_[child.slot] = Clock::now() + backoff;
      if (backoff.count() > 0) {
        spdlog::warn("restarting slot {} in {} ms", child.slot, backoff.count());
      }
    }
  }
}

void Master::respawn_due() {
  events_.restart_due();
  const auto now = Clock::now();
  for (auto it = respawn_at_.begin(); it != respawn_at_.end();) {
    if (it->second <= now) {
      const int slot = it->first;
      it = respawn_at_.erase(it);
      if (slot < shared_->active_slots.load() && !slot_has_live_child(slot)) spawn(slot, false);
    } else {
      ++it;
    }
  }
}

void Master::reload() {
  Config next;
  try {
    next = options_.reload();
  } catch (const std::exception& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    return;
  }
  const auto metrics_port = [](const Config& c) {
    return c.metrics_enabled && c.metrics_listen ? c.metrics_listen->text() : std::string();
  };
  if (next.listen.text() != config_.listen.text() || next.user != config_.user ||
      next.group != config_.group || next.pid_file != config_.pid_file ||
      metrics_port(next) != metrics_port(config_)) {
    spdlog::warn(
        "listen, user, group, pid_file and metrics.listen changes take effect only after a "
        "restart");
    next.listen = config_.listen;
    next.user = config_.user;
    next.group = config_.group;
    next.pid_file = config_.pid_file;
    next.metrics_listen = config_.metrics_listen;
    if (metrics_fd_ >= 0) next.metrics_enabled = true;
  }
  const int old_count = shared_->active_slots.load();
  const int new_count = next.effective_workers();
  config_ = next;
  setup_logging(config_, "master");
  events_.reload(config_);
  spdlog::info("reloading: replacing {} worker(s) with {}", old_count, new_count);
  // Replace one slot at a time: the new worker shares the slot's socket and
  // is serving before the old one drains, so no queued connection is lost.
  for (int slot = 0; slot < new_count; ++slot) {
    std::vector<pid_t> old;
    for (const auto& c : children_) {
      if (c.slot == slot && !c.retiring) old.push_back(c.pid);
    }
    if (slot >= old_count) {
      try {
        open_slot(slot);
      } catch (const std::exception& e) {
        spdlog::error("cannot add worker slot {}: {}", slot, e.what());
        break;
      }
      shared_->active_slots.store(slot + 1);
    }
    if (!spawn(slot, true)) {
      spdlog::error("reload stopped at slot {}: the new worker did not start", slot);
      return;
    }
    for (auto& c : children_) {
      if (std::find(old.begin(), old.end(), c.pid) != old.end()) {
        c.retiring = true;
        kill(c.pid, SIGTERM);
      }
    }
  }
  if (new_count < old_count) {
    shared_->active_slots.store(new_count);
    for (auto& c : children_) {
      if (c.slot >= new_count && !c.retiring) {
        c.retiring = true;
        kill(c.pid, SIGTERM);
      }
    }
    // The master's copies go now; each socket closes when its worker exits.
    for (int slot = new_count; slot < old_count; ++slot) {
      if (!slot_has_live_child(slot)) close_slot(slot);
    }
  }
  spdlog::info("reload complete: {} worker(s)", new_count);
}

int Master::shutdown() {
  spdlog::info("shutting down: draining {} worker(s)", children_.size());
  events_.terminate();
  for (auto& c : children_) {
    c.retiring = true;
    kill(c.pid, SIGTERM);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(config_.shutdown_timeout + 5);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  while (!children_.empty() || events_.alive()) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      events_.kill_all();
      for (auto& c : children_) {
        spdlog::warn("worker {} did not drain in time, killing it", c.pid);
        kill(c.pid, SIGKILL);
      }
      while (!children_.empty()) {
        waitpid(children_.back().pid, nullptr, 0);
        children_.pop_back();
      }
      break;
    }
    timespec ts{0, 100 * 1000 * 1000};
    sigtimedwait(&chld, nullptr, &ts);
    reap();
  }
  if (!config_.pid_file.empty()) unlink(config_.pid_file.c_str());
  spdlog::info("stopped");
  return 0;
}

void Master::write_pid_file() {
  if (config_.pid_file.empty()) return;
  pid_fd_ = open(config_.pid_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (pid_fd_ < 0) {
    throw StartupError("cannot open pid file '" + config_.pid_file + "': " + errno_text());
  }
  if (flock(pid_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    (void)!read(pid_fd_, buf, sizeof buf - 1);
    throw StartupError("prefixd is already running (pid " + std::string(strtok(buf, "\n") ?: "?") +
                       ", pid file '" + config_.pid_file + "')");
  }
  const std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(pid_fd_, 0) != 0 || pwrite(pid_fd_, text.data(), text.size(), 0) < 0) {
    throw StartupError("cannot write pid file '" + config_.pid_file + "': " + errno_text());
  }
}

void Master::drop_privileges() {
  if (config_.user.empty()) return;
  const passwd* pw = getpwnam(config_.user.c_str());
  if (pw == nullptr) throw StartupError("unknown user '" + config_.user + "' (key user)");
  gid_t gid = pw->pw_gid;
  if (!config_.group.empty()) {
    const group* gr = getgrnam(config_.group.c_str());
    if (gr == nullptr) throw StartupError("unknown group '" + config_.group + "' (key group)");
    gid = gr->gr_gid;
  }
  if (geteuid() != 0) {
    if (geteuid() == pw->pw_uid) return;  // already that user
    throw StartupError("configured to run as user '" + config_.user +
                       "' but not started as root, so privileges cannot be changed");
  }
  if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0) {
    throw StartupError("cannot switch to user '" + config_.user + "': " + errno_text());
  }
  spdlog::info("running as user {} (uid {}, gid {})", config_.user, pw->pw_uid, gid);
}

int Master::run() {
  signal(SIGPIPE, SIG_IGN);
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&handled, s);
  sigprocmask(SIG_BLOCK, &handled, nullptr);

  const int count = config_.effective_workers();
  try {
    shared_ = map_shared_slots();
    metrics_ = api::map_shared_metrics();
    throttle_table_ = api::AuthThrottle::create_shared_table();
    for (int i = 0; i < count; ++i) open_slot(i);
    if (config_.metrics_enabled && config_.metrics_listen) {
      metrics_fd_ = bind_listener(*config_.metrics_listen);
    }
    if (!options_.foreground) {
      // Detach only now, so that a bad address is reported on the terminal.
      if (::daemon(0, 0) != 0) throw StartupError("cannot daemonize: " + errno_text());
      setup_logging(config_, "master", true);
    }
    write_pid_file();
    drop_privileges();
  } catch (const StartupError& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  set_process_title("prefixd: master (" + config_.listen.text() + ")");

  // A schema this binary does not know is a deployment mistake worth
  // stopping for; an unreachable database is an outage the workers ride out.
  bool triggers_set = false;
  try {
    pqxx::connection conn(config_.conninfo());
    const std::string problem = schema_problem(read_schema_state(conn));
    if (!problem.empty()) {
      spdlog::critical("cannot serve this database: {}", problem);
      return 1;
    }
    // As nipapd: the change-event triggers follow events.kafka.enabled
    // before the first call is served.
    triggers_set = apply_event_triggers(conn, config_.events_enabled);
  } catch (const std::exception& e) {
    spdlog::warn("database not reachable at start-up, workers will keep trying: {}", e.what());
  }

  shared_->active_slots.store(count);
  for (int i = 0; i < count; ++i) spawn(i, true);
  events_.start(config_, triggers_set, metrics_);
  spdlog::info("prefixd {} serving on http://{} with {} worker(s)", prefixd::kVersion,
               config_.listen.text(), count);

  check_ready();
  for (;;) {
    timespec ts{0, (ready_ || !notifier_.enabled() ? 200 : 50) * 1000 * 1000};
    siginfo_t info;
    const int sig = sigtimedwait(&handled, &info, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      notifier_.send("STOPPING=1\nSTATUS=draining");
      return shutdown();
    }
    if (sig == SIGHUP) {
      // Not yet ready: systemd still waits for the first READY=1.
      if (ready_) notifier_.send("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
      reload();
      if (ready_) {
        notifier_.send("READY=1\nSTATUS=serving on http://" + config_.listen.text() + " with " +
                       std::to_string(shared_->active_slots.load()) + " worker(s)");
      }
    }
    reap();
    respawn_due();
    check_ready();
  }
}

}  // namespace

int run_master(const Config& config, const MasterOptions& options) {
  Master master(config, options);
  return master.run();
}

}  // namespace prefixd::daemon
