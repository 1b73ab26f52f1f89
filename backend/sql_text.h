// SPDX-License-Identifier: MIT
// The pieces of SQL text the backend builds per call, in one place:
// placeholders for bound values, array and hstore literals bound as text,
// and the SET list of an UPDATE whose columns depend on what a call changes.
// No libpqxx: values stay parameters, never spliced into the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/model.h"

namespace prefixd {

// Statement parameters in order: $1 is the first.
using SqlParams = std::vector<std::optional<std::string>>;

// "$n".
std::string placeholder(std::size_t n);

// Appends `value` to `params`; returns its placeholder followed by `cast`
// ("::integer", or "" for none).
std::string bind(SqlParams& params, std::optional<std::string> value, std::string_view cast = "");

// An array literal ("{...}") with every element quoted.
std::string array_literal(const std::vector<std::string>& items);
std::string array_literal(const std::vector<int64_t>& items);
// With NULL for each missing value.
std::string array_literal(const std::vector<std::optional<std::string>>& items);
// The text[] literal hstore(text[]) turns into these AVPs.
std::string avps_literal(const Avps& avps);

// " WHERE a = $n::cast AND ..." selecting by exact values ("" when no
// condition was added); a nil value compares with IS NULL.
class WhereClause {
 public:
  explicit WhereClause(SqlParams& params) : params_(params) {}
  void equals(std::string_view column, std::optional<std::string> value, std::string_view cast);
  const std::string& sql() const { return sql_; }

 private:
  SqlParams& params_;
  std::string sql_;
};

// " LIMIT $a::bigint OFFSET $b::bigint" for a search's options.
std::string limit_offset(SqlParams& params, const SearchOptions& options);

// "col = $n::cast, ..." for UPDATE ... SET, binding each value into the
// statement's parameters (shared with its WHERE clause).
class SetClause {
 public:
  explicit SetClause(SqlParams& params) : params_(params) {}

  // column = value (NULL for nullopt), cast to `cast`.
  void set(std::string_view column, std::optional<std::string> value, std::string_view cast = "");
  // column = hstore(the AVPs' text[] literal).
  void set_avps(std::string_view column, const Avps& avps);
  // column = an array literal of `items`, or NULL.
  void set_text_array(std::string_view column,
                      const std::optional<std::vector<std::string>>& items);

  bool empty() const { return sql_.empty(); }
  const std::string& sql() const { return sql_; }

 private:
  void assign(std::string_view column, const std::string& expression);

  SqlParams& params_;
  std::string sql_;
};

}  // namespace prefixd
