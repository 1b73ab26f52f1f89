// SPDX-License-Identifier: MIT
// The method table: every public API method declared once (name, the
// backend operation it runs, how its argument struct is decoded, how the
// result is written, help). Whether it writes is the operation's. XML-RPC,
// JSON and REST are codecs over this table.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/value.h"
#include "api/value_writer.h"
#include "api/wire_decode.h"
#include "backend/db_session.h"
#include "backend/operation.h"

namespace prefixd::api {

struct ApiSettings {
  // echo's `sleep` delays its answer (the worker serves others meanwhile);
  // longer requests are cut to this.
  double max_echo_sleep_seconds = 10;
  // The most calls one POST /api/v1/batch may carry (limits.max_batch_calls).
  std::size_t max_batch_calls = 10000;
};

class CallCache;

// What handlers may use. One per worker.
struct ApiServices {
  DbSession& db;
  Authenticator& authenticator;
  ApiSettings settings;
  // Set by a handler: send this call's answer this much later. Reset for
  // every request by the router.
  std::chrono::milliseconds answer_delay{0};
  // The rendered-response cache; nullptr: off.
  CallCache* cache = nullptr;
};

// A write through this worker ended: the response cache forgets what it
// rendered before (before the write's response is sent).
void note_write(ApiServices& services);

struct CallContext {
  Session session;
  ApiServices& services;
  std::string_view method;
  // A transaction the caller holds (several calls in one); nullptr: each
  // operation runs in the transaction shape it chooses.
  ops::Transaction* transaction = nullptr;
};

// One method call: decode the argument struct, run the operation, encode
// its result (or, for the few methods without an operation, answer).
using Invoke = void (*)(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

enum class Access { kRead, kWrite };

struct MethodDef {
  std::string_view name;
  Access access;
  Invoke invoke;
  std::string_view help;
};

// Runs the operation Op for a call whose envelope was checked.
// A write is reported to the cache however it ends (its commit may have
// happened even when it throws).
template <typename Op>
typename Op::Result run_operation(CallContext& ctx, const typename Op::Args& args) {
  if constexpr (Op::kEffect == ops::Effect::kWrite) {
    struct Wrote {
      ApiServices& services;
      ~Wrote() { note_write(services); }
    } wrote{ctx.services};
    return ops::execute<Op>(ctx.services.db, ctx.transaction, actor_of(ctx.session), args);
  } else {
    return ops::execute<Op>(ctx.services.db, ctx.transaction, actor_of(ctx.session), args);
  }
}

// A row of the method table: `name` runs the operation Op on the arguments
// Decode makes of the call's struct, and Encode writes Op's result. Decode:
// Op::Args (const Value::Struct&); Encode: void (ValueWriter&, const
// Value::Struct& args, const Op::Result&).
template <typename Op, auto Decode, auto Encode>
MethodDef method_row(std::string_view name, std::string_view help) {
  const Invoke invoke = [](CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
    const typename Op::Args decoded = Decode(args);
    Encode(out, args, run_operation<Op>(ctx, decoded));
  };
  return {name, Op::kEffect == ops::Effect::kWrite ? Access::kWrite : Access::kRead, invoke, help};
}

// Encode for methods that answer nil (remove_*): the result is for callers
// that show what was removed (the JSON API).
template <typename Result>
void write_nil_result(ValueWriter& out, const Value::Struct&, const Result&) {
  out.write_nil();
}

// Every API method, sorted by name.
const std::vector<MethodDef>& api_methods();
const MethodDef* find_api_method(std::string_view name);

// NIPAP's envelope checks, in NIPAP's order (spec/xmlrpc.md §2.2): exactly
// one struct argument, an `auth` struct with `authoritative_source`,
// credentials, read-only refusal of writes. Returns the context the call
// runs in; throws NipapError for every refusal.
CallContext open_call(const MethodDef& method, const std::vector<Value>& params,
                      const Credentials& credentials, ApiServices& services);

// The envelope checks of open_call that come before authentication; returns
// the auth struct's authoritative_source.
const Value& checked_envelope(const std::vector<Value>& params);
// open_call for a user already authenticated (a batch authenticates once).
CallContext open_call_as(const MethodDef& method, const std::vector<Value>& params,
                         const AuthenticatedUser& user, ApiServices& services);

// open_call, then the method.
void call_api_method(const MethodDef& method, const std::vector<Value>& params,
                     const Credentials& credentials, ApiServices& services, ValueWriter& out);

}  // namespace prefixd::api
