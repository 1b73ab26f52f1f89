// SPDX-License-Identifier: MIT
// Turns PostgreSQL errors into NIPAP's typed errors (spec/errors.md §2):
// unique violations into 1400 with the violated index's comment, model
// refusals raised as "1200:..." into that code, bad values into 1200.
#pragma once

#include <pqxx/pqxx>

namespace prefixd {

// Never returns: throws the NipapError that `e` means. Connection-class
// errors are not handled here (DbSession turns them into DatabaseUnavailable).
[[noreturn]] void throw_nipap_error(const pqxx::sql_error& e);

// Runs fn(), converting SQL errors with throw_nipap_error.
template <typename Fn>
auto translate_db_errors(Fn&& fn) {
  try {
    return fn();
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    throw_nipap_error(e);
  }
}

}  // namespace prefixd
