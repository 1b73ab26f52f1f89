// SPDX-License-Identifier: MIT
// Typed errors carrying NIPAP's numeric fault codes (spec/errors.md §1).
// The backend throws them; each transport decides how they look on the wire.
#pragma once

#include <stdexcept>
#include <string>

namespace prefixd {

enum class FaultCode : int {
  kGeneric = 1,             // transport-level trouble: bad XML, unknown method
  kError = 1000,            // NipapError
  kInput = 1100,            // NipapInputError
  kMissingInput = 1110,     // NipapMissingInputError
  kExtraneousInput = 1120,  // NipapExtraneousInputError
  kNoSuchOperator = 1130,   // NipapNoSuchOperatorError
  kValue = 1200,            // NipapValueError
  kNonExistent = 1300,      // NipapNonExistentError
  kDuplicate = 1400,        // NipapDuplicateError
  kAuth = 1500,             // AuthError
  kAuthentication = 1510,   // AuthenticationFailed
  kAuthorization = 1520,    // AuthorizationFailed
};

// NIPAP's class name for a code ("NipapValueError", ...), used by the JSON API.
const char* fault_class_name(FaultCode code);

class NipapError : public std::runtime_error {
 public:
  NipapError(FaultCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  FaultCode code() const { return code_; }

 private:
  FaultCode code_;
};

// The database connection is unusable (SQLSTATE classes 08, 53, 54, 57, 58,
// or no connection at all). Reported as fault 1000; the worker reconnects for
// the next call and never retries this one.
class DatabaseUnavailable : public NipapError {
 public:
  explicit DatabaseUnavailable(const std::string& message)
      : NipapError(FaultCode::kError, message) {}
};

// PostgreSQL aborted the call's transaction to break a deadlock (SQLSTATE
// 40P01) or for a serialization failure (40001): it changed nothing, and
// running the call again in a new transaction is safe. A write operation
// run on its own is retried (DbSession::retry_conflicts); a batch is not.
class TransactionConflict : public NipapError {
 public:
  explicit TransactionConflict(const std::string& message)
      : NipapError(FaultCode::kError, message) {}
};

}  // namespace prefixd
