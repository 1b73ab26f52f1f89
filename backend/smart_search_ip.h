// SPDX-License-Identifier: MIT
// Address recognition for smart search (spec/search.md §4.3, §4.5): the
// IPv6 token grammar NIPAP's tokenizer uses, and the address parsing and
// printing of the IPy library NIPAP relies on, reproduced closely enough that
// interpretations (expanded, strict_prefix) come out character for character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace prefixd::smart_search {

// Python's int(text, base) for base 10 or 16: surrounding whitespace, a sign,
// underscores between digits, "0x" for base 16. Magnitudes that do not fit
// saturate (callers only compare against address-sized bounds).
struct PyInt {
  bool negative = false;
  uint64_t magnitude = 0;
  bool saturated = false;
};
std::optional<PyInt> py_int(std::string_view text, int base);

// IPy.IP(text) for a string without '/': the IPv4 address it denotes, or
// nullopt when IPy rejects it or reads it as IPv6. Ranges ("a-b") are not
// accepted (they make NIPAP crash or produce nonsense further on).
std::optional<uint32_t> ipy_ipv4(std::string_view text);

std::string ipv4_to_string(uint32_t address);

// Length of the IPv6 address (without zone) that NIPAP's token regex matches
// at `pos`, or 0. Alternatives are tried in the regex's fixed order, so the
// match is not always the longest possible.
size_t match_ipv6_address(std::string_view text, size_t pos);

// Length of the "/NN" suffix of an IPv6 prefix token at `pos`, or 0.
size_t match_ipv6_length(std::string_view text, size_t pos);

// str(IPy.IP(address + "/" + length, make_net=True)) for an address accepted
// by match_ipv6_address and a length accepted by match_ipv6_length (digits).
std::string ipv6_network_string(std::string_view address, std::string_view length);

}  // namespace prefixd::smart_search
