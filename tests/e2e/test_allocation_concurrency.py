# SPDX-License-Identifier: MIT
"""Concurrent allocations behave as if run one after another
(spec/allocation.md §7.2): 16 workers, so 16 database connections, and 16
clients allocating mixed sizes from one pool and from one parent prefix at
the same time. Every allocation succeeds, no two results are equal or
overlap, and the derived data equals a recount (model.md §13)."""
import ipaddress
import threading
import unittest

import harness
from harness import AUTH, Daemon, Database

CLIENTS = 16
ROUNDS = 130  # 16 x 130 = 2 080 allocations


class ConcurrentAllocation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("alloc_concurrency")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=CLIENTS).start()
        p = cls.daemon.proxy()
        pool = p.add_pool({"auth": AUTH, "attr": {"name": "busy", "description": "busy",
                                                  "default_type": "assignment",
                                                  "ipv4_default_prefix_length": 29}})
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/16", "type": "reservation",
                                             "description": "pool space", "pool_id": pool["id"]}})
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.1.0.0/20", "type": "assignment",
                                             "description": "host space"}})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def test_no_two_allocations_overlap(self):
        results, failures = [], []
        lock = threading.Lock()

        def client(n):
            proxy = self.daemon.proxy()
            for i in range(ROUNDS):
                try:
                    if i % 2:
                        got = proxy.add_prefix({"auth": AUTH, "attr": {
                            "type": "host", "description": f"h{n}-{i}"}, "args": {
                            "from-prefix": ["10.1.0.0/20"], "prefix_length": 32}})
                    else:
                        got = proxy.add_prefix({"auth": AUTH, "attr": {"description": f"a{n}-{i}"},
                                                "args": {"from-pool": {"name": "busy"}, "family": 4,
                                                         "prefix_length": (28, 29, 30)[i % 3]}})
                    with lock:
                        results.append(got["prefix"])
                except Exception as e:  # noqa: BLE001 - every failure is recorded
                    with lock:
                        failures.append(repr(e))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertEqual(len(results), CLIENTS * ROUNDS)
        networks = sorted(ipaddress.ip_network(r) for r in results)
        self.assertEqual(len(set(networks)), len(networks), "a prefix was handed out twice")
        for a, b in zip(networks, networks[1:]):
            self.assertFalse(a.overlaps(b), f"{a} overlaps {b}")

        # Derived data equals a recount from the rows (model.md §13), once
        # the statistics deltas the writers left pending are folded.
        sql = self.db.sql
        self.assertEqual(harness.fold_statistics(self.db), "0")
        self.assertEqual(sql("SELECT count(*) FROM ip_net_plan"), str(2 + len(results)))
        self.assertEqual(sql("SELECT num_prefixes_v4 FROM ip_net_vrf WHERE id = 0"),
                         str(2 + len(results)))
        self.assertEqual(sql("SELECT count(*) FROM ip_net_plan p WHERE children <> "
                             "(SELECT count(*) FROM ip_net_plan c WHERE c.parent_id = p.id)"), "0")
        self.assertEqual(sql("SELECT count(*) FROM ip_net_plan p WHERE used_addresses <> "
                             "coalesce((SELECT sum(c.total_addresses) FROM ip_net_plan c "
                             "WHERE c.parent_id = p.id), 0) AND type <> 'host'"), "0")
        self.assertEqual(sql("SELECT used_prefixes_v4 FROM ip_net_pool WHERE name = 'busy'"),
                         str(CLIENTS * ROUNDS // 2))
        self.assertEqual(sql("SELECT used_addresses_v4 || '/' || total_addresses_v4 FROM ip_net_vrf "
                             "WHERE id = 0"),
                         sql("SELECT sum(used_addresses) || '/' || sum(total_addresses) "
                             "FROM ip_net_plan WHERE parent_id IS NULL"))
        self.assertEqual(harness.recount_problems(self.db, self.daemon.proxy()), [])


if __name__ == "__main__":
    harness.main()
