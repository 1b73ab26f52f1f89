#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The figures of issue 14: `bench/cache.sh [seconds] [rounds]` (default 8 2).
# One database (the wrk data set of server_lib.sh) served by three prefixd
# hosts, 2 workers each: cache off, cache on (strict: every hit checks the
# change counter), and cache on with max_staleness_ms 1000. In interleaved
# rounds, wrk -t1 -c32 runs list_vrf, search_prefix (50 of 2 001) and
# smart_search_prefix("10.0.0.0/8", 50) against each, repeated calls (so the
# cached hosts answer from the cache); then the mixed workload (mixed.lua:
# 90 % search_prefix over 1 000 distinct /24s, 10 % add_prefix) with the
# hit rate from /metrics. Last, pgbench -M prepared -c 32 -j 1 runs the SQL
# each call sends (taken from the statement log by sql_of_calls.py): the
# ceiling each figure is a fraction of, at 32 clients and at as many as
# prefixd has connections (one per worker). Everything shares the 2 cores.
# WORKERS (default 2) sets the workers of each host; OUT keeps the SQL.
set -euo pipefail
secs=${1:-8}; rounds=${2:-2}; workers=${WORKERS:-2}
export CACHE=off
source "$(dirname "$0")/server_lib.sh"
bench_server_start "$workers"
declare -A ports=([off]=$port)
extra_pids=()
stop_all() { for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" || true; done; bench_server_stop; }
trap stop_all EXIT
for mode in strict lax; do
  p=$(free_port)
  {
    echo "listen: 127.0.0.1:$p"; echo "workers: $workers"; echo "log:"; echo "  access: false"
    echo "cache:"; [ $mode = lax ] && echo "  max_staleness_ms: 1000"
    echo "  enabled: true"
  } > "$dir/$mode.yaml"
  ./build/prefixd serve -f -c "$dir/$mode.yaml" 2>"$dir/$mode.log" &
  extra_pids+=($!)
  for _ in $(seq 100); do grep -q "serving on" "$dir/$mode.log" && break; sleep 0.1; done
  ports[$mode]=$p
  wrk -t1 -c4 -d1s -s bench/xmlrpc.lua "http://127.0.0.1:$p" >/dev/null
done

cache_counter() {  # cache_counter PORT EVENT
  curl -s "http://127.0.0.1:$1/metrics" | awk -v e="$2" '$1 == "prefixd_response_cache_total{event=\""e"\"}" {print $2}'
}
run() {  # run MODE METHOD ARGS SCRIPT -> "req/s p99"
  local out
  out=$(PREFIXD_ADD_OFFSET=$((RANDOM * 64)) PREFIXD_METHOD=$2 PREFIXD_ARGS=$3 \
        wrk -t1 -c32 -d"${secs}s" --latency -s "$4" "http://127.0.0.1:${ports[$1]}")
  echo "$(echo "$out" | awk '/^Requests\/sec/ {print $2}') $(echo "$out" | awk '/^requests:/ {print $11, "faults=" $4}')"
}

printf '%-6s %-6s %-20s %10s %8s\n' round cache call req/s p99_ms
for r in $(seq "$rounds"); do
  for method in list_vrf search_prefix smart_search_prefix; do
    args=""
    [ $method = search_prefix ] && args=$search_args
    [ $method = smart_search_prefix ] && args=$smart_args
    for mode in off strict lax; do
      printf '%-6s %-6s %-20s %10s %8s %s\n' "$r" $mode $method $(run $mode $method "$args" bench/xmlrpc.lua)
    done
  done
  for mode in off strict lax; do
    h0=$(cache_counter "${ports[$mode]}" hits); m0=$(cache_counter "${ports[$mode]}" misses)
    res=$(run $mode mixed "" bench/mixed.lua)
    h1=$(cache_counter "${ports[$mode]}" hits); m1=$(cache_counter "${ports[$mode]}" misses)
    rate=$(awk -v h=$(( ${h1:-0} - ${h0:-0} )) -v m=$(( ${m1:-0} - ${m0:-0} )) 'BEGIN { if (h + m) printf "%.1f%%", 100 * h / (h + m); else print "-" }')
    printf '%-6s %-6s %-20s %10s %8s %s hit_rate=%s\n' "$r" $mode mixed $res "$rate"
  done
done

# The SQL of each call, from the statement log, as pgbench scripts.
psql -XAtq -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
call_once() {  # call_once PORT NAME METHOD ARGS: one call, its statements logged under NAME
  psql -XAtq -c "SELECT 'bench:$2'" >/dev/null
  curl -s -u bench:benchpw -H 'Content-Type: text/xml' -o /dev/null --data-binary \
    "<?xml version='1.0'?><methodCall><methodName>$3</methodName><params><param><value><struct><member><name>auth</name><value><struct><member><name>authoritative_source</name><value><string>nipap</string></value></member></struct></value></member>$4</struct></value></param></params></methodCall>" \
    "http://127.0.0.1:$1/XMLRPC"
}
call_once "${ports[off]}" list_vrf list_vrf ""
call_once "${ports[off]}" search_prefix search_prefix "$search_args"
call_once "${ports[off]}" smart_search_prefix smart_search_prefix "$smart_args"
call_once "${ports[strict]}" cache_miss search_prefix "$search_args"
call_once "${ports[strict]}" cached_hit search_prefix "$search_args"
psql -XAtq -c "SELECT 'bench:end'" -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
python3 bench/sql_of_calls.py "$dir/server.log" "$dir/sql" >/dev/null
echo "SELECT 1;" > "$dir/sql.select1.sql"
out=${OUT:-$dir}
[ "$out" = "$dir" ] || cp "$dir"/sql.*.sql "$out"/
echo; echo "pgbench -M prepared -j 1 -T $secs (one transaction = one call's statements, as logged; in $out)"
printf '  %-20s %12s %12s\n' call "-c 32 tps" "-c $workers tps"
for name in select1 list_vrf search_prefix smart_search_prefix cache_miss cached_hit; do
  f="$dir/sql.$name.sql"
  [ -f "$f" ] || continue
  line=$(printf '  %-20s' "$name")
  for c in 32 "$workers"; do
    line+=$(printf ' %12s' "$(pgbench -n -M prepared -c "$c" -j 1 -T "$secs" -f "$f" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')")
  done
  echo "$line   ($(wc -l < "$f") statements)"
done
