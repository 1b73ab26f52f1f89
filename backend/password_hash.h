// Password hashing with the system's libcrypt: yescrypt for new hashes;
// verification accepts any crypt(3) hash string libcrypt knows.
#pragma once

#include <string>
#include <string_view>

namespace prefixd {

// A new "$y$..." hash of `password` with a fresh random salt.
std::string hash_password(std::string_view password);

// True when `password` matches `stored` (a crypt(3) hash string). Compared in
// constant time. An unusable hash never matches.
bool verify_password(std::string_view password, const std::string& stored);

}  // namespace prefixd
