// SPDX-License-Identifier: MIT
// Trusted proxies and X-Forwarded-For (api/trusted_proxies.h), and the
// configuration key that lists them.
#include <gtest/gtest.h>

#include "api/trusted_proxies.h"
#include "daemon/config.h"

namespace prefixd::api {
namespace {

TEST(TrustedProxies, AddressesAndNetworks) {
  const TrustedProxies t({"127.0.0.1", "10.0.0.0/8", "2001:db8::/32", "::1"});
  EXPECT_TRUE(t.trusts("127.0.0.1"));
  EXPECT_FALSE(t.trusts("127.0.0.2"));
  EXPECT_TRUE(t.trusts("10.200.3.4"));
  EXPECT_FALSE(t.trusts("11.0.0.1"));
  EXPECT_TRUE(t.trusts("2001:db8:1::5"));
  EXPECT_FALSE(t.trusts("2001:db9::5"));
  EXPECT_TRUE(t.trusts("::1"));
  EXPECT_TRUE(t.trusts("::ffff:10.1.1.1"));  // IPv4-mapped is the IPv4 address
  EXPECT_FALSE(t.trusts("local"));
  EXPECT_FALSE(t.trusts(""));
  EXPECT_FALSE(TrustedProxies().trusts("127.0.0.1"));
}

TEST(TrustedProxies, OddPrefixLengths) {
  const TrustedProxies t({"192.0.2.64/27", "0.0.0.0/0"});
  EXPECT_TRUE(t.trusts("198.51.100.1"));  // everything IPv4
  EXPECT_FALSE(t.trusts("2001:db8::1"));
  const TrustedProxies u({"192.0.2.64/27"});
  EXPECT_TRUE(u.trusts("192.0.2.95"));
  EXPECT_FALSE(u.trusts("192.0.2.96"));
  EXPECT_FALSE(u.trusts("192.0.2.63"));
}

TEST(TrustedProxies, BadEntriesAreRefused) {
  for (const char* bad : {"", "proxy.example", "10.0.0.0/33", "::/129", "10.0.0.1/", "1.2.3.4/x",
                          "300.1.1.1", "10.0.0.0/-1"}) {
    EXPECT_THROW(TrustedProxies({bad}), std::invalid_argument) << bad;
  }
}

TEST(TrustedProxies, ClientFromForwardedFor) {
  const TrustedProxies t({"127.0.0.1", "10.0.0.0/8"});
  // An untrusted peer is the client, whatever it claims.
  EXPECT_EQ(t.client_address("192.0.2.9", "203.0.113.5"), "192.0.2.9");
  // A trusted peer names the client.
  EXPECT_EQ(t.client_address("127.0.0.1", "203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(t.client_address("127.0.0.1", ""), "127.0.0.1");
  // Read from the right, skipping trusted proxies: the client's own claim
  // (the leftmost entry) is not believed past an untrusted hop.
  EXPECT_EQ(t.client_address("127.0.0.1", "198.51.100.1, 203.0.113.5, 10.1.1.1"), "203.0.113.5");
  // Only trusted hops: the leftmost is the client.
  EXPECT_EQ(t.client_address("127.0.0.1", "10.2.2.2, 10.1.1.1"), "10.2.2.2");
  // A malformed entry ends the walk at the last genuine address.
  EXPECT_EQ(t.client_address("127.0.0.1", "203.0.113.5, garbage"), "127.0.0.1");
  EXPECT_EQ(t.client_address("127.0.0.1", "garbage, 10.1.1.1"), "10.1.1.1");
  // Ports and brackets, empty items, IPv6.
  EXPECT_EQ(t.client_address("127.0.0.1", "203.0.113.5:4711"), "203.0.113.5");
  EXPECT_EQ(t.client_address("127.0.0.1", "[2001:db8::7]:4711"), "2001:db8::7");
  EXPECT_EQ(t.client_address("127.0.0.1", "2001:db8::7 ,, "), "2001:db8::7");
}

TEST(TrustedProxiesConfig, ListKey) {
  using daemon::ConfigError;
  using daemon::load_config_text;
  EXPECT_TRUE(load_config_text("", "t").trusted_proxies.empty());
  EXPECT_TRUE(load_config_text("trusted_proxies: []\n", "t").trusted_proxies.empty());
  EXPECT_TRUE(load_config_text("trusted_proxies:\n", "t").trusted_proxies.empty());
  const auto c = load_config_text("trusted_proxies: [127.0.0.1, '10.0.0.0/8', ::1]\n", "t");
  EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "::1"}));
  const auto block = load_config_text("trusted_proxies:\n  - 192.0.2.1\n  - 192.0.2.2\n", "t");
  EXPECT_EQ(block.trusted_proxies.size(), 2u);
  EXPECT_EQ(load_config_text("trusted_proxies: 192.0.2.1\n", "t").trusted_proxies.size(), 1u);
  auto error_of = [](const std::string& yaml) -> std::string {
    try {
      load_config_text(yaml, "t");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  const std::string bad = error_of("trusted_proxies: [127.0.0.1, nginx]\n");
  EXPECT_NE(bad.find("'trusted_proxies'"), std::string::npos) << bad;
  EXPECT_NE(bad.find("'nginx'"), std::string::npos) << bad;
  EXPECT_NE(bad.find("CIDR"), std::string::npos) << bad;
  EXPECT_NE(error_of("trusted_proxies: {a: 1}\n").find("must be a list"), std::string::npos);
  EXPECT_NE(error_of("trusted_proxies: [[1]]\n").find("invalid list item"), std::string::npos);
  daemon::Config d;
  daemon::set_config_key(d, "trusted_proxies", "10.0.0.1, 10.0.0.2");
  EXPECT_EQ(d.trusted_proxies.size(), 2u);
  EXPECT_THROW(daemon::set_config_key(d, "trusted_proxies", "x"), ConfigError);
}

}  // namespace
}  // namespace prefixd::api
