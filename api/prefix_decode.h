// SPDX-License-Identifier: MIT
// Decoding of the prefix methods' arguments (spec/xmlrpc.md §5.4, §6,
// spec/search.md §2.2) into backend types, with NIPAP's faults in NIPAP's
// order (spec/errors.md §4.3).
#pragma once

#include "api/value.h"
#include "backend/model.h"
#include "backend/prefix_store.h"

namespace prefixd::api {

// add_prefix's attr and the mode its keys and `args` select. Refuses a
// non-struct attr, bad pool/VRF alias types, a wrong mode combination
// (1120), extraneous keys, bad AVPs, a missing description/node key and
// values of the wrong type.
PrefixChanges decode_add_prefix_attr(const Value* attr, const Value* args, AddMode& mode);

// edit_prefix's attr: the same keys; no required ones.
PrefixChanges decode_edit_prefix_attr(const Value* attr);

// How a non-struct spec is answered.
enum class SpecUse { kList, kEdit, kRemove };
// A prefix spec (xmlrpc.md §6). kList: nil means "all".
PrefixSpec decode_prefix_spec(const Value* spec, SpecUse use);

// search_options of search_prefix (search.md §2.2). `echo` receives the
// struct sent back: the given one with the normalised values and all eight
// option keys (unknown keys kept).
PrefixSearchOptions decode_prefix_search_options(const Value* options, Value::Struct& echo);

}  // namespace prefixd::api
