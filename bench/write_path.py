#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The write-path benchmarks of bench/write_path.sh that need a client of
their own (issue 13). Talks to a running prefixd (XML-RPC and the JSON
batch endpoint) and to its database with psql (PG* environment).

  batch      one POST /api/v1/batch of 10 000 add_prefix calls, hosts from
             an assignment (from-prefix, /32): seconds and prefixes/s
  load       256 /24 assignments under 10.0.0.0/8 and their 254 hosts each
             (65 280 prefixes) in batches of 10 000 explicit adds: seconds
  subtree    on that tree: add_prefix of reservation 10.1.0.0/16 above the
             256 /24s, remove_prefix of it, then remove_prefix recursive of
             the /8 (each timed), while another client adds prefixes
             elsewhere in the VRF (10.200.x.x for the /16, 11.x.x.x for the
             /8) one after another: the longest of its adds that overlapped
             each operation
  updates    rows updated per leaf add (pg_stat_user_tables): 200 adds of a
             /30 next to 2 siblings under 1 ancestor, and next to 2 000
             siblings under 5 ancestors, in the add's own transactions and
             in the folds that follow

Usage: write_path.py PORT USER PASSWORD [part...]
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import xmlrpc.client

AUTH = {"authoritative_source": "bench"}


def psql(sql):
    return subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


class Client:
    def __init__(self, port, user, password):
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.url = f"http://{user}:{password}@127.0.0.1:{port}/XMLRPC"
        self.rpc = xmlrpc.client.ServerProxy(self.url, allow_none=True)

    def batch(self, calls):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("POST", "/api/v1/batch", json.dumps(calls),
                     {"Authorization": self.auth, "Content-Type": "application/json"})
        r = conn.getresponse()
        body = json.loads(r.read())
        conn.close()
        if r.status != 200:
            raise RuntimeError(f"batch refused ({r.status}): {body}")
        return body["results"]


def add(prefix, type_, **attr):
    return {"method": "add_prefix",
            "args": {"attr": {"prefix": prefix, "type": type_, "description": "bench", **attr}}}


def part_batch(c):
    """Batches of host allocations from one parent (PREFIXD_BATCH_HOSTS, comma
    separated sizes, default 10000), each from an empty /18 of its own."""
    for k, n in enumerate(int(x) for x in os.environ.get("PREFIXD_BATCH_HOSTS", "10000").split(",")):
        parent = f"10.{64 + k}.0.0/18"
        c.rpc.add_prefix({"auth": AUTH, "attr": {"prefix": parent, "type": "assignment",
                                                 "description": "batch parent"}})
        calls = [{"method": "add_prefix",
                  "args": {"attr": {"type": "host", "description": "h"},
                           "args": {"from-prefix": [parent], "prefix_length": 32}}}] * n
        t0 = time.monotonic()
        results = c.batch(calls)
        dt = time.monotonic() - t0
        distinct = len({r["prefix"] for r in results})
        print(f"batch: {n} host adds from a parent in {dt:.2f} s = {n / dt:.0f} prefixes/s "
              f"({distinct} distinct prefixes)")
        sys.stdout.flush()


def part_load(c):
    t0 = time.monotonic()
    c.batch([add(f"10.1.{i}.0/24", "assignment") for i in range(256)])
    hosts = [add(f"10.1.{i}.{h}/32", "host") for i in range(256) for h in range(1, 255)]
    for k in range(0, len(hosts), 10000):
        c.batch(hosts[k:k + 10000])
    dt = time.monotonic() - t0
    print(f"load: 256 assignments and {len(hosts)} hosts under 10.0.0.0/8 in batches of 10000: {dt:.2f} s "
          f"({(256 + len(hosts)) / dt:.0f} prefixes/s)")


class Elsewhere(threading.Thread):
    """Adds /32 reservations one after another under `space` (a /16 or
    bigger, x.y.0.0), recording (start, end) of each call."""

    def __init__(self, c, first_octets):
        super().__init__(daemon=True)
        self.rpc = xmlrpc.client.ServerProxy(c.url, allow_none=True)
        self.first = first_octets
        self.calls = []
        self.stop = False

    def run(self):
        n = 0
        while not self.stop:
            prefix = f"{self.first}.{n // 256 % 256}.{n % 256}/32"
            n += 1
            t0 = time.monotonic()
            self.rpc.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": "reservation",
                                                        "description": "elsewhere"}})
            self.calls.append((t0, time.monotonic()))

    def longest_during(self, start, end):
        overlapping = [b - a for a, b in self.calls if b >= start and a <= end]
        return max(overlapping) if overlapping else 0.0, len(overlapping)


def timed_with_elsewhere(c, first_octets, what, fn):
    other = Elsewhere(c, first_octets)
    other.start()
    time.sleep(0.5)  # the other client is adding before the operation starts
    t0 = time.monotonic()
    fn()
    t1 = time.monotonic()
    time.sleep(0.2)
    other.stop = True
    other.join()
    longest, n = other.longest_during(t0, t1)
    print(f"subtree: {what}: {t1 - t0:.2f} s; meanwhile {n} adds elsewhere in the VRF, "
          f"the longest took {longest * 1000:.0f} ms")


def part_subtree(c):
    timed_with_elsewhere(c, "10.200", "add_prefix reservation 10.1.0.0/16 above 256 /24s (65 280 prefixes)",
                         lambda: c.rpc.add_prefix({"auth": AUTH, "attr": {
                             "prefix": "10.1.0.0/16", "type": "reservation", "description": "above"}}))
    timed_with_elsewhere(c, "10.201", "remove_prefix 10.1.0.0/16 (its 256 children move up)",
                         lambda: c.rpc.remove_prefix({"auth": AUTH, "prefix": {"prefix": "10.1.0.0/16",
                                                                               "vrf_id": 0}}))
    rows = psql("SELECT count(*) FROM ip_net_plan WHERE iprange(prefix) <<= iprange('10.0.0.0/8'::cidr)")
    timed_with_elsewhere(c, "11.0", f"remove_prefix recursive 10.0.0.0/8 ({rows} prefixes)",
                         lambda: c.rpc.remove_prefix({"auth": AUTH, "prefix": {"prefix": "10.0.0.0/8", "vrf_id": 0},
                                                      "recursive": True}))


def table_counters():
    out = {}
    for line in psql("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                      "WHERE relname IN ('ip_net_plan', 'ip_net_vrf', 'ip_net_pool', 'prefixd_stat_pending')"
                      ).splitlines():
        name, ins, upd, dele = line.split("|")
        out[name] = (int(ins), int(upd), int(dele))
    return out


def settle_stats():
    """Folds what is pending and waits until the statistics collector shows it."""
    psql("SELECT prefixd_fold_statistics()")
    psql("SELECT pg_stat_force_next_flush()")
    time.sleep(1.1)


def part_updates(c):
    """Leaf adds next to few siblings under one ancestor, and next to many
    under five: the rows each add updates must not grow with either."""
    c.rpc.add_prefix({"auth": AUTH, "attr": {"prefix": "12.0.0.0/8", "type": "reservation", "description": "u"}})
    c.batch([add(f"12.0.0.{i * 4}/30", "assignment") for i in range(2)])
    for length in (8, 10, 12, 14, 16):
        c.rpc.add_prefix({"auth": AUTH, "attr": {"prefix": f"13.0.0.0/{length}", "type": "reservation",
                                                 "description": "u"}})
    c.batch([add(f"13.0.{i // 64}.{i % 64 * 4}/30", "assignment") for i in range(2000)])
    for label, net in (("2 siblings, 1 ancestor", 12), ("2 000 siblings, 5 ancestors", 13)):
        settle_stats()
        before = table_counters()
        for i in range(200):
            c.rpc.add_prefix({"auth": AUTH, "attr": {"prefix": f"{net}.0.{32 + i // 64}.{i % 64 * 4}/30",
                                                     "type": "assignment", "description": "u"}})
        after_adds = table_counters()
        settle_stats()
        after_fold = table_counters()

        def per_add(a, b, table, k):
            return (b[table][k] - a[table][k]) / 200

        print(f"updates: leaf add next to {label}: in its own transaction "
              f"ip_net_plan {per_add(before, after_adds, 'ip_net_plan', 1):.2f} rows updated, "
              f"ip_net_vrf {per_add(before, after_adds, 'ip_net_vrf', 1):.2f}, "
              f"ip_net_pool {per_add(before, after_adds, 'ip_net_pool', 1):.2f}, "
              f"prefixd_stat_pending {per_add(before, after_adds, 'prefixd_stat_pending', 0):.2f} inserted; "
              f"in the folds ip_net_plan {per_add(after_adds, after_fold, 'ip_net_plan', 1):.2f} updated, "
              f"ip_net_vrf {per_add(after_adds, after_fold, 'ip_net_vrf', 1):.2f}")


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    parts = sys.argv[4:] or ["batch", "load", "subtree", "updates"]
    c = Client(port, user, password)
    for part in parts:
        {"batch": part_batch, "load": part_load, "subtree": part_subtree, "updates": part_updates}[part](c)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
