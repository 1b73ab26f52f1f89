// SPDX-License-Identifier: MIT
// Python's view of text, where prefixd must answer as NIPAP (a Python
// program) does: which characters are blanks or printable, repr() and strip().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prefixd {

// Python's str.isspace().
bool py_isspace(char32_t c);

// Python's str.isprintable(), without the unassigned code points (that needs the Unicode
// database; it only affects how an error message quotes exotic input).
bool py_isprintable(char32_t c);

// Python's repr() of a str, cut to max_chars characters like "%.200R" does.
std::string py_repr(std::string_view s, std::size_t max_chars = std::string::npos);

// Python's str.strip().
std::string_view py_strip(std::string_view s);

}  // namespace prefixd
