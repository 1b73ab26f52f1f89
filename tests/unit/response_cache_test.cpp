// SPDX-License-Identifier: MIT
// The shared-memory store of the response cache: lookups, replacement,
// generations, CLOCK eviction within the mapped size, sharing with a forked
// child, and the canonical argument encoding.
#include "api/response_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>

#include "api/cached_call.h"
#include "api/json_codec.h"
#include "api/xmlrpc_codec.h"

namespace prefixd::api {
namespace {

TEST(ResponseCache, StoresAndFindsByKey) {
  ResponseCache cache(1 << 20);
  std::string out = "prefix:";
  EXPECT_FALSE(cache.lookup("k1", out).found);
  cache.store("k1", "value one", cache.generation(), 7);
  cache.store("k2", std::string(5000, 'x'), cache.generation(), 8);
  const auto found = cache.lookup("k1", out);
  ASSERT_TRUE(found.found);
  EXPECT_EQ(found.change_counter, 7);
  EXPECT_EQ(out, "prefix:value one");
  out.clear();
  ASSERT_TRUE(cache.lookup("k2", out).found);
  EXPECT_EQ(out, std::string(5000, 'x'));
  cache.store("k1", "replaced", cache.generation(), 9);
  out.clear();
  EXPECT_EQ(cache.lookup("k1", out).change_counter, 9);
  EXPECT_EQ(out, "replaced");
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(ResponseCache, AWriteForgetsEverythingAndRefusesOlderRenderings) {
  ResponseCache cache(1 << 20);
  const auto before = cache.generation();
  cache.store("k", "v", before, 1);
  cache.invalidate_all();
  std::string out;
  EXPECT_FALSE(cache.lookup("k", out).found);
  cache.store("k", "rendered before the write", before, 1);
  EXPECT_FALSE(cache.lookup("k", out).found);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache.stats().invalidations, 1u);
}

TEST(ResponseCache, DropOnlyTheStaleVersion) {
  ResponseCache cache(1 << 20);
  cache.store("k", "v", cache.generation(), 3);
  cache.drop("k", 2);
  std::string out;
  EXPECT_TRUE(cache.lookup("k", out).found);
  cache.drop("k", 3);
  EXPECT_FALSE(cache.lookup("k", out).found);
}

TEST(ResponseCache, EvictsWithinItsSize) {
  const std::size_t size = 1 << 20;
  ResponseCache cache(size);
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const std::string key = "key" + std::to_string(i);
    cache.store(key, std::string(rng() % 9000, static_cast<char>('a' + i % 26)), cache.generation(),
                i);
    const CacheStats st = cache.stats();
    ASSERT_LE(st.used_bytes, size);
  }
  const CacheStats st = cache.stats();
  EXPECT_GT(st.evictions, 0u);
  EXPECT_GT(st.entries, 10u);
  // The newest entry is there and intact.
  std::string out;
  ASSERT_TRUE(cache.lookup("key19999", out).found);
  EXPECT_EQ(out, std::string(out.size(), static_cast<char>('a' + 19999 % 26)));
  // Too large for one entry: not stored, nothing breaks.
  cache.store("huge", std::string(size, 'h'), cache.generation(), 1);
  EXPECT_FALSE(cache.lookup("huge", out).found);
}

TEST(ResponseCache, SharedWithForkedChildren) {
  ResponseCache cache(1 << 20);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    cache.store("from child", "hello", cache.generation(), 5);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::string out;
  ASSERT_TRUE(cache.lookup("from child", out).found);
  EXPECT_EQ(out, "hello");
}

TEST(ResponseCache, ValidationTimeNeverGoesBackwards) {
  ResponseCache cache(1 << 20);
  const auto g = cache.generation();
  cache.note_validated(10, g, 1000);
  EXPECT_TRUE(cache.validated_since(10, 1500, 500));
  EXPECT_FALSE(cache.validated_since(10, 1501, 500));
  cache.note_validated(9, g, 2000);  // an older counter read late
  EXPECT_FALSE(cache.validated_since(9, 2000, 500));
  cache.invalidate_all();
  EXPECT_FALSE(cache.validated_since(10, 1000, 500));
}

TEST(ResponseCache, LatestCounterOnlyGrows) {
  ResponseCache cache(1 << 20);
  EXPECT_EQ(cache.latest_counter(), -1);
  cache.note_counter(5);
  cache.note_counter(3);
  EXPECT_EQ(cache.latest_counter(), 5);
  cache.note_counter(8);
  EXPECT_EQ(cache.latest_counter(), 8);
}

TEST(CachedCall, CanonicalEncodingTellsTypesApart) {
  std::string a, b, c;
  append_canonical(a, Value::integer(1));
  append_canonical(b, Value::string("1"));
  append_canonical(c, Value::structure({{"x", Value::string("1:")}}));
  EXPECT_NE(a, b);
  std::string d;
  append_canonical(d, Value::structure({{"x", Value::string("1")}, {":", Value::nil()}}));
  EXPECT_NE(c, d);
}

TEST(CachedCall, WriterStateNamesTheBytes) {
  std::string x, y;
  XmlRpcResponseWriter xml(x);
  EXPECT_EQ(xml.cache_format(), "xmlrpc");
  JsonWriter flat(y), pretty(y, true);
  EXPECT_NE(flat.cache_format(), pretty.cache_format());
  flat.begin_struct();
  const std::string before_key = flat.cache_format();
  flat.write_key("result");
  EXPECT_NE(flat.cache_format(), before_key);
}

}  // namespace
}  // namespace prefixd::api
