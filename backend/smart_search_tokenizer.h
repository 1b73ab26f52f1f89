// SPDX-License-Identifier: MIT
// Smart-search tokenizer (spec/search.md §4.2, §4.3, §4.8): the pre-check for
// unclosed quotes and parentheses, the token grammar NIPAP's parser uses for
// VRFs, pools and prefixes, and the shell-style splitting used for ASNs.
// Where NIPAP misreads its input (spec/README.md decision 4) the tokenizer
// does the intended thing instead: parentheses group, `and`/`or` are whole
// words only, and no input is ever dropped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prefixd::smart_search {

// Limits that keep the parser and everything downstream (tree depth, SQL
// compilation) bounded; exceeding one is a parse failure with a clear message.
inline constexpr int kMaxGroupDepth = 64;
inline constexpr int kMaxTerms = 256;

// UTF-8 helpers. Invalid bytes count as one-byte characters.
size_t utf8_length(std::string_view s, size_t i);
size_t utf8_code_points(std::string_view s);
// Length of the whitespace character at i (Python's str.isspace), or 0.
size_t space_length(std::string_view s, size_t i);

// Python's str.expandtabs(): NIPAP's parser library expands tabs before
// tokenizing, which is visible inside quoted strings.
std::string expand_tabs(std::string_view s);

// The pre-check of §4.2 (run on the tab-expanded string, as NIPAP does).
struct Precheck {
  std::string error;  // "unclosed quote", "unclosed parentheses" or empty
  // Balanced parentheses outside quoted strings: (open, close) positions,
  // sorted. The tokenizer groups with exactly these.
  std::vector<std::pair<size_t, size_t>> groups;
};
Precheck precheck(std::string_view s);

enum class TokenKind {
  kIpv6Prefix,
  kIpv6Address,
  kQuoted,
  kExpression,
  kTag,
  kRt,
  kBoolean,
  kWord,
  kOpen,   // a parenthesised group starts
  kClose,  // it ends
};

struct Token {
  TokenKind kind;
  std::string text;  // the token's string (quoted: unquoted content; tag: with '#')
  // Expressions only.
  std::string attribute;
  std::string op;
  std::string value;
};

struct TokenizeResult {
  std::vector<Token> tokens;
  std::string error;  // empty on success
};

// Tokenizes a tab-expanded string that passed the pre-check.
TokenizeResult tokenize(std::string_view s, const Precheck& precheck);

// Python's shlex.split() (POSIX mode). Throws NipapError 1200 "No closing
// quotation" / "No escaped character" as NIPAP reports them.
std::vector<std::string> shlex_split(std::string_view s);

}  // namespace prefixd::smart_search
