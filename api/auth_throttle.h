// SPDX-License-Identifier: MIT
// Failed-login throttling shared by every worker of a host (one table in
// shared memory, mapped by the master before it forks): per user name and
// per client address, each failure past a free allowance doubles the wait
// before that name or address may try again. Attempts queue for their turn
// (the worker serves others meanwhile); one that would wait longer than the
// longest delay is refused without checking its password. Independent of
// the backend that verifies passwords.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace prefixd::api {

struct ThrottleSettings {
  int free_failures_per_name = 5;
  int free_failures_per_address = 20;  // an address may hide many users (NAT, proxy)
  std::chrono::milliseconds first_delay{250};
  std::chrono::milliseconds max_delay{8000};
  std::chrono::seconds forget_after{900};  // failures older than this are forgotten
};

class AuthThrottle {
 public:
  struct Table;
  // The failure table in anonymous shared memory, inherited by forked
  // workers; each worker wraps it with its own settings.
  static Table* create_shared_table();
  AuthThrottle(Table& table, ThrottleSettings settings) : table_(table), settings_(settings) {}

  struct Turn {
    std::chrono::milliseconds wait{0};  // before verifying
    bool refused = false;               // too many waiting: answer "failed" at once
  };
  // Takes the next turn of `name` and `address`.
  Turn take_turn(std::string_view name, std::string_view address);
  void record_failure(std::string_view name, std::string_view address);
  void record_success(std::string_view name);

  struct Counters {
    std::uint64_t failures, delayed, refused;
  };
  Counters counters() const;

  struct Entry {
    std::atomic<std::uint64_t> key{0};  // 0: free
    std::atomic<std::uint32_t> failures{0};
    std::atomic<std::int64_t> last_failure_ms{0};
    std::atomic<std::int64_t> next_turn_ms{0};
  };
  static constexpr std::size_t kEntries = 8192;
  static constexpr std::size_t kProbe = 16;
  struct Table {
    std::atomic<std::uint64_t> failures{0}, delayed{0}, refused{0};
    Entry entries[kEntries];
  };

 private:
  Entry* find(std::uint64_t key, bool insert, std::int64_t now);
  std::chrono::milliseconds delay_for(std::uint32_t failures, int free) const;
  std::int64_t reserve(Entry& e, int free, std::int64_t now, bool& refused);
  void fail(Entry& e, int free, std::int64_t now);

  Table& table_;
  ThrottleSettings settings_;
};

}  // namespace prefixd::api
