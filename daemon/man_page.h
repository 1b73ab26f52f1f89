// SPDX-License-Identifier: MIT
// The generated parts of the manual pages, in roff, taken from the tables
// the program itself uses: the CLI11 command line (prefixd(8)'s OPTIONS and
// COMMANDS) and config_keys() (prefixd.yaml(5)'s KEYS). man/*.in hold the
// prose around them; the build joins the two (cmake/man_page.cmake).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace prefixd::daemon {

// OPTIONS and COMMANDS sections for prefixd(8).
std::string command_man_sections(const CLI::App& app);

// KEYS section for prefixd.yaml(5): every key with its type, default,
// allowed values and meaning.
std::string config_man_section();

}  // namespace prefixd::daemon
