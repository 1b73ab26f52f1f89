// SPDX-License-Identifier: MIT
#include "backend/pg_values.h"

#include <spdlog/spdlog.h>

#include "backend/errors.h"
#include "backend/pg_array.h"

namespace prefixd {

namespace {

// Elements of an array column; a NULL element is nullopt. A value that is
// not array output fails this call (logged with the column), never the worker.
std::vector<std::optional<std::string>> array_elements(const pqxx::field& f) {
  try {
    return parse_text_array(std::string_view(f.c_str(), f.size()));
  } catch (const UnreadableValue& e) {
    spdlog::error("column {}: {}", f.name(), e.what());
    throw NipapError(FaultCode::kError,
                     std::string("unreadable value in column ") + f.name() + " of the database");
  }
}

}  // namespace

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

std::optional<std::vector<std::string>> optional_text_array(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  std::vector<std::string> out;
  for (auto& e : array_elements(f)) out.push_back(e.value_or(""));
  return out;
}

Avps avps_from_array(const pqxx::field& f) {
  Avps avps;
  if (f.is_null()) return avps;
  auto elements = array_elements(f);
  if (elements.size() % 2 != 0) {
    spdlog::error("column {}: odd number of hstore array elements", f.name());
    throw NipapError(FaultCode::kError,
                     std::string("unreadable value in column ") + f.name() + " of the database");
  }
  for (size_t i = 0; i + 1 < elements.size(); i += 2) {
    avps[elements[i].value_or("")] = elements[i + 1];
  }
  return avps;
}

}  // namespace prefixd
