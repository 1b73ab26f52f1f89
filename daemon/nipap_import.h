// SPDX-License-Identifier: MIT
// `prefixd user import-nipap PATH`: NIPAP's local_auth.db (SQLite, table
// `user`, with or without the `readonly` column) into prefixd's accounts,
// keeping each salted SHA-1 hash until the user's first login.
#pragma once

#include <string>
#include <vector>

#include "backend/user_store.h"
#include "daemon/config.h"

namespace prefixd::daemon {

// The accounts of a local_auth.db. Every malformed row is reported in
// `errors` ("row 3 (user 'bob'): pwd_hash is not 40 lower-case hex
// digits"); the file itself being unusable is one error.
std::vector<User> read_nipap_users(const std::string& path, std::vector<std::string>& errors);

// Imports the file in one transaction: nothing changes unless every row is
// valid. With `dry_run` only prints what would change. Returns the exit code.
int user_import_nipap(const Config& config, const std::string& path, bool dry_run);

}  // namespace prefixd::daemon
