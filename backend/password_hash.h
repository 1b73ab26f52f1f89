// SPDX-License-Identifier: MIT
// Password hashing with the system's libcrypt: yescrypt for new hashes;
// verification accepts any crypt(3) hash string libcrypt knows, and NIPAP's
// salted SHA-1 for imported accounts.
#pragma once

#include <string>
#include <string_view>

namespace prefixd {

// A new "$y$..." hash of `password` with a fresh random salt.
std::string hash_password(std::string_view password);

// True when `password` matches `stored` (a crypt(3) hash string). Compared in
// constant time. An unusable hash never matches.
bool verify_password(std::string_view password, const std::string& stored);

// NIPAP's local_auth.db scheme: true when lower-case hex SHA-1 of
// salt || password equals `sha1_hex`. Compared in constant time.
bool verify_nipap_sha1(std::string_view password, std::string_view salt, std::string_view sha1_hex);

// Spends the work of one verify_password on a fixed hash and returns false,
// so a rejected login costs the same whichever way it was rejected.
bool verify_nothing(std::string_view password);

}  // namespace prefixd
