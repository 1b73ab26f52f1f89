#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Commit-to-consumer latency of change events (issue 16).

Calls add_prefix at a steady rate against a running prefixd whose events go
to the mock cluster of prefixd-kafka-mock (its consumer's output is read from
--consumer-log as it grows) and matches each call's INSERT event on
nipap.prefix by the new row's id. For each event it reports the time from the
call's response (the transaction committed before it was sent, so this is a
slight underestimate of commit-to-consumer) and from the call's start (an
overestimate). Clock: CLOCK_MONOTONIC in both processes.

  event_latency.py --port P --user U --password W --consumer-log FILE [--calls N] [--rate R]
"""
import argparse
import json
import statistics
import time
import xmlrpc.client


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--consumer-log", required=True)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--offset", type=int, default=0)
    a = ap.parse_args()
    proxy = xmlrpc.client.ServerProxy(f"http://{a.user}:{a.password}@127.0.0.1:{a.port}/XMLRPC")
    auth = {"authoritative_source": "nipap"}
    calls = {}
    next_at = time.monotonic()
    for i in range(a.calls):
        n = a.offset + i
        prefix = "10.%d.%d.%d/30" % (64 + n // 16384 % 64, n // 64 % 256, n % 64 * 4)
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += 1 / a.rate
        started = time.monotonic()
        added = proxy.add_prefix({"auth": auth, "attr": {"prefix": prefix, "type": "assignment",
                                                         "description": "latency"}})
        calls[str(added["id"])] = (started, time.monotonic())
    received = {}
    deadline = time.monotonic() + 30
    while len(received) < len(calls) and time.monotonic() < deadline:
        with open(a.consumer_log) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                m = json.loads(line)
                if m["topic"].endswith("prefix") and m["key"] in calls and m["key"] not in received:
                    if json.loads(m["value"])["event_type"] == "INSERT":
                        received[m["key"]] = m["t"]
        time.sleep(0.2)
    after_response = [(received[k] - calls[k][1]) * 1000 for k in received]
    after_start = [(received[k] - calls[k][0]) * 1000 for k in received]
    print(f"events {len(received)}/{len(calls)} at {a.rate:g} calls/s")
    for name, v in (("from response", after_response), ("from call start", after_start)):
        print(f"  {name:16s} ms: p50 {statistics.median(v):7.2f}  p99 {percentile(v, 99):7.2f}  "
              f"max {max(v):7.2f}")


if __name__ == "__main__":
    main()
