// SPDX-License-Identifier: MIT
// Writes the query strings of the smart-search table
// (tests/unit/smart_search_table.cpp) into a directory, one file each: the
// seed corpus of smart_search_fuzz, made from the table at build time so that
// it follows every change of the table.
//
//   smart_search_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/unit/smart_search_table.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::set<std::string> seen;
  for (const auto& row : prefixd::smart_search_table::rows()) {
    if (!seen.insert(row.input).second) continue;
    const auto path = dir / ("row-" + std::to_string(seen.size()));
    std::ofstream out(path, std::ios::binary);
    out << row.input;
    if (!out.flush()) {
      std::fprintf(stderr, "%s: cannot write\n", path.c_str());
      return 1;
    }
  }
  std::printf("%zu seeds in %s\n", seen.size(), dir.c_str());
  return 0;
}
