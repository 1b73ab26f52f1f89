// SPDX-License-Identifier: MIT
#include "api/batch.h"

#include <vector>

#include "api/json_frontend.h"
#include "backend/operation.h"

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
    for (std::size_t i = 0; i < calls.size(); ++i) {
      contexts[i].transaction = &transaction;
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
