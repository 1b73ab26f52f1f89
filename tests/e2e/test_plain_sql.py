# SPDX-License-Identifier: MIT
"""Derived data survives plain SQL (prefixd issue 3, item 4; spec/README.md
decision 10; spec/model.md §3.4, §4.4, §6.3-§6.5, §7, §9).

A tree is built through XML-RPC: two VRFs, pools with members of both
families and prefixes allocated from them, hosts allocated from assignments,
tags inherited over several levels. Then rows of ip_net_plan are deleted,
inserted and updated with plain SQL, the way administrators and NIPAP's own
tooling do (`DELETE FROM ip_net_plan WHERE masklen(prefix) = 32`, `DELETE FROM
ip_net_plan`, ...). After every step, everything read back through XML-RPC --
list_prefix (indent, display_prefix, inherited_tags, total/used/free
addresses), search_prefix (children, display_prefix, inherited_tags, and a
search by inherited tag), list_vrf and list_pool statistics, the pools'
implied VRF and members -- must equal a recount done here from the user-owned
values alone (tests/db/nipap_model.py).
"""
import os
import sys

import harness
from harness import AUTH

sys.path.insert(0, os.path.join(harness.ROOT, "tests", "db"))
import nipap_model  # noqa: E402

ALL = {"max_result": False}


class PlainSql(harness.ApiTestCase):
    database = "plain_sql"
    workers = 2

    def add(self, prefix, type_, **attr):
        attr.setdefault("description", f"{type_} {prefix}")
        return self.p.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_, **attr}})

    def allocate(self, args, **attr):
        attr.setdefault("description", "allocated")
        return self.p.add_prefix({"auth": AUTH, "attr": attr, "args": args})

    def search(self, query):
        return self.p.search_prefix({"auth": AUTH, "query": query, "search_options": ALL})["result"]

    def assertRecounted(self, when):
        """Everything the API shows equals the recount; returns the listing."""
        listed = self.p.list_prefix({"auth": AUTH})
        searched = []
        for space in ("0.0.0.0/0", "::/0"):
            searched += self.search({"operator": "contained_within_equals", "val1": "prefix", "val2": space})
        vrfs = self.p.list_vrf({"auth": AUTH})
        pools = self.p.list_pool({"auth": AUTH})
        problems = nipap_model.api_inconsistencies(listed, searched, vrfs, pools)
        # search.md: a search on inherited_tags sees exactly the prefixes that inherit the tag
        for tag in sorted({t for p in listed for t in p["inherited_tags"]}):
            found = sorted(p["id"] for p in self.search(
                {"operator": "equals_any", "val1": "inherited_tags", "val2": tag}))
            want = sorted(p["id"] for p in listed if tag in p["inherited_tags"])
            if found != want:
                problems.append(f"search for inherited tag {tag!r} found {found}, expected {want}")
        if problems:
            self.fail(f"after {when}:\n  " + "\n  ".join(problems[:40]))
        return listed

    def sql(self, statement):
        self.db.sql(statement)
        return self.assertRecounted(statement)

    def build_tree(self):
        """The tree of the test, through XML-RPC only."""
        vrf = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65010:1", "name": "plain-a"}})["id"]
        self.p.add_pool({"auth": AUTH, "attr": {"name": "pa", "description": "allocations",
                                                "default_type": "assignment", "ipv4_default_prefix_length": 28,
                                                "ipv6_default_prefix_length": 64}})
        self.p.add_pool({"auth": AUTH, "attr": {"name": "ph", "description": "hosts", "default_type": "host",
                                                "ipv4_default_prefix_length": 32,
                                                "ipv6_default_prefix_length": 128}})
        self.add("10.0.0.0/8", "reservation", tags=["top"])
        self.add("10.1.0.0/16", "reservation", tags=["mid", "top"])
        self.add("10.1.0.0/24", "assignment", tags=["leaf"], pool_name="ph")
        for _ in range(5):
            self.allocate({"from-pool": {"name": "ph"}, "family": 4})
        self.add("10.2.0.0/16", "reservation", pool_name="pa", tags=["pool-a"])
        for _ in range(4):
            self.allocate({"from-pool": {"name": "pa"}, "family": 4})
        self.allocate({"from-pool": {"name": "pa"}, "family": 4, "prefix_length": 24})
        self.add("2001:db8::/32", "reservation", tags=["v6"])
        self.add("2001:db8:1::/48", "reservation", pool_name="pa")
        first = self.allocate({"from-pool": {"name": "pa"}, "family": 6})["prefix"]
        self.allocate({"from-pool": {"name": "pa"}, "family": 6})
        for _ in range(2):
            self.allocate({"from-prefix": [first], "prefix_length": 128}, type="host")
        self.add("10.0.0.0/8", "reservation", vrf_id=vrf, tags=["a-top"])
        self.add("10.0.1.0/24", "assignment", vrf_id=vrf)
        for _ in range(3):
            self.allocate({"from-prefix": ["10.0.1.0/24"], "prefix_length": 32}, type="host", vrf_id=vrf)
        self.add("198.51.100.1/32", "assignment", vrf_id=vrf, node="lo0")
        self.add("192.0.2.0/24", "reservation", vrf_id=vrf)
        return vrf

    def test_plain_sql_keeps_every_derived_value(self):
        vrf = self.build_tree()
        listed = self.assertRecounted("building the tree through XML-RPC")
        self.assertEqual(len(listed), 27)
        # The tree is what it should be (so the recount is not vacuous).
        by_prefix = {(p["vrf_id"], p["prefix"]): p for p in listed}
        self.assertEqual(by_prefix[(0, "10.1.0.5/32")]["inherited_tags"], ["top", "mid", "leaf"])
        self.assertEqual(by_prefix[(0, "10.1.0.5/32")]["display_prefix"], "10.1.0.5/24")
        self.assertEqual(by_prefix[(0, "10.2.0.48/28")]["indent"], 2)

        # NIPAP's own tooling and administrators: hosts and loopbacks out.
        listed = self.sql("DELETE FROM ip_net_plan WHERE masklen(prefix) = 32")
        self.assertNotIn((0, "10.1.0.5/32"), {(p["vrf_id"], p["prefix"]) for p in listed})
        self.sql("DELETE FROM ip_net_plan WHERE masklen(prefix) = 128")

        # Plain inserts: a reservation between existing levels, hosts again,
        # a whole subtree in one statement, members and children of pools.
        self.sql("INSERT INTO ip_net_plan (prefix, type, tags) VALUES ('10.1.0.0/20', 'reservation', '{ins}')")
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.1.0.7/32', 'host'), ('10.1.0.9/32', 'host')")
        self.sql(f"INSERT INTO ip_net_plan (vrf_id, prefix, type, tags) VALUES "
                 f"({vrf}, '172.16.0.0/12', 'reservation', '{{x}}'), ({vrf}, '172.16.0.0/16', 'reservation', '{{y}}'),"
                 f"({vrf}, '172.16.5.0/24', 'assignment', NULL), ({vrf}, '172.16.5.5/32', 'host', '{{z}}'),"
                 f"({vrf}, '10.0.1.77/32', 'host', '{{}}')")
        self.sql("INSERT INTO ip_net_plan (prefix, type, pool_id) SELECT '10.3.0.0/16', 'reservation', id "
                 "FROM ip_net_pool WHERE name = 'pa'")
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.2.3.0/24', 'assignment'), "
                 "('10.3.0.16/28', 'assignment'), ('2001:db8:1:5::/64', 'assignment')")

        # Plain updates: tags inherited by several levels, a member resized
        # and moved, membership and default lengths, a type change.
        self.sql("UPDATE ip_net_plan SET tags = '{new-top,top}' WHERE vrf_id = 0 AND prefix = '10.0.0.0/8'")
        self.sql("UPDATE ip_net_plan SET tags = NULL WHERE vrf_id = 0 AND prefix = '10.1.0.0/16'")
        self.sql("UPDATE ip_net_plan SET prefix = '10.2.0.0/15' WHERE vrf_id = 0 AND prefix = '10.2.0.0/16'")
        self.sql("UPDATE ip_net_plan SET prefix = '10.4.0.0/24' WHERE vrf_id = 0 AND prefix = '10.2.0.16/28'")
        self.sql("UPDATE ip_net_plan SET pool_id = NULL WHERE vrf_id = 0 AND prefix = '10.3.0.0/16'")
        self.sql("UPDATE ip_net_plan SET pool_id = (SELECT id FROM ip_net_pool WHERE name = 'ph') "
                 "WHERE vrf_id = 0 AND prefix = '10.2.3.0/24'")
        self.sql("UPDATE ip_net_pool SET ipv4_default_prefix_length = 26, ipv6_default_prefix_length = NULL "
                 "WHERE name = 'pa'")
        self.sql("UPDATE ip_net_plan SET type = 'reservation' WHERE vrf_id = 0 AND prefix = '10.4.0.0/24'")

        # Plain deletes of middle prefixes: their children move up.
        self.sql("DELETE FROM ip_net_plan WHERE vrf_id = 0 AND prefix = '10.1.0.0/16'")
        self.sql(f"DELETE FROM ip_net_plan WHERE vrf_id = {vrf} AND prefix IN ('172.16.0.0/16', '172.16.5.0/24')")
        # Several changes in one transaction.
        self.sql(f"BEGIN; INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES ({vrf}, '10.0.0.0/9', 'reservation');"
                 f"DELETE FROM ip_net_plan WHERE vrf_id = {vrf} AND prefix = '10.0.0.0/8';"
                 f"UPDATE ip_net_plan SET prefix = '10.0.2.0/24' WHERE vrf_id = {vrf} AND prefix = '10.0.1.0/24';"
                 f"COMMIT;")
        self.sql("DELETE FROM ip_net_plan WHERE pool_id IS NOT NULL")

        # Everything, the way NIPAP's tooling empties the table.
        listed = self.sql("DELETE FROM ip_net_plan")
        self.assertEqual(listed, [])
        for v in self.p.list_vrf({"auth": AUTH}):
            self.assertEqual({k: v[k] for k in v if k[-3:] in ("_v4", "_v6")},
                             {k: "0" for k in v if k[-3:] in ("_v4", "_v6")})
        for o in self.p.list_pool({"auth": AUTH}):
            self.assertEqual((o["member_prefixes_v4"], o["free_prefixes_v4"], o["total_prefixes_v6"], o["prefixes"]),
                             ("0", None, None, []))

        # The API carries on from there, and plain SQL mixes with it.
        self.add("10.0.0.0/8", "reservation", tags=["again"], pool_name="pa")
        self.allocate({"from-pool": {"name": "pa"}, "family": 4})
        self.sql("INSERT INTO ip_net_plan (prefix, type) VALUES ('10.0.0.0/16', 'reservation')")
        listed = self.assertRecounted("rebuilding after DELETE FROM ip_net_plan")
        self.assertEqual([(p["prefix"], p["indent"], p["inherited_tags"]) for p in listed],
                         [("10.0.0.0/8", 0, []), ("10.0.0.0/16", 1, ["again"]), ("10.0.0.0/26", 2, ["again"])])


if __name__ == "__main__":
    harness.main()
