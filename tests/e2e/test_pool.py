# SPDX-License-Identifier: MIT
"""Pool methods over XML-RPC with Python's xmlrpc.client (spec/xmlrpc.md §5.3,
§4.3, §6; spec/errors.md §4.2): every method, a success and its errors, and
the wire shapes."""
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database

POOL_KEYS = {"id", "name", "description", "default_type", "ipv4_default_prefix_length",
             "ipv6_default_prefix_length", "member_prefixes_v4", "member_prefixes_v6",
             "used_prefixes_v4", "used_prefixes_v6", "free_prefixes_v4", "free_prefixes_v6",
             "total_prefixes_v4", "total_prefixes_v6", "total_addresses_v4", "total_addresses_v6",
             "used_addresses_v4", "used_addresses_v6", "free_addresses_v4", "free_addresses_v6",
             "tags", "avps", "vrf_id", "vrf_rt", "vrf_name", "prefixes"}
V4_LENGTH = (1200, "Default IPv4 prefix length must be an integer between 1 and 32.")
V6_LENGTH = (1200, "Default IPv6 prefix length must be an integer between 1 and 128.")


class Pool(harness.ApiTestCase):
    database = "pool"
    workers = 2

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_pool; "
                    "DELETE FROM ip_net_vrf WHERE id > 0")

    def add(self, name, **attr):
        return self.p.add_pool({"auth": AUTH, "attr": {"name": name, "description": None,
                                                        "default_type": None, **attr}})

    def test_add_and_list(self):
        p = self.add("pool-a", description="first pool", default_type="assignment",
                     ipv4_default_prefix_length=24, ipv6_default_prefix_length="64",
                     tags=["core", "dc1"], avps={"owner": "noc"})
        self.assertEqual(set(p), POOL_KEYS)
        self.assertIsInstance(p["id"], int)
        self.assertEqual((p["ipv4_default_prefix_length"], p["ipv6_default_prefix_length"]),
                         (24, 64))
        self.assertEqual(p["member_prefixes_v4"], "0")  # big counters are strings
        self.assertIsNone(p["free_prefixes_v4"])
        self.assertIsNone(p["total_prefixes_v6"])
        self.assertEqual((p["vrf_id"], p["vrf_rt"], p["vrf_name"], p["prefixes"]),
                         (None, None, None, []))
        self.assertEqual((p["tags"], p["avps"]), (["core", "dc1"], {"owner": "noc"}))
        # Python's int(): a float is truncated, a bool is 0/1.
        f = self.add("float", ipv4_default_prefix_length=24.5, ipv6_default_prefix_length=True)
        self.assertEqual((f["ipv4_default_prefix_length"], f["ipv6_default_prefix_length"]),
                         (24, 1))
        self.assertIsNone(self.add("nil-tags", tags=None)["tags"])
        self.add("")
        listed = self.p.list_pool({"auth": AUTH})
        self.assertEqual([x["name"] for x in listed], ["", "float", "nil-tags", "pool-a"])
        self.assertEqual(listed[3], p)
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": {}}), listed)
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": None}), listed)
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": {"id": p["id"]}}), [p])
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": {"name": "pool-a"}}), [p])
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": {"name": "POOL-A"}}), [])
        self.assertEqual(self.p.list_pool({"auth": AUTH, "pool": {"id": 99999999}}), [])

    def test_add_errors(self):
        add = self.p.add_pool
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {}}),
                         (1110, "missing attribute name"))
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {"name": "x", "default_type": None}}),
                         (1110, "missing attribute description"))
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {"name": "x", "description": "x"}}),
                         (1110, "missing attribute default_type"))
        for attr in (None, "pool"):
            self.assertEqual(self.fault(add, {"auth": AUTH, "attr": attr}),
                             (1100, "invalid input type, must be dict"))
        base = {"name": "x", "description": "x", "default_type": None}
        for key in ("foo", "id", "vrf_id", "vrf_rt", "prefixes", "used_prefixes_v4",
                    "free_prefixes_v6", "total_addresses_v4"):
            self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {**base, key: "0"}}),
                             (1120, f"extraneous attribute {key}"))
        for v4 in (0, 33, -1, "over 9000", "24.5", [24], {"a": 1}):
            self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {
                **base, "ipv4_default_prefix_length": v4}}), V4_LENGTH, v4)
        for v6 in (0, 129, -5, "over 9000"):
            self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {
                **base, "ipv6_default_prefix_length": v6}}), V6_LENGTH, v6)
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {
            **base, "ipv4_default_prefix_length": 99, "ipv6_default_prefix_length": 999}}),
            V4_LENGTH)
        for bad in ("bogus", "Assignment", "", 1):
            code, text = self.fault(add, {"auth": AUTH, "attr": {**base, "default_type": bad}})
            self.assertEqual(code, 1200, bad)
            self.assertIn("default_type", text)
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {**base, "name": None}}),
                         (1200, "'name' must not be nil"))
        self.assertEqual(self.fault(add, {"auth": AUTH, "attr": {**base, "avps": {"": "1"}}}),
                         (1200, "AVP with empty name is not allowed"))
        self.add("pool-a")
        for dup in ("pool-a", "POOL-A"):
            self.assertEqual(self.fault(self.add, dup),
                             (1400, "Duplicate value for 'pool name', the value 'pool-a' is "
                                    "already in use."))
        # member_prefixes_* are accepted but the statistic stays the database's.
        q = self.add("quirk", member_prefixes_v4=7, member_prefixes_v6="3")
        self.assertEqual((q["member_prefixes_v4"], q["member_prefixes_v6"]), ("0", "0"))
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_pool"), "2")

    def test_spec_errors(self):
        self.add("pool-a")
        for spec, expected in [
            ("pool-a", (1100, "pool specification must be a dict")),
            ([1], (1100, "pool specification must be a dict")),
            ({"id": 1, "name": "pool-a"},
             (1120, "pool specification with 'id' should not contain anything else")),
            ({"description": "x"}, (1120, "extraneous specification key description")),
            ({"id": "1"}, (1200, "pool specification key 'id' must be an integer")),
            ({"id": None}, (1200, "pool specification key 'id' must be an integer")),
            ({"id": True}, (1200, "pool specification key 'id' must be an integer")),
            ({"name": 1}, (1200, "pool specification key 'name' must be a string")),
            ({"name": None}, (1200, "pool specification key 'name' must be a string")),
        ]:
            self.assertEqual(self.fault(self.p.list_pool, {"auth": AUTH, "pool": spec}), expected,
                             spec)

    def test_edit(self):
        a = self.add("pool-a", default_type="assignment", ipv4_default_prefix_length=24)
        self.add("pool-b")
        edited = self.p.edit_pool({"auth": AUTH, "pool": {"id": a["id"]},
                                   "attr": {"description": "edited", "ipv6_default_prefix_length": 64,
                                            "tags": ["t"], "avps": {"k": "v"}}})
        self.assertEqual(len(edited), 1)
        self.assertEqual(set(edited[0]), POOL_KEYS)
        self.assertEqual((edited[0]["description"], edited[0]["ipv6_default_prefix_length"],
                          edited[0]["tags"], edited[0]["avps"]), ("edited", 64, ["t"], {"k": "v"}))
        # NIPAP's edit_pool sends prefixes nil for a pool without members.
        self.assertIsNone(edited[0]["prefixes"])
        renamed = self.p.edit_pool({"auth": AUTH, "pool": {"name": "pool-a"},
                                    "attr": {"name": "pool-a2", "ipv4_default_prefix_length": None}})
        self.assertEqual([(r["name"], r["ipv4_default_prefix_length"]) for r in renamed],
                         [("pool-a2", None)])
        self.assertEqual(self.p.edit_pool({"auth": AUTH, "pool": {"name": "nope"},
                                           "attr": {"description": "x"}}), [])
        only_members = self.p.edit_pool({"auth": AUTH, "pool": {"name": "pool-b"},
                                         "attr": {"member_prefixes_v6": 9}})
        self.assertEqual(only_members[0]["member_prefixes_v6"], "0")
        edit = self.p.edit_pool
        either = (1110, "pool spec must contain either 'id' or 'name'")
        for spec in ({}, {"id": a["id"], "name": "pool-a2"}, {"foo": "x"}, "pool-a", [1]):
            self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": spec,
                                               "attr": {"description": "x"}}), either, spec)
        self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": None, "attr": {"description": "x"}}),
                         (1100, "pool specification must be a dict"))
        self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": {"name": "pool-b", "foo": "x"},
                                           "attr": {"description": "x"}}),
                         (1120, "extraneous specification key foo"))
        self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": {"id": "x"},
                                           "attr": {"description": "x"}}),
                         (1200, "pool specification key 'id' must be an integer"))
        spec = {"name": "pool-b"}
        for attr, expected in [
            ({}, (1100, "'attr' must not be empty.")),
            (None, (1100, "invalid input type, must be dict")),
            ({"vrf_id": 1}, (1120, "extraneous attribute vrf_id")),
            ({"avps": {"": "x"}}, (1200, "AVP with empty name is not allowed")),
            ({"ipv4_default_prefix_length": 40}, V4_LENGTH),
            ({"ipv6_default_prefix_length": 200}, V6_LENGTH),
            ({"name": "Pool-A2"}, (1400, "Duplicate value for 'pool name', the value 'pool-a2' "
                                         "is already in use.")),
        ]:
            self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": spec, "attr": attr}),
                             expected, attr)
        self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": spec, "attr": {"name": None}})[0],
                         1200)
        self.assertEqual(self.fault(edit, {"auth": AUTH, "pool": spec,
                                           "attr": {"default_type": "bogus"}})[0], 1200)

    def test_members_statistics_and_remove(self):
        self.db.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65100:1', 'pool-vrf')")
        vrf = int(self.db.sql("SELECT id FROM ip_net_vrf WHERE rt = '65100:1'"))
        p = self.add("pool-stats", default_type="assignment", ipv4_default_prefix_length=26,
                     ipv6_default_prefix_length=64)
        for prefix in ("2001:db8:100::/48", "172.16.1.0/24", "172.16.0.0/24"):
            self.db.sql(f"INSERT INTO ip_net_plan (vrf_id, prefix, type, description, pool_id) "
                        f"VALUES ({vrf}, '{prefix}', 'reservation', 'm', {p['id']})")
        self.db.sql(f"INSERT INTO ip_net_plan (vrf_id, prefix, type, description) "
                    f"VALUES ({vrf}, '172.16.0.0/26', 'assignment', 'child')")
        [got] = self.p.list_pool({"auth": AUTH, "pool": {"name": "pool-stats"}})
        self.assertEqual((got["vrf_id"], got["vrf_rt"], got["vrf_name"]),
                         (vrf, "65100:1", "pool-vrf"))
        self.assertEqual(got["prefixes"], ["172.16.0.0/24", "172.16.1.0/24", "2001:db8:100::/48"])
        self.assertEqual({k: got[k] for k in ("member_prefixes_v4", "used_prefixes_v4",
                                              "free_prefixes_v4", "total_prefixes_v4",
                                              "total_addresses_v4", "used_addresses_v4",
                                              "free_addresses_v4", "free_prefixes_v6",
                                              "total_addresses_v6")},
                         {"member_prefixes_v4": "2", "used_prefixes_v4": "1",
                          "free_prefixes_v4": "7", "total_prefixes_v4": "8",
                          "total_addresses_v4": "512", "used_addresses_v4": "64",
                          "free_addresses_v4": "448", "free_prefixes_v6": "65536",
                          "total_addresses_v6": "1208925819614629174706176"})
        # A new default length recomputes free/total.
        [edited] = self.p.edit_pool({"auth": AUTH, "pool": {"id": p["id"]},
                                     "attr": {"ipv4_default_prefix_length": 25}})
        self.assertEqual((edited["free_prefixes_v4"], edited["total_prefixes_v4"]), ("4", "5"))
        self.assertEqual(edited["prefixes"], got["prefixes"])

        remove = self.p.remove_pool
        self.assertEqual(self.fault(remove, {"auth": AUTH, "pool": {}})[0], 1110)
        self.assertEqual(self.fault(remove, {"auth": AUTH}),
                         (1100, "pool specification must be a dict"))
        self.assertEqual(self.fault(remove, {"auth": AUTH, "pool": "pool-stats"}),
                         (1100, "pool specification must be a dict"))
        self.assertEqual(self.fault(remove, {"auth": AUTH, "pool": {"foo": 1}}),
                         (1120, "extraneous specification key foo"))
        self.assertEqual(self.fault(remove, {"auth": AUTH, "pool": {"id": 1, "name": "x"}}),
                         (1120, "pool specification with 'id' should not contain anything else"))
        self.assertEqual(self.fault(remove, {"auth": AUTH, "pool": {"id": "1"}}),
                         (1200, "pool specification key 'id' must be an integer"))
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_pool"), "1")
        self.assertIsNone(remove({"auth": AUTH, "pool": {"name": "POOL-STATS"}}))  # no match
        self.assertIsNone(remove({"auth": AUTH, "pool": {"name": "pool-stats"}}))
        self.assertEqual(self.p.list_pool({"auth": AUTH}), [])
        # The members stay, detached.
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_plan WHERE pool_id IS NULL"), "4")

    def test_search(self):
        self.db.sql("INSERT INTO ip_net_vrf (rt, name) VALUES ('65100:1', 'pool-vrf')")
        a = self.add("pool-a", default_type="assignment", tags=["core"],
                     ipv4_default_prefix_length=24)
        self.add("pool-b", default_type="reservation", description="second")
        self.add("other")
        self.db.sql(f"INSERT INTO ip_net_plan (vrf_id, prefix, type, description, pool_id) "
                    f"SELECT id, '10.0.0.0/24', 'reservation', 'm', {a['id']} FROM ip_net_vrf "
                    f"WHERE rt = '65100:1'")

        def names(query, **options):
            args = {"auth": AUTH, "query": query}
            if options:
                args["search_options"] = options
            return [p["name"] for p in self.p.search_pool(args)["result"]]

        r = self.p.search_pool({"auth": AUTH, "query": {"operator": "=", "val1": "name",
                                                        "val2": "pool-b"},
                                "search_options": {"max_result": "5", "query_id": 7}})
        self.assertEqual(r["search_options"], {"max_result": 5, "offset": 0, "query_id": 7})
        self.assertEqual(set(r["result"][0]), POOL_KEYS)
        self.assertIsNone(r["result"][0]["prefixes"])  # nil for a pool without members
        self.assertEqual(names({"operator": "regex_match", "val1": "name", "val2": "^POOL"}),
                         ["pool-a", "pool-b"])
        self.assertEqual(names({"operator": "equals", "val1": "default_type", "val2": None}),
                         ["other"])
        self.assertEqual(names({"operator": "equals_any", "val1": "tags", "val2": "CORE"}),
                         ["pool-a"])
        self.assertEqual(names({"operator": "=", "val1": "vrf_rt", "val2": "65100:1"}), ["pool-a"])
        self.assertEqual(names({"operator": "=", "val1": "total_addresses_v4", "val2": "256"}),
                         ["pool-a"])
        self.assertEqual(names({"operator": "or",
                                "val1": {"operator": "=", "val1": "name", "val2": "other"},
                                "val2": {"operator": ">", "val1": "member_prefixes_v4",
                                         "val2": 0}}), ["other", "pool-a"])
        self.assertEqual(names({"operator": "like", "val1": "name", "val2": "%"}, offset=1,
                               max_result=1), ["pool-a"])
        [found] = self.p.search_pool({"auth": AUTH, "query": {"operator": "=", "val1": "id",
                                                              "val2": a["id"]}})["result"]
        self.assertEqual((found["vrf_rt"], found["prefixes"]), ("65100:1", ["10.0.0.0/24"]))

        search = self.p.search_pool
        self.assertEqual(self.fault(search, {"auth": AUTH, "query": {}})[0], 1110)
        self.assertEqual(self.fault(search, {"auth": AUTH, "query": None})[0], 1100)
        self.assertEqual(self.fault(search, {"auth": AUTH})[0], 1100)
        for query, expected in [
            ({"operator": "=", "val1": "name"}, 1110),
            ({"val1": "name", "val2": "x"}, 1110),
            ({"operator": "=", "val1": "vrf_id", "val2": 0}, 1100),
            ({"operator": "bogus", "val1": "name", "val2": "x"}, 1130),
            ({"operator": "=", "val1": "ipv4_default_prefix_length", "val2": "abc"}, 1200),
        ]:
            self.assertEqual(self.fault(search, {"auth": AUTH, "query": query})[0], expected, query)
        self.assertEqual(self.fault(search, {"auth": AUTH, "query": {
            "operator": "=", "val1": "default_type", "val2": "bogus"}}),
            (1200, "invalid value 'bogus' for default_type; expected one of reservation, "
                   "assignment, host"))
        self.assertEqual(self.fault(search, {"auth": AUTH, "query": {"operator": "=", "val1": "foo",
                                                                     "val2": "x"}}),
                         (1100, "Search variable 'foo' unknown"))
        self.assertEqual(self.fault(search, {"auth": AUTH, "query": {"operator": "like",
                                                                     "val1": "name", "val2": "%"},
                                             "search_options": {"max_result": "x"}}),
                         (1200, "Invalid value for option 'max_result'. Only integer values "
                                "allowed."))

    def test_readonly_user_cannot_write(self):
        p = self.add("pool-a")
        ro = self.daemon.proxy("readonly")
        for method, args in [
                ("add_pool", {"attr": {"name": "x", "description": None, "default_type": None}}),
                ("edit_pool", {"pool": {"id": p["id"]}, "attr": {"description": "x"}}),
                ("remove_pool", {"pool": {"name": "pool-a"}})]:
            code, text = self.fault(getattr(ro, method), {"auth": AUTH, **args})
            self.assertEqual(code, 1520)
            self.assertEqual(text, f"read-only user 'readonly' is not authorized to run function "
                                   f"'{method}'")
        self.assertEqual(ro.list_pool({"auth": AUTH}), [p])
        self.assertEqual(len(ro.search_pool({"auth": AUTH, "query": {
            "operator": "=", "val1": "name", "val2": "pool-a"}})["result"]), 1)
        self.assertEqual(self.db.sql("SELECT description IS NULL FROM ip_net_pool"), "t")


if __name__ == "__main__":
    harness.main()
