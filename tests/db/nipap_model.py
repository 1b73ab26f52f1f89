# SPDX-License-Identifier: MIT
"""Shared by the database and end-to-end tests: NIPAP's schema-8 layout, and an
independent model of every derived value of spec/model.md.

nipap_v8_schema_sql() builds what a NIPAP installation (nipapd 0.32.x, schema
version 8) leaves in PostgreSQL: the extensions (§1.1), enums (§1.3), tables
(§1.4), indexes and their comments (§1.5), the default VRF (§1.6), and every
stored function and trigger named in §1.7 with NIPAP's names, tables, timing,
events and conditions. The function bodies are stubs that leave rows alone:
the tests write the derived columns themselves, drifted the way NIPAP's drift
(§8.4), and check that adoption replaces all of it.

derive() recomputes indent, parent, children, display_prefix, inherited tags,
per-prefix statistics (§6, §7, §9), VRF statistics (§3.4) and pool statistics
(§4.4) from the user-owned columns only, with Python's ipaddress module. It
takes plain dicts, so a test can feed it rows read with SQL or through the API.

Python 3 standard library only.
"""
import ipaddress

# (name, argument types, return type) of NIPAP's plain functions (§1.7).
NIPAP_FUNCTIONS = [
    ("calc_indent", "integer, cidr, integer", "void"),
    ("array_undup", "anyarray", "anyarray"),
    ("calc_tags", "integer, cidr", "void"),
    ("find_free_ranges", "integer", "SETOF iprange"),
    ("find_free_ranges", "integer[]", "SETOF iprange"),
    ("iprange2cidr", "iprange[]", "SETOF cidr"),
    ("calc_pool_free_prefixes", "integer, integer", "numeric"),
    ("calc_pool_free_prefixes", "ip_net_pool, integer, cidr", "numeric"),
    ("cidr_count", "cidr[], integer", "numeric"),
    ("find_free_prefix", "integer, inet[], integer", "SETOF inet"),
    ("find_free_prefix", "integer, inet[], integer, integer", "SETOF inet"),
    ("get_prefix", "integer, inet[], integer", "inet"),
    ("vrf_rt_order", "text", "bigint"),
    ("clean_nipap_triggers", "", "void"),
]

# NIPAP's trigger functions (§1.7); tf_ip_net_plan__tags__iu_before is
# attached to no trigger.
NIPAP_TRIGGER_FUNCTIONS = [
    "tf_ip_net_vrf_iu_before", "tf_ip_net_vrf_d_before", "tf_ip_net_plan__prefix_iu_before",
    "tf_ip_net_plan__other__iu_before", "tf_ip_net_prefix_d_before", "tf_ip_net_plan__indent_children__iu_before",
    "tf_ip_net_plan__prefix_iu_after", "tf_ip_net_plan__tags__iu_before", "tf_ip_net_pool__iu_before",
    "tf_kafka_produce_event",
]

_CHANGED_AFTER = " OR ".join("OLD.%s IS DISTINCT FROM NEW.%s" % (c, c) for c in (
    "vrf_id", "prefix", "indent", "type", "pool_id", "used_addresses", "tags", "inherited_tags"))

# (trigger, table, timing and events, WHEN condition or None, function) (§1.7).
NIPAP_TRIGGERS = [
    ("trigger_ip_net_vrf__iu_before", "ip_net_vrf", "BEFORE INSERT OR UPDATE", None, "tf_ip_net_vrf_iu_before"),
    ("trigger_ip_net_vrf__d_before", "ip_net_vrf", "BEFORE DELETE", None, "tf_ip_net_vrf_d_before"),
    ("trigger_ip_net_plan__i_before", "ip_net_plan", "BEFORE INSERT", None, "tf_ip_net_plan__prefix_iu_before"),
    ("trigger_ip_net_plan__vrf_prefix_type__u_before", "ip_net_plan", "BEFORE UPDATE", None,
     "tf_ip_net_plan__prefix_iu_before"),
    ("trigger_ip_net_plan__vrf_prefix_type__id_after", "ip_net_plan", "AFTER INSERT OR DELETE", None,
     "tf_ip_net_plan__prefix_iu_after"),
    ("trigger_ip_net_plan__vrf_prefix_type__u_after", "ip_net_plan",
     "AFTER UPDATE OF vrf_id, prefix, indent, type, pool_id, used_addresses, tags, inherited_tags",
     _CHANGED_AFTER, "tf_ip_net_plan__prefix_iu_after"),
    ("trigger_ip_net_plan__other__i_before", "ip_net_plan", "BEFORE INSERT", None,
     "tf_ip_net_plan__other__iu_before"),
    # NULL-unsafe on purpose: NIPAP compares with <> (§5.4).
    ("trigger_ip_net_plan__other__u_before", "ip_net_plan", "BEFORE UPDATE OF country",
     "OLD.country <> NEW.country", "tf_ip_net_plan__other__iu_before"),
    ("trigger_ip_net_plan__indent_children__i_before", "ip_net_plan", "BEFORE INSERT", None,
     "tf_ip_net_plan__indent_children__iu_before"),
    ("trigger_ip_net_plan__indent_children__u_before", "ip_net_plan", "BEFORE UPDATE OF prefix",
     "OLD.prefix IS DISTINCT FROM NEW.prefix", "tf_ip_net_plan__indent_children__iu_before"),
    ("trigger_ip_net_plan_prefix__d_before", "ip_net_plan", "BEFORE DELETE", None, "tf_ip_net_prefix_d_before"),
    ("trigger_ip_net_pool__i_before", "ip_net_pool", "BEFORE INSERT", None, "tf_ip_net_pool__iu_before"),
    ("trigger_ip_net_pool__u_before", "ip_net_pool",
     "BEFORE UPDATE OF ipv4_default_prefix_length, ipv6_default_prefix_length",
     "OLD.ipv4_default_prefix_length IS DISTINCT FROM NEW.ipv4_default_prefix_length "
     "OR OLD.ipv6_default_prefix_length IS DISTINCT FROM NEW.ipv6_default_prefix_length",
     "tf_ip_net_pool__iu_before"),
    ("trigger_kafka_ip_net_plan", "ip_net_plan", "AFTER INSERT OR UPDATE OR DELETE", None, "tf_kafka_produce_event"),
    ("trigger_kafka_ip_net_vrf", "ip_net_vrf", "AFTER INSERT OR UPDATE OR DELETE", None, "tf_kafka_produce_event"),
    ("trigger_kafka_ip_net_pool", "ip_net_pool", "AFTER INSERT OR UPDATE OR DELETE", None, "tf_kafka_produce_event"),
]

NIPAP_TABLES = ("ip_net_vrf", "ip_net_pool", "ip_net_plan", "ip_net_asn", "ip_net_log", "kafka_produce_event")

_LAYOUT = """
CREATE EXTENSION IF NOT EXISTS ip4r;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE ip_net_plan_type AS ENUM ('reservation', 'assignment', 'host');
CREATE TYPE ip_net_plan_status AS ENUM ('assigned', 'reserved', 'quarantine');
CREATE TYPE priority_5step AS ENUM ('warning', 'low', 'medium', 'high', 'critical');
CREATE TABLE ip_net_asn (asn integer NOT NULL PRIMARY KEY, name text);
CREATE TABLE ip_net_vrf (
    id serial PRIMARY KEY, rt text, name text NOT NULL, description text,
    num_prefixes_v4 numeric(40) DEFAULT 0, num_prefixes_v6 numeric(40) DEFAULT 0,
    total_addresses_v4 numeric(40) DEFAULT 0, total_addresses_v6 numeric(40) DEFAULT 0,
    used_addresses_v4 numeric(40) DEFAULT 0, used_addresses_v6 numeric(40) DEFAULT 0,
    free_addresses_v4 numeric(40) DEFAULT 0, free_addresses_v6 numeric(40) DEFAULT 0,
    tags text[] DEFAULT '{}', avps hstore NOT NULL DEFAULT '');
CREATE UNIQUE INDEX ip_net_vrf__unique_vrf__index ON ip_net_vrf ((''::TEXT)) WHERE rt IS NULL;
CREATE UNIQUE INDEX ip_net_vrf__unique_name__index ON ip_net_vrf ((''::TEXT)) WHERE name IS NULL;
CREATE UNIQUE INDEX ip_net_vrf__rt__index ON ip_net_vrf (rt) WHERE rt IS NOT NULL;
CREATE UNIQUE INDEX ip_net_vrf__name__index ON ip_net_vrf (lower(name)) WHERE name IS NOT NULL;
COMMENT ON INDEX ip_net_vrf__rt__index IS 'VRF RT';
COMMENT ON INDEX ip_net_vrf__name__index IS 'VRF name';
CREATE TABLE ip_net_pool (
    id serial PRIMARY KEY, name text NOT NULL, description text, default_type ip_net_plan_type,
    ipv4_default_prefix_length integer, ipv6_default_prefix_length integer,
    member_prefixes_v4 numeric(40) DEFAULT 0, member_prefixes_v6 numeric(40) DEFAULT 0,
    used_prefixes_v4 numeric(40) DEFAULT 0, used_prefixes_v6 numeric(40) DEFAULT 0,
    free_prefixes_v4 numeric(40) DEFAULT NULL, free_prefixes_v6 numeric(40) DEFAULT NULL,
    total_prefixes_v4 numeric(40) DEFAULT NULL, total_prefixes_v6 numeric(40) DEFAULT NULL,
    total_addresses_v4 numeric(40) DEFAULT 0, total_addresses_v6 numeric(40) DEFAULT 0,
    used_addresses_v4 numeric(40) DEFAULT 0, used_addresses_v6 numeric(40) DEFAULT 0,
    free_addresses_v4 numeric(40) DEFAULT 0, free_addresses_v6 numeric(40) DEFAULT 0,
    tags text[] DEFAULT '{}', avps hstore NOT NULL DEFAULT '');
CREATE UNIQUE INDEX ip_net_pool__name__index ON ip_net_pool (lower(name));
COMMENT ON INDEX ip_net_pool__name__index IS 'pool name';
CREATE TABLE ip_net_plan (
    id serial PRIMARY KEY,
    vrf_id integer NOT NULL DEFAULT 0 REFERENCES ip_net_vrf (id) ON UPDATE CASCADE ON DELETE CASCADE,
    prefix cidr NOT NULL, display_prefix inet, description text, comment text, node text,
    pool_id integer REFERENCES ip_net_pool (id) ON UPDATE CASCADE ON DELETE SET NULL,
    type ip_net_plan_type NOT NULL, indent integer, country text, order_id text, customer_id text,
    external_key text, authoritative_source text NOT NULL DEFAULT 'nipap', alarm_priority priority_5step,
    monitor boolean, children integer, vlan integer, tags text[] DEFAULT '{}', inherited_tags text[] DEFAULT '{}',
    added timestamp with time zone DEFAULT NOW(), last_modified timestamp with time zone DEFAULT NOW(),
    total_addresses numeric(40), used_addresses numeric(40), free_addresses numeric(40),
    status ip_net_plan_status NOT NULL DEFAULT 'assigned', avps hstore NOT NULL DEFAULT '',
    expires timestamp with time zone DEFAULT 'infinity');
CREATE UNIQUE INDEX ip_net_plan__vrf_id_prefix__index ON ip_net_plan (vrf_id, prefix);
COMMENT ON INDEX ip_net_plan__vrf_id_prefix__index IS 'prefix';
CREATE INDEX ip_net_plan__vrf_id__index ON ip_net_plan (vrf_id);
CREATE INDEX ip_net_plan__node__index ON ip_net_plan (node);
CREATE INDEX ip_net_plan__family__index ON ip_net_plan (family(prefix));
CREATE INDEX ip_net_plan__prefix_iprange_index ON ip_net_plan USING gist(iprange(prefix));
CREATE INDEX ip_net_plan__pool_id__index ON ip_net_plan (pool_id);
CREATE TABLE ip_net_log (
    id serial PRIMARY KEY, vrf_id integer, vrf_rt text, vrf_name text, prefix_prefix cidr, prefix_id integer,
    pool_name text, pool_id integer, timestamp timestamp with time zone NOT NULL DEFAULT NOW(),
    username text NOT NULL, authenticated_as text NOT NULL, authoritative_source text NOT NULL,
    full_name text, description text NOT NULL);
CREATE INDEX ip_net_log__vrf__index ON ip_net_log (vrf_id);
CREATE INDEX ip_net_log__prefix__index ON ip_net_log (prefix_id);
CREATE INDEX ip_net_log__pool__index ON ip_net_log (pool_id);
CREATE TABLE kafka_produce_event (
    id serial PRIMARY KEY, table_name text NOT NULL, event_type text NOT NULL, payload jsonb,
    processed boolean DEFAULT false, created_at timestamp with time zone DEFAULT NOW());
INSERT INTO ip_net_vrf (id, rt, name, description) VALUES (0, NULL, 'default', 'The default VRF, typically the Internet.');
"""


def nipap_v8_schema_sql(kafka_enabled=True):
    """NIPAP's schema-8 layout with stub logic; no data beyond the default VRF.

    kafka_enabled: nipapd enables or disables the three trigger_kafka_* triggers
    from its [kafka] config (§12); False leaves them disabled."""
    parts = [_LAYOUT]
    for name, args, ret in NIPAP_FUNCTIONS:
        if ret.startswith("SETOF"):
            body = "SELECT NULL::%s WHERE false" % ret.split()[1]
        elif ret == "void":
            body = "SELECT"
        elif ret == "anyarray":
            body = "SELECT $1"
        else:
            body = "SELECT NULL::%s" % ret
        parts.append("CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE sql AS $$ %s $$;" % (name, args, ret, body))
    for name in NIPAP_TRIGGER_FUNCTIONS:
        # Stubs that leave rows alone; NIPAP's real ones maintain derived data.
        parts.append("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$;" % name)
    for name, table, when, condition, fn in NIPAP_TRIGGERS:
        parts.append("CREATE TRIGGER %s %s ON %s FOR EACH ROW%s EXECUTE PROCEDURE %s();" % (
            name, when, table, " WHEN (%s)" % condition if condition else "", fn))
        if name.startswith("trigger_kafka_") and not kafka_enabled:
            parts.append("ALTER TABLE %s DISABLE TRIGGER %s;" % (table, name))
    return "\n".join(parts)


def version_comment_sql(version):
    """Sets NIPAP's schema version marker (§1.2) on the current database."""
    return ("DO $$ BEGIN EXECUTE format('COMMENT ON DATABASE %%I IS %%L', current_database(), "
            "'NIPAP database - schema version: %d'); END $$;" % version)


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------

def maxlen(net):
    return 32 if net.version == 4 else 128


def free_block_count(first, last, length):
    """Pool free-prefix contribution of the address range [first, last] (§4.4)."""
    total = 0
    for block in ipaddress.summarize_address_range(first, last):
        if block.prefixlen <= length:
            total += 2 ** (length - block.prefixlen)
        elif block.prefixlen == length + 1:
            total += 1
    return total


def cidr_sort_key(text):
    """PostgreSQL cidr order: family, network address, length (§2.6)."""
    net = ipaddress.ip_network(text)
    return net.version, int(net.network_address), net.prefixlen


def derive(rows, vrf_ids, pools):
    """Every derived value from the user-owned columns.

    rows: dicts with id, vrf_id, prefix (cidr text), type, tags (list or None),
    pool_id. vrf_ids: ids of every VRF. pools: dicts with id, l4, l6 (the
    default prefix lengths). Returns (per prefix id, per VRF id, per pool id)
    dicts; values are Python ints, lists, None and ip_interface for
    display_prefix."""
    nets = {r["id"]: ipaddress.ip_network(r["prefix"]) for r in rows}
    by_vrf = {}
    for r in rows:
        by_vrf.setdefault((r["vrf_id"], nets[r["id"]].version), []).append(r)
    exp = {}
    for group in by_vrf.values():
        for r in group:
            net = nets[r["id"]]
            anc = [a for a in group if a is not r and nets[a["id"]].prefixlen < net.prefixlen
                   and net.subnet_of(nets[a["id"]])]
            anc.sort(key=lambda a: nets[a["id"]].prefixlen)
            inherited = []
            for a in anc:
                for t in a["tags"] or []:
                    if t not in inherited:
                        inherited.append(t)
            parent = anc[-1] if anc else None
            if r["type"] == "host" and parent is not None:
                display = ipaddress.ip_interface("%s/%d" % (net.network_address, nets[parent["id"]].prefixlen))
            else:
                display = ipaddress.ip_interface(str(net))
            exp[r["id"]] = {
                "parent_id": parent["id"] if parent else None,
                "indent": len(anc),
                "inherited_tags": inherited,
                "display_prefix": display,
                "total_addresses": net.num_addresses,
            }
    kids = {}
    for r in rows:
        p = exp[r["id"]]["parent_id"]
        if p is not None:
            kids.setdefault(p, []).append(r)
    for r in rows:
        e = exp[r["id"]]
        net = nets[r["id"]]
        ch = kids.get(r["id"], [])
        e["children"] = len(ch)
        e["used_addresses"] = (e["total_addresses"] if net.prefixlen == maxlen(net)
                               else sum(nets[c["id"]].num_addresses for c in ch))
        e["free_addresses"] = e["total_addresses"] - e["used_addresses"]
    vrf_exp = {}
    for vrf_id in vrf_ids:
        s = {}
        for fam in (4, 6):
            group = by_vrf.get((vrf_id, fam), [])
            top = [r for r in group if exp[r["id"]]["indent"] == 0]
            t = sum(exp[r["id"]]["total_addresses"] for r in top)
            u = sum(exp[r["id"]]["used_addresses"] for r in top)
            s.update({"num_prefixes_v%d" % fam: len(group), "total_addresses_v%d" % fam: t,
                      "used_addresses_v%d" % fam: u, "free_addresses_v%d" % fam: t - u})
        vrf_exp[vrf_id] = s
    pool_exp = {}
    for p in pools:
        s = {}
        for fam in (4, 6):
            length = p["l%d" % fam]
            members = [r for r in rows if r["pool_id"] == p["id"] and nets[r["id"]].version == fam]
            used_prefixes = sum(exp[m["id"]]["children"] for m in members)
            total = sum(exp[m["id"]]["total_addresses"] for m in members)
            used = sum(exp[m["id"]]["used_addresses"] for m in members)
            if length is None or not members:
                free_prefixes = None
            else:
                addr = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
                free_prefixes = 0
                for m in members:
                    mnet = nets[m["id"]]
                    cursor = int(mnet.network_address)
                    for c in sorted(kids.get(m["id"], []), key=lambda c: int(nets[c["id"]].network_address)):
                        start = int(nets[c["id"]].network_address)
                        if start > cursor:
                            free_prefixes += free_block_count(addr(cursor), addr(start - 1), length)
                        cursor = int(nets[c["id"]].broadcast_address) + 1
                    end = int(mnet.broadcast_address)
                    if cursor <= end:
                        free_prefixes += free_block_count(addr(cursor), addr(end), length)
            s.update({"member_prefixes_v%d" % fam: len(members), "used_prefixes_v%d" % fam: used_prefixes,
                      "total_addresses_v%d" % fam: total, "used_addresses_v%d" % fam: used,
                      "free_addresses_v%d" % fam: total - used, "free_prefixes_v%d" % fam: free_prefixes,
                      "total_prefixes_v%d" % fam: None if free_prefixes is None
                      else used_prefixes + free_prefixes})
        pool_exp[p["id"]] = s
    return exp, vrf_exp, pool_exp


def pool_membership(rows, pool_id):
    """The implied VRF id (None without members) and member prefixes, ascending (§4.3)."""
    members = [r for r in rows if r["pool_id"] == pool_id]
    vrf = members[0]["vrf_id"] if members else None
    return vrf, sorted((r["prefix"] for r in members), key=cidr_sort_key)


def inconsistencies(plan_rows, vrf_rows, pool_rows):
    """Differences between stored derived values and the model, as text.

    plan_rows: ip_net_plan rows (user-owned columns plus the stored derived
    ones; parent_id is compared when present); vrf_rows / pool_rows: whole
    ip_net_vrf / ip_net_pool rows (pools with their default lengths)."""
    pools = [{"id": p["id"], "l4": p["ipv4_default_prefix_length"], "l6": p["ipv6_default_prefix_length"]}
             for p in pool_rows]
    exp, vrf_exp, pool_exp = derive(plan_rows, [v["id"] for v in vrf_rows], pools)
    problems = []
    for r in plan_rows:
        e = exp[r["id"]]
        for key in ("parent_id", "indent", "children", "total_addresses", "used_addresses", "free_addresses",
                    "inherited_tags"):
            if key in r and r[key] != e[key]:
                problems.append("prefix %s (id %d): %s is %r, expected %r" % (r["prefix"], r["id"], key, r[key],
                                                                              e[key]))
        got = ipaddress.ip_interface(r["display_prefix"]) if r["display_prefix"] else None
        if got != e["display_prefix"]:
            problems.append("prefix %s: display_prefix is %r, expected %s" % (r["prefix"], r["display_prefix"],
                                                                            e["display_prefix"]))
    for v in vrf_rows:
        for key, val in vrf_exp[v["id"]].items():
            if v[key] != val:
                problems.append("VRF %d: %s is %r, expected %r" % (v["id"], key, v[key], val))
    for p in pool_rows:
        for key, val in pool_exp[p["id"]].items():
            if p[key] != val:
                problems.append("pool %d: %s is %r, expected %r" % (p["id"], key, p[key], val))
    return problems


def inet_text(iface):
    """PostgreSQL inet text: the mask is left out at full length (§2.5)."""
    return str(iface.ip) if iface.network.prefixlen == maxlen(iface.network) else str(iface)


def _text(value):
    return None if value is None else str(value)


def api_inconsistencies(prefixes, searched, vrfs, pools):
    """Differences between what the API shows and the model, as text.

    prefixes: every prefix as list_prefix returns it; searched: the same
    prefixes as search_prefix returns them (children, display_prefix in cidr
    text); vrfs: list_vrf; pools: list_pool. The model is computed from the
    user-owned values in these results only (prefix, vrf_id, type, tags,
    pool_id, pool default lengths), so it is independent of how the derived
    values were stored."""
    rows = [{"id": p["id"], "vrf_id": p["vrf_id"], "prefix": p["prefix"], "type": p["type"], "tags": p["tags"],
             "pool_id": p["pool_id"]} for p in prefixes]
    exp, vrf_exp, pool_exp = derive(
        rows, [v["id"] for v in vrfs],
        [{"id": o["id"], "l4": o["ipv4_default_prefix_length"], "l6": o["ipv6_default_prefix_length"]}
         for o in pools])
    problems = []
    for p in prefixes:
        e = exp[p["id"]]
        want = {"indent": e["indent"], "inherited_tags": e["inherited_tags"],
                "display_prefix": inet_text(e["display_prefix"]),
                "total_addresses": str(e["total_addresses"]), "used_addresses": str(e["used_addresses"]),
                "free_addresses": str(e["free_addresses"])}
        for key, val in want.items():
            if p[key] != val:
                problems.append("list_prefix %s (VRF %d): %s is %r, expected %r" % (
                    p["prefix"], p["vrf_id"], key, p[key], val))
    if sorted(s["id"] for s in searched) != sorted(exp):
        problems.append("search_prefix returned ids %s, list_prefix %s" % (
            sorted(s["id"] for s in searched), sorted(exp)))
    for s in searched:
        e = exp.get(s["id"])
        if e is None:
            continue
        for key, val in (("children", e["children"]), ("display_prefix", str(e["display_prefix"])),
                         ("indent", e["indent"]), ("inherited_tags", e["inherited_tags"])):
            if s[key] != val:
                problems.append("search_prefix %s (VRF %d): %s is %r, expected %r" % (
                    s["prefix"], s["vrf_id"], key, s[key], val))
    by_vrf = {v["id"]: v for v in vrfs}
    for v in vrfs:
        for key, val in vrf_exp[v["id"]].items():
            if v[key] != str(val):
                problems.append("list_vrf %d: %s is %r, expected %r" % (v["id"], key, v[key], str(val)))
    for o in pools:
        want = {k: _text(val) for k, val in pool_exp[o["id"]].items()}
        vrf_id, members = pool_membership(rows, o["id"])
        want.update({"vrf_id": vrf_id, "prefixes": members,
                     "vrf_rt": by_vrf[vrf_id]["rt"] if vrf_id is not None else None,
                     "vrf_name": by_vrf[vrf_id]["name"] if vrf_id is not None else None})
        for key, val in want.items():
            if o[key] != val:
                problems.append("list_pool %s: %s is %r, expected %r" % (o["name"], key, o[key], val))
    return problems
