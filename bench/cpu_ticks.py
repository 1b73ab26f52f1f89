#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU time (user + system, in clock ticks) of one prefixd and its own
PostgreSQL cluster, by role: `cpu_ticks.py MASTER_PID POSTMASTER_PID` prints
a JSON object {"api": ticks, "events": ticks}: "api" sums the master, the
workers and the database backends serving the workers (application_name
'prefixd worker N'), "events" the event producer and its backend. Used by
events.sh to state the triggers' cost as CPU per request, which other load on
a shared machine disturbs far less than requests per second."""
import json
import os
import subprocess
import sys


def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def title(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return ""


def main():
    master, postmaster = int(sys.argv[1]), int(sys.argv[2])
    out = {"api": ticks(master), "events": 0}
    for pid in children(master):
        out["events" if title(pid).startswith("prefixd: events") else "api"] += ticks(pid)
    apps = dict(line.split("|", 1) for line in subprocess.run(
        ["psql", "-XAtq", "-d", "postgres", "-c",
         "SELECT pid, coalesce(application_name, '') FROM pg_stat_activity"],
        capture_output=True, text=True, check=True).stdout.splitlines() if "|" in line)
    for pid in children(postmaster):
        app = apps.get(str(pid), "")
        if app.startswith("prefixd worker"):
            out["api"] += ticks(pid)
        elif app.startswith("prefixd events"):
            out["events"] += ticks(pid)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
