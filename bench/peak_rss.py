#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Peak memory of a worker for the largest request body each transport
accepts (issue 11, item 3): a fresh one-worker daemon per case, one request
whose body is just under limits.max_body_bytes (16 MiB by default) and as
expensive to decode as a body of that size gets (the most values per byte),
then the worker's VmHWM. With and without valid credentials.

    bench/peak_rss.py [--prefixd build/prefixd]   (needs PGHOST etc., as the e2e tests)
"""
import argparse
import base64
import http.client
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

LIMIT = 16 * 1024 * 1024


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return 0


def bodies():
    """Per transport: the most values limits.max_values (1 000 000) lets
    through, then one string as long as the body limit allows."""
    values = 1000000 - 10
    xml_head = (b"<?xml version='1.0'?><methodCall><methodName>echo</methodName><params><param>"
                b"<value><struct><member><name>auth</name><value><struct><member><name>"
                b"authoritative_source</name><value>x</value></member></struct></value></member>"
                b"<member><name>message</name><value>")
    xml_tail = b"</value></member></struct></value></param></params></methodCall>"
    xml_many = xml_head + b"<array><data>" + b"<value/>" * values + b"</data></array>" + xml_tail
    xml_long = xml_head + b"x" * (LIMIT - len(xml_head) - len(xml_tail)) + xml_tail
    json_many = b'{"message": [' + b"0," * values + b"0]}"
    json_long = b'{"message": "' + b"x" * (LIMIT - 20) + b'"}'
    rest_many = (b'{"prefix": "10.0.0.0/8", "type": "reservation", "description": "d", "tags": [' +
                 b'"",' * values + b'""]}')
    rest_long = (b'{"prefix": "10.0.0.0/8", "type": "reservation", "description": "' +
                 b"x" * (LIMIT - 80) + b'"}')
    return [
        ("XML-RPC echo, 1M values", "POST", "/XMLRPC", "text/xml", xml_many),
        ("XML-RPC echo, one 16 MiB string", "POST", "/XMLRPC", "text/xml", xml_long),
        ("JSON echo, 1M values", "POST", "/api/v1/echo", "application/json", json_many),
        ("JSON echo, one 16 MiB string", "POST", "/api/v1/echo", "application/json", json_long),
        ("REST add, 1M tags", "POST", "/rest/v1/prefixes", "application/json", rest_many),
        ("REST add, 16 MiB description", "POST", "/rest/v1/prefixes", "application/json",
         rest_long),
    ]


def measure(prefixd, case, authenticated):
    name, method, path, ctype, body = case
    assert len(body) <= LIMIT, (name, len(body))
    db = harness.Database("peak_rss")
    db.add_standard_users()
    daemon = harness.Daemon(db, workers=1).start()
    try:
        worker = daemon.worker_pids()[0]
        # The worker's baseline: one small call (connection, statements, caches).
        daemon.proxy().version({"auth": harness.AUTH})
        base = vm(worker, "VmHWM")
        password = harness.PASSWORD if authenticated else "wrong"
        conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=300)
        start = time.monotonic()
        status = None
        try:
            conn.request(method, path, body, {
                "Content-Type": ctype, "NIPAP-Authoritative-Source": "bench",
                "Authorization": "Basic " + base64.b64encode(f"unittest:{password}".encode()).decode()})
            r = conn.getresponse()
            r.read()
            status = r.status
        except OSError as e:
            status = type(e).__name__
        took = time.monotonic() - start
        return (name, "yes" if authenticated else "no", len(body), status, base, vm(worker, "VmHWM"),
                took)
    finally:
        daemon.stop(expect_status=None)
        db.drop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefixd", default=os.path.join(harness.ROOT, "build", "prefixd"))
    args = ap.parse_args()
    harness.PREFIXD = os.path.abspath(args.prefixd)
    print(f"{'request':34} {'creds':5} {'body':>10} {'status':>7} {'base MiB':>9} {'peak MiB':>9} {'s':>6}")
    for case in bodies():
        for authenticated in (True, False):
            n, a, size, status, base, peak, took = measure(args.prefixd, case, authenticated)
            print(f"{n:34} {a:5} {size:>10} {status!s:>7} {base:>9} {peak:>9} {took:>6.2f}")


if __name__ == "__main__":
    main()
