// Reading and writing PostgreSQL values the backend's types need: nullable
// text, text arrays, hstore (as a key/value text array) and array literals.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/model.h"

namespace prefixd {

std::optional<std::string> optional_text(const pqxx::field& f);
// A text[] column; nullopt for SQL NULL.
std::optional<std::vector<std::string>> optional_text_array(const pqxx::field& f);
// hstore_to_array(avps): alternating keys and (nullable) values.
Avps avps_from_array(const pqxx::field& f);

// An array literal ("{...}") with every element quoted.
std::string array_literal(const std::vector<std::string>& items);
std::string array_literal(const std::vector<int64_t>& items);
// The text[] literal hstore(text[]) turns into these AVPs.
std::string avps_literal(const Avps& avps);

}  // namespace prefixd
