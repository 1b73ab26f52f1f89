// SPDX-License-Identifier: MIT
#include "backend/ip_prefix.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "backend/errors.h"

namespace prefixd {

namespace {

using u128 = unsigned __int128;

u128 host_mask(int family, int length) {
  const int bits = (family == 4 ? 32 : 128) - length;
  if (bits <= 0) return 0;
  if (bits >= 128) return ~u128{0};
  return (u128{1} << bits) - 1;
}

[[noreturn]] void bad_prefix(const std::string& text) {
  throw NipapError(FaultCode::kValue, "Invalid syntax for prefix (" + text + ")");
}

}  // namespace

u128 block_size(int family, int length) {
  const int bits = (family == 4 ? 32 : 128) - length;
  return bits >= 128 ? ~u128{0} : (u128{1} << bits);  // 2^128 never needed as a size
}

u128 IpPrefix::last() const {
  return address | host_mask(family, length);
}

bool IpPrefix::operator<(const IpPrefix& o) const {
  if (family != o.family) return family < o.family;
  if (address != o.address) return address < o.address;
  return length < o.length;
}

std::string IpPrefix::inet_text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    uint32_t v = htonl(static_cast<uint32_t>(address));
    inet_ntop(AF_INET, &v, buf, sizeof buf);
  } else {
    unsigned char bytes[16];
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(address >> (8 * (15 - i)));
    inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  }
  std::string out = buf;
  if (length != max_length()) {
    out += '/';
    out += std::to_string(length);
  }
  return out;
}

std::string IpPrefix::cidr_text() const {
  std::string out = inet_text();
  if (length == max_length()) {
    out += '/';
    out += std::to_string(length);
  }
  return out;
}

IpPrefix parse_prefix(const std::string& text, bool allow_host_bits) {
  IpPrefix p;
  const size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  if (addr.find(':') != std::string::npos) {
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, addr.c_str(), bytes) != 1) bad_prefix(text);
    p.family = 6;
    for (unsigned char b : bytes) p.address = (p.address << 8) | b;
  } else {
    in_addr a{};
    if (inet_pton(AF_INET, addr.c_str(), &a) != 1) bad_prefix(text);
    p.family = 4;
    p.address = ntohl(a.s_addr);
  }
  p.length = p.max_length();
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 ||
        !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      bad_prefix(text);
    }
    p.length = std::stoi(len);
    if (p.length > p.max_length()) bad_prefix(text);
  }
  if (!allow_host_bits && (p.address & host_mask(p.family, p.length)) != 0) {
    IpPrefix network = p;
    network.address &= ~host_mask(p.family, p.length);
    throw NipapError(FaultCode::kValue, "Invalid prefix " + text +
                                            ": bits are set to the right of the mask; the "
                                            "network for that mask is " +
                                            network.cidr_text());
  }
  return p;
}

}  // namespace prefixd
