// SPDX-License-Identifier: MIT
#include "daemon/master.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "api/cached_call.h"
#include "api/metrics.h"
#include "backend/migrations.h"
#include "backend/version.h"
#include "daemon/event_supervisor.h"
#include "daemon/logging.h"
#include "daemon/process_title.h"
#include "daemon/readiness.h"
#include "daemon/startup.h"
#include "daemon/worker.h"
#include "daemon/worker_slots.h"

namespace prefixd::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A worker that has not said it serves after this long is reported (and, in
// a reload, given up on).
constexpr std::chrono::seconds kReadyTimeout{15};
// The database checker's exit status: 0 reachable, schema known, event
// triggers set; kUnknownSchema "this database must not be served";
// kUnreachable the workers will keep trying.
constexpr int kUnknownSchema = 3;
constexpr int kUnreachable = 4;

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
  int ready_fd = -1;  // open until the worker says it serves (or dies)
  bool ready = false;
};

// A reload in progress: slots are replaced one at a time, each new worker
// serving before the old one of its slot drains (no queued connection is
// lost). The master's loop drives it; signals are handled meanwhile.
struct Reload {
  int slot = 0;
  int old_count = 0;
  int new_count = 0;
  pid_t pending = 0;  // the new worker of `slot`, until it serves
  std::vector<pid_t> replaced;
};

// The master never blocks: every wait (for workers to start, for the
// database check, for /healthz) is an event of its one poll loop, so it
// answers signals at once whatever its workers or the database do.
class Master {
 public:
  Master(Config config, MasterOptions options)
      : config_(std::move(config)), options_(std::move(options)) {}
  int run();

 private:
  void open_slot(int index);
  void close_slot(int index);
  std::optional<pid_t> spawn(int slot);
  void start_schema_check();
  void wait_for_events();
  void read_signals();
  void on_ready_pipe(Child& child);
  void on_worker_ready(const Child& child);
  void check_ready_timeouts();
  void reap();
  void respawn_due();
  void begin_reload();
  void advance_reload();
  void abort_reload(const std::string& why);
  void finish_reload();
  void reload_done();
  int shutdown(int status);
  bool slot_has_live_child(int slot) const;
  bool slot_serves(int slot) const;
  void check_serving();
  void check_ready();
  Child* child(pid_t pid);
  void close_inherited_fds();

  Config config_;
  MasterOptions options_;
  SharedSlots* shared_ = nullptr;
  api::SharedMetrics* metrics_ = nullptr;
  std::unique_ptr<api::ResponseCache> response_cache_;  // cache.enabled at start-up
  int metrics_fd_ = -1;                                 // metrics.listen, shared by every worker
  EventSupervisor events_{[this] { close_inherited_fds(); }};
  api::AuthThrottle::Table* throttle_table_ = nullptr;
  std::vector<Slot> slots_;
  std::vector<Child> children_;
  std::map<int, Clock::time_point> respawn_at_;
  std::map<int, milliseconds> backoff_;
  int pid_fd_ = -1;
  int signal_fd_ = -1;
  bool terminate_ = false;
  bool hangup_ = false;
  bool serving_logged_ = false;
  pid_t schema_checker_ = 0;
  bool unknown_schema_ = false;
  std::optional<Reload> reload_;
  bool reload_again_ = false;
  Notifier notifier_;
  bool ready_ = false;
  std::unique_ptr<HealthProbe> probe_;
  Clock::time_point next_health_check_;
  milliseconds health_interval_{100};
};

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

Child* Master::child(pid_t pid) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [&](const Child& c) { return c.pid == pid; });
  return it == children_.end() ? nullptr : &*it;
}

// READY=1 goes out once every worker reaches the database and /healthz on
// the daemon's own address answers 200; until then the check repeats with
// growing pauses, so a database that is still starting delays readiness,
// not start-up.
void Master::check_ready() {
  if (ready_ || !notifier_.enabled()) return;
  if (probe_) {
    const HealthProbe::State state = probe_->advance(0);
    if (state == HealthProbe::State::kRunning) return;
    probe_.reset();
    if (state == HealthProbe::State::kOk) {
      ready_ = true;
      spdlog::info("ready: /healthz answers 200");
      notifier_.send("READY=1\nMAINPID=" + std::to_string(getpid()) +
                     "\nSTATUS=serving on http://" + config_.listen.text() + " with " +
                     std::to_string(shared_->active_slots.load()) + " worker(s)");
      return;
    }
  } else if (Clock::now() >= next_health_check_) {
    bool all_ok = true;
    for (int i = 0; i < shared_->active_slots.load(); ++i) {
      all_ok = all_ok && shared_->slots[i].database_ok.load() == 1;
    }
    if (all_ok) {
      probe_ = std::make_unique<HealthProbe>(config_.listen);
      return;
    }
  } else {
    return;
  }
  if (health_interval_ == milliseconds(100)) {
    notifier_.send("STATUS=waiting for /healthz to answer 200 (is the database reachable?)");
  }
  next_health_check_ = Clock::now() + health_interval_;
  health_interval_ = std::min(health_interval_ * 3 / 2, milliseconds(2000));
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

bool Master::slot_serves(int slot) const {
  return std::any_of(children_.begin(), children_.end(),
                     [&](const Child& c) { return c.slot == slot && c.ready && !c.retiring; });
}

std::optional<pid_t> Master::spawn(int slot) {
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
    setup.response_cache = response_cache_.get();
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
  fcntl(ready[0], F_SETFL, O_NONBLOCK);
  children_.push_back(Child{pid, slot, false, Clock::now(), ready[0], false});
  metrics_->workers.started.fetch_add(1, std::memory_order_relaxed);
  metrics_->use_slot(slot);
  spdlog::info("started worker {} in slot {}", pid, slot);
  return pid;
}

// A schema this binary does not know is a deployment mistake worth stopping
// for; an unreachable database is an outage the workers ride out. As nipapd,
// the change-event triggers follow events.kafka.enabled. The check connects,
// so it runs in a child of its own; the event producer starts when it is over.
void Master::start_schema_check() {
  const pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("fork: {}", errno_text());
    return;
  }
  if (pid > 0) {
    schema_checker_ = pid;
    return;
  }
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  signal(SIGTERM, SIG_DFL);
  close_inherited_fds();
  set_process_title("prefixd: database check");
  int status = 0;
  try {
    pqxx::connection conn(config_.conninfo());
    const std::string problem = schema_problem(read_schema_state(conn));
    if (!problem.empty()) {
      spdlog::critical("cannot serve this database: {}", problem);
      status = kUnknownSchema;
    } else if (!apply_event_triggers(conn, config_.events_enabled)) {
      status = kUnreachable;
    }
  } catch (const std::exception& e) {
    spdlog::warn("database not reachable at start-up, workers will keep trying: {}", e.what());
    status = kUnreachable;
  }
  spdlog::default_logger()->flush();
  _exit(status);
}

void Master::read_signals() {
  signalfd_siginfo si;
  while (read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) terminate_ = true;
    if (si.ssi_signo == SIGHUP) hangup_ = true;
  }
}

void Master::on_ready_pipe(Child& c) {
  char byte;
  const ssize_t n = read(c.ready_fd, &byte, 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  close(c.ready_fd);
  c.ready_fd = -1;
  if (n == 1) {
    c.ready = true;
    on_worker_ready(c);
  }
  // End of file without a byte: the worker died before serving; reap()
  // says how.
}

void Master::on_worker_ready(const Child& c) {
  if (reload_ && c.pid == reload_->pending) {
    for (Child& old : children_) {
      if (std::find(reload_->replaced.begin(), reload_->replaced.end(), old.pid) !=
          reload_->replaced.end()) {
        old.retiring = true;
        kill(old.pid, SIGTERM);
      }
    }
    reload_->pending = 0;
    ++reload_->slot;
    advance_reload();
  }
  check_serving();
}

// Logs that prefixd serves once every worker of the start-up does.
void Master::check_serving() {
  if (serving_logged_) return;
  for (int i = 0; i < shared_->active_slots.load(); ++i) {
    if (!slot_serves(i)) return;
  }
  serving_logged_ = true;
  spdlog::info("prefixd {} serving on http://{} with {} worker(s)", prefixd::kVersion,
               config_.listen.text(), shared_->active_slots.load());
}

void Master::check_ready_timeouts() {
  const auto now = Clock::now();
  for (Child& c : children_) {
    if (c.ready_fd < 0 || now - c.started < kReadyTimeout) continue;
    spdlog::error("worker {} in slot {} did not become ready", c.pid, c.slot);
    close(c.ready_fd);
    c.ready_fd = -1;
    if (reload_ && c.pid == reload_->pending) {
      c.retiring = true;
      kill(c.pid, SIGTERM);
      abort_reload("the new worker did not start");
    }
  }
}

void Master::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid == schema_checker_) {
      schema_checker_ = 0;
      unknown_schema_ = WIFEXITED(status) && WEXITSTATUS(status) == kUnknownSchema;
      if (!unknown_schema_) {
        events_.start(config_, WIFEXITED(status) && WEXITSTATUS(status) == 0, metrics_);
      }
      continue;
    }
    if (events_.reaped(pid, status)) continue;
    auto it = std::find_if(children_.begin(), children_.end(),
                           [&](const Child& c) { return c.pid == pid; });
    if (it == children_.end()) continue;
    const Child gone = *it;
    if (gone.ready_fd >= 0) close(gone.ready_fd);
    children_.erase(it);
    metrics_->workers.exits[api::exit_cause_index(status)].fetch_add(1, std::memory_order_relaxed);
    std::string how =
        WIFEXITED(status)     ? "exited with status " + std::to_string(WEXITSTATUS(status))
        : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                    strsignal(WTERMSIG(status)) + ")"
                              : "stopped";
    const bool expected = gone.retiring;
    if (expected) {
      spdlog::info("worker {} (slot {}) {}", pid, gone.slot, how);
    } else {
      spdlog::error("worker {} (slot {}) {}", pid, gone.slot, how);
    }
    if (reload_ && pid == reload_->pending) abort_reload("the new worker did not start");
    const int active = shared_->active_slots.load();
    if (!slot_has_live_child(gone.slot)) {
      auto& gauges = metrics_->slots[gone.slot];
      gauges.in_flight.store(0);
      gauges.pid.store(0);
      gauges.resident_bytes.store(0);
      shared_->slots[gone.slot].connections.store(0);
      shared_->slots[gone.slot].accepting_pid.store(0);
      if (gone.slot >= active) close_slot(gone.slot);
    }
    if (!expected && gone.slot < active && !slot_has_live_child(gone.slot)) {
      // A worker that dies soon after starting is restarted with growing
      // delays, so a persistent fault does not become a fork storm.
      auto& backoff = backoff_[gone.slot];
      if (Clock::now() - gone.started < std::chrono::seconds(5)) {
        backoff = std::clamp(backoff * 2, milliseconds(250), milliseconds(30000));
      } else {
        backoff = milliseconds(0);
      }
      respawn_at_[gone.slot] = Clock::now() + backoff;
      if (backoff.count() > 0) {
        spdlog::warn("restarting slot {} in {} ms", gone.slot, backoff.count());
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
      if (slot < shared_->active_slots.load() && !slot_has_live_child(slot)) spawn(slot);
    } else {
      ++it;
    }
  }
}

void Master::begin_reload() {
  if (reload_) {
    reload_again_ = true;  // once this one is complete
    return;
  }
  // Not yet ready: systemd still waits for the first READY=1.
  if (ready_) notifier_.send("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
  Config next;
  try {
    next = options_.reload();
  } catch (const std::exception& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    reload_done();
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
  Reload r;
  r.old_count = shared_->active_slots.load();
  r.new_count = next.effective_workers();
  config_ = next;
  setup_logging(config_, "master");
  // Before the database check is over, the producer is not started yet
  // (it starts with the configuration of then).
  if (schema_checker_ == 0) events_.reload(config_);
  spdlog::info("reloading: replacing {} worker(s) with {}", r.old_count, r.new_count);
  reload_ = r;
  advance_reload();
}

// Starts the next slot's new worker, or completes the reload.
void Master::advance_reload() {
  if (!reload_ || reload_->pending != 0) return;
  Reload& r = *reload_;
  if (r.slot >= r.new_count) {
    finish_reload();
    return;
  }
  r.replaced.clear();
  for (const Child& c : children_) {
    if (c.slot == r.slot && !c.retiring) r.replaced.push_back(c.pid);
  }
  if (r.slot >= r.old_count) {
    try {
      open_slot(r.slot);
    } catch (const std::exception& e) {
      spdlog::error("cannot add worker slot {}: {}", r.slot, e.what());
      abort_reload("no socket for the new slot");
      return;
    }
    shared_->active_slots.store(r.slot + 1);
  }
  const std::optional<pid_t> pid = spawn(r.slot);
  if (!pid) {
    abort_reload("the new worker did not start");
    return;
  }
  r.pending = *pid;
}

void Master::abort_reload(const std::string& why) {
  if (!reload_) return;
  spdlog::error("reload stopped at slot {}: {}", reload_->slot, why);
  reload_.reset();
  reload_done();
}

void Master::finish_reload() {
  const Reload r = *reload_;
  reload_.reset();
  if (r.new_count < r.old_count) {
    shared_->active_slots.store(r.new_count);
    for (auto& c : children_) {
      if (c.slot >= r.new_count && !c.retiring) {
        c.retiring = true;
        kill(c.pid, SIGTERM);
      }
    }
    // The master's copies go now; each socket closes when its worker exits.
    for (int slot = r.new_count; slot < r.old_count; ++slot) {
      if (!slot_has_live_child(slot)) close_slot(slot);
    }
  }
  spdlog::info("reload complete: {} worker(s)", r.new_count);
  reload_done();
}

// A reload is over, whichever way: the service manager hears it, and a
// SIGHUP that came meanwhile starts the next one.
void Master::reload_done() {
  if (ready_) {
    notifier_.send("READY=1\nSTATUS=serving on http://" + config_.listen.text() + " with " +
                   std::to_string(shared_->active_slots.load()) + " worker(s)");
  }
  if (reload_again_) {
    reload_again_ = false;
    begin_reload();
  }
}

// Waits for the next event: a signal, a worker saying it serves, the
// health probe, or the earliest deadline (respawn, readiness, timeouts).
void Master::wait_for_events() {
  std::vector<pollfd> fds{{signal_fd_, POLLIN, 0}};
  std::vector<pid_t> owners{0};
  for (const Child& c : children_) {
    if (c.ready_fd < 0) continue;
    fds.push_back({c.ready_fd, POLLIN, 0});
    owners.push_back(c.pid);
  }
  if (probe_ && probe_->fd() >= 0) {
    fds.push_back({probe_->fd(), probe_->events(), 0});
    owners.push_back(-1);
  }
  int timeout = ready_ || !notifier_.enabled() ? 1000 : 50;
  const auto now = Clock::now();
  auto until = [&](Clock::time_point t) {
    const auto ms = std::chrono::duration_cast<milliseconds>(t - now).count() + 1;
    timeout = static_cast<int>(std::clamp<int64_t>(ms, 0, timeout));
  };
  for (const auto& [slot, at] : respawn_at_) until(at);
  for (const Child& c : children_) {
    if (c.ready_fd >= 0) until(c.started + kReadyTimeout);
  }
  if (probe_) until(probe_->deadline());
  if (poll(fds.data(), fds.size(), timeout) <= 0) return;
  for (std::size_t i = 1; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    if (owners[i] == -1) {
      if (probe_) probe_->advance(fds[i].revents);
    } else if (Child* c = child(owners[i]); c != nullptr && c->ready_fd >= 0) {
      on_ready_pipe(*c);
    }
  }
}

int Master::shutdown(int status) {
  spdlog::info("shutting down: draining {} worker(s)", children_.size());
  reload_.reset();
  reload_again_ = false;
  events_.terminate();
  if (schema_checker_ != 0) {
    kill(schema_checker_, SIGKILL);
    waitpid(schema_checker_, nullptr, 0);
    schema_checker_ = 0;
  }
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
  return status;
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
    if (config_.cache_enabled) {
      try {
        api::parse_excluded_methods(config_.cache_exclude_methods);
        response_cache_ =
            std::make_unique<api::ResponseCache>(static_cast<size_t>(config_.cache_max_bytes));
      } catch (const std::invalid_argument& e) {
        throw StartupError(e.what());
      }
    }
    for (int i = 0; i < count; ++i) open_slot(i);
    if (config_.metrics_enabled && config_.metrics_listen) {
      metrics_fd_ = bind_listener(*config_.metrics_listen);
    }
    if (!options_.foreground) {
      // Detach only now, so that a bad address is reported on the terminal.
      if (::daemon(0, 0) != 0) throw StartupError("cannot daemonize: " + errno_text());
      setup_logging(config_, "master", true);
    }
    pid_fd_ = write_pid_file(config_.pid_file);
    drop_privileges(config_.user, config_.group);
    signal_fd_ = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) throw StartupError("signalfd: " + errno_text());
  } catch (const StartupError& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  set_process_title("prefixd: master (" + config_.listen.text() + ")");

  start_schema_check();
  shared_->active_slots.store(count);
  for (int i = 0; i < count; ++i) spawn(i);

  check_ready();
  for (;;) {
    wait_for_events();
    read_signals();
    if (terminate_) {
      notifier_.send("STOPPING=1\nSTATUS=draining");
      return shutdown(0);
    }
    reap();
    if (unknown_schema_) return shutdown(1);
    check_ready_timeouts();
    if (hangup_) {
      hangup_ = false;
      begin_reload();
    }
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
