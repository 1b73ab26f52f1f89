#include "api/asn_methods.h"

#include "api/asn_decode.h"
#include "api/model_writer.h"
#include "api/wire_decode.h"
#include "backend/asn_store.h"
#include "backend/tag_store.h"

namespace prefixd::api {

namespace {

void write_asns(ValueWriter& out, const std::vector<Asn>& asns) {
  out.begin_array();
  for (const Asn& a : asns) write_asn(out, a);
  out.end_array();
}

}  // namespace

void handle_add_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const AsnChanges attr = decode_asn_attr(argument(args, "attr"), true);
  const Asn asn =
      ctx.services.db.run([&](pqxx::work& tx) { return add_asn(tx, actor_of(ctx.session), attr); });
  write_asn(out, asn);
}

void handle_list_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // nil or {} lists every ASN.
  const Value* spec = argument(args, "asn");
  const AsnSpec decoded = spec == nullptr || spec->is_nil() ? AsnSpec{} : decode_asn_spec(spec);
  write_asns(out, ctx.services.db.run([&](pqxx::work& tx) { return list_asns(tx, decoded); }));
}

void handle_edit_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  // NIPAP checks the attributes before the selector (errors.md §4.5).
  const AsnChanges attr = decode_asn_attr(argument(args, "attr"), false);
  const AsnSpec spec = decode_asn_spec(argument(args, "asn"));
  write_asns(out, ctx.services.db.run([&](pqxx::work& tx) {
    return edit_asns(tx, actor_of(ctx.session), spec, attr);
  }));
}

void handle_remove_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  const AsnSpec spec = decode_asn_spec(argument(args, "asn"));
  ctx.services.db.run([&](pqxx::work& tx) { remove_asns(tx, actor_of(ctx.session), spec); });
  out.write_nil();
}

void handle_search_asn(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  Query query = decode_query(argument(args, "query"));
  Value::Struct echo;
  const SearchOptions options = decode_search_options(argument(args, "search_options"), echo);
  const auto asns =
      ctx.services.db.run([&](pqxx::work& tx) { return search_asns(tx, query, options); });
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  write_asns(out, asns);
  out.end_struct();
}

void handle_search_tag(CallContext& ctx, const Value::Struct& args, ValueWriter& out) {
  Query query = decode_query(argument(args, "query"));
  Value::Struct echo;
  const SearchOptions options = decode_search_options(argument(args, "search_options"), echo);
  const auto tags =
      ctx.services.db.run([&](pqxx::work& tx) { return search_tags(tx, query, options); });
  out.begin_struct();
  out.write_key("search_options");
  out.write(Value::structure(std::move(echo)));
  out.write_key("result");
  out.begin_array();
  for (const Tag& t : tags) {
    out.begin_struct();
    out.member("name", t.name);
    out.end_struct();
  }
  out.end_array();
  out.end_struct();
}

}  // namespace prefixd::api
