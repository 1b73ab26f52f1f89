// SPDX-License-Identifier: MIT
#include "api/batch.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "api/json_frontend.h"
#include "api/prefix_methods.h"
#include "api/wire_decode.h"
#include "backend/operation.h"
#include "backend/prefix_operations.h"

namespace prefixd::api {

namespace {

std::string nth(std::size_t index) {
  return "call " + std::to_string(index);
}

// One call of the batch, checked: its method and its parameters.
struct Call {
  const MethodDef* method = nullptr;
  std::vector<Value> params;
};

Call checked_call(std::size_t index, Value& item) {
  if (!item.is_struct()) {
    throw BatchFailure(index, FaultCode::kInput,
                       nth(index) + " must be an object {\"method\": ..., \"args\": {...}}, not " +
                           json_type_name(item));
  }
  Value::Struct& fields = item.as_struct();
  for (const auto& [key, value] : fields) {
    if (key != "method" && key != "args") {
      throw BatchFailure(
          index, FaultCode::kExtraneousInput,
          nth(index) + ": unknown key '" + key + "' (a call has 'method' and 'args')");
    }
  }
  const auto name = fields.find("method");
  if (name == fields.end() || !name->second.is_string()) {
    throw BatchFailure(index, FaultCode::kMissingInput,
                       nth(index) + ": 'method' must be given as a string");
  }
  const std::string& method = name->second.text();
  Call call;
  call.method = find_api_method(method);
  if (method == "batch") {
    throw BatchFailure(index, FaultCode::kInput, nth(index) + ": a batch cannot contain a batch");
  }
  if (call.method == nullptr) {
    throw BatchFailure(index, FaultCode::kInput, nth(index) + ": no such method '" + method + "'");
  }
  if (method == "echo") {
    // Its sleep would hold the batch's transaction open.
    throw BatchFailure(index, FaultCode::kInput, nth(index) + ": echo cannot be batched");
  }
  Value::Struct args;
  if (const auto a = fields.find("args"); a != fields.end()) {
    if (!a->second.is_struct()) {
      throw BatchFailure(
          index, FaultCode::kInput,
          nth(index) + ": 'args' must be an object, not " + json_type_name(a->second));
    }
    args = std::move(a->second.as_struct());
  }
  try {
    json_default_auth(args);
  } catch (const NipapError& e) {
    throw BatchFailure(index, e.code(), nth(index) + ": " + e.what());
  }
  call.params.push_back(Value::structure(std::move(args)));
  return call;
}

// Runs of at least this many consecutive explicit add_prefix calls are
// tried as one statement.
constexpr std::size_t kMinAddRun = 16;

bool is_add_prefix(const Call& call) {
  return call.method->name == "add_prefix";
}

// The results of the add_prefix calls from `first` on, when they ran.
bool write_results(const std::vector<Call>& calls, std::size_t first,
                   const std::optional<std::vector<Prefix>>& added, ValueWriter& out) {
  if (!added) return false;
  for (std::size_t i = 0; i < added->size(); ++i) {
    write_prefix_result(out, calls[first + i].params[0].as_struct(), (*added)[i]);
  }
  return true;
}

// Consecutive identical allocating add_prefix calls from `first` on (the
// same arguments, so the same user and authoritative_source), run at once
// (ops::allocate_prefixes_at_once). Returns as run_adds_at_once does.
std::pair<bool, std::size_t> run_allocations_at_once(std::vector<Call>& calls,
                                                     std::vector<CallContext>& contexts,
                                                     std::size_t first,
                                                     const ops::AddPrefix::Args& args,
                                                     ops::Transaction& transaction,
                                                     ApiServices& services, ValueWriter& out) {
  std::size_t end = first + 1;
  while (end < calls.size() && calls[end].method == calls[first].method &&
         calls[end].params[0] == calls[first].params[0]) {
    ++end;
  }
  if (end - first < kMinAddRun) return {false, end};
  const auto added = ops::allocate_prefixes_at_once(transaction, actor_of(contexts[first].session),
                                                    args, static_cast<int>(end - first));
  note_write(services);
  return {write_results(calls, first, added, out), end};
}

// Consecutive explicit add_prefix calls from `first` on, by one user with
// one authoritative_source, added in one statement (add_prefixes_at_once)
// and their results written. Returns whether it ran them, and the end of
// the calls it considered (those run, or those to run one by one).
std::pair<bool, std::size_t> run_adds_at_once(std::vector<Call>& calls,
                                              std::vector<CallContext>& contexts, std::size_t first,
                                              ops::Transaction& transaction, ApiServices& services,
                                              ValueWriter& out) {
  std::optional<ops::AddPrefix::Args> head;
  try {
    head = decode_add_prefix(calls[first].params[0].as_struct());
  } catch (const NipapError&) {
    return {false, first + 1};  // refused when it runs on its own
  }
  if (head->allocation) {
    return run_allocations_at_once(calls, contexts, first, *head, transaction, services, out);
  }
  const Actor actor = actor_of(contexts[first].session);
  std::vector<ops::AddPrefix::Args> runs;
  std::size_t end = first;
  for (; end < calls.size() && is_add_prefix(calls[end]); ++end) {
    const Actor other = actor_of(contexts[end].session);
    if (other.username != actor.username || other.authenticated_as != actor.authenticated_as ||
        other.full_name != actor.full_name ||
        other.authoritative_source != actor.authoritative_source) {
      break;
    }
    try {
      ops::AddPrefix::Args args = decode_add_prefix(calls[end].params[0].as_struct());
      if (args.allocation || !args.attr.prefix) break;
      runs.push_back(std::move(args));
    } catch (const NipapError&) {
      break;  // refused when it runs on its own
    }
  }
  if (runs.size() < kMinAddRun) return {false, end};
  const auto added = ops::add_prefixes_at_once(transaction, actor, runs);
  note_write(services);
  return {write_results(calls, first, added, out), end};
}

}  // namespace

void run_batch(Value body, const Credentials& credentials, ApiServices& services,
               ValueWriter& out) {
  if (!body.is_array()) {
    throw NipapError(FaultCode::kInput,
                     "the batch body must be a JSON array of calls, not " + json_type_name(body));
  }
  std::vector<Value>& items = body.as_array();
  const std::size_t limit = services.settings.max_batch_calls;
  if (items.size() > limit) {
    throw NipapError(FaultCode::kInput, "a batch carries at most " + std::to_string(limit) +
                                            " calls (limits.max_batch_calls); this one has " +
                                            std::to_string(items.size()));
  }
  // Everything that can be refused without the database is, before any
  // call runs: a batch is refused whole or run whole.
  std::vector<Call> calls;
  calls.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    calls.push_back(checked_call(i, items[i]));
  }
  const AuthenticatedUser user = services.authenticator.authenticate(credentials, services.db);
  std::vector<CallContext> contexts;
  contexts.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    try {
      contexts.push_back(open_call_as(*calls[i].method, calls[i].params, user, services));
    } catch (const NipapError& e) {
      throw BatchFailure(i, e.code(), nth(i) + ": " + e.what());
    }
  }
  ops::in_transaction(services.db, [&](ops::Transaction& transaction) {
    out.begin_struct();
    out.write_key("results");
    out.begin_array();
    // A run of explicit adds that cannot go at once runs one by one.
    std::size_t one_by_one_until = 0;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      contexts[i].transaction = &transaction;
      if (i >= one_by_one_until && is_add_prefix(calls[i])) {
        const auto [ran, end] = run_adds_at_once(calls, contexts, i, transaction, services, out);
        if (ran) {
          i = end - 1;
          continue;
        }
        one_by_one_until = std::max(end, i + 1);
      }
      try {
        calls[i].method->invoke(contexts[i], calls[i].params[0].as_struct(), out);
      } catch (const NipapError& e) {
        if (dynamic_cast<const DatabaseUnavailable*>(&e) != nullptr) throw;
        throw BatchFailure(i, e.code(), e.what());
      }
    }
    out.end_array();
    out.end_struct();
    return 0;
  });
}

}  // namespace prefixd::api
