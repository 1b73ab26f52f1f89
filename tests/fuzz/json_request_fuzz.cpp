// SPDX-License-Identifier: MIT
// libFuzzer target: the JSON request decoder (api/json_codec). Any input is a
// value or a JsonError; a value written back must parse to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_codec.h"

using prefixd::api::JsonLimits;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  prefixd::api::Value value;
  try {
    value = prefixd::api::parse_json(text, JsonLimits{64});
  } catch (const prefixd::api::JsonError&) {
    return 0;
  }
  auto write = [](const prefixd::api::Value& v) {
    std::string out;
    prefixd::api::JsonWriter w(out);
    w.write(v);
    w.finish();
    return out;
  };
  const std::string once = write(value);
  const std::string twice = write(prefixd::api::parse_json(once, JsonLimits{64}));
  if (once != twice) {
    std::fprintf(stderr, "json_request_fuzz: writing is not stable:\n%s\n%s\n", once.c_str(),
                 twice.c_str());
    std::abort();
  }
  return 0;
}
