// SPDX-License-Identifier: MIT
// Bounds on the regular expressions a search hands to PostgreSQL, whose
// regex compiler grows super-linearly with the pattern (a 100 000-byte word
// took 39 s): a pattern over these limits is refused with fault 1200 before
// any query runs.
#pragma once

#include <cstddef>
#include <string_view>

namespace prefixd {

// Longest pattern accepted, in bytes. NIPAP users search for words and
// phrases far shorter; compiling this many bytes cost PostgreSQL 32 ms on a
// busy test machine (10 000 bytes: 0.55 s, 30 000: 5 s).
inline constexpr std::size_t kMaxRegexBytes = 1024;
// Counted repetitions ({m,n}) per pattern; each one copies its operand up to
// n times in PostgreSQL's automaton.
inline constexpr int kMaxCountedRepetitions = 8;

// Throws NipapError 1200 naming `attribute` when `pattern` is too long or
// too complex (too many counted repetitions, or one applied to a group that
// already holds one, whose cost multiplies).
void check_search_regex(std::string_view attribute, std::string_view pattern);

}  // namespace prefixd
