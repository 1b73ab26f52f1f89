// The method table: every public API method declared once (name, whether it
// writes, handler, help). XML-RPC, JSON and REST are codecs over this table.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/value.h"
#include "api/value_writer.h"
#include "backend/db_session.h"

namespace prefixd::api {

struct ApiSettings {
  // echo's `sleep` delays its answer (the worker serves others meanwhile);
  // longer requests are cut to this.
  double max_echo_sleep_seconds = 10;
};

// What handlers may use. One per worker.
struct ApiServices {
  DbSession& db;
  Authenticator& authenticator;
  ApiSettings settings;
  // Set by a handler: send this call's answer this much later. Reset for
  // every request by the router.
  std::chrono::milliseconds answer_delay{0};
};

struct CallContext {
  Session session;
  ApiServices& services;
  std::string_view method;
};

using Handler = void (*)(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

enum class Access { kRead, kWrite };

struct MethodDef {
  std::string_view name;
  Access access;
  Handler handler;
  std::string_view help;
};

// Every API method, sorted by name.
const std::vector<MethodDef>& api_methods();
const MethodDef* find_api_method(std::string_view name);

// Runs one API call through NIPAP's envelope checks, in NIPAP's order
// (spec/xmlrpc.md §2.2): exactly one struct argument, an `auth` struct with
// `authoritative_source`, credentials, read-only refusal of writes; then
// the handler. Throws NipapError for every refusal.
void call_api_method(const MethodDef& method, const std::vector<Value>& params,
                     const Credentials& credentials, ApiServices& services, ValueWriter& out);

}  // namespace prefixd::api
