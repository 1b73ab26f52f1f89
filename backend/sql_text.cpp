// SPDX-License-Identifier: MIT
#include "backend/sql_text.h"

namespace prefixd {

namespace {

void append_quoted(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string placeholder(std::size_t n) {
  std::string out = "$";
  out += std::to_string(n);
  return out;
}

std::string bind(SqlParams& params, std::optional<std::string> value, std::string_view cast) {
  params.push_back(std::move(value));
  std::string out = placeholder(params.size());
  out += cast;
  return out;
}

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& s : items) {
    if (out.size() > 1) out.push_back(',');
    append_quoted(out, s);
  }
  return out + "}";
}

std::string array_literal(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out.push_back(',');
    if (item) {
      append_quoted(out, *item);
    } else {
      out += "NULL";
    }
  }
  return out + "}";
}

std::string array_literal(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (int64_t i : items) {
    if (out.size() > 1) out.push_back(',');
    out += std::to_string(i);
  }
  return out + "}";
}

std::string avps_literal(const Avps& avps) {
  std::string out = "{";
  for (const auto& [key, value] : avps) {
    if (out.size() > 1) out.push_back(',');
    append_quoted(out, key);
    out.push_back(',');
    if (value) {
      append_quoted(out, *value);
    } else {
      out += "NULL";
    }
  }
  return out + "}";
}

void WhereClause::equals(std::string_view column, std::optional<std::string> value,
                         std::string_view cast) {
  sql_ += sql_.empty() ? " WHERE " : " AND ";
  sql_ += column;
  if (value) {
    sql_ += " = ";
    sql_ += bind(params_, std::move(value), cast);
  } else {
    sql_ += " IS NULL";
  }
}

std::string limit_offset(SqlParams& params, const SearchOptions& options) {
  std::string out = " LIMIT ";
  out += bind(params, std::to_string(options.max_result), "::bigint");
  out += " OFFSET ";
  out += bind(params, std::to_string(options.offset), "::bigint");
  return out;
}

void SetClause::assign(std::string_view column, const std::string& expression) {
  if (!sql_.empty()) sql_ += ", ";
  sql_ += column;
  sql_ += " = ";
  sql_ += expression;
}

void SetClause::set(std::string_view column, std::optional<std::string> value,
                    std::string_view cast) {
  assign(column, bind(params_, std::move(value), cast));
}

void SetClause::set_avps(std::string_view column, const Avps& avps) {
  std::string expression = "hstore(";
  expression += bind(params_, avps_literal(avps), "::text[]");
  expression += ')';
  assign(column, expression);
}

void SetClause::set_text_array(std::string_view column,
                               const std::optional<std::vector<std::string>>& items) {
  set(column, items ? std::optional(array_literal(*items)) : std::nullopt, "::text[]");
}

}  // namespace prefixd
