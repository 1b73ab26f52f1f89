# SPDX-License-Identifier: MIT
"""Bounded work per call and faults that say the right thing (issue 11, items 2 and 6).

Item 2: a long smart-search word became a regular expression PostgreSQL took
seconds to minutes to compile, holding a worker; echo's sleep held it too; no
statement_timeout. Item 6: out-of-range ids, non-UTF-8 user names and NIPAP-*
headers were "internal error"; a cancelled statement was taken for a lost
connection; /healthz and unauthenticated faults named the database's address.
"""
import base64
import http.client
import re
import threading
import time
import xmlrpc.client

import harness
from harness import AUTH, PASSWORD, Cluster, Daemon, Database

READONLY = {"auth": AUTH}


def member(name, value):
    return f"<member><name>{name}</name><value>{value}</value></member>"


def struct(*members):
    return "<struct>" + "".join(members) + "</struct>"


AUTH_MEMBER = member("auth", struct(member("authoritative_source", "<string>nipap</string>")))
BIG = "<int>2147483648</int>"


def fault_of(text):
    m = re.search(r"<name>faultCode</name>\s*<value><int>(\d+)</int>.*?<name>faultString</name>\s*"
                  r"<value><string>(.*?)</string>", text, re.S)
    return (int(m.group(1)), m.group(2)) if m else None


class BoundedWork(harness.ApiTestCase):
    database = "bounded_work"

    @classmethod
    def setUpClass(cls):
        cls.db = Database(cls.database)
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=1, database={"statement_timeout": 1},
                            limits={"max_echo_sleep": 5}).start()
        cls.p = cls.daemon.proxy()
        cls.ro = cls.daemon.proxy(user="readonly")

    def setUp(self):
        self.pids = self.daemon.worker_pids()

    def tearDown(self):
        self.assertEqual(self.daemon.worker_pids(), self.pids, "a worker died")

    def timed(self, fn):
        start = time.monotonic()
        try:
            return fn(), time.monotonic() - start
        except xmlrpc.client.Fault as f:
            return f, time.monotonic() - start

    def test_long_smart_search_word_is_refused_at_once(self):
        for method in ("smart_search_prefix", "smart_search_pool", "smart_search_vrf"):
            got, took = self.timed(lambda: getattr(self.ro, method)(
                {"auth": AUTH, "query_string": "x" * 100000, "search_options": {}}))
            self.assertIsInstance(got, xmlrpc.client.Fault, method)
            self.assertEqual(got.faultCode, 1200)
            self.assertIn("too long", got.faultString)
            self.assertLess(took, 2.0)
        # NIPAP-style searches stay accepted: words and phrases, a regex.
        for q in ("core router", "x" * 500, "^foo.*bar$", "#tag", "10.0.0.0/8"):
            self.assertIn("result", self.ro.smart_search_prefix(
                {"auth": AUTH, "query_string": q, "search_options": {}}))

    def test_regex_complexity_is_bounded(self):
        for pattern in ("((a{1,200}){1,200}){1,200}", "a{2}" * 9):
            got, took = self.timed(lambda: self.ro.search_vrf(
                {"auth": AUTH, "query": {"operator": "regex_match", "val1": "name", "val2": pattern},
                 "search_options": {}}))
            self.assertIsInstance(got, xmlrpc.client.Fault, pattern)
            self.assertEqual(got.faultCode, 1200)
            self.assertIn("too complex", got.faultString)
        self.assertEqual(self.ro.search_vrf(
            {"auth": AUTH, "query": {"operator": "regex_match", "val1": "name", "val2": "a{1,3}b"},
             "search_options": {}})["result"], [])

    def test_echo_sleep_does_not_hold_the_worker(self):
        result = {}

        def sleeper():
            result["answer"], result["took"] = self.timed(
                lambda: self.daemon.proxy(user="readonly").echo(
                    {"auth": AUTH, "message": "late", "sleep": 3}))

        t = threading.Thread(target=sleeper)
        t.start()
        time.sleep(0.3)
        # The only worker answers others while the echo waits.
        _, took = self.timed(lambda: self.ro.version(READONLY))
        self.assertLess(took, 1.0)
        t.join()
        self.assertEqual(result["answer"], "late")
        self.assertGreaterEqual(result["took"], 2.9)
        # Capped by limits.max_echo_sleep (5 s).
        _, took = self.timed(lambda: self.ro.echo({"auth": AUTH, "sleep": 1e9, "message": "x"}))
        self.assertLess(took, 7)

    def backend_pid(self):
        return self.db.sql("SELECT pid FROM pg_stat_activity "
                           "WHERE application_name = 'prefixd worker 0' "
                           "AND datname = current_database()").strip()

    def test_statement_timeout_is_fault_1_and_keeps_the_connection(self):
        self.p.version(READONLY)
        before = self.backend_pid()
        self.assertTrue(before)
        # A lock held elsewhere makes add_vrf wait past database.statement_timeout.
        import subprocess
        holder = subprocess.Popen(["psql", "-X", "-q", "-d", self.db.name, "-c",
                                   "BEGIN; LOCK TABLE ip_net_vrf; SELECT pg_sleep(4); COMMIT;"],
                                  env=self.db.env, stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            got, took = self.timed(lambda: self.p.add_vrf(
                {"auth": AUTH, "attr": {"rt": "1:1", "name": "late", "description": "d"}}))
            self.assertIsInstance(got, xmlrpc.client.Fault)
            self.assertEqual((got.faultCode, got.faultString), (1, "statement timeout"))
            self.assertLess(took, 3.0)
        finally:
            holder.wait()
        self.assertTrue(self.p.version(READONLY))
        self.assertEqual(self.backend_pid(), before, "the connection was replaced")
        self.assertEqual([v for v in self.p.list_vrf(READONLY) if v["name"] == "late"], [])

    def test_ids_past_int4_are_value_errors(self):
        cases = {
            "list_vrf": struct(AUTH_MEMBER, member("vrf", struct(member("id", BIG)))),
            "add_prefix": struct(AUTH_MEMBER, member("attr", struct(
                member("type", "<string>assignment</string>"),
                member("description", "<string>d</string>"))),
                member("args", struct(member("from-pool", struct(member("id", BIG))),
                                      member("prefix_length", "<int>24</int>"),
                                      member("family", "<int>4</int>")))),
            "list_prefix": struct(AUTH_MEMBER, member("prefix", struct(member("pool_id", BIG)))),
        }
        cases["add_prefix pool_id"] = struct(AUTH_MEMBER, member("attr", struct(
            member("prefix", "<string>10.0.0.0/8</string>"),
            member("type", "<string>reservation</string>"),
            member("description", "<string>d</string>"), member("pool_id", BIG))))
        for name, params in cases.items():
            status, _, text = harness.raw_call(self.daemon.port, name.split()[0],
                                               f"<param><value>{params}</value></param>")
            self.assertEqual(status, 200)
            self.assertEqual(fault_of(text)[0], 1200, f"{name}: {text}")

    def test_non_utf8_user_name_is_an_authentication_failure(self):
        body = ("<?xml version='1.0'?><methodCall><methodName>version</methodName><params>"
                f"<param><value>{struct(AUTH_MEMBER)}</value></param></params></methodCall>")
        for login in (b"\xff\xfe", b"unittest\xc3"):
            status, _, text = harness.post_xml(self.daemon.port, body, user=None, headers={
                "Authorization": "Basic " + base64.b64encode(login + b":x").decode()})
            self.assertEqual(fault_of(text)[0], 1510, text)

    def test_non_utf8_nipap_header_is_a_value_error(self):
        for header in ("NIPAP-Authoritative-Source", "NIPAP-Username", "NIPAP-Full-Name"):
            conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=10)
            conn.putrequest("GET", "/rest/v1/prefixes?prefix=10.0.0.0/8")
            conn.putheader("Authorization", "Basic " +
                           base64.b64encode(f"trusted:{PASSWORD}".encode()).decode())
            if header != "NIPAP-Authoritative-Source":
                conn.putheader("NIPAP-Authoritative-Source", "nipap")
            conn.putheader(header, b"a\xff")
            conn.endheaders()
            r = conn.getresponse()
            body = r.read().decode()
            conn.close()
            self.assertIn('"code":1200', body, header)
            self.assertIn(header, body)


class DatabaseDown(harness.unittest.TestCase):
    def test_no_infrastructure_in_answers_and_quick_recovery(self):
        cluster = Cluster()
        env = cluster.start()
        try:
            db = Database("down", env=env)
            db.add_standard_users()
            daemon = Daemon(db, workers=1, auth={"cache_timeout": 0}).start()
            p = daemon.proxy()
            self.assertTrue(p.version(READONLY))
            cluster.stop()
            secrets = [env["PGHOST"], str(env["PGPORT"]), "PGSQL", "socket", "connection to server"]
            for user in ("unittest", "nobody"):
                with self.assertRaises(xmlrpc.client.Fault) as cm:
                    daemon.proxy(user=user).version(READONLY)
                self.assertEqual(cm.exception.faultCode, 1000)
                for s in secrets:
                    self.assertNotIn(s, cm.exception.faultString)
            status, body = daemon.health()
            self.assertEqual((status, body["status"], body.get("error")),
                             (503, "unavailable", "database unavailable"))
            # Idle outage long enough for the old 5 s backoff cap to show
            # (item 8): the database is used again within about a second.
            time.sleep(8)
            cluster.start()
            started = time.monotonic()
            harness.wait_for(lambda: daemon.health()[0] == 200, timeout=10, interval=0.05,
                             what="the worker to reconnect")
            self.assertLess(time.monotonic() - started, 2.0)
            self.assertIn("cannot use the database", daemon.read_log())  # detail kept in the log
            daemon.stop()
        finally:
            cluster.remove()


if __name__ == "__main__":
    harness.main()
