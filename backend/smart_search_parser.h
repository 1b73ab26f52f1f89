// SPDX-License-Identifier: MIT
// Smart search (spec/search.md §4): turns the free-text query a user types
// into the structured query of §1, with the `interpretation` NIPAP attaches
// to every node that came from the text. Transport-free; the smart_search_*
// methods wrap the result (extra_query, search, response shape).
#pragma once

#include <string>
#include <string_view>

#include "backend/query.h"

namespace prefixd {

struct SmartSearchParse {
  // The tree to search with and to echo as `interpretation`. When parsing
  // failed it still holds every node (or the §4.2 failure tree), so clients
  // can show what went wrong.
  Query query;
  bool error = false;
  // What the response's `error_message` says when error is true.
  std::string error_message;
  // The first specific reason ("unclosed quote", "unknown attribute", ...),
  // for logs and the JSON API.
  std::string detail;
};

// VRF, pool and prefix strings never throw: malformed input is a failed
// parse. ASN strings follow NIPAP's shell-style rules and throw NipapError
// 1200 for an unbalanced quote ("No closing quotation") or a trailing
// backslash, and for more search terms than the parser accepts. Tags have no
// smart search (NipapError 1100).
SmartSearchParse parse_smart_search(SearchObject object, std::string_view text);

}  // namespace prefixd
