// SPDX-License-Identifier: MIT
// Sets the process title shown by ps, so master and workers can be told apart.
#pragma once

#include <string>

namespace prefixd::daemon {

// Call once from main with its argc/argv.
void init_process_title(int argc, char** argv);
void set_process_title(const std::string& title);

}  // namespace prefixd::daemon
