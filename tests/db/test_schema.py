#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Database tests for prefixd's schema migrations (backend/sql/NNNN_*.sql).

Needs a PostgreSQL superuser reachable through the standard environment
(PGHOST, PGPORT, PGUSER) on a cluster with the ip4r, hstore and citext
extensions available.  Every test case creates its own uniquely named
database, applies the migrations in order with `psql -1 -f`, and drops it.

Derived values are checked against an independent model (nipap_model.py
beside this file, Python's ipaddress module) of spec/model.md: indent,
parent/children, total/used/free addresses, display_prefix, inherited tags,
VRF statistics (§3.4) and pool statistics including free_prefixes (§4.4).

Python 3 standard library only.  Exit status 0 when every test passes; the
last line says `N passed, M failed`.
"""

import glob
import ipaddress
import itertools
import json
import os
import random
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nipap_model  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIGRATIONS = sorted(glob.glob(os.path.join(REPO, "backend", "sql", "[0-9][0-9][0-9][0-9]_*.sql")))
PSQL = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
_counter = itertools.count()


class SqlError(Exception):
    pass


def psql(db, sql, single_transaction=False):
    """Runs SQL text (any number of statements) in database `db`; returns stdout."""
    args = PSQL + ["-d", db] + (["-1"] if single_transaction else []) + ["-f", "-"]
    proc = subprocess.run(args, input=sql, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SqlError(proc.stderr.strip() or "psql exited with %d" % proc.returncode)
    return proc.stdout


def query_json(db, sql):
    """Runs one SELECT and returns its rows as a list of dicts."""
    out = psql(db, "SELECT coalesce(json_agg(q), '[]') FROM (%s) q;" % sql)
    return json.loads(out)


def scalar(db, sql):
    return psql(db, sql + ";").strip()


def create_database():
    name = "prefixd_schema_test_%d_%d" % (os.getpid(), next(_counter))
    psql("postgres", 'CREATE DATABASE "%s";' % name)
    psql(name, "CREATE EXTENSION IF NOT EXISTS ip4r; CREATE EXTENSION IF NOT EXISTS hstore; "
               "CREATE EXTENSION IF NOT EXISTS citext;")
    return name


def drop_database(name):
    psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE);' % name)


def apply_migrations(db):
    for path in MIGRATIONS:
        proc = subprocess.run(PSQL + ["-d", db, "-1", "-f", path], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SqlError("%s: %s" % (os.path.basename(path), proc.stderr.strip()))


# --------------------------------------------------------------------------
# Independent model of the derived data.
# --------------------------------------------------------------------------

PLAN_COLUMNS = ("id, vrf_id, prefix::text AS prefix, type::text AS type, pool_id, tags, parent_id, indent, "
                "children, total_addresses, used_addresses, free_addresses, "
                "display_prefix::text AS display_prefix, inherited_tags")


def inconsistencies(db):
    """Differences between the stored derived values and nipap_model's, as text."""
    return nipap_model.inconsistencies(query_json(db, "SELECT %s FROM ip_net_plan" % PLAN_COLUMNS),
                                       query_json(db, "SELECT * FROM ip_net_vrf"),
                                       query_json(db, "SELECT * FROM ip_net_pool"))


def effective_inconsistencies(db):
    """The same for what exact readers see: stored values plus pending deltas
    (the prefixd_*_exact views of 0013)."""
    return nipap_model.inconsistencies(query_json(db, "SELECT %s FROM prefixd_plan_exact" % PLAN_COLUMNS),
                                       query_json(db, "SELECT * FROM prefixd_vrf_exact"),
                                       query_json(db, "SELECT * FROM prefixd_pool_exact"))


class SchemaTestCase(unittest.TestCase):
    # Sessions that set prefixd.deferred_statistics (as the daemon does) leave
    # statistics deltas pending; see DeferredStatistics below.
    SESSION = ""

    def setUp(self):
        self.db = create_database()
        self.addCleanup(drop_database, self.db)

    def sql(self, text):
        return psql(self.db, self.SESSION + text)

    def rows(self, text):
        return query_json(self.db, text)

    def assertConsistent(self, when=""):
        if self.SESSION:
            problems = effective_inconsistencies(self.db)
            if problems:
                self.fail("derived data seen by exact readers wrong %s:\n  %s" % (when, "\n  ".join(problems[:40])))
            self.assertEqual(psql(self.db, "SELECT prefixd_fold_statistics();").strip(), "0")
        problems = inconsistencies(self.db)
        if problems:
            self.fail("derived data wrong %s:\n  %s" % (when, "\n  ".join(problems[:40])))

    def prefix(self, prefix, vrf=0):
        rows = self.rows("SELECT * FROM ip_net_plan WHERE vrf_id = %d AND prefix = '%s'" % (vrf, prefix))
        self.assertEqual(len(rows), 1, prefix)
        return rows[0]

    def vrf(self, vrf_id):
        return self.rows("SELECT * FROM ip_net_vrf WHERE id = %d" % vrf_id)[0]

    def pool(self, pool_id):
        return self.rows("SELECT * FROM ip_net_pool WHERE id = %d" % pool_id)[0]


# --------------------------------------------------------------------------
# Fresh install
# --------------------------------------------------------------------------

EXPECTED_COLUMNS = {
    "ip_net_asn": [("asn", "integer", "NO"), ("name", "text", "YES")],
    "ip_net_vrf": [("id", "integer", "NO"), ("rt", "text", "YES"), ("name", "text", "NO"),
                   ("description", "text", "YES")]
    + [("%s_v%d" % (c, f), "numeric", "YES") for c in ("num_prefixes", "total_addresses", "used_addresses",
                                                       "free_addresses") for f in (4, 6)]
    + [("tags", "ARRAY", "YES"), ("avps", "USER-DEFINED", "NO")],
    "ip_net_pool": [("id", "integer", "NO"), ("name", "text", "NO"), ("description", "text", "YES"),
                    ("default_type", "USER-DEFINED", "YES"), ("ipv4_default_prefix_length", "integer", "YES"),
                    ("ipv6_default_prefix_length", "integer", "YES")]
    + [("%s_v%d" % (c, f), "numeric", "YES") for c in ("member_prefixes", "used_prefixes", "free_prefixes",
                                                       "total_prefixes", "total_addresses", "used_addresses",
                                                       "free_addresses") for f in (4, 6)]
    + [("tags", "ARRAY", "YES"), ("avps", "USER-DEFINED", "NO")],
    "ip_net_plan": [("id", "integer", "NO"), ("vrf_id", "integer", "NO"), ("prefix", "cidr", "NO"),
                    ("display_prefix", "inet", "YES"), ("description", "text", "YES"), ("comment", "text", "YES"),
                    ("node", "text", "YES"), ("pool_id", "integer", "YES"), ("type", "USER-DEFINED", "NO"),
                    ("indent", "integer", "YES"), ("country", "text", "YES"), ("order_id", "text", "YES"),
                    ("customer_id", "text", "YES"), ("external_key", "text", "YES"),
                    ("authoritative_source", "text", "NO"), ("alarm_priority", "USER-DEFINED", "YES"),
                    ("monitor", "boolean", "YES"), ("children", "integer", "YES"), ("vlan", "integer", "YES"),
                    ("tags", "ARRAY", "YES"), ("inherited_tags", "ARRAY", "YES"),
                    ("added", "timestamp with time zone", "YES"),
                    ("last_modified", "timestamp with time zone", "YES"),
                    ("total_addresses", "numeric", "YES"), ("used_addresses", "numeric", "YES"),
                    ("free_addresses", "numeric", "YES"), ("status", "USER-DEFINED", "NO"),
                    ("avps", "USER-DEFINED", "NO"), ("expires", "timestamp with time zone", "YES")],
    "ip_net_log": [("id", "integer", "NO"), ("vrf_id", "integer", "YES"), ("vrf_rt", "text", "YES"),
                   ("vrf_name", "text", "YES"), ("prefix_prefix", "cidr", "YES"), ("prefix_id", "integer", "YES"),
                   ("pool_name", "text", "YES"), ("pool_id", "integer", "YES"),
                   ("timestamp", "timestamp with time zone", "NO"), ("username", "text", "NO"),
                   ("authenticated_as", "text", "NO"), ("authoritative_source", "text", "NO"),
                   ("full_name", "text", "YES"), ("description", "text", "NO")],
    "kafka_produce_event": [("id", "integer", "NO"), ("table_name", "text", "NO"), ("event_type", "text", "NO"),
                            ("payload", "jsonb", "YES"), ("processed", "boolean", "YES"),
                            ("created_at", "timestamp with time zone", "YES")],
}

EXPECTED_INDEXES = {
    # name: (table, unique, comment)
    "ip_net_asn_pkey": ("ip_net_asn", True, None),
    "ip_net_vrf__unique_vrf__index": ("ip_net_vrf", True, None),
    "ip_net_vrf__unique_name__index": ("ip_net_vrf", True, None),
    "ip_net_vrf__rt__index": ("ip_net_vrf", True, "VRF RT"),
    "ip_net_vrf__name__index": ("ip_net_vrf", True, "VRF name"),
    "ip_net_pool__name__index": ("ip_net_pool", True, "pool name"),
    "ip_net_plan__vrf_id_prefix__index": ("ip_net_plan", True, "prefix"),
    "ip_net_plan__vrf_id__index": ("ip_net_plan", False, None),
    "ip_net_plan__node__index": ("ip_net_plan", False, None),
    "ip_net_plan__family__index": ("ip_net_plan", False, None),
    "ip_net_plan__prefix_iprange_index": ("ip_net_plan", False, None),
    "ip_net_plan__pool_id__index": ("ip_net_plan", False, None),
    "ip_net_log__vrf__index": ("ip_net_log", False, None),
    "ip_net_log__prefix__index": ("ip_net_log", False, None),
    "ip_net_log__pool__index": ("ip_net_log", False, None),
}


class TestFreshInstall(SchemaTestCase):
    def setUp(self):
        super().setUp()
        apply_migrations(self.db)

    def test_tables_and_columns(self):
        for table, expected in EXPECTED_COLUMNS.items():
            got = [(r["column_name"], r["data_type"], r["is_nullable"]) for r in self.rows(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = '%s' AND column_name <> 'parent_id' "
                "ORDER BY ordinal_position" % table)]
            self.assertEqual(got, expected, table)
        numeric40 = self.rows("SELECT DISTINCT numeric_precision, numeric_scale FROM information_schema.columns "
                              "WHERE table_schema = 'public' AND data_type = 'numeric' "
                              "AND table_name IN ('ip_net_vrf', 'ip_net_pool', 'ip_net_plan')")
        self.assertEqual(numeric40, [{"numeric_precision": 40, "numeric_scale": 0}])
        defaults = {(r["table_name"], r["column_name"]): r["column_default"] for r in self.rows(
            "SELECT table_name, column_name, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public'")}
        self.assertEqual(defaults[("ip_net_plan", "vrf_id")], "0")
        self.assertEqual(defaults[("ip_net_plan", "authoritative_source")], "'nipap'::text")
        self.assertEqual(defaults[("ip_net_plan", "status")], "'assigned'::ip_net_plan_status")
        self.assertEqual(defaults[("ip_net_plan", "expires")], "'infinity'::timestamp with time zone")
        self.assertEqual(defaults[("ip_net_plan", "tags")], "'{}'::text[]")
        self.assertIn(defaults[("ip_net_pool", "free_prefixes_v4")], (None, "NULL::numeric"))
        self.assertEqual(defaults[("ip_net_vrf", "num_prefixes_v4")], "0")
        self.assertEqual(defaults[("ip_net_vrf", "avps")], "''::hstore")
        fks = self.rows("SELECT conname, confupdtype, confdeltype, confrelid::regclass::text AS ref "
                        "FROM pg_constraint WHERE conrelid = 'ip_net_plan'::regclass AND contype = 'f' "
                        "ORDER BY conname")
        self.assertEqual([(f["ref"], f["confupdtype"], f["confdeltype"]) for f in fks],
                         [("ip_net_pool", "c", "n"), ("ip_net_vrf", "c", "c")])

    def test_enums(self):
        got = {}
        for r in self.rows("SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                           "ORDER BY t.typname, e.enumsortorder"):
            got.setdefault(r["typname"], []).append(r["enumlabel"])
        self.assertEqual(got, {
            "ip_net_plan_type": ["reservation", "assignment", "host"],
            "ip_net_plan_status": ["assigned", "reserved", "quarantine"],
            "priority_5step": ["warning", "low", "medium", "high", "critical"],
        })

    def test_indexes(self):
        got = {r["name"]: (r["tbl"], r["uniq"], r["comment"]) for r in self.rows(
            "SELECT i.relname AS name, t.relname AS tbl, x.indisunique AS uniq, "
            "obj_description(i.oid, 'pg_class') AS comment "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname LIKE 'ip\\_net\\_%'")}
        for name, expected in EXPECTED_INDEXES.items():
            self.assertIn(name, got)
            self.assertEqual(got[name], expected, name)
        # prefixd adds no unique index (their comments would show in duplicate-key messages)
        extra_unique = [n for n, v in got.items() if v[1] and n not in EXPECTED_INDEXES and not n.endswith("_pkey")]
        self.assertEqual(extra_unique, [])
        gist = scalar(self.db, "SELECT pg_get_indexdef('ip_net_plan__prefix_iprange_index'::regclass)")
        self.assertIn("USING gist (iprange(prefix))", gist)

    def test_default_vrf_and_comment(self):
        self.assertEqual(self.rows("SELECT id, rt, name, description FROM ip_net_vrf"),
                         [{"id": 0, "rt": None, "name": "default",
                           "description": "The default VRF, typically the Internet."}])
        self.assertEqual(scalar(self.db, "SELECT last_value || ',' || is_called FROM ip_net_vrf_id_seq"), "1,false")
        self.assertEqual(scalar(self.db, "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                         "WHERE datname = current_database()"),
                         "NIPAP database - schema version: 8")
        self.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65000:1', 'one')")
        self.assertEqual(scalar(self.db, "SELECT id FROM ip_net_vrf WHERE rt = '65000:1'"), "1")
        with self.assertRaises(SqlError):
            self.sql("DELETE FROM ip_net_vrf WHERE id = 0")
        self.sql("DELETE FROM ip_net_vrf WHERE id > 0")

    def test_duplicate_prefix_names_the_index(self):
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/8', 'reservation')")
        self.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65000:1', 'one')")
        self.sql("INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '10.0.0.0/8', 'reservation')")
        with self.assertRaises(SqlError) as cm:
            self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/8', 'reservation')")
        self.assertIn("ip_net_plan__vrf_id_prefix__index", str(cm.exception))
        self.assertIn("(vrf_id, prefix)=(0, 10.0.0.0/8)", str(cm.exception))
        self.assertConsistent()

    def test_containment_lookups_use_the_gist_index(self):
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/8', 'reservation'), "
                 "('2001:db8::/32', 'reservation')")
        for target in ("10.1.2.0/24", "2001:db8:1::/48"):
            plan = psql(self.db, "SET enable_seqscan = off; EXPLAIN SELECT id FROM ip_net_plan "
                                 "WHERE vrf_id = 0 AND iprange(prefix) >> iprange('%s'::cidr) "
                                 "ORDER BY masklen(prefix) DESC LIMIT 1;" % target)
            self.assertIn("ip_net_plan__prefix_iprange_index", plan, target)
            plan = psql(self.db, "SET enable_seqscan = off; EXPLAIN SELECT id FROM ip_net_plan "
                                 "WHERE vrf_id = 0 AND iprange(prefix) <<= iprange('%s'::cidr);" % target)
            self.assertIn("ip_net_plan__prefix_iprange_index", plan, target)


# --------------------------------------------------------------------------
# Derived data after plain SQL
# --------------------------------------------------------------------------

SCRIPTED_TREE = """
INSERT INTO ip_net_vrf (rt, name) VALUES ('65000:1', 'customer');   -- id 1
INSERT INTO ip_net_pool (name, description, default_type, ipv4_default_prefix_length, ipv6_default_prefix_length)
VALUES ('pool-a', 'test pool', 'assignment', 31, 112);              -- id 1
-- IPv4 in the default VRF: reservation > assignment > hosts, tags on ancestors
INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('10.0.0.0/8', 'reservation', '{top}');
INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('10.1.0.0/16', 'reservation', '{middle,top}');
INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('10.1.2.0/24', 'assignment', '{leaf}');
INSERT INTO ip_net_plan (prefix, type) VALUES ('10.1.2.1/32', 'host');
INSERT INTO ip_net_plan (prefix, type) VALUES ('10.1.2.2/32', 'host');
INSERT INTO ip_net_plan (prefix, type) VALUES ('192.168.0.0/24', 'reservation');
-- IPv6 in the default VRF
INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('2001:db8::/32', 'reservation', '{v6top}');
INSERT INTO ip_net_plan (prefix, type) VALUES ('2001:db8:1::/48', 'reservation');
INSERT INTO ip_net_plan (prefix, type) VALUES ('2001:db8:1:1::/64', 'assignment');
INSERT INTO ip_net_plan (prefix, type) VALUES ('2001:db8:1:1::1/128', 'host');
-- pool members in VRF 1, with children allocated from them
INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id) VALUES (1, '172.16.0.0/24', 'reservation', 1);
INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id) VALUES (1, '172.16.1.0/24', 'reservation', 1);
INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '172.16.0.0/31', 'assignment');
INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '172.16.0.4/32', 'assignment');
INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id) VALUES (1, '2001:db8:ff::/48', 'reservation', 1);
INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '2001:db8:ff::/112', 'assignment');
"""


class TestDerivedData(SchemaTestCase):
    def setUp(self):
        super().setUp()
        apply_migrations(self.db)

    def test_scripted_tree_then_bulk_deletes(self):
        self.sql(SCRIPTED_TREE)
        self.assertConsistent("after the scripted inserts")

        p = self.prefix("10.0.0.0/8")
        self.assertEqual((p["indent"], p["children"], p["inherited_tags"]), (0, 1, []))
        self.assertEqual((p["total_addresses"], p["used_addresses"], p["free_addresses"]),
                         (16777216, 65536, 16711680))
        p = self.prefix("10.1.0.0/16")
        self.assertEqual((p["indent"], p["children"], p["inherited_tags"], p["used_addresses"]),
                         (1, 1, ["top"], 256))
        p = self.prefix("10.1.2.0/24")
        self.assertEqual((p["indent"], p["children"], p["inherited_tags"], p["used_addresses"]),
                         (2, 2, ["top", "middle"], 2))
        p = self.prefix("10.1.2.1/32")
        self.assertEqual((p["indent"], p["children"], p["inherited_tags"], p["display_prefix"]),
                         (3, 0, ["top", "middle", "leaf"], "10.1.2.1/24"))
        self.assertEqual((p["total_addresses"], p["used_addresses"], p["free_addresses"]), (1, 1, 0))
        p = self.prefix("2001:db8:1:1::1/128")
        self.assertEqual((p["indent"], p["inherited_tags"], p["display_prefix"]),
                         (3, ["v6top"], "2001:db8:1:1::1/64"))
        p = self.prefix("2001:db8:1::/48")
        self.assertEqual(p["used_addresses"], 2 ** 64)

        v = self.vrf(0)
        self.assertEqual((v["num_prefixes_v4"], v["total_addresses_v4"], v["used_addresses_v4"],
                          v["free_addresses_v4"]), (6, 16777216 + 256, 65536, 16777216 + 256 - 65536))
        self.assertEqual((v["num_prefixes_v6"], v["total_addresses_v6"], v["used_addresses_v6"],
                          v["free_addresses_v6"]), (4, 2 ** 96, 2 ** 80, 2 ** 96 - 2 ** 80))
        v = self.vrf(1)
        self.assertEqual((v["num_prefixes_v4"], v["total_addresses_v4"], v["used_addresses_v4"]), (4, 512, 3))
        self.assertEqual((v["num_prefixes_v6"], v["total_addresses_v6"], v["used_addresses_v6"]),
                         (2, 2 ** 80, 2 ** 16))

        pool = self.pool(1)
        # v4: members 172.16.0.0/24 (children .0/31 and .4/32) and 172.16.1.0/24, default /31.
        # Free gaps of the first: .2-.3 = one /31 -> 1; .5-.255 = .5/32 (half a /31 -> 1) + 125 /31s
        # in .6/31 .. .128/25 -> 126.  The second member: 128.
        self.assertEqual((pool["member_prefixes_v4"], pool["used_prefixes_v4"], pool["total_addresses_v4"],
                          pool["used_addresses_v4"], pool["free_addresses_v4"]), (2, 2, 512, 3, 509))
        self.assertEqual((pool["free_prefixes_v4"], pool["total_prefixes_v4"]), (1 + 126 + 128, 2 + 255))
        self.assertEqual((pool["member_prefixes_v6"], pool["used_prefixes_v6"], pool["used_addresses_v6"],
                          pool["free_prefixes_v6"]), (1, 1, 65536, 2 ** 64 - 1))

        self.sql("DELETE FROM ip_net_plan WHERE masklen(prefix) = 32")
        self.assertConsistent("after DELETE ... WHERE masklen(prefix) = 32")
        p = self.prefix("10.1.2.0/24")
        self.assertEqual((p["children"], p["used_addresses"]), (0, 0))
        v = self.vrf(0)
        self.assertEqual(v["num_prefixes_v4"], 4)
        pool = self.pool(1)
        self.assertEqual((pool["used_prefixes_v4"], pool["used_addresses_v4"], pool["free_prefixes_v4"]),
                         (1, 2, 127 + 128))

        self.sql("DELETE FROM ip_net_plan")
        self.assertConsistent("after DELETE FROM ip_net_plan")
        for vrf_id in (0, 1):
            v = self.vrf(vrf_id)
            self.assertEqual([v[k] for k in sorted(v) if k[-3:] in ("_v4", "_v6")], [0] * 8)
        pool = self.pool(1)
        self.assertEqual((pool["member_prefixes_v4"], pool["free_prefixes_v4"], pool["total_prefixes_v4"],
                          pool["total_addresses_v6"]), (0, None, None, 0))

    def test_middle_insert_remove_move_and_tags(self):
        self.sql(SCRIPTED_TREE)
        steps = [
            # a reservation above existing prefixes adopts them
            "INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('10.1.0.0/20', 'reservation', '{ins}')",
            "INSERT INTO ip_net_plan (prefix, type) VALUES ('0.0.0.0/0', 'reservation')",
            # a member gets a new level between itself and its children
            "INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '172.16.0.0/28', 'reservation')",
            # non-recursive removal of middle prefixes
            "DELETE FROM ip_net_plan WHERE prefix = '10.1.0.0/16'",
            "DELETE FROM ip_net_plan WHERE vrf_id = 1 AND prefix = '172.16.0.0/28'",
            # moves and resizes
            "UPDATE ip_net_plan SET prefix = '10.1.0.0/22' WHERE prefix = '10.1.0.0/20'",
            "UPDATE ip_net_plan SET prefix = '192.168.0.0/16' WHERE prefix = '192.168.0.0/24'",
            "UPDATE ip_net_plan SET prefix = '192.168.0.0/24' WHERE prefix = '192.168.0.0/16'",
            "UPDATE ip_net_plan SET prefix = '172.16.1.128/25' WHERE vrf_id = 1 AND prefix = '172.16.0.4/32'",
            "UPDATE ip_net_plan SET prefix = '172.16.0.0/23' WHERE vrf_id = 1 AND prefix = '172.16.0.0/24'",
            # tags inherited by several levels
            "UPDATE ip_net_plan SET tags = '{new,top}' WHERE prefix = '10.0.0.0/8'",
            "UPDATE ip_net_plan SET tags = NULL WHERE prefix = '0.0.0.0/0'",
            # type change: display_prefix of hosts depends on the parent length only
            "UPDATE ip_net_plan SET type = 'reservation' WHERE prefix = '192.168.0.0/24'",
            # pool membership and default lengths
            "UPDATE ip_net_plan SET pool_id = NULL WHERE vrf_id = 1 AND prefix = '172.16.1.0/24'",
            "UPDATE ip_net_plan SET pool_id = 1 WHERE vrf_id = 1 AND prefix = '172.16.1.0/24'",
            "UPDATE ip_net_pool SET ipv4_default_prefix_length = 30, ipv6_default_prefix_length = NULL",
            "UPDATE ip_net_pool SET ipv6_default_prefix_length = 64",
            "INSERT INTO ip_net_pool (name, description, ipv4_default_prefix_length) VALUES ('pool-b', NULL, 26)",
            "UPDATE ip_net_plan SET pool_id = 2 WHERE vrf_id = 1 AND prefix = '172.16.1.0/24'",
            # a whole subtree in one statement, rows nesting inside each other
            "INSERT INTO ip_net_plan (vrf_id, prefix, type, tags, pool_id) VALUES "
            "(1, '10.0.0.0/8', 'reservation', '{a}', 2), (1, '10.0.0.0/16', 'reservation', '{b}', NULL), "
            "(1, '10.0.0.0/24', 'assignment', '{c}', 2), (1, '10.0.0.1/32', 'host', '{}', NULL), "
            "(1, '10.0.1.0/24', 'assignment', NULL, NULL), (1, '10.0.0.5/32', 'host', NULL, 2)",
            "UPDATE ip_net_plan SET prefix = set_masklen(prefix, masklen(prefix) - 1) "
            "WHERE vrf_id = 1 AND prefix <<= '10.0.0.0/8' AND masklen(prefix) = 24 AND prefix = '10.0.0.0/24'",
            "DELETE FROM ip_net_plan WHERE vrf_id = 1 AND prefix <<= '10.0.0.0/16' AND masklen(prefix) < 32",
            # VRF removal cascades to its prefixes
            "DELETE FROM ip_net_vrf WHERE id = 1",
            "TRUNCATE ip_net_plan",
        ]
        for step in steps:
            self.sql(step)
            self.assertConsistent("after: " + step)
        p = self.rows("SELECT count(*) AS n FROM ip_net_plan")[0]
        self.assertEqual(p["n"], 0)

    def test_user_cannot_overwrite_derived_columns(self):
        self.sql(SCRIPTED_TREE)
        before = self.prefix("10.1.0.0/16")
        self.sql("UPDATE ip_net_plan SET children = 99, indent = 7, used_addresses = 1, inherited_tags = '{x}', "
                 "parent_id = NULL, display_prefix = '1.2.3.4' WHERE prefix = '10.1.0.0/16'")
        self.sql("UPDATE ip_net_vrf SET num_prefixes_v4 = 1000")
        self.sql("UPDATE ip_net_pool SET member_prefixes_v4 = 1000")
        self.sql("INSERT INTO ip_net_pool (name, member_prefixes_v4, free_prefixes_v4) VALUES ('p2', 5, 5)")
        self.sql("INSERT INTO ip_net_plan (prefix, type, indent, children, total_addresses) "
                 "VALUES ('10.9.0.0/16', 'reservation', 5, 5, 5)")
        self.assertConsistent()
        after = self.prefix("10.1.0.0/16")
        self.assertNotEqual(before["last_modified"], None)
        # a user edit bumps last_modified; the parent of a new child is not bumped (decision 7)
        self.sql("BEGIN; SELECT pg_sleep(0.01); COMMIT;")
        parent_before = self.prefix("10.0.0.0/8")["last_modified"]
        self.sql("UPDATE ip_net_plan SET description = 'x' WHERE prefix = '10.1.0.0/16'")
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.2.0.0/16', 'reservation')")
        self.assertNotEqual(self.prefix("10.1.0.0/16")["last_modified"], after["last_modified"])
        self.assertEqual(self.prefix("10.0.0.0/8")["last_modified"], parent_before)
        new = self.prefix("10.2.0.0/16")
        self.assertEqual(new["added"], new["last_modified"])

    def test_bulk_statements_of_thousands_of_rows(self):
        """Plain-SQL bulk loads: one INSERT of every level at once (parents
        after or before their children, the order scrambled), a second one
        inserting covering prefixes above existing ones and between existing
        levels, then DELETEs of middle prefixes, of leaves and of a subtree;
        every derived value recounted after each statement."""
        self.sql("INSERT INTO ip_net_pool (name, ipv4_default_prefix_length, ipv6_default_prefix_length) "
                 "VALUES ('bulk', 26, 64);")
        self.sql("""
            INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id, tags)
            SELECT 0, p, t::ip_net_plan_type, pool, tags FROM (
                SELECT format('10.%s.0.0/16', x)::cidr AS p, 'reservation' AS t, NULL::integer AS pool,
                       CASE WHEN x % 2 = 0 THEN ARRAY['r' || x] END AS tags
                  FROM generate_series(0, 3) x
                UNION ALL
                SELECT format('10.%s.%s.0/24', x, y)::cidr, 'assignment', CASE WHEN y % 3 = 0 THEN 1 END,
                       CASE WHEN y % 4 = 1 THEN ARRAY['a', 'r0'] END
                  FROM generate_series(0, 3) x, generate_series(0, 7) y
                UNION ALL
                SELECT format('10.%s.%s.%s/32', x, y, h)::cidr, 'host', NULL, NULL
                  FROM generate_series(0, 3) x, generate_series(0, 7) y, generate_series(1, 60) h
                UNION ALL
                SELECT format('2001:db8:%s::/48', x)::cidr, 'reservation', NULL, ARRAY['v6']
                  FROM generate_series(1, 2) x
                UNION ALL
                SELECT format('2001:db8:%s:%s::/64', x, y)::cidr, 'assignment', 1, NULL
                  FROM generate_series(1, 2) x, generate_series(1, 5) y
                UNION ALL
                SELECT format('2001:db8:%s:%s::%s/128', x, y, h)::cidr, 'host', NULL, NULL
                  FROM generate_series(1, 2) x, generate_series(1, 5) y, generate_series(1, 40) h
            ) s ORDER BY md5(p::text)""")
        self.assertEqual(self.rows("SELECT count(*) AS n FROM ip_net_plan")[0]["n"], 4 + 32 + 1920 + 2 + 10 + 400)
        self.assertConsistent("after one INSERT of 2 368 rows at every level")
        self.assertEqual(self.prefix("10.2.5.7/32")["inherited_tags"], ["r2", "a", "r0"])

        # above everything, between /16 and /24, between /24 and its hosts
        self.sql("""
            INSERT INTO ip_net_plan (vrf_id, prefix, type, tags)
            SELECT 0, p, 'reservation', tags FROM (
                SELECT '10.0.0.0/8'::cidr AS p, ARRAY['top', 'a'] AS tags
                UNION ALL SELECT format('10.%s.0.0/21', x)::cidr, ARRAY['mid'] FROM generate_series(0, 3) x
                UNION ALL SELECT format('10.%s.%s.0/27', x, y)::cidr, NULL FROM generate_series(0, 3) x,
                                                                              generate_series(2, 5) y
                UNION ALL SELECT '2001:db8::/32'::cidr, NULL
            ) s ORDER BY md5(p::text)""")
        self.assertConsistent("after inserting covering prefixes")
        p = self.prefix("10.2.5.7/32")
        self.assertEqual((p["indent"], p["inherited_tags"], p["display_prefix"]),
                         (5, ["top", "a", "r2", "mid", "r0"], "10.2.5.7/27"))

        # a level without tags (set-wise), then levels with tags
        self.sql("DELETE FROM ip_net_plan WHERE family(prefix) = 4 AND masklen(prefix) = 27")
        self.assertConsistent("after deleting the /27 level")
        self.assertEqual(self.prefix("10.2.5.7/32")["display_prefix"], "10.2.5.7/24")
        self.sql("DELETE FROM ip_net_plan WHERE family(prefix) = 4 AND masklen(prefix) IN (16, 21)")
        self.assertConsistent("after deleting the /16 and /21 levels")
        p = self.prefix("10.2.5.7/32")
        self.assertEqual((p["indent"], p["inherited_tags"]), (2, ["top", "a", "r0"]))
        self.sql("DELETE FROM ip_net_plan WHERE masklen(prefix) IN (32, 128) AND abs(hashtext(prefix::text)) % 3 = 0")
        self.assertConsistent("after deleting a third of the hosts")
        self.sql("DELETE FROM ip_net_plan WHERE prefix <<= '10.1.0.0/16' OR prefix <<= '2001:db8:2::/48'")
        self.assertConsistent("after deleting two subtrees")

    def test_randomised_plain_sql(self):
        seed = int(os.environ.get("PREFIXD_TEST_SEED", "20240501"))
        batches = int(os.environ.get("PREFIXD_TEST_BATCHES", "25"))
        rnd = random.Random(seed)
        self.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65000:1', 'one');"
                 "INSERT INTO ip_net_pool (name, ipv4_default_prefix_length, ipv6_default_prefix_length) "
                 "VALUES ('p1', 28, 120), ('p2', 30, NULL);")

        def random_prefix():
            if rnd.random() < 0.7:
                length = rnd.choice([8, 12, 16, 20, 22, 24, 24, 26, 28, 30, 32, 32])
                addr = (10 << 24) | rnd.getrandbits(24) & ~0xF0FF00
                net = ipaddress.ip_network("%s/%d" % (ipaddress.IPv4Address(addr), length), strict=False)
            else:
                length = rnd.choice([32, 40, 48, 56, 64, 64, 96, 120, 128, 128])
                addr = (0x20010db8 << 96) | (rnd.getrandbits(32) << 64) & ~(0xFFFF00F0 << 64) \
                    | rnd.getrandbits(8)
                net = ipaddress.ip_network("%s/%d" % (ipaddress.IPv6Address(addr), length), strict=False)
            return str(net)

        for batch in range(batches):
            stmts = []
            for _ in range(8):
                op = rnd.random()
                vrf = rnd.choice([0, 0, 1])
                pool = rnd.choice(["NULL", "NULL", "1", "2"])
                if op < 0.55:
                    values = ", ".join("(%d, '%s', '%s', %s, '{t%d}')" % (
                        vrf, random_prefix(), rnd.choice(["reservation", "reservation", "assignment", "host"]),
                        pool, rnd.randrange(4)) for _ in range(rnd.choice([1, 1, 3])))
                    stmts.append("INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id, tags) VALUES %s "
                                 "ON CONFLICT DO NOTHING" % values)
                elif op < 0.75:
                    stmts.append("DELETE FROM ip_net_plan WHERE id IN (SELECT id FROM ip_net_plan "
                                 "ORDER BY random() LIMIT %d)" % rnd.choice([1, 1, 2, 5]))
                elif op < 0.85:
                    stmts.append("UPDATE ip_net_plan SET prefix = '%s' WHERE id = (SELECT id FROM ip_net_plan "
                                 "ORDER BY random() LIMIT 1) AND NOT EXISTS (SELECT 1 FROM ip_net_plan "
                                 "WHERE vrf_id = %d AND prefix = '%s')" % (random_prefix(), vrf, "0.0.0.0/0"))
                elif op < 0.88:
                    stmts.append("UPDATE ip_net_plan SET type = '%s' WHERE id IN (SELECT id FROM ip_net_plan "
                                 "ORDER BY random() LIMIT 1)" % rnd.choice(["reservation", "host"]))
                elif op < 0.92:
                    stmts.append("UPDATE ip_net_plan SET tags = '{r%d,t1}' WHERE id IN (SELECT id FROM ip_net_plan "
                                 "ORDER BY random() LIMIT 2)" % rnd.randrange(3))
                else:
                    stmts.append("UPDATE ip_net_plan SET pool_id = %s WHERE id IN (SELECT id FROM ip_net_plan "
                                 "ORDER BY random() LIMIT 2)" % pool)
            for s in stmts:
                try:
                    self.sql("SELECT setseed(%f); %s" % (rnd.random(), s))
                except SqlError as e:
                    if "duplicate key" not in str(e):
                        raise
            self.assertConsistent("after random batch %d (seed %d)" % (batch, seed))
        self.sql("DELETE FROM ip_net_plan WHERE masklen(prefix) IN (32, 128)")
        self.assertConsistent("after deleting full-length prefixes")
        self.sql("DELETE FROM ip_net_plan")
        self.assertConsistent("after DELETE FROM ip_net_plan")


class TestDeferredStatistics(TestDerivedData):
    """The same sequences in sessions that defer statistics (the daemon's):
    exact readers (stored + pending) are right after every step, and a fold
    leaves the stored columns right with nothing pending."""
    SESSION = "SET prefixd.deferred_statistics = on;\n"

    def test_user_cannot_overwrite_derived_columns(self):
        pass  # about user writes to derived columns, not about deltas

    def test_deltas_are_pending_while_the_row_is_held(self):
        """A deferring writer touches no statistics row: its deltas are
        pending, exact readers see them, a fold writes them -- but not while
        another transaction holds the row, which it does not wait for."""
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/8', 'reservation');")
        self.assertEqual(self.vrf(0)["num_prefixes_v4"], 0)
        self.assertEqual(self.rows("SELECT num_prefixes_v4 FROM prefixd_vrf_exact WHERE id = 0")[0]
                         ["num_prefixes_v4"], 1)
        self.assertEqual(psql(self.db, "SELECT prefixd_fold_statistics();").strip(), "0")
        self.assertEqual(self.vrf(0)["num_prefixes_v4"], 1)
        holder = subprocess.Popen(PSQL + ["-d", self.db, "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        holder.stdin.write("BEGIN;\nSELECT 'held' FROM ip_net_plan WHERE prefix = '10.0.0.0/8' FOR NO KEY UPDATE;\n")
        holder.stdin.flush()
        self.assertEqual(holder.stdout.readline().strip(), "held")
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.1.0.0/16', 'reservation');")
        self.assertEqual(self.prefix("10.0.0.0/8")["children"], 0)
        self.assertEqual(self.rows("SELECT children FROM prefixd_plan_exact WHERE prefix = '10.0.0.0/8'")[0]
                         ["children"], 1)
        # the VRF's delta is folded, the held parent's stays pending
        self.assertEqual(psql(self.db, "SELECT prefixd_fold_statistics();").strip(), "1")
        self.assertEqual(self.vrf(0)["num_prefixes_v4"], 2)
        holder.communicate("COMMIT;\n", timeout=60)
        self.assertConsistent("after the holder committed")
        self.assertEqual(self.prefix("10.0.0.0/8")["children"], 1)
        self.assertEqual(self.rows("SELECT count(*) AS n FROM prefixd_stat_pending")[0]["n"], 0)


# --------------------------------------------------------------------------
# Adoption of an existing NIPAP schema-8 database
# --------------------------------------------------------------------------

def nipap_v8_fixture_sql():
    """NIPAP's schema-8 layout (nipap_model) with rows whose derived values drifted."""
    parts = [nipap_model.nipap_v8_schema_sql(kafka_enabled=True)]
    parts.append("""
-- Rows with deliberately wrong derived values (NIPAP's drift, model.md §8.4).
INSERT INTO ip_net_vrf (rt, name, num_prefixes_v4, used_addresses_v4) VALUES ('65000:7', 'seven', 42, 17);
INSERT INTO ip_net_pool (name, description, default_type, ipv4_default_prefix_length, ipv6_default_prefix_length,
                         member_prefixes_v4, used_prefixes_v4, used_addresses_v4, free_prefixes_v4)
VALUES ('nipap-pool', 'old pool', 'assignment', 31, 112, 1, -2, -80, 1);
INSERT INTO ip_net_plan (vrf_id, prefix, display_prefix, type, indent, children, tags, inherited_tags,
                         total_addresses, used_addresses, free_addresses, pool_id, description, added, last_modified)
VALUES
 (0, '192.168.0.0/16', '192.168.0.0/16', 'reservation', 0, 7, '{site}', '{}', 65536, 8192, 57344, NULL, 'top',
  '2020-01-01', '2020-01-02'),
 (0, '192.168.0.0/20', '192.168.0.0/20', 'reservation', 1, 3, '{pool}', '{site}', 4096, 768, 3328, 1, 'member',
  '2020-01-01', '2020-01-02'),
 (0, '192.168.0.0/24', '192.168.0.0/24', 'assignment', 2, 0, '{}', '{wrong}', 256, 0, 256, NULL, 'a',
  '2020-01-01', '2020-01-02'),
 (0, '192.168.1.0/24', '192.168.1.0/24', 'assignment', 5, 1, '{}', '{pool,site}', 256, 1, 255, NULL, 'b',
  '2020-01-01', '2020-01-02'),
 (0, '192.168.1.1/32', '192.168.1.1/32', 'host', 3, 0, '{}', '{}', 1, 1, 0, NULL, 'h',
  '2020-01-01', '2020-01-02'),
 (0, '192.168.32.0/20', '192.168.32.0/20', 'reservation', 1, 0, NULL, '{}', 4096, 0, 4096, NULL, 'c',
  '2020-01-01', '2020-01-02'),
 (0, '2001:db8::/32', '2001:db8::/32', 'reservation', 0, 0, '{v6}', '{}', 0, 0, 0, NULL, 'v6',
  '2020-01-01', '2020-01-02'),
 (0, '2001:db8:1::/48', '2001:db8:1::/48', 'assignment', 0, 0, '{}', '{}', 0, 0, 0, NULL, 'v6a',
  '2020-01-01', '2020-01-02'),
 (0, '2001:db8:1::1/128', '2001:db8:1::1/128', 'host', 0, 0, '{}', '{}', 0, 0, 0, NULL, 'v6h',
  '2020-01-01', '2020-01-02'),
 (1, '10.0.0.0/8', '10.0.0.0/8', 'reservation', 0, 0, '{}', '{}', 0, 0, 0, NULL, 'vrf1',
  '2020-01-01', '2020-01-02');
INSERT INTO ip_net_asn VALUES (65000, 'me');
INSERT INTO ip_net_log (username, authenticated_as, authoritative_source, description)
VALUES ('u', 'u', 'nipap', 'Added prefix 192.168.0.0/16');
INSERT INTO kafka_produce_event (table_name, event_type, payload) VALUES ('ip_net_plan', 'INSERT', '{}');
CREATE VIEW site_report AS SELECT prefix, description FROM ip_net_plan WHERE indent = 0;
""")
    return "\n".join(parts)


class TestAdoption(SchemaTestCase):
    def test_adopt_nipap_v8_database(self):
        self.sql(nipap_v8_fixture_sql())
        self.sql(nipap_model.version_comment_sql(8))
        before = self.rows("SELECT id, vrf_id, prefix::text, type::text, tags, description, pool_id, added, "
                           "last_modified FROM ip_net_plan ORDER BY id")
        apply_migrations(self.db)

        after = self.rows("SELECT id, vrf_id, prefix::text, type::text, tags, description, pool_id, added, "
                          "last_modified FROM ip_net_plan ORDER BY id")
        self.assertEqual(after, before)
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM ip_net_vrf"), "2")
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM ip_net_pool"), "1")
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM ip_net_asn"), "1")
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM ip_net_log"), "1")
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM kafka_produce_event"), "1")
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM site_report"), "3")
        self.assertEqual(scalar(self.db, "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                         "WHERE datname = current_database()"),
                         "NIPAP database - schema version: 8")

        # NIPAP's functions and triggers are gone, prefixd's are in place.
        # (tf_kafka_produce_event is the exception: prefixd's own keeps NIPAP's name, migration 0007.)
        names = [n for n, _, _ in nipap_model.NIPAP_FUNCTIONS] + [
            n for n in nipap_model.NIPAP_TRIGGER_FUNCTIONS if n != "tf_kafka_produce_event"]
        left = self.rows("SELECT proname FROM pg_proc WHERE proname IN (%s)" % ", ".join("'%s'" % n for n in names))
        self.assertEqual(left, [])
        triggers = {r["tgname"]: r for r in self.rows(
            "SELECT tgname, tgenabled, tgfoid::regproc::text AS fn FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgrelid IN ('ip_net_plan'::regclass, 'ip_net_vrf'::regclass, "
            "'ip_net_pool'::regclass)")}
        for name, _, _, _, _ in nipap_model.NIPAP_TRIGGERS:
            if name.startswith("trigger_kafka_"):
                self.assertEqual(triggers[name]["fn"], "tf_kafka_produce_event")
                self.assertEqual(triggers[name]["tgenabled"], "O")  # enabled before, enabled after
            else:
                self.assertNotIn(name, triggers)
        for name in ("prefixd_plan_before_insert", "prefixd_plan_before_update", "prefixd_plan_after_insert",
                     "prefixd_plan_after_update", "prefixd_plan_after_delete"):
            self.assertIn(name, triggers)
        self.assertIn("parent_id", [r["column_name"] for r in self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ip_net_plan'")])
        for name in EXPECTED_INDEXES:
            self.assertEqual(scalar(self.db, "SELECT to_regclass('%s') IS NOT NULL" % name), "t")

        # Every derived value recomputed from the definitions.
        self.assertConsistent("after adoption")
        p = self.prefix("192.168.0.0/16")
        self.assertEqual((p["children"], p["used_addresses"], p["indent"]), (2, 8192, 0))
        p = self.prefix("192.168.1.0/24")
        self.assertEqual((p["indent"], p["inherited_tags"], p["children"]), (2, ["site", "pool"], 1))
        self.assertEqual(self.prefix("192.168.1.1/32")["display_prefix"], "192.168.1.1/24")
        self.assertEqual(self.prefix("2001:db8:1::1/128")["display_prefix"], "2001:db8:1::1/48")
        v = self.vrf(0)
        self.assertEqual((v["num_prefixes_v4"], v["total_addresses_v4"], v["used_addresses_v4"]), (6, 65536, 8192))
        self.assertEqual((v["num_prefixes_v6"], v["total_addresses_v6"], v["used_addresses_v6"]),
                         (3, 2 ** 96, 2 ** 80))
        v = self.vrf(1)
        self.assertEqual((v["num_prefixes_v4"], v["used_addresses_v4"], v["total_addresses_v4"]), (1, 0, 2 ** 24))
        pool = self.pool(1)
        # upgrade-after.py::TestCheckdata::test_pool1: used 3, free 1664, total 1667
        # member 192.168.0.0/20 with two /24 children, default /31: 3584 free addresses = 1792 /31s
        self.assertEqual((pool["member_prefixes_v4"], pool["used_prefixes_v4"], pool["free_prefixes_v4"],
                          pool["total_prefixes_v4"], pool["used_addresses_v4"]), (1, 2, 1792, 1794, 512))

        # and the adopted database is maintained from now on
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('192.168.2.0/24', 'assignment')")
        self.assertConsistent("after an insert into the adopted database")
        pool = self.pool(1)
        self.assertEqual((pool["used_prefixes_v4"], pool["free_prefixes_v4"], pool["total_prefixes_v4"]),
                         (3, 1664, 1667))

    def test_refuses_other_nipap_versions(self):
        self.sql(nipap_v8_fixture_sql())
        self.sql(nipap_model.version_comment_sql(7))
        with self.assertRaises(SqlError) as cm:
            apply_migrations(self.db)
        self.assertIn("schema version 7", str(cm.exception))
        # nothing changed: the migration is one transaction
        self.assertEqual(scalar(self.db, "SELECT count(*) FROM pg_trigger WHERE tgname = "
                                         "'trigger_ip_net_plan__i_before'"), "1")


# --------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------

class TestConcurrency(SchemaTestCase):
    SESSIONS = 8
    PER_SESSION = 30

    def run_parallel(self, scripts):
        procs = [subprocess.Popen(PSQL + ["-d", self.db, "-f", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in scripts]
        for proc, script in zip(procs, scripts):
            proc.stdin.write(self.SESSION + script)
            proc.stdin.close()
        for proc in procs:
            proc.wait(timeout=300)
            err = proc.stderr.read()
            self.assertEqual(proc.returncode, 0, err)

    def test_parallel_leaf_inserts_under_one_parent(self):
        apply_migrations(self.db)
        self.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65000:1', 'one');"
                 "INSERT INTO ip_net_pool (name, ipv4_default_prefix_length) VALUES ('p', 28);"
                 "INSERT INTO ip_net_plan (vrf_id, prefix, type, pool_id) VALUES (1, '10.0.0.0/8', 'reservation', 1);"
                 "INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '10.0.0.0/16', 'reservation');")
        scripts = []
        for s in range(self.SESSIONS):
            lines = []
            for i in range(self.PER_SESSION):
                # each statement its own transaction, like NIPAP's autocommit workers
                lines.append("INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '10.%d.%d.0/24', "
                             "'assignment');" % (1 + s, i))
            scripts.append("\n".join(lines) + "\n")
        self.run_parallel(scripts)
        self.assertConsistent("after parallel inserts")
        n = self.SESSIONS * self.PER_SESSION
        p = self.prefix("10.0.0.0/8", vrf=1)
        self.assertEqual((p["children"], p["used_addresses"]), (n + 1, 65536 + 256 * n))
        v = self.vrf(1)
        self.assertEqual((v["num_prefixes_v4"], v["used_addresses_v4"]), (n + 2, 65536 + 256 * n))
        self.assertEqual(self.pool(1)["used_prefixes_v4"], n + 1)

        # parallel middle inserts, moves and deletes, each in multi-statement transactions
        scripts = []
        for s in range(self.SESSIONS):
            scripts.append(
                "BEGIN;\n"
                "INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (1, '10.%d.0.0/16', 'reservation');\n"
                "DELETE FROM ip_net_plan WHERE vrf_id = 1 AND prefix = '10.%d.0.0/24';\n"
                "COMMIT;\n"
                "UPDATE ip_net_plan SET prefix = '10.%d.128.0/24' WHERE vrf_id = 1 AND prefix = '10.%d.1.0/24';\n"
                "DELETE FROM ip_net_plan WHERE vrf_id = 1 AND prefix <<= '10.%d.0.0/16' AND masklen(prefix) = 24 "
                "AND prefix > '10.%d.20.0/24';\n" % (1 + s, 1 + s, 1 + s, 1 + s, 1 + s, 1 + s))
        self.run_parallel(scripts)
        self.assertConsistent("after parallel middle inserts, moves and deletes")

    def test_disjoint_writers_and_pool_children_longer_than_the_default(self):
        """Writers in different /8s and in one /8, inserting subtrees above
        each other's space, removing middle prefixes and adding children
        longer than the pool's default length (the free-block lock) next to
        each other: every derived value equals the recount."""
        apply_migrations(self.db)
        self.sql("INSERT INTO ip_net_pool (name, ipv4_default_prefix_length) VALUES ('p', 26);"
                 "INSERT INTO ip_net_plan (prefix, type, pool_id) VALUES ('10.0.0.0/16', 'reservation', 1);"
                 "INSERT INTO ip_net_plan (prefix, type, pool_id) VALUES ('11.0.0.0/16', 'reservation', 1);")
        scripts = []
        for s in range(self.SESSIONS):
            net = 10 + s % 2
            lines = []
            for i in range(self.PER_SESSION):
                # /29s and /30s of one /26 block from several sessions at once
                b = i // 2
                lines.append("INSERT INTO ip_net_plan (prefix, type) VALUES ('%d.0.%d.%d/%d', 'assignment');"
                             % (net, b // 4, (b % 4) * 64 + (s // 2) * 16 + (i % 2) * 8, 29 + (i % 2)))
            lines.append("INSERT INTO ip_net_plan (prefix, type) VALUES ('%d.0.%d.0/24', 'reservation');"
                         % (net, s // 2))
            lines.append("INSERT INTO ip_net_plan (prefix, type) VALUES ('%d.%d.0.0/16', 'reservation');"
                         % (20 + s, s))
            lines.append("DELETE FROM ip_net_plan WHERE prefix = '%d.0.%d.0/24';" % (net, s // 2))
            lines.append("DELETE FROM ip_net_plan WHERE prefix <<= '%d.0.%d.0/24' AND masklen(prefix) = 30;"
                         % (net, s // 2))
            scripts.append("\n".join(lines) + "\n")
        self.run_parallel(scripts)
        self.assertConsistent("after parallel pool children, middle inserts and removals")
        self.assertEqual(self.rows("SELECT count(*) AS n FROM ip_net_plan WHERE masklen(prefix) = 29")[0]["n"],
                         self.SESSIONS * ((self.PER_SESSION + 1) // 2))

    def test_repeatable_read_writes_are_refused(self):
        apply_migrations(self.db)
        with self.assertRaisesRegex(SqlError, "READ COMMITTED"):
            self.sql("BEGIN ISOLATION LEVEL REPEATABLE READ; "
                     "INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/8', 'reservation'); COMMIT;")
        self.sql("BEGIN ISOLATION LEVEL REPEATABLE READ; UPDATE ip_net_plan SET description = 'x'; COMMIT;")


class TestConcurrencyDeferred(TestConcurrency):
    """The same writers in sessions that defer statistics (the daemon's)."""
    SESSION = "SET prefixd.deferred_statistics = on;\n"


# --------------------------------------------------------------------------

def main():
    if not os.environ.get("PGHOST"):
        if os.environ.get("PREFIXD_REQUIRE_DB"):
            print("PGHOST is not set but PREFIXD_REQUIRE_DB is", file=sys.stderr)
            return 1
        print("no PostgreSQL configured (PGHOST unset): skipping")
        return 77
    if not MIGRATIONS:
        print("no migrations found under backend/sql", file=sys.stderr)
        return 1
    try:
        psql("postgres", "SELECT 1;")
    except (SqlError, FileNotFoundError) as e:
        print("cannot reach PostgreSQL (PGHOST/PGPORT/PGUSER): %s" % e, file=sys.stderr)
        return 1
    loader = unittest.TestLoader()
    names = sys.argv[1:]
    suite = loader.loadTestsFromNames(names, sys.modules[__name__]) if names \
        else loader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
