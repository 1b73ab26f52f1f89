#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XML-RPC load benchmark: `bench/run_xmlrpc.sh [seconds] [workers] [methods...]`.
# Starts prefixd on a private cluster with PostgreSQL's durable defaults
# (fsync, synchronous_commit on) and one VRF holding a 10.0.0.0/8
# reservation with 2 000 /24 assignments (the set-up the issue compares
# NIPAP on), plus pool `bench` (member 172.16.0.0/12, assignments of /28).
# Then runs wrk -t1 at 8 and 32 connections for each method:
#   version, list_vrf, search_prefix (contained_within_equals 10.0.0.0/8,
#   max_result 50), add_prefix (a new /30 under the /8 each), add_from_pool
#   (from pool `bench`), edit_prefix (the /30s the add runs made, a new
#   description), remove_prefix (those /30s, one each)
# and prints requests/s, p50/p99, fault counts, the CPU time prefixd and
# PostgreSQL used per request and, for the writes, the database ceiling:
# pgbench -M prepared of the statements prefixd sends for that call
# (bench/sql/<method>.sql), same connection count, same data. After
# add_from_pool it counts pairs of allocations that overlap (must be 0).
#
# With durable commits a worker waits for the WAL flush of every write (a
# few ms on virtual disks), so one worker completes at most 1/flush writes
# per second: give write runs workers >= connections / 2.
set -euo pipefail
secs=${1:-10}; workers=${2:-2}; shift $(( $# > 2 ? 2 : $# ))
methods=${*:-version list_vrf search_prefix add_prefix add_from_pool edit_prefix remove_prefix}
source "$(dirname "$0")/server_lib.sh"
DURABLE=1 BENCH_POOL=1 bench_server_start "$workers"
hz=$(getconf CLK_TCK)
search=$search_args
# The /30s the add runs create: n-th request, n-th /30 (prefix_calls.lua).
added=0 edited=0 removed=0
ceiling() {  # ceiling METHOD CONNS: pgbench of bench/sql/METHOD.sql
  local f="bench/sql/$1.sql"
  [ -f "$f" ] || { echo "-"; return; }
  PGOPTIONS='-c prefixd.deferred_statistics=on' \
    pgbench -n -M prepared -c "$2" -j 2 -T "$secs" -f "$f@20" -f bench/sql/fold.sql@1 -D net=10 \
      -D offset=9000000 bench 2>/dev/null |
    awk '/^tps/ {printf "%.0f", $3}'
}
printf '%-14s %5s %10s %9s %9s %7s %14s %15s %10s\n' method conns req/s p50_ms p99_ms faults prefixd_us/req \
  postgres_us/req db_ceiling
for method in $methods; do
  for conns in 8 32; do
    script=bench/xmlrpc.lua args="" env=()
    case $method in
      search_prefix) args=$search ;;
      add_prefix) script=bench/prefix_calls.lua; env=(PREFIXD_CALL=add PREFIXD_ADD_OFFSET=$added) ;;
      add_from_pool) script=bench/prefix_calls.lua; env=(PREFIXD_CALL=pool PREFIXD_POOL=bench) ;;
      edit_prefix) script=bench/prefix_calls.lua; env=(PREFIXD_CALL=edit PREFIXD_ADD_OFFSET=$edited) ;;
      remove_prefix) script=bench/prefix_calls.lua; env=(PREFIXD_CALL=remove PREFIXD_ADD_OFFSET=$removed) ;;
    esac
    p0=$(ticks "prefixd: "); g0=$(ticks "postgres: ")
    out=$(env "${env[@]}" PREFIXD_METHOD=$method PREFIXD_ARGS=$args \
      wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$script" "http://127.0.0.1:$port")
    p1=$(ticks "prefixd: "); g1=$(ticks "postgres: ")
    line=$(echo "$out" | grep '^requests:')
    reqs=$(echo "$line" | awk '{print $2}'); faults=$(echo "$line" | awk '{print $4}')
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    p50=$(echo "$line" | awk '{print $8}'); p99=$(echo "$line" | awk '{print $11}')
    case $method in
      # wrk stops with up to `conns` adds in flight that it does not count:
      # the next run starts past them (else they come back as duplicates)
      add_prefix) added=$((added + reqs + conns)) ;;
      edit_prefix) edited=$(( (edited + reqs) % (added > 0 ? added : 1) )) ;;
      remove_prefix)
        removed=$((removed + reqs))
        [ "$removed" -le "$added" ] || echo "note: remove_prefix ran out of /30s to remove ($removed > $added)" ;;
    esac
    db=-
    case $method in add_prefix|add_from_pool|edit_prefix|remove_prefix) db=$(ceiling "$method" "$conns") ;; esac
    awk -v m="$method" -v c="$conns" -v r="$rps" -v a="$p50" -v b="$p99" -v f="$faults" \
        -v pt=$((p1 - p0)) -v gt=$((g1 - g0)) -v n="$reqs" -v hz="$hz" -v d="$db" \
      'BEGIN { printf "%-14s %5s %10s %9s %9s %7s %14.1f %15.1f %10s\n", m, c, r, a, b, f, pt/hz/n*1e6, gt/hz/n*1e6, d }'
    if [ "$method" = add_from_pool ]; then
      overlaps=$(psql -XAtc "SELECT count(*) FROM ip_net_plan a JOIN ip_net_plan b
                               ON b.vrf_id = a.vrf_id AND iprange(b.prefix) && iprange(a.prefix) AND b.id > a.id
                              WHERE a.parent_id = (SELECT id FROM ip_net_plan WHERE prefix = '172.16.0.0/12')
                                AND b.parent_id = a.parent_id")
      echo "               allocations in the pool: $(psql -XAtc "SELECT count(*) FROM ip_net_plan
                WHERE parent_id = (SELECT id FROM ip_net_plan WHERE prefix = '172.16.0.0/12')"), overlapping pairs: $overlaps"
    fi
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
