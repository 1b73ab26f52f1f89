// Free-space search (spec/allocation.md §5.3–§5.5): the lowest free aligned
// blocks of a wanted length inside search prefixes, judged in one VRF.
// Read-only; the caller holds the VRF lock when it goes on to insert.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

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

struct FreeSpaceQuery {
  int vrf_id = 0;
  std::vector<IpPrefix> search;  // one family; searched in ascending order
  int prefix_length = 0;
  int count = 1;
};

// Up to `count` free prefixes in inet text form, lowest address first within
// each search prefix. Empty when nothing is free.
std::vector<std::string> find_free_space(pqxx::transaction_base& tx, const FreeSpaceQuery& query);

}  // namespace prefixd
