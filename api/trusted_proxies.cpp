// SPDX-License-Identifier: MIT
#include "api/trusted_proxies.h"

#include <arpa/inet.h>

#include <charconv>

namespace prefixd::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An X-Forwarded-For entry may carry a port ("192.0.2.1:5000",
// "[2001:db8::1]:5000") or brackets ("[2001:db8::1]").
std::string_view strip_port(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close != std::string_view::npos) return s.substr(1, close - 1);
    return s;
  }
  const size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    return s.substr(0, colon);  // exactly one colon: IPv4 with a port
  }
  return s;
}

}  // namespace

bool IpNetwork::contains(const std::array<uint8_t, 16>& address) const {
  int bits = prefix_length;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    const auto* b = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    std::copy(b, b + 4, out.begin() + 12);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::copy(v6.s6_addr, v6.s6_addr + 16, out.begin());
    return out;
  }
  return std::nullopt;
}

IpNetwork parse_network(std::string_view text) {
  const std::string_view t = trim(text);
  const size_t slash = t.find('/');
  const std::string_view address = t.substr(0, slash);
  const auto bytes = parse_ip(address);
  if (!bytes) throw std::invalid_argument("'" + std::string(text) + "' is not an address");
  const bool v4 = address.find(':') == std::string_view::npos;
  IpNetwork net;
  net.bytes = *bytes;
  if (slash != std::string_view::npos) {
    const std::string_view length = t.substr(slash + 1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (length.empty() || ec != std::errc() || ptr != length.data() + length.size() || n < 0 ||
        n > (v4 ? 32 : 128)) {
      throw std::invalid_argument("'" + std::string(text) + "' has a bad prefix length");
    }
    net.prefix_length = v4 ? 96 + n : n;
  }
  return net;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
  for (const auto& e : entries) networks_.push_back(parse_network(e));
}

bool TrustedProxies::trusts(std::string_view address) const {
  if (networks_.empty()) return false;
  const auto bytes = parse_ip(address);
  if (!bytes) return false;
  for (const auto& n : networks_) {
    if (n.contains(*bytes)) return true;
  }
  return false;
}

std::string TrustedProxies::client_address(const std::string& peer,
                                           std::string_view forwarded_for) const {
  if (forwarded_for.empty() || !trusts(peer)) return peer;
  std::string_view genuine = peer;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string_view entry =
        trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    const std::string_view address = strip_port(entry);
    if (!parse_ip(address)) break;
    genuine = address;
    if (!trusts(address)) break;
  }
  return std::string(genuine);
}

}  // namespace prefixd::api
