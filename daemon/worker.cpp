// SPDX-License-Identifier: MIT
#include "daemon/worker.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>

#include "api/cached_call.h"
#include "api/http_server.h"
#include "api/metrics_endpoint.h"
#include "api/request_router.h"
#include "backend/db_session.h"
#include "daemon/child_process.h"
#include "daemon/logging.h"
#include "daemon/process_title.h"

namespace prefixd::daemon {

SharedSlots* map_shared_slots() {
  void* p =
      mmap(nullptr, sizeof(SharedSlots), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  return new (p) SharedSlots();
}

namespace {

enum : uint64_t {
  kListen = 1,
  kHandoff = 2,
  kHttp = 3,
  kSignal = 4,
  kMetricsListen = 5,
  kMetricsHttp = 6
};

std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<std::int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// SIGTERM while the worker connects to the database outside any call (that
// blocks for up to database.connect_timeout): with nothing in flight there is
// nothing to drain, so the worker ends at once; otherwise the drain starts
// when the attempt is over.
volatile sig_atomic_t exit_on_term = 0;
volatile sig_atomic_t term_while_connecting = 0;

extern "C" void on_term_while_connecting(int) {
  if (exit_on_term) _exit(0);
  term_while_connecting = 1;
}

// Passes an accepted socket to a sibling worker. False if it could not be
// sent (the caller serves it itself).
bool send_connection(int channel, int fd) {
  char byte = 'c';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  return sendmsg(channel, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
}

// Receives one handed-over socket, or -1 when none is waiting.
int receive_connection(int channel) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      return fd;
    }
  }
  return -1;
}

// The listening socket, for the master-death handler.
volatile sig_atomic_t g_listen_fd = -1;
volatile sig_atomic_t g_master_gone = 0;
SlotState* g_slot = nullptr;

// The master died (PR_SET_PDEATHSIG), perhaps while a call runs: the slot's
// socket stops taking connections at once (the master held the only other
// reference, so nothing else serves from it); the loop then drains.
void on_master_death(int) {
  g_master_gone = 1;
  if (g_listen_fd >= 0) shutdown(g_listen_fd, SHUT_RDWR);
  // Siblings stop handing connections over (a lock-free atomic store).
  if (g_slot != nullptr) g_slot->accepting_pid.store(0);
}

api::ThrottleSettings throttle_settings(const Config& config) {
  api::ThrottleSettings s;
  s.free_failures_per_name = static_cast<int>(config.auth_free_failures);
  s.free_failures_per_address = static_cast<int>(std::min(config.auth_free_failures * 4, 1L << 30));
  s.max_delay = std::chrono::milliseconds(config.auth_max_failure_delay);
  s.first_delay = std::min(s.first_delay, s.max_delay);
  return s;
}

class Worker {
 public:
  Worker(const Config& config, const WorkerSetup& setup)
      : config_(config),
        setup_(setup),
        slot_(setup.shared->slots[setup.slot]),
        db_(config.worker_conninfo(), "prefixd worker " + std::to_string(setup.slot)),
        throttle_(setup.throttle_table ? *setup.throttle_table
                                       : *api::AuthThrottle::create_shared_table(),
                  throttle_settings(config)),
        authenticator_(api::AuthSettings{std::chrono::seconds(config.auth_cache_timeout),
                                         config.auth_default_backend, config.auth_backends},
                       config.auth_max_failure_delay > 0 ? &throttle_ : nullptr),
        services_{db_, authenticator_,
                  api::ApiSettings{static_cast<double>(config.max_echo_sleep),
                                   static_cast<std::size_t>(config.max_batch_calls)}},
        router_(
            services_,
            api::XmlRpcLimits{static_cast<size_t>(config.max_nesting),
                              static_cast<size_t>(config.max_values)},
            static_cast<size_t>(config.max_body_bytes), [this] { return health_detail(); },
            api::TrustedProxies(config.trusted_proxies)),
        http_(
            api::HttpLimits{static_cast<size_t>(config.max_body_bytes),
                            static_cast<unsigned>(config.idle_timeout),
                            static_cast<unsigned>(config.max_connections),
                            static_cast<unsigned>(config.header_timeout),
                            static_cast<unsigned>(config.body_timeout)},
            [this](api::HttpRequest& rq, api::HttpResponse& rs) {
              // The gauge counts this request while its handler runs (and
              // possibly blocks the loop).
              publish_in_flight();
              db_.set_deadline(std::chrono::steady_clock::now() +
                               std::chrono::seconds(config_.request_timeout));
              router_.handle(rq, rs);
              db_.set_deadline({});
            },
            [this](int delta) { slot_.connections.fetch_add(delta); },
            [this](api::HttpRequest& rq, bool waited) {
              return router_.check_headers(rq, waited);
            }) {
    set_up_cache();
    set_up_metrics();
    db_.set_reconnect_backoff(std::chrono::milliseconds(config.reconnect_backoff_min_ms),
                              std::chrono::milliseconds(config.reconnect_backoff_max_ms));
  }

  int run();

 private:
  std::string health_detail() const {
    return "\"pid\": " + std::to_string(getpid()) + ", \"slot\": " + std::to_string(setup_.slot) +
           ", \"connections\": " + std::to_string(http_.open_connections());
  }
  void accept_ready();
  void receive_handoffs();
  void connect_in_background();
  void serve_here(int fd);
  void begin_drain();
  void set_up_cache();
  void set_up_metrics();
  void publish_metrics(bool now);
  void publish_in_flight();
  void accept_metrics();

  const Config& config_;
  const WorkerSetup& setup_;
  SlotState& slot_;
  DbSession db_;
  api::AuthThrottle throttle_;
  api::Authenticator authenticator_;
  api::ApiServices services_;
  std::unique_ptr<api::CallCache> call_cache_;
  api::RequestRouter router_;
  api::HttpServer http_;
  std::unique_ptr<api::MetricsEndpoint> metrics_endpoint_;
  std::unique_ptr<api::HttpServer> metrics_http_;  // on metrics.listen
  std::string metrics_buffer_;
  api::DeltaPublisher auth_hits_, auth_misses_, db_connect_failures_, db_lost_, db_reconnects_;
  std::chrono::steady_clock::time_point next_rss_{};
  int epoll_ = -1;
  bool draining_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
};

// The cache when the master mapped it (cache.enabled at start-up). With
// the configuration (perhaps reloaded since) turning it off, writes still
// start new generations, so that turning it on again by a later reload
// cannot serve an answer older than a write this host acknowledged.
void Worker::set_up_cache() {
  if (setup_.response_cache == nullptr) return;
  api::CacheSettings settings;
  settings.enabled = config_.cache_enabled;
  settings.max_staleness_ms = config_.cache_max_staleness_ms;
  try {
    settings.excluded_methods = api::parse_excluded_methods(config_.cache_exclude_methods);
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}; the response cache stays off", e.what());
    settings.enabled = false;
  }
  call_cache_ = std::make_unique<api::CallCache>(*setup_.response_cache, db_, std::move(settings));
  services_.cache = call_cache_.get();
}

void Worker::set_up_metrics() {
  if (!config_.metrics_enabled || setup_.metrics == nullptr) return;
  metrics_endpoint_ = std::make_unique<api::MetricsEndpoint>(
      services_, *setup_.metrics,
      api::MetricsSettings{config_.metrics_require_auth, config_.events_enabled}, [this] {
        publish_metrics(true);
        api::ScrapeExtras extras;
        extras.active_workers = setup_.shared->active_slots.load();
        return extras;
      });
  const bool own_port = setup_.metrics_listen_fd >= 0;
  router_.observe(api::RequestMetrics(setup_.metrics, setup_.slot),
                  own_port ? nullptr : metrics_endpoint_.get());
  if (!own_port) return;
  metrics_http_ = std::make_unique<api::HttpServer>(
      api::HttpLimits{4096, static_cast<unsigned>(config_.idle_timeout), 64},
      [this](api::HttpRequest& rq, api::HttpResponse& rs) {
        if (rq.path == "/metrics") {
          metrics_endpoint_->handle(rq, rs, metrics_buffer_);
        } else {
          rs.status = 404;
          rs.content_type = "text/plain; charset=utf-8";
          rs.body = "only /metrics here\n";
        }
      },
      nullptr);
}

// Copies this worker's running totals and gauges into its slot's shared
// block (totals as growth, so a restarted worker continues the counts).
void Worker::publish_metrics(bool now) {
  if (setup_.metrics == nullptr) return;
  api::SlotMetrics& m = setup_.metrics->slots[setup_.slot];
  auth_hits_.publish(m.auth_cache_hits, authenticator_.cache_hits());
  auth_misses_.publish(m.auth_cache_misses, authenticator_.password_hashes());
  const auto& db = db_.counters();
  db_connect_failures_.publish(m.database_connect_failures, db.connect_failures);
  db_lost_.publish(m.database_connections_lost, db.connections_lost);
  db_reconnects_.publish(m.database_reconnects, db.reconnects);
  // Gauges belong to the slot's serving worker, not to one that drains.
  if (draining_) return;
  publish_in_flight();
  m.pid.store(getpid(), std::memory_order_relaxed);
  const auto clock = std::chrono::steady_clock::now();
  if (now || clock >= next_rss_) {
    m.resident_bytes.store(resident_bytes(), std::memory_order_relaxed);
    next_rss_ = clock + std::chrono::seconds(1);
  }
}

void Worker::publish_in_flight() {
  if (setup_.metrics == nullptr || draining_) return;
  setup_.metrics->slots[setup_.slot].in_flight.store(
      static_cast<std::int64_t>(http_.requests_in_flight()), std::memory_order_relaxed);
}

void Worker::accept_metrics() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = accept4(setup_.metrics_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: a sibling took it
    metrics_http_->add_connection(fd, reinterpret_cast<sockaddr*>(&addr), len);
  }
}

void Worker::serve_here(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (!http_.add_connection(fd, reinterpret_cast<sockaddr*>(&addr), len)) {
    // libmicrohttpd closed the socket; it never counted as open here.
    slot_.connections.fetch_sub(1);
  }
}

void Worker::accept_ready() {
  SharedSlots& shared = *setup_.shared;
  for (;;) {
    int fd = accept4(setup_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) spdlog::warn("accept: {}", strerror(errno));
      return;
    }
    // Which socket the kernel queued a connection on is chance; which
    // worker serves it is not. Hand it to the least loaded accepting
    // sibling when this worker is ahead by two or more.
    const int mine = slot_.connections.load();
    int target = -1;
    int least = mine;
    const int active = std::min(shared.active_slots.load(), kMaxWorkers);
    for (int i = 0; i < active; ++i) {
      if (i == setup_.slot || shared.slots[i].accepting_pid.load() == 0) continue;
      const int c = shared.slots[i].connections.load();
      if (c < least) {
        least = c;
        target = i;
      }
    }
    if (target >= 0 && mine >= least + 2 &&
        target < static_cast<int>(setup_.handoff_send_fds.size())) {
      shared.slots[target].connections.fetch_add(1);
      if (send_connection(setup_.handoff_send_fds[target], fd)) {
        close(fd);
        continue;
      }
      shared.slots[target].connections.fetch_sub(1);
    }
    slot_.connections.fetch_add(1);
    serve_here(fd);
  }
}

void Worker::receive_handoffs() {
  // Not called while draining: the channel is then left to this slot's
  // replacement, so a handed-over connection is never dropped.
  for (int fd; (fd = receive_connection(setup_.handoff_receive_fd)) >= 0;) serve_here(fd);
}

void Worker::connect_in_background() {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_term_while_connecting;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, &previous);
  exit_on_term = http_.requests_in_flight() == 0 ? 1 : 0;
  term_while_connecting = 0;
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &term, nullptr);
  try {
    db_.connection();
  } catch (const std::exception&) {
    // Logged by the session; retried after its backoff.
  }
  sigprocmask(SIG_BLOCK, &term, nullptr);
  exit_on_term = 0;
  sigaction(SIGTERM, &previous, nullptr);
  if (term_while_connecting) begin_drain();
}

void Worker::begin_drain() {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(config_.shutdown_timeout);
  pid_t me = getpid();
  slot_.accepting_pid.compare_exchange_strong(me, 0);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, setup_.listen_fd, nullptr);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, setup_.handoff_receive_fd, nullptr);
  if (metrics_http_) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, setup_.metrics_listen_fd, nullptr);
    metrics_http_->set_draining();
  }
  http_.set_draining();
  spdlog::info("draining: {} request(s) in flight", http_.requests_in_flight());
}

int Worker::run() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  auto watch = [&](int fd, uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      throw std::runtime_error(std::string("epoll_ctl: ") + strerror(errno));
    }
  };
  watch(setup_.listen_fd, kListen);
  watch(setup_.handoff_receive_fd, kHandoff);
  watch(http_.event_fd(), kHttp);
  watch(sfd, kSignal);
  if (metrics_http_) {
    watch(setup_.metrics_listen_fd, kMetricsListen);
    watch(metrics_http_->event_fd(), kMetricsHttp);
  }

  // Serving before the first database connect: the master learns it at
  // once. The connection (which may take database.connect_timeout) is made
  // right after, where SIGTERM still ends the worker, so the first call does
  // not pay for it.
  slot_.accepting_pid.store(getpid());
  if (setup_.ready_fd >= 0) {
    (void)!write(setup_.ready_fd, "R", 1);
    close(setup_.ready_fd);
  }
  spdlog::info("serving");
  connect_in_background();
  slot_.database_ok.store(db_.connected() ? 1 : 0);

  epoll_event events[32];
  for (;;) {
    int timeout = http_.timeout_ms();
    if (metrics_http_) {
      const int t = metrics_http_->timeout_ms();
      if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    }
    if (draining_ || !db_.connected()) timeout = timeout < 0 || timeout > 100 ? 100 : timeout;
    if (const int fold = db_.fold_due_in_ms(); fold >= 0 && (timeout < 0 || fold < timeout)) {
      timeout = fold;
    }
    const int n = epoll_wait(epoll_, events, 32, timeout);
    if (g_master_gone && !draining_) {
      spdlog::warn("the master is gone: no new connections; exiting after the calls in flight");
      begin_drain();
    }
    for (int i = 0; i < n; ++i) {
      switch (events[i].data.u64) {
        case kListen:
          if (!draining_) accept_ready();
          break;
        case kHandoff:
          receive_handoffs();
          break;
        case kMetricsListen:
          if (!draining_) accept_metrics();
          break;
        case kSignal: {
          signalfd_siginfo si;
          while (read(sfd, &si, sizeof si) == sizeof si) begin_drain();
          break;
        }
        default:
          break;
      }
    }
    http_.run();
    if (metrics_http_) metrics_http_->run();
    // The statistics deltas of this worker's writes, folded into the tables
    // off the request path (readers add what is still pending).
    if (db_.fold_due_in_ms() == 0) db_.fold_statistics();
    publish_metrics(false);
    // Without a database the worker keeps retrying on its own (with the
    // session's backoff), so it recovers even when no call comes in; the
    // first attempt is made here too.
    if (!db_.connected() && !draining_) connect_in_background();
    slot_.database_ok.store(db_.connected() ? 1 : 0);
    if (draining_ &&
        (http_.requests_in_flight() == 0 || std::chrono::steady_clock::now() >= drain_deadline_)) {
      break;
    }
  }
  spdlog::info("drained, exiting");
  return 0;
}

}  // namespace

void run_worker(const Config& config, const WorkerSetup& setup) {
  enter_child_process(setup.master_pid);
  // Exit as soon as the master is gone rather than serve orphaned: stop
  // accepting at once (even mid-call), drain, exit.
  g_listen_fd = setup.listen_fd;
  g_slot = &setup.shared->slots[setup.slot];
  struct sigaction sa {};
  sa.sa_handler = on_master_death;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (getppid() != setup.master_pid) _exit(0);
  set_process_title("prefixd: worker " + std::to_string(setup.slot));
  setup_logging(config, "worker " + std::to_string(setup.slot));
  int status = 0;
  try {
    Worker worker(config, setup);
    status = worker.run();
  } catch (const std::exception& e) {
    spdlog::critical("worker failed: {}", e.what());
    status = 1;
  }
  spdlog::shutdown();
  _exit(status);
}

}  // namespace prefixd::daemon
