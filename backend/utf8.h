// SPDX-License-Identifier: MIT
// UTF-8 as Python and the wire formats read it: the length of a well-formed
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), decoding and encoding of code points, and validity of text that
// must reach PostgreSQL or a client intact.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prefixd {

// Length of the valid UTF-8 sequence at s[i], else 0.
std::size_t utf8_length(std::string_view s, std::size_t i);

// Decodes the code point at s[i] and advances i; invalid bytes decode as themselves (the
// strings handled here come from expat and are valid).
char32_t next_code_point(std::string_view s, std::size_t& i);

void append_utf8(std::string& out, char32_t cp);

bool is_valid_utf8(std::string_view s);

}  // namespace prefixd
