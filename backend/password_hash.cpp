// SPDX-License-Identifier: MIT
#include "backend/password_hash.h"

#include <crypt.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace prefixd {

namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// crypt_r wants a NUL-terminated key; a password with an embedded NUL would
// be silently truncated, so such passwords are refused outright.
bool usable_key(std::string_view password) {
  return password.find('\0') == std::string_view::npos;
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (!usable_key(password)) throw std::invalid_argument("password contains a NUL byte");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // count 0 selects yescrypt's default cost; NULL rbytes asks libcrypt for
  // random bytes from the OS.
  if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting)) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  auto data = std::make_unique<crypt_data>();
  const std::string key(password);
  const char* hash = crypt_r(key.c_str(), setting, data.get());
  if (!hash || hash[0] == '*') throw std::runtime_error("crypt_r failed");
  return hash;
}

bool verify_password(std::string_view password, const std::string& stored) {
  if (!usable_key(password) || stored.empty() || stored[0] == '*') return false;
  auto data = std::make_unique<crypt_data>();
  const std::string key(password);
  const char* hash = crypt_r(key.c_str(), stored.c_str(), data.get());
  if (!hash || hash[0] == '*') return false;
  return constant_time_equal(hash, stored);
}

bool verify_nipap_sha1(std::string_view password, std::string_view salt,
                       std::string_view sha1_hex) {
  const std::string input = std::string(salt) + std::string(password);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
    return false;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return constant_time_equal(hex, sha1_hex);
}

bool verify_nothing(std::string_view password) {
  // Made once per process with the same cost as real hashes.
  static const std::string dummy = hash_password("prefixd: no such account");
  verify_password(password, dummy);
  return false;
}

}  // namespace prefixd
