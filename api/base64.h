// SPDX-License-Identifier: MIT
// Base64 as the codecs write binary values (RFC 4648 alphabet, '=' padding).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prefixd::api {

// Appends `bytes` encoded. With `line_bytes`, every `line_bytes` input bytes
// end a line with "\n", the last line too (Python's base64.encodebytes with
// 57); 0 writes one unbroken run.
void append_base64(std::string& out, std::string_view bytes, std::size_t line_bytes = 0);

// The value of a base64 digit (A-Z a-z 0-9 + /), or -1 for any other byte.
int base64_digit(char c);

}  // namespace prefixd::api
