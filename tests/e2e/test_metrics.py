# SPDX-License-Identifier: MIT
"""GET /metrics (issue 16): a known sequence of calls over XML-RPC, JSON and
NIPAP's REST resource, on new connections spread over 2 workers, shows the
exact counts summed over the workers; a killed worker shows in the counters
and its counts are kept; promtool accepts the text; the exposure settings
(metrics.enabled, metrics.listen, metrics.require_auth) hold."""
import base64
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest
import xmlrpc.client

import harness
from harness import AUTH, PASSWORD, Database, Daemon, wait_for

BASIC = "Basic " + base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()


def get(port, path, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read().decode()
    finally:
        conn.close()


def post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body, headers)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def parse(text):
    """{(name, frozenset(labels)): value} of every sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Metrics(harness.ApiTestCase):
    database = "metrics"

    def scrape(self):
        status, content_type, text = get(self.daemon.port, "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        return text

    def xmlrpc(self, method, password=PASSWORD):
        body = xmlrpc.client.dumps(({"auth": AUTH},), method)
        status, text = post(self.daemon.port, "/XMLRPC", body, {
            "Content-Type": "text/xml",
            "Authorization": "Basic " + base64.b64encode(f"unittest:{password}".encode()).decode()})
        self.assertEqual(status, 200)
        return text

    def test_1_exact_counts_across_workers(self):
        before = parse(self.scrape())
        port = self.daemon.port
        for _ in range(5):
            self.assertNotIn("<fault>", self.xmlrpc("version"))
        for _ in range(2):
            self.assertIn("<int>1510</int>", self.xmlrpc("version", password="wrong"))
        for _ in range(3):
            self.assertNotIn("<fault>", self.xmlrpc("list_vrf"))
        self.assertIn("<int>1</int>", self.xmlrpc("no_such_method"))
        for _ in range(4):
            self.assertEqual(post(port, "/api/v1/version", "{}",
                                  {"Content-Type": "application/json", "Authorization": BASIC})[0], 200)
        for _ in range(2):
            self.assertEqual(get(port, "/api/v1/vrfs/999999", {"Authorization": BASIC})[0], 404)
        for _ in range(2):
            self.assertEqual(get(port, "/rest/v1/prefixes?prefix=10.0.0.0/8",
                                 {"Authorization": BASIC, "NIPAP-Authoritative-Source": "nipap"})[0], 200)
        # Not API calls: not counted as requests.
        self.assertEqual(get(port, "/healthz")[0], 200)
        self.assertEqual(get(port, "/no/such/path")[0], 404)

        text = self.scrape()
        after = parse(text)
        expected = {
            ("version", "xmlrpc", "ok"): 5, ("version", "xmlrpc", "1510"): 2,
            ("list_vrf", "xmlrpc", "ok"): 3, ("unknown", "xmlrpc", "1"): 1,
            ("version", "json", "ok"): 4, ("list_vrf", "json", "1300"): 2,
            ("search_prefix", "rest", "ok"): 2,
        }
        grown = {}
        for (name, labels), v in after.items():
            if name == "prefixd_requests_total":
                delta = v - before.get((name, labels), 0)
                if delta:
                    d = dict(labels)
                    grown[(d["method"], d["transport"], d["outcome"])] = delta
        self.assertEqual(grown, expected)
        per_method = {}
        for (method, _, _), n in expected.items():
            per_method[method] = per_method.get(method, 0) + n
        for method, n in per_method.items():
            count = value(after, "prefixd_request_duration_seconds_count", method=method) - value(
                before, "prefixd_request_duration_seconds_count", method=method)
            self.assertEqual(count, n, method)
            self.assertEqual(value(after, "prefixd_request_duration_seconds_bucket", method=method, le="+Inf"),
                             value(after, "prefixd_request_duration_seconds_count", method=method))
            self.assertGreater(value(after, "prefixd_request_duration_seconds_sum", method=method), 0)
        # Every request with credentials is a cache hit or a miss (a password
        # hash): they are checked when the headers arrive, before the body is
        # read (issue 11), so no_such_method counts too.
        logins = 5 + 2 + 3 + 1 + 4 + 2 + 2
        hits = value(after, "prefixd_auth_cache_hits_total") - value(before, "prefixd_auth_cache_hits_total")
        misses = value(after, "prefixd_auth_cache_misses_total") - value(before, "prefixd_auth_cache_misses_total")
        self.assertEqual(hits + misses, logins)
        self.assertGreaterEqual(misses, 3)  # the two wrong passwords, and at least one real login
        # Both workers served calls, and both are in the counts above.
        log = self.daemon.read_log()
        for slot in (0, 1):
            self.assertRegex(log, rf"worker {slot}\] info .*POST /XMLRPC")
            self.assertGreater(value(after, "prefixd_worker_resident_memory_bytes", slot=str(slot)), 1e6)
        self.assertEqual(value(after, "prefixd_workers"), 2)
        self.assertEqual(value(after, "prefixd_workers_started_total"), 2)
        self.assertEqual(value(after, "prefixd_build_info", version=re.search(
            r'version="([^"]+)"', text).group(1), nipap_schema_version="8"), 1)
        self.assertEqual(value(after, "prefixd_events_enabled"), 0)
        self.assertEqual(value(after, "prefixd_events_outbox_backlog"), 0)
        self.assertIn(("prefixd_events_sent_total", frozenset()), after)
        self.assertIn(("prefixd_events_failed_total", frozenset()), after)
        self.assertPromtoolAccepts(text)
        self.check_examples(text)

    def check_examples(self, text):
        """The installed examples: the dashboard asks only for series the scrape
        has, and Prometheus accepts the scrape configuration."""
        examples = os.path.join(harness.ROOT, "etc", "examples")
        with open(os.path.join(examples, "grafana-dashboard.json")) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
        families = set(re.findall(r"^# TYPE (\w+)", text, re.M))
        for name in set(re.findall(r"\bprefixd_\w+", " ".join(exprs))):
            self.assertIn(re.sub(r"_(bucket|sum|count)$", "", name), families, name)
        r = subprocess.run(["promtool", "check", "config", os.path.join(examples, "prometheus.yml")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_2_in_flight(self):
        done = threading.Event()

        def slow():
            # Long enough that a loaded machine's scrapes see it; echo's sleep
            # is scheduled, so the worker keeps serving meanwhile.
            body = xmlrpc.client.dumps(({"auth": AUTH, "sleep": 8},), "echo")
            post(self.daemon.port, "/XMLRPC", body, {"Content-Type": "text/xml", "Authorization": BASIC})
            done.set()

        def in_flight():
            """prefixd_requests_in_flight, summed over the workers by the one
            that answers the scrape."""
            try:
                status, _, text = get(self.daemon.port, "/metrics", timeout=3)
            except OSError:
                return None
            return value(parse(text), "prefixd_requests_in_flight")
        t = threading.Thread(target=slow)
        t.start()
        # The slow call and the scrape itself (each worker serves one).
        wait_for(lambda: (in_flight() or 0) >= 2 or done.is_set(), interval=0.05,
                 what="two requests in flight")
        self.assertFalse(done.is_set())
        t.join()
        wait_for(lambda: in_flight() == 1, what="only the scrape in flight")

    def test_3_killed_worker_and_lost_connections(self):
        before = parse(self.scrape())
        victim = self.daemon.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(self.daemon.worker_pids()) == 2 and victim not in self.daemon.worker_pids(),
                 what="the worker to be replaced")
        # The master counts a start after fork() returns to it, which ps may
        # see the child before: wait for the count, not only for the process.
        wait_for(lambda: value(parse(self.scrape()), "prefixd_workers_started_total") == 3,
                 what="the replacement to be counted")
        after = parse(self.scrape())
        self.assertEqual(value(after, "prefixd_worker_exits_total", cause="SIGKILL"), 1)
        self.assertEqual(value(after, "prefixd_workers_started_total"), 3)
        # The dead worker's counts stay.
        for key, v in before.items():
            if key[0] == "prefixd_requests_total":
                self.assertGreaterEqual(after.get(key, 0), v, key)
        # Connections closed under the workers: counted, and reconnected.
        self.db.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name LIKE 'prefixd worker%' AND datname = current_database()")

        def recovered():
            for _ in range(4):
                self.xmlrpc("version")
            s = parse(self.scrape())
            return (value(s, "prefixd_database_errors_total", kind="connection_lost") >= 2
                    and value(s, "prefixd_database_reconnects_total") >= 2)
        wait_for(recovered, timeout=30, what="lost connections counted")
        self.assertPromtoolAccepts(self.scrape())

    def assertPromtoolAccepts(self, text):
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class Exposure(unittest.TestCase):
    def test_separate_port_with_authentication(self):
        db = Database("metrics_port")
        self.addCleanup(db.drop)
        db.add_standard_users()
        port = harness.free_port()
        daemon = Daemon(db, workers=2, metrics={"listen": f"127.0.0.1:{port}", "require_auth": True}).start()
        try:
            self.assertEqual(get(daemon.port, "/metrics")[0], 404)  # not beside the API
            status, _, _ = get(port, "/metrics")
            self.assertEqual(status, 401)
            self.assertEqual(get(port, "/metrics", {"Authorization": "Basic " + base64.b64encode(
                b"unittest:wrong").decode()})[0], 401)
            for _ in range(6):  # new connections: whichever worker accepts answers
                status, _, text = get(port, "/metrics", {"Authorization": BASIC})
                self.assertEqual(status, 200)
                self.assertIn("prefixd_workers 2\n", text)
            self.assertEqual(get(port, "/XMLRPC")[0], 404)  # only metrics there
        finally:
            daemon.stop()

    def test_disabled(self):
        db = Database("metrics_off")
        self.addCleanup(db.drop)
        daemon = Daemon(db, workers=1, metrics={"enabled": False}).start()
        try:
            self.assertEqual(get(daemon.port, "/metrics")[0], 404)
        finally:
            daemon.stop()


if __name__ == "__main__":
    harness.main()
