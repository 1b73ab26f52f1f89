// SPDX-License-Identifier: MIT
#include "backend/smart_search_ip.h"

#include <array>
#include <vector>

#include "backend/smart_search_tokenizer.h"

namespace prefixd::smart_search {

namespace {

constexpr uint64_t kSaturate = UINT64_MAX / 16 - 1;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char at(std::string_view s, size_t i) {
  return i < s.size() ? s[i] : '\0';
}

bool is_hex_at(std::string_view s, size_t i) {
  return i < s.size() && hex_value(s[i]) >= 0;
}

// Number of consecutive hex digits at i, counting at most `cap`.
size_t hex_run(std::string_view s, size_t i, size_t cap) {
  size_t n = 0;
  while (n < cap && is_hex_at(s, i + n)) ++n;
  return n;
}

// "[0-9A-Fa-f]{1,4}:" at i: the end of the match or npos. The hex run may not
// be longer than four, since the regex cannot give back digits to reach ':'.
size_t hex_group(std::string_view s, size_t i) {
  const size_t run = hex_run(s, i, 5);
  if (run == 0 || run > 4 || at(s, i + run) != ':') return std::string_view::npos;
  return i + run + 1;
}

// The regex's IPv4 octet "25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d": candidate lengths
// at i in the order the alternatives are tried.
int octet_candidates(std::string_view s, size_t i, std::array<size_t, 5>& out) {
  const char a = at(s, i), b = at(s, i + 1), c = at(s, i + 2);
  int n = 0;
  if (a == '2' && b == '5' && c >= '0' && c <= '5') out[n++] = 3;
  if (a == '2' && b >= '0' && b <= '4' && is_digit(c)) out[n++] = 3;
  if (a == '1' && is_digit(b) && is_digit(c)) out[n++] = 3;
  if (a >= '1' && a <= '9' && is_digit(b)) out[n++] = 2;
  if (is_digit(a)) out[n++] = 1;
  return n;
}

// Dotted quad (with the regex's backtracking) starting at i: end or npos.
size_t match_dotted_quad(std::string_view s, size_t i, int octet) {
  std::array<size_t, 5> lengths{};
  const int n = octet_candidates(s, i, lengths);
  for (int k = 0; k < n; ++k) {
    const size_t end = i + lengths[k];
    if (octet == 3) return end;
    if (at(s, end) != '.') continue;
    const size_t rest = match_dotted_quad(s, end + 1, octet + 1);
    if (rest != std::string_view::npos) return rest;
  }
  return std::string_view::npos;
}

// "(:H){1,max}" taken greedily at i (which holds ':' followed by a hex digit).
size_t colon_groups(std::string_view s, size_t i, int max) {
  for (int rep = 0; rep < max && at(s, i) == ':' && is_hex_at(s, i + 1); ++rep) {
    i += 1 + hex_run(s, i + 1, 4);
  }
  return i;
}

}  // namespace

std::optional<PyInt> py_int(std::string_view text, int base) {
  size_t begin = 0, end = text.size();
  while (begin < end && space_length(text, begin) > 0) begin += space_length(text, begin);
  // Trailing whitespace: find the end of the last non-space character.
  size_t last = begin;
  for (size_t i = begin; i < end;) {
    const size_t sp = space_length(text, i);
    if (sp > 0) {
      i += sp;
    } else {
      i += utf8_length(text, i);
      last = i;
    }
  }
  end = last;
  std::string_view s = text.substr(begin, end - begin);
  PyInt result;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) result.negative = s[i++] == '-';
  bool underscore_ok = false;  // an underscore may follow a digit or the 0x prefix
  if (base == 16 && i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    i += 2;
    underscore_ok = true;
  }
  bool any_digit = false;
  bool last_was_underscore = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (!underscore_ok) return std::nullopt;
      underscore_ok = false;
      last_was_underscore = true;
      continue;
    }
    const int v = hex_value(s[i]);
    if (v < 0 || v >= base) return std::nullopt;
    any_digit = true;
    underscore_ok = true;
    last_was_underscore = false;
    if (result.magnitude > kSaturate) {
      result.saturated = true;
    } else {
      result.magnitude = result.magnitude * static_cast<uint64_t>(base) + static_cast<uint64_t>(v);
    }
  }
  if (!any_digit || last_was_underscore) return std::nullopt;
  return result;
}

std::optional<uint32_t> ipy_ipv4(std::string_view s) {
  if (s.find('-') != std::string_view::npos || s.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  const auto hexval = py_int(s, 16);
  const auto intval = py_int(s, 10);
  if (s.substr(0, 2) == "0x" && hexval) {
    if (hexval->negative || hexval->saturated || hexval->magnitude > 0xffffffffULL) {
      return std::nullopt;
    }
    return static_cast<uint32_t>(hexval->magnitude);
  }
  if (s.find(':') != std::string_view::npos) return std::nullopt;
  if (utf8_code_points(s) == 32 && hexval) return std::nullopt;  // 32 hex digits: IPv6
  const bool small_int =
      intval && (intval->negative || (!intval->saturated && intval->magnitude < 256));
  if (s.find('.') != std::string_view::npos || small_int) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
      const size_t dot = s.find('.', start);
      parts.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
      if (parts.size() > 4) return std::nullopt;
    }
    if (parts.size() > 4) return std::nullopt;
    uint32_t value = 0;
    for (size_t k = 0; k < 4; ++k) {
      uint64_t byte = 0;
      if (k < parts.size()) {
        const auto v = py_int(parts[k], 10);
        if (!v || v->saturated || (v->negative && v->magnitude != 0) || v->magnitude > 255) {
          return std::nullopt;
        }
        byte = v->magnitude;
      }
      value = (value << 8) | static_cast<uint32_t>(byte);
    }
    return value;
  }
  if (intval && !intval->negative && !intval->saturated && intval->magnitude <= 0xffffffffULL) {
    return static_cast<uint32_t>(intval->magnitude);
  }
  return std::nullopt;
}

std::string ipv4_to_string(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

size_t match_ipv6_address(std::string_view s, size_t pos) {
  constexpr size_t npos = std::string_view::npos;
  // Alternatives with 7 down to 1 leading "H:" groups, in the regex's order.
  for (int groups = 7; groups >= 1; --groups) {
    size_t p = pos;
    for (int g = 0; g < groups && p != npos; ++g) p = hex_group(s, p);
    if (p == npos) continue;
    if (groups == 7) {  // (H|:)
      const size_t run = hex_run(s, p, 4);
      if (run > 0) return p + run - pos;
      if (at(s, p) == ':') return p + 1 - pos;
      continue;
    }
    if (groups == 6) {  // (:H|V4|:)
      if (at(s, p) == ':' && is_hex_at(s, p + 1)) return p + 1 + hex_run(s, p + 1, 4) - pos;
      const size_t quad = match_dotted_quad(s, p, 0);
      if (quad != npos) return quad - pos;
      if (at(s, p) == ':') return p + 1 - pos;
      continue;
    }
    // ((:H){1,7-groups} | (:H){0,k}:V4 | :). The V4 branch can never be the
    // first to match: it needs ':' and a digit, which the first branch takes.
    if (at(s, p) == ':' && is_hex_at(s, p + 1)) return colon_groups(s, p, 7 - groups) - pos;
    if (at(s, p) == ':') return p + 1 - pos;
  }
  // ":" followed by ((:H){1,7} | (:H){0,5}:V4 | :)
  if (at(s, pos) == ':') {
    const size_t p = pos + 1;
    if (at(s, p) == ':' && is_hex_at(s, p + 1)) return colon_groups(s, p, 7) - pos;
    if (at(s, p) == ':') return p + 1 - pos;
  }
  return 0;
}

size_t match_ipv6_length(std::string_view s, size_t pos) {
  if (at(s, pos) != '/') return 0;
  const char a = at(s, pos + 1), b = at(s, pos + 2), c = at(s, pos + 3);
  if (a == '1' && b == '2' && c >= '0' && c <= '8') return 4;
  if (a == '1' && (b == '0' || b == '1') && is_digit(c)) return 4;
  if (is_digit(a)) return is_digit(b) ? 3 : 2;
  return 0;
}

std::string ipv6_network_string(std::string_view address, std::string_view length) {
  // Hextets before and after "::" (IPy's parser; the token grammar already
  // guarantees a well-formed address).
  std::vector<uint16_t> head, tail;
  bool compressed = false;
  auto parse_items = [](std::string_view part, std::vector<uint16_t>& out) {
    size_t start = 0;
    while (start < part.size()) {
      size_t colon = part.find(':', start);
      if (colon == std::string_view::npos) colon = part.size();
      const std::string_view item = part.substr(start, colon - start);
      if (item.find('.') != std::string_view::npos) {
        const uint32_t v4 = ipy_ipv4(item).value_or(0);
        out.push_back(static_cast<uint16_t>(v4 >> 16));
        out.push_back(static_cast<uint16_t>(v4 & 0xffff));
      } else {
        uint16_t v = 0;
        for (char c : item) v = static_cast<uint16_t>(v * 16 + hex_value(c));
        out.push_back(v);
      }
      start = colon + 1;
    }
  };
  const size_t gap = address.find("::");
  if (gap == std::string_view::npos) {
    parse_items(address, head);
  } else {
    compressed = true;
    parse_items(address.substr(0, gap), head);
    parse_items(address.substr(gap + 2), tail);
  }
  std::array<uint16_t, 8> h{};
  size_t k = 0;
  for (uint16_t v : head) {
    if (k < 8) h[k++] = v;
  }
  if (compressed) k = tail.size() <= 8 ? 8 - tail.size() : 0;
  for (uint16_t v : tail) {
    if (k < 8) h[k++] = v;
  }

  int len = 0;
  for (char c : length) len = len * 10 + (c - '0');
  for (int i = 0; i < 8; ++i) {
    const int bits = std::min(16, std::max(0, len - 16 * i));
    const uint32_t mask = bits == 0 ? 0 : (0xffffu << (16 - bits)) & 0xffffu;
    h[i] = static_cast<uint16_t>(h[i] & mask);
  }
  std::string suffix;
  if (len != 128) {
    suffix = '/';
    suffix += std::to_string(len);
  }

  auto hex = [](uint16_t v) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int d = (v >> shift) & 0xf;
      if (d != 0 || started || shift == 0) {
        out += digits[d];
        started = true;
      }
    }
    return out;
  };
  // IPy prints IPv4-mapped addresses (::ffff:0:0/96) with a dotted quad.
  if (h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 0 && h[4] == 0 && h[5] == 0xffff) {
    return "::ffff:" + ipv4_to_string((uint32_t{h[6]} << 16) | h[7]) + suffix;
  }
  // Compress the first longest run of zero hextets, if it is longer than one.
  int best = 0, best_pos = 0;
  for (int i = 0; i < 8; ++i) {
    int run = 0;
    while (i + run < 8 && h[i + run] == 0) ++run;
    if (run > best) {
      best = run;
      best_pos = i;
    }
  }
  std::vector<std::string> parts;
  for (uint16_t v : h) parts.push_back(hex(v));
  if (best > 1) {
    parts.erase(parts.begin() + best_pos, parts.begin() + best_pos + best);
    parts.insert(parts.begin() + best_pos, "");
    if (best_pos + 1 >= static_cast<int>(parts.size())) parts.push_back("");
    if (best_pos == 0) parts.insert(parts.begin(), "");
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ':';
    out += parts[i];
  }
  return out + suffix;
}

}  // namespace prefixd::smart_search
