# SPDX-License-Identifier: MIT
"""Readiness notification: a prefixd master started with NOTIFY_SOCKET (an
abstract socket this script listens on) must send READY=1 only once
/healthz answers 200 (so not while the database is down), with MAINPID;
RELOADING=1 and READY=1 around a SIGHUP reload; STOPPING=1 on SIGTERM.

Two ways to run it:

  notify_check.py --prefixd BIN
      the built binary against a private PostgreSQL cluster (tests/e2e's
      harness); a ctest test.
  notify_check.py --installed --health-url URL --db-stop CMD --db-start CMD
                  [--run-as USER] [--xmlrpc-user NAME --xmlrpc-password-file F]
                  -- COMMAND...
      the installed package, started as the service would be; the package
      test (tests/package/test_package.sh) runs it as root.

Both print one line per check and a final `N passed, M failed`.
"""
import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import harness  # noqa: E402 - tests/e2e's harness, found through the path above
from harness import Cluster, Daemon, Database  # noqa: E402


class NotifyListener:
    """An abstract AF_UNIX datagram socket collecting sd_notify messages."""

    def __init__(self):
        self.name = f"prefixd-notify-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, {key: value})
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "@" + self.name

    def _run(self):
        while not self.stopped.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self.lock:
                self.messages.append((time.monotonic(), fields))

    def wait(self, key, value, after=0, timeout=60):
        """The first message at index >= after with key=value: (index, time, fields)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for i, (t, fields) in enumerate(self.messages):
                    if i >= after and fields.get(key) == value:
                        return i, t, fields
            time.sleep(0.02)
        return None

    def has(self, key, value):
        with self.lock:
            return any(f.get(key) == value for _, f in self.messages)

    def close(self):
        self.stopped.set()
        self.sock.close()


def health(url):
    """GET url; the HTTP status, or None when nothing answers."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    try:
        conn.request("GET", u.path)
        r = conn.getresponse()
        r.read()
        return r.status
    except OSError:
        return None
    finally:
        conn.close()


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok - {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL - {name}{': ' + detail if detail else ''}", flush=True)
        return ok


def run_checks(results, listener, proc, health_url, stop_db, start_db, log, call=None):
    """The scenario: the database is down when prefixd starts."""
    wait_until = time.monotonic() + 30
    status = None
    while time.monotonic() < wait_until and proc.poll() is None:
        status = health(health_url)
        if status is not None:
            break
        time.sleep(0.05)
    results.check("workers serve with the database down (/healthz answers 503)", status == 503,
                  f"/healthz: {status}; log:\n{log()}")
    # prefixd polls /healthz itself; give it time to (wrongly) declare readiness.
    time.sleep(3)
    results.check("no READY=1 while /healthz answers 503", not listener.has("READY", "1"),
                  f"messages: {listener.messages}")
    results.check("a STATUS= message says what it waits for",
                  any("healthz" in f.get("STATUS", "") for _, f in listener.messages),
                  f"messages: {listener.messages}")
    start_db()
    started = time.monotonic()
    ready = listener.wait("READY", "1", timeout=60)
    results.check("READY=1 once the database is back", ready is not None,
                  f"messages: {listener.messages}; log:\n{log()}")
    if ready is None:
        return
    results.check("READY=1 comes with MAINPID of the master",
                  ready[2].get("MAINPID") == str(proc.pid), f"message {ready[2]}, pid {proc.pid}")
    results.check("/healthz answers 200 when READY=1 arrives", health(health_url) == 200,
                  f"after {ready[1] - started:.1f}s")
    if call is not None:
        try:
            answer = call()
            results.check("version over XML-RPC with the admin account", bool(answer), repr(answer))
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            results.check("version over XML-RPC with the admin account", False, repr(e))

    count = len(listener.messages)
    os.kill(proc.pid, signal.SIGHUP)
    reloading = listener.wait("RELOADING", "1", after=count, timeout=30)
    results.check("RELOADING=1 on SIGHUP", reloading is not None and "MONOTONIC_USEC" in reloading[2],
                  f"messages: {listener.messages}")
    if reloading is not None:
        again = listener.wait("READY", "1", after=reloading[0] + 1, timeout=60)
        results.check("READY=1 after the reload", again is not None,
                      f"messages: {listener.messages}; log:\n{log()}")

    count = len(listener.messages)
    proc.send_signal(signal.SIGTERM)
    stopping = listener.wait("STOPPING", "1", after=count, timeout=30)
    results.check("STOPPING=1 on SIGTERM", stopping is not None, f"messages: {listener.messages}")
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    results.check("exit status 0 after the drain", code == 0, f"status {code}; log:\n{log()}")


def tail(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")[-4000:]


def main_installed(args):
    results = Results()
    listener = NotifyListener()
    logdir = tempfile.mkdtemp(prefix="prefixd-notify.")
    log_path = os.path.join(logdir, "prefixd.log")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "NOTIFY_SOCKET": listener.address}
    command = list(args.command)
    if args.run_as:
        env.update(USER=args.run_as, LOGNAME=args.run_as, HOME="/")
        command = ["setpriv", f"--reuid={args.run_as}", f"--regid={args.run_as}", "--init-groups",
                   "--", *command]
    subprocess.run(args.db_stop, shell=True, check=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, env=env, cwd="/", stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def call():
        with open(args.xmlrpc_password_file) as f:
            password = f.read().strip()
        u = urllib.parse.urlsplit(args.health_url)
        proxy = xmlrpc.client.ServerProxy(
            f"http://{args.xmlrpc_user}:{password}@{u.hostname}:{u.port}/XMLRPC")
        return proxy.version({"auth": {"authoritative_source": "nipap"}})

    try:
        run_checks(results, listener, proc, args.health_url,
                   lambda: subprocess.run(args.db_stop, shell=True, check=True),
                   lambda: subprocess.run(args.db_start, shell=True, check=True),
                   lambda: tail(log_path), call if args.xmlrpc_user else None)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        subprocess.run(args.db_start, shell=True, capture_output=True)  # if a check failed early
        listener.close()
    print(f"{results.passed} passed, {results.failed} failed")
    return 0 if results.failed == 0 else 1


class Readiness(unittest.TestCase):
    """The built binary against a private cluster (a ctest test)."""

    def test_notify_protocol(self):
        cluster = Cluster()
        listener = NotifyListener()
        daemon = None
        try:
            env = cluster.start()
            db = Database("notify", env=env)
            db.env["NOTIFY_SOCKET"] = listener.address
            cluster.stop()
            daemon = Daemon(db, workers=2).start()
            results = Results()
            run_checks(results, listener, daemon.proc, f"http://127.0.0.1:{daemon.port}/healthz",
                       cluster.stop, cluster.start, daemon.read_log)
            self.assertEqual(results.failed, 0)
            # The workers did not inherit the socket: only the master spoke.
            self.assertNotIn("cannot notify", daemon.read_log())
            daemon.stop()
        finally:
            listener.close()
            if daemon is not None and daemon.proc.poll() is None:
                daemon.proc.kill()
            cluster.remove()

    def test_nothing_changes_without_notify_socket(self):
        cluster = Cluster()
        try:
            db = Database("nonotify", env=cluster.start())
            db.env.pop("NOTIFY_SOCKET", None)
            daemon = Daemon(db, workers=1).start()
            self.assertEqual(daemon.health()[0], 200)
            log = daemon.stop()
            # The master polls /healthz only for a service manager: the one
            # request in the access log is this test's own.
            self.assertEqual(log.count('"GET /healthz"'), 1, log)
            self.assertNotIn("ready:", log)
        finally:
            cluster.remove()


if __name__ == "__main__":
    if "--installed" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--installed", action="store_true")
        parser.add_argument("--health-url", required=True)
        parser.add_argument("--db-stop", required=True)
        parser.add_argument("--db-start", required=True)
        parser.add_argument("--run-as")
        parser.add_argument("--xmlrpc-user")
        parser.add_argument("--xmlrpc-password-file")
        parser.add_argument("command", nargs="+")
        sys.exit(main_installed(parser.parse_args()))
    harness.main()
