#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The cost of each kind of authentication, cached and uncached: wrk -t1 -c1
on `version` over XML-RPC against one worker, for local accounts (yescrypt),
an imported NIPAP account (SHA-1, re-hashed at the first login, so cached
only), LDAP (a private slapd, plain and STARTTLS) and JWT bearer tokens (a
JWKS served by this script; RS256, ES256, EdDSA). Each configuration runs in
ROUNDS interleaved rounds of SECONDS; prints, per configuration, the median
wall time per call (1 / requests per second) and the worker's CPU time per
call (from /proc), with the range over the rounds.

  PGHOST=... PGPORT=... /usr/bin/python3 bench/auth_cost.py [SECONDS] [ROUNDS]

Needs a PostgreSQL cluster (the test command's lib.sh pg_start), slapd,
ldap-utils, openssl, python3-cryptography and wrk; uses the e2e helpers."""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402
import jwt_issuer as ji  # noqa: E402
import ldap_server as ls  # noqa: E402
from auth_calls import basic, bearer  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(daemon, authorization):
    env = dict(os.environ, PREFIXD_AUTHORIZATION=authorization)
    worker = daemon.worker_pids()[0]
    before = cpu_seconds(worker)
    out = subprocess.run(["wrk", "-t1", "-c1", f"-d{SECONDS}s", "-s",
                          os.path.join(ROOT, "bench", "xmlrpc.lua"),
                          f"http://127.0.0.1:{daemon.port}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(worker) - before
    requests = int(re.search(r"requests: (\d+) +faults: (\d+) +non-200: (\d+)", out).group(1))
    faults = re.search(r"faults: (\d+) +non-200: (\d+)", out).groups()
    if faults != ("0", "0"):
        raise SystemExit(f"faults or errors during the run: {out}")
    return SECONDS * 1e6 / requests, cpu * 1e6 / requests


def main():
    harness.PREFIXD = os.path.join(ROOT, "build", "prefixd")
    slapd = ls.Slapd()
    key = {alg: ji.Key(alg, alg) for alg in ("RS256", "ES256", "EdDSA")}
    jwks = ji.JwksServer(key.values())
    db = harness.Database("authbench")
    db.add_user("local", "local-pass")
    import hashlib
    db.sql("INSERT INTO prefixd_user (username, legacy_salt, legacy_sha1) VALUES ('nipap', "
           f"'abcdEFGH', '{hashlib.sha1(b'abcdEFGHnipap-pass').hexdigest()}')")
    backends = {
        "ldap": {"type": "ldap", "uri": slapd.uri, "basedn": ls.BASE,
                 "binddn_fmt": "uid={},ou=People," + ls.BASE, "search": "uid={}",
                 "rw_group": ls.RW_GROUP, "ro_group": ls.RO_GROUP},
        "ldaptls": {"type": "ldap", "uri": slapd.uri, "tls": True, "tls_ca_file": slapd.ca_file,
                    "basedn": ls.BASE, "binddn_fmt": "uid={},ou=People," + ls.BASE,
                    "search": "uid={}", "rw_group": ls.RW_GROUP, "ro_group": ls.RO_GROUP},
        "jwt": {"type": "jwt", "jwk_url": jwks.url, "group_claim_name": "groups",
                "rw_group": "ipam-rw"},
    }
    daemons = {}
    for cache in (3600, 0):
        daemons[cache] = harness.Daemon(db, workers=1, log={"access": False}, auth={
            "cache_timeout": cache, "backends": backends}).start()
    tokens = {alg: bearer(ji.token(k, ji.claims(lifetime=3600))) for alg, k in key.items()}
    cases = [("local (yescrypt)", basic("local", "local-pass")),
             ("ldap", basic("rwuser@ldap", "rw-pass")),
             ("ldap STARTTLS", basic("rwuser@ldaptls", "rw-pass"))] + \
            [(f"jwt {alg}", tokens[alg]) for alg in tokens]
    runs = []
    for cache in (3600, 0):
        for name, auth in cases:
            runs.append((f"{name}, {'cached' if cache else 'uncached'}", daemons[cache], auth))
    # NIPAP's hash is replaced at the first login: only its cached cost repeats.
    runs.append(("nipap-sha1 import, first login then cached", daemons[3600],
                 basic("nipap", "nipap-pass")))
    results = {name: [] for name, _, _ in runs}
    try:
        for daemon in daemons.values():  # warm-up: connections, JWKS, caches
            for _, auth in cases:
                run_wrk_short(daemon, auth)
        for _ in range(ROUNDS):
            for name, daemon, auth in runs:
                results[name].append(run_wrk(daemon, auth))
        print(f"wrk -t1 -c1 -d{SECONDS}s on version, 1 worker, {ROUNDS} interleaved rounds "
              f"(median, range)")
        print(f"{'authentication':45} {'wall µs/call':>22} {'worker CPU µs/call':>24}")
        for name, values in results.items():
            wall = [v[0] for v in values]
            cpu = [v[1] for v in values]
            print(f"{name:45} {statistics.median(wall):9.0f} ({min(wall):5.0f}-{max(wall):5.0f})"
                  f" {statistics.median(cpu):11.0f} ({min(cpu):5.0f}-{max(cpu):5.0f})")
    finally:
        for d in daemons.values():
            d.stop()
        db.drop()
        slapd.remove()
        jwks.close()


def run_wrk_short(daemon, authorization):
    env = dict(os.environ, PREFIXD_AUTHORIZATION=authorization)
    subprocess.run(["wrk", "-t1", "-c1", "-d1s", "-s", os.path.join(ROOT, "bench", "xmlrpc.lua"),
                    f"http://127.0.0.1:{daemon.port}"], env=env, capture_output=True, check=True)


if __name__ == "__main__":
    main()
