# SPDX-License-Identifier: MIT
"""Writes in one VRF that touch different subtrees run at the same time
and stay exact (issue 13; spec/allocation.md §7.2, model.md §13).

32 clients at once in one VRF: 16 each work inside their own /8 (leaf adds,
hosts, a reservation inserted above existing prefixes and removed again,
moves, tag edits, recursive removals), and 16 allocate prefixes of mixed
lengths from one pool whose members lie in all 16 /8s (4 of them in batches
of 20 identical calls, which allocate at once). Afterwards: every
call succeeded, no two allocations overlap, and every derived value -- what
the API shows and, after the pending statistics are folded, what the tables
hold -- equals a recount (tests/db/nipap_model.py)."""
import ipaddress
import random
import subprocess
import threading
import unittest
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database
from test_json_api import curl

GROUPS = 16
WRITER_ROUNDS = 12
ALLOCATIONS = 40
BATCH = 20  # allocations per batch of the allocators that batch


class WriteConcurrency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("write_concurrency")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=16).start()
        p = cls.daemon.proxy()
        cls.vrf = p.add_vrf({"auth": AUTH, "attr": {"rt": "65100:1", "name": "busy-vrf"}})["id"]
        pool = p.add_pool({"auth": AUTH, "attr": {"name": "span", "description": "spans the /8s",
                                                  "default_type": "assignment",
                                                  "ipv4_default_prefix_length": 28}})
        for g in range(GROUPS):
            p.add_prefix({"auth": AUTH, "attr": {"prefix": f"{20 + g}.0.0.0/8", "type": "reservation",
                                                 "vrf_id": cls.vrf, "description": f"group {g}",
                                                 "tags": [f"g{g}"]}})
            p.add_prefix({"auth": AUTH, "attr": {"prefix": f"{20 + g}.255.0.0/22", "type": "reservation",
                                                 "vrf_id": cls.vrf, "description": f"pool space {g}",
                                                 "pool_id": pool["id"]}})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def writer(self, g, failures):
        """Everything a client does inside 20+g.0.0.0/8, outside the pool member there."""
        p = self.daemon.proxy()
        v = self.vrf

        def add(prefix, type_, **attr):
            return p.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_, "vrf_id": v,
                                                        "description": "w", **attr}})

        def remove(prefix, recursive=False):
            p.remove_prefix({"auth": AUTH, "prefix": {"prefix": prefix, "vrf_id": v}, "recursive": recursive})

        net = 20 + g
        try:
            for r in range(WRITER_ROUNDS):
                base = f"{net}.{r}"
                for i in range(3):
                    add(f"{base}.{i}.0/24", "assignment", tags=[f"r{r}"] if i == 0 else [])
                    if i < 2:
                        add(f"{base}.{i}.1/32", "host")
                # a reservation above the /24s of this round, then gone again
                add(f"{base}.0.0/22", "reservation", tags=["mid"])
                p.edit_prefix({"auth": AUTH, "prefix": {"prefix": f"{base}.1.0/24", "vrf_id": v},
                               "attr": {"tags": ["edited"]}})
                remove(f"{base}.0.0/22")
                # a move inside the /8, and a recursive removal of a small subtree
                p.edit_prefix({"auth": AUTH, "prefix": {"prefix": f"{base}.2.0/24", "vrf_id": v},
                               "attr": {"prefix": f"{net}.{128 + r}.2.0/24"}})
                if r % 3 == 2:
                    add(f"{base}.0.0/16", "reservation")
                    remove(f"{base}.0.0/16", recursive=True)
        except Exception as e:  # noqa: BLE001 - every failure is recorded
            failures.append(f"writer {g}: {e!r}")

    def allocator(self, n, results, failures):
        p = self.daemon.proxy()
        try:
            if n % 4 == 3:
                # Batches of identical allocations: found at once and added in
                # one statement (0016) while the others claim one by one.
                for i in range(0, ALLOCATIONS, BATCH):
                    call = {"method": "add_prefix", "args": {
                        "attr": {"description": f"a{n}-{i}"},
                        "args": {"from-pool": {"name": "span"}, "family": 4,
                                 "prefix_length": (27, 28, 29)[(n + i) % 3]}}}
                    status, _, _, body = curl(self.daemon.port, "POST", "/api/v1/batch", [call] * BATCH)
                    if status != 200:
                        raise AssertionError(f"batch refused ({status}): {body}")
                    results.extend(r["prefix"] for r in body["results"])
                return
            for i in range(ALLOCATIONS):
                got = p.add_prefix({"auth": AUTH, "attr": {"description": f"a{n}-{i}"},
                                    "args": {"from-pool": {"name": "span"}, "family": 4,
                                             "prefix_length": (27, 28, 29)[(n + i) % 3]}})
                results.append(got["prefix"])
        except Exception as e:  # noqa: BLE001
            failures.append(f"allocator {n}: {e!r}")

    def test_disjoint_writers_and_pool_allocations(self):
        results, failures = [], []
        threads = [threading.Thread(target=self.writer, args=(g, failures)) for g in range(GROUPS)]
        threads += [threading.Thread(target=self.allocator, args=(n, results, failures)) for n in range(GROUPS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertEqual(len(results), GROUPS * ALLOCATIONS)
        networks = sorted(ipaddress.ip_network(r) for r in results)
        for a, b in zip(networks, networks[1:]):
            self.assertFalse(a.overlaps(b), f"{a} overlaps {b}")
        # allocations start at the lowest member and leave no holes behind them
        self.assertEqual(str(networks[0].network_address), "20.255.0.0")
        self.assertEqual(harness.recount_problems(self.db, self.daemon.proxy()), [])


class PoolBlockRaces(unittest.TestCase):
    """A child of a pool member longer than the pool's length changes the
    pool's free_prefixes by what its siblings in the same block do; such
    changes in one block must not run at once (0013's free-block lock).
    A removal (recursive or not) and an add of a sibling in one block race
    here, round after round; the pool's statistics must still equal a
    recount. Recursive removals once skipped the lock: the recount was off
    by one within a few rounds."""

    def test_removal_and_sibling_add_in_one_pool_block(self):
        db = Database("pool_block_races")
        db.add_standard_users()
        daemon = Daemon(db, workers=4).start()
        try:
            p = daemon.proxy()
            pool = p.add_pool({"auth": AUTH, "attr": {"name": "blocks", "description": "d",
                                                      "default_type": "assignment",
                                                      "ipv4_default_prefix_length": 28}})
            p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/24", "type": "reservation",
                                                 "description": "member", "pool_id": pool["id"]}})
            failures = []
            for r in range(48):
                base = (r % 16) * 16
                removed, added = f"10.0.0.{base}/29", f"10.0.0.{base + 8}/30"
                p.add_prefix({"auth": AUTH, "attr": {"prefix": removed, "type": "reservation",
                                                     "description": "removed"}})
                start = threading.Barrier(2)
                clients = (daemon.proxy(), daemon.proxy())

                def remove(proxy=clients[0], prefix=removed, recursive=r % 2 == 0):
                    start.wait()
                    proxy.remove_prefix({"auth": AUTH, "prefix": {"prefix": prefix}, "recursive": recursive})

                def add(proxy=clients[1], prefix=added):
                    start.wait()
                    proxy.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": "reservation",
                                                             "description": "added"}})

                def run(fn):
                    try:
                        fn()
                    except Exception as e:  # noqa: BLE001 - every failure is recorded
                        failures.append(f"round {r}: {e!r}")
                threads = [threading.Thread(target=run, args=(fn,)) for fn in (remove, add)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                p.remove_prefix({"auth": AUTH, "prefix": {"prefix": added}})
            self.assertEqual(failures, [])
            self.assertEqual(harness.recount_problems(db, p), [])
        finally:
            daemon.stop()
            db.drop()

    def test_an_allocation_never_waits_for_a_free_block_lock_it_could_skip(self):
        # A batch holding a pool block's free-block lock waited for a claim
        # of a single allocation that was itself waiting for that lock:
        # a deadlock. A claim now tries the lock and skips the block.
        db = Database("free_block_claims")
        db.add_standard_users()
        daemon = Daemon(db, workers=2).start()
        holder = None
        try:
            p = daemon.proxy()
            pool = p.add_pool({"auth": AUTH, "attr": {"name": "blocks", "description": "d",
                                                      "default_type": "assignment",
                                                      "ipv4_default_prefix_length": 28}})
            member = p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/24", "type": "reservation",
                                                          "description": "member", "pool_id": pool["id"]}})
            holder = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db.name],
                                      env=db.env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            holder.stdin.write(f"BEGIN;\nSELECT prefixd_lock_free_block(0, '10.0.0.0/30', {member['id']});\n"
                               "SELECT 'held';\n")
            holder.stdin.flush()
            self.assertIn("held", (line.strip() for line in iter(holder.stdout.readline, "")))
            got = []
            alloc = {"auth": AUTH, "attr": {"description": "a"},
                     "args": {"from-pool": {"id": pool["id"]}, "family": 4, "prefix_length": 30}}
            caller = threading.Thread(target=lambda: got.append(daemon.proxy().add_prefix(alloc)["prefix"]))
            caller.start()
            caller.join(timeout=30)  # a bound on a wait that would last until the holder ends
            self.assertEqual(got, ["10.0.0.16/30"], "the allocation waited for the held block")
            holder.stdin.write("COMMIT;\n")
            holder.stdin.close()
            self.assertEqual(holder.wait(), 0)
            holder = None
            self.assertEqual(p.add_prefix(alloc)["prefix"], "10.0.0.0/30")
            self.assertEqual(harness.recount_problems(db, p), [])
        finally:
            if holder is not None:
                holder.kill()
                holder.wait()
            daemon.stop()
            db.drop()


class DeadlockRetry(unittest.TestCase):
    """A write PostgreSQL aborts to break a deadlock changed nothing, and is
    run again: the caller sees it succeed. A session holds a prefix's new
    position while the daemon moves the prefix there (the move holds the old
    position and waits), then asks for the old position: a cycle. The
    daemon's sessions check for deadlocks after 5 s, the holder's never, so
    the daemon's call is the one aborted, once the holder is waiting."""

    def test_a_move_aborted_by_a_deadlock_is_run_again(self):
        db = Database("deadlock_retry")
        db.add_standard_users()
        db.sql(f'ALTER DATABASE "{db.name}" SET deadlock_timeout = \'5s\'')
        daemon = Daemon(db, workers=2).start()
        holder = None
        try:
            p = daemon.proxy()
            p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/16", "type": "reservation",
                                                 "description": "top"}})
            p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.1.0/24", "type": "reservation",
                                                 "description": "moved"}})
            holder = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db.name],
                                      env=dict(db.env, PGAPPNAME="holder"), text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)

            def say(statement):
                holder.stdin.write(f"{statement};\nSELECT 'done';\n")
                holder.stdin.flush()
                self.assertIn("done", (line.strip() for line in iter(holder.stdout.readline, "")))

            say("SET deadlock_timeout = '1h'; BEGIN; "
                "SELECT pg_advisory_xact_lock(prefixd_position_key(0, '10.0.2.0/24'))")
            got = []
            mover = threading.Thread(target=lambda: got.append(daemon.proxy().edit_prefix({
                "auth": AUTH, "prefix": {"prefix": "10.0.1.0/24"}, "attr": {"prefix": "10.0.2.0/24"}})))
            mover.start()
            while db.sql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                         "WHERE NOT l.granted AND l.locktype = 'advisory' "
                         "AND a.application_name LIKE 'prefixd worker%'") != "1":
                self.assertTrue(mover.is_alive(), f"the move did not wait: {got}")
            say("SELECT pg_advisory_xact_lock(prefixd_position_key(0, '10.0.1.0/24')); COMMIT")
            mover.join(timeout=60)
            self.assertEqual([[r["prefix"] for r in g] for g in got], [["10.0.2.0/24"]], open(daemon.log_path).read()[-1500:])
            self.assertIn("running the call again", open(daemon.log_path).read())
            self.assertEqual([r["prefix"] for r in p.list_prefix({"auth": AUTH})], ["10.0.0.0/16", "10.0.2.0/24"])
            self.assertEqual(harness.recount_problems(db, p), [])
        finally:
            if holder is not None:
                holder.stdin.close()
                holder.kill()
                holder.wait()
            daemon.stop()
            db.drop()


class ContendedPoolSpace(unittest.TestCase):
    """12 clients at once in two small pool members of one VRF: explicit adds
    of reservations and assignments of every length from /26 to /32, removals
    (recursive or not), allocations from the pool, moves and tag edits, all
    landing on each other. NIPAP's refusals are expected; an internal error
    (a deadlock, say) is not, and every derived value must equal a recount."""

    def client(self, daemon, pool, seed, unexpected):
        rng = random.Random(seed)
        c = daemon.proxy()
        for _ in range(60):
            k = rng.random()
            base, size = rng.choice([("10.0.0", 256), ("10.0.1", 128)])
            length = rng.choice([26, 27, 28, 29, 30, 31, 32])
            last = rng.randrange(size)
            prefix = f"{base}.{last - last % (1 << (32 - length))}/{length}"
            try:
                if k < 0.35:
                    type_ = rng.choice(["reservation", "assignment"]) if length < 32 else "reservation"
                    c.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_, "description": "x",
                                                         "tags": [rng.choice(["a", "b"])]}})
                elif k < 0.55:
                    c.remove_prefix({"auth": AUTH, "prefix": {"prefix": prefix}, "recursive": rng.random() < 0.5})
                elif k < 0.75:
                    c.add_prefix({"auth": AUTH, "attr": {"description": "alloc"},
                                  "args": {"from-pool": {"id": pool}, "family": 4,
                                           "prefix_length": rng.choice([28, 29, 30])}})
                elif k < 0.88:
                    to = rng.choice([27, 28, 29])
                    at = rng.randrange(128) // (1 << (32 - to)) * (1 << (32 - to))
                    c.edit_prefix({"auth": AUTH, "prefix": {"prefix": prefix},
                                   "attr": {"prefix": f"10.0.{rng.randrange(2)}.{at}/{to}"}})
                else:
                    c.edit_prefix({"auth": AUTH, "prefix": {"prefix": prefix},
                                   "attr": {"tags": [rng.choice(["c", "d"])]}})
            except xmlrpc.client.Fault as f:
                if not 1000 <= f.faultCode < 2000:
                    unexpected.append(f"{f.faultCode} {f.faultString}")
            except Exception as e:  # noqa: BLE001 - every failure is recorded
                unexpected.append(repr(e))

    def test_many_writers_in_a_small_pool_space(self):
        db = Database("contended_pool")
        db.add_standard_users()
        daemon = Daemon(db, workers=8).start()
        try:
            p = daemon.proxy()
            pool = p.add_pool({"auth": AUTH, "attr": {"name": "small", "description": "d",
                                                      "default_type": "assignment",
                                                      "ipv4_default_prefix_length": 28}})["id"]
            p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/8", "type": "reservation",
                                                 "description": "top", "tags": ["top"]}})
            for member in ("10.0.0.0/24", "10.0.1.0/25"):
                p.add_prefix({"auth": AUTH, "attr": {"prefix": member, "type": "reservation",
                                                     "description": "member", "pool_id": pool, "tags": ["m"]}})
            for round_ in range(3):
                unexpected = []
                threads = [threading.Thread(target=self.client, args=(daemon, pool, round_ * 100 + n, unexpected))
                           for n in range(12)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                self.assertEqual(unexpected, [], f"round {round_}")
                self.assertEqual(harness.recount_problems(db, p), [], f"round {round_}")
        finally:
            daemon.stop()
            db.drop()


if __name__ == "__main__":
    harness.main()
