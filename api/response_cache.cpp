// SPDX-License-Identifier: MIT
#include "api/response_cache.h"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace prefixd::api {

namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;
constexpr std::uint32_t kBlockBytes = 512;
constexpr std::size_t kBytesPerEntry = 2048;  // entries for an average value of this size

struct Entry {
  std::uint64_t hash;
  std::uint64_t generation;
  std::int64_t change_counter;
  std::uint32_t key_len;
  std::uint32_t value_len;
  std::uint32_t first_block;
  std::uint32_t next;  // bucket chain, or the free list
  std::uint8_t used;
  std::uint8_t referenced;
};

using Counter = std::atomic<std::uint64_t>;

}  // namespace

struct ResponseCache::Shared {
  pthread_mutex_t mutex;
  std::atomic<std::uint64_t> generation;
  std::atomic<std::int64_t> latest_counter;
  Counter hits, misses, stores, invalidations, evictions, stale;
  // Guarded by the mutex from here on.
  std::int64_t validated_counter;
  std::int64_t validated_ms;
  std::uint64_t validated_generation;
  std::uint32_t bucket_count, entry_count, block_count;
  std::uint32_t hand;
  std::uint32_t free_entries;  // head of the free entry list
  std::uint32_t free_blocks;   // head of the free block list
  std::uint32_t free_block_count;
  std::uint64_t used_entries;
  std::uint64_t used_bytes;

  std::uint32_t* buckets() { return reinterpret_cast<std::uint32_t*>(this + 1); }
  Entry* entries() { return reinterpret_cast<Entry*>(buckets() + bucket_count); }
  std::uint32_t* block_next() { return reinterpret_cast<std::uint32_t*>(entries() + entry_count); }
  char* block(std::uint32_t i) {
    return reinterpret_cast<char*>(block_next() + block_count) + std::size_t{i} * kBlockBytes;
  }

  // Empties every structure (counters and generation stay).
  void reset() {
    std::fill_n(buckets(), bucket_count, kNone);
    Entry* e = entries();
    for (std::uint32_t i = 0; i < entry_count; ++i) {
      e[i] = Entry{};
      e[i].next = i + 1 < entry_count ? i + 1 : kNone;
    }
    std::uint32_t* next = block_next();
    for (std::uint32_t i = 0; i < block_count; ++i) next[i] = i + 1 < block_count ? i + 1 : kNone;
    free_entries = 0;
    free_blocks = 0;
    free_block_count = block_count;
    hand = 0;
    used_entries = 0;
    used_bytes = 0;
    validated_counter = 0;
    validated_ms = 0;
    validated_generation = ~std::uint64_t{0};
  }

  static std::uint32_t blocks_for(std::size_t bytes) {
    return static_cast<std::uint32_t>((bytes + kBlockBytes - 1) / kBlockBytes);
  }

  // Calls fn(const char*, size_t) for each piece of bytes [offset, offset+len)
  // of the chain starting at `first`.
  template <typename Fn>
  void for_each_piece(std::uint32_t first, std::size_t offset, std::size_t len, Fn&& fn) {
    std::uint32_t b = first;
    while (offset >= kBlockBytes) {
      b = block_next()[b];
      offset -= kBlockBytes;
    }
    while (len > 0) {
      const std::size_t n = std::min<std::size_t>(len, kBlockBytes - offset);
      if (!fn(block(b) + offset, n)) return;
      len -= n;
      offset = 0;
      b = block_next()[b];
    }
  }

  bool key_equals(const Entry& e, std::string_view key) {
    if (e.key_len != key.size()) return false;
    bool equal = true;
    std::size_t pos = 0;
    for_each_piece(e.first_block, 0, key.size(), [&](const char* p, std::size_t n) {
      equal = std::memcmp(p, key.data() + pos, n) == 0;
      pos += n;
      return equal;
    });
    return equal;
  }

  // The entry holding `key`, and the link that points to it.
  std::uint32_t find(std::uint64_t hash, std::string_view key, std::uint32_t** link) {
    std::uint32_t* l = &buckets()[hash & (bucket_count - 1)];
    while (*l != kNone) {
      Entry& e = entries()[*l];
      if (e.hash == hash && key_equals(e, key)) {
        if (link) *link = l;
        return *l;
      }
      l = &e.next;
    }
    return kNone;
  }

  void remove(std::uint32_t index) {
    Entry& e = entries()[index];
    std::uint32_t* l = &buckets()[e.hash & (bucket_count - 1)];
    while (*l != index) l = &entries()[*l].next;
    *l = e.next;
    // Return the block chain.
    std::uint32_t b = e.first_block;
    std::uint32_t n = blocks_for(std::size_t{e.key_len} + e.value_len);
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t following = block_next()[b];
      block_next()[b] = free_blocks;
      free_blocks = b;
      b = following;
    }
    free_block_count += n;
    used_bytes -= std::size_t{e.key_len} + e.value_len;
    --used_entries;
    e = Entry{};
    e.next = free_entries;
    free_entries = index;
  }

  // CLOCK: frees entries until `blocks` blocks and one entry are free.
  bool make_room(std::uint32_t blocks) {
    for (std::uint64_t steps = 0; steps <= 2ull * entry_count + 1; ++steps) {
      if (free_block_count >= blocks && free_entries != kNone) return true;
      Entry& e = entries()[hand];
      const std::uint32_t index = hand;
      hand = hand + 1 < entry_count ? hand + 1 : 0;
      if (!e.used) continue;
      if (e.referenced) {
        e.referenced = 0;
        continue;
      }
      remove(index);
      evictions.fetch_add(1, std::memory_order_relaxed);
    }
    return free_block_count >= blocks && free_entries != kNone;
  }
};

// Holds the mutex; a holder that died leaves the structures suspect, so
// they are emptied (never served half-written).
struct ResponseCache::Lock {
  explicit Lock(Shared* s) : s_(s) {
    const int rc = pthread_mutex_lock(&s_->mutex);
    if (rc == EOWNERDEAD) {
      s_->reset();
      s_->generation.fetch_add(1);
      pthread_mutex_consistent(&s_->mutex);
    } else if (rc != 0) {
      throw std::runtime_error(std::string("response cache lock: ") + std::strerror(rc));
    }
  }
  ~Lock() { pthread_mutex_unlock(&s_->mutex); }
  Shared* s_;
};

ResponseCache::ResponseCache(std::size_t max_bytes) {
  std::size_t entries = std::max<std::size_t>(64, max_bytes / kBytesPerEntry);
  std::size_t buckets = 1;
  while (buckets < entries) buckets <<= 1;
  const std::size_t meta =
      sizeof(Shared) + buckets * sizeof(std::uint32_t) + entries * sizeof(Entry);
  if (max_bytes < meta + 64 * (kBlockBytes + sizeof(std::uint32_t))) {
    throw std::invalid_argument("cache.max_bytes is too small for the cache's own tables");
  }
  const std::size_t blocks = (max_bytes - meta) / (kBlockBytes + sizeof(std::uint32_t));
  void* p = mmap(nullptr, max_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
  mapped_ = max_bytes;
  shared_ = new (p) Shared();
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&shared_->mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  shared_->latest_counter.store(-1);
  shared_->bucket_count = static_cast<std::uint32_t>(buckets);
  shared_->entry_count = static_cast<std::uint32_t>(entries);
  shared_->block_count = static_cast<std::uint32_t>(blocks);
  shared_->reset();
}

ResponseCache::~ResponseCache() {
  if (shared_ != nullptr) munmap(shared_, mapped_);
}

std::uint64_t ResponseCache::generation() const {
  return shared_->generation.load(std::memory_order_acquire);
}

void ResponseCache::invalidate_all() {
  shared_->generation.fetch_add(1, std::memory_order_acq_rel);
  shared_->invalidations.fetch_add(1, std::memory_order_relaxed);
}

ResponseCache::Found ResponseCache::lookup(std::string_view key, std::string& out) {
  const std::uint64_t hash = std::hash<std::string_view>{}(key);
  Lock lock(shared_);
  const std::uint32_t index = shared_->find(hash, key, nullptr);
  if (index == kNone) return {};
  Entry& e = shared_->entries()[index];
  if (e.generation != shared_->generation.load(std::memory_order_acquire)) {
    shared_->remove(index);  // made before a write through this host
    return {};
  }
  e.referenced = 1;
  out.reserve(out.size() + e.value_len);
  shared_->for_each_piece(e.first_block, e.key_len, e.value_len, [&](const char* p, std::size_t n) {
    out.append(p, n);
    return true;
  });
  return {true, e.change_counter};
}

void ResponseCache::store(std::string_view key, std::string_view value, std::uint64_t generation,
                          std::int64_t change_counter) {
  if (value.size() > max_value_bytes() || key.size() > max_value_bytes()) return;
  const std::uint64_t hash = std::hash<std::string_view>{}(key);
  const std::uint32_t blocks = Shared::blocks_for(key.size() + value.size());
  Lock lock(shared_);
  Shared& s = *shared_;
  // A write through this host since the rendering started: the result
  // may predate it.
  if (s.generation.load(std::memory_order_acquire) != generation) return;
  const std::uint32_t old = s.find(hash, key, nullptr);
  if (old != kNone) s.remove(old);
  if (!s.make_room(blocks)) return;
  const std::uint32_t index = s.free_entries;
  Entry& e = s.entries()[index];
  s.free_entries = e.next;
  // Take `blocks` blocks off the free list; they form the entry's chain.
  const std::uint32_t first = s.free_blocks;
  std::uint32_t last = first;
  for (std::uint32_t i = 1; i < blocks; ++i) last = s.block_next()[last];
  s.free_blocks = s.block_next()[last];
  s.block_next()[last] = kNone;
  s.free_block_count -= blocks;
  e = Entry{hash,
            generation,
            change_counter,
            static_cast<std::uint32_t>(key.size()),
            static_cast<std::uint32_t>(value.size()),
            first,
            kNone,
            1,
            0};
  std::size_t pos = 0;
  s.for_each_piece(first, 0, key.size(), [&](char* p, std::size_t n) {
    std::memcpy(p, key.data() + pos, n);
    pos += n;
    return true;
  });
  pos = 0;
  s.for_each_piece(first, key.size(), value.size(), [&](char* p, std::size_t n) {
    std::memcpy(p, value.data() + pos, n);
    pos += n;
    return true;
  });
  std::uint32_t* head = &s.buckets()[hash & (s.bucket_count - 1)];
  e.next = *head;
  *head = index;
  ++s.used_entries;
  s.used_bytes += key.size() + value.size();
  s.stores.fetch_add(1, std::memory_order_relaxed);
}

void ResponseCache::drop(std::string_view key, std::int64_t change_counter) {
  const std::uint64_t hash = std::hash<std::string_view>{}(key);
  Lock lock(shared_);
  const std::uint32_t index = shared_->find(hash, key, nullptr);
  if (index != kNone && shared_->entries()[index].change_counter == change_counter) {
    shared_->remove(index);
    shared_->stale.fetch_add(1, std::memory_order_relaxed);
  }
}

std::int64_t ResponseCache::latest_counter() const {
  return shared_->latest_counter.load(std::memory_order_acquire);
}

void ResponseCache::note_counter(std::int64_t change_counter) {
  std::int64_t seen = shared_->latest_counter.load(std::memory_order_relaxed);
  while (seen < change_counter && !shared_->latest_counter.compare_exchange_weak(
                                      seen, change_counter, std::memory_order_acq_rel)) {
  }
}

void ResponseCache::note_validated(std::int64_t change_counter, std::uint64_t generation,
                                   std::int64_t now_ms) {
  Lock lock(shared_);
  Shared& s = *shared_;
  // Only within the current generation, and never backwards: the newest
  // counter, with the latest time a read started that found it.
  if (generation != s.generation.load(std::memory_order_acquire)) return;
  if (s.validated_generation == generation &&
      (change_counter < s.validated_counter ||
       (change_counter == s.validated_counter && now_ms <= s.validated_ms))) {
    return;
  }
  s.validated_counter = change_counter;
  s.validated_ms = now_ms;
  s.validated_generation = generation;
}

bool ResponseCache::validated_since(std::int64_t change_counter, std::int64_t now_ms,
                                    std::int64_t max_age_ms) const {
  Lock lock(shared_);
  const Shared& s = *shared_;
  return s.validated_generation == s.generation.load(std::memory_order_acquire) &&
         s.validated_counter == change_counter && now_ms - s.validated_ms <= max_age_ms;
}

void ResponseCache::count_hit() {
  shared_->hits.fetch_add(1, std::memory_order_relaxed);
}
void ResponseCache::count_miss() {
  shared_->misses.fetch_add(1, std::memory_order_relaxed);
}

std::size_t ResponseCache::max_value_bytes() const {
  return std::size_t{shared_->block_count} * kBlockBytes / 8;
}

CacheStats ResponseCache::stats() const {
  CacheStats st;
  st.hits = shared_->hits.load();
  st.misses = shared_->misses.load();
  st.stores = shared_->stores.load();
  st.invalidations = shared_->invalidations.load();
  st.evictions = shared_->evictions.load();
  st.stale = shared_->stale.load();
  st.capacity_bytes = mapped_;
  Lock lock(shared_);
  st.entries = shared_->used_entries;
  st.used_bytes = shared_->used_bytes;
  return st;
}

}  // namespace prefixd::api
