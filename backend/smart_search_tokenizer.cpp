// SPDX-License-Identifier: MIT
#include "backend/smart_search_tokenizer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "backend/errors.h"
#include "backend/python_text.h"
#include "backend/smart_search_ip.h"
#include "backend/utf8.h"

namespace prefixd::smart_search {

namespace {

bool is_op_char(char c) {
  return c == '*' || c == '=' || c == '>' || c == '<' || c == '~' || c == '!';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char at(std::string_view s, size_t i) {
  return i < s.size() ? s[i] : '\0';
}

bool is_quote(char c) {
  return c == '"' || c == '\'';
}

// pyparsing's quotedString (used by the pre-check): doubled quotes and
// \xHH escapes are part of the string. Returns the length or 0. The scan from
// a position is deterministic, so positions on a failed scan are marked: a
// later scan reaching one fails the same way, which keeps inputs full of
// escaped, unclosed quotes linear.
class PrecheckQuotes {
 public:
  explicit PrecheckQuotes(std::string_view s) : s_(s), failed_(s.size() + 1, 0) {}

  size_t length(size_t i) {
    const char q = s_[i];
    const uint8_t bit = q == '"' ? 1 : 2;
    size_t j = i + 1;
    bool known_failure = false;
    while (j < s_.size()) {
      if (failed_[j] & bit) {
        known_failure = true;
        break;
      }
      const size_t next = step(j, q);
      if (next == j) break;
      j = next;
    }
    if (!known_failure && at(s_, j) == q && j < s_.size()) return j + 1 - i;
    for (size_t k = i + 1; k < j;) {
      failed_[k] |= bit;
      k = step(k, q);
    }
    return 0;
  }

 private:
  // One repetition of the regex's group at j: the next position, or j when
  // the repetition ends there.
  size_t step(size_t j, char q) const {
    const char c = s_[j];
    if (c == q) return at(s_, j + 1) == q ? j + 2 : j;
    if (c == '\n' || c == '\r') return j;
    if (c == '\\') {
      if (j + 1 >= s_.size()) return j;
      if (s_[j + 1] != 'x') return j + 2;
      size_t k = j + 2;
      while (k < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[k]))) ++k;
      return k == j + 2 ? j : k;
    }
    return j + 1;
  }

  std::string_view s_;
  std::vector<uint8_t> failed_;
};

// NIPAP's QuotedString(q, escChar='\\'): length (0 if none) and content
// unescaped the way the parser library does it.
size_t token_quoted(std::string_view s, size_t i, std::string* content) {
  const char q = s[i];
  size_t j = i + 1;
  while (j < s.size()) {
    const char c = s[j];
    if (c == '\\') {
      if (j + 1 >= s.size() || s[j + 1] == '\n') return 0;
      j += 2;
      continue;
    }
    if (c == q) break;
    if (c == '\n' || c == '\r') return 0;
    ++j;
  }
  if (j >= s.size()) return 0;
  if (content != nullptr) {
    std::string raw(s.substr(i + 1, j - i - 1));
    if (raw.find('\\') != std::string::npos) {
      static const std::array<std::pair<char, char>, 4> kWhitespace = {
          {{'t', '\t'}, {'n', '\n'}, {'f', '\f'}, {'r', '\r'}}};
      for (const auto& [letter, ch] : kWhitespace) {
        std::string replaced;
        for (size_t k = 0; k < raw.size(); ++k) {
          if (raw[k] == '\\' && k + 1 < raw.size() && raw[k + 1] == letter) {
            replaced += ch;
            ++k;
          } else {
            replaced += raw[k];
          }
        }
        raw = std::move(replaced);
      }
      std::string unescaped;
      for (size_t k = 0; k < raw.size(); ++k) {
        if (raw[k] == '\\' && k + 1 < raw.size() && raw[k + 1] != '\n') ++k;
        unescaped += raw[k];
      }
      raw = std::move(unescaped);
    }
    *content = std::move(raw);
  }
  return j + 1 - i;
}

// The RT token "digits:digits" (or the grammar's odd IPv4-like first part).
size_t match_rt(std::string_view s, size_t p) {
  auto octet = [&](size_t i) -> size_t {
    const char a = at(s, i), b = at(s, i + 1), c = at(s, i + 2);
    if (a == '2' && b == '5' && c >= '0' && c <= '5') return 3;
    if (a == '2' && b >= '0' && b <= '4' && is_digit(c)) return 3;
    if ((a == '0' || a == '1') && is_digit(b)) return is_digit(c) ? 3 : 2;
    if (is_digit(a)) return is_digit(b) ? 2 : 1;
    return 0;
  };
  auto digits = [&](size_t i) {
    size_t n = 0;
    while (is_digit(at(s, i + n))) ++n;
    return n;
  };
  auto tail = [&](size_t q) -> size_t {
    if (at(s, q) != ':') return 0;
    const size_t d = digits(q + 1);
    return d == 0 ? 0 : q + 1 + d - p;
  };
  // IPv4-like: octet '.' octet octet octet (no dots between the last three).
  size_t q = p;
  size_t o = octet(q);
  if (o > 0 && at(s, q + o) == '.') {
    q += o + 1;
    bool ok = true;
    for (int k = 0; k < 3 && ok; ++k) {
      o = octet(q);
      ok = o > 0;
      q += o;
    }
    if (ok) return tail(q);
  }
  const size_t d = digits(p);
  return d == 0 ? 0 : tail(p + d);
}

size_t match_operator(std::string_view s, size_t p) {
  static constexpr std::array<std::string_view, 14> kOps = {
      "<<=", ">>=", "!~*", "<=", ">=", "!=", "<<", ">>", "~*", "!~", "=", "<", ">", "~"};
  for (std::string_view op : kOps) {
    if (s.substr(p, op.size()) == op) return op.size();
  }
  return 0;
}

class Tokenizer {
 public:
  Tokenizer(std::string_view s, const Precheck& groups) : s_(s), groups_(groups.groups) {}

  TokenizeResult run() {
    TokenizeResult result;
    while (true) {
      const size_t p = skip_space(pos_);
      if (p != pos_) boundary_ = true;
      pos_ = p;
      if (pos_ >= s_.size()) break;
      if (const size_t close = group_close(pos_); close != std::string_view::npos) {
        if (static_cast<int>(open_.size()) >= kMaxGroupDepth) {
          result.error =
              "parentheses nested deeper than " + std::to_string(kMaxGroupDepth) + " levels";
          return result;
        }
        open_.push_back(close);
        result.tokens.push_back(Token{TokenKind::kOpen, "(", {}, {}, {}});
        ++pos_;
        boundary_ = true;
        continue;
      }
      if (closes_group(pos_)) {
        open_.pop_back();
        result.tokens.push_back(Token{TokenKind::kClose, ")", {}, {}, {}});
        ++pos_;
        boundary_ = true;
        continue;
      }
      Token token = next_token();
      if (token.kind != TokenKind::kBoolean && ++terms_ > kMaxTerms) {
        result.error = "too many search terms (at most " + std::to_string(kMaxTerms) + ")";
        return result;
      }
      result.tokens.push_back(std::move(token));
    }
    // Only possible when a quoted string hides a group's closing parenthesis
    // that the pre-check saw outside quotes.
    if (!open_.empty()) result.error = "unclosed parentheses";
    return result;
  }

 private:
  size_t skip_space(size_t p) const {
    while (p < s_.size()) {
      const size_t n = space_length(s_, p);
      if (n == 0) break;
      p += n;
    }
    return p;
  }

  // A '(' where a token starts opens a group when the pre-check paired it;
  // '(' inside a word, or inside what the pre-check read as a quoted string,
  // is an ordinary character, as in NIPAP.
  size_t group_close(size_t p) const {
    if (s_[p] != '(') return std::string_view::npos;
    const auto it = std::lower_bound(groups_.begin(), groups_.end(), std::make_pair(p, size_t{0}));
    return it != groups_.end() && it->first == p ? it->second : std::string_view::npos;
  }

  bool closes_group(size_t p) const { return !open_.empty() && open_.back() == p; }

  // A run of non-space characters ending before a ')' that closes the open
  // group. Strict words (NIPAP's WORD) also stop at the operator characters;
  // loose ones, used wherever NIPAP would give up and drop the rest of the
  // input, take them.
  size_t scan_word(size_t p, bool strict) const {
    while (p < s_.size() && space_length(s_, p) == 0 && !closes_group(p)) {
      if (strict && is_op_char(s_[p])) break;
      p += utf8_length(s_, p);
    }
    return p;
  }

  bool boolean_boundary_after(size_t p) const {
    if (p >= s_.size() || space_length(s_, p) > 0 || closes_group(p)) return true;
    if (group_close(p) != std::string_view::npos) return true;
    return is_quote(s_[p]) && token_quoted(s_, p, nullptr) > 0;
  }

  Token take(TokenKind kind, size_t end, bool quoted_end = false) {
    Token t{kind, std::string(s_.substr(pos_, end - pos_)), {}, {}, {}};
    pos_ = end;
    boundary_ = quoted_end;
    return t;
  }

  Token next_token() {
    // 1, 2: IPv6 prefix, IPv6 address (with zone).
    if (const size_t len = match_ipv6_address(s_, pos_); len > 0) {
      if (const size_t plen = match_ipv6_length(s_, pos_ + len); plen > 0) {
        return take(TokenKind::kIpv6Prefix, pos_ + len + plen);
      }
      size_t end = pos_ + len;
      if (at(s_, end) == '%') {
        // NIPAP's zone runs to the end of the input; it ends at whitespace here.
        const size_t zone_end = scan_word(end + 1, false);
        if (zone_end > end + 1) end = zone_end;
      }
      return take(TokenKind::kIpv6Address, end);
    }
    const char c = s_[pos_];
    // 3: quoted string.
    if (is_quote(c)) {
      std::string content;
      if (const size_t len = token_quoted(s_, pos_, &content); len > 0) {
        Token t = take(TokenKind::kQuoted, pos_ + len, true);
        t.text = std::move(content);
        return t;
      }
    }
    // 4: expression ATTR OP VALUE.
    if (const size_t attr_end = scan_word(pos_, true); attr_end > pos_) {
      const size_t op_pos = skip_space(attr_end);
      if (const size_t op_len = match_operator(s_, op_pos); op_len > 0) {
        const size_t v = skip_space(op_pos + op_len);
        Token t{TokenKind::kExpression,
                {},
                std::string(s_.substr(pos_, attr_end - pos_)),
                std::string(s_.substr(op_pos, op_len)),
                {}};
        size_t end = 0;
        bool quoted_end = false;
        if (v < s_.size() && is_quote(s_[v])) {
          if (const size_t len = token_quoted(s_, v, &t.value); len > 0) {
            end = v + len;
            quoted_end = true;
          }
        }
        if (end == 0 && v < s_.size()) {
          if (const size_t len = match_rt(s_, v); len > 0) {
            end = v + len;
          } else {
            end = scan_word(v, false);
          }
          if (end > v) {
            t.value = std::string(s_.substr(v, end - v));
          } else {
            end = 0;
          }
        }
        if (end > 0) {
          t.text = t.attribute + t.op + t.value;
          pos_ = end;
          boundary_ = quoted_end;
          return t;
        }
      }
    }
    // 5: tag.
    if (c == '#') {
      if (const size_t end = scan_word(pos_ + 1, false); end > pos_ + 1) {
        return take(TokenKind::kTag, end);
      }
    }
    // 6: route target.
    if (const size_t len = match_rt(s_, pos_); len > 0) return take(TokenKind::kRt, pos_ + len);
    // 7: boolean, as a whole word only (decision 4).
    if (boundary_) {
      for (std::string_view word : {"and", "AND", "or", "OR"}) {
        if (s_.substr(pos_, word.size()) == word && boolean_boundary_after(pos_ + word.size())) {
          return take(TokenKind::kBoolean, pos_ + word.size());
        }
      }
    }
    // 8: word; never empty here, so nothing is ever dropped (decision 4).
    return take(TokenKind::kWord, scan_word(pos_, false));
  }

  std::string_view s_;
  const std::vector<std::pair<size_t, size_t>>& groups_;
  size_t pos_ = 0;
  std::vector<size_t> open_;  // closing positions of the open groups
  int terms_ = 0;
  bool boundary_ = true;  // the previous character separates words
};

}  // namespace

size_t utf8_length(std::string_view s, size_t i) {
  return std::max<size_t>(1, prefixd::utf8_length(s, i));
}

size_t utf8_code_points(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += utf8_length(s, i)) ++n;
  return n;
}

size_t space_length(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  // Bytes that are not UTF-8 are no blank, whatever their value.
  if (prefixd::utf8_length(s, i) == 0) return 0;
  size_t next = i;
  const char32_t cp = next_code_point(s, next);
  return py_isspace(cp) ? next - i : 0;
}

std::string expand_tabs(std::string_view s) {
  if (s.find('\t') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t column = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\t') {
      const size_t spaces = 8 - column % 8;
      out.append(spaces, ' ');
      column += spaces;
      ++i;
      continue;
    }
    const size_t len = utf8_length(s, i);
    out.append(s.substr(i, len));
    column = (c == '\n' || c == '\r') ? 0 : column + 1;
    i += len;
  }
  return out;
}

Precheck precheck(std::string_view s) {
  // One pass replaces the parser library's rescanning: quote characters left
  // over inside a group that closes are removed with it; everything else
  // that is left over stays.
  Precheck result;
  std::vector<bool> stray_quote{false};
  std::vector<size_t> opens;
  bool unmatched_close = false;
  PrecheckQuotes quotes(s);
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (is_quote(c)) {
      const size_t len = quotes.length(i);
      if (len > 0) {
        i += len;
        continue;
      }
      stray_quote.back() = true;
    } else if (c == '(') {
      stray_quote.push_back(false);
      opens.push_back(i);
    } else if (c == ')') {
      if (!opens.empty()) {
        stray_quote.pop_back();
        result.groups.emplace_back(opens.back(), i);
        opens.pop_back();
      } else {
        unmatched_close = true;
      }
    }
    ++i;
  }
  if (std::find(stray_quote.begin(), stray_quote.end(), true) != stray_quote.end()) {
    result.error = "unclosed quote";
  } else if (!opens.empty() || unmatched_close) {
    result.error = "unclosed parentheses";
  }
  std::sort(result.groups.begin(), result.groups.end());
  return result;
}

TokenizeResult tokenize(std::string_view s, const Precheck& precheck) {
  return Tokenizer(s, precheck).run();
}
std::vector<std::string> shlex_split(std::string_view s) {
  auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::vector<std::string> out;
  std::string token;
  bool quoted = false;
  char state = ' ';
  char escaped_state = ' ';
  auto emit = [&] {
    if (static_cast<int>(out.size()) >= kMaxTerms) {
      throw NipapError(FaultCode::kValue,
                       "too many search terms (at most " + std::to_string(kMaxTerms) + ")");
    }
    out.push_back(std::move(token));
    token.clear();
    quoted = false;
  };
  for (size_t i = 0;; ++i) {
    const bool eof = i >= s.size();
    const char c = eof ? '\0' : s[i];
    if (state == ' ') {
      if (eof) break;
      if (is_ws(c)) continue;
      if (c == '\\') {
        escaped_state = 'a';
        state = '\\';
      } else if (is_quote(c)) {
        state = c;
      } else {
        token = c;
        state = 'a';
      }
    } else if (state == '"' || state == '\'') {
      quoted = true;
      if (eof) throw NipapError(FaultCode::kValue, "No closing quotation");
      if (c == state) {
        state = 'a';
      } else if (c == '\\' && state == '"') {
        escaped_state = state;
        state = '\\';
      } else {
        token += c;
      }
    } else if (state == '\\') {
      if (eof) throw NipapError(FaultCode::kValue, "No escaped character");
      // Within double quotes only the quote and the backslash are escaped.
      if (is_quote(escaped_state) && c != '\\' && c != escaped_state) token += '\\';
      token += c;
      state = escaped_state;
    } else {  // 'a': inside a word
      if (eof) {
        if (!token.empty() || quoted) emit();
        break;
      }
      if (is_ws(c)) {
        state = ' ';
        if (!token.empty() || quoted) emit();
      } else if (is_quote(c)) {
        state = c;
      } else if (c == '\\') {
        escaped_state = 'a';
        state = '\\';
      } else {
        token += c;
      }
    }
  }
  return out;
}

}  // namespace prefixd::smart_search
