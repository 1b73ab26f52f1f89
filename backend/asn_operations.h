// SPDX-License-Identifier: MIT
// The ASN methods and search_tag as operations (spec/xmlrpc.md §5.5, §5.6;
// backend/operation.h).
#pragma once

#include <vector>

#include "backend/operation.h"
#include "backend/tag_store.h"

namespace prefixd::ops {

struct AddAsn : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = AsnChanges;
  using Result = Asn;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr);
};

struct ListAsn : Operation<Effect::kRead, Shape::kStatement> {
  using Args = AsnSpec;  // empty: every ASN
  using Result = std::vector<Asn>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct EditAsn : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    AsnSpec asn;
    AsnChanges attr;
  };
  using Result = std::vector<Asn>;  // as they are after the edit
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct RemoveAsn : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = AsnSpec;
  using Result = std::vector<Asn>;  // the removed ASNs as they were
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct SearchAsn : Operation<Effect::kRead, Shape::kStatement> {
  using Args = SearchArgs;
  using Result = Found<Asn>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct SearchTag : Operation<Effect::kRead, Shape::kStatement> {
  using Args = SearchArgs;
  using Result = Found<Tag>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

}  // namespace prefixd::ops
