// SPDX-License-Identifier: MIT
// One writer per domain type: how a Vrf, Pool, Asn or Prefix looks as a
// result struct (spec/xmlrpc.md §4.3), and the answer of a search.
// Transport-neutral: every codec implements ValueWriter.
#pragma once

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/model.h"

namespace prefixd::api {

void write_vrf(ValueWriter& out, const Vrf& vrf);
// The 27 keys of a pool (xmlrpc.md §4.3). `nil_when_no_prefixes`: NIPAP's
// edit_pool, search_pool and smart_search_pool send `prefixes` as nil for a
// pool without members (add_pool and list_pool send []; pool.jsonl seq 75,
// 145).
void write_pool(ValueWriter& out, const Pool& pool, bool nil_when_no_prefixes = false);
// {asn, name} (xmlrpc.md §4.3).
void write_asn(ValueWriter& out, const Asn& asn);
// A prefix (xmlrpc.md §4.3): the 32 keys of add_prefix / list_prefix, with
// display_prefix in inet text; or the 36 keys of search_prefix / edit_prefix
// (plus prefix_length, children, match, display), display_prefix in cidr text.
enum class PrefixShape { kList, kSearch };
void write_prefix(ValueWriter& out, const Prefix& prefix, PrefixShape shape);
void write_prefixes(ValueWriter& out, const std::vector<Prefix>& prefixes, PrefixShape shape);
// A search's answer (search.md §2): {search_options: echo, result: rows()}.
template <typename WriteRows>
void write_search_answer(ValueWriter& out, Value::Struct echo, WriteRows&& rows) {
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  rows();
  out.end_struct();
}

void write_avps(ValueWriter& out, const Avps& avps);
void write_optional_string(ValueWriter& out, const std::optional<std::string>& s);
void write_string_list(ValueWriter& out, const std::vector<std::string>& items);

}  // namespace prefixd::api
