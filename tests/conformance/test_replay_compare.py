#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-test of replay.py's id mapping and comparison rules on small
hand-made exchanges (no prefixd, no database needed)."""
import base64
import http.server
import json
import os
import sys
import tempfile
import threading
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay as R  # noqa: E402

AUTH = {"authoritative_source": "nipap"}


def call(method, *params):
    return xmlrpc.client.dumps(params, method, allow_none=True)


def result(value):
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)


def fault(code, text):
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True, allow_none=True)


def record(method, params, resp_body, seq=1, **extra):
    """A recorded exchange: one XML-RPC call with the single argument params."""
    rec = {"seq": seq, "scenario": "test", "step": f"test/{method}", "method": "POST",
           "path": "/XMLRPC", "auth_user": "unittest", "req_headers": {"Content-Type": "text/xml"},
           "req_body": call(method, params), "status": 200, "resp_content_type": "text/xml",
           "resp_body": resp_body}
    rec.update(extra)
    return rec


def response(body, status=200, content_type="text/xml", headers=()):
    if isinstance(body, str):
        body = body.encode("utf-8")
    return R.Response(status, [("Content-Type", content_type), *headers], body)


def vrf(id_, rt="65000:1", name="a"):
    return {"id": id_, "rt": rt, "name": name, "description": None, "num_prefixes_v4": "0",
            "tags": [], "avps": {}}


def prefix(id_, vrf_id=0, pool_id=None, prefix="10.0.0.0/8", **kw):
    p = {"id": id_, "vrf_id": vrf_id, "pool_id": pool_id, "prefix": prefix, "family": 4,
         "inherited_tags": [], "added": xmlrpc.client.DateTime("20261122T03:18:40"),
         "last_modified": xmlrpc.client.DateTime("20261122T03:18:40"), "expires": None}
    p.update(kw)
    return p


def compare(rec, got_body, idmap, **resp_kw):
    """Replays one exchange through the request builder and the comparer."""
    _, _, _, _, xml_method, _ = R.request_of(rec, idmap)
    return R.Comparer(rec, idmap, xml_method).compare(response(got_body, **resp_kw))


class IdMapping(unittest.TestCase):
    def test_first_appearance_pairs_and_later_responses_must_agree(self):
        ids = R.IdMap()
        add = record("add_vrf", {"auth": AUTH, "attr": {"rt": "65000:1", "name": "a"}},
                     result(vrf(642)))
        self.assertEqual(compare(add, result(vrf(5)), ids), [])
        self.assertEqual(ids.fwd["vrf"], {642: 5})
        lst = record("list_vrf", {"auth": AUTH}, result([vrf(0, None, "default"), vrf(642)]))
        self.assertEqual(compare(lst, result([vrf(0, None, "default"), vrf(5)]), ids), [])
        diffs = compare(lst, result([vrf(0, None, "default"), vrf(6)]), ids)
        self.assertEqual([d.path for d in diffs], ["value[1].id"])
        self.assertIn("recorded 642", diffs[0].note)

    def test_vrf_zero_is_never_mapped(self):
        ids = R.IdMap()
        rec = record("add_prefix", {"auth": AUTH, "attr": {}}, result(prefix(44352, vrf_id=0)))
        self.assertEqual(compare(rec, result(prefix(9, vrf_id=0)), ids), [])
        self.assertEqual(ids.fwd["vrf"], {})
        diffs = compare(record("add_prefix", {"auth": AUTH, "attr": {}}, result(prefix(44353, vrf_id=0))),
                        result(prefix(10, vrf_id=3)), ids)
        self.assertEqual([d.path for d in diffs], ["value.vrf_id"])

    def test_three_spaces_are_separate(self):
        ids = R.IdMap()
        rec = record("add_prefix", {"auth": AUTH, "attr": {}}, result(prefix(700, vrf_id=700, pool_id=700)))
        self.assertEqual(compare(rec, result(prefix(1, vrf_id=2, pool_id=3)), ids), [])
        self.assertEqual((ids.fwd["prefix"], ids.fwd["vrf"], ids.fwd["pool"]),
                         ({700: 1}, {700: 2}, {700: 3}))

    def test_a_prefixd_id_is_paired_once(self):
        ids = R.IdMap()
        rec = record("list_vrf", {"auth": AUTH}, result([vrf(642), vrf(643, "65000:2", "b")]))
        diffs = compare(rec, result([vrf(5), vrf(5, "65000:2", "b")]), ids)
        self.assertEqual([d.path for d in diffs], ["value[1].id"])
        self.assertIn("already paired", diffs[0].note)

    def test_request_ids_are_substituted_in_place(self):
        ids = R.IdMap()
        ids.pair("vrf", 642, 5)
        ids.pair("pool", 412, 8)
        ids.pair("prefix", 44352, 77)
        body = ("<?xml version='1.0'?>\n<methodCall><methodName>edit_prefix</methodName><params><param>"
                "<value><struct>"
                "<member><name>prefix</name><value><struct><member><name>id</name>"
                "<value><i4> 44352 </i4></value></member></struct></value></member>"
                "<member><name>attr</name><value><struct>"
                "<member><name>vrf_id</name><value><int>642</int></value></member>"
                "<member><name>pool_id</name><value><string>412</string></value></member>"
                "<member><name>vlan</name><value><int>642</int></value></member>"
                "<member><name>id</name><value><int>642</int></value></member>"
                "</struct></value></member></struct></value></param></params></methodCall>\n")
        rec = record("edit_prefix", {}, result([]), req_body=body)
        _, _, _, sent, method, done = R.request_of(rec, ids)
        self.assertEqual(method, "edit_prefix")
        expected = (body.replace("<i4> 44352 </i4>", "<i4> 77 </i4>")
                    .replace("<name>vrf_id</name><value><int>642", "<name>vrf_id</name><value><int>5")
                    .replace("<string>412</string>", "<string>8</string>"))
        self.assertEqual(sent.decode(), expected)   # vlan and attr.id stay as recorded
        self.assertEqual(sorted(done), [("pool", 412, 8), ("prefix", 44352, 77), ("vrf", 642, 5)])

    def test_query_leaves_specs_and_search_options(self):
        ids = R.IdMap()
        ids.pair("vrf", 642, 5)
        ids.pair("pool", 412, 8)
        ids.pair("prefix", 44352, 77)
        cases = [
            ("search_vrf", {"query": {"operator": "equals", "val1": "id", "val2": 642}}, 5),
            ("search_pool", {"query": {"operator": "equals", "val1": "id", "val2": 412}}, 8),
            ("search_prefix", {"query": {"operator": "and",
                                         "val1": {"operator": "equals", "val1": "vrf_id", "val2": 642},
                                         "val2": {"operator": "equals", "val1": "id", "val2": 44352}}},
             [5, 77]),
            ("search_prefix", {"query": {}, "search_options": {"parent_prefix": "44352"}}, "77"),
            ("smart_search_prefix", {"query_string": "x",
                                     "extra_query": {"operator": "equals", "val1": "pool_id", "val2": 412}}, 8),
            ("find_free_prefix", {"vrf": {"id": 642}, "args": {"from-pool": {"id": 412}}}, [5, 8]),
            ("remove_vrf", {"vrf": {"id": 642}}, 5),
            ("list_pool", {"pool": {"id": 412}}, 8),
            ("search_asn", {"query": {"operator": "equals", "val1": "id", "val2": 642}}, 642),
        ]
        for method, args, want in cases:
            with self.subTest(method=method, args=args):
                rec = record(method, {"auth": AUTH, **args}, result(None))
                _, _, _, sent, _, _ = R.request_of(rec, ids)
                params, _ = xmlrpc.client.loads(sent)
                flat = []

                def walk(v):
                    if isinstance(v, dict):
                        for k, x in v.items():
                            if k in ("id", "val2", "parent_prefix") and not isinstance(x, dict):
                                flat.append(x)
                            walk(x)
                walk(params[0])
                self.assertEqual(flat if isinstance(want, list) else flat[0], want)

    def test_rest_query_and_ids_in_json_and_fault_texts(self):
        ids = R.IdMap()
        get = {"seq": 1, "scenario": "rest", "step": "x", "method": "GET",
               "path": "/rest/v1/prefixes?order_id=o", "auth_user": "unittest",
               "req_headers": {"NIPAP-Authoritative-Source": "nipap"}, "req_body": "", "status": 200,
               "resp_content_type": "application/json",
               "resp_body": json.dumps([{"id": 44561, "vrf_id": 651, "pool_id": None,
                                         "added": "2026-11-22T03:18:35.545340+00:00"}])}
        got = json.dumps([{"id": 3, "vrf_id": 4, "pool_id": None, "added": "2030-01-01T00:00:00.000001+01:00"}])
        self.assertEqual(compare(get, got, ids, content_type="application/json"), [])
        put = dict(get, method="PUT", path="/rest/v1/prefixes?id=44561&prefix=10.0.0.0%2F8&vrf_id=651",
                   req_body='{"vrf_id": 651}')
        _, path, _, body, _, _ = R.request_of(put, ids)
        self.assertEqual(path, "/rest/v1/prefixes?id=3&prefix=10.0.0.0%2F8&vrf_id=4")
        self.assertEqual(body, b'{"vrf_id": 4}')
        dup = record("add_prefix", {"auth": AUTH, "attr": {}},
                     fault(1400, "Duplicate value for 'prefix', the value '651, 10.0.0.0/8' is already in use."))
        self.assertEqual(compare(dup, fault(1400, "Duplicate value for 'prefix', the value '4, 10.0.0.0/8' "
                                                  "is already in use."), ids), [])
        self.assertEqual(len(compare(dup, fault(1400, "Duplicate value for 'prefix', the value '5, "
                                                       "10.0.0.0/8' is already in use."), ids)), 1)
        parent = record("search_prefix", {"auth": AUTH, "query": {}, "search_options": {"parent_prefix": 44999}},
                        fault(1200, "Parent prefix 44999 can not be found"))
        self.assertEqual(compare(parent, fault(1200, "Parent prefix 12 can not be found"), ids), [])
        self.assertEqual(ids.fwd["prefix"][44999], 12)


class Comparison(unittest.TestCase):
    def setUp(self):
        self.ids = R.IdMap()

    def paths(self, rec, got, **kw):
        return [d.path for d in compare(rec, got, self.ids, **kw)]

    def test_int_versus_string_is_a_failure(self):
        rec = record("db_version", {"auth": AUTH}, result(8))
        self.assertEqual(self.paths(rec, result(8)), [])
        self.assertEqual(self.paths(rec, result("8")), ["value"])
        rec = record("add_vrf", {"auth": AUTH, "attr": {}}, result(vrf(642)))
        bad = vrf(1)
        bad["num_prefixes_v4"] = 0
        self.assertEqual(self.paths(rec, result(bad)), ["value.num_prefixes_v4"])

    def test_boolean_nil_double_datetime_base64_types(self):
        pairs = [(True, 1), (False, None), (1.0, 1), (None, ""), ("", None),
                 (xmlrpc.client.DateTime("20240102T03:04:05"), "20240102T03:04:05"),
                 (xmlrpc.client.Binary(b"ab"), "ab")]
        for e, g in pairs:
            with self.subTest(e=e, g=g):
                rec = record("echo", {"auth": AUTH, "message": e}, result(e))
                self.assertEqual(self.paths(rec, result(g)), ["value"])
                self.assertEqual(self.paths(rec, result(e)), [])

    def test_struct_keys_are_a_set_and_arrays_ordered(self):
        rec = record("echo", {"auth": AUTH}, result({"a": 1, "b": [1, 2]}))
        self.assertEqual(self.paths(rec, '<?xml version="1.0"?><methodResponse><params><param><value><struct>'
                                         '<member><name>b</name><value><array><data><value><int>1</int></value>'
                                         '<value><int>2</int></value></data></array></value></member>'
                                         '<member><name>a</name><value><i4>1</i4></value></member>'
                                         '</struct></value></param></params></methodResponse>'), [])
        self.assertEqual(self.paths(rec, result({"a": 1, "b": [2, 1]})), ["value.b[0]", "value.b[1]"])
        self.assertEqual(self.paths(rec, result({"a": 1})), ["value"])
        self.assertEqual(self.paths(rec, result({"a": 1, "b": [1, 2], "c": None})), ["value"])

    def test_unordered_inherited_tags_compare_as_sets(self):
        exp = result(prefix(1, inherited_tags=["top", "leaf", "mid"]))
        got = result(prefix(1, inherited_tags=["top", "mid", "leaf"]))
        rec = record("add_prefix", {"auth": AUTH, "attr": {}}, exp, unordered=["inherited_tags"])
        self.assertEqual(self.paths(rec, got), [])
        self.assertEqual(self.paths(rec, result(prefix(1, inherited_tags=["top", "mid", "mid"]))),
                         ["value.inherited_tags"])
        ordered = record("add_prefix", {"auth": AUTH, "attr": {}}, exp)
        self.assertEqual(self.paths(ordered, got), ["value.inherited_tags[1]", "value.inherited_tags[2]"])

    def test_volatile_values_ignored_but_type_and_format_checked(self):
        rec = record("add_prefix", {"auth": AUTH, "attr": {}}, result(prefix(1)))
        later = prefix(1, added=xmlrpc.client.DateTime("20991231T23:59:59"))
        self.assertEqual(self.paths(rec, result(later)), [])
        self.assertEqual(self.paths(rec, result(prefix(1, added="20991231T23:59:59"))), ["value.added"])
        self.assertEqual(self.paths(rec, result(prefix(1, last_modified=xmlrpc.client.DateTime(
            "2099-12-31T23:59:59")))), ["value.last_modified"])
        self.assertEqual(self.paths(rec, result({k: v for k, v in prefix(1).items() if k != "added"})),
                         ["value"])
        # expires: ignored only where the record marks it volatile
        e1 = prefix(2, expires=xmlrpc.client.DateTime("20281122T03:18:29"))
        e2 = prefix(2, expires=xmlrpc.client.DateTime("20281122T03:22:07"))
        self.assertEqual(self.paths(record("add_prefix", {"auth": AUTH}, result(e1), volatile=["expires"]),
                                    result(e2)), [])
        self.assertEqual(self.paths(record("add_prefix", {"auth": AUTH}, result(e1), volatile=["expires"]),
                                    result(prefix(2, expires=None))), ["value.expires"])
        self.assertEqual(self.paths(record("add_prefix", {"auth": AUTH}, result(e1)), result(e2)),
                         ["value.expires"])
        # version text and help texts
        self.assertEqual(self.paths(record("version", {"auth": AUTH}, result("0.32.7")), result("1.0.0")), [])
        self.assertEqual(self.paths(record("version", {"auth": AUTH}, result("0.32.7")), result(1)), ["value"])
        self.assertEqual(self.paths(record("version", {"auth": AUTH}, result("0.32.7")), fault(1, "x")), ["body"])
        self.assertEqual(self.paths(record("system.methodHelp", "echo", result("An echo function")),
                                    result("Echoes")), [])
        self.assertEqual(self.paths(record("system.methodHelp", "nosuch", result("")), result("x")), ["value"])
        # a JSON timestamp needs offset (and microseconds as Python writes them)
        j = {"seq": 1, "scenario": "rest", "step": "x", "method": "GET", "path": "/rest/v1/prefixes",
             "auth_user": "unittest", "req_headers": {}, "req_body": "", "status": 200,
             "resp_content_type": "application/json",
             "resp_body": json.dumps({"added": "2026-11-22T03:18:35.545340+00:00"})}
        self.assertEqual(self.paths(j, json.dumps({"added": "2020-01-01T00:00:00.000000+02:00"}),
                                    content_type="application/json"), [])
        self.assertEqual(self.paths(j, json.dumps({"added": "2020-01-01 00:00:00"}),
                                    content_type="application/json"), ["json.added"])

    def test_fault_code_and_string(self):
        rec = record("list_vrf", {"auth": "x"}, fault(1200, "auth must be a struct"))
        self.assertEqual(self.paths(rec, fault(1200, "auth must be a struct")), [])
        self.assertEqual(self.paths(rec, fault(1100, "auth must be a struct")), ["fault.faultCode"])
        self.assertEqual(self.paths(rec, fault(1200, "auth must be a dict")), ["fault.faultString"])
        self.assertEqual(self.paths(rec, result([])), ["body"])
        self.assertEqual(self.paths(rec, "<html>oops</html>"), ["body"])

    def test_status_headers_and_text_bodies(self):
        rec = {"seq": 1, "scenario": "t", "step": "x", "method": "GET", "path": "/XMLRPC",
               "auth_user": "unittest", "req_headers": {}, "req_body": "", "status": 405,
               "resp_content_type": "text/html; charset=utf-8", "resp_headers": {"Allow": "OPTIONS, POST"},
               "resp_body": "<p>no</p>\n"}
        ok = dict(status=405, content_type="text/html; charset=utf-8", headers=[("Allow", "POST, OPTIONS")])
        self.assertEqual(self.paths(rec, "<p>no</p>\n", **ok), [])
        self.assertEqual(self.paths(rec, "<p>no</p>", **ok), ["body"])
        self.assertEqual(self.paths(rec, "<p>no</p>\n", **dict(ok, status=404)), ["status"])
        self.assertEqual(self.paths(rec, "<p>no</p>\n", **dict(ok, content_type="text/html")),
                         ["header Content-Type"])
        self.assertEqual(self.paths(rec, "<p>no</p>\n", **dict(ok, headers=[("Allow", "POST")])),
                         ["header Allow"])
        self.assertEqual(self.paths(rec, "<p>no</p>\n", **dict(ok, headers=[
            ("Allow", "POST, OPTIONS"), ("WWW-Authenticate", "Basic")])), ["header WWW-Authenticate"])
        xml = record("db_version", {"auth": AUTH}, result(8))
        self.assertEqual(self.paths(xml, result(8), headers=[("Content-Type", "text/xml")]),
                         ["header Content-Type (all)"])

    def test_wire_forms_nipap_never_sends(self):
        rec = record("echo", {"auth": AUTH}, result(5))
        i8 = result(5).replace("<int>5</int>", "<i8>5</i8>")
        self.assertEqual(self.paths(rec, i8), ["wire"])

    def test_json_values_and_types(self):
        rec = {"seq": 1, "scenario": "rest", "step": "x", "method": "DELETE",
               "path": "/rest/v1/prefixes?prefix=10.0.0.0%2F8&vrf_id=0", "auth_user": "unittest",
               "req_headers": {}, "req_body": "", "status": 200, "resp_content_type": "application/json",
               "resp_body": '{"prefix":"10.0.0.0/8","vrf_id":"0"}\n'}
        kw = dict(content_type="application/json")
        self.assertEqual(self.paths(rec, '{"vrf_id": "0", "prefix": "10.0.0.0/8"}', **kw), [])
        self.assertEqual(self.paths(rec, '{"vrf_id": 0, "prefix": "10.0.0.0/8"}', **kw), ["json.vrf_id"])
        self.assertEqual(self.paths(rec, 'not json', **kw), ["body"])

    def test_equal_rt_sort_keys_compare_as_a_set(self):
        rows = [vrf(0, None, "default"), vrf(677, "1:2", "x"), vrf(676, "0.0.0.1:2", "y"), vrf(681, "2:1", "z")]
        for r in rows[1:]:
            self.ids.pair("vrf", r["id"], r["id"])
        swapped = [rows[0], rows[2], rows[1], rows[3]]
        note = "rows whose sort key is equal (VRFs whose RT sort keys coincide) come in storage order"
        rec = record("list_vrf", {"auth": AUTH}, result(rows), unstable=True, note=note)
        self.assertEqual(self.paths(rec, result(swapped)), [])
        plain = record("list_vrf", {"auth": AUTH}, result(rows))
        self.assertNotEqual(self.paths(plain, result(swapped)), [])
        wrong = [rows[0], rows[3], rows[1], rows[2]]
        self.assertNotEqual(self.paths(rec, result(wrong)), [])


class DeviationRules(unittest.TestCase):
    def write(self, content):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        f.write(json.dumps(content))
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_listed_and_different_is_a_deviation(self):
        entry = {"scenario": "t", "seq": 1, "decision": 3, "reason": "proper fault code", "expect": {}}
        diffs = [R.Diff("fault.faultCode", "1", "1100")]
        outcome, note = R.judge(diffs, entry, response(fault(1100, "x")))
        self.assertEqual(outcome, "deviation")
        self.assertIn("decision 3", note)

    def test_listed_but_matching_is_stale_and_fails(self):
        entry = {"scenario": "t", "seq": 1, "decision": 3, "reason": "r", "expect": {}}
        outcome, note = R.judge([], entry, response(result(1)))
        self.assertEqual(outcome, "stale-deviation")
        self.assertIn("remove it", note)

    def test_expectation_is_checked(self):
        entry = {"scenario": "t", "seq": 1, "decision": 5, "reason": "r", "expect": {"fault_code": 1510}}
        diffs = [R.Diff("fault.faultCode", "1", "x")]
        self.assertEqual(R.judge(diffs, entry, response(fault(1510, "no")))[0], "deviation")
        self.assertEqual(R.judge(diffs, entry, response(fault(1500, "no")))[0], "fail")
        self.assertEqual(R.judge(diffs, entry, response(result(1)))[0], "fail")
        entry["expect"] = {"status": 200}
        self.assertEqual(R.judge(diffs, entry, response(result(1), status=500))[0], "fail")

    def test_unlisted(self):
        self.assertEqual(R.judge([], None, response(""))[0], "pass")
        self.assertEqual(R.judge([R.Diff("x", 1, 2)], None, response(""))[0], "fail")

    def test_file_format_and_validation(self):
        counts = {"envelope_auth": 266, "vrf": 295}
        devs = R.Deviations.load(self.write([
            {"scenario": "envelope_auth", "seq": 121, "decision": 5, "reason": "no JWT yet"},
            {"scenario": "vrf", "seq": [92, 93], "decision": 3, "reason": "proper fault",
             "expect": {"fault_code": 1100}}]), counts)
        self.assertEqual(devs.get("vrf", 93)["decision"], 3)
        self.assertIsNone(devs.get("vrf", 94))
        self.assertEqual(len(R.Deviations.load(self.write({"deviations": []}), counts).by_key), 0)
        bad = [
            [{"scenario": "nope", "seq": 1, "decision": 3, "reason": "r"}],
            [{"scenario": "vrf", "seq": 999, "decision": 3, "reason": "r"}],
            [{"scenario": "vrf", "seq": 1, "decision": "3", "reason": "r"}],
            [{"scenario": "vrf", "seq": 1, "decision": 3}],
            [{"scenario": "vrf", "seq": 1, "decision": 3, "reason": "two\nlines"}],
            [{"scenario": "vrf", "seq": 1, "decision": 3, "reason": "r", "expect": {"body": 1}}],
            [{"scenario": "vrf", "seq": 1, "decision": 3, "reason": "r"},
             {"scenario": "vrf", "seq": [1], "decision": 4, "reason": "r"}],
            {"scenario": "vrf"},
        ]
        for content in bad:
            with self.subTest(content=content):
                with self.assertRaises(R.CorpusError):
                    R.Deviations.load(self.write(content), counts)

    def test_shipped_deviations_file_is_valid(self):
        _, _, counts = R.load_corpus(R.DEFAULT_CORPUS)
        R.Deviations.load(R.DEFAULT_DEVIATIONS, counts)


class Corpus(unittest.TestCase):
    def test_corpus_is_complete(self):
        corpus, counts, all_counts = R.load_corpus(R.DEFAULT_CORPUS)
        self.assertEqual(len(corpus), 11)
        self.assertEqual(sum(len(v) for v in corpus.values()), 2232)
        self.assertEqual(counts, all_counts)

    def test_scenario_selection(self):
        corpus, counts, _ = R.load_corpus(R.DEFAULT_CORPUS, ["rest", "asn"])
        self.assertEqual(list(corpus), ["asn", "rest"])
        with self.assertRaises(R.CorpusError):
            R.load_corpus(R.DEFAULT_CORPUS, ["nosuch"])


class Sending(unittest.TestCase):
    """What goes on the wire: credentials, headers, body; no Accept-Encoding."""

    @classmethod
    def setUpClass(cls):
        cls.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                cls.seen.append((self.command, self.path, dict(self.headers), self.rfile.read(n)))
                body = result("ok").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *a):
                pass

        cls.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def send(self, **kw):
        rec = record("version", {"auth": AUTH}, result("0.32.7"))
        rec.update(kw)
        method, path, headers, body, _, _ = R.request_of(rec, R.IdMap())
        r = R.send("127.0.0.1", self.server.server_address[1], method, path, headers, body)
        self.assertIsNone(r.error)
        return self.seen[-1]

    def basic(self, header):
        scheme, _, token = header.partition(" ")
        return scheme, base64.b64decode(token).decode()

    def test_basic_credentials_and_headers(self):
        method, path, headers, body = self.send()
        self.assertEqual(self.basic(headers["Authorization"]), ("Basic", "unittest:gottatest"))
        self.assertNotIn("Accept-Encoding", headers)
        self.assertEqual(headers["Content-Type"], "text/xml")
        self.assertEqual(body, call("version", {"auth": AUTH}).encode())

    def test_wrong_password_scheme_and_verbatim_header(self):
        _, _, headers, _ = self.send(auth_password_ok=False)
        scheme, cred = self.basic(headers["Authorization"])
        self.assertTrue(cred.startswith("unittest:") and cred != "unittest:gottatest")
        _, _, headers, _ = self.send(auth_scheme="basic", auth_user="readonly")
        self.assertEqual(self.basic(headers["Authorization"]), ("basic", "readonly:gottatest"))
        _, _, headers, _ = self.send(auth_user=None, auth_header="Digest username=\"x\"")
        self.assertEqual(headers["Authorization"], "Digest username=\"x\"")
        _, _, headers, _ = self.send(auth_user=None)
        self.assertNotIn("Authorization", headers)

    def test_binary_body_and_nipap_headers(self):
        raw = b"\xff\xfe<junk>"
        _, path, headers, body = self.send(req_body=None, req_body_b64=base64.b64encode(raw).decode(),
                                           path="/XMLRPC?x=1",
                                           req_headers={"Content-Type": "text/xml",
                                                        "NIPAP-Username": "alice"})
        self.assertEqual((path, body, headers["NIPAP-Username"]), ("/XMLRPC?x=1", raw, "alice"))


if __name__ == "__main__":
    unittest.main()
