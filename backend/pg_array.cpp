// SPDX-License-Identifier: MIT
#include "backend/pg_array.h"

namespace prefixd {

namespace {

// PostgreSQL allows at most 6 dimensions (MAXDIM).
constexpr int kMaxDimensions = 6;

// array_isspace(): the characters array_out quotes and array_in skips.
bool is_array_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_unquoted_null(std::string_view s) {
  if (s.size() != 4) return false;
  const char* null = "null";
  for (size_t i = 0; i < 4; ++i) {
    if ((s[i] | 0x20) != null[i]) return false;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::vector<std::optional<std::string>> read() {
    skip_decoration();
    read_level(1);
    skip_space();
    if (pos_ != text_.size()) fail("text after the closing brace");
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw UnreadableValue(std::string("malformed array value (") + what + " at offset " +
                          std::to_string(pos_) + ")");
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_space() {
    while (!at_end() && is_array_space(peek())) ++pos_;
  }

  // "[lower:upper]..." followed by '=' precedes arrays whose lower bound is
  // not 1; the bounds say nothing the element order does not.
  void skip_decoration() {
    skip_space();
    if (at_end() || peek() != '[') return;
    const size_t eq = text_.find('=', pos_);
    if (eq == std::string_view::npos) fail("dimension decoration without '='");
    for (size_t i = pos_; i < eq; ++i) {
      const char c = text_[i];
      if (!(c == '[' || c == ']' || c == ':' || c == '-' || (c >= '0' && c <= '9'))) {
        fail("bad dimension decoration");
      }
    }
    pos_ = eq + 1;
    skip_space();
  }

  void read_level(int depth) {
    if (depth > kMaxDimensions) fail("too many dimensions");
    if (at_end() || peek() != '{') fail("expected '{'");
    ++pos_;
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      if (at_end()) fail("unterminated array");
      if (peek() == '{') {
        read_level(depth + 1);
      } else {
        read_element();
      }
      skip_space();
      if (at_end()) fail("unterminated array");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}'");
    }
  }

  void read_element() {
    std::string value;
    if (peek() == '"') {
      ++pos_;
      for (;;) {
        if (at_end()) fail("unterminated quoted element");
        char c = text_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (at_end()) fail("backslash at the end");
          c = text_[pos_++];
        }
        value.push_back(c);
      }
      out_.emplace_back(std::move(value));
      return;
    }
    // Unquoted: up to the delimiter or the closing brace, trailing spaces
    // dropped (array_in's rule); array_out never escapes here, array_in
    // would, so a backslash is honoured.
    size_t keep = 0;
    bool escaped = false;
    while (!at_end() && peek() != ',' && peek() != '}') {
      char c = text_[pos_++];
      if (c == '"' || c == '{') fail("unexpected character in an unquoted element");
      if (c == '\\') {
        if (at_end()) fail("backslash at the end");
        value.push_back(text_[pos_++]);
        keep = value.size();
        escaped = true;
        continue;
      }
      value.push_back(c);
      if (!is_array_space(c)) keep = value.size();
    }
    value.resize(keep);
    if (value.empty()) fail("empty unquoted element");
    if (!escaped && is_unquoted_null(value)) {
      out_.emplace_back(std::nullopt);
    } else {
      out_.emplace_back(std::move(value));
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<std::optional<std::string>> out_;
};

}  // namespace

std::vector<std::optional<std::string>> parse_text_array(std::string_view text) {
  return Reader(text).read();
}

}  // namespace prefixd
