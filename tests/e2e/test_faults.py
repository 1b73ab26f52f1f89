# SPDX-License-Identifier: MIT
"""Fault tests (issue 11): workers killed under a mixed write load, the master
killed during a long call (item 7), the database stopped and started under
load. Acknowledged writes are stored exactly once with their audit row and
nothing half-done is; no worker other than the killed ones dies.
"""
import os
import signal
import socket
import subprocess
import threading
import time
import xmlrpc.client

import harness
from harness import AUTH, Cluster, Daemon, Database


def writer(daemon, tag, stop, acknowledged, attempted, problems):
    i = 0
    while not stop.is_set():
        i += 1
        name = f"{tag}-{i}"
        attempted.add(name)
        try:
            p = daemon.proxy()
            if i % 2:
                p.add_vrf({"auth": AUTH, "attr": {"rt": f"{64512 + int(tag[1:])}:{i}", "name": name,
                                                  "description": "load"}})
            else:
                p.add_prefix({"auth": AUTH, "attr": {
                    "prefix": f"10.{int(tag[1:])}.{i // 256}.{i % 256}/32", "type": "reservation",
                    "description": name}})
            acknowledged.add(name)
        except xmlrpc.client.Fault as f:
            # 1400: xmlrpc.client resent a call whose connection was reset after
            # the first attempt had committed (its answer died with the worker).
            if f.faultCode not in (1000, 1400):
                problems.append(f"{name}: fault {f.faultCode} {f.faultString}")
        except (OSError, xmlrpc.client.ProtocolError, http_errors()):
            pass  # the worker serving it was killed: not acknowledged
        time.sleep(0.002)


class Writers:
    """`count` writer threads; stop() joins them."""

    def __init__(self, daemon, count):
        self.stop_event = threading.Event()
        self.acknowledged, self.attempted, self.problems = set(), set(), []
        self.threads = [threading.Thread(target=writer, args=(
            daemon, f"t{n}", self.stop_event, self.acknowledged, self.attempted, self.problems))
            for n in range(count)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join()


def http_errors():
    import http.client
    return http.client.HTTPException


class Faults(harness.unittest.TestCase):
    def test_worker_kills_under_mixed_writes_lose_and_duplicate_nothing(self):
        db = Database("faults_kill")
        db.add_standard_users()
        daemon = Daemon(db, workers=2).start()
        try:
            writers = Writers(daemon, 4)
            acknowledged, attempted, problems = writers.acknowledged, writers.attempted, writers.problems
            killed = []
            for _ in range(3):
                time.sleep(1.0)
                victim = daemon.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                harness.wait_for(lambda: len(daemon.worker_pids()) == 2 and
                                 victim not in daemon.worker_pids(), what="a replacement worker")
            time.sleep(1.0)
            writers.stop()
            self.assertEqual(problems, [])
            self.assertGreater(len(acknowledged), 50)
            rows = db.sql(
                "SELECT name, (SELECT count(*) FROM ip_net_log l WHERE l.vrf_id = v.id "
                "AND l.description LIKE 'Added VRF %') FROM ip_net_vrf v WHERE v.id > 0 "
                "UNION ALL SELECT description, (SELECT count(*) FROM ip_net_log l "
                "WHERE l.prefix_id = p.id AND l.description LIKE 'Added prefix %') "
                "FROM ip_net_plan p")
            stored = {}
            for line in rows.splitlines():
                name, audits = line.split("|")
                stored.setdefault(name, []).append(int(audits))
            for name, audits in stored.items():
                self.assertEqual(audits, [1], f"{name}: stored {len(audits)} time(s), audit rows {audits}")
                self.assertIn(name, attempted)
            self.assertEqual(sorted(acknowledged - set(stored)), [], "acknowledged but not stored")
            # The log rows all belong to stored objects.
            orphans = db.sql("SELECT count(*) FROM ip_net_log l WHERE (l.vrf_id IS NOT NULL AND "
                             "l.prefix_id IS NULL AND NOT EXISTS (SELECT 1 FROM ip_net_vrf v WHERE "
                             "v.id = l.vrf_id)) OR (l.prefix_id IS NOT NULL AND NOT EXISTS "
                             "(SELECT 1 FROM ip_net_plan p WHERE p.id = l.prefix_id))")
            self.assertEqual(orphans.strip(), "0")
        finally:
            daemon.stop(expect_status=None)
            db.drop()

    def test_master_killed_during_a_long_call(self):
        db = Database("faults_master")
        db.add_standard_users()
        daemon = Daemon(db, workers=1).start()
        worker = daemon.worker_pids()[0]
        holder = None
        try:
            self.assertTrue(daemon.proxy().version({"auth": AUTH}))
            holder = subprocess.Popen(["psql", "-X", "-q", "-d", db.name, "-c",
                                       "BEGIN; LOCK TABLE ip_net_vrf; SELECT pg_sleep(4); COMMIT;"],
                                      env=db.env, stdout=subprocess.DEVNULL)
            time.sleep(0.5)
            result = {}
            call = threading.Thread(target=lambda: result.update(vrf=daemon.proxy().add_vrf(
                {"auth": AUTH, "attr": {"rt": "1:1", "name": "long", "description": "d"}})))
            call.start()
            time.sleep(0.5)
            os.kill(daemon.proc.pid, signal.SIGKILL)
            daemon.proc.wait()
            killed_at = time.monotonic()

            def refused():
                try:
                    s = socket.create_connection(("127.0.0.1", daemon.port), timeout=0.5)
                except OSError:
                    return True
                try:
                    s.settimeout(0.5)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    return s.recv(100) == b""
                except socket.timeout:
                    return False  # queued, waiting for the busy worker
                except OSError:
                    return True
                finally:
                    s.close()

            harness.wait_for(refused, timeout=5, interval=0.05, what="the port to stop accepting")
            self.assertLess(time.monotonic() - killed_at, 1.0)
            self.assertTrue(os.path.exists(f"/proc/{worker}"), "the busy worker left its call")
            call.join(timeout=30)
            self.assertEqual(result["vrf"]["name"], "long")  # the call in flight was answered
            harness.wait_for(lambda: not os.path.exists(f"/proc/{worker}") or
                             open(f"/proc/{worker}/stat").read().split(")")[1].split()[0] == "Z",
                             timeout=5, what="the worker to exit")
        finally:
            if holder:
                holder.wait()
            try:
                os.kill(worker, signal.SIGKILL)
            except ProcessLookupError:
                pass
            daemon.stop(expect_status=None)
            db.drop()

    def test_database_stopped_and_started_under_load(self):
        cluster = Cluster()
        env = cluster.start()
        try:
            db = Database("faults_outage", env=env)
            db.add_standard_users()
            daemon = Daemon(db, workers=2, auth={"cache_timeout": 0}).start()
            pids = daemon.worker_pids()
            writers = Writers(daemon, 3)
            acknowledged, problems = writers.acknowledged, writers.problems
            time.sleep(1.0)
            cluster.stop()
            time.sleep(2.0)
            during = len(acknowledged)
            cluster.start()
            harness.wait_for(lambda: len(acknowledged) > during + 20, timeout=20,
                             what="writes to succeed again")
            writers.stop()
            self.assertEqual(problems, [])
            self.assertEqual(daemon.worker_pids(), pids, "a worker died")
            names = set(db.sql("SELECT name FROM ip_net_vrf WHERE id > 0 UNION ALL "
                               "SELECT description FROM ip_net_plan").split())
            self.assertEqual(sorted(acknowledged - names), [])
            daemon.stop()
        finally:
            cluster.remove()


if __name__ == "__main__":
    harness.main()
