// UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), for text that must reach PostgreSQL or a client intact.
#pragma once

#include <string_view>

namespace prefixd {

bool is_valid_utf8(std::string_view s);

}  // namespace prefixd
