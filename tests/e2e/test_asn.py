# SPDX-License-Identifier: MIT
"""ASN methods and search_tag over XML-RPC with Python's xmlrpc.client
(spec/xmlrpc.md §5.5, §5.6, §6; spec/errors.md §4.5): every method, a success
and its errors, the wire shapes, and the read-only user refused on writes."""
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database, raw_call


def member(name, value_xml):
    return f"<member><name>{name}</name><value>{value_xml}</value></member>"


class Asn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("asn")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=2).start()
        cls.p = cls.daemon.proxy()
        cls.ro = cls.daemon.proxy(user="readonly")

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_asn; DELETE FROM ip_net_log")

    def fault(self, fn, *args):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            fn(*args)
        return cm.exception.faultCode, cm.exception.faultString

    def add(self, asn, name=None):
        return self.p.add_asn({"auth": AUTH, "attr": {"asn": asn, "name": name}})

    # add_asn ---------------------------------------------------------------

    def test_add_and_list(self):
        self.assertEqual(self.add(64512, "Private one"), {"asn": 64512, "name": "Private one"})
        self.assertEqual(self.p.add_asn({"auth": AUTH, "attr": {"asn": 64513}}),
                         {"asn": 64513, "name": None})
        self.assertEqual(self.add(-5, "Södra nätet"), {"asn": -5, "name": "Södra nätet"})
        self.assertEqual(self.add(2147483647, ""), {"asn": 2147483647, "name": ""})
        everything = [{"asn": -5, "name": "Södra nätet"}, {"asn": 64512, "name": "Private one"},
                      {"asn": 64513, "name": None}, {"asn": 2147483647, "name": ""}]
        self.assertEqual(self.p.list_asn({"auth": AUTH}), everything)
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": None}), everything)
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": {}}), everything)
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": {"asn": 64512}}), [everything[1]])
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": {"name": "Private one"}}),
                         [everything[1]])
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": {"name": "private one"}}), [])
        self.assertEqual(self.p.list_asn({"auth": AUTH, "asn": {"asn": 1234}}), [])
        self.assertEqual(self.db.sql("SELECT description FROM ip_net_log ORDER BY id LIMIT 1"),
                         "Added ASN 64512 with attr: {'asn': 64512, 'name': 'Private one'}")

    def test_add_numeric_string_is_converted(self):
        # errors.md §4.5: converted before inserting (NIPAP inserts, then faults).
        self.assertEqual(self.p.add_asn({"auth": AUTH, "attr": {"asn": " 64521", "name": 5}}),
                         {"asn": 64521, "name": "5"})

    def test_add_errors(self):
        self.add(64512, "first")
        code, text = self.fault(self.add, 64512, "again")
        self.assertEqual(code, 1400)
        self.assertTrue(text.startswith("Duplicate value for"), text)
        self.assertIn("64512", text)
        for attr, expected in [
            ({"name": "x"}, (1110, "missing attribute asn")),
            ({}, (1110, "missing attribute asn")),
            ({"asn": 64520, "foo": "bar"}, (1120, "extraneous attribute foo")),
            ({"asn": 64520, "id": 1}, (1120, "extraneous attribute id")),
            ({"asn": "abc"}, (1200, "Invalid syntax for integer (abc)")),
            ({"asn": 64522.5}, (1200, "asn specification key 'asn' must be an integer")),
            ("64520", (1100, "invalid input type, must be dict")),
            (None, (1100, "invalid input type, must be dict")),
            ([1], (1100, "invalid input type, must be dict")),
        ]:
            self.assertEqual(self.fault(self.p.add_asn, {"auth": AUTH, "attr": attr}), expected,
                             attr)
        self.assertEqual(self.fault(self.p.add_asn, {"auth": AUTH}),
                         (1100, "invalid input type, must be dict"))
        # Upstream crashes become 1200 naming the field (decision 3).
        for bad in (None, True, [1]):
            code, text = self.fault(self.p.add_asn, {"auth": AUTH, "attr": {"asn": bad}})
            self.assertEqual(code, 1200, bad)
            self.assertIn("asn", text)
        self.assertEqual([a["asn"] for a in self.p.list_asn({"auth": AUTH})], [64512])

    def test_add_big_integers_on_the_wire(self):
        # An <i8> inside the column's range is accepted; beyond it, 1200 naming
        # the value (model.md §10); beyond 64 bits likewise.
        attr = member("asn", "<i8>65000</i8>")
        status, _, body = raw_call(self.daemon.port, "add_asn", self.params(attr))
        self.assertEqual(xmlrpc.client.loads(body)[0][0], {"asn": 65000, "name": None})
        for number in ("4200000000", "123456789012345678901234567890"):
            attr = member("asn", f"<i8>{number}</i8>")
            _, _, body = raw_call(self.daemon.port, "add_asn", self.params(attr))
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                xmlrpc.client.loads(body)
            self.assertEqual(cm.exception.faultCode, 1200)
            self.assertIn(number, cm.exception.faultString)
            self.assertIn("'asn'", cm.exception.faultString)

    @staticmethod
    def params(attr_members):
        auth = ("<member><name>auth</name><value><struct><member><name>authoritative_source"
                "</name><value><string>nipap</string></value></member></struct></value></member>")
        return (f"<param><value><struct>{auth}<member><name>attr</name><value><struct>"
                f"{attr_members}</struct></value></member></struct></value></param>")

    # list_asn / specs --------------------------------------------------------

    def test_spec_errors(self):
        for spec, expected in [
            ({"asn": 64512, "name": "x"},
             (1120, "asn specification contain both 'asn' and 'name', specify asn or name")),
            ({"foo": 1}, (1120, "extraneous specification key foo")),
            ({"asn": "64512"}, (1200, "asn specification key 'asn' must be an integer")),
            ({"asn": None}, (1200, "asn specification key 'asn' must be an integer")),
            ({"name": 1}, (1200, "asn specification key 'name' must be a string")),
            ("64512", (1100, "asn specification must be a dict")),
            (64512, (1100, "asn specification must be a dict")),
            ([64512], (1100, "asn specification must be a dict")),
        ]:
            self.assertEqual(self.fault(self.p.list_asn, {"auth": AUTH, "asn": spec}), expected,
                             spec)

    # edit_asn ----------------------------------------------------------------

    def test_edit(self):
        self.add(1, "Level one")
        self.add(64512, "Private")
        self.assertEqual(self.p.edit_asn({"auth": AUTH, "asn": {"name": "Level one"},
                                          "attr": {"name": "Level 1"}}),
                         [{"asn": 1, "name": "Level 1"}])
        self.assertEqual(self.p.edit_asn({"auth": AUTH, "asn": {"asn": 64512},
                                          "attr": {"name": 7}}),
                         [{"asn": 64512, "name": "7"}])
        self.assertEqual(self.p.edit_asn({"auth": AUTH, "asn": {"asn": 64512},
                                          "attr": {"name": None}}),
                         [{"asn": 64512, "name": None}])
        self.assertEqual(self.p.edit_asn({"auth": AUTH, "asn": {"asn": 1234},
                                          "attr": {"name": "x"}}), [])
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_log "
                                     "WHERE description LIKE 'Edited ASN %'"), "3")

    def test_edit_errors(self):
        self.add(64512, "Private")
        spec = {"asn": 64512}
        for args, expected in [
            ({"asn": spec, "attr": {"asn": 64599}}, (1120, "extraneous attribute asn")),
            ({"asn": spec, "attr": {"foo": "x"}}, (1120, "extraneous attribute foo")),
            ({"asn": spec, "attr": None}, (1100, "invalid input type, must be dict")),
            ({"asn": spec, "attr": "x"}, (1100, "invalid input type, must be dict")),
            ({"asn": None, "attr": {"name": "x"}}, (1100, "asn specification must be a dict")),
            ({"asn": 64512, "attr": {"name": "x"}}, (1100, "asn specification must be a dict")),
            ({"asn": {"asn": 64512, "name": "x"}, "attr": {"name": "x"}},
             (1120, "asn specification contain both 'asn' and 'name', specify asn or name")),
            ({"asn": {"id": 1}, "attr": {"name": "x"}},
             (1120, "extraneous specification key id")),
            # Upstream: SQL errors (1000); prefixd 1100 / 1110 (errors.md §4.5).
            ({"asn": spec, "attr": {}}, (1100, "'attr' must not be empty.")),
        ]:
            self.assertEqual(self.fault(self.p.edit_asn, {"auth": AUTH, **args}), expected, args)
        code, _ = self.fault(self.p.edit_asn, {"auth": AUTH, "asn": {}, "attr": {"name": "x"}})
        self.assertEqual(code, 1110)
        self.assertEqual(self.p.list_asn({"auth": AUTH}), [{"asn": 64512, "name": "Private"}])

    # remove_asn --------------------------------------------------------------

    def test_remove(self):
        for n in (1, 2, 3):
            self.add(n, f"as{n}")
        self.assertIsNone(self.p.remove_asn({"auth": AUTH, "asn": {"asn": 2}}))
        self.assertIsNone(self.p.remove_asn({"auth": AUTH, "asn": {"name": "as3"}}))
        self.assertIsNone(self.p.remove_asn({"auth": AUTH, "asn": {"asn": 1234}}))
        self.assertEqual(self.p.list_asn({"auth": AUTH}), [{"asn": 1, "name": "as1"}])
        self.assertEqual(self.db.sql("SELECT string_agg(description, '|' ORDER BY id) "
                                     "FROM ip_net_log WHERE description LIKE 'Removed%'"),
                         "Removed ASN 2|Removed ASN 3")

    def test_remove_errors(self):
        self.add(1, "one")
        for args, expected in [
            ({"asn": {"asn": 1, "name": "x"}},
             (1120, "asn specification contain both 'asn' and 'name', specify asn or name")),
            ({"asn": {"foo": 1}}, (1120, "extraneous specification key foo")),
            ({"asn": {"asn": "1"}}, (1200, "asn specification key 'asn' must be an integer")),
            ({"asn": "1"}, (1100, "asn specification must be a dict")),
            ({"asn": None}, (1100, "asn specification must be a dict")),
            ({}, (1100, "asn specification must be a dict")),
        ]:
            self.assertEqual(self.fault(self.p.remove_asn, {"auth": AUTH, **args}), expected, args)
        # Upstream removes nothing but answers an SQL error; prefixd 1110 (decision 9).
        code, _ = self.fault(self.p.remove_asn, {"auth": AUTH, "asn": {}})
        self.assertEqual(code, 1110)
        self.assertEqual(self.p.list_asn({"auth": AUTH}), [{"asn": 1, "name": "one"}])

    # search_asn --------------------------------------------------------------

    def test_search(self):
        for n, name in ((-5, "negative"), (1, "Level 1"), (3301, "Autonomous System One"),
                        (64512, "7"), (64513, None), (65000, "")):
            self.add(n, name)

        def search(query, options=None):
            args = {"auth": AUTH, "query": query}
            if options is not None:
                args["search_options"] = options
            return self.p.search_asn(args)

        r = search({})
        self.assertEqual(r["search_options"], {"max_result": 50, "offset": 0})
        self.assertEqual([a["asn"] for a in r["result"]], [-5, 1, 3301, 64512, 64513, 65000])
        asns = lambda q, o=None: [a["asn"] for a in search(q, o)["result"]]
        self.assertEqual(asns({"operator": "=", "val1": "asn", "val2": "64512"}), [64512])
        self.assertEqual(asns({"operator": "greater", "val1": "asn", "val2": 3301}),
                         [64512, 64513, 65000])
        self.assertEqual(asns({"operator": "regex_match", "val1": "name", "val2": "auto"}),
                         [3301])
        self.assertEqual(asns({"operator": "regex_not_match", "val1": "name", "val2": "e"}),
                         [64512, 65000])
        self.assertEqual(asns({"operator": "equals", "val1": "name", "val2": None}), [64513])
        self.assertEqual(asns({"operator": "=", "val1": "name", "val2": None}), [])
        self.assertEqual(asns({"operator": "or",
                               "val1": {"operator": "=", "val1": "asn", "val2": 1},
                               "val2": {"operator": "=", "val1": "asn", "val2": 3301}}), [1, 3301])
        # Options: converted and echoed; unknown keys echoed; offset applied.
        r = search({}, {"max_result": "2", "query_id": 9})
        self.assertEqual(r["search_options"], {"max_result": 2, "offset": 0, "query_id": 9})
        self.assertEqual([a["asn"] for a in r["result"]], [-5, 1])
        self.assertEqual(asns({}, {"offset": 2, "max_result": 3}), [3301, 64512, 64513])
        self.assertEqual(asns({}, {"max_result": 0}), [])

    def test_search_errors(self):
        def fault(query, options=None):
            args = {"auth": AUTH, "query": query}
            if options is not None:
                args["search_options"] = options
            return self.fault(self.p.search_asn, args)

        self.assertEqual(fault({"operator": "equals", "val1": "asn", "val2": "abc"}),
                         (1200, "Invalid syntax for integer (abc)"))
        self.assertEqual(fault({"operator": "foo", "val1": "asn", "val2": 1}),
                         (1130, "No such operator foo"))
        self.assertEqual(fault({"operator": "equals", "val1": "id", "val2": 1}),
                         (1100, "Search variable 'id' unknown"))
        self.assertEqual(fault({}, {"max_result": "x"}),
                         (1200, "Invalid value for option 'max_result'. Only integer values "
                                "allowed."))
        self.assertEqual(fault({}, {"offset": "x"}),
                         (1200, "Invalid value for option 'offset'. Only integer values allowed."))
        # Upstream crashes (Fault 1) become proper codes (search.md §1.6).
        self.assertEqual(fault({"operator": "=", "val1": "asn"})[0], 1110)
        self.assertEqual(fault({"val1": "asn", "val2": 1})[0], 1110)
        self.assertEqual(fault(None)[0], 1100)
        self.assertEqual(self.fault(self.p.search_asn, {"auth": AUTH})[0], 1100)
        self.assertEqual(fault({}, {"max_result": -2})[0], 1200)
        self.assertEqual(fault({"operator": "contains", "val1": "asn", "val2": 1})[0], 1200)

    # search_tag --------------------------------------------------------------

    def test_search_tag(self):
        self.db.sql("DELETE FROM ip_net_plan")
        self.db.sql("INSERT INTO ip_net_plan (prefix, type, tags) VALUES "
                    "('10.0.0.0/8', 'reservation', '{core,backbone}'), "
                    "('192.0.2.0/24', 'assignment', '{core,customer}')")
        try:
            r = self.p.search_tag({"auth": AUTH, "query": {}})
            self.assertEqual(r, {"search_options": {"max_result": 50, "offset": 0},
                                 "result": [{"name": "backbone"}, {"name": "core"},
                                            {"name": "customer"}]})
            r = self.p.search_tag({"auth": AUTH, "query": {"operator": "regex_match",
                                                           "val1": "name", "val2": "^c"},
                                   "search_options": {"max_result": 1, "offset": 1}})
            self.assertEqual(r["result"], [{"name": "customer"}])
            # pynipap's Tag.search sends exactly this shape.
            self.assertEqual(self.ro.search_tag({"auth": AUTH, "query": {
                "operator": "equals", "val1": "name", "val2": "core"}})["result"],
                [{"name": "core"}])
            self.assertEqual(self.fault(self.p.search_tag, {"auth": AUTH, "query": {
                "operator": "equals", "val1": "tags", "val2": "x"}}),
                (1100, "Search variable 'tags' unknown"))
            self.assertEqual(self.fault(self.p.search_tag, {"auth": AUTH, "query": None})[0], 1100)
        finally:
            self.db.sql("DELETE FROM ip_net_plan")

    def test_listed_by_introspection(self):
        methods = self.p.system.listMethods()
        for name in ("add_asn", "list_asn", "edit_asn", "remove_asn", "search_asn",
                     "search_tag"):
            self.assertIn(name, methods)
            self.assertTrue(self.p.system.methodHelp(name))

    # read-only user ------------------------------------------------------------

    def test_readonly_refused_on_writes(self):
        self.add(64512, "Private")
        for method, args in [("add_asn", {"attr": {"asn": 1}}),
                             ("edit_asn", {"asn": {"asn": 64512}, "attr": {"name": "x"}}),
                             ("remove_asn", {"asn": {"asn": 64512}})]:
            code, _ = self.fault(getattr(self.ro, method), {"auth": AUTH, **args})
            self.assertEqual(code, 1520, method)
        # Reads are allowed; nothing was changed.
        self.assertEqual(self.ro.list_asn({"auth": AUTH}), [{"asn": 64512, "name": "Private"}])
        self.assertEqual(self.ro.search_asn({"auth": AUTH, "query": {}})["result"],
                         [{"asn": 64512, "name": "Private"}])


if __name__ == "__main__":
    harness.main()
