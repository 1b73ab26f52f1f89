# SPDX-License-Identifier: MIT
"""Adopting a NIPAP database through `prefixd db upgrade` (prefixd issue 3,
item 2; spec/model.md §1.2, §1.7, §8.4, §13; spec/README.md decision 8).

The fixture is a database laid out the way NIPAP (schema version 8) leaves it
-- extensions, enums, tables, indexes with their comments, and every function
and trigger of model.md §1.7 under NIPAP's names (tests/db/nipap_model.py) --
holding VRFs, pools, prefixes of both families with tags, AVPs, expiry dates
and every other attribute, ASNs, audit-log rows and Kafka outbox rows. Its
derived values are what NIPAP would have stored, drifted the ways §8.4
describes: pool used_* after a prefix inserted above a member's child, after a
middle prefix removed and after a recursive removal; `children` off by one
after a move; the lost updates of two concurrent inserts; orphaned hosts with
a stale display_prefix; inherited tags in no particular order; a row with no
derived values at all; a VRF and a pool whose members are gone but whose
statistics stayed. (NIPAP keeps its users in SQLite, not in PostgreSQL, so
there are none to carry over; prefixd's accounts are added after adoption.)

`prefixd db upgrade` runs with a config file naming the database (PGDATABASE
points elsewhere), then the daemon serves it: every row reads back through
list_vrf / list_pool / list_prefix / list_asn field by field, NIPAP's
functions and triggers are gone and prefixd's are in place, every derived
value equals the independent model both in the tables and through the API,
and no row is lost. A second upgrade changes nothing; a NIPAP database of
another schema version, and serving a NIPAP database not yet adopted, are
refused with a message saying why, and leave the database as it was.
"""
import json
import os
import subprocess
import sys
import unittest

import harness
from harness import AUTH, Daemon, psql

sys.path.insert(0, os.path.join(harness.ROOT, "tests", "db"))
import nipap_model  # noqa: E402

# --------------------------------------------------------------------------
# The fixture
# --------------------------------------------------------------------------

# (id, rt, name, description, tags, avps); id 0 is NIPAP's default VRF. Ids 3,
# 4 and 6 were used by VRFs since removed.
VRFS = [
    (1, "65000:100", "Customer A", "first customer", "{cust,gold}", "owner=>noc, \"sla level\"=>2"),
    (2, "10.0.0.1:200", "ip-style", None, None, ""),
    (5, "65000:300", "Emptied", "its prefixes are gone", "{}", "note=>NULL"),
]

# (id, name, description, default_type, v4 length, v6 length, tags, avps)
POOLS = [
    (1, "drift-a", "a prefix was inserted between a member and its child", "assignment", 26, None, "{a}",
     "k=>v"),
    (2, "drift-b", "a middle prefix under a member was removed", "assignment", 24, None, "{}", ""),
    (3, "drift-c", "a subtree under a member was removed recursively", "reservation", 24, 64, None, ""),
    (4, "hosts", "both families", "host", 32, 128, "{dc1,hosts}", "site=>sto"),
    (6, "Emptied Pool", None, None, None, None, "{}", ""),
]

# (id, vrf, prefix, type, pool, tags, other columns). Ids have gaps, as
# NIPAP's do after removals and failed inserts.
PREFIXES = [
    # VRF 0: drift-b member with two direct children left after its middle
    # prefix was removed
    (10, 0, "172.16.0.0/16", "reservation", 2, "{b-member}", {}),
    (11, 0, "172.16.1.0/24", "assignment", None, "{}", {"customer_id": "C-1", "order_id": "O-17"}),
    (12, 0, "172.16.1.1/32", "host", None, "{}", {"node": "gw-1", "monitor": True, "alarm_priority": "high"}),
    (13, 0, "172.16.2.0/24", "assignment", None, "{}", {"vlan": 4094}),
    (14, 0, "172.16.3.128/26", "assignment", None, "{}", {}),
    # drift-c members, one per family, after a recursive removal
    (20, 0, "192.168.0.0/16", "reservation", 3, "{}", {}),
    (21, 0, "2001:db8::/32", "reservation", None, "{v6top}", {"comment": "IPv6 space"}),
    (22, 0, "2001:db8:300::/48", "reservation", 3, "{}", {}),
    (23, 0, "2001:db8:300:1::/64", "assignment", None, "{}", {"expires": "2031-02-03 04:05:06+02"}),
    # lost updates: two /24s added at once; an orphaned host under a reservation
    (30, 0, "10.20.0.0/16", "reservation", None, "{lost}", {}),
    (31, 0, "10.20.1.0/24", "assignment", None, "{}", {}),
    (32, 0, "10.20.2.0/24", "assignment", None, "{}", {"status": "reserved"}),
    (33, 0, "10.20.3.7/32", "host", None, "{}", {"node": "stray"}),
    # a host left without any parent
    (40, 0, "10.30.0.9/32", "host", None, "{}", {}),
    # tags inherited over three levels
    (50, 0, "100.64.0.0/10", "reservation", None, "{top,shared}", {"avps": "\"a b\"=>\"c d\", empty=>\"\""}),
    (51, 0, "100.64.0.0/16", "reservation", None, "{middle,top}", {}),
    (52, 0, "100.64.1.0/24", "assignment", None, "{leaf}",
     {"status": "quarantine", "customer_id": "cust-9", "external_key": "ext/52", "country": "SE"}),
    (53, 0, "100.64.1.10/32", "host", None, "{leaf}",
     {"node": "router-1", "country": "NO", "monitor": False, "alarm_priority": "critical",
      "authoritative_source": "import-script", "expires": "2030-01-02 03:04:05+00"}),
    # a pool with members of both families
    (60, 0, "198.51.100.0/24", "assignment", 4, "{}", {}),
    (61, 0, "198.51.100.1/32", "host", None, "{}", {}),
    (62, 0, "198.51.100.2/32", "host", None, "{}", {}),
    (63, 0, "2001:db8:400::/120", "assignment", 4, "{}", {}),
    (64, 0, "2001:db8:400::1/128", "host", None, "{}", {"node": "v6-host"}),
    # a row written with NIPAP's triggers disabled: no derived values
    (70, 0, "203.0.113.0/24", "reservation", None, None, {"description": None}),
    # VRF 1: drift-a member, the /24 inserted between it and its /26
    (100, 1, "10.0.0.0/16", "reservation", 1, "{}", {}),
    (101, 1, "10.0.0.0/24", "reservation", None, "{mid}", {}),
    (102, 1, "10.0.0.0/26", "assignment", None, "{}", {}),
    (103, 1, "10.0.0.1/32", "host", None, "{}", {}),
    (104, 1, "10.0.0.2/32", "host", None, "{}", {}),
    (110, 1, "2001:db8:100::/48", "reservation", None, "{v6}", {}),
    (111, 1, "2001:db8:100:1::/64", "assignment", None, "{}", {}),
    (112, 1, "2001:db8:100:1::5/128", "host", None, "{}", {}),
    # VRF 2: children drift after a move; the same prefix as in VRF 0
    (200, 2, "10.0.128.0/18", "reservation", None, "{}", {}),
    (201, 2, "10.0.128.0/20", "reservation", None, "{}", {}),
    (202, 2, "10.0.144.0/20", "reservation", None, "{}", {"description": "moved here"}),
    (203, 2, "10.0.160.0/21", "assignment", None, "{}", {}),
    (204, 2, "10.0.168.0/21", "assignment", None, "{}", {}),
    (205, 2, "10.0.176.0/22", "reservation", None, "{}", {}),
    (206, 2, "10.0.180.0/22", "assignment", None, "{}", {}),
    (207, 2, "10.20.0.0/16", "reservation", None, "{}", {}),
]

# The drift of model.md §8.4 (and §6.2's orphaned hosts), applied to values
# that are otherwise what NIPAP's triggers compute.
DRIFT_SQL = """
-- race, lost updates: two /24s added at once under 10.20.0.0/16
UPDATE ip_net_plan SET children = children - 1, used_addresses = used_addresses - 256,
       free_addresses = free_addresses + 256 WHERE id = 30;
UPDATE ip_net_vrf SET used_addresses_v4 = used_addresses_v4 - 256, free_addresses_v4 = free_addresses_v4 + 256
 WHERE id = 0;
-- children drift on a move into 10.0.128.0/18: 7 instead of 6
UPDATE ip_net_plan SET children = 7 WHERE id = 200;
-- orphaned hosts: their assignment moved away (§6.2), display_prefix stale
UPDATE ip_net_plan SET display_prefix = '10.20.3.7/24', indent = 2 WHERE id = 33;
UPDATE ip_net_plan SET display_prefix = '10.30.0.9/24', indent = 1 WHERE id = 40;
-- NIPAP removes duplicate inherited tags with an unordered set operation
UPDATE ip_net_plan SET inherited_tags = '{middle,shared,top}' WHERE id = 52;
UPDATE ip_net_plan SET inherited_tags = '{leaf,top,middle,shared,leaf}' WHERE id = 53;
-- pool used_* drift (a): the /24 counted as a used prefix, the /26 not subtracted
UPDATE ip_net_pool SET used_prefixes_v4 = 2, used_addresses_v4 = 320, free_addresses_v4 = 65536 - 320
 WHERE id = 1;
-- (b): the removed middle prefix's children not added back
UPDATE ip_net_pool SET used_prefixes_v4 = 0, used_addresses_v4 = 0, free_addresses_v4 = 65536 WHERE id = 2;
-- (c): a chain /24 > /26 > /28 > host removed recursively, every row subtracted
UPDATE ip_net_pool SET used_prefixes_v4 = -2, used_addresses_v4 = -80, free_addresses_v4 = 65536 + 80
 WHERE id = 3;
-- a pool and a VRF whose prefixes are gone, statistics left behind
UPDATE ip_net_pool SET member_prefixes_v4 = 3, used_prefixes_v4 = 1, free_prefixes_v4 = 10, total_prefixes_v4 = 11,
       total_addresses_v4 = 1024, used_addresses_v4 = 4, free_addresses_v4 = 1020 WHERE id = 6;
UPDATE ip_net_vrf SET num_prefixes_v4 = 5, total_addresses_v4 = 1024, used_addresses_v4 = 512,
       free_addresses_v4 = 512, num_prefixes_v6 = 1 WHERE id = 5;
-- written with the triggers disabled: no derived values at all
UPDATE ip_net_plan SET display_prefix = NULL, indent = NULL, children = NULL, total_addresses = NULL,
       used_addresses = NULL, free_addresses = NULL, inherited_tags = NULL WHERE id = 70;
"""

OTHER_ROWS_SQL = """
INSERT INTO ip_net_asn (asn, name) VALUES (1, 'Level one'), (64512, NULL), (2147483647, 'max'), (-5, 'negative'),
    (3301, 'Autonomous System One');
INSERT INTO ip_net_log (vrf_id, vrf_rt, vrf_name, prefix_prefix, prefix_id, pool_name, pool_id, "timestamp",
                        username, authenticated_as, authoritative_source, full_name, description) VALUES
 (1, '65000:100', 'Customer A', NULL, NULL, NULL, NULL, '2019-05-01 09:00:00+00', 'alice', 'alice', 'nipap',
  'Alice', 'Added VRF 65000:100 with attr: {...}'),
 (0, NULL, 'default', '10.20.0.0/16', 30, NULL, NULL, '2019-05-01 09:01:00+00', 'bob', 'bob@local', 'nipap',
  NULL, 'Added prefix 10.20.0.0/16 with attr: {...}'),
 (NULL, NULL, NULL, '172.16.0.0/16', 10, 'drift-b', 2, '2019-05-01 09:02:00+00', 'alice', 'alice', 'nipap',
  'Alice', 'Prefix 172.16.0.0/16 removed from pool drift-b'),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2019-05-01 09:03:00+00', 'carol', 'carol', 'www', NULL,
  'Removed ASN 7');
INSERT INTO kafka_produce_event (table_name, event_type, payload, processed) VALUES
 ('ip_net_plan', 'INSERT', '{"id": 30}', true), ('ip_net_vrf', 'UPDATE', '{"id": 1}', false);
SELECT setval('ip_net_vrf_id_seq', 6);
SELECT setval('ip_net_pool_id_seq', 7);
SELECT setval('ip_net_plan_id_seq', 250);
SELECT setval('ip_net_log_id_seq', 40);
"""


def sql_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "'{%s}'" % ",".join('"%s"' % v for v in value)
    return "'%s'" % str(value).replace("'", "''")


def fixture_sql(version=8):
    """The whole NIPAP database: layout, rows with NIPAP's derived values
    drifted the ways of §8.4, other tables, and the version marker."""
    parts = [nipap_model.nipap_v8_schema_sql(kafka_enabled=False)]
    for vid, rt, name, description, tags, avps in VRFS:
        parts.append("INSERT INTO ip_net_vrf (id, rt, name, description, tags, avps) VALUES (%s);" % ", ".join(
            sql_literal(v) for v in (vid, rt, name, description, tags, avps)))
    for row in POOLS:
        parts.append("INSERT INTO ip_net_pool (id, name, description, default_type, ipv4_default_prefix_length, "
                     "ipv6_default_prefix_length, tags, avps) VALUES (%s);" % ", ".join(sql_literal(v) for v in row))
    # What NIPAP's triggers would have stored, before the drift.
    model_rows = [{"id": pid, "vrf_id": vrf, "prefix": prefix, "type": type_, "pool_id": pool,
                   "tags": tags.strip("{}").split(",") if tags and tags != "{}" else []}
                  for pid, vrf, prefix, type_, pool, tags, _ in PREFIXES]
    exp, vrf_exp, pool_exp = nipap_model.derive(
        model_rows, [0] + [v[0] for v in VRFS], [{"id": p[0], "l4": p[4], "l6": p[5]} for p in POOLS])
    for n, (pid, vrf, prefix, type_, pool, tags, other) in enumerate(PREFIXES):
        e = exp[pid]
        columns = {"id": pid, "vrf_id": vrf, "prefix": prefix, "type": type_, "pool_id": pool, "tags": tags,
                   "description": "fixture %s" % prefix,
                   "added": "2019-06-%02d 08:%02d:%02d+00" % (1 + n % 28, n, (7 * n) % 60),
                   "last_modified": "2020-02-%02d 17:%02d:%02d+00" % (1 + n % 28, (3 * n) % 60, n),
                   "display_prefix": str(e["display_prefix"]), "indent": e["indent"], "children": e["children"],
                   "total_addresses": e["total_addresses"], "used_addresses": e["used_addresses"],
                   "free_addresses": e["free_addresses"], "inherited_tags": e["inherited_tags"]}
        columns.update(other)
        names = list(columns)
        parts.append("INSERT INTO ip_net_plan (%s) VALUES (%s);" % (
            ", ".join(names), ", ".join(sql_literal(columns[k]) if k != "tags" or columns[k] is None
                                        else "'%s'" % columns[k] for k in names)))
    for vid, stats in vrf_exp.items():
        parts.append("UPDATE ip_net_vrf SET %s WHERE id = %d;" % (
            ", ".join("%s = %d" % kv for kv in stats.items()), vid))
    for pid, stats in pool_exp.items():
        parts.append("UPDATE ip_net_pool SET %s WHERE id = %d;" % (
            ", ".join("%s = %s" % (k, sql_literal(v)) for k, v in stats.items()), pid))
    parts += [DRIFT_SQL, OTHER_ROWS_SQL, nipap_model.version_comment_sql(version)]
    return "\n".join(parts)


# --------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------

STAMP = "'YYYYMMDD\"T\"HH24:MI:SS'"

# Each prefix's user-owned columns in the form list_prefix gives them.
PREFIX_WIRE_SQL = f"""
SELECT p.id, p.vrf_id, v.rt AS vrf_rt, v.name AS vrf_name, family(p.prefix) AS family, p.prefix::text AS prefix,
       p.description, p.comment, p.node, p.pool_id, o.name AS pool_name, p.type::text AS type, p.country,
       p.order_id, p.customer_id, p.external_key, p.authoritative_source, p.alarm_priority::text AS alarm_priority,
       p.monitor, p.vlan, coalesce(p.tags, '{{}}') AS tags, hstore_to_json(p.avps) AS avps,
       CASE WHEN p.expires = 'infinity' THEN NULL ELSE to_char(p.expires, {STAMP}) END AS expires,
       to_char(p.added, {STAMP}) AS added, to_char(p.last_modified, {STAMP}) AS last_modified,
       p.status::text AS status
  FROM ip_net_plan p JOIN ip_net_vrf v ON v.id = p.vrf_id LEFT JOIN ip_net_pool o ON o.id = p.pool_id
"""
VRF_WIRE_SQL = "SELECT id, rt, name, description, tags, hstore_to_json(avps) AS avps FROM ip_net_vrf"
POOL_WIRE_SQL = ("SELECT id, name, description, default_type::text AS default_type, ipv4_default_prefix_length, "
                 "ipv6_default_prefix_length, tags, hstore_to_json(avps) AS avps FROM ip_net_pool")
PLAN_MODEL_SQL = ("SELECT id, vrf_id, prefix::text AS prefix, type::text AS type, pool_id, tags, indent, children, "
                  "total_addresses, used_addresses, free_addresses, display_prefix::text AS display_prefix, "
                  "inherited_tags FROM ip_net_plan")

LIST_PREFIX_KEYS = {"id", "vrf_id", "vrf_rt", "vrf_name", "family", "prefix", "display_prefix", "description",
                    "inherited_tags", "tags", "node", "comment", "pool_id", "pool_name", "type", "indent",
                    "country", "order_id", "customer_id", "external_key", "authoritative_source",
                    "alarm_priority", "monitor", "vlan", "added", "last_modified", "total_addresses",
                    "used_addresses", "free_addresses", "status", "avps", "expires"}
# NIPAP's functions that adoption replaces; tf_kafka_produce_event comes back
# as prefixd's own under NIPAP's name (migration 0007).
NIPAP_FUNCTION_NAMES = sorted({n for n, _, _ in nipap_model.NIPAP_FUNCTIONS}
                              | set(nipap_model.NIPAP_TRIGGER_FUNCTIONS) - {"tf_kafka_produce_event"})


class NipapDatabase:
    """A database as NIPAP left it, in the private cluster. Its env points
    PGDATABASE elsewhere, so prefixd finds it only through its config file."""

    def __init__(self, name, version=8):
        self.env = dict(os.environ, PGDATABASE="prefixd_adoption_no_such_database")
        self.name = f"prefixd_{name}_{os.getpid()}"
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{self.name}"')
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.name, "-f", "-"],
                       input=fixture_sql(version), check=True, capture_output=True, text=True)
        self.daemon = Daemon(self, workers=2, database={"name": self.name})

    def sql(self, statement):
        return psql(statement, db=self.name)

    def rows(self, query):
        return json.loads(self.sql(f"SELECT coalesce(json_agg(q), '[]') FROM ({query}) q"))

    def prefixd(self, *args, stdin=None):
        """Runs prefixd with this database's config file."""
        return subprocess.run([harness.PREFIXD, "-c", self.daemon.config_path, *args], input=stdin,
                              capture_output=True, text=True, env=self.env, timeout=120)

    def dump(self):
        """Schema and data as pg_dump writes them, plus the database comment."""
        out = subprocess.run(["pg_dump", "-d", self.name], check=True, capture_output=True, text=True).stdout
        # pg_dump 15.14+ writes a random key on its \restrict lines.
        lines = [line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))]
        return "\n".join(lines) + "\n-- comment: " + self.comment()

    def comment(self):
        return self.sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                        "WHERE datname = current_database()")

    def counts(self):
        return {t: int(self.sql(f"SELECT count(*) FROM {t}")) for t in nipap_model.NIPAP_TABLES}

    def drop(self):
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def stamp(value):
    """An XML-RPC dateTime as its text, None as None."""
    return None if value is None else value.value


class Adoption(unittest.TestCase):
    def nipap_database(self, name, version=8):
        db = NipapDatabase(name, version)
        self.addCleanup(db.drop)
        return db

    def assertUpgraded(self, db):
        r = db.prefixd("db", "upgrade")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def test_adopt_through_prefixd(self):
        db = self.nipap_database("adopt")
        counts = db.counts()
        wire_prefixes = {r["id"]: r for r in db.rows(PREFIX_WIRE_SQL)}
        wire_vrfs = {r["id"]: r for r in db.rows(VRF_WIRE_SQL)}
        wire_pools = {r["id"]: r for r in db.rows(POOL_WIRE_SQL)}
        untouched = {t: db.sql(f"SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM {t} x")
                     for t in ("ip_net_asn", "ip_net_log", "kafka_produce_event")}
        # the fixture really has drifted: the model disagrees with it
        self.assertGreater(len(nipap_model.inconsistencies(
            db.rows(PLAN_MODEL_SQL), db.rows("SELECT * FROM ip_net_vrf"), db.rows("SELECT * FROM ip_net_pool"))), 15)

        r = self.assertUpgraded(db)
        self.assertIn("adopting NIPAP database (schema version 8)", r.stdout)

        # No row lost, none added; tables the adoption has no business with are
        # unchanged row for row.
        self.assertEqual(db.counts(), counts)
        for table, text in untouched.items():
            self.assertEqual(db.sql(f"SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM {table} x"), text,
                             table)
        self.assertEqual(db.comment(), "NIPAP database - schema version: 8")

        # NIPAP's functions and triggers are gone; prefixd's are in place.
        self.assertEqual(db.rows("SELECT p.oid::regprocedure::text AS fn FROM pg_proc p JOIN pg_namespace n "
                                 "ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname IN (%s)"
                                 % ", ".join("'%s'" % n for n in NIPAP_FUNCTION_NAMES)), [])
        triggers = {t["tgname"]: t for t in db.rows(
            "SELECT tgname, tgrelid::regclass::text AS tbl, tgenabled, tgfoid::regproc::text AS fn "
            "FROM pg_trigger WHERE NOT tgisinternal")}
        for name, table, _, _, _ in nipap_model.NIPAP_TRIGGERS:
            if name.startswith("trigger_kafka_"):
                # the outbox triggers keep their names and their state (disabled, as nipapd left them)
                self.assertEqual((triggers[name]["tbl"], triggers[name]["fn"], triggers[name]["tgenabled"]),
                                 (table, "tf_kafka_produce_event", "D"), name)
            else:
                self.assertNotIn(name, triggers)
        ours = {n: (t["tbl"], t["fn"], t["tgenabled"]) for n, t in triggers.items() if n.startswith("prefixd_")}
        self.assertEqual(ours, {
            "prefixd_plan_before_insert": ("ip_net_plan", "prefixd_tf_plan_before_row", "O"),
            "prefixd_plan_before_update": ("ip_net_plan", "prefixd_tf_plan_before_row", "O"),
            "prefixd_plan_after_insert": ("ip_net_plan", "prefixd_tf_plan_after_statement", "O"),
            "prefixd_plan_after_update": ("ip_net_plan", "prefixd_tf_plan_after_statement", "O"),
            "prefixd_plan_after_delete": ("ip_net_plan", "prefixd_tf_plan_after_statement", "O"),
            "prefixd_plan_after_truncate": ("ip_net_plan", "prefixd_tf_plan_after_truncate", "O"),
            # 0013: the position locks of a deleted row (skipped when its statement holds them)
            "prefixd_plan_before_delete": ("ip_net_plan", "prefixd_tf_plan_before_delete", "O"),
            "prefixd_vrf_before_insert_update": ("ip_net_vrf", "prefixd_tf_vrf_before_row", "O"),
            "prefixd_vrf_before_delete": ("ip_net_vrf", "prefixd_tf_vrf_before_row", "O"),
            "prefixd_pool_before_insert_update": ("ip_net_pool", "prefixd_tf_pool_before_row", "O"),
            # the response cache's change counter (migration 0012)
            "prefixd_vrf_count_change": ("ip_net_vrf", "prefixd_count_change", "O"),
            "prefixd_pool_count_change": ("ip_net_pool", "prefixd_count_change", "O"),
            "prefixd_plan_count_change": ("ip_net_plan", "prefixd_count_change", "O"),
            "prefixd_asn_count_change": ("ip_net_asn", "prefixd_count_change", "O"),
            # allocation floors dropped by changes below them (migration 0015)
            "prefixd_plan_floor_insert": ("ip_net_plan", "prefixd_tf_floor_after_statement", "O"),
            "prefixd_plan_floor_delete": ("ip_net_plan", "prefixd_tf_floor_after_statement", "O"),
            "prefixd_plan_floor_update": ("ip_net_plan", "prefixd_tf_floor_after_statement", "O"),
            "prefixd_plan_floor_truncate": ("ip_net_plan", "prefixd_tf_floor_after_truncate", "O"),
        })
        self.assertEqual(len(triggers), len(ours) + 3)

        # Every derived value recomputed, as the tables hold them.
        problems = nipap_model.inconsistencies(db.rows(PLAN_MODEL_SQL), db.rows("SELECT * FROM ip_net_vrf"),
                                               db.rows("SELECT * FROM ip_net_pool"))
        self.assertEqual(problems, [])

        # Served: every row reads back through the API.
        self.assertEqual(db.prefixd("user", "add", "unittest", "--password-stdin", stdin=harness.PASSWORD + "\n")
                         .returncode, 0)
        daemon = db.daemon.start()
        try:
            p = daemon.proxy()
            self.check_rows_read_back(p, wire_prefixes, wire_vrfs, wire_pools)
            self.check_pinned_values(p)
            self.check_maintained_after_adoption(p, db)
        finally:
            daemon.stop()

    def check_rows_read_back(self, p, wire_prefixes, wire_vrfs, wire_pools):
        listed = p.list_prefix({"auth": AUTH})
        self.assertEqual(sorted(x["id"] for x in listed), sorted(wire_prefixes))
        for got in listed:
            self.assertEqual(set(got), LIST_PREFIX_KEYS)
            want = wire_prefixes[got["id"]]
            for key, value in want.items():
                shown = stamp(got[key]) if key in ("expires", "added", "last_modified") else got[key]
                self.assertEqual(shown, value, f"prefix {want['prefix']}: {key}")
        searched = p.search_prefix({"auth": AUTH, "query": {"operator": "contained_within_equals",
                                                            "val1": "prefix", "val2": "0.0.0.0/0"},
                                    "search_options": {"max_result": False}})["result"]
        searched += p.search_prefix({"auth": AUTH, "query": {"operator": "contained_within_equals",
                                                             "val1": "prefix", "val2": "::/0"},
                                     "search_options": {"max_result": False}})["result"]
        vrfs = p.list_vrf({"auth": AUTH})
        self.assertEqual(sorted(v["id"] for v in vrfs), sorted(wire_vrfs))
        for got in vrfs:
            for key, value in wire_vrfs[got["id"]].items():
                self.assertEqual(got[key], value, f"VRF {got['id']}: {key}")
        pools = p.list_pool({"auth": AUTH})
        self.assertEqual(sorted(o["id"] for o in pools), sorted(wire_pools))
        for got in pools:
            for key, value in wire_pools[got["id"]].items():
                self.assertEqual(got[key], value, f"pool {got['name']}: {key}")
        self.assertEqual(nipap_model.api_inconsistencies(listed, searched, vrfs, pools), [])
        self.assertEqual([(a["asn"], a["name"]) for a in p.list_asn({"auth": AUTH})],
                         [(-5, "negative"), (1, "Level one"), (3301, "Autonomous System One"), (64512, None),
                          (2147483647, "max")])

    def check_pinned_values(self, p):
        """The drifted values of the fixture, worked out by hand from model.md."""
        def one(prefix, vrf=0):
            rows = p.search_prefix({"auth": AUTH, "query": {"operator": "and",
                                    "val1": {"operator": "equals", "val1": "prefix", "val2": prefix},
                                    "val2": {"operator": "equals", "val1": "vrf_id", "val2": vrf}}})["result"]
            self.assertEqual(len(rows), 1, prefix)
            return rows[0]
        lost = one("10.20.0.0/16")
        self.assertEqual((lost["children"], lost["used_addresses"]), (3, str(512 + 1)))
        self.assertEqual(one("10.0.128.0/18", vrf=2)["children"], 6)
        self.assertEqual(one("10.20.3.7/32")["display_prefix"], "10.20.3.7/16")
        orphan = one("10.30.0.9/32")
        self.assertEqual((orphan["display_prefix"], orphan["indent"]), ("10.30.0.9/32", 0))
        self.assertEqual(one("100.64.1.10/32")["inherited_tags"], ["top", "shared", "middle", "leaf"])
        bare = one("203.0.113.0/24")
        self.assertEqual((bare["indent"], bare["children"], bare["display_prefix"], bare["total_addresses"],
                          bare["inherited_tags"], bare["tags"]), (0, 0, "203.0.113.0/24", "256", [], []))
        pools = {o["name"]: o for o in p.list_pool({"auth": AUTH})}
        # (a) member 10.0.0.0/16 whose only direct child is the /24: 1 and 256
        self.assertEqual((pools["drift-a"]["used_prefixes_v4"], pools["drift-a"]["used_addresses_v4"]), ("1", "256"))
        # (b) the three children are direct children again; free /24 blocks:
        # 253 whole ones, and 172.16.3.0/25 counts 1 (§4.4, half a block)
        self.assertEqual((pools["drift-b"]["used_prefixes_v4"], pools["drift-b"]["used_addresses_v4"],
                          pools["drift-b"]["free_prefixes_v4"]), ("3", "576", "254"))
        # (c) nothing left under the member
        self.assertEqual((pools["drift-c"]["used_prefixes_v4"], pools["drift-c"]["used_addresses_v4"],
                          pools["drift-c"]["free_prefixes_v4"]), ("0", "0", "256"))
        self.assertEqual((pools["Emptied Pool"]["member_prefixes_v4"], pools["Emptied Pool"]["free_prefixes_v4"],
                          pools["Emptied Pool"]["vrf_id"]), ("0", None, None))
        self.assertEqual((pools["hosts"]["vrf_id"], pools["hosts"]["prefixes"]),
                         (0, ["198.51.100.0/24", "2001:db8:400::/120"]))
        vrfs = {v["id"]: v for v in p.list_vrf({"auth": AUTH})}
        self.assertEqual([vrfs[5][k] for k in ("num_prefixes_v4", "num_prefixes_v6", "total_addresses_v4")],
                         ["0", "0", "0"])
        self.assertEqual((vrfs[0]["num_prefixes_v4"], vrfs[0]["num_prefixes_v6"]), ("19", "5"))

    def check_maintained_after_adoption(self, p, db):
        """The adopted database is prefixd's from now on: writes through the
        API continue the ids and keep every derived value exact."""
        self.assertEqual(p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:400", "name": "new"}})["id"], 7)
        new = p.add_prefix({"auth": AUTH, "attr": {"description": "from drift-a"},
                            "args": {"from-pool": {"name": "drift-a"}, "family": 4}})
        self.assertEqual((new["prefix"], new["vrf_id"], new["type"], new["id"]), ("10.0.1.0/26", 1, "assignment", 251))
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.20.4.0/24", "type": "assignment", "description": "x"}})
        p.remove_prefix({"auth": AUTH, "prefix": {"id": 31}})
        p.edit_prefix({"auth": AUTH, "prefix": {"id": 50}, "attr": {"tags": ["renamed"]}})
        # the workers fold their statistics deltas into the tables in the background (0013)
        self.assertEqual(harness.fold_statistics(db), "0")
        self.assertEqual(nipap_model.inconsistencies(db.rows(PLAN_MODEL_SQL), db.rows("SELECT * FROM ip_net_vrf"),
                                                     db.rows("SELECT * FROM ip_net_pool")), [])
        pools = {o["name"]: o for o in p.list_pool({"auth": AUTH})}
        self.assertEqual(pools["drift-a"]["used_prefixes_v4"], "2")
        self.assertEqual(int(db.sql("SELECT count(*) FROM ip_net_log")), 4 + 5)

    def test_upgrade_twice_is_a_no_op(self):
        db = self.nipap_database("twice")
        self.assertUpgraded(db)
        before = db.dump()
        r = self.assertUpgraded(db)
        self.assertIn("already current", r.stdout)
        self.assertNotIn("adopting", r.stdout)
        self.assertEqual(db.dump(), before)

    def test_other_nipap_versions_are_refused_and_left_alone(self):
        for version in (7, 9):
            with self.subTest(version=version):
                db = self.nipap_database(f"v{version}", version)
                before = db.dump()
                r = db.prefixd("db", "upgrade")
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn(f"this NIPAP database has schema version {version}; prefixd adopts version 8",
                              r.stderr)
                self.assertEqual(db.dump(), before)
                self.assertIn("NIPAP database - schema version: %d" % version, db.comment())

    def test_unadopted_database_is_not_served(self):
        db = self.nipap_database("unadopted")
        before = db.dump()
        try:
            r = subprocess.run([harness.PREFIXD, "serve", "-f", "-c", db.daemon.config_path], capture_output=True,
                               text=True, env=db.env, timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("prefixd served a NIPAP database it has not adopted")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot serve this database: this is a NIPAP database (schema version 8) that prefixd has "
                      "not adopted yet; run 'prefixd db upgrade'", r.stdout + r.stderr)
        r = db.prefixd("db", "status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("NIPAP schema:    8", r.stdout)
        self.assertIn("run 'prefixd db upgrade'", r.stdout)
        r = db.prefixd("db", "init")
        self.assertEqual(r.returncode, 1)
        self.assertIn("this is a NIPAP database; adopt it with 'prefixd db upgrade'", r.stderr)
        self.assertEqual(db.dump(), before)


if __name__ == "__main__":
    harness.main()
