// SPDX-License-Identifier: MIT
// Pieces of the authentication backends that need no server: LDAP escaping
// and templates, JWT decoding and JWK parsing, NIPAP's hash scheme, the
// auth.backends configuration and the Authenticator's backend choice.
#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/auth_backend.h"
#include "api/auth_ldap.h"
#include "api/jwt_token.h"
#include "backend/errors.h"
#include "backend/password_hash.h"
#include "daemon/config.h"

namespace prefixd {
namespace {

using api::escape_ldap_dn_value;
using api::escape_ldap_filter_value;
using api::fill_ldap_template;

TEST(LdapEscaping, FilterSpecialsBecomeHexEscapes) {
  EXPECT_EQ(escape_ldap_filter_value("alice"), "alice");
  EXPECT_EQ(escape_ldap_filter_value("we*ird(x)\\y"), "we\\2aird\\28x\\29\\5cy");
  EXPECT_EQ(escape_ldap_filter_value(std::string("a\0b", 3)), "a\\00b");
  // DN specials mean nothing in a filter value.
  EXPECT_EQ(escape_ldap_filter_value("a,b=c+d"), "a,b=c+d");
}

TEST(LdapEscaping, DnSpecialsAreEscaped) {
  EXPECT_EQ(escape_ldap_dn_value("alice"), "alice");
  EXPECT_EQ(escape_ldap_dn_value("a,b=c+d\"e\\f<g>h;i"), "a\\,b\\=c\\+d\\\"e\\\\f\\<g\\>h\\;i");
  EXPECT_EQ(escape_ldap_dn_value("#lead and trail "), "\\#lead and trail\\ ");
  EXPECT_EQ(escape_ldap_dn_value(" x"), "\\ x");
  EXPECT_EQ(escape_ldap_dn_value("we*ird(x)"), "we*ird(x)");
}

TEST(LdapEscaping, TemplateReplacesEveryPlaceholder) {
  EXPECT_EQ(fill_ldap_template("uid={},ou=People", "bob"), "uid=bob,ou=People");
  EXPECT_EQ(fill_ldap_template("(|(uid={})(mail={}))", "b"), "(|(uid=b)(mail=b))");
  EXPECT_EQ(fill_ldap_template("{}@example.com", "b"), "b@example.com");
  EXPECT_EQ(fill_ldap_template("{x}", "b"), "{x}");
}

TEST(NipapHash, SaltThenPasswordSha1) {
  // hex(SHA1("abcdEFGHsecret")), the example of spec/auth-config.md §3.2.
  EXPECT_TRUE(verify_nipap_sha1("secret", "abcdEFGH", "ad6f9925df63ae35ac7555d65e213baca2388cf8"));
  EXPECT_FALSE(verify_nipap_sha1("secret", "abcdEFGh", "ad6f9925df63ae35ac7555d65e213baca2388cf8"));
  const std::string known = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";  // SHA1("test")
  EXPECT_TRUE(verify_nipap_sha1("st", "te", known));
  EXPECT_TRUE(verify_nipap_sha1("test", "", known));
  EXPECT_FALSE(verify_nipap_sha1("tesT", "", known));
  EXPECT_FALSE(verify_nipap_sha1("test", "", "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3"));
  EXPECT_FALSE(verify_nothing("test"));
}

TEST(Jwt, Base64UrlIsStrict) {
  EXPECT_EQ(api::decode_base64url("aGk"), "hi");
  EXPECT_EQ(api::decode_base64url("-_8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(api::decode_base64url("aGk="));  // no padding in JWS
  EXPECT_FALSE(api::decode_base64url("aG+k"));  // base64, not base64url
  EXPECT_FALSE(api::decode_base64url("aGl"));   // non-zero leftover bits
  EXPECT_FALSE(api::decode_base64url("a"));
}

TEST(Jwt, DecodeNeedsThreePartsAndJsonObjects) {
  // {"alg":"RS256"} . {"sub":"a"} . "sig"
  const std::string header = "eyJhbGciOiJSUzI1NiJ9", claims = "eyJzdWIiOiJhIn0";
  auto jwt = api::decode_jwt(header + "." + claims + ".c2ln");
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->header["alg"], "RS256");
  EXPECT_EQ(jwt->claims["sub"], "a");
  EXPECT_EQ(jwt->signing_input, header + "." + claims);
  EXPECT_EQ(jwt->signature, "sig");
  EXPECT_FALSE(api::decode_jwt(header + "." + claims));
  EXPECT_FALSE(api::decode_jwt(header + "." + claims + ".c2ln.x"));
  EXPECT_FALSE(api::decode_jwt("WzFd." + claims + ".c2ln"));  // [1]: not an object
  EXPECT_FALSE(api::decode_jwt("bm90IGpzb24." + claims + ".c2ln"));
  // Nesting deeper than any real token is refused before it costs anything.
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  std::string encoded;
  for (size_t i = 0; i < deep.size(); i += 3) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned v = static_cast<unsigned char>(deep[i]) << 16;
    if (i + 1 < deep.size()) v |= static_cast<unsigned char>(deep[i + 1]) << 8;
    if (i + 2 < deep.size()) v |= static_cast<unsigned char>(deep[i + 2]);
    encoded += a[(v >> 18) & 63];
    encoded += a[(v >> 12) & 63];
    if (i + 1 < deep.size()) encoded += a[(v >> 6) & 63];
    if (i + 2 < deep.size()) encoded += a[v & 63];
  }
  EXPECT_FALSE(api::decode_jwt(header + "." + encoded + ".c2ln"));
}

TEST(Jwt, OnlyAsymmetricAlgorithms) {
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA"}) {
    EXPECT_TRUE(api::supported_jwt_algorithm(alg)) << alg;
  }
  for (const char* alg : {"none", "HS256", "HS512", "rs256", ""}) {
    EXPECT_FALSE(api::supported_jwt_algorithm(alg)) << alg;
  }
}

TEST(Jwt, JwkParsingRefusesWhatCannotVerify) {
  std::string why;
  EXPECT_FALSE(api::parse_jwk({{"kty", "oct"}, {"k", "c2VjcmV0"}}, why));
  EXPECT_NE(why.find("oct"), std::string::npos);
  EXPECT_FALSE(api::parse_jwk({{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}}, why));
  EXPECT_NE(why.find("2048"), std::string::npos);
  EXPECT_FALSE(api::parse_jwk({{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}}, why));
  EXPECT_FALSE(api::parse_jwk({{"kty", "RSA"}, {"use", "enc"}}, why));
  // RFC 8037's example Ed25519 public key.
  auto ok = api::parse_jwk({{"kty", "OKP"},
                            {"crv", "Ed25519"},
                            {"kid", "k1"},
                            {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
                           why);
  ASSERT_TRUE(ok) << why;
  EXPECT_EQ(ok->kid, "k1");
}

daemon::Config load(const std::string& yaml) {
  return daemon::load_config_text(yaml, "test.yaml");
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const daemon::ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kLdap =
    "auth:\n  default_backend: corp\n  backends:\n    corp:\n      type: ldap\n"
    "      uri: ldaps://ldap.example.com\n      basedn: dc=example\n"
    "      binddn_fmt: uid={},dc=example\n      search: uid={}\n      timeout: 3\n";

TEST(AuthConfig, ReadsBackends) {
  const auto c = load(std::string(kLdap) +
                      "    jwt:\n      type: jwt\n      jwk_url: file:///etc/jwks.json\n"
                      "      group_claim_name: groups\n      rw_group: admins\n");
  EXPECT_EQ(c.auth_default_backend, "corp");
  ASSERT_EQ(c.auth_backends.size(), 2u);
  EXPECT_EQ(c.auth_backends[0].name, "corp");
  EXPECT_EQ(c.auth_backends[0].type, "ldap");
  EXPECT_EQ(c.auth_backends[0].timeout, 3);
  EXPECT_EQ(c.auth_backends[0].connect_timeout, 5);
  EXPECT_FALSE(c.auth_backends[0].tls);
  EXPECT_EQ(c.auth_backends[1].jwk_url, "file:///etc/jwks.json");
  EXPECT_EQ(c.auth_backends[1].jwks_refresh_interval, 60);
}

TEST(AuthConfig, MistakesAreNamed) {
  auto has = [](const std::string& error, const std::string& part) {
    return error.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of(std::string(kLdap) + "      jwk_url: x\n"),
                  "'auth.backends.corp': 'jwk_url' does not apply to a backend of type ldap"));
  EXPECT_TRUE(has(error_of(std::string(kLdap) + "      timeout: 0\n"), "timeout"));
  EXPECT_TRUE(has(error_of(std::string(kLdap) + "      bogus: 1\n"),
                  "unknown configuration key 'auth.backends.corp.bogus'"));
  EXPECT_TRUE(
      has(error_of("auth:\n  backends:\n    x:\n      uri: ldap://a\n"), "'type' is required"));
  EXPECT_TRUE(has(error_of("auth:\n  backends:\n    x:\n      type: ldap\n"), "'uri' is required"));
  EXPECT_TRUE(has(error_of("auth:\n  backends:\n    x:\n      type: kerberos\n"),
                  "invalid value 'kerberos'"));
  EXPECT_TRUE(has(error_of("auth:\n  backends:\n    bad@name:\n      type: local\n"),
                  "invalid backend name 'bad@name'"));
  EXPECT_TRUE(has(error_of("auth:\n  backends:\n    sso:\n      type: jwt\n"), "named jwt"));
  EXPECT_TRUE(has(error_of("auth:\n  backends:\n    local:\n      type: ldap\n"), "local"));
  EXPECT_TRUE(has(error_of("auth:\n  default_backend: nosuch\n"), "no backend named 'nosuch'"));
  EXPECT_TRUE(has(error_of("auth:\n  backends: [a]\n"), "must be a mapping"));
  EXPECT_TRUE(has(error_of(std::string(kLdap) + "      search: cn=fixed\n"), "must contain {}"));
}

TEST(Authenticator, UnknownBackendAndBearerWithoutJwtAreRefused) {
  api::Authenticator auth(std::chrono::seconds(60));
  // Fails fast if anything tries to connect: refused before any backend runs.
  DbSession db("host=/nonexistent port=1 connect_timeout=1");
  api::Credentials c;
  c.scheme = api::Credentials::Scheme::kBasic;
  c.login = "alice@nosuch";
  c.password = "x";
  try {
    auth.authenticate(c, db);
    FAIL();
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kAuthentication);
    EXPECT_STREQ(e.what(), "Invalid auth backend 'nosuch' specified");
  }
  c.scheme = api::Credentials::Scheme::kBearer;
  c.token = "a.b.c";
  try {
    auth.authenticate(c, db);
    FAIL();
  } catch (const NipapError& e) {
    EXPECT_EQ(e.code(), FaultCode::kAuthentication);
    EXPECT_STREQ(e.what(), "Invalid bearer token.");
  }
  EXPECT_EQ(auth.counters().cache_hits, 0u);
}

}  // namespace
}  // namespace prefixd

namespace prefixd {
namespace {

// The backends' failure paths without a server: refused connections and
// unreadable key sets are a BackendUnavailable, with every handle released
// (the sanitizer build checks for leaks at exit).
TEST(AuthBackends, NothingListeningIsUnavailable) {
  api::AuthBackendSettings ldap;
  ldap.name = "corp";
  ldap.type = "ldap";
  ldap.uri = "ldap://127.0.0.1:1";
  ldap.basedn = "dc=example";
  ldap.binddn_fmt = "uid={},dc=example";
  ldap.search = "uid={}";
  ldap.timeout = 2;
  DbSession db("host=/nonexistent port=1 connect_timeout=1");
  auto backend = api::make_auth_backend(ldap);
  EXPECT_THROW(backend->check_password("alice", "pw", db), api::BackendUnavailable);
  ldap.tls = true;
  EXPECT_THROW(api::make_auth_backend(ldap)->check_password("alice", "pw", db),
               api::BackendUnavailable);
  // An empty password never reaches the server.
  EXPECT_THROW(backend->check_password("alice", "", db), NipapError);

  api::AuthBackendSettings jwt;
  jwt.name = jwt.type = "jwt";
  jwt.jwk_url = "file:///nonexistent/jwks.json";
  jwt.group_claim_name = "groups";
  jwt.rw_group = "admins";
  auto tokens = api::make_auth_backend(jwt);
  auto valid_until = std::chrono::system_clock::time_point::max();
  // {"alg":"ES256","kid":"k"} . {"sub":"a"} . "sig"
  EXPECT_THROW(
      tokens->check_token("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJhIn0.c2ln", valid_until),
      api::BackendUnavailable);
  EXPECT_THROW(tokens->check_password("alice", "pw", db), NipapError);
}

}  // namespace
}  // namespace prefixd
