// SPDX-License-Identifier: MIT
// Decoding of the ASN methods' wire arguments (spec/xmlrpc.md §5.5, §6;
// spec/errors.md §4.5) into the backend's types, with NIPAP's faults.
#pragma once

#include "api/value.h"
#include "backend/model.h"

namespace prefixd::api {

// An ASN selector. nullptr (absent), nil or a non-struct → 1100 "asn
// specification must be a dict"; callers that accept nil check it first.
AsnSpec decode_asn_spec(const Value* spec);
// `adding`: add_asn's attributes (asn required, asn and name allowed);
// otherwise edit_asn's (name only).
AsnChanges decode_asn_attr(const Value* attr, bool adding);

}  // namespace prefixd::api
