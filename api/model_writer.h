// One writer per domain type: how a Vrf (later Pool, Prefix, Asn) looks as
// a result struct (spec/xmlrpc.md §4.3). Transport-neutral: every codec
// implements ValueWriter.
#pragma once

#include "api/value_writer.h"
#include "backend/model.h"

namespace prefixd::api {

void write_vrf(ValueWriter& out, const Vrf& vrf);
void write_avps(ValueWriter& out, const Avps& avps);
void write_optional_string(ValueWriter& out, const std::optional<std::string>& s);
void write_string_list(ValueWriter& out, const std::vector<std::string>& items);

}  // namespace prefixd::api
