// SPDX-License-Identifier: MIT
#include "api/base64.h"

#include <algorithm>

namespace prefixd::api {

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

void append_base64(std::string& out, std::string_view bytes, std::size_t line_bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t step = line_bytes == 0 ? bytes.size() : line_bytes;
  for (std::size_t line = 0; line < bytes.size(); line += step) {
    const std::size_t end = std::min(bytes.size(), line + step);
    for (std::size_t i = line; i < end; i += 3) {
      const unsigned b0 = static_cast<unsigned char>(bytes[i]);
      const unsigned b1 = i + 1 < end ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
      const unsigned b2 = i + 2 < end ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
      out += kAlphabet[b0 >> 2];
      out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
      out += i + 1 < end ? kAlphabet[((b1 & 0x0F) << 2) | (b2 >> 6)] : '=';
      out += i + 2 < end ? kAlphabet[b2 & 0x3F] : '=';
    }
    if (line_bytes != 0) out += '\n';
  }
}

}  // namespace prefixd::api
