// SPDX-License-Identifier: MIT
// Reading PostgreSQL values the backend's types need: nullable text, text
// arrays, hstore (as a key/value text array). The literals written back are
// in backend/sql_text.h.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backend/model.h"
#include "backend/sql_text.h"

namespace prefixd {

std::optional<std::string> optional_text(const pqxx::field& f);
// A text[] column; nullopt for SQL NULL.
std::optional<std::vector<std::string>> optional_text_array(const pqxx::field& f);
// hstore_to_array(avps): alternating keys and (nullable) values.
Avps avps_from_array(const pqxx::field& f);

}  // namespace prefixd
