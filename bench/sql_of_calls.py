#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns PostgreSQL's statement log (log_statement = all) into pgbench
scripts: `sql_of_calls.py SERVER_LOG OUT_PREFIX`. The log must hold the
statements of calls made after a line containing `-- bench:NAME` (psql
writes it with `SELECT 'bench:NAME'`); each call's statements (parameters
written in as literals) become OUT_PREFIX.NAME.sql, for `pgbench -M prepared
-f`. Statements of prefixd's own bookkeeping are kept: they are part of
what the call costs the database."""
import re
import sys

log, prefix = sys.argv[1], sys.argv[2]
scripts = {}
current = None
pending = None


def flush():
    global pending
    if pending and current:
        scripts.setdefault(current, []).append(pending[0])
    pending = None


for line in open(log, encoding="utf-8", errors="replace"):
    m = re.search(r"LOG:  statement: SELECT 'bench:(\w+)'", line)
    if m:
        flush()
        current = m.group(1)
        continue
    m = re.search(r"LOG:  (?:execute [^:]*|statement): (.*)$", line)
    if m:
        flush()
        sql = m.group(1)
        if current and not sql.startswith("SELECT 'bench:"):
            pending = [sql]
        continue
    m = re.search(r"DETAIL:  parameters: (.*)$", line)
    if m and pending:
        params = dict(re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", m.group(1)))
        pending[0] = re.sub(r"\$(\d+)", lambda x: params.get(x.group(1), x.group(0)), pending[0])
flush()
for name, statements in scripts.items():
    with open(f"{prefix}.{name}.sql", "w") as f:
        for s in statements:
            f.write(s.rstrip(";") + ";\n")
    print(f"{prefix}.{name}.sql: {len(statements)} statements")
