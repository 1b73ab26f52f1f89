// SPDX-License-Identifier: MIT
// POST /api/v1/batch (issue 13): a JSON array of method calls run in one
// transaction, all or nothing. Each call is {"method": NAME, "args": {...}}
// (args as POST /api/v1/NAME takes them, auth optional). The reply is
// {"results": [...]}, one result per call in order; or, when a call fails,
// nothing is stored and the error names the call by its index.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "api/auth.h"
#include "api/method_table.h"
#include "api/value.h"
#include "api/value_writer.h"
#include "backend/errors.h"

namespace prefixd::api {

// The call of a batch that failed (0-based index), with its NIPAP fault.
class BatchFailure : public std::runtime_error {
 public:
  BatchFailure(std::size_t index, FaultCode code, const std::string& message)
      : std::runtime_error(message), index(index), code(code) {}
  std::size_t index;
  FaultCode code;
};

// Checks every call (shape, method, envelope, a read-only user's writes)
// before any runs, then runs them in one transaction, writing
// {"results": [...]} to `out`. Throws NipapError for a body
// that is not a batch (with code and message for the whole request) and
// BatchFailure for a call that fails; DatabaseUnavailable passes through.
void run_batch(Value body, const Credentials& credentials, ApiServices& services, ValueWriter& out);

}  // namespace prefixd::api
