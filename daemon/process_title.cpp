// SPDX-License-Identifier: MIT
#include "daemon/process_title.h"

#include <sys/prctl.h>

#include <cstring>

namespace prefixd::daemon {

namespace {
char* g_area = nullptr;
size_t g_area_size = 0;
}  // namespace

void init_process_title(int argc, char** argv) {
  if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
  // The argument strings are contiguous; their total length is what ps
  // reads from /proc/PID/cmdline and what we may overwrite.
  g_area = argv[0];
  char* end = argv[0] + std::strlen(argv[0]);
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == end + 1) end = argv[i] + std::strlen(argv[i]);
  }
  g_area_size = static_cast<size_t>(end - g_area);
}

void set_process_title(const std::string& title) {
  prctl(PR_SET_NAME, title.substr(0, 15).c_str(), 0, 0, 0);
  if (g_area == nullptr || g_area_size == 0) return;
  const size_t n = std::min(title.size(), g_area_size);
  std::memcpy(g_area, title.data(), n);
  std::memset(g_area + n, 0, g_area_size - n + 1);
}

}  // namespace prefixd::daemon
