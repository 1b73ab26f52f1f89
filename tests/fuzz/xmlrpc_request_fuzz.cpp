// SPDX-License-Identifier: MIT
// libFuzzer target: the XML-RPC request decoder (api/xmlrpc_codec). Any input
// is either a call or a NipapError/EncodingError fault; anything else
// (another exception, a crash, a leak, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/xmlrpc_codec.h"
#include "backend/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    prefixd::api::parse_xmlrpc_call(body, prefixd::api::XmlRpcLimits{64});
  } catch (const prefixd::NipapError&) {
  } catch (const prefixd::api::EncodingError&) {
  }
  return 0;
}
