# SPDX-License-Identifier: MIT
"""Logins cost the same for every name and slow down after failures (issue 11, item 5).

A wrong password for an existing user took 24 ms and one for an unknown user
0.9 ms (names could be told apart by timing); failures never slowed anyone
down. Now unknown names are checked against a dummy hash, and failures per
user name and per client address, counted across workers in shared memory,
make further attempts wait -- without holding a worker: others are served
meanwhile.
"""
import statistics
import threading
import time
import xmlrpc.client

import harness
from harness import AUTH, Daemon, Database


def attempt(daemon, user, password):
    start = time.monotonic()
    try:
        daemon.proxy(user=user, password=password).version({"auth": AUTH})
        ok = True
    except xmlrpc.client.Fault as f:
        ok = f.faultCode
    return ok, time.monotonic() - start


class SameWork(harness.unittest.TestCase):
    def test_unknown_and_known_users_take_as_long(self):
        db = Database("auth_timing")
        db.add_standard_users()
        try:
            daemon = Daemon(db, workers=1, auth={"free_failures": 100000}).start()
            try:
                known, unknown = [], []
                for i in range(12):
                    ok, t = attempt(daemon, "unittest", f"wrong{i}")
                    self.assertEqual(ok, 1510)
                    known.append(t)
                    ok, t = attempt(daemon, f"nobody{i}", "wrong")
                    self.assertEqual(ok, 1510)
                    unknown.append(t)
                k, u = statistics.median(known), statistics.median(unknown)
                self.assertGreater(u / k, 0.5, f"known {k * 1000:.1f} ms, unknown {u * 1000:.1f} ms")
                self.assertLess(u / k, 2.0, f"known {k * 1000:.1f} ms, unknown {u * 1000:.1f} ms")
            finally:
                daemon.stop()
        finally:
            db.drop()


class Throttling(harness.unittest.TestCase):
    def test_failures_slow_down_that_name_but_not_the_worker(self):
        db = Database("auth_throttle")
        db.add_standard_users()
        try:
            daemon = Daemon(db, workers=1).start()
            try:
                self.assertTrue(daemon.proxy(user="readonly").version({"auth": AUTH}))
                times = [attempt(daemon, "unittest", "wrong")[1] for _ in range(8)]
                # Five free failures, then 250 ms, 500 ms, ...
                self.assertLess(max(times[:5]), 0.25, times)
                self.assertGreaterEqual(times[6], 0.24, times)
                self.assertGreaterEqual(times[7], 0.48, times)
                # While a throttled attempt waits, the only worker serves others.
                waiting = {}
                t = threading.Thread(target=lambda: waiting.update(
                    r=attempt(daemon, "unittest", harness.PASSWORD)))
                t.start()
                time.sleep(0.1)
                ok, took = attempt(daemon, "readonly", harness.PASSWORD)
                self.assertEqual((ok, took < 0.1), (True, True), took)
                t.join()
                ok, took = waiting["r"]
                self.assertTrue(ok)  # the right password still works, after its wait
                self.assertGreaterEqual(took, 0.9)
                # ... and a success forgives the name.
                self.assertLess(attempt(daemon, "unittest", "wrong")[1], 0.25)
                self.assertRegex(daemon.read_log(),
                                 r"login as 'unittest' from 127\.0\.0\.1 failed \(failures \d+, "
                                 r"delayed \d+, refused \d+\)")
            finally:
                daemon.stop()
        finally:
            db.drop()


if __name__ == "__main__":
    harness.main()
