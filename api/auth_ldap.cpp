// SPDX-License-Identifier: MIT
#include "api/auth_ldap.h"

#include <ldap.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "backend/errors.h"

namespace prefixd::api {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kConnectFailed = "Could not connect to LDAP server";
constexpr const char* kTlsFailed = "Unable to establish secure connection to ldap server";
constexpr const char* kServerError = "LDAP server returned an error";
constexpr const char* kAttributeMissing = "LDAP attribute missing";

[[noreturn]] void reject() {
  throw NipapError(FaultCode::kAuthentication, "Incorrect username or password.");
}

bool connection_problem(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
         rc == LDAP_TIMELIMIT_EXCEEDED;
}

// The deadline of an authentication, enforced on libldap's sockets: at the
// deadline a SIGALRM shuts them down, which ends any read or write libldap
// or its TLS library is blocked in. (libldap's GnuTLS code retries a TLS
// handshake that would block without a time limit of its own.) Only
// lock-free atomics are touched in the handler.
constexpr int kMaxWatchedSockets = 4;
std::atomic<int> watched_sockets[kMaxWatchedSockets] = {-1, -1, -1, -1};

void shut_down_watched(int) {
  for (auto& fd : watched_sockets) {
    const int f = fd.load();
    if (f >= 0) shutdown(f, SHUT_RDWR);
  }
}

void watch_socket(int fd, Clock::time_point deadline) {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = shut_down_watched;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocked read returns
    return sigaction(SIGALRM, &action, nullptr) == 0;
  }();
  if (!installed) return;
  for (auto& slot : watched_sockets) {
    int expected = -1;
    if (slot.compare_exchange_strong(expected, fd)) break;
  }
  const auto left = std::max<long long>(
      std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count(), 1000);
  itimerval timer{};
  timer.it_value =
      timeval{static_cast<time_t>(left / 1000000), static_cast<suseconds_t>(left % 1000000)};
  setitimer(ITIMER_REAL, &timer, nullptr);
}

void unwatch_socket(int fd) {
  bool any = false;
  for (auto& slot : watched_sockets) {
    int expected = fd;
    slot.compare_exchange_strong(expected, -1);
    any = any || slot.load() >= 0;
  }
  if (!any) {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
  }
}

struct Unbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};

// One connection to the server, closed (unbound) when it goes out of scope.
// Every operation waits at most until the authentication's deadline.
class Connection {
 public:
  Connection(const AuthBackendSettings& settings, Clock::time_point deadline)
      : settings_(settings), deadline_(deadline) {
    LDAP* ld = nullptr;
    int rc = ldap_initialize(&ld, settings.uri.c_str());
    ld_.reset(ld);
    if (rc != LDAP_SUCCESS || ld_ == nullptr) fail(kConnectFailed, "ldap_initialize", rc);
    const int version = LDAP_VERSION3;
    ldap_set_option(ld_.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld_.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    if (!settings.tls_ca_file.empty()) {
      ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_CACERTFILE, settings.tls_ca_file.c_str());
    }
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    const int client = 0;
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_NEWCTX, &client);
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_CONNECT_CB, reinterpret_cast<void*>(&on_tls_session));
    ldap_set_option(ld_.get(), LDAP_OPT_X_TLS_CONNECT_ARG, this);
    callback_.lc_add = on_connect;
    callback_.lc_del = on_disconnect;
    callback_.lc_arg = this;
    ldap_set_option(ld_.get(), LDAP_OPT_CONNECT_CB, &callback_);
    limit_time();
    if (settings.tls) start_tls();
  }
  ~Connection() {
    if (fd_ >= 0) unwatch_socket(fd_);
    fd_ = -1;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The result of a simple bind (LDAP_SUCCESS, LDAP_INVALID_CREDENTIALS, ...);
  // connection trouble throws BackendUnavailable.
  int bind(const std::string& dn, const std::string& password) {
    berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
    int msgid = -1;
    limit_time();
    int rc =
        ldap_sasl_bind(ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) fail(kConnectFailed, "bind", rc);
    LDAPMessage* result = await(msgid, "bind");
    int code = LDAP_OTHER;
    rc = ldap_parse_result(ld_.get(), result, &code, nullptr, nullptr, nullptr, nullptr, 1);
    if (rc != LDAP_SUCCESS) fail(kServerError, "bind result", rc);
    return code;
  }

  // The first entry the search finds (nullptr: none). Owned by the caller.
  LDAPMessage* search(const std::string& filter) {
    const char* attributes[] = {"cn", "memberOf", nullptr};
    int msgid = -1;
    limit_time();
    int rc =
        ldap_search_ext(ld_.get(), settings_.basedn.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                        const_cast<char**>(attributes), 0, nullptr, nullptr, nullptr, 1, &msgid);
    if (rc != LDAP_SUCCESS)
      fail(connection_problem(rc) ? kConnectFailed : kServerError, "search", rc);
    LDAPMessage* result = await(msgid, "search");
    int code = LDAP_OTHER;
    rc = ldap_parse_result(ld_.get(), result, &code, nullptr, nullptr, nullptr, nullptr, 0);
    if (rc != LDAP_SUCCESS || (code != LDAP_SUCCESS && code != LDAP_SIZELIMIT_EXCEEDED)) {
      ldap_msgfree(result);
      fail(kServerError, "search result", rc != LDAP_SUCCESS ? rc : code);
    }
    return result;
  }

  LDAP* handle() const { return ld_.get(); }

 private:
  [[noreturn]] void fail(const char* message, const char* step, int rc) {
    spdlog::warn("LDAP backend '{}' ({}): {} failed: {}", settings_.name, settings_.uri, step,
                 ldap_err2string(rc));
    throw BackendUnavailable(message);
  }

  timeval remaining(const char* step) {
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) fail(kConnectFailed, step, LDAP_TIMEOUT);
    return timeval{static_cast<time_t>(left / 1000000), static_cast<suseconds_t>(left % 1000000)};
  }

  // What libldap may spend connecting (TCP and TLS) and on any synchronous
  // operation of its own: never past the deadline.
  void limit_time() {
    timeval left = remaining("connect");
    timeval connect{settings_.connect_timeout, 0};
    if (connect.tv_sec > left.tv_sec ||
        (connect.tv_sec == left.tv_sec && left.tv_usec < connect.tv_usec)) {
      connect = left;
    }
    ldap_set_option(ld_.get(), LDAP_OPT_NETWORK_TIMEOUT, &connect);
    ldap_set_option(ld_.get(), LDAP_OPT_TIMEOUT, &left);
  }

  LDAPMessage* await(int msgid, const char* step) {
    timeval left = remaining(step);
    LDAPMessage* result = nullptr;
    const int rc = ldap_result(ld_.get(), msgid, LDAP_MSG_ALL, &left, &result);
    if (rc > 0 && result != nullptr) return result;
    if (result != nullptr) ldap_msgfree(result);
    if (rc == 0) ldap_abandon_ext(ld_.get(), msgid, nullptr, nullptr);
    int error = LDAP_TIMEOUT;
    if (rc < 0) ldap_get_option(ld_.get(), LDAP_OPT_RESULT_CODE, &error);
    fail(kConnectFailed, step, error);
  }

  void start_tls() {
    int msgid = -1;
    int rc = ldap_start_tls(ld_.get(), nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) {
      fail(connection_problem(rc) ? kConnectFailed : kTlsFailed, "STARTTLS", rc);
    }
    LDAPMessage* result = await(msgid, "STARTTLS");
    int code = LDAP_OTHER;
    rc = ldap_parse_result(ld_.get(), result, &code, nullptr, nullptr, nullptr, nullptr, 1);
    if (rc != LDAP_SUCCESS || code != LDAP_SUCCESS) {
      fail(kTlsFailed, "STARTTLS", rc != LDAP_SUCCESS ? rc : code);
    }
    limit_time();
    rc = ldap_install_tls(ld_.get());
    if (rc != LDAP_SUCCESS) fail(kTlsFailed, "TLS handshake", rc);
  }

  // libldap runs the TLS handshake of ldaps:// (and of STARTTLS) on a
  // blocking socket without a time limit of its own: time-limited socket
  // reads and writes keep it within the deadline.
  static int on_connect(LDAP*, Sockbuf* sb, LDAPURLDesc*, sockaddr*, ldap_conncb* callback) {
    auto* self = static_cast<Connection*>(callback->lc_arg);
    ber_socket_t fd = -1;
    ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(self->deadline_ - Clock::now())
            .count();
    const timeval tv{static_cast<time_t>(std::max<long long>(left, 1000) / 1000000),
                     static_cast<suseconds_t>(std::max<long long>(left, 1000) % 1000000)};
    if (fd >= 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    self->fd_ = fd;
    if (fd >= 0) watch_socket(fd, self->deadline_);
    return 0;
  }

  // Called with the TLS session before the handshake. libldap's GnuTLS code
  // spins on the non-blocking socket it sets up when a network timeout is
  // set: make it blocking again (the alarm ends it at the deadline).
  static int on_tls_session(LDAP*, void*, void*, void* arg) {
    auto* self = static_cast<Connection*>(arg);
    if (self->fd_ >= 0) {
      const int flags = fcntl(self->fd_, F_GETFL);
      if (flags >= 0) fcntl(self->fd_, F_SETFL, flags & ~O_NONBLOCK);
    }
    return 0;
  }
  static void on_disconnect(LDAP*, Sockbuf*, ldap_conncb* callback) {
    auto* self = static_cast<Connection*>(callback->lc_arg);
    if (self->fd_ >= 0) unwatch_socket(self->fd_);
    self->fd_ = -1;
  }

  const AuthBackendSettings& settings_;
  Clock::time_point deadline_;
  ldap_conncb callback_{};  // outlives ld_, which refers to it
  int fd_ = -1;
  std::unique_ptr<LDAP, Unbind> ld_;
};

std::vector<std::string> values(LDAP* ld, LDAPMessage* entry, const char* attribute) {
  std::vector<std::string> out;
  berval** vals = ldap_get_values_len(ld, entry, attribute);
  if (vals == nullptr) return out;
  for (berval** v = vals; *v != nullptr; ++v) out.emplace_back((*v)->bv_val, (*v)->bv_len);
  ldap_value_free_len(vals);
  return out;
}

}  // namespace

std::string escape_ldap_dn_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                         c == ';' || c == '=' || (i == 0 && (c == '#' || c == ' ')) ||
                         (i + 1 == value.size() && c == ' ');
    if (c == 0) {
      out += "\\00";
    } else if (special) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      out.push_back('\\');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string escape_ldap_filter_value(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      out.push_back('\\');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string fill_ldap_template(std::string_view pattern, std::string_view value) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      out += value;
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

LdapAuthBackend::LdapAuthBackend(AuthBackendSettings settings) : settings_(std::move(settings)) {}

AuthenticatedUser LdapAuthBackend::check_password(const std::string& login,
                                                  const std::string& password, DbSession&) {
  // OpenLDAP refuses an empty password, but other servers take it as an
  // unauthenticated bind that "succeeds": never ask.
  if (password.empty() || login.empty()) reject();
  const auto deadline = Clock::now() + std::chrono::seconds(settings_.timeout);

  Connection user_connection(settings_, deadline);
  const int rc = user_connection.bind(
      fill_ldap_template(settings_.binddn_fmt, escape_ldap_dn_value(login)), password);
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_UNWILLING_TO_PERFORM) {
    reject();
  }
  if (rc != LDAP_SUCCESS) {
    spdlog::warn("LDAP backend '{}': bind as '{}' failed: {}", settings_.name, login,
                 ldap_err2string(rc));
    throw BackendUnavailable(connection_problem(rc) ? kConnectFailed : kServerError);
  }

  // The search runs as the search account when one is configured (users
  // that may not read their own cn and memberOf).
  std::optional<Connection> search_connection;
  Connection* searcher = &user_connection;
  if (!settings_.search_binddn.empty()) {
    search_connection.emplace(settings_, deadline);
    const int src = search_connection->bind(settings_.search_binddn, settings_.search_password);
    if (src != LDAP_SUCCESS) {
      spdlog::warn("LDAP backend '{}': bind as the search account failed: {}", settings_.name,
                   ldap_err2string(src));
      throw BackendUnavailable(connection_problem(src) ? kConnectFailed : kServerError);
    }
    searcher = &*search_connection;
  }
  LDAPMessage* result =
      searcher->search(fill_ldap_template(settings_.search, escape_ldap_filter_value(login)));
  LDAPMessage* entry = ldap_first_entry(searcher->handle(), result);

  AuthenticatedUser user{login, std::string(), false, false};
  const bool rw_set = !settings_.rw_group.empty();
  const bool ro_set = !settings_.ro_group.empty();
  if (entry == nullptr) {
    ldap_msgfree(result);
    if (rw_set || ro_set) reject();
    return user;
  }
  const auto cn = values(searcher->handle(), entry, "cn");
  const auto groups = values(searcher->handle(), entry, "memberOf");
  ldap_msgfree(result);
  if (cn.empty()) {
    spdlog::warn("LDAP backend '{}': the entry of '{}' has no cn", settings_.name, login);
    throw BackendUnavailable(kAttributeMissing);
  }
  user.full_name = cn.front();
  auto member_of = [&](const std::string& group) {
    for (const auto& g : groups) {
      if (g == group) return true;
    }
    return false;
  };
  // §4.2: read-write wins over read-only; with both groups set, a member of
  // neither is refused; with only rw_group set, a non-member reads.
  const bool in_ro = ro_set && member_of(settings_.ro_group);
  const bool in_rw = rw_set && member_of(settings_.rw_group);
  if (in_rw) {
    user.readonly = false;
  } else if (in_ro) {
    user.readonly = true;
  } else if (rw_set) {
    if (ro_set) reject();
    user.readonly = true;
  }
  return user;
}

}  // namespace prefixd::api
