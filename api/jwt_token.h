// SPDX-License-Identifier: MIT
// JSON Web Tokens (RFC 7519) and the public keys that sign them (RFC 7517
// JWK), verified with OpenSSL 3: RS256/384/512, PS256/384/512,
// ES256/384/512 and EdDSA (Ed25519, Ed448). Never `none`, never an HMAC
// algorithm (a public key is no shared secret).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace prefixd::api {

struct EvpKeyFree {
  void operator()(EVP_PKEY* key) const;
};
using PublicKey = std::unique_ptr<EVP_PKEY, EvpKeyFree>;

// One usable signing key of a JWKS.
struct Jwk {
  std::string kid;
  std::string kty;  // "RSA", "EC", "OKP"
  std::string crv;  // EC and OKP: "P-256", "Ed25519", ...
  std::string alg;  // the key's "alg" member, "" if absent
  std::shared_ptr<EVP_PKEY> key;
};

// The key a JWK describes; nullopt (with `why`) for a key that cannot sign
// tokens we accept (symmetric, private-only, too small, malformed, "use"
// other than "sig").
std::optional<Jwk> parse_jwk(const nlohmann::json& jwk, std::string& why);

// A token split and decoded, not yet trusted.
struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;  // base64url(header) "." base64url(payload)
  std::string signature;      // raw bytes
};

// nullopt for anything that is not three base64url parts of which the first
// two are JSON objects (shallowly nested).
std::optional<DecodedJwt> decode_jwt(std::string_view token);

// True for the `alg` values we verify.
bool supported_jwt_algorithm(std::string_view alg);

// Verifies `jwt.signature` over the signing input with `key` using `alg`;
// false when the signature or the key does not fit the algorithm.
bool verify_jwt_signature(const DecodedJwt& jwt, std::string_view alg, const Jwk& key);

// Base64url without padding (RFC 7515 §2); nullopt when invalid.
std::optional<std::string> decode_base64url(std::string_view in);

}  // namespace prefixd::api
