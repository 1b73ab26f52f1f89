// SPDX-License-Identifier: MIT
// `prefixd db ...` and `prefixd user ...`: schema set-up and account
// management, run against the configured database. Each returns an exit code.
#pragma once

#include <optional>
#include <string>

#include "daemon/config.h"

namespace prefixd::daemon {

int db_init(const Config& config);
int db_upgrade(const Config& config);
int db_status(const Config& config);

struct UserOptions {
  std::string name;
  std::optional<std::string> full_name;
  bool trusted = false;
  bool readonly = false;
  bool password_stdin = false;
};

int user_add(const Config& config, const UserOptions& options);
int user_remove(const Config& config, const std::string& name);
int user_list(const Config& config);
int user_passwd(const Config& config, const std::string& name, bool password_stdin);

}  // namespace prefixd::daemon
