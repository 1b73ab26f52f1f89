# SPDX-License-Identifier: MIT
"""The jwt backend: bearer tokens on XML-RPC, JSON and /rest/v1, signed by
keys generated here and published as a JWKS by an HTTP server of the test
(tests/e2e/jwt_issuer.py): every algorithm, expiry and clock skew, wrong
signatures, unknown and rotated kids (with the refresh rate limit), alg
none and HMAC with the public key, missing group claims, the ro/rw
precedence, iss/aud, an https:// and a file:// JWKS, and a JWKS host that never answers."""
import os
import tempfile
import time
import xmlrpc.client

import harness
import jwt_issuer as ji
from auth_calls import (basic, bearer, json_call, rest_get, while_worker_busy, xmlrpc_call,
                        xmlrpc_fault)
from harness import PASSWORD, Daemon, Database
from ldap_server import Blackhole, make_ca

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")
DECODE = (1510, "Failed to decode JWT token")
EXPIRED = (1510, "Token expired")
SIGNATURE = (1510, "Invalid token signature")
ALGORITHM = (1510, "Unknown token signature algorithm")
NO_ACCESS = (1510, "Invalid bearer token.")
TIMEOUT = 1
MARGIN = 1.5


def jwt_backend(url, **keys):
    backend = {"type": "jwt", "jwk_url": url, "group_claim_name": "groups, roles",
               "rw_group": "ipam-rw", "ro_group": "ipam-ro", "clock_skew": 60,
               "jwks_refresh_interval": 0}
    backend.update(keys)
    return backend


class Jwt(harness.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = {alg: ji.Key(alg, f"key-{alg}") for alg in ALGORITHMS}
        cls.server = ji.JwksServer(cls.keys.values())
        cls.db = Database("jwt")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=1, auth={
            "cache_timeout": 0, "backends": {"jwt": jwt_backend(cls.server.url)}}).start()
        cls.port = cls.daemon.port
        cls.probes = 0

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()
        cls.server.close()

    def outcome(self, token, port=None):
        """'rw', 'ro' or the fault of a bearer token."""
        port = port or self.port
        auth = bearer(token)
        try:
            xmlrpc_call(port, auth)
        except xmlrpc.client.Fault as f:
            return f.faultCode, f.faultString
        Jwt.probes += 1
        try:
            xmlrpc_call(port, auth, "add_vrf",
                        {"attr": {"rt": f"65100:{Jwt.probes}", "name": f"jwt {Jwt.probes}"}})
            return "rw"
        except xmlrpc.client.Fault as f:
            self.assertEqual(f.faultCode, 1520, f.faultString)
            return "ro"

    def test_every_algorithm(self):
        for alg, key in self.keys.items():
            with self.subTest(alg=alg):
                self.assertEqual(self.outcome(ji.token(key, ji.claims())), "rw")

    def test_every_transport(self):
        good = bearer(ji.token(self.keys["ES256"], ji.claims()))
        self.assertEqual(json_call(self.port, good)[0], 200)
        self.assertEqual(rest_get(self.port, good)[0], 200)
        expired = bearer(ji.token(self.keys["ES256"], ji.claims(lifetime=-3600)))
        status, body = json_call(self.port, expired)
        self.assertEqual((status, body["error"]["code"], body["error"]["message"]),
                         (401, 1510, "Token expired"))
        status, body = rest_get(self.port, expired)
        self.assertEqual(status, 401, body)

    def test_expiry_and_clock_skew(self):
        key = self.keys["RS256"]
        self.assertEqual(self.outcome(ji.token(key, ji.claims(lifetime=-3600))), EXPIRED)
        # Expired 30 s ago, within the 60 s skew.
        self.assertEqual(self.outcome(ji.token(key, ji.claims(lifetime=-30))), "rw")
        now = int(time.time())
        self.assertEqual(self.outcome(ji.token(key, ji.claims(nbf=now + 3600))), DECODE)
        self.assertEqual(self.outcome(ji.token(key, ji.claims(nbf=now + 30))), "rw")
        self.assertEqual(self.outcome(ji.token(key, ji.claims(iat=now + 3600))), DECODE)
        self.assertEqual(self.outcome(ji.token(key, ji.claims(exp="tomorrow"))), DECODE)

    def test_wrong_signatures(self):
        a, b = self.keys["RS256"], self.keys["RS384"]
        # Signed by another key than the one its kid names.
        self.assertEqual(self.outcome(ji.token(b, ji.claims(), alg="RS256", kid=a.kid)),
                         SIGNATURE)
        good = ji.token(a, ji.claims())
        head, payload, sig = good.split(".")
        forged = ji.b64url(ji.json.dumps(ji.claims(sub="root")).encode())
        self.assertEqual(self.outcome(f"{head}.{forged}.{sig}"), SIGNATURE)
        # The algorithm must fit the key: an RSA token naming an EC key.
        self.assertEqual(self.outcome(ji.token(a, ji.claims(), kid="key-ES256")), SIGNATURE)

    def test_none_and_hmac_refused(self):
        self.assertEqual(self.outcome(ji.unsigned_token(ji.claims())), ALGORITHM)
        self.assertEqual(self.outcome(ji.hmac_with_public_key(self.keys["RS256"], ji.claims())),
                         ALGORITHM)

    def test_malformed(self):
        key = self.keys["ES256"]
        for token in ("", "abc", "a.b.c", "a.b", ji.token(key, ji.claims()) + ".x",
                      ji.token(key, {"groups": ["ipam-rw"]}),
                      ji.token(key, ji.claims(sub="nul\u0000byte")),
                      ji.token(key, ji.claims(), header={"crit": ["exp"]})):
            with self.subTest(token=token):
                self.assertEqual(self.outcome(token), DECODE)

    def test_groups_and_precedence(self):
        key = self.keys["EdDSA"]
        cases = [(["ipam-rw"], "rw"), (["ipam-ro"], "ro"), (["ipam-ro", "ipam-rw"], "ro"),
                 (["other"], NO_ACCESS), ([], NO_ACCESS), (None, NO_ACCESS)]
        for groups, expected in cases:
            with self.subTest(groups=groups):
                self.assertEqual(self.outcome(ji.token(key, ji.claims(groups=groups))), expected)
        # A string claim, and the second claim name.
        self.assertEqual(self.outcome(ji.token(key, ji.claims(groups=None, roles="ipam-ro"))),
                         "ro")
        self.assertEqual(self.outcome(ji.token(key, ji.claims(groups=[42], roles=["ipam-rw"]))),
                         "rw")
        # Claims of other types add nothing.
        for value in ({"ipam-rw": 1}, 1, True):
            c = ji.claims(groups=None)
            c["groups"] = value
            self.assertEqual(self.outcome(ji.token(key, c)), NO_ACCESS)

    def test_identity_and_no_impersonation(self):
        key = self.keys["ES384"]
        for extra, full_name in (({"name": "Alice Example"}, "Alice Example"), ({}, "carol")):
            token = ji.token(key, ji.claims(sub="carol", **extra))
            name = f"jwt identity {time.monotonic_ns()}"
            xmlrpc_call(self.port, bearer(token), "add_vrf",
                        {"attr": {"rt": f"65200:{len(full_name)}", "name": name}})
            self.assertEqual(self.db.sql(f"SELECT username || '|' || full_name FROM ip_net_log "
                                         f"WHERE vrf_name = '{name}'"), f"carol|{full_name}")
        # Tokens are never trusted: the auth options cannot speak for others.
        token = ji.token(key, ji.claims(sub="carol"))
        body = xmlrpc.client.dumps(({"auth": {"authoritative_source": "nipap",
                                              "username": "mallory", "readonly": False},
                                     "attr": {"rt": "65200:99", "name": "impersonation"}},),
                                   "add_vrf")
        status, _, _ = harness.post_xml(self.port, body, user=None,
                                        headers={"Authorization": bearer(token)})
        self.assertEqual(status, 200)
        self.assertEqual(self.db.sql("SELECT username FROM ip_net_log WHERE vrf_name = "
                                     "'impersonation'"), "carol")

    def test_unknown_kid_and_rotation(self):
        old = self.keys["RS512"]
        fetches = self.server.fetches
        self.assertEqual(self.outcome(ji.token(old, ji.claims(), kid="nope")), SIGNATURE)
        self.assertEqual(self.server.fetches, fetches + 1)
        new = ji.Key("RS512", "rotated")
        self.server.keys = [k for k in self.server.keys if k is not old] + [new]
        try:
            self.assertEqual(self.outcome(ji.token(new, ji.claims())), "rw")
            self.assertEqual(self.outcome(ji.token(old, ji.claims())), SIGNATURE)
        finally:
            self.server.keys = list(self.keys.values())

    def test_local_accounts_still_work(self):
        self.assertTrue(xmlrpc_call(self.port, basic("unittest", PASSWORD)))
        self.assertEqual(xmlrpc_fault(self.port, basic("unittest@jwt", PASSWORD)),
                         (1510, "Incorrect username or password."))


class JwtDeployments(harness.unittest.TestCase):
    """Other configurations: iss/aud, the refresh rate limit and the cache,
    an https:// and a file:// JWKS, and a JWKS host that never answers."""

    @classmethod
    def setUpClass(cls):
        cls.key = ji.Key("ES256", "only")
        cls.server = ji.JwksServer([cls.key])
        cls.db = Database("jwt_deploy")
        cls.db.add_standard_users()

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()
        cls.server.close()

    def daemon(self, **backend):
        d = Daemon(self.db, workers=1, auth={"backends": {"jwt": backend}}).start()
        self.addCleanup(d.stop)
        return d

    def test_issuer_audience_rate_limit_and_cache(self):
        d = self.daemon(**jwt_backend(self.server.url, issuer="https://sso.example",
                                      audience="prefixd", jwks_refresh_interval=3600))
        good = ji.claims(iss="https://sso.example", aud=["other", "prefixd"])
        self.assertTrue(xmlrpc_call(d.port, bearer(ji.token(self.key, good))))
        for bad in ({**good, "iss": "https://evil.example"}, {**good, "aud": "other"},
                    {k: v for k, v in good.items() if k != "aud"}):
            self.assertEqual(xmlrpc_fault(d.port, bearer(ji.token(self.key, bad))), DECODE)
        # Unknown kids fetch the keys at most once per refresh interval.
        fetches = self.server.fetches
        for _ in range(3):
            self.assertEqual(xmlrpc_fault(d.port, bearer(ji.token(self.key, good, kid="x"))),
                             SIGNATURE)
        self.assertEqual(self.server.fetches, fetches)
        # A verified token is remembered (until its exp) like a password.
        token = bearer(ji.token(self.key, ji.claims(iss="https://sso.example", aud="prefixd")))
        before = d.health()[1]
        self.assertTrue(xmlrpc_call(d.port, token))
        self.assertTrue(xmlrpc_call(d.port, token))
        after = d.health()[1]
        self.assertEqual((after["auth_cache_hits"] - before["auth_cache_hits"],
                          after["auth_cache_misses"] - before["auth_cache_misses"]), (1, 1))

    def test_file_url(self):
        path = os.path.join(tempfile.mkdtemp(prefix="prefixd-jwks."), "jwks.json")
        with open(path, "w") as f:
            f.write(self.server.jwks_text())
        d = self.daemon(**jwt_backend("file://" + path))
        self.assertTrue(xmlrpc_call(d.port, bearer(ji.token(self.key, ji.claims()))))

    def test_https_url(self):
        ca = tempfile.mkdtemp(prefix="prefixd-jwks-ca.")
        make_ca(ca)
        other_ca = tempfile.mkdtemp(prefix="prefixd-jwks-ca.")
        make_ca(other_ca)
        server = ji.JwksServer([self.key], tls_dir=ca)
        self.addCleanup(server.close)
        token = bearer(ji.token(self.key, ji.claims()))
        d = self.daemon(**jwt_backend(server.url, tls_ca_file=f"{ca}/ca.pem"))
        self.assertTrue(xmlrpc_call(d.port, token))
        # A server whose certificate the configured CAs did not sign is not asked.
        d = self.daemon(**jwt_backend(server.url, tls_ca_file=f"{other_ca}/ca.pem"))
        self.assertEqual(xmlrpc_fault(d.port, token), (1000, "Could not fetch the JWT signing keys"))

    def test_unanswering_jwks_host_costs_at_most_the_timeout(self):
        hole = Blackhole()
        self.addCleanup(hole.close)
        d = self.daemon(**jwt_backend(f"http://127.0.0.1:{hole.port}/jwks.json",
                                      timeout=TIMEOUT, connect_timeout=TIMEOUT,
                                      jwks_refresh_interval=60))
        token = bearer(ji.token(self.key, ji.claims()))
        fault, elapsed, other, other_elapsed = while_worker_busy(
            d.port, basic("unittest", PASSWORD), lambda: xmlrpc_fault(d.port, token))
        self.assertEqual(fault, (1000, "Could not fetch the JWT signing keys"))
        self.assertGreaterEqual(elapsed, TIMEOUT * 0.9)
        self.assertLess(elapsed, TIMEOUT + MARGIN)
        self.assertTrue(other)
        self.assertLess(other_elapsed, TIMEOUT + MARGIN)
        # Within the refresh interval the host is not asked again.
        start = time.monotonic()
        self.assertEqual(xmlrpc_fault(d.port, token)[0], 1000)
        self.assertLess(time.monotonic() - start, 0.5)


if __name__ == "__main__":
    harness.main()
