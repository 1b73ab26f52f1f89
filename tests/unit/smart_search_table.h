// SPDX-License-Identifier: MIT
// The smart-search table (spec/search.md §4): query strings with the tree and
// interpretation prefixd answers for them, each row citing the section it
// checks. Shared by the table test (smart_search_parser_test.cpp) and the
// fuzz target's seed corpus (tests/fuzz), so the two never drift apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/query.h"

namespace prefixd::smart_search_table {

struct Row {
  SearchObject object;
  std::string input;
  bool success;          // false: the parse failed (response error true)
  std::string expected;  // render() of the tree, or "throws CODE: message"
  const char* section;   // the search.md section the row checks
};

const std::vector<Row>& rows();

// Canonical text of a tree: {key=value,...} then op(child, child) or
// [op attribute value]; strings JSON-quoted.
std::string render(const Query& q);
std::string Q(std::string_view s);

// Expected trees used outside the table too.
std::string PText(std::string_view s);     // §4.5 prefix text match
std::string VText(std::string_view s);     // §4.7 VRF text match
std::string PoolText(std::string_view s);  // §4.7 pool text match
std::string V6Addr(std::string_view s);
std::string AsnText(std::string_view s);
std::string And(const std::string& a, const std::string& b);
std::string Fail(std::string_view input, std::string_view message);  // §4.2 failure tree

// "w0 w1 ... w(n-1) ": n search terms.
std::string words(int n);

}  // namespace prefixd::smart_search_table
