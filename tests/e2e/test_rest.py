# SPDX-License-Identifier: MIT
"""NIPAP's REST API /rest/v1/prefixes (spec/rest.md) with curl against the
real daemon: every verb with its successes and errors (NIPAP's 500s for input
errors, spec/README.md decision 3), the NIPAP-* headers, Basic
authentication and the read-only refusal."""
import datetime
import json
import os
import re
import subprocess
import tempfile

import harness
from harness import AUTH, PASSWORD, Daemon, Database, data_snapshot

SOURCE = "NIPAP-Authoritative-Source: nipap"
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?[+-]\d{2}:\d{2}$")
LIST_KEYS = {"id", "vrf_id", "vrf_rt", "vrf_name", "family", "prefix", "display_prefix",
             "description", "comment", "node", "pool_name", "country", "order_id",
             "customer_id", "external_key", "alarm_priority", "pool_id", "type", "indent",
             "authoritative_source", "monitor", "vlan", "tags", "inherited_tags", "avps", "added",
             "last_modified", "expires", "total_addresses", "used_addresses", "free_addresses",
             "status"}
SEARCH_KEYS = LIST_KEYS | {"prefix_length", "children", "match", "display"}
ALLOW = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}
UNAUTHORIZED = {"message": "Unauthorized"}
BAD_REQUEST = {"message": "The browser (or proxy) sent a request that this server could not "
                          "understand."}


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        json_type = headers.get("content-type") == "application/json"
        self.json = json.loads(body) if body and json_type else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def curl(port, method, target, user="unittest", password=PASSWORD, headers=(SOURCE,), body=None,
         content_type="application/json"):
    """One request with curl; `target` is the path with its query string."""
    with tempfile.TemporaryDirectory() as tmp:
        head, out = os.path.join(tmp, "head"), os.path.join(tmp, "body")
        cmd = ["curl", "-sS", "--max-time", "60", "-D", head, "-o", out, "-H", "Expect:"]
        cmd += ["--head"] if method == "HEAD" else ["-X", method]
        if user is not None:
            cmd += ["-u", f"{user}:{password}"]
        for h in headers:
            cmd += ["-H", h]
        if body is not None:
            if content_type is not None:
                cmd += ["-H", f"Content-Type: {content_type}"]
            cmd += ["--data-binary", "@-"]
        cmd.append(f"http://127.0.0.1:{port}{target}")
        data = body.encode() if isinstance(body, str) else body
        subprocess.run(cmd, input=data or b"", check=True, capture_output=True)
        with open(head, encoding="latin-1", newline="") as f:
            lines = f.read().split("\r\n")
        with open(out, "rb") as f:
            # With --head, curl writes the header block there instead of a body.
            text = "" if method == "HEAD" else f.read().decode()
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
    return Reply(status, fields, text)


def instant(text):
    return datetime.datetime.fromisoformat(text)


def nipap_error(code, message):
    return {"error": {"code": code, "message": message}}


class Rest(harness.ApiTestCase):
    database = "rest"
    workers = 2

    @classmethod
    def setUpClass(cls):
        cls.db = Database(cls.database)
        cls.db.add_standard_users()
        # A small body limit, so that the 413 answer is cheap to provoke.
        cls.daemon = Daemon(cls.db, workers=cls.workers, limits={"max_body_bytes": 4096}).start()
        cls.p = cls.daemon.proxy()

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan WHERE type = 'host'; DELETE FROM ip_net_plan; "
                    "DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0; "
                    "DELETE FROM ip_net_log")

    def rest(self, method, target="", **kwargs):
        return curl(self.daemon.port, method, "/rest/v1/prefixes" + target, **kwargs)

    def add(self, prefix, type_="reservation", **attr):
        return self.p.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_,
                                                        "description": prefix, **attr}})

    def assertRestError(self, reply, status, body):
        self.assertEqual((reply.status, reply.json), (status, body), reply)
        self.assertEqual(reply.headers.get("content-type"), "application/json")

    def assertRefusedUnchanged(self, cases):
        """Each case (method, target, keyword arguments of rest(), status,
        JSON body) is answered with that status and body, and the database
        stays as it was."""
        before = data_snapshot(self.db)
        for method, target, kwargs, status, body in cases:
            with self.subTest(method=method, target=target, body=kwargs.get("body")):
                self.assertRestError(self.rest(method, target, **kwargs), status, body)
        self.assertEqual(data_snapshot(self.db), before)

    # --- GET -----------------------------------------------------------------

    def test_get_filters(self):
        a = self.add("10.0.0.0/8", order_id="Ord-1", description="abc", tags=["t"])
        self.add("10.1.0.0/16", "assignment", order_id="ord-1", description="a.c x", vlan=7)
        self.add("2001:db8::/32", order_id="other")

        r = self.rest("GET", "?order_id=ORD-1")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertTrue(r.body.endswith("\n"))
        self.assertEqual([p["prefix"] for p in r.json], ["10.0.0.0/8", "10.1.0.0/16"])
        row = r.json[0]
        self.assertEqual(set(row), SEARCH_KEYS)
        self.assertEqual(row["id"], a["id"])
        self.assertEqual((row["total_addresses"], row["vrf_id"], row["expires"], row["match"]),
                         ("16777216", 0, None, True))
        self.assertRegex(row["added"], ISO_TIME)
        self.assertEqual(row["tags"], ["t"])

        def prefixes(query):
            reply = self.rest("GET", query)
            self.assertEqual(reply.status, 200, reply)
            return [p["prefix"] for p in reply.json]

        # Text filters are whole-string, case-insensitive regular expressions.
        self.assertEqual(prefixes("?description=a.c"), ["10.0.0.0/8"])
        self.assertEqual(prefixes("?description=a"), [])
        self.assertEqual(prefixes("?description=a.c+x"), ["10.1.0.0/16"])  # '+' is a space
        # Others are exact: a prefix filter is equality, not containment.
        self.assertEqual(prefixes("?prefix=10.0.0.0%2F8"), ["10.0.0.0/8"])
        self.assertEqual(prefixes("?vlan=7"), ["10.1.0.0/16"])
        self.assertEqual(prefixes("?family=6"), ["2001:db8::/32"])
        self.assertEqual(prefixes(f"?id={a['id']}"), ["10.0.0.0/8"])
        self.assertEqual(prefixes("?order_id=ord-1&type=assignment"), ["10.1.0.0/16"])
        self.assertEqual(prefixes("?order_id=ord-1&type=assignment&vlan=8"), [])
        # A repeated parameter: the first value counts.
        self.assertEqual(prefixes("?order_id=other&order_id=ord-1"), ["2001:db8::/32"])
        # HEAD runs the search: the length of GET's body, without the body.
        head = self.rest("HEAD", "?order_id=other")
        get = self.rest("GET", "?order_id=other")
        self.assertEqual((head.status, head.headers["content-type"]), (200, "application/json"))
        self.assertEqual(int(head.headers["content-length"]), len(get.body.encode()))

    def test_get_options(self):
        self.add("10.0.0.0/8")
        for i in range(55):
            self.add(f"10.{i}.0.0/16", "assignment", order_id="page")

        def count(query):
            reply = self.rest("GET", query)
            self.assertEqual(reply.status, 200, reply)
            return len(reply.json)

        self.assertEqual(count("?order_id=page"), 50)  # the default limit
        self.assertEqual(count("?order_id=page&max_result=60"), 55)
        r = self.rest("GET", "?order_id=page&max_result=60&offset=50")
        self.assertEqual([p["prefix"] for p in r.json][:2], ["10.50.0.0/16", "10.51.0.0/16"])
        self.assertEqual(count("?order_id=page&max_result=0"), 0)
        # Options alone search everything (NIPAP crashes: rest.md §9 bug 3).
        self.assertEqual(count("?max_result=3"), 3)
        self.assertEqual(count("?max_result=100&offset=50"), 6)
        # Depths and, unlike NIPAP's REST, the flags given as true/false/1/0.
        r = self.rest("GET", "?prefix=10.3.0.0%2F16&parents_depth=-1")
        self.assertEqual([(p["prefix"], p["match"]) for p in r.json],
                         [("10.0.0.0/8", False), ("10.3.0.0/16", True)])
        for flag in ("true", "1", "True"):
            r = self.rest("GET", f"?prefix=10.3.0.0%2F16&include_all_parents={flag}")
            self.assertEqual([p["prefix"] for p in r.json], ["10.0.0.0/8", "10.3.0.0/16"], flag)
        for flag in ("false", "0"):
            r = self.rest("GET", f"?prefix=10.3.0.0%2F16&include_all_parents={flag}")
            self.assertEqual([p["prefix"] for p in r.json], ["10.3.0.0/16"], flag)
        self.assertEqual(count("?prefix=10.0.0.0%2F8&children_depth=1&max_result=99"), 56)
        self.assertRestError(
            self.rest("GET", "?prefix=10.3.0.0%2F16&include_neighbors=yes"), 500,
            nipap_error(1200, "Invalid value for option 'include_neighbors'. Only true and false "
                              "valid. Supplied value: 'yes'"))
        self.assertRestError(
            self.rest("GET", "?order_id=page&max_result=x"), 500,
            nipap_error(1200, "Invalid value for option 'max_result'. Only integer values "
                              "allowed."))

    def test_get_errors(self):
        self.add("10.0.0.0/8")
        self.assertRestError(self.rest("GET"), 500, nipap_error(1110, "'val1' must be specified"))
        self.assertRestError(self.rest("GET", "?prefixeere=x"), 500,
                             nipap_error(1100, "Search variable 'prefixeere' unknown"))
        self.assertRestError(self.rest("GET", "?parent_prefix=1"), 500,
                             nipap_error(1100, "Search variable 'parent_prefix' unknown"))
        self.assertRestError(self.rest("GET", "?prefix=foo"), 500,
                             nipap_error(1200, "Invalid syntax for prefix (foo)"))
        self.assertRestError(self.rest("GET", "?id=x"), 500,
                             nipap_error(1200, "Invalid syntax for integer (x)"))
        # A NUL byte would be cut off on the way to PostgreSQL: refused, named.
        self.assertRestError(
            self.rest("GET", "?description=a%00b"), 500,
            nipap_error(1200, "Invalid query parameter 'description': NUL characters are not "
                              "allowed"))
        # Not valid UTF-8: PostgreSQL's refusal, as a NIPAP value error.
        r = self.rest("GET", "?description=%ff")
        self.assertEqual((r.status, r.json["error"]["code"]), (500, 1200), r)
        # A GET body is ignored, whatever it is.
        r = self.rest("GET", "?prefix=10.0.0.0%2F8", body="{not json", content_type="text/plain")
        self.assertEqual((r.status, len(r.json)), (200, 1), r)

    # --- POST ----------------------------------------------------------------

    def test_post_explicit(self):
        body = json.dumps({"prefix": "10.70.0.0/16", "type": "reservation", "description": "ex",
                           "order_id": "o", "tags": ["a", "b"], "avps": {"k": "v"}, "vlan": 5,
                           "monitor": True, "expires": "2041-02-03T04:05:06+01:00",
                           "authoritative_source": "ignored"})
        r = self.rest("POST", body=body)
        self.assertEqual(r.status, 200, r)  # 200, not 201, as NIPAP
        self.assertEqual(set(r.json), LIST_KEYS)
        p = r.json
        self.assertEqual((p["prefix"], p["tags"], p["avps"], p["vlan"], p["monitor"]),
                         ("10.70.0.0/16", ["a", "b"], {"k": "v"}, 5, True))
        self.assertEqual(p["authoritative_source"], "nipap")  # the header's, not attr's
        self.assertRegex(p["expires"], ISO_TIME)
        self.assertEqual(instant(p["expires"]), instant("2041-02-03T03:05:06+00:00"))
        listed = self.p.list_prefix({"auth": AUTH, "prefix": {"id": p["id"]}})
        self.assertEqual(listed[0]["description"], "ex")
        # A media type with parameters is JSON too.
        r = self.rest("POST", body='{"prefix": "10.71.0.0/16", "type": "reservation", '
                                   '"description": "x"}',
                      content_type="application/json; charset=utf-8")
        self.assertEqual((r.status, r.json["prefix"]), (200, "10.71.0.0/16"), r)

    def test_post_allocation(self):
        self.add("10.60.0.0/24", "assignment")
        hosts = []
        for i in range(2):
            r = self.rest("POST", "?fromPrefix=10.60.0.0%2F24&prefixLength=32",
                          body=json.dumps({"type": "host", "description": f"h{i}"}))
            self.assertEqual(r.status, 200, r)
            hosts.append((r.json["prefix"], r.json["display_prefix"], r.json["indent"]))
        self.assertEqual(hosts, [("10.60.0.1/32", "10.60.0.1/24", 1),
                                 ("10.60.0.2/32", "10.60.0.2/24", 1)])

        self.p.add_pool({"auth": AUTH, "attr": {"name": "pool", "description": "d",
                                                "default_type": "assignment",
                                                "ipv4_default_prefix_length": 28}})
        self.add("10.50.0.0/16", pool_name="pool")
        r = self.rest("POST", "?fromPoolName=pool&family=4&prefixLength=26",
                      body='{"description": "from pool"}')
        self.assertEqual((r.status, r.json["prefix"], r.json["type"]),
                         (200, "10.50.0.0/26", "assignment"), r)

        x = {"body": '{"description": "x"}'}
        crash = {"message": "Internal Server Error"}
        self.assertRefusedUnchanged([
            # NIPAP converts prefixLength with int() here and crashes when it cannot.
            ("POST", "?fromPoolName=pool&family=4", x, 500, crash),
            ("POST", "?fromPoolName=pool&family=4&prefixLength=x", x, 500, crash),
            ("POST", "?fromPoolName=pool&prefixLength=24", x, 500,
             nipap_error(1200, "incorrect family specified, must be 4 or 6")),
            ("POST", "?fromPoolName=nope&family=4&prefixLength=24", x, 500,
             nipap_error(1100, "non-existing pool specified")),
            ("POST", "?fromPrefix=10.60.0.0%2F24&prefixLength=33",
             {"body": '{"type": "host", "description": "x"}'}, 500,
             nipap_error(1200, "the specified wanted prefix length argument must be between 0 "
                               "and 32 for ipv4")),
            # Any other parameter selects from-prefix mode, which attr.prefix contradicts.
            ("POST", "?foo=bar",
             {"body": '{"prefix": "10.9.0.0/16", "type": "reservation", "description": "x"}'},
             500, nipap_error(1120, "specify 'prefix' or 'from-prefix' or 'from-pool'")),
        ])

    def test_post_errors(self):
        self.add("10.70.0.0/16")
        attr_dict = nipap_error(1100, "'attr' must be a dict")
        calls = [(body, 500, attr_dict) for body in ("{}", "[]", "null", '""', "0", "[1]", '"x"')]
        calls += [
            ('{"prefix": "10.73.0.0/16", "type": "reservation"}', 500,
             nipap_error(1110, "Either description or node must be specified.")),
            ('{"prefix": "10.73.0.0/16", "description": "x"}', 500,
             nipap_error(1200, "Unknown prefix type")),
            ('{"prefix": "10.73.0.0/16", "type": "reservation", "description": "x", "foo": 1}',
             500, nipap_error(1120, "extraneous attribute foo")),
            ('{"prefix": "10.70.0.0/16", "type": "reservation", "description": "dup"}', 500,
             nipap_error(1400, "Duplicate value for 'prefix', the value '0, 10.70.0.0/16' is "
                               "already in use.")),
            ('{"prefix": "10.74.0.1/16", "type": "reservation", "description": "x"}', 500,
             nipap_error(1200, "Invalid prefix (10.74.0.1/16); bits set to right of mask. "
                               "Network address for current mask: 10.74.0.0/16")),
            ('{"prefix": ', 400, BAD_REQUEST),
            ('{"a": 1,}', 400, BAD_REQUEST),
            ("hello", 400, BAD_REQUEST),
            ("[" * 1100 + "]" * 1100, 400, BAD_REQUEST),  # nesting over limits.max_nesting
        ]
        cases = [("POST", "", {"body": b}, s, e) for b, s, e in calls]
        cases += [
            # Not declared as JSON, or no body at all.
            ("POST", "", {"body": '{"prefix": "10.72.0.0/16", "type": "reservation", '
                                  '"description": "x"}', "content_type": "text/plain"},
             400, BAD_REQUEST),
            ("POST", "", {}, 400, BAD_REQUEST),
            ("POST", "", {"body": '{"description": "%s"}' % ("x" * 5000)}, 413,
             {"message": "The data value transmitted exceeds the capacity limit of 4096 bytes "
                         "(limits.max_body_bytes)."}),
        ]
        self.assertRefusedUnchanged(cases)

    # --- PUT -----------------------------------------------------------------

    def test_put(self):
        a = self.add("10.60.0.0/24", "assignment", order_id="bulk")
        self.add("10.61.0.0/24", "assignment", order_id="bulk")
        r = self.rest("PUT", f"?id={a['id']}", body='{"comment": "edited via REST"}')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json[0]), SEARCH_KEYS)
        self.assertEqual([(p["id"], p["comment"]) for p in r.json], [(a["id"], "edited via REST")])

        r = self.rest("PUT", "?prefix=10.61.0.0%2F24&vrf_id=0",
                      body='{"expires": "2045-12-31T23:59:00+00:00"}')
        self.assertEqual(instant(r.json[0]["expires"]), instant("2045-12-31T23:59:00+00:00"))
        r = self.rest("PUT", "?prefix=10.61.0.0%2F24", body='{"expires": null}')
        self.assertIsNone(r.json[0]["expires"])
        r = self.rest("PUT", "?order_id=bulk", body='{"comment": "bulk"}')
        self.assertEqual([(p["prefix"], p["comment"]) for p in r.json],
                         [("10.60.0.0/24", "bulk"), ("10.61.0.0/24", "bulk")])
        r = self.rest("PUT", "?id=99999999", body='{"comment": "x"}')
        self.assertEqual((r.status, r.json), (200, []))

        target = f"?id={a['id']}"
        comment = {"body": '{"comment": "x"}'}
        self.assertRefusedUnchanged([
            ("PUT", "", comment, 500, nipap_error(1110, "a prefix specification key is required")),
            ("PUT", "?foo=x", comment, 500,
             nipap_error(1120, "Key 'foo' not allowed in prefix spec.")),
            ("PUT", target + "&prefix=10.60.0.0%2F24", comment, 500,
             nipap_error(1120, "If 'id' specified, no other keys are allowed.")),
            ("PUT", target, {"body": '{"foo": "bar"}'}, 500,
             nipap_error(1120, "extraneous attribute foo")),
            ("PUT", target, {"body": '{"vlan": "x"}'}, 500,
             nipap_error(1200, "Invalid syntax for integer (x)")),
            # An empty body is no attr at all (NIPAP crashes: 500 'Internal error').
            ("PUT", target, {"body": "{}"}, 500,
             nipap_error(1100, "invalid input type, must be dict")),
            ("PUT", target, {"body": '{"comment": '}, 400, BAD_REQUEST),
            ("PUT", target, {}, 400, BAD_REQUEST),
        ])

    # --- DELETE --------------------------------------------------------------

    def test_delete(self):
        net = self.add("10.60.0.0/24", "assignment")
        host = self.add("10.60.0.1/32", "host")
        self.add("10.70.0.0/16")
        self.add("10.75.0.0/16")
        self.add("10.20.0.0/16")
        self.add("10.20.1.0/24", "assignment")

        self.assertRefusedUnchanged([("DELETE", t, {}, 500, e) for t, e in [
            (f"?id={net['id']}",
             nipap_error(1200, "Prohibited delete, prefix (10.60.0.0/24) contains hosts.")),
            ("?id=99999999", nipap_error(1300, "Prefix with id 99999999 not found")),
            ("", nipap_error(1110, "missing prefix or id of prefix")),
            ("?type=host", nipap_error(1110, "missing prefix or id of prefix")),
            ("?foo=x&prefix=10.70.0.0%2F16",
             nipap_error(1120, "Key 'foo' not allowed in prefix spec.")),
        ]])

        # By id the answer is the prefix and VRF the id stood for.
        r = self.rest("DELETE", f"?id={host['id']}")
        self.assertEqual((r.status, r.json), (200, {"prefix": "10.60.0.1/32", "vrf_id": 0}))
        # Otherwise the parameters as given.
        r = self.rest("DELETE", "?prefix=10.70.0.0%2F16")
        self.assertEqual((r.status, r.json), (200, {"prefix": "10.70.0.0/16"}))
        r = self.rest("DELETE", "?prefix=10.75.0.0%2F16&vrf_id=0")
        self.assertEqual((r.status, r.json), (200, {"prefix": "10.75.0.0/16", "vrf_id": "0"}))
        r = self.rest("DELETE", "?prefix=11.0.0.0%2F8")  # nothing matches: no error
        self.assertEqual((r.status, r.json), (200, {"prefix": "11.0.0.0/8"}))
        # Never recursive, whatever the body says.
        r = self.rest("DELETE", "?prefix=10.20.0.0%2F16", body='{"recursive": true}')
        self.assertEqual(r.status, 200, r)
        left = self.p.list_prefix({"auth": AUTH, "prefix": {}})
        self.assertEqual([p["prefix"] for p in left], ["10.20.1.0/24", "10.60.0.0/24"])

    # --- authentication --------------------------------------------------------

    def test_authentication(self):
        self.add("10.0.0.0/8", order_id="auth")
        missing = nipap_error(401, "Missing/invalid authentication options in request.")
        for headers in ((), ("NIPAP-Authoritative-Source;",)):  # absent; empty (curl's syntax)
            self.assertRestError(self.rest("GET", "?order_id=auth", headers=headers), 401,
                                 missing)
        # The source header is checked before the credentials.
        self.assertRestError(self.rest("GET", "?order_id=auth", user=None, headers=()), 401,
                             missing)
        r = self.rest("GET", "?order_id=auth", user=None)
        self.assertRestError(r, 401, UNAUTHORIZED)
        self.assertEqual(r.headers["www-authenticate"], 'Basic realm="Login Required"')
        for scheme in ('Digest username="x"', "Basic !!!"):
            r = self.rest("GET", "?order_id=auth", user=None,
                          headers=(SOURCE, f"Authorization: {scheme}"))
            self.assertRestError(r, 401, UNAUTHORIZED)
        self.assertRestError(self.rest("GET", "?order_id=auth", password="wrong"), 401,
                             nipap_error(401, "Incorrect username or password"))
        self.assertRestError(self.rest("GET", "?order_id=auth", user="nosuchuser"), 401,
                             nipap_error(401, "Incorrect username or password"))
        self.assertRestError(self.rest("GET", "?order_id=auth", user=None,
                                       headers=(SOURCE, "Authorization: Bearer not-a-token")),
                             401, nipap_error(401, "Invalid bearer token"))
        self.assertRestError(self.rest("GET", "?order_id=auth", user="unittest@nosuch"), 401,
                             nipap_error(401, "Invalid auth backend 'nosuch' specified"))
        for user in ("unittest@local", "readonly"):
            r = self.rest("GET", "?order_id=auth", user=user)
            self.assertEqual((r.status, len(r.json)), (200, 1), user)
        # The body is read before the credentials are looked at, as NIPAP does.
        self.assertRestError(self.rest("POST", user=None, body="{bad"), 400, BAD_REQUEST)

    def test_readonly(self):
        p = self.add("10.0.0.0/8")

        def refused(function):
            return nipap_error(1520, f"read-only user 'readonly' is not authorized to run "
                                     f"function '{function}'")

        ro = {"user": "readonly"}
        self.assertRefusedUnchanged([
            ("POST", "", {**ro, "body": '{"prefix": "10.99.0.0/16", "type": "reservation", '
                                        '"description": "ro"}'}, 500, refused("add_prefix")),
            ("PUT", f"?id={p['id']}", {**ro, "body": '{"comment": "ro"}'}, 500,
             refused("edit_prefix")),
            ("DELETE", f"?id={p['id']}", ro, 500, refused("remove_prefix")),
            ("DELETE", "?prefix=10.0.0.0%2F8", ro, 500, refused("remove_prefix")),
        ])
        r = self.rest("GET", "?prefix=10.0.0.0%2F8", user="readonly")
        self.assertEqual((r.status, [x["id"] for x in r.json]), (200, [p["id"]]))

    def test_nipap_headers_in_audit_log(self):
        alice = ("NIPAP-Authoritative-Source: rest-test", "NIPAP-Username: rest-alice",
                 "NIPAP-Full-Name: Alice via REST")
        body = '{"prefix": "10.98.0.0/16", "type": "reservation", "description": "by trusted"}'
        r = self.rest("POST", user="trusted", headers=alice, body=body)
        self.assertEqual((r.status, r.json["authoritative_source"]), (200, "rest-test"), r)
        # An untrusted account cannot speak for someone else.
        r = self.rest("PUT", "?prefix=10.98.0.0%2F16", user="unittest", headers=alice,
                      body='{"comment": "untrusted"}')
        self.assertEqual(r.status, 200, r)
        # A trusted account that names nobody's full name is logged without one.
        r = self.rest("PUT", "?prefix=10.98.0.0%2F16", user="trusted",
                      headers=(SOURCE, "NIPAP-Username: rest-bob"), body='{"comment": "bob"}')
        self.assertEqual(r.status, 200, r)
        rows = self.db.sql("SELECT username, authenticated_as, coalesce(full_name, '<null>'), "
                           "authoritative_source FROM ip_net_log ORDER BY id")
        self.assertEqual([tuple(line.split("|")) for line in rows.splitlines()], [
            ("rest-alice", "trusted", "Alice via REST", "rest-test"),
            ("unittest", "unittest", "unittest", "rest-test"),
            ("rest-bob", "trusted", "<null>", "nipap"),
        ])

    # --- HTTP ------------------------------------------------------------------

    def test_http_methods_and_paths(self):
        r = self.rest("PATCH", "?id=1", body='{"comment": "x"}')
        self.assertRestError(r, 405, {"message": "The method is not allowed for the requested "
                                                 "URL."})
        self.assertEqual({m.strip() for m in r.headers["allow"].split(",")}, ALLOW)
        r = self.rest("OPTIONS")
        self.assertEqual((r.status, r.body), (200, ""))
        self.assertEqual({m.strip() for m in r.headers["allow"].split(",")}, ALLOW)
        for path in ("/rest/v1/prefixes/?order_id=x", "/rest/v1/prefixes/1", "/rest/v1/",
                     "/rest/v2/prefixes?order_id=x"):
            r = curl(self.daemon.port, "GET", path)
            self.assertEqual((r.status, r.headers["content-type"]),
                             (404, "text/html; charset=utf-8"), path)
        # Every worker is still serving after all of the above.
        self.assertTrue(all(h["status"] == "ok" for h in self.daemon.per_worker_health().values()))


if __name__ == "__main__":
    harness.main()
