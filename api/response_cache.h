// SPDX-License-Identifier: MIT
// The rendered-response cache (issue 14): the bytes a read method wrote for
// one result, shared by every worker of a host through one anonymous shared
// mapping the master creates before it forks. Bounded by its size (metadata
// included), CLOCK eviction, one process-shared robust mutex held only to
// copy bytes in or out (never while a result is rendered).
//
// Freshness (see README "Response cache"): every entry carries
// - the host's generation when its rendering started: every write through
//   this host bumps the generation before its response is sent, and an
//   entry of an older generation is never served (or stored);
// - the database's change counter read before the entry's query ran: the
//   sum of prefixd_change_counter, which statement triggers on the IPAM
//   tables raise in the writing transaction (migration 0012). The caller
//   serves an entry only after reading the counter again and finding it
//   unchanged (or, with max_staleness_ms > 0, having found it unchanged
//   within that many milliseconds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace prefixd::api {

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t stores = 0;
  std::uint64_t invalidations = 0;  // host generations started (local writes)
  std::uint64_t evictions = 0;
  std::uint64_t stale = 0;  // entries dropped because the database changed
  std::uint64_t entries = 0;
  std::uint64_t used_bytes = 0;  // bytes of keys and values held
  std::uint64_t capacity_bytes = 0;
};

class ResponseCache {
 public:
  // Maps `max_bytes` of shared memory (the whole footprint) for this
  // process and every child forked afterwards.
  explicit ResponseCache(std::size_t max_bytes);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  // The host generation; read it before the query whose result is stored.
  std::uint64_t generation() const;
  // A write through this host: no entry made before now is served again.
  void invalidate_all();

  struct Found {
    bool found = false;
    std::int64_t change_counter = 0;
  };
  // Appends the value stored under `key` to `out` when there is one of the
  // current generation; the caller then checks its change counter and calls
  // drop() (truncating `out`) if the database moved on.
  Found lookup(std::string_view key, std::string& out);
  // Stores `value` unless the generation moved past `generation` meanwhile,
  // the value is too large, or (rarely) the space cannot be freed.
  void store(std::string_view key, std::string_view value, std::uint64_t generation,
             std::int64_t change_counter);
  // Forgets `key` if it still carries `change_counter`.
  void drop(std::string_view key, std::int64_t change_counter);

  // The largest change counter any worker has read (-1: none yet). The
  // sum only grows, so this is at most the database's counter at any later
  // moment: a miss may tag its entry with it instead of reading the
  // counter (an older tag can only make a later check fail, never pass).
  std::int64_t latest_counter() const;
  void note_counter(std::int64_t change_counter);

  // The newest change counter some worker read from the database, and
  // when (steady clock, ms), within the current generation.
  void note_validated(std::int64_t change_counter, std::uint64_t generation, std::int64_t now_ms);
  // Whether `change_counter` was the database's at most `max_age_ms` ago.
  bool validated_since(std::int64_t change_counter, std::int64_t now_ms,
                       std::int64_t max_age_ms) const;

  void count_hit();
  void count_miss();
  CacheStats stats() const;
  // Largest value a single entry may hold.
  std::size_t max_value_bytes() const;

 private:
  struct Shared;
  struct Lock;
  Shared* shared_ = nullptr;
  std::size_t mapped_ = 0;
};

}  // namespace prefixd::api
