// SPDX-License-Identifier: MIT
#include "api/cached_call.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

#include "api/method_table.h"
#include "backend/change_counter.h"

namespace prefixd::api {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void append_length(std::string& out, std::size_t n) {
  out += std::to_string(n);
  out += ':';
}

// PostgreSQL reads these date/time inputs relative to the moment of the
// query ('now', 'today', 'tomorrow', 'yesterday'): a search comparing with
// one depends on the clock, not only on the data, so it is never cached.
bool mentions_relative_time(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"now", "today", "tomorrow", "yesterday"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

void append_canonical(std::string& out, const Value& v) {
  out += static_cast<char>('a' + static_cast<int>(v.type()));
  switch (v.type()) {
    case Value::Type::kNil:
      break;
    case Value::Type::kBool:
    case Value::Type::kInt:
      out += std::to_string(v.as_int());
      out += ';';
      break;
    case Value::Type::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%a;", v.as_double());
      out += buf;
      break;
    }
    case Value::Type::kBigInt:
    case Value::Type::kString:
    case Value::Type::kDateTime:
    case Value::Type::kBinary:
      append_length(out, v.text().size());
      out += v.text();
      break;
    case Value::Type::kArray:
      append_length(out, v.as_array().size());
      for (const Value& item : v.as_array()) append_canonical(out, item);
      break;
    case Value::Type::kStruct:
      append_length(out, v.as_struct().size());
      for (const auto& [k, item] : v.as_struct()) {
        append_length(out, k.size());
        out += k;
        append_canonical(out, item);
      }
      break;
  }
}

bool cacheable_method(std::string_view name) {
  return name.starts_with("list_") || name.starts_with("search_") ||
         name.starts_with("smart_search_");
}

std::set<std::string, std::less<>> parse_excluded_methods(std::string_view list) {
  std::set<std::string, std::less<>> names;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
      name.remove_prefix(1);
    }
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
      name.remove_suffix(1);
    }
    if (name.empty()) continue;
    const MethodDef* method = find_api_method(name);
    if (method == nullptr || method->access != Access::kRead || !cacheable_method(name)) {
      throw std::invalid_argument("cache.exclude_methods: '" + std::string(name) +
                                  "' is not a cached read method (list_*, search_*, "
                                  "smart_search_*)");
    }
    names.emplace(name);
  }
  return names;
}

bool CallCache::serves(const MethodDef& method) const {
  return settings_.enabled && method.access == Access::kRead && cacheable_method(method.name) &&
         !settings_.excluded_methods.contains(method.name);
}

bool CallCache::fresh(std::int64_t entry_counter) {
  const std::int64_t start = steady_ms();
  if (settings_.max_staleness_ms > 0 &&
      store_.validated_since(entry_counter, start, settings_.max_staleness_ms)) {
    return true;
  }
  const std::uint64_t generation = store_.generation();
  const std::int64_t now = read_change_counter(db_);
  store_.note_counter(now);
  store_.note_validated(now, generation, start);
  return now == entry_counter;
}

void CallCache::invoke(const MethodDef& method, CallContext& ctx, const Value::Struct& args,
                       ValueWriter& out) {
  invoke_as(method, "", ctx, args, out, [&] { method.invoke(ctx, args, out); });
}

void CallCache::invoke_as(const MethodDef& method, std::string_view variant, CallContext& ctx,
                          const Value::Struct& args, ValueWriter& out,
                          const std::function<void()>& render) {
  std::string* buffer = out.cache_buffer();
  std::string format = buffer != nullptr ? out.cache_format() : std::string();
  if (format.empty()) {
    render();
    return;
  }
  format += variant;
  key_.clear();
  key_ += format;
  key_ += '\n';
  key_ += method.name;
  key_ += '\n';
  key_ += ctx.session.readonly ? 'r' : 'w';
  key_ += ctx.session.trusted ? 't' : 'u';
  key_ += '\n';
  std::size_t members = 0;
  for (const auto& [name, value] : args) {
    if (name == "auth") continue;
    ++members;
    append_length(key_, name.size());
    key_ += name;
    append_canonical(key_, value);
  }
  key_ += std::to_string(members);
  if (mentions_relative_time(std::string_view(key_).substr(format.size()))) {
    render();
    return;
  }

  const std::size_t mark = buffer->size();
  const ResponseCache::Found found = store_.lookup(key_, *buffer);
  if (found.found) {
    if (fresh(found.change_counter)) {
      out.cached_value_appended();
      store_.count_hit();
      spdlog::debug("response cache: hit for {}", method.name);
      return;
    }
    buffer->resize(mark);
    store_.drop(key_, found.change_counter);
  }
  store_.count_miss();
  // The generation and the change counter are taken before the query, so
  // a write committed in between makes the entry look older than it is
  // (a miss later), never newer. A counter some worker read earlier is as
  // good and saves a round trip.
  const std::uint64_t generation = store_.generation();
  std::int64_t counter = store_.latest_counter();
  if (counter < 0) {
    counter = read_change_counter(db_);
    store_.note_counter(counter);
  }
  render();
  store_.store(key_, std::string_view(*buffer).substr(mark), generation, counter);
  spdlog::debug("response cache: miss for {} ({} bytes stored)", method.name,
                buffer->size() - mark);
}

}  // namespace prefixd::api
