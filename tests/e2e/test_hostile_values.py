# SPDX-License-Identifier: MIT
"""Values PostgreSQL's array syntax cares about, stored and read back (issue 11, item 1).

libpqxx's array parser aborted the worker on a tag or AVP value starting with a
single quote, stripped quotes from others and shifted hstore keys against values;
a row written with plain SQL holding such a value killed a worker on every read.
Here random strings (quotes, backslashes, braces, commas, NULL, empty, spaces,
control characters, multi-byte UTF-8) go in as tags, AVP keys and AVP values of
VRFs, pools and prefixes through XML-RPC, the JSON API, NIPAP's REST API and
plain SQL, and must come back byte-identical over XML-RPC and JSON, with no
worker dying. XML 1.0 cannot carry most control characters (nor a CR, which an
XML parser reads as LF), so those travel over JSON and plain SQL only.
"""
import base64
import json
import random
import threading
import urllib.error
import urllib.request

import harness
from harness import AUTH, PASSWORD

PIECES = ["'", "''", '"', "\\", "{", "}", ",", " ", "NULL", "null", "a", "Z", "=", "[0:1]=",
          ":", "é", "✓", "😀", "\t", "\n", "(", ")", "abc"]
CONTROL = ["\x01", "\x1f", "\x7f", "\r", "\x0b"]


def random_text(rng, control):
    pieces = PIECES + (CONTROL if control else [])
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))


FIXED = ["'abc", "'abc'", "''", "'", "'x", "NULL", "", " ", "{}", "a,b", '"', "\\"]


class HostileValues(harness.ApiTestCase):
    database = "hostile_values"
    workers = 2

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_pool; "
                    "DELETE FROM ip_net_vrf WHERE id > 0")
        self.pids = self.daemon.worker_pids()

    def tearDown(self):
        self.assertEqual(self.daemon.worker_pids(), self.pids, "a worker died")

    def json(self, method, body):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.daemon.port}/api/v1/{method}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Basic " +
                     base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {body!r}: {e.code} {e.read()!r}") from None

    def rest_add(self, attr):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.daemon.port}/rest/v1/prefixes", data=json.dumps(attr).encode(),
            method="POST", headers={
                "Content-Type": "application/json", "NIPAP-Authoritative-Source": "nipap",
                "Authorization": "Basic " + base64.b64encode(f"unittest:{PASSWORD}".encode()).decode()})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def values(self, rng, control, n=4):
        tags = sorted({random_text(rng, control) for _ in range(n)})
        avps = {(random_text(rng, control) or "k"): random_text(rng, control) for _ in range(n)}
        return tags, avps

    def assertReadBack(self, kind, ident, tags, avps, xmlrpc=True):
        spec = {"id": ident}
        got = [self.json(f"list_{kind}", {kind: spec})[0]]
        if xmlrpc:
            got.append(getattr(self.p, f"list_{kind}")({"auth": AUTH, kind: spec})[0])
        for row in got:
            self.assertEqual(sorted(row["tags"]), tags, kind)
            self.assertEqual(row["avps"], avps, kind)

    def test_random_values_through_every_api(self):
        rng = random.Random(11)
        for round_ in range(12):
            tags, avps = self.values(rng, control=False)
            tags += FIXED[round_ % len(FIXED):][:2]
            tags = sorted(set(tags))
            avps[FIXED[round_ % len(FIXED)] or "k"] = FIXED[(round_ + 3) % len(FIXED)]
            vrf = self.p.add_vrf({"auth": AUTH, "attr": {"rt": f"64512:{round_}", "name": f"v{round_}",
                                                         "tags": tags, "avps": avps}})
            self.assertReadBack("vrf", vrf["id"], tags, avps)
            pool = self.json("add_pool", {"attr": {"name": f"p{round_}", "description": "d", "default_type": None,
                                                 "tags": tags, "avps": avps}})
            self.assertReadBack("pool", pool["id"], tags, avps)
            prefix = self.rest_add({"prefix": f"10.{round_}.0.0/16", "type": "reservation",
                                    "description": "d", "tags": tags, "avps": avps})
            self.assertReadBack("prefix", prefix["id"], tags, avps)
            # Control characters: JSON in, JSON out.
            ctags, cavps = self.values(rng, control=True)
            vrf = self.json("add_vrf", {"attr": {"rt": f"64513:{round_}", "name": f"c{round_}",
                                                 "tags": ctags, "avps": cavps}})
            self.assertReadBack("vrf", vrf["id"], ctags, cavps, xmlrpc=False)

    def test_plain_sql_rows_read_by_every_worker(self):
        rng = random.Random(12)
        expected = {}
        for i in range(20):
            tags, avps = self.values(rng, control=i % 2 == 1)
            tags = sorted(set(tags + [FIXED[i % len(FIXED)]]))
            literal = "ARRAY[" + ",".join(pg_text(t) for t in tags) + "]::text[]"
            pairs = ",".join(pg_text(k) + "," + pg_text(v) for k, v in avps.items())
            self.db.sql(f"INSERT INTO ip_net_vrf (rt, name, tags, avps) VALUES "
                        f"('65000:{i}', 'sql{i}', {literal}, hstore(ARRAY[{pairs}]::text[]))")
            expected[f"sql{i}"] = (tags, avps, i % 2 == 1)
        # The poison of the report (a tag and an AVP value starting with a quote).
        self.db.sql("INSERT INTO ip_net_vrf (rt, name, tags, avps) VALUES "
                    "('65001:1', 'poison', ARRAY['''abc'], hstore('k', '''x'))")
        expected["poison"] = (["'abc"], {"k": "'x"}, False)
        # Several clients read at once, on fresh connections (both workers).
        errors = []

        def reader():
            try:
                for _ in range(6):
                    rows = {r["name"]: r for r in self.json("list_vrf", {}) if r["id"] > 0}
                    xml = {r["name"]: r for r in self.daemon.proxy().list_vrf({"auth": AUTH})}
                    for name, (tags, avps, control) in expected.items():
                        for source in [rows] + ([] if control else [xml]):
                            if (sorted(source[name]["tags"]), source[name]["avps"]) != (tags, avps):
                                errors.append((name, source[name]["tags"], source[name]["avps"]))
            except Exception as e:  # noqa: BLE001 - collected and reported
                errors.append(repr(e))

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_unreadable_value_is_a_fault_not_a_dead_worker(self):
        # A text[] whose elements PostgreSQL prints with a dimension decoration
        # still reads; a wrong column type cannot be made with plain SQL, so
        # the parser's refusal is covered by the backend tests.
        self.db.sql("INSERT INTO ip_net_vrf (rt, name, tags) VALUES "
                    "('65002:1', 'decorated', '[0:1]={a,''b}'::text[])")
        rows = [r for r in self.p.list_vrf({"auth": AUTH}) if r["name"] == "decorated"]
        self.assertEqual(rows[0]["tags"], ["a", "'b"])


def pg_text(s):
    """A PostgreSQL string literal (E'' form, so control characters survive)."""
    out = "E'"
    for ch in s:
        if ch in "'\\":
            out += "\\" + ch
        elif ord(ch) < 32 or ord(ch) == 127:
            out += "\\x%02x" % ord(ch)
        else:
            out += ch
    return out + "'"


if __name__ == "__main__":
    harness.main()
