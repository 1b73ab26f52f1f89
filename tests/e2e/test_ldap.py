# SPDX-License-Identifier: MIT
"""The ldap backend against a real slapd (tests/e2e/ldap_server.py): every
row of spec/auth-config.md §4.2's policy table, cn as full name, a user
without cn, a login name with filter specials (filter escaping, not DN
escaping), the search account, STARTTLS and ldaps:// with a throw-away CA,
empty passwords, the cache, the server stopped and hung mid-run (a clear
fault within the timeout, no hung worker, recovery), and listeners that
accept and never answer (plain, STARTTLS, ldaps://)."""
import time

import harness
import ldap_server as ls
from auth_calls import basic, json_call, rest_get, while_worker_busy, xmlrpc_call, xmlrpc_fault
from harness import PASSWORD, Daemon, Database

REFUSED = (1510, "Incorrect username or password.")
UNREACHABLE = (1000, "Could not connect to LDAP server")
TIMEOUT = 1  # seconds, auth.backends.*.timeout of the unreachable backends
MARGIN = 1.5  # generous: the machine may be busy


def ldap(slapd, **keys):
    backend = {"type": "ldap", "uri": slapd.uri, "basedn": ls.BASE,
               "binddn_fmt": "uid={},ou=People," + ls.BASE, "search": "uid={}",
               "timeout": 5, "connect_timeout": 2}
    backend.update(keys)
    return backend


class Ldap(harness.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.slapd = ls.Slapd()
        cls.hole = ls.Blackhole()
        cls.db = Database("ldap")
        cls.db.add_standard_users()
        s = cls.slapd
        hole = f"ldap://127.0.0.1:{cls.hole.port}"
        unreachable = {"timeout": TIMEOUT, "connect_timeout": TIMEOUT}
        cls.backends = {
            "both": ldap(s, rw_group=ls.RW_GROUP, ro_group=ls.RO_GROUP),
            "rwonly": ldap(s, rw_group=ls.RW_GROUP),
            "roonly": ldap(s, ro_group=ls.RO_GROUP),
            "nogroups": ldap(s),
            "missing": ldap(s, search="(&(uid={})(description=nobody))", rw_group=ls.RW_GROUP),
            "missing_open": ldap(s, search="(&(uid={})(description=nobody))"),
            "restricted": ldap(s, binddn_fmt="uid={},ou=Restricted," + ls.BASE,
                               rw_group=ls.RW_GROUP, ro_group=ls.RO_GROUP),
            "searcher": ldap(s, binddn_fmt="uid={},ou=Restricted," + ls.BASE,
                             rw_group=ls.RW_GROUP, ro_group=ls.RO_GROUP,
                             search_binddn=ls.SEARCHER, search_password=ls.SEARCHER_PASSWORD),
            "starttls": ldap(s, tls=True, tls_ca_file=s.ca_file, rw_group=ls.RW_GROUP),
            "ldaps": ldap(s, uri=s.ldaps_uri, tls_ca_file=s.ca_file, rw_group=ls.RW_GROUP),
            "untrusted": ldap(s, tls=True, tls_ca_file=cls.db_dir_file("other-ca.pem")),
            "down": ldap(s, uri=f"ldap://127.0.0.1:{ls.free_port()}", **unreachable),
            "hole": ldap(s, uri=hole, **unreachable),
            "hole_starttls": ldap(s, uri=hole, tls=True, tls_ca_file=s.ca_file, **unreachable),
            "hole_ldaps": ldap(s, uri=hole.replace("ldap:", "ldaps:"), tls_ca_file=s.ca_file,
                               **unreachable),
        }
        cls.daemon = Daemon(cls.db, workers=1, auth={
            "cache_timeout": 0, "default_backend": "both", "backends": cls.backends}).start()
        cls.port = cls.daemon.port

    @staticmethod
    def db_dir_file(name):
        # A CA that did not sign the server's certificate.
        import tempfile
        d = tempfile.mkdtemp(prefix="prefixd-otherca.")
        ls.make_ca(d)
        return f"{d}/ca.pem"

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()
        cls.slapd.remove()
        cls.hole.close()

    def login(self, backend, login, password=None):
        """'rw', 'ro', or the fault, for login@backend."""
        password = password if password is not None else ls.USERS[login][0]
        auth = basic(f"{login}@{backend}", password)
        try:
            xmlrpc_call(self.port, auth, "version")
        except harness.xmlrpc.client.Fault as f:
            return (f.faultCode, f.faultString)
        return "ro" if self._readonly_probe(auth) else "rw"

    def _readonly_probe(self, auth):
        """True when the session is read-only: add_vrf is refused with 1520."""
        Ldap.probes = getattr(Ldap, "probes", 0) + 1
        try:
            xmlrpc_call(self.port, auth, "add_vrf",
                        {"attr": {"rt": f"65000:{Ldap.probes}", "name": f"probe {Ldap.probes}"}})
            return False
        except harness.xmlrpc.client.Fault as f:
            if f.faultCode != 1520:
                raise
            return True

    def test_policy_table(self):
        # spec/auth-config.md §4.2, row by row.
        expected = {
            "nogroups": {"rwuser": "rw", "rouser": "rw", "neither": "rw"},
            "rwonly": {"rwuser": "rw", "rouser": "ro", "neither": "ro", "both": "rw"},
            "both": {"rwuser": "rw", "rouser": "ro", "both": "rw", "neither": REFUSED},
            "roonly": {"rwuser": "rw", "rouser": "ro", "both": "ro", "neither": "rw"},
            "missing": {"rwuser": REFUSED},
            "missing_open": {"rwuser": "rw"},
        }
        for backend, users in expected.items():
            for user, outcome in users.items():
                with self.subTest(backend=backend, user=user):
                    self.assertEqual(self.login(backend, user), outcome)

    def test_default_backend_and_local(self):
        self.assertEqual(xmlrpc_fault(self.port, basic("rwuser", "wrong")), REFUSED)
        self.assertTrue(xmlrpc_call(self.port, basic("rwuser", "rw-pass")))
        self.assertTrue(xmlrpc_call(self.port, basic("unittest@local", PASSWORD)))
        self.assertEqual(xmlrpc_fault(self.port, basic("unittest", PASSWORD)), REFUSED)
        self.assertEqual(xmlrpc_fault(self.port, basic("rwuser@nosuch", "rw-pass")),
                         (1510, "Invalid auth backend 'nosuch' specified"))

    def test_every_transport(self):
        auth = basic("rwuser@both", "rw-pass")
        self.assertEqual(json_call(self.port, auth)[0], 200)
        self.assertEqual(rest_get(self.port, auth)[0], 200)
        status, body = json_call(self.port, basic("rwuser@both", "wrong"))
        self.assertEqual((status, body["error"]["code"]), (401, 1510))
        status, body = rest_get(self.port, basic("rwuser@down", "rw-pass"))
        self.assertEqual(status, 500, body)

    def test_full_name_from_cn_and_missing_cn(self):
        name = f"ldap vrf {time.monotonic_ns()}"
        xmlrpc_call(self.port, basic("rwuser@both", "rw-pass"), "add_vrf",
                    {"attr": {"rt": "65001:1", "name": name}})
        self.assertEqual(self.db.sql(f"SELECT username || '|' || full_name FROM ip_net_log "
                                     f"WHERE vrf_name = '{name}'"), "rwuser|RW User")
        self.assertEqual(self.login("both", "nocn"), (1000, "LDAP attribute missing"))

    def test_filter_specials_in_login_name(self):
        # Found by its search (the groups are set), so the filter was escaped.
        self.assertEqual(self.login("both", ls.WEIRD), "rw")
        for login in ("*", "rwuser)(uid=*", "rw*", "*)(|(uid=*"):
            with self.subTest(login=login):
                self.assertEqual(self.login("both", login, "rw-pass"), REFUSED)

    def test_empty_password_refused_before_binding(self):
        self.assertEqual(self.login("nogroups", "rwuser", ""), REFUSED)
        self.assertEqual(self.login("nogroups", "", "rw-pass"), REFUSED)

    def test_search_account(self):
        # hidden may bind but not read its own entry: without the search
        # account it is not found, so the groups refuse it.
        self.assertEqual(self.login("restricted", "hidden"), REFUSED)
        self.assertEqual(self.login("searcher", "hidden"), "rw")

    def test_tls(self):
        self.assertEqual(self.login("starttls", "rwuser"), "rw")
        self.assertEqual(self.login("ldaps", "rwuser"), "rw")
        self.assertEqual(self.login("starttls", "rwuser", "wrong"), REFUSED)
        self.assertEqual(self.login("untrusted", "rwuser"),
                         (1000, "Unable to establish secure connection to ldap server"))

    def timed_login(self, backend):
        start = time.monotonic()
        outcome = self.login(backend, "rwuser")
        return outcome, time.monotonic() - start

    def test_unanswered_connections_cost_at_most_the_timeout(self):
        for backend in ("hole", "hole_starttls", "hole_ldaps"):
            with self.subTest(backend=backend):
                # Meanwhile another client's call waits at most that long
                # for the single worker.
                outcome, elapsed, other, other_elapsed = while_worker_busy(
                    self.port, basic("unittest@local", PASSWORD),
                    lambda: self.login(backend, "rwuser"))
                self.assertEqual(outcome, UNREACHABLE)
                self.assertGreaterEqual(elapsed, TIMEOUT * 0.9)
                self.assertLess(elapsed, TIMEOUT + MARGIN)
                self.assertTrue(other)
                self.assertLess(other_elapsed, TIMEOUT + MARGIN)
        outcome, elapsed = self.timed_login("down")
        self.assertEqual(outcome, UNREACHABLE)
        self.assertLess(elapsed, TIMEOUT + MARGIN)

    def test_zz_server_stopped_and_hung_mid_run(self):
        daemon = Daemon(self.db, workers=1, auth={
            "cache_timeout": 3600, "backends": {
                "hung": ldap(self.slapd, rw_group=ls.RW_GROUP, timeout=TIMEOUT,
                             connect_timeout=TIMEOUT),
                "nocache": ldap(self.slapd, rw_group=ls.RW_GROUP)}}).start()
        try:
            port = daemon.port
            cached = basic("rwuser@hung", "rw-pass")
            self.assertTrue(xmlrpc_call(port, cached))
            self.assertTrue(xmlrpc_call(port, cached))
            _, health = daemon.health()
            self.assertEqual((health["auth_cache_hits"], health["auth_cache_misses"]), (1, 1))
            self.slapd.stop()
            start = time.monotonic()
            self.assertEqual(xmlrpc_fault(port, basic("rouser@hung", "ro-pass")), UNREACHABLE)
            self.assertLess(time.monotonic() - start, TIMEOUT + MARGIN)
            # A login the worker remembers does not need the server.
            self.assertTrue(xmlrpc_call(port, cached))
            self.slapd.start()
            self.assertTrue(xmlrpc_call(port, basic("rouser@hung", "ro-pass")))
            self.slapd.pause()
            try:
                start = time.monotonic()
                self.assertEqual(xmlrpc_fault(port, basic("both@hung", "both-pass")), UNREACHABLE)
                elapsed = time.monotonic() - start
                self.assertGreaterEqual(elapsed, TIMEOUT * 0.9)
                self.assertLess(elapsed, TIMEOUT + MARGIN)
            finally:
                self.slapd.resume()
            self.assertTrue(xmlrpc_call(port, basic("both@hung", "both-pass")))
            _, health = daemon.health()
            self.assertEqual(health["auth_backend_failures"], 2)
        finally:
            daemon.stop()


if __name__ == "__main__":
    harness.main()
