# SPDX-License-Identifier: MIT
"""Running behind a reverse proxy: the access log names the client that a
trusted proxy passes in X-Forwarded-For, and the TCP peer in every other
case; trusted_proxies is validated and follows a SIGHUP reload."""
import base64
import http.client
import re
import signal
import subprocess
import unittest
import uuid

import harness
from harness import PASSWORD, Daemon, Database, wait_for


def request(daemon, path, forwarded=(), xmlrpc=False):
    """Sends one request with the given X-Forwarded-For headers (one header
    per item, as a chain of proxies that each add their own would)."""
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
    try:
        if xmlrpc:
            conn.putrequest("POST", path)
            body = (b"<?xml version='1.0'?><methodCall><methodName>version</methodName><params>"
                    + harness.AUTH_PARAM.encode() + b"</params></methodCall>")
            credentials = base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()
            conn.putheader("Authorization", "Basic " + credentials)
            conn.putheader("Content-Type", "text/xml")
            conn.putheader("Content-Length", str(len(body)))
        else:
            conn.putrequest("GET", path)
            body = None
        for value in forwarded:
            conn.putheader("X-Forwarded-For", value)
        conn.endheaders(body)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def logged_client(daemon, path):
    """The client address of the access-log line for `path`."""
    pattern = re.compile(r' (\S+) "(?:GET|POST) ' + re.escape(path) + r'"')

    def find():
        m = pattern.search(daemon.read_log())
        return m and m.group(1)

    return wait_for(find, timeout=10, what=f"the access-log line for {path}")


def unique_path():
    return "/proxy-test-" + uuid.uuid4().hex[:12]


class TrustedLoopback(unittest.TestCase):
    """prefixd behind a proxy on the same host (127.0.0.1 trusted)."""

    @classmethod
    def setUpClass(cls):
        cls.db = Database("proxy")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=1,
                            trusted_proxies=["127.0.0.1", "10.0.0.0/8"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def test_forwarded_client_is_logged(self):
        path = unique_path()
        self.assertEqual(request(self.daemon, path, ["203.0.113.7"]), 404)
        self.assertEqual(logged_client(self.daemon, path), "203.0.113.7")

    def test_xmlrpc_call_is_logged_with_the_forwarded_client(self):
        self.assertEqual(request(self.daemon, "/RPC2", ["198.51.100.77"], xmlrpc=True), 200)
        log = wait_for(lambda: "198.51.100.77 \"POST /RPC2\" version ok" in self.daemon.read_log(),
                       timeout=10, what="the access-log line of the call")
        self.assertTrue(log)

    def test_chain_is_read_from_the_right(self):
        # The client claimed 192.0.2.66 itself; the first untrusted hop seen
        # from our side is 203.0.113.8, and 10.1.2.3 is a trusted proxy.
        path = unique_path()
        request(self.daemon, path, ["192.0.2.66, 203.0.113.8, 10.1.2.3"])
        self.assertEqual(logged_client(self.daemon, path), "203.0.113.8")

    def test_repeated_headers_count_in_order(self):
        # HAProxy's `option forwardfor` adds a header of its own after the
        # one a client may have sent: the last one is the one to believe.
        path = unique_path()
        request(self.daemon, path, ["192.0.2.66", "203.0.113.9"])
        self.assertEqual(logged_client(self.daemon, path), "203.0.113.9")

    def test_garbage_is_not_logged_as_a_client(self):
        path = unique_path()
        request(self.daemon, path, ["not-an-address"])
        self.assertEqual(logged_client(self.daemon, path), "127.0.0.1")

    def test_without_header_the_peer_is_logged(self):
        path = unique_path()
        request(self.daemon, path)
        self.assertEqual(logged_client(self.daemon, path), "127.0.0.1")


class UntrustedPeer(unittest.TestCase):
    def setUp(self):
        self.db = Database("proxy_untrusted")
        self.db.add_standard_users()

    def tearDown(self):
        self.db.drop()

    def test_untrusted_peer_cannot_name_a_client(self):
        daemon = Daemon(self.db, workers=1, trusted_proxies=["10.0.0.0/8"]).start()
        try:
            path = unique_path()
            request(daemon, path, ["203.0.113.10"])
            self.assertEqual(logged_client(daemon, path), "127.0.0.1")
        finally:
            daemon.stop()

    def test_no_trusted_proxies_by_default(self):
        daemon = Daemon(self.db, workers=1).start()
        try:
            path = unique_path()
            request(daemon, path, ["203.0.113.11"])
            self.assertEqual(logged_client(daemon, path), "127.0.0.1")
        finally:
            daemon.stop()

    def test_reload_changes_who_is_trusted(self):
        daemon = Daemon(self.db, workers=1).start()
        try:
            path = unique_path()
            request(daemon, path, ["203.0.113.12"])
            self.assertEqual(logged_client(daemon, path), "127.0.0.1")
            daemon.write_config(trusted_proxies=["127.0.0.0/8"])
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reload complete" in daemon.read_log(), what="the reload")
            path = unique_path()
            request(daemon, path, ["203.0.113.13"])
            self.assertEqual(logged_client(daemon, path), "203.0.113.13")
        finally:
            daemon.stop()

    def test_bad_entry_stops_start_up_naming_it(self):
        daemon = Daemon(self.db, workers=1, trusted_proxies=["127.0.0.1", "proxy.example"])
        r = subprocess.run([harness.PREFIXD, "--check-config", "-c", daemon.config_path],
                           capture_output=True, text=True, env=self.db.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("trusted_proxies", r.stderr)
        self.assertIn("proxy.example", r.stderr)


if __name__ == "__main__":
    harness.main()
