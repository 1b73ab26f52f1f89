#!/bin/bash
# SPDX-License-Identifier: MIT
# Plain-SQL bulk statements (issue 13): N /24 assignments x 254 hosts under a
# 10.0.0.0/8 reservation, inserted in ONE statement ("one") or as two (the
# /24s, then the hosts: "two"); then DELETEs of the /24 level (the hosts move
# up), of the hosts, of the rest.  Prints seconds per statement and, with
# CHECK=1, the differences against prefixd_recompute_all() (must be 0).
#   PGHOST=... PGPORT=... bench/plain_sql_bulk.sh [N] [one|two] [SCHEMA]
# N = 16, 64, 256 gives 4 080, 16 320, 65 280 rows.  SCHEMA=main applies
# migrations 0001-0012 only (the schema before the write-path migrations).
# ORDER='ORDER BY 2' inserts the hosts in address order.
set -euo pipefail
n=${1:-16}; mode=${2:-one}; schema=${3:-branch}
repo=$(cd "$(dirname "$0")/.." && pwd)
db=bench_bulk_$$
psql -X -q -d postgres -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
psql -X -q -d $db -c "CREATE EXTENSION ip4r; CREATE EXTENSION hstore; CREATE EXTENSION citext;"
for f in "$repo"/backend/sql/[0-9]*.sql; do
  num=$(basename "$f"); num=${num%%_*}
  [ "$schema" = main ] && [ "$((10#$num))" -gt 12 ] && continue
  psql -X -q -v ON_ERROR_STOP=1 -d $db -1 -f "$f" >/dev/null 2>&1
done
run() {
  local t0 t1; t0=$(date +%s.%N); psql -X -q -v ON_ERROR_STOP=1 -d $db -c "$1"; t1=$(date +%s.%N)
  printf '%-40s %8.3f s\n' "$2" "$(echo "$t1 - $t0" | bc)"
}
check() {
  [ -n "${CHECK:-}" ] || return 0
  psql -X -q -At -d $db <<'SQL' | grep recount
BEGIN;
CREATE TEMP TABLE b_plan AS SELECT id, parent_id, indent, children, total_addresses, used_addresses,
       free_addresses, display_prefix, inherited_tags FROM ip_net_plan;
CREATE TEMP TABLE b_vrf AS SELECT * FROM ip_net_vrf;
CREATE TEMP TABLE b_pool AS SELECT * FROM ip_net_pool;
SELECT prefixd_recompute_all();
SELECT 'recount differences: ' || (SELECT count(*) FROM (SELECT * FROM b_plan EXCEPT SELECT id, parent_id, indent,
       children, total_addresses, used_addresses, free_addresses, display_prefix, inherited_tags FROM ip_net_plan) d)
    + (SELECT count(*) FROM (SELECT * FROM b_vrf EXCEPT SELECT * FROM ip_net_vrf) d)
    + (SELECT count(*) FROM (SELECT * FROM b_pool EXCEPT SELECT * FROM ip_net_pool) d);
ROLLBACK;
SQL
}

psql -X -q -d $db -c "INSERT INTO ip_net_plan (vrf_id, prefix, type) VALUES (0, '10.0.0.0/8', 'reservation')"
A="SELECT 0, ('10.' || (a/256) || '.' || (a%256) || '.0/24')::cidr, 'assignment'::ip_net_plan_type
     FROM generate_series(0, $n - 1) a"
H="SELECT 0, ('10.' || (a/256) || '.' || (a%256) || '.' || h || '/32')::cidr, 'host'::ip_net_plan_type
     FROM generate_series(0, $n - 1) a, generate_series(1, 254) h ${ORDER:-}"
if [ "$mode" = one ]; then
  run "INSERT INTO ip_net_plan (vrf_id, prefix, type) $A UNION ALL $H" "$schema: INSERT $((n * 255)) rows"
else
  run "INSERT INTO ip_net_plan (vrf_id, prefix, type) $A" "$schema: INSERT $n /24s"
  run "INSERT INTO ip_net_plan (vrf_id, prefix, type) $H" "$schema: INSERT $((n * 254)) hosts"
fi
check
run "DELETE FROM ip_net_plan WHERE masklen(prefix) = 24" "$schema: DELETE the $n /24s"
check
run "DELETE FROM ip_net_plan WHERE masklen(prefix) = 32" "$schema: DELETE $((n * 254)) hosts"
run "DELETE FROM ip_net_plan" "$schema: DELETE the rest"
check
