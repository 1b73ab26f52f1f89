# SPDX-License-Identifier: MIT
"""The first calls over real HTTP: echo, version, db_version, authentication,
the envelope faults, introspection and transport details, with Python's
xmlrpc.client (what pynipap uses) and with curl."""
import subprocess
import unittest
import xmlrpc.client

import harness
from harness import AUTH, AUTH_PARAM, PASSWORD, Daemon, Database, raw_call, wait_for


class Calls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("calls")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def fault(self, call):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            call()
        return cm.exception.faultCode, cm.exception.faultString

    def test_version_and_db_version(self):
        for path in ("/XMLRPC", "/RPC2"):
            p = self.daemon.proxy(path=path)
            version = p.version({"auth": AUTH})
            self.assertRegex(version, r"^\d+\.\d+\.\d+")
            self.assertEqual(p.db_version({"auth": AUTH}), 8)

    def test_echo_returns_any_value_unchanged(self):
        p = self.daemon.proxy()
        for message in ["hello", "", "åäö ✓", "<&>", 42, -7, True, False, 1.5, [], {},
                        [1, "two", [3]], {"a": {"b": [None]}}, None]:
            self.assertEqual(p.echo({"auth": AUTH, "message": message}), message)
        self.assertIsNone(p.echo({"auth": AUTH}))

    def test_right_password_user_at_local_and_readonly_user(self):
        self.assertEqual(self.daemon.proxy("unittest@local").echo({"auth": AUTH, "message": 1}), 1)
        self.assertEqual(self.daemon.proxy("readonly").echo({"auth": AUTH, "message": "ro"}), "ro")

    def test_wrong_password_unknown_user_other_backend(self):
        for user, password in [("unittest", "nope"), ("nosuchuser", PASSWORD),
                               ("UNITTEST", PASSWORD), ("unittest@nosuch", PASSWORD),
                               ("unit@test@local", PASSWORD), ("", "")]:
            code, _ = self.fault(lambda: self.daemon.proxy(user, password).version({"auth": AUTH}))
            self.assertEqual(code, 1510, (user, password))
        _, text = self.fault(lambda: self.daemon.proxy("unittest", "x").version({"auth": AUTH}))
        self.assertEqual(text, "Incorrect username or password.")

    def test_missing_credentials(self):
        p = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.daemon.port}/XMLRPC")
        self.assertEqual(self.fault(lambda: p.version({"auth": AUTH})),
                         (1500, "Missing authentication method"))

    def test_envelope_faults(self):
        p = self.daemon.proxy()
        self.assertEqual(self.fault(lambda: p.version({})),
                         (1000, "Missing/invalid authentication options in request."))
        self.assertEqual(self.fault(lambda: p.version({"auth": "x"}))[0], 1000)
        self.assertEqual(self.fault(lambda: p.version({"auth": {}})),
                         (1000, "Missing authoritative source in auth options."))
        self.assertEqual(self.fault(lambda: p.version({"auth": AUTH}, {"auth": AUTH})),
                         (1000, "NIPAP API functions take exactly 1 argument (2 given)"))
        self.assertEqual(self.fault(lambda: p.version()),
                         (1000, "NIPAP API functions take exactly 1 argument (0 given)"))
        self.assertEqual(self.fault(lambda: p.version("x")),
                         (1000, "Function argument must be XML-RPC struct/Python dict "
                                "(Python str given)."))
        # The envelope is checked before the credentials, as NIPAP does.
        bad = self.daemon.proxy("unittest", "wrong")
        self.assertEqual(self.fault(lambda: bad.version({}))[0], 1000)

    def test_unknown_method_and_no_multicall(self):
        p = self.daemon.proxy()
        for name in ("foo", "system.multicall", "ECHO"):
            code, text = self.fault(lambda: getattr(p, name)({"auth": AUTH}))
            self.assertEqual(code, 1)
            self.assertEqual(text, f"<class 'Exception'>:method \"{name}\" is not supported")

    def test_introspection_needs_no_credentials(self):
        p = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.daemon.port}/RPC2")
        methods = p.system.listMethods()
        self.assertEqual(methods, sorted(methods))
        for name in ("echo", "version", "db_version", "system.listMethods", "system.methodHelp",
                     "system.methodSignature"):
            self.assertIn(name, methods)
        self.assertNotIn("system.multicall", methods)
        self.assertNotEqual(p.system.methodHelp("echo"), "")
        self.assertEqual(p.system.methodHelp("nosuchmethod"), "")
        self.assertEqual(p.system.methodSignature("echo"), "signatures not supported")

    def test_malformed_xml_is_fault_1(self):
        status, _, body = raw_call(self.daemon.port, "version", "<param><value><struct>")
        self.assertEqual(status, 200)
        self.assertIn("<name>faultCode</name><value><int>1</int></value>", body.replace("\n", ""))

    def test_http_methods_and_paths(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=10)
        for method, path, status in [("GET", "/XMLRPC", 405), ("PUT", "/RPC2", 405),
                                     ("OPTIONS", "/XMLRPC", 200), ("GET", "/", 404),
                                     ("POST", "/xmlrpc", 404), ("POST", "/XMLRPC/", 404)]:
            conn.request(method, path)
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, status, (method, path))
            if path in ("/XMLRPC", "/RPC2"):
                self.assertEqual(r.getheader("Allow"), "OPTIONS, POST")
        conn.close()
        status, _, body = raw_call(self.daemon.port, "version", AUTH_PARAM, path="/XMLRPC?x=1")
        self.assertEqual(status, 200)
        self.assertIn("<string>", body)

    def test_response_bytes(self):
        status, headers, body = raw_call(self.daemon.port, "db_version", AUTH_PARAM)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/xml")
        self.assertTrue(body.startswith("<?xml version='1.0'?>"))
        self.assertIn("<value><int>8</int></value>", body)

    def test_curl(self):
        body = ("<?xml version='1.0'?><methodCall><methodName>version</methodName><params>"
                + AUTH_PARAM + "</params></methodCall>")
        out = subprocess.run(["curl", "-sS", "-u", f"unittest:{PASSWORD}", "-H",
                              "Content-Type: text/xml", "--data-binary", body,
                              f"http://127.0.0.1:{self.daemon.port}/XMLRPC"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("<methodResponse>", out)
        self.assertRegex(out, r"<string>\d+\.\d+\.\d+")
        out = subprocess.run(["curl", "-sS", "-u", "unittest:wrong", "--data-binary", body,
                              f"http://127.0.0.1:{self.daemon.port}/RPC2"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("<int>1510</int>", out)

    def test_healthz(self):
        status, body = self.daemon.health()
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertIn(body["pid"], self.daemon.worker_pids())

    def test_one_connection_per_worker_in_pg_stat_activity(self):
        self.daemon.per_worker_health()  # every worker has connected
        names = self.db.sql("SELECT application_name FROM pg_stat_activity "
                            f"WHERE datname = '{self.db.name}' AND application_name LIKE "
                            "'prefixd worker%' ORDER BY 1").split("\n")
        self.assertEqual(names, ["prefixd worker 0", "prefixd worker 1"])


class AuthCache(unittest.TestCase):
    """Successful logins are remembered per worker for auth.cache_timeout."""

    @classmethod
    def setUpClass(cls):
        cls.db = Database("authcache")
        cls.db.add_standard_users()

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()

    def test_password_hashed_once_per_worker(self):
        daemon = Daemon(self.db, workers=2).start()
        try:
            import http.client
            import base64
            auth = "Basic " + base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()
            body = ("<?xml version='1.0'?><methodCall><methodName>version</methodName><params>"
                    + AUTH_PARAM + "</params></methodCall>")
            calls = {}
            # Keep calling on fresh connections until every worker has
            # answered at least five calls; /healthz on the same connection
            # says which worker that was.
            def enough():
                conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
                _, h = daemon.health(conn)
                conn.request("POST", "/XMLRPC", body, {"Authorization": auth})
                r = conn.getresponse()
                self.assertIn("<string>", r.read().decode())
                conn.close()
                calls[h["pid"]] = calls.get(h["pid"], 0) + 1
                return len(calls) == 2 and min(calls.values()) >= 5
            wait_for(enough, interval=0, what="calls on both workers")
            hashes = {pid: h["password_hashes"] for pid, h in daemon.per_worker_health().items()}
            self.assertEqual(hashes, {pid: 1 for pid in calls}, calls)
        finally:
            daemon.stop()

    def test_removed_user_and_changed_password_stop_working_within_lifetime(self):
        lifetime = 2
        daemon = Daemon(self.db, workers=1, auth={"cache_timeout": lifetime}).start()
        try:
            self.db.add_user("temp", "first")
            self.db.add_user("temp2", "first")
            p = daemon.proxy("temp", "first")
            p2 = daemon.proxy("temp2", "first")
            self.assertEqual(p.echo({"auth": AUTH, "message": 1}), 1)
            self.assertEqual(p2.echo({"auth": AUTH, "message": 1}), 1)
            self.db.admin("user", "remove", "temp")
            self.db.admin("user", "passwd", "temp2", "--password-stdin", stdin="second\n")
            for proxy in (p, p2):
                start = __import__("time").monotonic()

                def refused():
                    try:
                        proxy.echo({"auth": AUTH})
                        return False
                    except xmlrpc.client.Fault as f:
                        self.assertEqual(f.faultCode, 1510)
                        return True
                wait_for(refused, timeout=lifetime + 5, interval=0.05, what="login refused")
                self.assertLess(__import__("time").monotonic() - start, lifetime + 1)
            self.assertEqual(daemon.proxy("temp2", "second").echo({"auth": AUTH, "message": 2}), 2)
        finally:
            daemon.stop()


if __name__ == "__main__":
    harness.main()
