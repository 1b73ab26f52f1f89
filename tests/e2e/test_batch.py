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
import subprocess
import unittest

import harness
from harness import Daemon, data_snapshot
from test_json_api import curl

MAX_CALLS = 300  # limits.max_batch_calls of this module's daemon


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

    def test_runs_of_explicit_adds_read_back_as_one_by_one(self):
        # 16 or more consecutive explicit add_prefix calls go to the database
        # as one statement (0016); each must come back, and be stored and
        # audited, exactly as the same calls made one at a time -- refusals
        # included (the run is then retried one by one and names its call).
        rng = random.Random(16)
        p = self.daemon.proxy()
        vrfs = [p.add_vrf({"auth": harness.AUTH, "attr": {"rt": f"65016:{n}", "name": f"runs {n}"}})["id"]
                for n in (1, 2)]
        varied = [{}, {"tags": ["a", "b"]}, {"avps": {"k": "v", "q\"uote": "x"}}, {"comment": "c"},
                  {"country": "se"}, {"alarm_priority": "high"}, {"order_id": "o", "customer_id": "cu"},
                  {"status": "reserved"}, {"node": "n1", "description": None}, {"external_key": "e"}]

        def add(vrf, prefix, type_, extra=None):
            attr = {"prefix": prefix, "type": type_, "vrf_id": vrf, "description": "run"}
            attr.update(extra or {})
            return {"method": "add_prefix", "args": {"attr": {k: v for k, v in attr.items() if v is not None}}}

        def comparable(result):
            return {k: v for k, v in result.items()
                    if k not in ("id", "vrf_id", "vrf_rt", "vrf_name", "added", "last_modified", "pool_id",
                                 "pool_name")}

        base_prefixes = "('10.0.0.0/8', '10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/16', '2001:db8::/64')"

        def log_of(vrf):
            return self.db.sql(f"SELECT prefix_prefix || '|' || description || '|' || username || '|' || "
                               f"authoritative_source FROM ip_net_log WHERE vrf_id = {vrf} "
                               f"AND prefix_prefix NOT IN {base_prefixes} ORDER BY id"
                               ).replace(f"'vrf_id': {vrf}", "'vrf_id': V")

        # Hosts under a pool member take its free-block lock (0014, 0016).
        pools = [p.add_pool({"auth": harness.AUTH, "attr": {
            "name": f"runs {n}", "description": "d", "default_type": "assignment",
            "ipv4_default_prefix_length": 24}})["id"] for n in (1, 2)]
        ran_at_once = 0
        for round_ in range(10):
            self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_log")
            base = []
            for vrf, pool in zip(vrfs, pools):
                base += [add(vrf, "10.0.0.0/8", "reservation"), add(vrf, "10.1.0.0/24", "assignment",
                                                                      {"pool_id": pool}),
                         add(vrf, "10.2.0.0/24", "assignment"), add(vrf, "10.3.0.0/16", "reservation"),
                         add(vrf, "2001:db8::/64", "assignment")]
            self.assertEqual(self.batch(base)[0], 200)
            calls = []
            used = set()
            wanted = rng.randint(16, 40)
            while len(calls) < wanted:
                kind = rng.random()
                if kind < 0.4:
                    prefix, type_ = f"10.{rng.randint(1, 2)}.0.{rng.randrange(1, 255)}/32", "host"
                elif kind < 0.45:  # written as an address: the database reads it
                    prefix, type_ = f"10.2.0.{rng.randrange(1, 255)}", "host"
                elif kind < 0.5:
                    prefix, type_ = f"2001:db8::{rng.randrange(1, 65535):x}", "host"
                elif kind < 0.8:
                    prefix, type_ = f"10.3.{rng.randrange(255)}.0/24", "assignment"
                else:
                    prefix, type_ = f"10.{rng.randrange(16, 250)}.0.0/16", "reservation"
                if str(ipaddress.ip_network(prefix)) in used:
                    continue
                used.add(str(ipaddress.ip_network(prefix)))
                extra = rng.choice(varied)
                calls.append((prefix, type_, extra if "node" not in extra or type_ == "host" else {}))
            fault = rng.choice([None, None, "duplicate", "parent", "overlap", "inside"])
            at = rng.randrange(len(calls))
            if fault == "duplicate":
                calls.insert(at, ("10.1.0.0/24", "assignment", {}))
            elif fault == "parent":
                calls.insert(at, ("10.3.0.1/32", "host", {}))
            elif fault == "overlap":  # stored, but one by one: the host is inside the /24
                calls.insert(at, ("10.3.255.0/24", "assignment", {}))
                calls.append(("10.3.255.9/32", "host", {}))
            elif fault == "inside":  # an assignment above a call's reservation
                calls.append(("10.3.0.0/17", "assignment", {}))
            results = []
            for vrf in vrfs:
                batch = [add(vrf, *c) for c in calls]
                if vrf == vrfs[0]:
                    results.append(self.batch(batch))
                else:
                    one_by_one = []
                    for n, call in enumerate(batch):
                        status, body = self.batch([call])
                        if status != 200:
                            body["error"]["index"] = n
                            one_by_one = (status, body)
                            break
                        one_by_one.append(body["results"][0])
                    results.append(one_by_one if isinstance(one_by_one, tuple) else (200, {"results": one_by_one}))
            (status, body), (want_status, want) = results
            self.assertEqual(status, want_status, f"round {round_} ({fault}): {body}")
            if status != 200:
                want["error"]["message"] = want["error"]["message"].replace(f"'{vrfs[1]}, ", f"'{vrfs[0]}, ")
                self.assertEqual(body["error"], want["error"], f"round {round_}")
                self.assertEqual(self.db.sql(f"SELECT count(*) FROM ip_net_plan WHERE vrf_id = {vrfs[0]}"), "5")
                continue
            # Audit rows written by one statement share a command id (cmin).
            commands = self.db.sql(f"SELECT count(DISTINCT cmin::text) FROM ip_net_log WHERE vrf_id = {vrfs[0]} "
                                   f"AND prefix_prefix NOT IN {base_prefixes}")
            ran_at_once += commands == "1"
            self.assertEqual(commands == "1", fault is None, f"round {round_} ({fault})")
            self.assertEqual([comparable(r) for r in body["results"]],
                             [comparable(r) for r in want["results"]], f"round {round_} ({fault})")
            stored = [[comparable(r) for r in p.list_prefix({"auth": harness.AUTH, "prefix": {"vrf_id": vrf}})]
                      for vrf in vrfs]
            self.assertEqual(stored[0], stored[1], f"round {round_}")
            self.assertEqual(log_of(vrfs[0]), log_of(vrfs[1]), f"round {round_}")
            self.assertEqual(harness.recount_problems(self.db, p), [], f"round {round_}")
        self.assertGreater(ran_at_once, 0)

    def test_runs_of_identical_allocations_read_back_as_one_by_one(self):
        # 16 or more identical allocating add_prefix calls in a row get the
        # blocks they would get one after another, found and added at once.
        rng = random.Random(17)
        p = self.daemon.proxy()
        vrfs, pools = [], []
        for n in (1, 2):
            vrfs.append(p.add_vrf({"auth": harness.AUTH, "attr": {"rt": f"65017:{n}", "name": f"alloc {n}"}})["id"])
            pools.append(p.add_pool({"auth": harness.AUTH, "attr": {
                "name": f"alloc {n}", "description": "d", "default_type": "assignment",
                "ipv4_default_prefix_length": 26}})["id"])
        taken = sorted(rng.sample(range(64), 20))
        for vrf, pool in zip(vrfs, pools):
            setup = [{"method": "add_prefix", "args": {"attr": {
                "prefix": "10.0.0.0/16", "type": "reservation", "vrf_id": vrf, "description": "space"}}},
                {"method": "add_prefix", "args": {"attr": {
                    "prefix": "10.8.0.0/20", "type": "reservation", "vrf_id": vrf, "description": "member",
                    "pool_id": pool}}}]
            setup += [{"method": "add_prefix", "args": {"attr": {
                "prefix": f"10.0.{t}.0/24", "type": "assignment", "vrf_id": vrf, "description": "taken"}}}
                for t in taken]
            setup += [{"method": "add_prefix", "args": {"attr": {
                "prefix": f"10.8.{t // 4}.{t % 4 * 64}/26", "type": "assignment", "vrf_id": vrf,
                "description": "taken"}}} for t in taken]
            self.assertEqual(self.batch(setup)[0], 200)

        def calls(vrf, pool):
            from_prefix = {"method": "add_prefix", "args": {
                "attr": {"type": "assignment", "description": "from prefix", "vrf_id": vrf, "tags": ["x"]},
                "args": {"from-prefix": ["10.0.0.0/16"], "prefix_length": 24}}}
            from_pool = {"method": "add_prefix", "args": {
                "attr": {"description": "from pool", "comment": "c"},
                "args": {"from-pool": {"id": pool}, "family": 4}}}
            return [from_prefix] * 30 + [from_pool] * 20 + [from_prefix] * 3

        status, got = self.batch(calls(vrfs[0], pools[0]))
        self.assertEqual(status, 200, got)
        want = []
        for call in calls(vrfs[1], pools[1]):
            status, body = self.batch([call])
            self.assertEqual(status, 200, body)
            want += body["results"]

        def comparable(result):
            return {k: v for k, v in result.items()
                    if k not in ("id", "vrf_id", "vrf_rt", "vrf_name", "added", "last_modified", "pool_id",
                                 "pool_name")}

        self.assertEqual([comparable(r) for r in got["results"]], [comparable(r) for r in want])
        stored = [[comparable(r) for r in p.list_prefix({"auth": harness.AUTH, "prefix": {"vrf_id": vrf}})]
                  for vrf in vrfs]
        self.assertEqual(stored[0], stored[1])
        # The two runs of 16 or more went as one statement each; the last 3
        # calls one by one (audit rows of one statement share their cmin).
        self.assertEqual(self.db.sql(f"SELECT count(DISTINCT cmin::text) FROM ip_net_log WHERE vrf_id = {vrfs[0]} "
                                     "AND description LIKE 'Added prefix % with attr: %from p%'"), "5")
        self.assertEqual(harness.recount_problems(self.db, p), [])
        # A block found free but covered since by a prefix inside its search
        # prefix (another transaction's allocation) is refused, as is one
        # with something inside it; one covered only by what covers its
        # search prefix is not.
        def add_found(block, space):
            """What prefixd_add_prefixes answers for one allocated block."""
            r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.db.name, "-c",
                                "BEGIN; SELECT prefix::text FROM prefixd_add_prefixes("
                                f"'{{{vrfs[0]}}}', '{{{block}}}', '{{reservation}}', '{{assigned}}', '{{d}}', "
                                "'{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', "
                                "'{\"{}\"}', '{\"{}\"}', '{added}', 'nipap', 'unittest', 'unittest', NULL, "
                                f"'{{{space}}}'); ROLLBACK"], env=self.db.env, capture_output=True, text=True)
            return r.stdout.strip() if r.returncode == 0 else r.stderr

        # (Reservations: nothing else about these refuses them.)
        self.assertIn("set-wise add refused", add_found("10.0.255.0/28", "10.0.0.0/12"))
        self.assertIn("set-wise add refused", add_found("10.0.0.0/15", "10.0.0.0/15"))
        self.assertEqual(add_found("10.0.255.0/28", "10.0.0.0/16"), "10.0.255.0/28")
        # Run again with too little space left: the run is refused as the
        # call that first finds no free block would be, and nothing is stored.
        before = data_snapshot(self.db)
        status, body = self.batch([{"method": "add_prefix", "args": {
            "attr": {"type": "assignment", "description": "too many", "vrf_id": vrfs[0]},
            "args": {"from-prefix": ["10.0.0.0/16"], "prefix_length": 24}}}] * 250)
        free = 256 - len(taken) - 33
        self.assertEqual((status, body["error"]["code"], body["error"]["index"]), (404, 1300, free), body)
        self.assertEqual(data_snapshot(self.db), before)

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
