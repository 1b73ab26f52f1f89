// SPDX-License-Identifier: MIT
// Trusted reverse proxies: which TCP peers may say who the client is in
// X-Forwarded-For. The access log names that client when the peer is a
// trusted proxy, and the peer itself otherwise.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace prefixd::api {

// An IPv4 or IPv6 network; IPv4 addresses are kept as IPv4-mapped IPv6.
struct IpNetwork {
  std::array<uint8_t, 16> bytes{};
  int prefix_length = 128;  // over the 128-bit form

  bool contains(const std::array<uint8_t, 16>& address) const;
};

// Parses an address ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1") into
// its 128-bit form; nullopt when it is not an address.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text);

// Parses "ADDRESS" or "ADDRESS/LENGTH". Throws std::invalid_argument.
IpNetwork parse_network(std::string_view text);

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry an address or a CIDR network. Throws std::invalid_argument
  // naming the first bad entry.
  explicit TrustedProxies(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty(); }
  bool trusts(std::string_view address) const;

  // The client's address: the TCP peer unless it is trusted, in which case
  // X-Forwarded-For (all its values, comma-separated, in arrival order) is
  // read from the right, skipping trusted proxies; the first address that
  // is not trusted is the client. A malformed entry stops the walk at the
  // last address known to be genuine.
  std::string client_address(const std::string& peer, std::string_view forwarded_for) const;

 private:
  std::vector<IpNetwork> networks_;
};

}  // namespace prefixd::api
