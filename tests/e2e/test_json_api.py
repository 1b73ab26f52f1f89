# SPDX-License-Identifier: MIT
"""prefixd's JSON API at /api/v1 (issue 6), driven with curl against the real
daemon: every method of the table as POST /api/v1/<method>, the resource
routes, the OpenAPI document, HTTP statuses and error bodies, limits, big
numbers as strings and timestamps with their UTC offset."""
import base64
import datetime
import json
import re
import subprocess
import types

import harness
from harness import AUTH, PASSWORD, Daemon, data_snapshot

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
# The limits this module's daemon runs with (small, so the tests stay quick).
MAX_BODY = 65536
MAX_NESTING = 64
NOT_JSON = object()  # what curl() returns as the parsed body when it is not JSON


def curl(port, method, path, body=None, user="unittest", password=PASSWORD, headers=()):
    """Runs curl; returns (status, headers with lower-case names, body text, JSON or NOT_JSON)."""
    args = ["curl", "-sS", "-i", "-X", method, f"http://127.0.0.1:{port}{path}"]
    if user is not None:
        args += ["-u", f"{user}:{password}"]
    for h in headers:
        args += ["-H", h]
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        args += ["--data-binary", "@-"]
        if not any(h.lower().startswith("content-type") for h in headers):
            args += ["-H", "Content-Type: application/json"]
    out = subprocess.run(args, input=data, capture_output=True, check=True, timeout=60).stdout
    text = out.decode("utf-8")
    # Skip interim answers (100 Continue); the last header block is the response's.
    while True:
        head, _, rest = text.partition("\r\n\r\n")
        if head.startswith("HTTP/1.1 100"):
            text = rest
            continue
        break
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        hdrs[name.strip().lower()] = value.strip()
    try:
        parsed = json.loads(rest)
    except ValueError:
        parsed = NOT_JSON
    return status, hdrs, rest, parsed


class JsonApi(harness.ApiTestCase):
    database = "json_api"
    workers = 2

    @classmethod
    def setUpClass(cls):
        cls.db = harness.Database(cls.database)
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=cls.workers,
                            limits={"max_body_bytes": MAX_BODY, "max_nesting": MAX_NESTING}).start()
        cls.p = cls.daemon.proxy()

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_pool; "
                    "DELETE FROM ip_net_vrf WHERE id > 0; DELETE FROM ip_net_asn")

    def call(self, method, path, body=None, **kw):
        return curl(self.daemon.port, method, path, body, **kw)

    def ok(self, method, path, body=None, status=200, **kw):
        """A successful call's parsed JSON answer."""
        got, headers, text, parsed = self.call(method, path, body, **kw)
        self.assertEqual(got, status, f"{method} {path}: {text}")
        self.assertTrue(headers["content-type"].startswith("application/json"))
        return parsed

    def error(self, method, path, body=None, **kw):
        """A refused call's (status, code, type, message); checks the body's shape."""
        status, headers, text, parsed = self.call(method, path, body, **kw)
        self.assertGreaterEqual(status, 400, text)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertIsNot(parsed, NOT_JSON, text)
        self.assertEqual(set(parsed), {"error"})
        e = parsed["error"]
        self.assertEqual(set(e), {"code", "type", "message"})
        return status, e["code"], e["type"], e["message"]

    # --- POST /api/v1/<method> ---------------------------------------------------------

    def test_every_method_of_the_table_is_served(self):
        names = [n for n in self.p.system.listMethods() if not n.startswith("system.")]
        self.assertIn("add_prefix", names)
        for name in names:
            status, _, text, parsed = self.call("POST", f"/api/v1/{name}", {}, user="readonly")
            self.assertNotIn(status, (404, 405), f"{name}: {text}")
            self.assertIsNot(parsed, NOT_JSON, f"{name}: {text}")
            if status != 200:
                self.assertEqual(set(parsed), {"error"}, name)

    def test_version_echo_and_optional_auth(self):
        self.assertEqual(self.ok("POST", "/api/v1/version"), self.p.version({"auth": AUTH}))
        self.assertEqual(self.ok("POST", "/api/v1/db_version", {}), 8)
        value = {"a": [1, 2.5, None, True, "å\u0001\n"], "b": {}}
        self.assertEqual(self.ok("POST", "/api/v1/echo", {"message": value}), value)
        self.assertEqual(self.ok("POST", "/api/v1/echo",
                                 {"auth": {"authoritative_source": "script"}, "message": 1}), 1)
        # Integers JSON cannot carry exactly come back as strings.
        self.assertEqual(self.ok("POST", "/api/v1/echo", '{"message": 9007199254740993}'),
                         "9007199254740993")
        self.assertEqual(self.ok("POST", "/api/v1/echo",
                                 '{"message": 123456789012345678901234567890}'),
                         "123456789012345678901234567890")
        self.assertEqual(self.ok("POST", "/api/v1/echo", '{"message": 9007199254740992}'),
                         9007199254740992)
        # No body, or curl's default form type, still means JSON.
        self.assertIsNone(self.ok("POST", "/api/v1/echo"))
        self.assertEqual(self.ok("POST", "/api/v1/echo", '{"message": "x"}',
                                 headers=["Content-Type: application/x-www-form-urlencoded"]), "x")
        self.assertEqual(self.ok("POST", "/api/v1/echo", '{"message": "y"}',
                                 headers=["Content-Type: application/json; charset=utf-8"]), "y")

    def test_authentication_and_authorisation(self):
        status, code, kind, _ = self.error("POST", "/api/v1/version", password="wrong")
        self.assertEqual((status, code, kind), (401, 1510, "AuthenticationFailed"))
        _, headers, _, _ = self.call("POST", "/api/v1/version", password="wrong")
        self.assertEqual(headers["www-authenticate"], 'Basic realm="prefixd"')
        self.assertEqual(self.error("POST", "/api/v1/version", user=None)[:3],
                         (401, 1500, "AuthError"))
        # A NUL in the login must not end the name early ("unittest\0junk"
        # is not unittest).
        token = base64.b64encode(f"unittest\0junk:{PASSWORD}".encode()).decode()
        self.assertEqual(self.error("POST", "/api/v1/version", user=None,
                                    headers=[f"Authorization: Basic {token}"])[:3],
                         (401, 1510, "AuthenticationFailed"))
        before = data_snapshot(self.db)
        for method, path, body in [("POST", "/api/v1/add_vrf",
                                    {"attr": {"rt": "1:1", "name": "r"}}),
                                   ("POST", "/api/v1/vrfs", {"rt": "1:1", "name": "r"}),
                                   ("PATCH", "/api/v1/vrfs/0", {"description": "x"}),
                                   ("DELETE", "/api/v1/asns/1", None)]:
            # A DELETE is one remove_* call: refused before it looks for anything
            # (even for ASN 1, which does not exist).
            status, code, kind, message = self.error(method, path, body, user="readonly")
            self.assertEqual((status, code, kind), (403, 1520, "AuthorizationFailed"), path)
            self.assertIn("read-only user 'readonly'", message)
        self.assertEqual(data_snapshot(self.db), before)
        # Read-only users read.
        self.assertEqual(self.ok("GET", "/api/v1/vrfs/0", user="readonly")["id"], 0)

    def test_nul_in_a_string_is_refused_and_changes_nothing(self):
        before = data_snapshot(self.db)
        status, code, _, message = self.error(
            "POST", "/api/v1/add_asn", '{"attr": {"asn": 64601, "name": "x\\u0000y"}}')
        self.assertEqual((status, code), (400, 1), message)
        self.assertIn("NUL", message)
        self.assertEqual(data_snapshot(self.db), before)

    def test_trusted_account_acts_for_someone(self):
        auth = {"authoritative_source": "portal", "username": "alice", "full_name": "Alice"}
        self.ok("POST", "/api/v1/add_asn", {"auth": auth, "attr": {"asn": 64600}}, user="trusted")
        last = self.db.sql("SELECT username || ' ' || authenticated_as || ' ' || "
                           "authoritative_source FROM ip_net_log ORDER BY id DESC LIMIT 1")
        self.assertEqual(last, "alice trusted portal")

    def test_method_route_errors(self):
        self.assertEqual(self.error("POST", "/api/v1/no_such_method", {})[:3], (404, 1, "Fault"))
        status, headers, _, parsed = self.call("GET", "/api/v1/version")
        self.assertEqual((status, headers["allow"]), (405, "POST"))
        self.assertEqual(parsed["error"]["code"], 1)
        # Malformed JSON names the position.
        status, code, _, message = self.error("POST", "/api/v1/echo", '{"message": tru}')
        self.assertEqual((status, code), (400, 1))
        self.assertIn("line 1, column 16 (byte 16)", message)
        status, _, _, message = self.error("POST", "/api/v1/echo", '{\n "a": 1,\n "b" 2}')
        self.assertEqual(status, 400)
        self.assertIn("line 3", message)
        # Nesting over the limit.
        deep = '{"message": ' + "[" * MAX_NESTING + "]" * MAX_NESTING + "}"
        status, _, _, message = self.error("POST", "/api/v1/echo", deep)
        self.assertEqual(status, 400)
        self.assertIn(f"limit of {MAX_NESTING} (limits.max_nesting)", message)
        ok = '{"message": ' + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "}"
        self.assertEqual(self.call("POST", "/api/v1/echo", ok)[0], 200)
        # Not an object; auth not an object; duplicate keys; unsupported media type.
        self.assertEqual(self.error("POST", "/api/v1/echo", "[1]")[:2], (400, 1100))
        self.assertEqual(self.error("POST", "/api/v1/echo", {"auth": "x"})[:2], (400, 1100))
        self.assertIn("appears twice",
                      self.error("POST", "/api/v1/echo", '{"message": 1, "message": 2}')[3])
        self.assertEqual(self.error("POST", "/api/v1/echo", "{}",
                                    headers=["Content-Type: text/xml"])[0], 415)
        # Bad fields get the method's own NIPAP errors.
        self.assertEqual(self.error("POST", "/api/v1/add_vrf",
                                    {"attr": {"rt": "1:1", "name": "x", "foo": 1}}),
                         (400, 1120, "NipapExtraneousInputError", "extraneous attribute foo"))
        self.assertEqual(self.error("POST", "/api/v1/add_vrf", {"attr": {"name": "x"}})[:3],
                         (400, 1110, "NipapMissingInputError"))
        self.ok("POST", "/api/v1/add_vrf", {"attr": {"rt": "1:1", "name": "x"}})
        status, code, kind, message = self.error("POST", "/api/v1/add_vrf",
                                                 {"attr": {"rt": "1:2", "name": "x"}})
        self.assertEqual((status, code, kind), (409, 1400, "NipapDuplicateError"))
        self.assertTrue(message.startswith("Duplicate value for"))
        self.assertEqual(self.error("POST", "/api/v1/remove_prefix", {"prefix": {"id": 99999}})[:2],
                         (404, 1300))

    def test_body_over_the_limit_is_413_and_changes_nothing(self):
        before = data_snapshot(self.db)
        body = '{"attr": {"rt": "1:1", "name": "big", "description": "' + "x" * MAX_BODY + '"}}'
        status, code, _, message = self.error("POST", "/api/v1/add_vrf", body)
        self.assertEqual((status, code), (413, 1))
        self.assertIn(f"{MAX_BODY} bytes (limits.max_body_bytes)", message)
        self.assertEqual(self.error("POST", "/api/v1/vrfs", body)[0], 413)
        self.assertEqual(data_snapshot(self.db), before)

    def test_unknown_routes(self):
        for method, path in [("GET", "/api/v1"), ("GET", "/api/v1/"), ("GET", "/api/v1/vrfs/1/x"),
                             ("GET", "/api/v1/vrfs//"), ("GET", "/api/v1/pools/1/free")]:
            self.assertEqual(self.error(method, path)[:2], (404, 1), path)
        for method, path, allow in [("PUT", "/api/v1/vrfs", "GET, POST"),
                                    ("POST", "/api/v1/asns/1", "GET, PATCH, DELETE"),
                                    ("POST", "/api/v1/prefixes/1/free", "GET"),
                                    ("POST", "/api/v1/openapi.json", "GET, HEAD")]:
            status, headers, _, parsed = self.call(method, path, "{}")
            self.assertEqual((status, headers.get("allow")), (405, allow), path)
            self.assertEqual(parsed["error"]["code"], 1)

    # --- resource routes ---------------------------------------------------------------

    def test_vrf_routes(self):
        v = self.ok("POST", "/api/v1/vrfs", {"rt": "65000:1", "name": "blue", "tags": ["t"]},
                    status=201)
        self.assertEqual((v["rt"], v["name"], v["tags"]), ("65000:1", "blue", ["t"]))
        self.assertIsInstance(v["num_prefixes_v4"], str)
        self.ok("POST", "/api/v1/vrfs", {"rt": "65000:2", "name": "green"}, status=201)
        self.assertEqual(self.ok("GET", f"/api/v1/vrfs/{v['id']}"), v)
        found = self.ok("GET", "/api/v1/vrfs?q=blue")
        self.assertEqual([x["name"] for x in found["result"]], ["blue"])
        self.assertFalse(found["error"])
        everything = self.ok("GET", "/api/v1/vrfs")["result"]
        self.assertEqual([x["name"] for x in everything], ["default", "blue", "green"])
        paged = self.ok("GET", "/api/v1/vrfs?limit=1&offset=1")
        self.assertEqual([x["name"] for x in paged["result"]], ["blue"])
        self.assertEqual((paged["search_options"]["max_result"], paged["search_options"]["offset"]),
                         (1, 1))
        edited = self.ok("PATCH", f"/api/v1/vrfs/{v['id']}", {"description": "sky"})
        self.assertEqual(edited["description"], "sky")
        self.assertEqual(self.ok("DELETE", f"/api/v1/vrfs/{v['id']}")["name"], "blue")
        for method, body in [("GET", None), ("PATCH", {"name": "z"}), ("DELETE", None)]:
            self.assertEqual(self.error(method, f"/api/v1/vrfs/{v['id']}", body),
                             (404, 1300, "NipapNonExistentError", f"no VRF with id {v['id']}"))
        # Input errors name what is wrong.
        self.assertEqual(self.error("GET", "/api/v1/vrfs/abc")[:2], (400, 1200))
        self.assertIn("'abc'", self.error("GET", "/api/v1/vrfs/abc")[3])
        for query, name in [("limit=x", "limit"), ("limit=0", "limit"), ("offset=-1", "offset"),
                            ("limit=99999999999999999999", "limit")]:
            status, code, _, message = self.error("GET", f"/api/v1/vrfs?{query}")
            self.assertEqual((status, code), (400, 1200), query)
            self.assertIn(f"'{name}'", message)
        status, code, _, message = self.error("GET", "/api/v1/vrfs?query=x")
        self.assertEqual((status, code), (400, 1120))
        self.assertIn("'query'", message)
        self.assertEqual(self.error("POST", "/api/v1/vrfs", {"rt": "65000:3"})[:2], (400, 1110))
        self.assertEqual(self.error("POST", "/api/v1/vrfs", {"rt": "65000:9", "name": "Green"})[:2],
                         (409, 1400))
        self.assertEqual(self.error("PATCH", "/api/v1/vrfs/0", {"rt": "1:1"})[:2], (400, 1200))

    def test_pool_routes(self):
        pool = self.ok("POST", "/api/v1/pools", {"name": "p1", "description": "d",
                                                 "default_type": "assignment",
                                                 "ipv4_default_prefix_length": 28}, status=201)
        self.assertEqual(self.ok("GET", f"/api/v1/pools/{pool['id']}")["name"], "p1")
        found = self.ok("GET", "/api/v1/pools?q=p1")["result"]
        self.assertEqual([p["name"] for p in found], ["p1"])
        self.assertEqual(self.ok("PATCH", f"/api/v1/pools/{pool['id']}",
                                 {"ipv4_default_prefix_length": 30})["ipv4_default_prefix_length"],
                         30)
        self.assertEqual(self.error("PATCH", f"/api/v1/pools/{pool['id']}",
                                    {"ipv4_default_prefix_length": 33})[:2], (400, 1200))
        self.assertEqual(self.ok("DELETE", f"/api/v1/pools/{pool['id']}")["id"], pool["id"])
        self.assertEqual(self.error("GET", f"/api/v1/pools/{pool['id']}")[:2], (404, 1300))

    def test_asn_routes(self):
        a = self.ok("POST", "/api/v1/asns", {"asn": 64512, "name": "private"}, status=201)
        self.assertEqual(a, {"asn": 64512, "name": "private"})
        self.assertEqual(self.ok("GET", "/api/v1/asns/64512"), a)
        self.assertEqual(self.ok("GET", "/api/v1/asns?q=private")["result"], [a])
        self.assertEqual(self.ok("PATCH", "/api/v1/asns/64512", {"name": "x"})["name"], "x")
        self.assertEqual(self.error("PATCH", "/api/v1/asns/64512", {"asn": 1})[:2], (400, 1120))
        self.assertEqual(self.ok("DELETE", "/api/v1/asns/64512")["name"], "x")
        self.assertEqual(self.error("GET", "/api/v1/asns/64512")[3], "no ASN with asn 64512")
        self.assertEqual(self.error("POST", "/api/v1/asns", {"asn": "x"})[:2], (400, 1200))

    def test_prefix_routes_and_free_space(self):
        parent = self.ok("POST", "/api/v1/prefixes", {"prefix": "10.0.0.0/8", "type": "reservation",
                                                      "description": "ten"}, status=201)
        child = self.ok("POST", "/api/v1/prefixes", {"prefix": "10.0.0.0/24", "type": "assignment",
                                                     "description": "first"}, status=201)
        self.ok("POST", "/api/v1/prefixes", {"prefix": "192.168.0.0/16", "type": "reservation",
                                             "description": "other"}, status=201)
        found = self.ok("GET", "/api/v1/prefixes?q=10.0.0.0/8")["result"]
        self.assertEqual([p["prefix"] for p in found], ["10.0.0.0/8", "10.0.0.0/24"])
        self.assertEqual(self.ok("GET", f"/api/v1/prefixes/{child['id']}")["description"], "first")
        free = self.ok("GET", f"/api/v1/prefixes/{parent['id']}/free?prefix_length=24&count=3")
        self.assertEqual(free, ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"])
        self.assertEqual(self.ok("GET", f"/api/v1/prefixes/{parent['id']}/free?prefix_length=9"),
                         ["10.128.0.0/9"])
        status, code, _, message = self.error("GET", f"/api/v1/prefixes/{parent['id']}/free")
        self.assertEqual((status, code), (400, 1110))
        self.assertIn("'prefix_length'", message)
        self.assertIn("'count'", self.error(
            "GET", f"/api/v1/prefixes/{parent['id']}/free?prefix_length=24&count=x")[3])
        self.assertEqual(self.error("GET", "/api/v1/prefixes/999999/free?prefix_length=24")[:2],
                         (404, 1300))
        self.assertEqual(self.error("GET", f"/api/v1/prefixes/{parent['id']}/free?prefix_length=33")
                         [:2], (400, 1200))
        edited = self.ok("PATCH", f"/api/v1/prefixes/{child['id']}", {"description": "renamed"})
        self.assertEqual(edited["description"], "renamed")
        self.assertIn("children", edited)  # edit_prefix's search shape
        self.assertEqual(self.error("PATCH", f"/api/v1/prefixes/{child['id']}", {"indent": 1}),
                         (400, 1120, "NipapExtraneousInputError", "extraneous attribute indent"))
        self.assertEqual(self.error("POST", "/api/v1/prefixes",
                                    {"prefix": "10.0.0.0/24", "type": "assignment",
                                     "description": "again"})[:2], (409, 1400))
        self.assertEqual(self.error("POST", "/api/v1/prefixes",
                                    {"prefix": "10.0.0.1/8", "type": "reservation",
                                     "description": "x"})[:2], (400, 1200))
        # Removing a parent takes its children only with ?recursive.
        self.ok("POST", "/api/v1/prefixes", {"prefix": "10.0.0.5/32", "type": "host",
                                             "description": "h"}, status=201)
        self.assertEqual(self.error("DELETE", f"/api/v1/prefixes/{child['id']}")[:2], (400, 1200))
        self.assertEqual(self.ok("DELETE", f"/api/v1/prefixes/{child['id']}?recursive=true")["id"],
                         child["id"])
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_plan WHERE prefix <<= "
                                     "'10.0.0.0/24'"), "0")
        self.assertEqual(self.error("DELETE", f"/api/v1/prefixes/{child['id']}")[:2], (404, 1300))

    # --- wire forms ----------------------------------------------------------------------

    def test_big_numbers_are_strings(self):
        p = self.ok("POST", "/api/v1/prefixes", {"prefix": "2001:db8::/32", "type": "reservation",
                                                 "description": "v6"}, status=201)
        self.assertEqual(p["total_addresses"], str(2 ** 96))
        self.assertEqual(p["free_addresses"], str(2 ** 96))
        vrf = self.ok("GET", "/api/v1/vrfs/0")
        self.assertEqual(vrf["total_addresses_v6"], str(2 ** 96))
        self.assertEqual(vrf["num_prefixes_v6"], "1")

    def test_timestamps_carry_the_offset_and_expires_null(self):
        p = self.ok("POST", "/api/v1/prefixes", {"prefix": "10.9.0.0/16", "type": "reservation",
                                                 "description": "t"}, status=201)
        self.assertIsNone(p["expires"])
        for key in ("added", "last_modified"):
            self.assertRegex(p[key], ISO_WITH_OFFSET)
        self.assert_same_instant(p["added"], self.db, p["id"])
        e = self.ok("PATCH", f"/api/v1/prefixes/{p['id']}", {"expires": "2031-02-03 04:05:06"})
        self.assertRegex(e["expires"], ISO_WITH_OFFSET)
        self.assertTrue(e["expires"].startswith("2031-02-03T04:05:06"))

    def test_timestamps_in_another_time_zone(self):
        # The daemon and its database sessions in India (+05:30, no DST).
        db = types.SimpleNamespace(env=dict(self.db.env, TZ="Asia/Kolkata", PGTZ="Asia/Kolkata"))
        daemon = Daemon(db, workers=1).start()
        try:
            status, _, text, p = curl(daemon.port, "POST", "/api/v1/prefixes",
                                      {"prefix": "10.8.0.0/16", "type": "reservation",
                                       "description": "india"})
            self.assertEqual(status, 201, text)
            self.assertTrue(p["added"].endswith("+05:30"), p["added"])
            self.assert_same_instant(p["added"], self.db, p["id"])
        finally:
            daemon.stop()

    def test_database_unreachable_is_503(self):
        # prefixd starts without its database and answers until it is back.
        db = types.SimpleNamespace(env=dict(self.db.env, PGHOST="/nonexistent", PGPORT="1"))
        daemon = Daemon(db, workers=1).start()
        try:
            status, _, text, parsed = curl(daemon.port, "POST", "/api/v1/version", {})
            self.assertEqual(status, 503, text)
            self.assertEqual((parsed["error"]["code"], parsed["error"]["type"]),
                             (1000, "NipapError"))
        finally:
            daemon.stop()

    def assert_same_instant(self, iso, db, prefix_id):
        epoch = float(db.sql(f"SELECT extract(epoch FROM date_trunc('second', added)) "
                             f"FROM ip_net_plan WHERE id = {prefix_id}"))
        self.assertEqual(datetime.datetime.fromisoformat(iso).timestamp(), epoch)

    def test_pretty(self):
        status, _, compact, parsed = self.call("GET", "/api/v1/vrfs/0")
        status_p, _, pretty, parsed_p = self.call("GET", "/api/v1/vrfs/0?pretty")
        self.assertEqual((status, status_p), (200, 200))
        self.assertEqual(parsed, parsed_p)
        self.assertNotIn("\n", compact)
        self.assertTrue(pretty.startswith('{\n  "'), pretty[:40])
        self.assertIn('\n  "id": 0,\n', pretty)
        self.assertIn('\n  "avps": {},\n', pretty)
        self.assertTrue(pretty.endswith("}\n"))
        # Errors too.
        _, _, text, _ = self.call("GET", "/api/v1/vrfs/99?pretty")
        self.assertTrue(text.startswith('{\n  "error": {\n    "code": 1300'), text)

    # --- OpenAPI -------------------------------------------------------------------------

    def test_openapi_document_lists_every_method_and_route(self):
        doc = self.ok("GET", "/api/v1/openapi.json", user=None)  # public
        self.assertEqual(doc["openapi"][:2], "3.")
        paths = doc["paths"]
        for name in self.p.system.listMethods():
            if name.startswith("system."):
                continue
            self.assertIn("post", paths.get(f"/api/v1/{name}", {}), name)
            self.assertEqual(paths[f"/api/v1/{name}"]["post"]["summary"],
                             self.p.system.methodHelp(name))
        for collection, key in [("vrfs", "id"), ("pools", "id"), ("prefixes", "id"),
                                ("asns", "asn")]:
            self.assertEqual(set(paths[f"/api/v1/{collection}"]), {"get", "post"})
            self.assertEqual(set(paths[f"/api/v1/{collection}/{{{key}}}"]),
                             {"get", "patch", "delete"})
        self.assertIn("get", paths["/api/v1/prefixes/{id}/free"])
        self.assertIn("get", paths["/api/v1/openapi.json"])
        self.assertEqual(doc["components"]["securitySchemes"]["basic"],
                         {"type": "http", "scheme": "basic"})
        # Object schemas follow what the API really sends.
        vrf = self.ok("GET", "/api/v1/vrfs/0")
        self.assertEqual(set(doc["components"]["schemas"]["Vrf"]["properties"]), set(vrf))
        p = self.ok("POST", "/api/v1/prefixes", {"prefix": "10.7.0.0/16", "type": "reservation",
                                                 "description": "s"}, status=201)
        schema = doc["components"]["schemas"]["Prefix"]["properties"]
        self.assertEqual(set(schema), set(p))
        self.assertEqual(schema["added"]["format"], "date-time")
        self.assertEqual(schema["total_addresses"]["type"], "string")
        try:
            from openapi_spec_validator import validate
        except ImportError:
            print("openapi_spec_validator not installed: structural checks only")
        else:
            validate(doc)


if __name__ == "__main__":
    harness.main()
