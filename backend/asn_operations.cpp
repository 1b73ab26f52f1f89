// SPDX-License-Identifier: MIT
#include "backend/asn_operations.h"

#include "backend/asn_store.h"

namespace prefixd::ops {

Asn AddAsn::run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr) {
  return add_asn(tx, actor, attr);
}

std::vector<Asn> ListAsn::run(pqxx::transaction_base& tx, const Actor&, const Args& spec) {
  return list_asns(tx, spec);
}

std::vector<Asn> EditAsn::run(pqxx::transaction_base& tx, const Actor& actor, const Args& args) {
  return edit_asns(tx, actor, args.asn, args.attr);
}

std::vector<Asn> RemoveAsn::run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec) {
  return remove_asns(tx, actor, spec);
}

Found<Asn> SearchAsn::run(pqxx::transaction_base& tx, const Actor&, const Args& args) {
  Found<Asn> found{args.query, {}};
  found.rows = search_asns(tx, found.query, args.options);
  return found;
}

Found<Tag> SearchTag::run(pqxx::transaction_base& tx, const Actor&, const Args& args) {
  Found<Tag> found{args.query, {}};
  found.rows = search_tags(tx, found.query, args.options);
  return found;
}

}  // namespace prefixd::ops
