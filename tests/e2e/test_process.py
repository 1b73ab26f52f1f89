# SPDX-License-Identifier: MIT
"""The process model under stress: connection spread over workers, slow and
idle clients, a killed worker, SIGTERM with a call in flight, SIGHUP with a
new worker count under load, and a database outage."""
import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest
import xmlrpc.client

import harness
from harness import AUTH, PASSWORD, Cluster, Daemon, Database, wait_for


def version_body():
    return xmlrpc.client.dumps(({"auth": AUTH},), "version").encode()


def basic_auth(user="unittest"):
    import base64
    return "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()


class ClientLoop:
    """Threads calling `version` in a loop until stopped; counts failures.

    keep_alive clients reuse one ServerProxy (and its connection); the
    others open a new connection for every call."""

    def __init__(self, daemon, clients=8, keep_alive_share=0.5):
        self.daemon = daemon
        self.stop_flag = threading.Event()
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        n_keep = int(clients * keep_alive_share)
        self.threads = [threading.Thread(target=self.run, args=(i < n_keep,), daemon=True)
                        for i in range(clients)]

    def run(self, keep_alive):
        proxy = self.daemon.proxy()
        while not self.stop_flag.is_set():
            if not keep_alive:
                proxy = self.daemon.proxy()
            try:
                v = proxy.version({"auth": AUTH})
                assert v
                with self.lock:
                    self.ok += 1
            except Exception as e:  # noqa: BLE001 - every failure is recorded
                with self.lock:
                    self.failures.append(repr(e))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def wait_calls(self, n):
        start = self.ok
        wait_for(lambda: self.ok >= start + n, timeout=60, what=f"{n} more calls")

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=30)


class Spread(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("spread")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def test_keep_alive_clients_spread_over_workers(self):
        """32 keep-alive clients: no worker holds more than 75 % of them, 20 times over."""
        for repetition in range(20):
            conns = [http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=10)
                     for _ in range(32)]
            holders = {}
            for c in conns:
                status, body = self.daemon.health(c)  # keep-alive: the worker holding c answers
                self.assertEqual(status, 200)
                holders[body["pid"]] = holders.get(body["pid"], 0) + 1
            for c in conns:
                c.close()
            self.assertLessEqual(max(holders.values()), 24, f"repetition {repetition}: {holders}")
            # Let the workers see the closes before the next round.
            wait_for(lambda: all(h["connections"] <= 1
                                 for h in self.daemon.per_worker_health().values()),
                     what="connections to close")

    def test_idle_and_slow_clients_do_not_delay_others(self):
        # Every worker has a warm login cache, so a call costs no hashing.
        def warm():
            conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=10)
            conn.request("POST", "/XMLRPC", version_body(), {"Authorization": basic_auth()})
            conn.getresponse().read()
            conn.close()
            return all(h["password_hashes"] >= 1 for h in self.daemon.per_worker_health().values())
        wait_for(warm, interval=0, what="warm login caches")

        idle = []
        for _ in range(256):
            s = socket.create_connection(("127.0.0.1", self.daemon.port))
            idle.append(s)
        # Idle, but with a request made: these are keep-alive connections.
        for s in idle[:64]:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        for s in idle[:64]:
            s.recv(4096)

        body = version_body()
        slow = socket.create_connection(("127.0.0.1", self.daemon.port))
        slow.sendall(b"POST /XMLRPC HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                     b"Authorization: " + basic_auth().encode() + b"\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        stop = threading.Event()

        def trickle():
            for i in range(len(body) - 1):
                if stop.is_set():
                    return
                slow.sendall(body[i:i + 1])
                time.sleep(0.1)  # the slow client's pace, not a wait for the server
        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        try:
            worst = 0.0
            for _ in range(20):
                p = self.daemon.proxy()
                start = time.monotonic()
                self.assertTrue(p.version({"auth": AUTH}))
                worst = max(worst, time.monotonic() - start)
            self.assertLess(worst, 0.1, f"a new client's call took {worst * 1000:.1f} ms")
        finally:
            stop.set()
            t.join()
            slow.close()
            for s in idle:
                s.close()


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("lifecycle")
        cls.db.add_standard_users()

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()

    def test_killed_worker_is_replaced_and_retried_calls_succeed(self):
        daemon = Daemon(self.db, workers=2).start()
        try:
            loop = ClientLoop(daemon, clients=4).start()
            loop.wait_calls(50)
            victim = daemon.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda: len(daemon.worker_pids()) == 2 and victim not in daemon.worker_pids(),
                     what="a replacement worker")
            failures_at_kill = len(loop.failures)
            loop.wait_calls(200)
            loop.stop()
            # A call on the killed worker's connection may fail; every call
            # after that (xmlrpc.client reconnects) must succeed.
            self.assertLessEqual(failures_at_kill, 4, loop.failures)
            self.assertEqual(len(loop.failures), failures_at_kill, loop.failures)
            log = daemon.stop()
            self.assertRegex(log, rf"worker {victim} \(slot \d\) was killed by signal 9")
        finally:
            if daemon.proc.poll() is None:
                daemon.stop(expect_status=None)

    def test_sigterm_lets_the_call_in_flight_finish(self):
        daemon = Daemon(self.db, workers=2).start()
        result = {}

        def slow_call():
            result["value"] = daemon.proxy().echo({"auth": AUTH, "message": "done", "sleep": 2})
        t = threading.Thread(target=slow_call)
        t.start()
        # The call is in flight once a worker has read it: the server side
        # of the connection then has nothing left in its receive queue and a
        # request is being handled.
        def in_flight():
            out = subprocess.run(["ss", "-Htn", "state", "established",
                                  f"( sport = :{daemon.port} )"], capture_output=True,
                                 text=True).stdout.strip().splitlines()
            return out and all(line.split()[0] == "0" for line in out)
        wait_for(in_flight, what="the echo call to reach a worker")
        daemon.signal(signal.SIGTERM)
        t.join(timeout=30)
        self.assertEqual(result.get("value"), "done")
        self.assertEqual(daemon.proc.wait(timeout=30), 0)
        daemon.stop()

    def test_sighup_changes_worker_count_without_failing_a_call(self):
        daemon = Daemon(self.db, workers=2).start()
        try:
            before = daemon.worker_pids()
            self.assertEqual(len(before), 2)
            loop = ClientLoop(daemon, clients=8).start()
            loop.wait_calls(100)
            daemon.write_config(workers=3)
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reload complete: 3 worker(s)" in daemon.read_log(),
                     what="the reload")
            wait_for(lambda: len(daemon.worker_pids()) == 3, what="old workers to drain")
            loop.wait_calls(300)
            loop.stop()
            after = daemon.worker_pids()
            self.assertEqual(len(after), 3)
            self.assertFalse(set(before) & set(after), (before, after))
            self.assertEqual(loop.failures, [])
            self.assertEqual(len(daemon.per_worker_health()), 3)
            # An invalid configuration is refused and the running one kept.
            with open(daemon.config_path, "a") as f:
                f.write("no_such_key: 1\n")
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reload refused" in daemon.read_log(), what="the refusal")
            self.assertIn("no_such_key", daemon.read_log())
            self.assertEqual(daemon.worker_pids(), after)
        finally:
            daemon.stop()


    def test_workers_exit_when_the_master_dies(self):
        daemon = Daemon(self.db, workers=2).start()
        workers = daemon.worker_pids()
        self.assertEqual(len(workers), 2)
        os.kill(daemon.proc.pid, signal.SIGKILL)
        daemon.proc.wait(timeout=10)

        def alive(pid):
            # A process can vanish between any two looks at /proc: reading
            # its stat is the one look, and failing to read it means gone.
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().split()[2] != "Z"
            except (FileNotFoundError, ProcessLookupError):
                return False

        def gone():
            return not any(alive(pid) for pid in workers)
        wait_for(gone, timeout=30, what="orphaned workers to exit")
        daemon.stop(expect_status=None)

    @unittest.skipUnless(os.geteuid() == 0, "dropping privileges needs root")
    def test_privileges_dropped_after_binding(self):
        daemon = Daemon(self.db, workers=1, user="nobody")
        daemon.start()
        try:
            import pwd
            nobody = pwd.getpwnam("nobody").pw_uid
            for pid in [daemon.proc.pid, *daemon.worker_pids()]:
                with open(f"/proc/{pid}/status") as f:
                    uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
                self.assertEqual({int(u) for u in uids}, {nobody}, pid)
            # The private cluster's socket is not reachable for nobody; a
            # call that needs no database shows the worker serves.
            self.assertIn("echo", daemon.proxy().system.listMethods())
        finally:
            daemon.stop()


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("limits")
        cls.db.add_standard_users()
        cls.daemon = Daemon(cls.db, workers=1,
                            limits={"max_body_bytes": 4096, "max_nesting": 8}).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def test_body_over_the_limit_is_a_fault_naming_it(self):
        p = self.daemon.proxy()
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            p.echo({"auth": AUTH, "message": "x" * 5000})
        self.assertEqual(cm.exception.faultCode, 1)
        self.assertIn("limits.max_body_bytes", cm.exception.faultString)
        self.assertEqual(p.echo({"auth": AUTH, "message": "x" * 1000}), "x" * 1000)

    def test_nesting_over_the_limit_is_a_fault_naming_it(self):
        p = self.daemon.proxy()
        deep = "leaf"
        for _ in range(20):
            deep = [deep]
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            p.echo({"auth": AUTH, "message": deep})
        self.assertEqual(cm.exception.faultCode, 1)
        self.assertIn("max_nesting", cm.exception.faultString)
        self.assertEqual(p.echo({"auth": AUTH, "message": [["ok"]]}), [["ok"]])


class SilentDatabase:
    """A TCP server that accepts connections and never answers: a database
    that is unreachable the slow way (libpq waits for connect_timeout)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


class MasterNeverBlocks(unittest.TestCase):
    """Workers report readiness through the master's event loop, before their
    first database connect; the master answers signals whatever the database
    does (a silent database used to hold it for connect_timeout per worker)."""

    @classmethod
    def setUpClass(cls):
        cls.db = Database("neverblocks")
        cls.silent = SilentDatabase()

    @classmethod
    def tearDownClass(cls):
        cls.silent.close()
        cls.db.drop()

    def daemon(self, workers):
        return Daemon(self.db, workers=workers,
                      database={"host": "127.0.0.1", "port": str(self.silent.port),
                                "connect_timeout": 10})

    def answer_sigterm(self, daemon):
        """Sends SIGTERM; the master must begin draining within 1 s and exit soon after."""
        sent = time.monotonic()
        daemon.signal(signal.SIGTERM)
        wait_for(lambda: "shutting down" in daemon.read_log(), timeout=1, interval=0.01,
                 what="the master to answer SIGTERM")
        self.assertEqual(daemon.proc.wait(timeout=5), 0, daemon.read_log())
        return time.monotonic() - sent

    def test_sigterm_with_eight_workers_and_a_silent_database(self):
        daemon = self.daemon(8)
        log = open(daemon.log_path, "ab")
        daemon.log = log
        daemon.proc = subprocess.Popen([harness.PREFIXD, "serve", "-f", "-c", daemon.config_path],
                                       stdout=log, stderr=subprocess.STDOUT, env=self.db.env,
                                       start_new_session=True)
        try:
            # Every worker says it serves long before any connect could end.
            wait_for(lambda: "serving on http://" in daemon.read_log(), timeout=5,
                     what="all 8 workers to serve")
            self.assertEqual(len(daemon.worker_pids()), 8)
            self.answer_sigterm(daemon)
        finally:
            daemon.stop(expect_status=None)

    def test_sigterm_during_a_reload(self):
        daemon = self.daemon(2).start()
        try:
            daemon.write_config(workers=3)
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reloading: replacing 2 worker(s) with 3" in daemon.read_log(),
                     timeout=1, interval=0.01, what="the reload to begin")
            self.answer_sigterm(daemon)
        finally:
            daemon.stop(expect_status=None)

    def test_reload_replaces_every_worker_without_waiting_for_the_database(self):
        daemon = self.daemon(2).start()
        try:
            before = daemon.worker_pids()
            daemon.write_config(workers=3)
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "reload complete: 3 worker(s)" in daemon.read_log(), timeout=5,
                     what="the reload to complete")
            wait_for(lambda: len(daemon.worker_pids()) == 3, what="old workers to drain")
            self.assertFalse(set(before) & set(daemon.worker_pids()))
        finally:
            daemon.stop()


class DatabaseOutage(unittest.TestCase):
    def test_calls_fail_clearly_while_down_and_recover_without_restart(self):
        cluster = Cluster()
        env = cluster.start()
        try:
            db = Database("outage", env=env)
            db.add_standard_users()
            # No login cache: every call needs the database.
            daemon = Daemon(db, workers=2, auth={"cache_timeout": 0}).start()
            p = daemon.proxy()
            self.assertTrue(p.version({"auth": AUTH}))
            cluster.stop()
            for _ in range(4):
                with self.assertRaises(xmlrpc.client.Fault) as cm:
                    daemon.proxy().version({"auth": AUTH})
                self.assertEqual(cm.exception.faultCode, 1000)
                self.assertRegex(cm.exception.faultString, r"database")
            status, body = daemon.health()
            self.assertEqual(status, 503)
            self.assertEqual(body["status"], "unavailable")
            pids = daemon.worker_pids()
            cluster.start()

            def works():
                try:
                    return daemon.proxy().version({"auth": AUTH})
                except xmlrpc.client.Fault:
                    return False
            wait_for(works, timeout=30, interval=0.1, what="calls to succeed again")
            # Both workers recovered, none was restarted.
            wait_for(lambda: all(h["status"] == "ok"
                                 for h in daemon.per_worker_health().values()),
                     timeout=30, what="both workers healthy")
            self.assertEqual(daemon.worker_pids(), pids)
            for _ in range(10):
                self.assertTrue(daemon.proxy().version({"auth": AUTH}))
            daemon.stop()
        finally:
            cluster.remove()


if __name__ == "__main__":
    harness.main()
