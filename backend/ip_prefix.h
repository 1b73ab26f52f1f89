// SPDX-License-Identifier: MIT
// Addresses and prefixes as 128-bit numbers, parsed and printed without a
// database: the free-space walk and the search compiler use them.
#pragma once

#include <string>

namespace prefixd {

// An address or prefix as a 128-bit number (IPv4 in the low 32 bits).
struct IpPrefix {
  int family = 4;  // 4 or 6
  unsigned __int128 address = 0;
  int length = 0;

  int max_length() const { return family == 4 ? 32 : 128; }
  unsigned __int128 last() const;  // highest address inside
  // cidr text, always with "/len"; inet text omits a full-length mask.
  std::string cidr_text() const;
  std::string inet_text() const;
  bool operator<(const IpPrefix& o) const;
  bool operator==(const IpPrefix& o) const = default;
};

// Parses "a.b.c.d[/n]" or an IPv6 address with optional "/n". Host bits
// right of the mask are refused unless `allow_host_bits`. Throws NipapError
// 1200 naming the text.
IpPrefix parse_prefix(const std::string& text, bool allow_host_bits = false);

// 2^(max - length): the number of addresses in a block of that length
// (saturating at 2^128 - 1, which no caller needs exactly).
unsigned __int128 block_size(int family, int length);

}  // namespace prefixd
