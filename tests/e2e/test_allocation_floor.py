# SPDX-License-Identifier: MIT
"""Allocation floors (migration 0015, issue 13): a search resumes where the
previous allocation from the same prefix found its candidate instead of
walking every earlier block, and still returns the lowest free block. Each
test fills a pool member or a parent far enough that a floor is written,
then frees or restructures space below it -- through the API, in a batch,
with plain SQL -- and checks that the next allocation takes the freed
block; a floor older than its two-second trust is not used; statistics
still equal a recount."""
import ipaddress
import subprocess
import unittest

import harness
from harness import AUTH, Daemon
from test_json_api import curl

FILL = 150  # allocations before the checks: over two floor writes (every 64)


class AllocationFloor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = harness.Database("allocfloor")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan; DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0")
        self.p = self.daemon.proxy()
        self.pool = self.p.add_pool({"auth": AUTH, "attr": {
            "name": "floors", "description": "floors", "default_type": "assignment",
            "ipv4_default_prefix_length": 28}})
        self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/20", "type": "reservation",
                                                  "description": "member", "pool_id": self.pool["id"]}})

    def from_pool(self):
        return self.p.add_prefix({"auth": AUTH, "attr": {"description": "a"},
                                  "args": {"from-pool": {"id": self.pool["id"]}, "family": 4}})

    def block(self, n):
        return str(ipaddress.ip_network("10.0.0.0/28").network_address + 16 * n) + "/28"

    def fill(self):
        got = [self.from_pool()["prefix"] for _ in range(FILL)]
        self.assertEqual(got, [self.block(n) for n in range(FILL)])
        floors = self.db.sql("SELECT count(*) FROM prefixd_alloc_floor WHERE space = '10.0.0.0/20'")
        self.assertEqual(floors, "1", "a floor is written after 64 walked prefixes")
        return got

    def remove(self, prefix):
        self.p.remove_prefix({"auth": AUTH, "prefix": {"prefix": prefix}})

    def assertConsistent(self):
        self.assertEqual(harness.recount_problems(self.db, self.p), [])

    def test_removal_below_the_floor_is_allocated_again(self):
        self.fill()
        self.remove(self.block(3))
        self.assertEqual(self.from_pool()["prefix"], self.block(3))
        self.assertEqual(self.from_pool()["prefix"], self.block(FILL))
        self.assertConsistent()

    def test_plain_sql_delete_and_move_below_the_floor(self):
        self.fill()
        self.db.sql(f"DELETE FROM ip_net_plan WHERE prefix = '{self.block(5)}'")
        self.assertEqual(self.from_pool()["prefix"], self.block(5))
        more = [self.from_pool()["prefix"] for _ in range(70)]  # a floor again
        self.assertEqual(more, [self.block(n) for n in range(FILL, FILL + 70)])
        # A block moved out of the member frees its place.
        self.db.sql(f"UPDATE ip_net_plan SET prefix = '192.0.2.0/28' WHERE prefix = '{self.block(7)}'")
        self.assertEqual(self.from_pool()["prefix"], self.block(7))
        self.assertConsistent()

    def test_covering_prefix_inserted_below_the_floor(self):
        self.fill()
        # Blocks 0-15 now lie inside a /24 assignment: the walk sees the /24,
        # and the freed block inside it is no longer a candidate.
        self.remove(self.block(2))
        self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/24", "type": "reservation",
                                                  "description": "over"}})
        self.assertEqual(self.from_pool()["prefix"], self.block(FILL))
        self.assertConsistent()

    def hold(self, statement):
        """An open transaction that ran `statement` and holds what it locked
        until the returned function ends it."""
        holder = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.db.name],
                                  env=dict(self.db.env, PGAPPNAME="floor holder"), text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        holder.stdin.write(f"BEGIN;\n{statement};\nSELECT 'held';\n")
        holder.stdin.flush()
        lines = iter(holder.stdout.readline, "")
        if "held" not in (line.strip() for line in lines):
            holder.kill()
            self.fail(f"the holding transaction failed ({holder.wait()})")

        def end():
            holder.stdin.write("COMMIT;\n")
            holder.stdin.close()
            self.assertEqual(holder.wait(), 0)
        return end

    def test_a_floor_held_by_an_open_transaction_never_makes_a_writer_wait(self):
        # Waiting here deadlocked: the holder, an allocation still in its
        # transaction, went on to wait for locks the writer held. lock_timeout
        # turns a wait (for a holder that never ends on its own) into an error.
        self.fill()
        end = self.hold("SELECT prefixd_note_floor(f.vrf_id, f.space, f.length, f.after, f.floor, f.based) "
                        "FROM prefixd_alloc_floor f")
        try:
            self.db.sql(f"SET lock_timeout = '5s'; DELETE FROM ip_net_plan WHERE prefix = '{self.block(4)}'")
            self.db.sql(f"SET lock_timeout = '5s'; UPDATE ip_net_plan SET prefix = '192.0.2.0/28' "
                        f"WHERE prefix = '{self.block(6)}'")
            # A first floor of another length, being written, is skipped too.
            key = "f.vrf_id, f.space, 29, f.after, f.floor, f.based"
            self.db.sql(f"SELECT prefixd_note_floor({key}) FROM prefixd_alloc_floor f")
        finally:
            end()
        end = self.hold(f"SELECT prefixd_note_floor(f.vrf_id, f.space, 30, f.after, f.floor, f.based) "
                        "FROM prefixd_alloc_floor f WHERE f.length = 28")
        try:
            self.db.sql("SET lock_timeout = '5s'; SELECT prefixd_note_floor(f.vrf_id, f.space, 30, f.after, "
                        "f.floor, f.based) FROM prefixd_alloc_floor f WHERE f.length = 28")
        finally:
            end()
        # The held floor outlived the changes below it (the race the trust
        # bounds); aged past its trust, the freed blocks are found again.
        self.db.sql("UPDATE prefixd_alloc_floor SET based = clock_timestamp() - interval '3 seconds'")
        self.assertEqual([self.from_pool()["prefix"] for _ in range(2)], [self.block(4), self.block(6)])
        self.assertConsistent()

    def test_a_stale_floor_is_not_trusted_after_two_seconds(self):
        self.fill()
        # What a deletion racing with a floor write could leave: a floor
        # above a free block. Aged past its trust, it is ignored.
        self.db.sql("SET session_replication_role = replica; "  # (no trigger drops it)
                    f"DELETE FROM ip_net_plan WHERE prefix = '{self.block(1)}'")
        self.db.sql("UPDATE prefixd_alloc_floor SET based = clock_timestamp() - interval '3 seconds'")
        self.db.sql("SELECT prefixd_recompute_all()")
        self.assertEqual(self.from_pool()["prefix"], self.block(1))

    def test_batch_allocations_and_a_removal_inside_the_batch(self):
        self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.9.0.0/22", "type": "assignment",
                                                  "description": "hosts"}})
        alloc = {"method": "add_prefix", "args": {
            "attr": {"type": "host", "description": "h"},
            "args": {"from-prefix": ["10.9.0.0/22"], "prefix_length": 32}}}
        status, _, _, body = curl(self.daemon.port, "POST", "/api/v1/batch", [alloc] * 300)
        self.assertEqual(status, 200, body)
        hosts = [r["prefix"] for r in body["results"]]
        base = ipaddress.ip_address("10.9.0.0")
        self.assertEqual(hosts, [f"{base + n}/32" for n in range(1, 301)])
        status, _, _, body = curl(self.daemon.port, "POST", "/api/v1/batch", [
            {"method": "remove_prefix", "args": {"prefix": {"prefix": str(base + 10)}}},
            alloc, alloc])
        self.assertEqual(status, 200, body)
        self.assertEqual([r["prefix"] for r in body["results"][1:]], [f"{base + 10}/32", f"{base + 301}/32"])
        self.assertConsistent()


if __name__ == "__main__":
    harness.main()
