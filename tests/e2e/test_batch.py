# SPDX-License-Identifier: MIT
"""POST /api/v1/batch (issue 13): many calls in one transaction, all or
nothing, driven with curl. Results come back in order and each call sees
the batch's earlier writes (allocations included); a failing call stores
nothing and is named by its index; hostile batches (too many calls, wrong
types, nesting, echo, a read-only user writing) are refused with a clear
error and change nothing; after random batches, some of them failing, every
derived value still equals a recount (tests/db/nipap_model.py)."""
import ipaddress
import random
import unittest

import harness
from harness import Daemon, data_snapshot
from test_json_api import curl

MAX_CALLS = 60  # limits.max_batch_calls of this module's daemon


class Batch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = harness.Database("batch")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=2, limits={"max_batch_calls": MAX_CALLS}).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0")

    def batch(self, calls, **kw):
        status, _, _, parsed = curl(self.daemon.port, "POST", "/api/v1/batch", calls, **kw)
        return status, parsed

    def refused(self, calls, status, code, words, index=None, **kw):
        """The batch is refused as expected and nothing is stored."""
        before = data_snapshot(self.db)
        got, body = self.batch(calls, **kw)
        self.assertEqual(got, status, body)
        error = body["error"]
        self.assertEqual(error["code"], code, error)
        self.assertIn(words, error["message"])
        self.assertEqual(error.get("index"), index, error)
        self.assertEqual(data_snapshot(self.db), before)
        return error

    def test_results_in_order_and_allocations_see_earlier_ones(self):
        alloc = {"method": "add_prefix", "args": {
            "attr": {"type": "assignment", "description": "b"},
            "args": {"from-prefix": ["10.0.0.0/16"], "prefix_length": 24}}}
        status, body = self.batch([
            {"method": "add_prefix", "args": {"attr": {"prefix": "10.0.0.0/16", "type": "reservation",
                                                       "description": "top"}}},
            alloc, alloc, alloc,
            {"method": "find_free_prefix", "args": {"args": {"from-prefix": ["10.0.0.0/16"],
                                                             "prefix_length": 24}}},
            {"method": "list_prefix", "args": {"prefix": {}}},
            {"method": "version"},
        ])
        self.assertEqual(status, 200, body)
        results = body["results"]
        self.assertEqual(len(results), 7)
        self.assertEqual([r["prefix"] for r in results[1:4]], ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"])
        self.assertEqual(results[4], ["10.0.3.0/24"])
        self.assertEqual(len(results[5]), 4)
        self.assertEqual(harness.recount_problems(self.db, self.daemon.proxy()), [])

    def test_a_failing_call_stores_nothing(self):
        add = lambda p: {"method": "add_prefix", "args": {"attr": {"prefix": p, "type": "reservation",  # noqa: E731
                                                                   "description": "x"}}}
        error = self.refused([add("10.0.0.0/8"), add("11.0.0.0/8"), add("10.0.0.0/8"), add("12.0.0.0/8")],
                             409, 1400, "Duplicate value for 'prefix'", index=2)
        self.assertEqual(error["type"], "NipapDuplicateError")
        self.refused([add("10.0.0.0/8"), {"method": "add_prefix", "args": {"attr": {
            "prefix": "11.0.0.0/8", "type": "reservation", "description": "x", "vrf_id": 999}}}],
                     404, 1300, "No matching VRF found.", index=1)

    def test_hostile_batches(self):
        ok = {"method": "list_vrf", "args": {"vrf": {}}}
        add = {"method": "add_prefix", "args": {"attr": {"prefix": "10.0.0.0/8", "type": "reservation",
                                                         "description": "x"}}}
        self.refused([add] * (MAX_CALLS + 1), 400, 1100, f"at most {MAX_CALLS} calls (limits.max_batch_calls)")
        self.refused({"method": "list_vrf"}, 400, 1100, "must be a JSON array of calls, not an object")
        self.refused("", 400, 1100, "not an object")
        self.refused([add, "list_vrf"], 400, 1100, "call 1 must be an object", index=1)
        self.refused([add, {"method": 7}], 400, 1110, "call 1: 'method' must be given as a string", index=1)
        self.refused([add, {"args": {}}], 400, 1110, "'method' must be given", index=1)
        self.refused([add, ok, {"method": "drop_everything"}], 400, 1100, "no such method 'drop_everything'",
                     index=2)
        self.refused([add, {"method": "batch", "args": {}}], 400, 1100, "a batch cannot contain a batch", index=1)
        self.refused([add, {"method": "echo", "args": {"sleep": 5}}], 400, 1100, "echo cannot be batched",
                     index=1)
        self.refused([add, {"method": "list_vrf", "args": []}], 400, 1100, "'args' must be an object", index=1)
        self.refused([add, {"method": "list_vrf", "argz": {}}], 400, 1120, "unknown key 'argz'", index=1)
        self.refused([add, {"method": "list_vrf", "args": {"auth": "me"}}], 400, 1100, "'auth' must be an object",
                     index=1)
        # a wrong type inside a call's arguments: refused when that call runs, after the ones before it
        status, body = self.batch([add, {"method": "add_prefix", "args": {"attr": ["x"]}}])
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["index"], 1)
        self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_plan"), "0")
        # read-only users batch reads, never writes
        self.refused([ok, add], 403, 1520, "read-only user 'readonly'", index=1, user="readonly")
        status, body = self.batch([ok, ok], user="readonly")
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["results"]), 2)
        # wrong credentials: the whole request, before any call
        self.refused([ok], 401, 1510, "", password="wrong")
        # the daemon is still there
        self.assertEqual(self.batch([])[0], 200)

    def test_random_batches_keep_statistics_exact(self):
        rng = random.Random(13)
        p = self.daemon.proxy()
        vrf = p.add_vrf({"auth": harness.AUTH, "attr": {"rt": "65000:13", "name": "batches"}})["id"]
        pool = p.add_pool({"auth": harness.AUTH, "attr": {"name": "bp", "description": "d",
                                                          "default_type": "assignment",
                                                          "ipv4_default_prefix_length": 27}})["id"]
        for net in range(4):
            p.add_prefix({"auth": harness.AUTH, "attr": {"prefix": f"10.{net}.0.0/16", "type": "reservation",
                                                         "vrf_id": vrf, "description": "space",
                                                         "pool_id": pool if net < 2 else None}})
        stored, failed = 0, 0
        for round_ in range(12):
            calls = []
            for _ in range(rng.randint(5, 40)):
                kind = rng.random()
                net = rng.randrange(4)
                if kind < 0.4:
                    calls.append({"method": "add_prefix", "args": {"attr": {
                        "prefix": f"10.{net}.{rng.randrange(256)}.0/24", "type": "assignment",
                        "vrf_id": vrf, "description": "r", "tags": [f"t{rng.randrange(3)}"]}}})
                elif kind < 0.7:
                    calls.append({"method": "add_prefix", "args": {
                        "attr": {"description": "pooled", "vrf_id": vrf},
                        "args": {"from-pool": {"id": pool}, "family": 4,
                                 "prefix_length": rng.choice([26, 27, 28])}}})
                elif kind < 0.85:
                    calls.append({"method": "add_prefix", "args": {"attr": {
                        "prefix": f"10.{net}.{rng.randrange(0, 256, 16)}.0/20", "type": "reservation",
                        "vrf_id": vrf, "description": "middle"}}})
                else:
                    calls.append({"method": "remove_prefix", "args": {
                        "prefix": {"prefix": f"10.{net}.{rng.randrange(0, 256, 16)}.0/20", "vrf_id": vrf},
                        "recursive": True}})
            before = data_snapshot(self.db)
            status, body = self.batch(calls)
            if status == 200:
                stored += 1
                self.assertEqual(len(body["results"]), len(calls))
            else:
                failed += 1
                self.assertIn("index", body["error"], body)
                self.assertEqual(data_snapshot(self.db), before, f"round {round_}: {body}")
            self.assertEqual(harness.recount_problems(self.db, p), [], f"round {round_}")
        self.assertGreater(stored, 0)
        self.assertGreater(failed, 0)
        allocated = [ipaddress.ip_network(r["prefix"]) for r in p.list_prefix(
            {"auth": harness.AUTH, "prefix": {"description": "pooled"}})]
        for a in allocated:
            self.assertFalse(any(a != b and a.overlaps(b) for b in allocated), a)


if __name__ == "__main__":
    harness.main()
