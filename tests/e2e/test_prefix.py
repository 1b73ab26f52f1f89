# SPDX-License-Identifier: MIT
"""Prefix methods over XML-RPC with Python's xmlrpc.client (spec/xmlrpc.md §5.4,
§6; spec/model.md §5-§9; spec/search.md §2.2, §3): every method, a success and
its errors, the wire shapes, the hierarchy and the VRF statistics after a
sequence of adds and removes, and the read-only refusals."""
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database

LIST_KEYS = {"id", "vrf_id", "vrf_rt", "vrf_name", "family", "prefix", "display_prefix",
             "description", "inherited_tags", "tags", "node", "comment", "pool_id", "pool_name",
             "type", "indent", "country", "order_id", "customer_id", "external_key",
             "authoritative_source", "alarm_priority", "monitor", "vlan", "added",
             "last_modified", "total_addresses", "used_addresses", "free_addresses", "status",
             "avps", "expires"}
SEARCH_KEYS = LIST_KEYS | {"prefix_length", "children", "match", "display"}
DEFAULT_OPTIONS = {"include_all_parents": False, "include_all_children": False,
                   "parents_depth": 0, "children_depth": 0, "include_neighbors": False,
                   "max_result": 50, "offset": 0, "parent_prefix": None}


class Prefix(harness.ApiTestCase):
    database = "prefix"
    workers = 2

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan WHERE type = 'host'; DELETE FROM ip_net_plan; "
                    "DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0")

    def add(self, prefix, type_, **attr):
        attr.setdefault("description", f"{type_} {prefix}")
        return self.p.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_, **attr}})

    def search(self, query, **options):
        return self.p.search_prefix({"auth": AUTH, "query": query, "search_options": options})

    def test_add_and_list(self):
        top = self.add("10.0.0.0/8", "reservation", tags=["top"], vlan="100", monitor=True,
                       expires=xmlrpc.client.DateTime("20300102T03:04:05"))
        self.assertEqual(set(top), LIST_KEYS)
        self.assertEqual(top["total_addresses"], "16777216")  # big counters are strings
        self.assertEqual(top["vlan"], 100)
        self.assertEqual(top["expires"], xmlrpc.client.DateTime("20300102T03:04:05"))
        self.assertEqual(top["added"], top["last_modified"])
        self.add("10.1.0.0/24", "assignment", country="se")
        host = self.add("10.1.0.1", "host", node="router1")
        self.assertEqual((host["prefix"], host["display_prefix"]), ("10.1.0.1/32", "10.1.0.1/24"))
        self.assertEqual(host["inherited_tags"], ["top"])
        self.assertIsNone(host["expires"])
        loop = self.add("192.0.2.1/32", "assignment", node="lo0")
        self.assertEqual(loop["display_prefix"], "192.0.2.1")  # inet text in the list shape
        listed = self.p.list_prefix({"auth": AUTH, "prefix": {"vrf_id": 0, "family": 4}})
        self.assertEqual([x["prefix"] for x in listed],
                         ["10.0.0.0/8", "10.1.0.0/24", "10.1.0.1/32", "192.0.2.1/32"])
        self.assertEqual([x["indent"] for x in listed], [0, 1, 2, 0])
        self.assertEqual(listed[1]["country"], "SE")
        self.assertEqual(self.p.list_prefix({"auth": AUTH}), listed)  # nil spec lists all
        self.assertEqual(self.p.list_prefix({"auth": AUTH, "prefix": {"id": str(host["id"])}}),
                         [host])

    def test_add_errors(self):
        self.add("10.0.0.0/8", "reservation")
        for attr, expected in [
            ("x", (1100, "'attr' must be a dict")),
            ({}, (1120, "specify 'prefix' or 'from-prefix' or 'from-pool'")),
            ({"prefix": "11.0.0.0/8", "type": "reservation"},
             (1110, "Either description or node must be specified.")),
            ({"prefix": "11.0.0.0/8", "description": "x"}, (1200, "Unknown prefix type")),
            ({"prefix": "11.0.0.0/8", "type": "reservation", "description": "x", "foo": 1},
             (1120, "extraneous attribute foo")),
            ({"prefix": "11.0.0.0/8", "type": "reservation", "description": "x",
              "vrf_name": "nope"}, (1300, "No matching VRF found.")),
            ({"prefix": "12.0.0.1/8", "type": "reservation", "description": "x"},
             (1200, "Invalid prefix (12.0.0.1/8); bits set to right of mask. Network address "
                    "for current mask: 12.0.0.0/8")),
            ({"prefix": "11.0.0.0/8", "type": "reservation", "description": "x",
              "expires": "foo bar"}, (1200, "Invalid date specification for expires (foo bar)")),
            ({"prefix": "99.1.1.1/32", "type": "host", "description": "x"},
             (1200, "Prefix of type host must have a parent (covering) prefix of type "
                    "assignment")),
            ({"prefix": "10.0.0.0/08", "type": "reservation", "description": "x"},
             (1400, "Duplicate value for 'prefix', the value '0, 10.0.0.0/8' is already in "
                    "use.")),
        ]:
            self.assertEqual(self.fault(self.p.add_prefix, {"auth": AUTH, "attr": attr}), expected,
                             attr)
        code, _ = self.fault(self.p.add_prefix, {"auth": AUTH, "attr": {"type": "host",
                                                                       "description": "x"},
                                                 "args": {"from-prefix": ["10.0.0.0/8"],
                                                          "prefix_length": 32}})
        # The first free /32 would sit straight under a reservation (model.md §6.1).
        self.assertEqual(code, 1200)

    def test_add_from_prefix_and_pool(self):
        """allocation.md §3, §4: the lowest free block, in the right VRF, with the pool's type."""
        self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "198.51.100.0/24", "type": "assignment",
                                                  "description": "lan"}})
        hosts = [self.p.add_prefix({"auth": AUTH, "attr": {"type": "host", "description": f"h{i}"},
                                    "args": {"from-prefix": ["198.51.100.0/24"],
                                             "prefix_length": 32}})["prefix"] for i in range(3)]
        self.assertEqual(hosts, ["198.51.100.1/32", "198.51.100.2/32", "198.51.100.3/32"])
        pool = self.p.add_pool({"auth": AUTH, "attr": {"name": "alloc-pool", "description": "p",
                                                       "default_type": "assignment",
                                                       "ipv4_default_prefix_length": 26}})
        self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "203.0.113.0/24", "type": "reservation",
                                                  "description": "r", "pool_id": pool["id"]}})
        got = self.p.add_prefix({"auth": AUTH, "attr": {"description": "from pool"},
                                 "args": {"from-pool": {"name": "alloc-pool"}, "family": 4}})
        self.assertEqual((got["prefix"], got["type"], got["pool_id"]),
                         ("203.0.113.0/26", "assignment", None))
        code, text = self.fault(self.p.add_prefix, {
            "auth": AUTH, "attr": {"description": "x"},
            "args": {"from-pool": {"name": "alloc-pool"}, "family": 4, "prefix_length": 23}})
        self.assertEqual((code, text), (1300, "no free prefix found"))

    def test_list_errors(self):
        for spec, expected in [
            ("x", (1100, "invalid prefix specification")),
            ({"pool_name": "x"}, (1120, "Key 'pool_name' not allowed in prefix spec.")),
            ({"id": 1, "prefix": "10.0.0.0/8"},
             (1120, "If 'id' specified, no other keys are allowed.")),
            ({"prefix": "foo"}, (1200, "Invalid syntax for prefix (foo)")),
        ]:
            self.assertEqual(self.fault(self.p.list_prefix, {"auth": AUTH, "prefix": spec}),
                             expected)

    def test_edit(self):
        self.add("10.0.0.0/8", "reservation")
        a = self.add("10.1.0.0/24", "assignment")
        self.add("10.1.0.1/32", "host")
        edited = self.p.edit_prefix({"auth": AUTH, "prefix": {"id": a["id"]},
                                     "attr": {"prefix": "10.1.0.0/23", "comment": "bigger",
                                              "expires": xmlrpc.client.DateTime(
                                                  "20350101T12:00:00")}})
        self.assertEqual(len(edited), 1)
        self.assertEqual(set(edited[0]), SEARCH_KEYS)
        self.assertEqual((edited[0]["prefix"], edited[0]["children"], edited[0]["used_addresses"]),
                         ("10.1.0.0/23", 1, "1"))
        self.assertEqual(edited[0]["expires"], xmlrpc.client.DateTime("20350101T12:00:00"))
        host = self.p.list_prefix({"auth": AUTH, "prefix": {"prefix": "10.1.0.1/32"}})[0]
        self.assertEqual(host["display_prefix"], "10.1.0.1/23")
        for args, expected in [
            ({"prefix": {"id": a["id"]}, "attr": "x"}, (1100, "invalid input type, must be dict")),
            ({"prefix": {"id": a["id"]}, "attr": {}}, (1100, "'attr' must not be empty.")),
            ({"prefix": {"id": a["id"]}, "attr": {"indent": 1}},
             (1120, "extraneous attribute indent")),
            ({"prefix": {"foo": 1}, "attr": {"comment": "x"}},
             (1120, "Key 'foo' not allowed in prefix spec.")),
            ({"prefix": {"id": a["id"]}, "attr": {"type": "reservation"}},
             (1200, "Changing from type 'assignment' to 'reservation' requires there to be no "
                    "child prefixes.")),
            ({"prefix": {"id": a["id"]}, "attr": {"prefix": "10.2.0.0/24"}},
             (1200, "Parent prefix (10.0.0.0/8) is of type reservation but must be of type "
                    "'assignment'")),
        ]:
            self.assertEqual(self.fault(self.p.edit_prefix, {"auth": AUTH, **args}), expected)
        vrf = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:1", "name": "other"}})
        self.assertEqual(self.fault(self.p.edit_prefix, {"auth": AUTH, "prefix": {"id": a["id"]},
                                                         "attr": {"vrf_id": vrf["id"]}}),
                         (1200, "Changing VRF is not allowed"))
        self.assertEqual(self.p.edit_prefix({"auth": AUTH, "prefix": {"prefix": "11.0.0.0/8"},
                                             "attr": {"comment": "x"}}), [])

    def test_remove(self):
        self.add("10.0.0.0/8", "reservation")
        a = self.add("10.1.0.0/24", "assignment")
        self.add("10.1.0.1/32", "host")
        for args, expected in [
            ({"prefix": {"id": a["id"]}},
             (1200, "Prohibited delete, prefix (10.1.0.0/24) contains hosts.")),
            ({"prefix": {"type": "host"}}, (1110, "missing prefix or id of prefix")),
            ({"prefix": None}, (1100, "invalid prefix specification")),
        ]:
            self.assertEqual(self.fault(self.p.remove_prefix, {"auth": AUTH, **args}), expected)
        self.assertEqual(self.fault(self.p.remove_prefix, {"auth": AUTH,
                                                           "prefix": {"id": 99999999}})[0], 1300)
        self.assertIsNone(self.p.remove_prefix({"auth": AUTH, "prefix": {"prefix": "11.0.0.0/8"}}))
        self.assertIsNone(self.p.remove_prefix({"auth": AUTH, "prefix": {"id": a["id"]},
                                                "recursive": True}))
        self.assertEqual([x["prefix"] for x in self.p.list_prefix({"auth": AUTH})],
                         ["10.0.0.0/8"])

    def test_search(self):
        self.add("10.0.0.0/8", "reservation")
        self.add("10.1.0.0/24", "assignment")
        for i in (1, 2, 3):
            self.add(f"10.1.0.{i}/32", "host", node=f"n{i}")
        r = self.search({"operator": "=", "val1": "prefix", "val2": "10.1.0.2/32"},
                        include_neighbors=True, query_id=7)
        self.assertEqual(r["search_options"], {**DEFAULT_OPTIONS, "include_neighbors": True,
                                               "query_id": 7})
        self.assertEqual([(x["prefix"], x["match"], x["display"]) for x in r["result"]],
                         [("10.1.0.1/32", False, True), ("10.1.0.2/32", True, True),
                          ("10.1.0.3/32", False, True)])
        self.assertEqual(set(r["result"][0]), SEARCH_KEYS)
        self.assertEqual(r["result"][0]["display_prefix"], "10.1.0.1/24")
        parent = self.p.list_prefix({"auth": AUTH, "prefix": {"prefix": "10.0.0.0/8"}})[0]
        r = self.search({"operator": "=", "val1": "node", "val2": "nothing"},
                        parent_prefix=str(parent["id"]))
        self.assertEqual([(x["prefix"], x["match"], x["display"]) for x in r["result"]],
                         [("10.0.0.0/8", False, None), ("10.1.0.0/24", False, None)])
        self.assertEqual(r["search_options"]["parent_prefix"], str(parent["id"]))
        r = self.search({"operator": "contained_within_equals", "val1": "prefix",
                         "val2": "10.0.0.0/8"}, max_result=0)
        self.assertIsNone(r["search_options"]["max_result"])
        self.assertEqual(len(r["result"]), 5)
        for query, options, expected in [
            ({}, {}, (1110, "'val1' must be specified")),
            ("prefix=10.0.0.0/8", {}, (1110, "'val1' must be specified")),
            ({"operator": "=", "val1": "pool_name", "val2": "x"}, {},
             (1100, "Search variable 'pool_name' unknown")),
            ({"operator": "foo", "val1": "prefix", "val2": "x"}, {}, (1130, "No such operator foo")),
            ({"operator": "=", "val1": "prefix", "val2": "x"}, {"parents_depth": "x"},
             (1200, "Invalid value for option 'parent_depth'. Only integer values allowed.")),
            ({"operator": "=", "val1": "prefix", "val2": "x"}, {"include_all_parents": "true"},
             (1200, "Invalid value for option 'include_all_parents'. Only true and false valid. "
                    "Supplied value :'true'")),
            ({"operator": "=", "val1": "prefix", "val2": "x"}, {"parent_prefix": 99999999},
             (1300, "Parent prefix 99999999 can not be found")),
        ]:
            self.assertEqual(self.fault(self.p.search_prefix, {"auth": AUTH, "query": query,
                                                               "search_options": options}),
                             expected)

    def test_hierarchy_and_vrf_statistics(self):
        vrf = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:9", "name": "stats"}})

        def stats():
            v = self.p.list_vrf({"auth": AUTH, "vrf": {"id": vrf["id"]}})[0]
            return tuple(v[k] for k in ("num_prefixes_v4", "total_addresses_v4",
                                        "used_addresses_v4", "free_addresses_v4",
                                        "num_prefixes_v6"))

        def tree():
            rows = self.search({"operator": "=", "val1": "vrf_id", "val2": vrf["id"]})["result"]
            return [(x["prefix"], x["indent"], x["children"], x["used_addresses"]) for x in rows]

        self.add("10.1.0.0/24", "assignment", vrf_rt="65000:9")
        self.add("10.1.0.5/32", "host", vrf_id=vrf["id"])
        self.add("10.0.0.0/8", "reservation", vrf_name="stats")  # above existing ones
        self.add("10.1.0.0/16", "reservation", vrf_id=vrf["id"])  # in the middle
        self.add("2001:db8::/32", "reservation", vrf_id=vrf["id"])
        self.assertEqual(tree(), [("10.0.0.0/8", 0, 1, "65536"), ("10.1.0.0/16", 1, 1, "256"),
                                  ("10.1.0.0/24", 2, 1, "1"), ("10.1.0.5/32", 3, 0, "1"),
                                  ("2001:db8::/32", 0, 0, "0")])
        self.assertEqual(stats(), ("4", "16777216", "65536", "16711680", "1"))
        self.p.remove_prefix({"auth": AUTH, "prefix": {"prefix": "10.1.0.0/16",
                                                       "vrf_id": vrf["id"]}})
        self.assertEqual(tree()[:3], [("10.0.0.0/8", 0, 1, "256"), ("10.1.0.0/24", 1, 1, "1"),
                                      ("10.1.0.5/32", 2, 0, "1")])
        self.assertEqual(stats(), ("3", "16777216", "256", "16776960", "1"))
        self.p.remove_prefix({"auth": AUTH, "prefix": {"prefix": "10.0.0.0/8",
                                                       "vrf_id": vrf["id"]}, "recursive": True})
        self.assertEqual(stats(), ("0", "0", "0", "0", "1"))
        # The default VRF was never touched.
        self.assertEqual(self.p.list_prefix({"auth": AUTH, "prefix": {"vrf_id": 0}}), [])

    def test_readonly_user_cannot_write(self):
        a = self.add("10.0.0.0/8", "reservation")
        ro = self.daemon.proxy("readonly")
        for method, args in [
            ("add_prefix", {"attr": {"prefix": "11.0.0.0/8", "type": "reservation",
                                     "description": "x"}}),
            ("edit_prefix", {"prefix": {"id": a["id"]}, "attr": {"description": "x"}}),
            ("remove_prefix", {"prefix": {"id": a["id"]}}),
        ]:
            code, text = self.fault(getattr(ro, method), {"auth": AUTH, **args})
            self.assertEqual(code, 1520)
            self.assertEqual(text, f"read-only user 'readonly' is not authorized to run function "
                                   f"'{method}'")
        self.assertEqual(len(ro.list_prefix({"auth": AUTH})), 1)
        self.assertEqual(len(ro.search_prefix({"auth": AUTH, "query": {
            "operator": "=", "val1": "prefix", "val2": "10.0.0.0/8"}})["result"]), 1)


if __name__ == "__main__":
    harness.main()
