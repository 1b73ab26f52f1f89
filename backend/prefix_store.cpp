// SPDX-License-Identifier: MIT
#include "backend/prefix_store.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <set>

#include "backend/audit_log.h"
#include "backend/db_errors.h"
#include "backend/errors.h"
#include "backend/pg_values.h"
#include "backend/prefix_internal.h"
#include "backend/vrf_store.h"

namespace prefixd {

using namespace prefix_detail;

namespace {

struct PoolRow {
  int64_t id = 0;
  std::string name;
};

// The pool a prefix should belong to: nullopt for "no pool".
std::optional<PoolRow> resolve_pool(pqxx::transaction_base& tx,
                                    const std::optional<PoolSelector>& pool) {
  if (!pool || (!pool->id && !pool->name)) return std::nullopt;
  const pqxx::result r = pool->id ? tx.exec_prepared("prefix_pool_by_id", *pool->id)
                                  : tx.exec_prepared("prefix_pool_by_name", *pool->name);
  if (r.empty()) throw NipapError(FaultCode::kInput, "non-existing pool specified");
  return PoolRow{r[0][0].as<int64_t>(), r[0][1].as<std::string>()};
}

// Locks the positions (0013) of the rows `condition` selects -- or, with
// `at`, the position `at` in each of their VRFs (a recursive removal: every
// change inside it waits) -- repeating until no new position shows up, so
// the checks that follow read what no one else is changing.
void lock_positions_of(pqxx::transaction_base& tx, const std::string& condition,
                       const std::vector<std::optional<std::string>>& params,
                       const std::optional<std::string>& at = std::nullopt) {
  std::set<std::pair<int64_t, std::string>> locked;
  const std::string sql = "SELECT DISTINCT p.vrf_id, " +
                          std::string(at ? "NULL::text" : "p.prefix::text") + kPrefixFrom +
                          " WHERE " + condition;
  for (;;) {
    const pqxx::result r = translate_db_errors(
        [&] { return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params)); });
    std::vector<int64_t> vrfs;
    std::vector<std::string> prefixes;
    for (const auto& row : r) {
      std::pair<int64_t, std::string> pos{row[0].as<int64_t>(),
                                          at ? *at : row[1].as<std::string>()};
      if (!locked.insert(pos).second) continue;
      vrfs.push_back(pos.first);
      prefixes.push_back(pos.second);
    }
    if (vrfs.empty()) return;
    translate_db_errors([&] {
      return tx.exec_prepared("prefix_lock_positions", array_literal(vrfs),
                              array_literal(prefixes));
    });
  }
}

// Locks the position `prefix` in each of the VRFs (a prefix moving there).
void lock_positions(pqxx::transaction_base& tx, std::vector<int64_t> vrfs,
                    const std::string& prefix) {
  std::sort(vrfs.begin(), vrfs.end());
  vrfs.erase(std::unique(vrfs.begin(), vrfs.end()), vrfs.end());
  tx.exec_prepared("prefix_lock_positions", array_literal(vrfs),
                   array_literal(std::vector<std::string>(vrfs.size(), prefix)));
}

std::vector<Prefix> select_prefixes(pqxx::transaction_base& tx, const std::string& condition,
                                    const std::vector<std::optional<std::string>>& params,
                                    const char* order) {
  return translate_db_errors([&] {
    return rows_to_prefixes(tx.exec_params(
        std::string("SELECT ") + kPrefixColumns + kPrefixFrom + " WHERE " + condition + order,
        pqxx::prepare::make_dynamic_params(params)));
  });
}

std::vector<Prefix> prefixes_by_id(pqxx::transaction_base& tx, const std::vector<int64_t>& ids) {
  return select_prefixes(tx, "p.id = ANY($1::integer[])", {array_literal(ids)}, kSearchOrder);
}

// attr as a readable dict for the audit log (model.md §11).
std::string describe(const PrefixChanges& attr) {
  AttrDescription d;
  const std::pair<const char*, const Change<std::optional<std::string>>*> texts[] = {
      {"prefix", &attr.prefix},
      {"type", &attr.type},
      {"status", &attr.status},
      {"description", &attr.description},
      {"comment", &attr.comment},
      {"node", &attr.node},
      {"country", &attr.country},
      {"order_id", &attr.order_id},
      {"customer_id", &attr.customer_id},
      {"external_key", &attr.external_key},
      {"authoritative_source", &attr.authoritative_source},
      {"alarm_priority", &attr.alarm_priority},
      {"monitor", &attr.monitor},
      {"vlan", &attr.vlan},
  };
  for (const auto& [key, value] : texts) {
    if (*value) d.text(key, **value);
  }
  if (attr.tags) d.tags(*attr.tags);
  if (attr.avps) d.avps(*attr.avps);
  if (attr.expires) d.text("expires", *attr.expires);
  if (attr.vrf) {
    if (attr.vrf->id) d.number("vrf_id", *attr.vrf->id);
    if (attr.vrf->rt) d.text("vrf_rt", *attr.vrf->rt);
    if (attr.vrf->name) d.text("vrf_name", *attr.vrf->name);
  }
  if (attr.pool) {
    if (!*attr.pool || (!(*attr.pool)->id && !(*attr.pool)->name)) {
      d.item("pool_id", "None");
    } else if ((*attr.pool)->id) {
      d.number("pool_id", (*attr.pool)->id);
    } else {
      d.text("pool_name", (*attr.pool)->name);
    }
  }
  return d.str();
}

AuditEntry prefix_audit(const Prefix& p, std::string description) {
  return {p.vrf_id, p.vrf_rt,     p.vrf_name,   p.prefix,
          p.id,     std::nullopt, std::nullopt, std::move(description)};
}

// Values of vlan and monitor as PostgreSQL reads them, checked before the
// hierarchy (errors.md §4.3 row 20).
void check_value_syntax(pqxx::transaction_base& tx, const PrefixChanges& attr) {
  const std::optional<std::string> vlan = attr.vlan ? *attr.vlan : std::nullopt;
  const std::optional<std::string> monitor = attr.monitor ? *attr.monitor : std::nullopt;
  if (!vlan && !monitor) return;
  translate_db_errors(
      [&] { return tx.exec_params("SELECT $1::integer, $2::boolean", vlan, monitor); });
}

// Enumerations, then vlan and monitor, then a missing type: the order in
// which NIPAP's insert meets them (errors.md §4.3 rows 19-21).
void check_values(pqxx::transaction_base& tx, const PrefixChanges& attr, bool adding) {
  if (attr.type) check_enum("type", *attr.type);
  if (attr.status) {
    if (!*attr.status) throw NipapError(FaultCode::kValue, "'status' must not be nil");
    check_enum("status", *attr.status);
  }
  if (attr.alarm_priority) check_enum("alarm_priority", *attr.alarm_priority);
  check_value_syntax(tx, attr);
  if (attr.type ? !*attr.type : adding) {
    throw NipapError(FaultCode::kValue, "Unknown prefix type");
  }
}

std::optional<std::string> value_or(const Change<std::optional<std::string>>& change,
                                    std::optional<std::string> fallback) {
  return change ? *change : std::move(fallback);
}

}  // namespace

// add_prefix's database work (prefixd_add_prefix, 0014), read back as rows are.
const std::string& add_statement() {
  static const std::string kSql =
      std::string("SELECT ") + kPrefixColumns +
      " FROM prefixd_add_prefix($1, $2, $3, $4::cidr, $5::ip_net_plan_type, "
      "$6::ip_net_plan_status, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::priority_5step, "
      "$17::boolean, $18::integer, $19::text[], $20::text[], $21::timestamptz, $22, $23, $24, "
      "$25) p JOIN ip_net_vrf vrf ON vrf.id = p.vrf_id "
      "LEFT JOIN ip_net_pool pool ON pool.id = p.pool_id";
  return kSql;
}

// Several explicit adds at once (prefixd_add_prefixes, 0016), in call order.
const std::string& add_many_statement() {
  static const std::string kSql =
      std::string("SELECT ") + kPrefixColumns +
      " FROM prefixd_add_prefixes($1::integer[], $2::text[], $3::text[], $4::text[], $5::text[], "
      "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
      "$13::text[], $14::text[], $15::text[], $16, $17, $18, $19, $20::cidr[]) WITH ORDINALITY AS "
      "p "
      "JOIN ip_net_vrf vrf ON vrf.id = p.vrf_id LEFT JOIN ip_net_pool pool ON pool.id = p.pool_id "
      "ORDER BY p.ordinality";
  return kSql;
}

// Containment lookups write "vrf_id + 0": with a plain vrf_id = $1 the
// planner ANDs the iprange GiST index with ip_net_plan__vrf_id__index, which
// reads every row of the VRF (241 680 entries at a million prefixes).
const std::vector<PreparedStatement>& prefix_statements() {
  static const std::vector<PreparedStatement> kStatements = {
      {"prefix_lock_positions", "SELECT prefixd_lock_positions($1::integer[], $2::cidr[])"},
      {"prefix_lock_pool_exclusive", "SELECT prefixd_lock_pool($1, true)"},
      {"prefix_prelocked", "SELECT set_config('prefixd.prelocked', $1, true)"},
      {"prefix_parent",
       "SELECT id, prefix::text, type::text FROM ip_net_plan WHERE vrf_id + 0 = $1 "
       "AND iprange(prefix) >> iprange($2::cidr) AND id <> $3 ORDER BY masklen(prefix) DESC "
       "LIMIT 1"},
      {"prefix_non_host_inside",
       "SELECT 1 FROM ip_net_plan WHERE vrf_id + 0 = $1 AND iprange(prefix) << iprange($2::cidr) "
       "AND id <> $3 AND type <> 'host' LIMIT 1"},
      {"prefix_any_inside",
       "SELECT 1 FROM ip_net_plan WHERE vrf_id + 0 = $1 AND iprange(prefix) << iprange($2::cidr) "
       "AND id <> $3 LIMIT 1"},
      {"prefix_pool_other_vrf",
       "SELECT 1 FROM ip_net_plan WHERE pool_id = $1 AND vrf_id <> $2 AND id <> $3 LIMIT 1"},
      {"prefix_uncovered_host",
       "SELECT prefix::text FROM ip_net_plan WHERE parent_id = $1 AND type = 'host' "
       "AND NOT iprange(prefix) << iprange($2::cidr) ORDER BY prefix LIMIT 1"},
      {"prefix_duplicate",
       "SELECT 1 FROM ip_net_plan WHERE vrf_id = $1 AND prefix = $2::cidr AND id <> $3"},
      {"prefix_pool_by_id", "SELECT id, name FROM ip_net_pool WHERE id = $1"},
      {"prefix_lock_pool", "SELECT 1 FROM ip_net_pool WHERE id = $1 FOR UPDATE"},
      {"prefix_pool_by_name",
       "SELECT id, name FROM ip_net_pool WHERE name = $1 ORDER BY id LIMIT 1"},
      {"prefix_add", add_statement().c_str()},
      {"prefix_add_many", add_many_statement().c_str()},
      {"prefix_delete", "DELETE FROM ip_net_plan WHERE id = ANY($1::integer[])"},
      // The free-block locks (0013, prefixd_lock_free_block) of the rows to
      // delete that are children of a pool member, longer than its pool's
      // length; in key order, as prefixd_add_prefixes takes them.
      {"prefix_lock_free_blocks",
       "SELECT pg_advisory_xact_lock(1885763686, k.key) FROM (SELECT DISTINCT "
       "hashint8(prefixd_position_key(p.vrf_id, network(set_masklen(p.prefix, "
       "greatest(o.len, masklen(m.prefix))))::cidr)) AS key "
       "FROM ip_net_plan p JOIN ip_net_plan m ON m.id = p.parent_id "
       "CROSS JOIN LATERAL (SELECT CASE family(p.prefix) WHEN 4 THEN ipv4_default_prefix_length "
       "ELSE ipv6_default_prefix_length END AS len FROM ip_net_pool WHERE id = m.pool_id) o "
       "WHERE p.id = ANY($1::integer[]) AND masklen(p.prefix) > o.len "
       "AND masklen(m.prefix) <= o.len + 1) k ORDER BY k.key"},
      {"prefix_search_parent",
       "SELECT vrf_id, prefix::text, coalesce(indent, 0) FROM ip_net_plan WHERE id = $1"},
      {"prefix_assignment_keeping_hosts",
       // An assignment to delete whose hosts are not all deleted with it.
       "SELECT a.prefix::text FROM ip_net_plan a WHERE a.id = ANY($1::integer[]) "
       "AND a.type = 'assignment' AND EXISTS (SELECT 1 FROM ip_net_plan h "
       "WHERE h.parent_id = a.id AND h.type = 'host' AND NOT h.id = ANY($1::integer[])) "
       "ORDER BY a.prefix LIMIT 1"},
  };
  return kStatements;
}

void check_prefix_spec(const PrefixSpec& spec) {
  for (const auto& term : spec.terms) {
    bool known = false;
    for (const auto& a : prefix_attributes()) known = known || a.name == term.key;
    if (!known) {
      throw NipapError(FaultCode::kExtraneousInput,
                       "Key '" + term.key + "' not allowed in prefix spec.");
    }
  }
  if (spec.find("id") && spec.terms.size() > 1) {
    throw NipapError(FaultCode::kExtraneousInput, "If 'id' specified, no other keys are allowed.");
  }
}

AddMode add_prefix_mode(bool prefix, bool from_pool, bool from_prefix) {
  if (prefix ? (from_pool || from_prefix) : (from_pool == from_prefix)) {
    throw NipapError(FaultCode::kExtraneousInput,
                     "specify 'prefix' or 'from-prefix' or 'from-pool'");
  }
  return prefix ? AddMode::kExplicit : from_pool ? AddMode::kFromPool : AddMode::kFromPrefix;
}

void require_description_or_node(bool description, bool node) {
  if (!description && !node) {
    throw NipapError(FaultCode::kMissingInput, "Either description or node must be specified.");
  }
}

namespace {

// add_prefix's steps in NIPAP's order (errors.md §4.3); the database does
// the VRF (30), the hierarchy's parent and contents (110), the pool's VRF
// (120) and duplicates (150) inside prefixd_add_prefix (0014).
enum Step : int {
  kStepDescription = 40,
  kStepExpires = 50,
  kStepNilPrefix = 60,
  kStepSyntax = 70,
  kStepValues = 80,  // enumerations, vlan/monitor syntax, missing type (80-100)
  kStepHostLength = 110,
  kStepNode = 130,
  kStepCountry = 140,
  kStepNone = 1000,
};

// The first refusal of the daemon's own checks, kept until the database has
// done the steps before it.
struct FirstRefusal {
  int step = kStepNone;
  std::exception_ptr error;
  template <typename Fn>
  void check(int at, Fn&& fn) {
    if (error) return;
    try {
      fn();
    } catch (const NipapError&) {
      step = at;
      error = std::current_exception();
    }
  }
};

// expires, vlan and monitor are read by PostgreSQL; a refusal there would
// abort the transaction, so those checks run (and throw) before the call,
// after the VRF has been checked.
bool needs_value_reads(const PrefixChanges& attr) {
  if (attr.vlan || attr.monitor) return true;
  if (!attr.expires) return false;
  std::string e = *attr.expires;
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e != "never" && e != "infinity";
}

// The VRF id add_prefix writes in: the named one (resolved here when named by
// rt or name), else the default VRF.
int64_t add_vrf_id(pqxx::transaction_base& tx, const PrefixChanges& attr, bool must_exist) {
  if (!attr.vrf) return 0;
  if (attr.vrf->id && !attr.vrf->rt && !attr.vrf->name && !must_exist) return *attr.vrf->id;
  return resolve_vrf(tx, *attr.vrf).id;
}

}  // namespace

bool add_prefix_is_one_statement(const PrefixChanges& attr) {
  const bool pool = attr.pool && *attr.pool && ((*attr.pool)->id || (*attr.pool)->name);
  const bool vrf_by_id = !attr.vrf || (attr.vrf->id && !attr.vrf->rt && !attr.vrf->name);
  return !pool && vrf_by_id && !needs_value_reads(attr);
}

namespace {

// One add_prefix call's parameters of prefixd_add_prefix, after the checks
// that need no database: the first refusal among them (step and error),
// and the values that refusal leaves valid to send.
struct PreparedAdd {
  int step = kStepNone;
  std::exception_ptr refusal;
  int64_t vrf_id = 0;
  std::optional<int64_t> pool_id;
  std::optional<std::string> cidr, type, status, description, comment, node, country, order_id,
      customer_id, external_key, alarm_priority, monitor, vlan, tags, avps;
  std::string expires = "infinity";
  std::string added;  // the audit row's description
};

PreparedAdd prepare_add(pqxx::transaction_base& tx, const PrefixChanges& attr,
                        std::optional<int64_t> claimed_in) {
  if (attr.avps && attr.avps->count("")) {
    throw NipapError(FaultCode::kValue, "AVP with empty name is not allowed");
  }
  const std::optional<PoolRow> pool = resolve_pool(tx, attr.pool ? *attr.pool : std::nullopt);
  add_prefix_mode(attr.prefix.has_value(), false, false);
  const bool reads = needs_value_reads(attr);
  PreparedAdd out;
  out.vrf_id = claimed_in ? *claimed_in : add_vrf_id(tx, attr, reads);

  FirstRefusal refusal;
  // With values PostgreSQL must read, steps 40-100 throw at once (the VRF
  // is known to exist); otherwise every check before the hierarchy is
  // decided here and the database runs the steps before the first refusal.
  auto check = [&](int at, auto&& fn) {
    if (reads) {
      fn();
    } else {
      refusal.check(at, fn);
    }
  };
  std::optional<ParsedPrefix> parsed;
  check(kStepDescription,
        [&] { require_description_or_node(attr.description.has_value(), attr.node.has_value()); });
  check(kStepExpires, [&] {
    if (reads && attr.expires) out.expires = resolve_expires(tx, *attr.expires);
  });
  check(kStepNilPrefix, [&] {
    if (!*attr.prefix) throw NipapError(FaultCode::kValue, "'prefix' must not be nil");
  });
  check(kStepSyntax, [&] { parsed = parse_prefix_text(tx, **attr.prefix); });
  check(kStepValues, [&] { check_values(tx, attr, true); });
  const std::optional<std::string> node = value_or(attr.node, std::nullopt);
  std::optional<std::string> country = value_or(attr.country, std::nullopt);
  refusal.check(kStepHostLength, [&] {
    if (**attr.type == "host" && !parsed->full_length()) {
      throw NipapError(FaultCode::kValue, "Prefix of type host must have all bits set in netmask");
    }
  });
  refusal.check(kStepNode, [&] { check_node(**attr.type, *parsed, node); });
  refusal.check(kStepCountry, [&] {
    if (country) country = normalize_country(*country);
  });
  out.step = refusal.step;
  out.refusal = refusal.error;

  // Values a refusal may have found wrong are not sent: their casts would
  // fail before the steps in front of them ran.
  const bool whole = !refusal.error;
  auto sent = [&](const Change<std::optional<std::string>>& v) {
    return whole ? value_or(v, std::nullopt) : std::nullopt;
  };
  if (whole) {
    out.tags = "{}";
    if (attr.tags) out.tags = *attr.tags ? std::optional(array_literal(**attr.tags)) : std::nullopt;
    out.avps = avps_literal(attr.avps ? *attr.avps : Avps{});
    out.status = value_or(attr.status, "assigned");
    out.node = node;
    out.country = country;
  }
  if (refusal.step > kStepSyntax) out.cidr = parsed->cidr;
  if (refusal.step > kStepValues) out.type = **attr.type;
  if (pool) out.pool_id = pool->id;
  out.description = sent(attr.description);
  out.comment = sent(attr.comment);
  out.order_id = sent(attr.order_id);
  out.customer_id = sent(attr.customer_id);
  out.external_key = sent(attr.external_key);
  out.alarm_priority = sent(attr.alarm_priority);
  out.monitor = sent(attr.monitor);
  out.vlan = sent(attr.vlan);
  if (out.cidr) out.added = "Added prefix " + *out.cidr + " with attr: " + describe(attr);
  return out;
}

}  // namespace

Prefix add_prefix(pqxx::transaction_base& tx, const Actor& actor, const PrefixChanges& attr,
                  std::optional<int64_t> claimed_in) {
  const PreparedAdd a = prepare_add(tx, attr, claimed_in);
  const pqxx::result r = translate_db_errors([&] {
    return tx.exec_prepared("prefix_add", a.step, a.vrf_id, claimed_in.has_value(), a.cidr, a.type,
                            a.status, a.description, a.comment, a.node, a.pool_id, a.country,
                            a.order_id, a.customer_id, a.external_key, actor.authoritative_source,
                            a.alarm_priority, a.monitor, a.vlan, a.tags, a.avps, a.expires,
                            actor.username.value_or(actor.authenticated_as), actor.authenticated_as,
                            actor.full_name, a.added);
  });
  if (a.refusal) std::rethrow_exception(a.refusal);
  return rows_to_prefixes(r).at(0);
}

std::optional<std::vector<Prefix>> add_prefixes_at_once(pqxx::transaction_base& tx,
                                                        const Actor& actor,
                                                        const std::vector<PrefixChanges>& attrs,
                                                        std::optional<int64_t> allocated_in,
                                                        const std::vector<std::string>& spaces) {
  std::vector<std::optional<std::string>> vrfs, cidrs, types, statuses, descriptions, comments,
      nodes, countries, order_ids, customer_ids, external_keys, priorities, tags, avps, added;
  for (const PrefixChanges& attr : attrs) {
    PrefixChanges shape = attr;
    if (allocated_in) shape.vrf.reset();  // the allocation resolved it
    if (!attr.prefix || !add_prefix_is_one_statement(shape)) return std::nullopt;
    PreparedAdd a;
    try {
      a = prepare_add(tx, attr, allocated_in);
    } catch (const NipapError&) {
      return std::nullopt;
    }
    if (a.refusal) return std::nullopt;
    vrfs.emplace_back(std::to_string(a.vrf_id));
    cidrs.push_back(a.cidr);
    types.push_back(a.type);
    statuses.push_back(a.status);
    descriptions.push_back(a.description);
    comments.push_back(a.comment);
    nodes.push_back(a.node);
    countries.push_back(a.country);
    order_ids.push_back(a.order_id);
    customer_ids.push_back(a.customer_id);
    external_keys.push_back(a.external_key);
    priorities.push_back(a.alarm_priority);
    tags.push_back(a.tags);
    avps.push_back(a.avps);
    added.emplace_back(a.added);
  }
  // Any refusal (or a prefix added meanwhile by someone else) undoes the
  // statement; the caller then adds the prefixes one by one, which refuses
  // the right call with NIPAP's message.
  tx.exec("SAVEPOINT prefixd_add_prefixes");
  try {
    const pqxx::result r = tx.exec_prepared(
        "prefix_add_many", array_literal(vrfs), array_literal(cidrs), array_literal(types),
        array_literal(statuses), array_literal(descriptions), array_literal(comments),
        array_literal(nodes), array_literal(countries), array_literal(order_ids),
        array_literal(customer_ids), array_literal(external_keys), array_literal(priorities),
        array_literal(tags), array_literal(avps), array_literal(added), actor.authoritative_source,
        actor.username.value_or(actor.authenticated_as), actor.authenticated_as, actor.full_name,
        allocated_in ? std::optional(array_literal(spaces)) : std::nullopt);
    tx.exec("RELEASE SAVEPOINT prefixd_add_prefixes");
    std::vector<Prefix> rows = rows_to_prefixes(r);
    if (rows.size() != attrs.size()) throw std::logic_error("prefixd_add_prefixes lost rows");
    return rows;
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "57014") throw_nipap_error(e);  // statement timeout: no second try
    tx.exec("ROLLBACK TO SAVEPOINT prefixd_add_prefixes");
    return std::nullopt;
  }
}

std::vector<Prefix> list_prefixes(pqxx::transaction_base& tx, const PrefixSpec& spec) {
  check_prefix_spec(spec);
  std::vector<std::optional<std::string>> params;
  const std::string where = spec_condition(spec, params);
  return select_prefixes(tx, where, params, " ORDER BY vrf.rt NULLS FIRST, p.prefix, p.vrf_id");
}

std::vector<Prefix> edit_prefixes(pqxx::transaction_base& tx, const Actor& actor,
                                  const PrefixSpec& spec, const PrefixChanges& attr) {
  if (attr.avps && attr.avps->count("")) {
    throw NipapError(FaultCode::kValue, "AVP with empty name is not allowed");
  }
  check_prefix_spec(spec);
  if (attr.empty()) throw NipapError(FaultCode::kInput, "'attr' must not be empty.");
  if (spec.empty()) {
    throw NipapError(FaultCode::kMissingInput, "a prefix specification key is required");
  }
  const std::optional<PoolRow> pool = resolve_pool(tx, attr.pool ? *attr.pool : std::nullopt);
  std::optional<Vrf> vrf;
  if (attr.vrf) vrf = resolve_vrf(tx, *attr.vrf);
  const std::optional<std::string> expires =
      attr.expires ? std::optional(resolve_expires(tx, *attr.expires)) : std::nullopt;
  if (attr.prefix && !*attr.prefix) throw NipapError(FaultCode::kValue, "'prefix' must not be nil");
  std::optional<ParsedPrefix> new_prefix;
  if (attr.prefix) new_prefix = parse_prefix_text(tx, **attr.prefix);
  check_values(tx, attr, false);
  const std::optional<std::string> country = value_or(attr.country, std::nullopt);

  std::vector<std::optional<std::string>> spec_params;
  const std::string where = spec_condition(spec, spec_params);
  // Only a change of place, type, pool, tags or node can touch other rows
  // or be judged against them (hierarchy, pool, inherited tags): the other
  // attributes are the row's own, and its row lock orders edits of it.
  const bool structural =
      attr.prefix || attr.type || attr.pool || attr.tags || attr.node || attr.vrf;
  if (structural) lock_positions_of(tx, where, spec_params);
  const std::vector<Prefix> matched = select_prefixes(tx, where, spec_params, kSearchOrder);
  if (new_prefix) {
    std::vector<int64_t> vrfs;
    for (const Prefix& old : matched) vrfs.push_back(old.vrf_id);
    lock_positions(tx, vrfs, new_prefix->cidr);
  }
  // Joining a pool: one writer at a time keeps its members in one VRF.
  if (pool && !matched.empty()) tx.exec_prepared("prefix_lock_pool_exclusive", pool->id);

  std::vector<int64_t> ids;
  for (const Prefix& old : matched) {
    if (vrf && vrf->id != old.vrf_id) {
      throw NipapError(FaultCode::kValue, "Changing VRF is not allowed");
    }
    const std::string type = attr.type ? **attr.type : old.type;
    const ParsedPrefix place =
        new_prefix ? *new_prefix
                   : ParsedPrefix{old.prefix, old.prefix, static_cast<int>(old.family),
                                  static_cast<int>(old.prefix_length)};
    const bool moved = place.cidr != old.prefix;
    if (moved || type != old.type) check_hierarchy(tx, old.vrf_id, place, type, old.id);
    // Membership changes only when attr names a pool other than the current.
    const int64_t old_pool = old.pool_id.value_or(-1);
    const int64_t new_pool = attr.pool ? (pool ? pool->id : -1) : old_pool;
    const bool pool_changed = new_pool != old_pool;
    if (pool_changed && pool) check_pool_vrf(tx, pool->id, old.vrf_id, old.id);
    check_node(type, place, value_or(attr.node, old.node));
    check_type_change(tx, old.vrf_id, place, old.type, type, old.id);
    if (country) normalize_country(*country);
    if (moved) check_duplicate(tx, old.vrf_id, place, old.id);
    if (moved && old.type == "assignment") check_hosts_stay_covered(tx, old.vrf_id, place, old.id);

    SqlParams params = {std::to_string(old.id)};
    SetClause set(params);
    if (attr.prefix) set.set("prefix", place.cidr, "::cidr");
    if (attr.type) set.set("type", type, "::ip_net_plan_type");
    if (attr.status) set.set("status", *attr.status, "::ip_net_plan_status");
    if (attr.description) set.set("description", *attr.description);
    if (attr.comment) set.set("comment", *attr.comment);
    if (attr.node) set.set("node", *attr.node);
    if (attr.country) {
      set.set("country", country ? std::optional(normalize_country(*country)) : std::nullopt);
    }
    if (attr.order_id) set.set("order_id", *attr.order_id);
    if (attr.customer_id) set.set("customer_id", *attr.customer_id);
    if (attr.external_key) set.set("external_key", *attr.external_key);
    if (attr.authoritative_source) set.set("authoritative_source", *attr.authoritative_source);
    if (attr.alarm_priority) set.set("alarm_priority", *attr.alarm_priority, "::priority_5step");
    if (attr.monitor) set.set("monitor", *attr.monitor, "::boolean");
    if (attr.vlan) set.set("vlan", *attr.vlan, "::integer");
    if (attr.tags) set.set_text_array("tags", *attr.tags);
    if (attr.avps) set.set_avps("avps", *attr.avps);
    if (expires) set.set("expires", expires, "::timestamptz");
    if (attr.pool) {
      set.set("pool_id", pool ? std::optional(std::to_string(pool->id)) : std::nullopt,
              "::integer");
    }

    write_audit(tx, actor,
                prefix_audit(old, "Edited prefix " + old.prefix + " attr: " + describe(attr)));
    if (pool_changed) {
      if (pool) {
        write_audit(tx, actor,
                    {old.vrf_id, old.vrf_rt, old.vrf_name, old.prefix, old.id, pool->name, pool->id,
                     "Expanded pool " + pool->name + " with prefix " + old.prefix});
      }
      if (old.pool_id) {
        write_audit(
            tx, actor,
            {old.vrf_id, old.vrf_rt, old.vrf_name, old.prefix, old.id, old.pool_name, old.pool_id,
             "Removed prefix " + old.prefix + " from pool " + old.pool_name.value_or("None")});
      }
    }
    // An attr that only names the prefix's own VRF changes no column.
    const std::string columns = set.empty() ? "vrf_id = vrf_id" : set.sql();
    translate_db_errors([&] {
      return tx.exec_params("UPDATE ip_net_plan SET " + columns + " WHERE id = $1::integer",
                            pqxx::prepare::make_dynamic_params(params));
    });
    ids.push_back(old.id);
  }
  if (ids.empty()) return {};
  return prefixes_by_id(tx, ids);
}

std::vector<Prefix> remove_prefixes(pqxx::transaction_base& tx, const Actor& actor,
                                    const PrefixSpec& spec, bool recursive) {
  check_prefix_spec(spec);
  PrefixSpec target = spec;
  if (const auto* id = spec.find("id")) {
    // An id is translated to that row's prefix and VRF (model.md §8.1).
    std::vector<std::optional<std::string>> params;
    const auto found = select_prefixes(tx, spec_condition(spec, params), params, "");
    if (found.empty()) {
      throw NipapError(FaultCode::kNonExistent,
                       "Prefix with id " + id->value.value_or("None") + " not found");
    }
    target.terms = {{"prefix", found[0].prefix}, {"vrf_id", std::to_string(found[0].vrf_id)}};
  } else if (!spec.find("prefix")) {
    throw NipapError(FaultCode::kMissingInput, "missing prefix or id of prefix");
  }

  std::vector<std::optional<std::string>> params;
  const std::string where = spec_condition(target, params);
  // Recursion covers the prefix range; every other key restricts it, and
  // hosts go whatever the type restriction says (model.md §8.1).
  PrefixSpec rest;
  std::optional<std::string> range, type;
  for (const auto& term : target.terms) {
    if (term.key == "prefix") {
      range = term.value;
    } else if (term.key == "type") {
      type = term.value;
    } else {
      rest.terms.push_back(term);
    }
  }
  std::vector<std::optional<std::string>> covered_params = {range};
  const std::string covered =
      "iprange(p.prefix) <<= iprange($1::cidr) AND " + spec_condition(rest, covered_params);
  if (recursive) {
    lock_positions_of(tx, covered, covered_params, range);
  } else {
    lock_positions_of(tx, where, params);
  }

  const std::vector<Prefix> matched = select_prefixes(tx, where, params, kSearchOrder);
  std::vector<int64_t> doomed;
  if (!recursive) {
    for (const Prefix& p : matched) {
      if (p.type == "assignment" && p.children > 0) {
        throw NipapError(FaultCode::kValue,
                         "Prohibited delete, prefix (" + p.prefix + ") contains hosts.");
      }
      doomed.push_back(p.id);
    }
  } else {
    const std::string ids_sql = "SELECT p.id" + std::string(kPrefixFrom) + " WHERE " + covered;
    std::vector<std::optional<std::string>> with_type = covered_params;
    std::string typed = " AND p.type = 'host'";
    const pqxx::result hosts = translate_db_errors([&] {
      return tx.exec_params(ids_sql + typed, pqxx::prepare::make_dynamic_params(covered_params));
    });
    if (type) {
      with_type.push_back(type);
      typed = " AND p.type = $" + std::to_string(with_type.size()) + "::ip_net_plan_type";
    } else {
      typed = "";
    }
    const pqxx::result others = translate_db_errors([&] {
      return tx.exec_params(ids_sql + typed, pqxx::prepare::make_dynamic_params(with_type));
    });
    for (const auto* rows : {&hosts, &others}) {
      for (const auto& row : *rows) doomed.push_back(row[0].as<int64_t>());
    }
    std::sort(doomed.begin(), doomed.end());
    doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
    const pqxx::result orphaning =
        tx.exec_prepared("prefix_assignment_keeping_hosts", array_literal(doomed));
    if (!orphaning.empty()) {
      throw NipapError(
          FaultCode::kValue,
          "Prohibited delete, prefix (" + orphaning[0][0].as<std::string>() + ") contains hosts.");
    }
  }
  if (doomed.empty()) return matched;
  // Every row a recursive removal deletes lies under a position locked
  // above, so the row triggers need not lock them one by one; the
  // free-block locks they would take are taken here (a sibling added
  // beside a removed child in the same pool block must wait: both change
  // that block's free_prefixes).
  if (recursive) {
    tx.exec_prepared("prefix_lock_free_blocks", array_literal(doomed));
    tx.exec_prepared("prefix_prelocked", "on");
  }
  translate_db_errors([&] { return tx.exec_prepared("prefix_delete", array_literal(doomed)); });
  if (recursive) tx.exec_prepared("prefix_prelocked", "off");
  for (const Prefix& p : matched) {
    write_audit(tx, actor, prefix_audit(p, "Removed prefix " + p.prefix));
    if (p.pool_id) {
      write_audit(tx, actor,
                  {std::nullopt, std::nullopt, std::nullopt, p.prefix, p.id, p.pool_name, p.pool_id,
                   "Prefix " + p.prefix + " removed from pool " + p.pool_name.value_or("None")});
    }
  }
  return matched;
}

}  // namespace prefixd
