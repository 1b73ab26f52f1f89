# SPDX-License-Identifier: MIT
"""The rendered-response cache (issue 14, item 3).

Two prefixd hosts with the cache on (`a` and `b`, two workers each) and a
reference with the cache off (`ref`) serve one database. A seeded random
sequence interleaves writes -- through either worker of `a`, through `b`,
and through plain SQL -- with reads of every cached kind (XML-RPC, the JSON
API, REST; list, search and smart search), and every read answer must be
byte-identical to the reference's answer to the same request right after
it: a cached answer is never older than a write acknowledged before the
read was sent, whoever made the write. The database connections of the
cached hosts are terminated (pg_terminate_backend) mid-run: every answer
after that is either the fresh one or a fault, never a stale one. A flood of
distinct searches stays within cache.max_bytes. The cache must actually
answer (hits counted in /metrics), or the comparisons prove nothing.
"""
import base64
import http.client
import json
import os
import random
import re
import sys

import harness
from harness import AUTH, PASSWORD


def request(port, method, path, body=None, headers=None):
    h = {"Authorization": "Basic " + base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()}
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body.encode() if isinstance(body, str) else body, h)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def xmlrpc_body(method, members=""):
    return ("<?xml version='1.0'?><methodCall><methodName>" + method + "</methodName><params>"
            "<param><value><struct><member><name>auth</name><value><struct><member>"
            "<name>authoritative_source</name><value><string>nipap</string></value></member>"
            "</struct></value></member>" + members + "</struct></value></param></params></methodCall>")


SEARCH_10 = ("<member><name>query</name><value><struct><member><name>operator</name><value><string>"
             "contained_within_equals</string></value></member><member><name>val1</name><value><string>"
             "prefix</string></value></member><member><name>val2</name><value><string>10.0.0.0/8"
             "</string></value></member></struct></value></member>")
SMART = ("<member><name>query_string</name><value><string>{q}</string></value></member>")

# (description, HTTP method, path, body, headers): every kind of cached read.
READS = [
    ("xmlrpc list_vrf", "POST", "/XMLRPC", xmlrpc_body("list_vrf"), {"Content-Type": "text/xml"}),
    ("xmlrpc list_prefix", "POST", "/XMLRPC", xmlrpc_body("list_prefix"), {"Content-Type": "text/xml"}),
    ("xmlrpc list_pool", "POST", "/XMLRPC", xmlrpc_body("list_pool"), {"Content-Type": "text/xml"}),
    ("xmlrpc list_asn", "POST", "/XMLRPC", xmlrpc_body("list_asn"), {"Content-Type": "text/xml"}),
    ("xmlrpc search_prefix", "POST", "/XMLRPC", xmlrpc_body("search_prefix", SEARCH_10),
     {"Content-Type": "text/xml"}),
    ("xmlrpc smart_search_prefix", "POST", "/XMLRPC",
     xmlrpc_body("smart_search_prefix", SMART.format(q="10.0.0.0/8")), {"Content-Type": "text/xml"}),
    ("xmlrpc search_tag", "POST", "/XMLRPC",
     xmlrpc_body("search_tag", "<member><name>query</name><value><struct></struct></value></member>"),
     {"Content-Type": "text/xml"}),
    ("json list_vrf", "POST", "/api/v1/list_vrf", "{}", {"Content-Type": "application/json"}),
    ("json pretty list_prefix", "POST", "/api/v1/list_prefix?pretty=1", "{}",
     {"Content-Type": "application/json"}),
    ("json prefixes q", "GET", "/api/v1/prefixes?q=10.0.0.0/8", None, {}),
    ("json vrfs", "GET", "/api/v1/vrfs", None, {}),
    ("rest prefixes", "GET", "/rest/v1/prefixes?prefix=10.0.0.0/8", None,
     {"NIPAP-Authoritative-Source": "nipap"}),
]


def metrics(port):
    status, body = request(port, "GET", "/metrics")
    assert status == 200, status
    values = {}
    for line in body.decode().splitlines():
        m = re.match(r'^(prefixd_response_cache_\w+)(?:\{event="(\w+)"\})? (\d+)', line)
        if m:
            values[m.group(1) + (":" + m.group(2) if m.group(2) else "")] = int(m.group(3))
    return values


class ResponseCache(harness.ApiTestCase):
    database = "response_cache"
    workers = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.b = harness.Daemon(cls.db, workers=2).start()
        cls.ref = harness.Daemon(cls.db, workers=1, cache={"enabled": False}).start()
        cls.pb = cls.b.proxy()
        p = cls.p
        p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:1", "name": "cache-a"}})
        p.add_pool({"auth": AUTH, "attr": {"name": "cp", "description": "pool",
                                            "default_type": "assignment",
                                            "ipv4_default_prefix_length": 28}})
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/8", "type": "reservation",
                                              "description": "top", "tags": ["t0"]}})
        for i in range(20):
            p.add_prefix({"auth": AUTH, "attr": {"prefix": f"10.{i}.0.0/16", "type": "assignment",
                                                  "description": f"a{i}"}})
        p.add_asn({"auth": AUTH, "attr": {"asn": 64512, "name": "first"}})

    @classmethod
    def tearDownClass(cls):
        cls.b.stop()
        cls.ref.stop()
        super().tearDownClass()

    def assertFresh(self, daemon, read, allow_fault=False):
        name, verb, path, body, headers = read
        status, got = request(daemon.port, verb, path, body, headers)
        for _ in range(50):  # the reference may be reconnecting (test 2)
            ref_status, want = request(self.ref.port, verb, path, body, headers)
            if b"faultCode" not in want and ref_status < 500:
                break
        if allow_fault and (b"faultCode" in got or status >= 500) and got != want:
            return False
        self.assertEqual((status, got), (ref_status, want), f"{name} through port {daemon.port}")
        return True

    def write(self, rng, step):
        """One acknowledged write, through a random writer."""
        kind = rng.choice(["a", "a", "b", "sql", "sql-vrf"])
        n = rng.randrange(20)
        if kind == "a":
            # A new connection each time: the kernel spreads them over both workers.
            self.daemon.proxy().edit_prefix(
                {"auth": AUTH, "prefix": {"prefix": f"10.{n}.0.0/16"},
                 "attr": {"description": f"a step {step}", "tags": [f"t{step % 5}"]}})
        elif kind == "b":
            self.b.proxy().edit_prefix(
                {"auth": AUTH, "prefix": {"prefix": f"10.{n}.0.0/16"},
                 "attr": {"description": f"b step {step}"}})
        elif kind == "sql":
            self.db.sql(f"UPDATE ip_net_plan SET comment = 'sql {step}' "
                        f"WHERE prefix = '10.{n}.0.0/16'")
        else:
            self.db.sql(f"UPDATE ip_net_vrf SET description = 'sql {step}' WHERE rt = '65000:1'")
        return kind

    def test_1_interleaved_writes_never_stale(self):
        seed = int(os.environ.get("PREFIXD_CACHE_SEED", random.randrange(1 << 30)))
        print(f"seed {seed}", file=sys.stderr)
        rng = random.Random(seed)
        before = metrics(self.daemon.port)
        for step in range(60):
            # Reads repeat between writes, so the cache answers some of them.
            for _ in range(rng.randrange(1, 6)):
                self.assertFresh(rng.choice([self.daemon, self.b]), rng.choice(READS))
            self.write(rng, step)
            for read in READS:
                self.assertFresh(rng.choice([self.daemon, self.b]), read)
        after = metrics(self.daemon.port)
        self.assertGreater(after["prefixd_response_cache_total:hits"],
                           before.get("prefixd_response_cache_total:hits", 0))
        self.assertGreater(after["prefixd_response_cache_total:invalidations"], 0)

    def test_2_connections_terminated_mid_run(self):
        for read in READS:  # fill the cache
            self.assertFresh(self.daemon, read)
            self.assertFresh(self.daemon, read)
        for round_ in range(3):
            self.db.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name LIKE 'prefixd worker%' AND datname = current_database() "
                        "AND pid <> pg_backend_pid()")
            self.db.sql(f"UPDATE ip_net_plan SET comment = 'after kill {round_}' "
                        "WHERE prefix = '10.0.0.0/8'")
            fresh = 0
            for read in READS * 3:
                fresh += self.assertFresh(self.daemon, read, allow_fault=True)
            self.assertGreater(fresh, 0, "no answer at all after the connections were terminated")

    def test_3_flood_of_distinct_queries_stays_bounded(self):
        small = harness.Daemon(self.db, workers=2, cache={"max_bytes": 1048576}).start()
        try:
            for i in range(1500):
                q = f"10.{i % 20}.0.0/16 a{i % 20} -x{i}"
                read = ("flood", "POST", "/XMLRPC", xmlrpc_body("smart_search_prefix", SMART.format(q=q)),
                        {"Content-Type": "text/xml"})
                status, _ = request(small.port, *read[1:])
                self.assertEqual(status, 200)
                if i % 100 == 0:
                    self.assertFresh(small, read)
            m = metrics(small.port)
            self.assertEqual(m["prefixd_response_cache_capacity_bytes"], 1048576)
            self.assertLessEqual(m["prefixd_response_cache_bytes"], 1048576)
            self.assertGreater(m["prefixd_response_cache_total:evictions"], 0)
            for read in READS:
                self.assertFresh(small, read)
        finally:
            small.stop()

    def test_4_staleness_bound_still_sees_own_writes(self):
        lax = harness.Daemon(self.db, workers=2, cache={"max_staleness_ms": 600000}).start()
        try:
            p = lax.proxy()
            for step in range(10):
                for read in READS[:7]:
                    self.assertFresh(lax, read)
                    self.assertFresh(lax, read)
                p.edit_prefix({"auth": AUTH, "prefix": {"prefix": "10.1.0.0/16"},
                               "attr": {"description": f"lax {step}"}})
                for read in READS:
                    self.assertFresh(lax, read)
        finally:
            lax.stop()

    def test_5_excluded_method_and_bad_name(self):
        d = harness.Daemon(self.db, workers=1, cache={"exclude_methods": "list_vrf"}).start()
        try:
            before = metrics(d.port).get("prefixd_response_cache_total:misses", 0)
            for _ in range(3):
                self.assertFresh(d, READS[0])
            self.assertEqual(metrics(d.port).get("prefixd_response_cache_total:misses", 0), before)
        finally:
            d.stop()
        bad = harness.Daemon(self.db, workers=1, cache={"exclude_methods": "add_prefix"})
        try:
            with self.assertRaises(AssertionError) as cm:
                bad.start()
        finally:
            if bad.proc is not None and bad.proc.poll() is None:
                bad.stop()  # it should not have started; leave nothing running
        self.assertIn("cache.exclude_methods: 'add_prefix'", str(cm.exception))


if __name__ == "__main__":
    harness.main()
