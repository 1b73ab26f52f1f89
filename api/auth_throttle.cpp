// SPDX-License-Identifier: MIT
#include "api/auth_throttle.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace prefixd::api {

namespace {

// CLOCK_MONOTONIC is one clock for every process of the host.
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// FNV-1a, with the kind of key mixed in; never 0 (the free marker).
std::uint64_t key_of(char kind, std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  mix(static_cast<unsigned char>(kind));
  for (char c : text) mix(static_cast<unsigned char>(c));
  return h == 0 ? 1 : h;
}

}  // namespace

AuthThrottle::Table* AuthThrottle::create_shared_table() {
  void* p = mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  return new (p) Table();
}

AuthThrottle::Counters AuthThrottle::counters() const {
  return {table_.failures.load(), table_.delayed.load(), table_.refused.load()};
}

AuthThrottle::Entry* AuthThrottle::find(std::uint64_t key, bool insert, std::int64_t now) {
  const std::size_t home = key % kEntries;
  Entry* oldest = nullptr;
  std::int64_t oldest_ms = INT64_MAX;
  const std::int64_t forget = std::chrono::milliseconds(settings_.forget_after).count();
  for (std::size_t i = 0; i < kProbe; ++i) {
    Entry& e = table_.entries[(home + i) % kEntries];
    std::uint64_t k = e.key.load();
    if (k == key) return &e;
    if (!insert) continue;
    const std::int64_t last = e.last_failure_ms.load();
    if (k == 0 || now - last > forget) {
      // Free, or forgotten: claim it.
      if (e.key.compare_exchange_strong(k, key)) {
        e.failures.store(0);
        e.next_turn_ms.store(0);
        e.last_failure_ms.store(now);
        return &e;
      }
      if (k == key) return &e;
    }
    if (last < oldest_ms) {
      oldest_ms = last;
      oldest = &e;
    }
  }
  if (!insert || oldest == nullptr) return nullptr;
  // Full neighbourhood: the stalest entry is given up (a race here only
  // mixes two keys' counts, which errs on the side of throttling).
  oldest->key.store(key);
  oldest->failures.store(0);
  oldest->next_turn_ms.store(0);
  oldest->last_failure_ms.store(now);
  return oldest;
}

std::chrono::milliseconds AuthThrottle::delay_for(std::uint32_t failures, int free) const {
  if (static_cast<int>(failures) < free) return std::chrono::milliseconds(0);
  const int doublings = std::min<int>(static_cast<int>(failures) - free, 30);
  const auto d = settings_.first_delay * (std::int64_t{1} << doublings);
  return std::min(d, settings_.max_delay);
}

// The wait until this attempt's turn (pushing the next turn back), in ms.
std::int64_t AuthThrottle::reserve(Entry& e, int free, std::int64_t now, bool& refused) {
  const std::int64_t forget = std::chrono::milliseconds(settings_.forget_after).count();
  if (now - e.last_failure_ms.load() > forget) return 0;
  const auto step = delay_for(e.failures.load(), free).count();
  if (step == 0) return 0;
  std::int64_t next = e.next_turn_ms.load();
  for (;;) {
    const std::int64_t turn = std::max(next, now);
    if (turn - now > settings_.max_delay.count()) {
      refused = true;
      return 0;
    }
    if (e.next_turn_ms.compare_exchange_weak(next, turn + step)) return turn - now;
  }
}

AuthThrottle::Turn AuthThrottle::take_turn(std::string_view name, std::string_view address) {
  const std::int64_t now = now_ms();
  Turn turn;
  std::int64_t wait = 0;
  if (Entry* e = find(key_of('u', name), false, now)) {
    wait = std::max(wait, reserve(*e, settings_.free_failures_per_name, now, turn.refused));
  }
  if (Entry* e = find(key_of('a', address), false, now)) {
    wait = std::max(wait, reserve(*e, settings_.free_failures_per_address, now, turn.refused));
  }
  if (turn.refused) {
    table_.refused.fetch_add(1);
    return turn;
  }
  turn.wait = std::chrono::milliseconds(wait);
  if (wait > 0) table_.delayed.fetch_add(1);
  return turn;
}

void AuthThrottle::fail(Entry& e, int free, std::int64_t now) {
  const std::int64_t forget = std::chrono::milliseconds(settings_.forget_after).count();
  if (now - e.last_failure_ms.load() > forget) e.failures.store(0);
  const std::uint32_t failures = e.failures.fetch_add(1) + 1;
  e.last_failure_ms.store(now);
  const std::int64_t earliest = now + delay_for(failures, free).count();
  std::int64_t next = e.next_turn_ms.load();
  while (next < earliest && !e.next_turn_ms.compare_exchange_weak(next, earliest)) {
  }
}

void AuthThrottle::record_failure(std::string_view name, std::string_view address) {
  const std::int64_t now = now_ms();
  table_.failures.fetch_add(1);
  if (Entry* e = find(key_of('u', name), true, now))
    fail(*e, settings_.free_failures_per_name, now);
  if (Entry* e = find(key_of('a', address), true, now)) {
    fail(*e, settings_.free_failures_per_address, now);
  }
}

void AuthThrottle::record_success(std::string_view name) {
  if (Entry* e = find(key_of('u', name), false, now_ms())) {
    e->failures.store(0);
    e->next_turn_ms.store(0);
  }
}

}  // namespace prefixd::api
