// SPDX-License-Identifier: MIT
// Handlers of the utility methods: echo, version, db_version.
#pragma once

#include "api/method_table.h"

namespace prefixd::api {

void handle_echo(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_version(CallContext& ctx, const Value::Struct& args, ValueWriter& out);
void handle_db_version(CallContext& ctx, const Value::Struct& args, ValueWriter& out);

}  // namespace prefixd::api
