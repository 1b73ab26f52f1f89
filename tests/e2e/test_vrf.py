# SPDX-License-Identifier: MIT
"""VRF methods over XML-RPC with Python's xmlrpc.client (spec/xmlrpc.md §5.2,
§6): every method, a success and its errors, and the wire shapes."""
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database

VRF_KEYS = {"id", "rt", "name", "description", "tags", "avps", "num_prefixes_v4",
            "num_prefixes_v6", "total_addresses_v4", "total_addresses_v6", "used_addresses_v4",
            "used_addresses_v6", "free_addresses_v4", "free_addresses_v6"}


class Vrf(harness.ApiTestCase):
    database = "vrf"
    workers = 2

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_vrf WHERE id > 0")

    def test_add_and_list(self):
        v = self.p.add_vrf({"auth": AUTH, "attr": {"rt": " 0123: 0456", "name": "test",
                                                   "description": "d", "tags": ["a"],
                                                   "avps": {"k": "v"}}})
        self.assertEqual(set(v), VRF_KEYS)
        self.assertEqual(v["rt"], "123:456")
        self.assertEqual(v["num_prefixes_v4"], "0")  # big counters are strings
        self.assertIsInstance(v["id"], int)
        listed = self.p.list_vrf({"auth": AUTH, "vrf": {}})
        self.assertEqual([x["rt"] for x in listed], [None, "123:456"])
        self.assertEqual(listed[0]["id"], 0)
        self.assertEqual(self.p.list_vrf({"auth": AUTH, "vrf": {"rt": "123:456"}}), [v])
        self.assertEqual(self.p.list_vrf({"auth": AUTH}), listed)  # nil spec lists all

    def test_add_errors(self):
        self.assertEqual(self.fault(self.p.add_vrf, {"auth": AUTH, "attr": {"name": "x"}}),
                         (1110, "missing attribute rt"))
        self.assertEqual(self.fault(self.p.add_vrf, {"auth": AUTH, "attr": {"rt": "1:1"}}),
                         (1110, "missing attribute name"))
        self.assertEqual(self.fault(self.p.add_vrf, {"auth": AUTH, "attr": {"rt": "1:1", "name": "x",
                                                                           "foo": 1}}),
                         (1120, "extraneous attribute foo"))
        self.assertEqual(self.fault(self.p.add_vrf, {"auth": AUTH, "attr": "x"}),
                         (1100, "invalid input type, must be dict"))
        code, text = self.fault(self.p.add_vrf, {"auth": AUTH, "attr": {"rt": "foo", "name": "x"}})
        self.assertEqual(code, 1200)
        self.assertTrue(text.startswith("Invalid input for column rt"))
        self.p.add_vrf({"auth": AUTH, "attr": {"rt": "1:1", "name": "Dup"}})
        code, text = self.fault(self.p.add_vrf, {"auth": AUTH, "attr": {"rt": "1:2", "name": "dup"}})
        self.assertEqual((code, text), (1400, "Duplicate value for 'VRF name', the value 'dup' "
                                              "is already in use."))

    def test_spec_errors(self):
        for spec, expected in [
            ("x", (1100, "vrf specification must be a dict")),
            ({"id": 1, "rt": "1:1"}, (1120, "VRF specification contains too many keys, "
                                            "specify VRF id, vrf or name.")),
            ({"foo": 1}, (1120, "extraneous specification key foo")),
            ({"rt": None}, (1200, "VRF specification key 'rt' must be a string.")),
            ({"id": "1"}, (1200, "VRF specification key 'id' must be an integer.")),
        ]:
            self.assertEqual(self.fault(self.p.list_vrf, {"auth": AUTH, "vrf": spec}), expected)

    def test_edit(self):
        v = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "1:1", "name": "a"}})
        edited = self.p.edit_vrf({"auth": AUTH, "vrf": {"id": v["id"]},
                                  "attr": {"name": "b", "description": "x"}})
        self.assertEqual([(e["name"], e["description"]) for e in edited], [("b", "x")])
        self.assertEqual(self.fault(self.p.edit_vrf, {"auth": AUTH, "vrf": {"id": v["id"]},
                                                      "attr": {}}),
                         (1100, "'attr' must not be empty."))
        self.assertEqual(self.fault(self.p.edit_vrf, {"auth": AUTH, "vrf": {"id": v["id"]},
                                                      "attr": {"id": 5}}),
                         (1120, "extraneous attribute id"))
        self.assertEqual(self.fault(self.p.edit_vrf, {"auth": AUTH, "vrf": {"id": 0},
                                                      "attr": {"rt": "1:5"}}),
                         (1200, "Invalid input for column rt, must be NULL for VRF id 0"))
        self.assertEqual(self.fault(self.p.edit_vrf, {"auth": AUTH, "vrf": {},
                                                      "attr": {"name": "z"}})[0], 1110)
        self.assertEqual(self.p.edit_vrf({"auth": AUTH, "vrf": {"id": 99999999},
                                          "attr": {"name": "z"}}), [])

    def test_remove(self):
        v = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "1:1", "name": "a"}})
        self.db.sql(f"INSERT INTO ip_net_plan (vrf_id, prefix, type, description) "
                    f"VALUES ({v['id']}, '10.0.0.0/8', 'reservation', 'r')")
        self.assertEqual(self.fault(self.p.remove_vrf, {"auth": AUTH, "vrf": {"id": 0}})[0], 1200)
        self.assertEqual(self.fault(self.p.remove_vrf, {"auth": AUTH, "vrf": {}})[0], 1110)
        self.assertEqual(self.fault(self.p.remove_vrf, {"auth": AUTH}),
                         (1100, "vrf specification must be a dict"))
        self.assertIsNone(self.p.remove_vrf({"auth": AUTH, "vrf": {"name": "a"}}))
        self.assertEqual(self.p.list_vrf({"auth": AUTH, "vrf": {"name": "a"}}), [])
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_plan"), "0")

    def test_search(self):
        for i in range(1, 4):
            self.p.add_vrf({"auth": AUTH, "attr": {"rt": f"{i}:1", "name": f"vrf-{i}"}})
        r = self.p.search_vrf({"auth": AUTH, "query": {"operator": "regex_match", "val1": "name",
                                                       "val2": "vrf-[12]"},
                               "search_options": {"max_result": "1", "query_id": 7}})
        self.assertEqual(r["search_options"], {"max_result": 1, "offset": 0, "query_id": 7})
        self.assertEqual([v["name"] for v in r["result"]], ["vrf-1"])
        self.assertEqual(len(self.p.search_vrf({"auth": AUTH, "query": {}})["result"]), 4)
        for query, expected in [
            ({"operator": "foo", "val1": "name", "val2": "x"}, (1130, "No such operator foo")),
            ({"operator": "=", "val1": "foo", "val2": "x"}, (1100, "Search variable 'foo' unknown")),
            ({"operator": "=", "val1": "id", "val2": "abc"}, (1200, "Invalid syntax for integer (abc)")),
        ]:
            self.assertEqual(self.fault(self.p.search_vrf, {"auth": AUTH, "query": query}), expected)
        self.assertEqual(self.fault(self.p.search_vrf, {"auth": AUTH, "query": None})[0], 1100)
        self.assertEqual(self.fault(self.p.search_vrf, {"auth": AUTH, "query": {},
                                                        "search_options": {"offset": "x"}}),
                         (1200, "Invalid value for option 'offset'. Only integer values allowed."))

    def test_readonly_user_cannot_write(self):
        ro = self.daemon.proxy("readonly")
        for method, args in [("add_vrf", {"attr": {"rt": "9:9", "name": "x"}}),
                             ("edit_vrf", {"vrf": {"id": 0}, "attr": {"description": "x"}}),
                             ("remove_vrf", {"vrf": {"name": "x"}})]:
            code, text = self.fault(getattr(ro, method), {"auth": AUTH, **args})
            self.assertEqual(code, 1520)
            self.assertEqual(text, f"read-only user 'readonly' is not authorized to run function "
                                   f"'{method}'")
        self.assertEqual(len(ro.list_vrf({"auth": AUTH})), 1)


if __name__ == "__main__":
    harness.main()
