// SPDX-License-Identifier: MIT
#include "api/utility_methods.h"

#include <algorithm>
#include <chrono>

#include "backend/errors.h"
#include "backend/version.h"

namespace prefixd::api {

void handle_echo(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  if (auto it = args.find("sleep"); it != args.end() && it->second.truthy()) {
    const Value& sleep = it->second;
    double seconds = 0;
    if (sleep.type() == Value::Type::kInt || sleep.type() == Value::Type::kBool) {
      seconds = static_cast<double>(sleep.as_int());
    } else if (sleep.type() == Value::Type::kDouble) {
      seconds = sleep.as_double();
    } else {
      throw NipapError(FaultCode::kValue, "'sleep' must be a number of seconds");
    }
    if (!(seconds > 0)) seconds = 0;  // NaN too
    seconds = std::min(seconds, ctx.services.settings.max_echo_sleep_seconds);
    // Not a sleep: the answer is scheduled, so the worker goes on serving.
    ctx.services.answer_delay = std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
  }
  auto it = args.find("message");
  if (it == args.end()) {
    out.write_nil();
  } else {
    out.write(it->second);
  }
}

void handle_version(CallContext&, const Value::Struct&, ValueWriter& out) {
  out.write_string(kVersion);
}

void handle_db_version(CallContext&, const Value::Struct&, ValueWriter& out) {
  out.write_int(kNipapSchemaVersion);
}

}  // namespace prefixd::api
