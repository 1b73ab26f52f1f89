// SPDX-License-Identifier: MIT
// Read methods through the rendered-response cache (api/response_cache.h):
// the key (format and writer state, method, the caller's visibility, the
// arguments without `auth`), the freshness check of every hit against the
// database's change counter, and the invalidation by local writes.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "api/response_cache.h"
#include "api/value.h"
#include "api/value_writer.h"

namespace prefixd {
class DbSession;
}

namespace prefixd::api {

struct CallContext;
struct MethodDef;

struct CacheSettings {
  // false: nothing is served or stored, but writes still start new
  // generations (a configuration reloaded later may turn serving on again).
  bool enabled = true;
  // 0: every hit is checked against the database's change counter (one
  // cheap query); N > 0: a hit whose counter some worker read within N ms
  // is served without the query (writes by other hosts or plain SQL may
  // then be missed for up to N ms; writes through this host never are).
  std::int64_t max_staleness_ms = 0;
  std::set<std::string, std::less<>> excluded_methods;
};

// The methods the cache may hold: list_*, search_*, smart_search_*.
bool cacheable_method(std::string_view name);

// cache.exclude_methods ("a, b"): the names, each a cacheable method;
// throws std::invalid_argument naming the first that is not.
std::set<std::string, std::less<>> parse_excluded_methods(std::string_view list);

class CallCache {
 public:
  CallCache(ResponseCache& store, DbSession& db, CacheSettings settings)
      : store_(store), db_(db), settings_(std::move(settings)) {}

  // Whether calls of `method` go through the cache.
  bool serves(const MethodDef& method) const;
  // Runs `method` (already authorised in ctx), answering from the cache
  // when a fresh rendering of the same call in the same format exists.
  void invoke(const MethodDef& method, CallContext& ctx, const Value::Struct& args,
              ValueWriter& out);
  // The same for a transport that renders the method's result its own way
  // (`variant` names that way; `render` writes the result into `out`).
  void invoke_as(const MethodDef& method, std::string_view variant, CallContext& ctx,
                 const Value::Struct& args, ValueWriter& out, const std::function<void()>& render);
  // A write through this host ended (committed, failed or unknown): nothing
  // rendered before it is served again. Called before its response is sent.
  void wrote() { store_.invalidate_all(); }

  ResponseCache& store() { return store_; }

 private:
  bool fresh(std::int64_t entry_counter);

  ResponseCache& store_;
  DbSession& db_;
  CacheSettings settings_;
  std::string key_;  // reused between calls
};

// Appends a canonical encoding of `v` (type-tagged, length-prefixed) to `out`.
void append_canonical(std::string& out, const Value& v);

}  // namespace prefixd::api
