# SPDX-License-Identifier: MIT
"""find_free_prefix over XML-RPC (spec/allocation.md §5, xmlrpc.md §5.4.5):
results, the argument checks in NIPAP's order, and the VRF rules."""
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database


class FindFree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("findfree")
        cls.db.add_standard_users()
        cls.db.sql("""
            INSERT INTO ip_net_vrf (id, rt, name) VALUES (645, '65300:1', 'alloc-a');
            INSERT INTO ip_net_plan (vrf_id, prefix, type, description) VALUES
              (0, '10.0.0.0/24', 'assignment', 'a'), (0, '10.0.0.2/32', 'host', 'h'),
              (0, '10.1.0.0/16', 'reservation', 'r'), (0, '10.1.0.0/20', 'reservation', 'r'),
              (0, '10.1.16.5/32', 'reservation', 'r'), (0, '2001:db8::/64', 'assignment', 'a'),
              (0, '172.20.1.0/24', 'reservation', 'r'), (645, '172.20.0.0/24', 'reservation', 'r');
            INSERT INTO ip_net_pool (name, default_type, ipv4_default_prefix_length)
              VALUES ('pool-v4', 'assignment', 28), ('pool-vrf', 'reservation', 24),
                     ('pool-empty', 'assignment', 24), ('pool-nodefault', 'assignment', NULL);
            UPDATE ip_net_plan SET pool_id = (SELECT id FROM ip_net_pool WHERE name = 'pool-v4')
              WHERE vrf_id = 0 AND prefix = '10.1.0.0/16';
            UPDATE ip_net_plan SET pool_id = (SELECT id FROM ip_net_pool WHERE name = 'pool-nodefault')
              WHERE vrf_id = 0 AND prefix = '10.0.0.0/24';
            INSERT INTO ip_net_plan (vrf_id, prefix, type, description, pool_id) VALUES
              (645, '172.20.0.0/16', 'reservation', 'r',
               (SELECT id FROM ip_net_pool WHERE name = 'pool-vrf'));
        """)
        cls.daemon = Daemon(cls.db, workers=1).start()
        cls.p = cls.daemon.proxy()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def find(self, args, **extra):
        return self.p.find_free_prefix({"auth": AUTH, "args": args, **extra})

    def fault(self, args, **extra):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            self.find(args, **extra)
        return cm.exception.faultCode, cm.exception.faultString

    def test_from_prefix(self):
        self.assertEqual(self.find({"from-prefix": ["10.0.0.0/24"], "prefix_length": 32, "count": 4}),
                         ["10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5"])
        self.assertEqual(self.find({"from-prefix": ["10.1.0.0/16"], "prefix_length": "24"}),
                         ["10.1.17.0/24"])
        self.assertEqual(self.find({"from-prefix": ["2001:db8::/48"], "prefix_length": 64,
                                    "count": "2"}),
                         ["2001:db8:0:1::/64", "2001:db8:0:2::/64"])
        self.assertEqual(self.find({"from-prefix": ["10.1.0.0/16"], "prefix_length": 16}), [])
        self.assertEqual(self.find({"from-prefix": ["11.3.0.0/16"], "prefix_length": 20,
                                    "count": 0}), ["11.3.0.0/20"])

    def test_from_pool(self):
        self.assertEqual(self.find({"from-pool": {"name": "pool-v4"}, "family": 4, "count": 3}),
                         ["10.1.16.16/28", "10.1.16.32/28", "10.1.16.48/28"])
        self.assertEqual(self.find({"from-pool": {"name": "pool-nodefault"}, "family": "4"}), [])
        # Decision 5: the pool's implied VRF, not VRF 0.
        self.assertEqual(self.find({"from-pool": {"name": "pool-vrf"}, "family": 4, "count": 2}),
                         ["172.20.1.0/24", "172.20.2.0/24"])
        self.assertEqual(self.fault({"from-pool": {"name": "pool-vrf"}, "family": 4},
                                    vrf={"id": 0})[0], 1100)

    def test_vrf_argument(self):
        args = {"from-prefix": ["172.20.0.0/16"], "prefix_length": 24, "count": 2}
        self.assertEqual(self.find(args), ["172.20.0.0/24", "172.20.2.0/24"])
        for vrf in ({"rt": "65300:1"}, {"name": "alloc-a"}, {"id": 645}):
            self.assertEqual(self.find(args, vrf=vrf), ["172.20.1.0/24", "172.20.2.0/24"])
        for vrf in (None, {}, {"id": None}, {"name": "default"}, {"foo": 1}):
            self.assertEqual(self.find(args, vrf=vrf), ["172.20.0.0/24", "172.20.2.0/24"])
        self.assertEqual(self.fault(args, vrf={"rt": "9:9"}), (1300, "No matching VRF found."))
        self.assertEqual(self.fault(args, vrf={"id": "0"}),
                         (1200, "VRF specification key 'id' must be an integer."))

    def test_argument_errors_in_order(self):
        cases = [
            (None, (1100, "invalid input, please provide dict as args")),
            ({"from-prefix": ["11.3.0.0/16"], "prefix_length": 20, "count": 1001},
             (1200, "count over the maximum result size")),
            ({"from-prefix": ["11.3.0.0/16"], "prefix_length": 33},
             (1200, "the specified wanted prefix length argument must be between 0 and 32 for ipv4")),
            ({"from-prefix": ["11.3.0.0/16"], "prefix_length": "x"},
             (1200, "prefix length must be integer")),
            ({"from-prefix": ["11.3.0.0/16"]},
             (1110, "'prefix_length' must be specified with 'from-prefix'")),
            ({"from-prefix": ["11.3.0.0/16"], "prefix_length": 20, "family": 4},
             (1120, "'family' is superfluous when in 'from-prefix' mode")),
            ({"from-prefix": "11.3.0.0/16", "prefix_length": 20},
             (1100, "from-prefix should be a list")),
            ({"from-prefix": ["11.3.0.0/16", "2001:db8::/48"], "prefix_length": 20},
             (1100, "mixing of address-family is not allowed for 'from-prefix' arg")),
            ({"from-prefix": ["11.3.0.x/16"], "prefix_length": 20},
             (1200, "Invalid syntax for prefix (11.3.0.x/16)")),
            ({"from-prefix": ["1.0.0.0/8"], "prefix_length": 20, "from-pool": {"name": "pool-v4"},
              "family": 4}, (1100, "specify 'from-pool' OR 'from-prefix'")),
            ({"from-pool": {"name": "pool-v4"}, "family": 6}, (1100, "No prefixes of family 6 in pool")),
            ({"from-pool": {"name": "pool-v4"}, "family": 5},
             (1200, "incorrect family specified, must be 4 or 6")),
            ({"from-pool": {"name": "pool-v4"}},
             (1110, "'family' must be specified with 'from-pool' mode")),
            ({"from-pool": {"name": "nope"}, "family": 4}, (1300, "Non-existent pool specified")),
            ({"from-pool": {"id": 1, "name": "x"}, "family": 4},
             (1120, "pool specification with 'id' should not contain anything else")),
            ({"from-pool": "pool-v4", "family": 4}, (1100, "pool specification must be a dict")),
            ({"from-pool": {"name": "pool-empty"}, "family": 4},
             (1100, "No prefixes of family 4 in pool")),
            ({"from-pool": {"name": "pool-v4"}, "family": 4, "prefix_length": 33},
             (1200, "the specified wanted prefix length argument must be between 0 and 32 for ipv4")),
        ]
        for args, expected in cases:
            self.assertEqual(self.fault(args), expected, args)
        self.assertEqual(self.fault({})[0], 1110)

    def test_readonly_may_call_it(self):
        ro = self.daemon.proxy("readonly")
        self.assertEqual(ro.find_free_prefix({"auth": AUTH, "args": {
            "from-prefix": ["10.0.0.0/24"], "prefix_length": 32}}), ["10.0.0.1"])


if __name__ == "__main__":
    harness.main()
