// SPDX-License-Identifier: MIT
// Reads PostgreSQL's text output of a text[] value (what array_out writes,
// hstore_to_array included) without libpqxx's array_parser, which aborts the
// process on some values (spec: DESIGN.md, libpqxx 6.4). Never aborts:
// anything that is not array output throws UnreadableValue.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace prefixd {

// A value read from the database that is not what its column type promises.
class UnreadableValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The elements of an array literal in storage order, nested dimensions
// flattened; SQL NULL elements are nullopt. Accepts the optional dimension
// decoration ("[0:1]={a,b}") that arrays with a lower bound other than 1 get.
std::vector<std::optional<std::string>> parse_text_array(std::string_view text);

}  // namespace prefixd
