// SPDX-License-Identifier: MIT
#include "backend/errors.h"

namespace prefixd {

const char* fault_class_name(FaultCode code) {
  switch (code) {
    case FaultCode::kGeneric:
      return "Fault";
    case FaultCode::kError:
      return "NipapError";
    case FaultCode::kInput:
      return "NipapInputError";
    case FaultCode::kMissingInput:
      return "NipapMissingInputError";
    case FaultCode::kExtraneousInput:
      return "NipapExtraneousInputError";
    case FaultCode::kNoSuchOperator:
      return "NipapNoSuchOperatorError";
    case FaultCode::kValue:
      return "NipapValueError";
    case FaultCode::kNonExistent:
      return "NipapNonExistentError";
    case FaultCode::kDuplicate:
      return "NipapDuplicateError";
    case FaultCode::kAuth:
      return "AuthError";
    case FaultCode::kAuthentication:
      return "AuthenticationFailed";
    case FaultCode::kAuthorization:
      return "AuthorizationFailed";
  }
  return "NipapError";
}

}  // namespace prefixd
