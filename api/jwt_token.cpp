// SPDX-License-Identifier: MIT
#include "api/jwt_token.h"

#include "api/auth.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <array>

namespace prefixd::api {

void EvpKeyFree::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxJsonDepth = 32;

struct Algorithm {
  std::string_view name;
  std::string_view kty;
  std::string_view crv;  // EC: the curve the algorithm requires; "" any
  const EVP_MD* (*digest)();
  bool pss;
  size_t ec_half;  // EC: bytes of r and of s in the signature
};

const Algorithm* find_algorithm(std::string_view alg) {
  static const std::array<Algorithm, 10> kAlgorithms = {{
      {"RS256", "RSA", "", EVP_sha256, false, 0},
      {"RS384", "RSA", "", EVP_sha384, false, 0},
      {"RS512", "RSA", "", EVP_sha512, false, 0},
      {"PS256", "RSA", "", EVP_sha256, true, 0},
      {"PS384", "RSA", "", EVP_sha384, true, 0},
      {"PS512", "RSA", "", EVP_sha512, true, 0},
      {"ES256", "EC", "P-256", EVP_sha256, false, 32},
      {"ES384", "EC", "P-384", EVP_sha384, false, 48},
      {"ES512", "EC", "P-521", EVP_sha512, false, 66},
      {"EdDSA", "OKP", "", nullptr, false, 0},
  }};
  for (const auto& a : kAlgorithms) {
    if (a.name == alg) return &a;
  }
  return nullptr;
}

std::optional<nlohmann::json> parse_object(const std::string& text) {
  bool too_deep = false;
  auto json = nlohmann::json::parse(
      text,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep || json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

std::optional<std::string> member(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

Bignum bignum(const std::string& bytes) {
  return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
}

// A public key from OSSL_PARAMs (RSA, EC).
EVP_PKEY* key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key;
}

EVP_PKEY* rsa_key(const nlohmann::json& jwk, std::string& why) {
  auto n = member(jwk, "n"), e = member(jwk, "e");
  std::optional<std::string> nb, eb;
  if (n) nb = decode_base64url(*n);
  if (e) eb = decode_base64url(*e);
  if (!nb || !eb || nb->empty() || eb->empty()) {
    why = "RSA key without valid n and e";
    return nullptr;
  }
  Bignum bn_n = bignum(*nb), bn_e = bignum(*eb);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  EVP_PKEY* key = nullptr;
  if (bld != nullptr && bn_n && bn_e &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1) {
    key = key_from_params("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) {
    why = "RSA key rejected by OpenSSL";
  } else if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
    why = "RSA key shorter than 2048 bits";
    EVP_PKEY_free(key);
    key = nullptr;
  }
  return key;
}

EVP_PKEY* ec_key(const nlohmann::json& jwk, const std::string& crv, std::string& why) {
  const char* group = crv == "P-256"   ? "prime256v1"
                      : crv == "P-384" ? "secp384r1"
                      : crv == "P-521" ? "secp521r1"
                                       : nullptr;
  const size_t size = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
  auto x = member(jwk, "x"), y = member(jwk, "y");
  std::optional<std::string> xb, yb;
  if (x) xb = decode_base64url(*x);
  if (y) yb = decode_base64url(*y);
  if (group == nullptr || !xb || !yb || xb->size() != size || yb->size() != size) {
    why = "EC key without a supported crv and valid x and y";
    return nullptr;
  }
  const std::string point = "\x04" + *xb + *yb;  // uncompressed
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  EVP_PKEY* key = nullptr;
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ==
          1) {
    key = key_from_params("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) why = "EC key rejected by OpenSSL (point not on the curve?)";
  return key;
}

EVP_PKEY* okp_key(const nlohmann::json& jwk, const std::string& crv, std::string& why) {
  const int type = crv == "Ed25519" ? EVP_PKEY_ED25519 : crv == "Ed448" ? EVP_PKEY_ED448 : 0;
  auto x = member(jwk, "x");
  std::optional<std::string> xb;
  if (x) xb = decode_base64url(*x);
  EVP_PKEY* key = nullptr;
  if (type != 0 && xb) {
    key = EVP_PKEY_new_raw_public_key(
        type, nullptr, reinterpret_cast<const unsigned char*>(xb->data()), xb->size());
  }
  if (key == nullptr) why = "OKP key without crv Ed25519 or Ed448 and a valid x";
  return key;
}

// ES* signatures are r || s (RFC 7518 §3.4); OpenSSL wants DER.
std::optional<std::string> ecdsa_der(const std::string& raw, size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  std::optional<std::string> out;
  if (sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    if (len > 0) out = std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

std::optional<std::string> decode_base64url(std::string_view in) {
  return decode_base64(in, Base64Alphabet::kUrl);
}

std::optional<Jwk> parse_jwk(const nlohmann::json& jwk, std::string& why) {
  if (!jwk.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  Jwk out;
  out.kid = member(jwk, "kid").value_or("");
  out.kty = member(jwk, "kty").value_or("");
  out.crv = member(jwk, "crv").value_or("");
  out.alg = member(jwk, "alg").value_or("");
  if (auto use = member(jwk, "use"); use && *use != "sig") {
    why = "\"use\" is not \"sig\"";
    return std::nullopt;
  }
  if (!out.alg.empty() && !supported_jwt_algorithm(out.alg)) {
    why = "unsupported alg " + out.alg;
    return std::nullopt;
  }
  EVP_PKEY* key = nullptr;
  if (out.kty == "RSA") {
    key = rsa_key(jwk, why);
  } else if (out.kty == "EC") {
    key = ec_key(jwk, out.crv, why);
  } else if (out.kty == "OKP") {
    key = okp_key(jwk, out.crv, why);
  } else {
    why = "unsupported kty '" + out.kty + "'";
  }
  ERR_clear_error();
  if (key == nullptr) return std::nullopt;
  out.key = std::shared_ptr<EVP_PKEY>(key, EvpKeyFree());
  return out;
}

std::optional<DecodedJwt> decode_jwt(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = decode_base64url(token.substr(0, first));
  auto payload = decode_base64url(token.substr(first + 1, second - first - 1));
  auto signature = decode_base64url(token.substr(second + 1));
  if (!header || !payload || !signature) return std::nullopt;
  auto header_json = parse_object(*header);
  auto claims_json = parse_object(*payload);
  if (!header_json || !claims_json) return std::nullopt;
  return DecodedJwt{std::move(*header_json), std::move(*claims_json),
                    std::string(token.substr(0, second)), std::move(*signature)};
}

bool supported_jwt_algorithm(std::string_view alg) {
  return find_algorithm(alg) != nullptr;
}

bool verify_jwt_signature(const DecodedJwt& jwt, std::string_view alg, const Jwk& key) {
  const Algorithm* a = find_algorithm(alg);
  if (a == nullptr || key.kty != a->kty || (!a->crv.empty() && key.crv != a->crv)) return false;
  if (!key.alg.empty() && key.alg != alg) return false;
  std::string signature = jwt.signature;
  if (a->ec_half != 0) {
    auto der = ecdsa_der(signature, a->ec_half);
    if (!der) return false;
    signature = std::move(*der);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, &pctx, a->digest ? a->digest() : nullptr,
                                                   nullptr, key.key.get()) == 1;
  if (ok && a->pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                              signature.size(),
                              reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                              jwt.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();  // a failed verification leaves its reasons queued
  return ok;
}

}  // namespace prefixd::api
