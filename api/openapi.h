// SPDX-License-Identifier: MIT
// The OpenAPI 3 description of /api/v1, produced at run time: a path per
// method of the method table, the resource routes of the JSON front-end, and
// object schemas taken from what the model writers emit (no document is kept
// in the tree, so it cannot drift from the code).
#pragma once

#include "api/value.h"

namespace prefixd::api {

// Built once per process; written by the JSON front-end at
// GET /api/v1/openapi.json.
const Value& openapi_document();

}  // namespace prefixd::api
