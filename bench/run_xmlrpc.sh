#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# XML-RPC load benchmark: `bench/run_xmlrpc.sh [seconds] [workers]`.
# Starts prefixd on a private cluster with one VRF holding a 10.0.0.0/8
# reservation with 2 000 /24 assignments (the set-up the issue compares
# NIPAP on), then runs wrk -t1 at 8 and 32 connections for version,
# list_vrf, search_prefix (contained_within_equals 10.0.0.0/8, max_result 50)
# and add_prefix (a new /30 each). Prints requests/s, p50/p99, fault counts
# and the CPU time prefixd and PostgreSQL used per request.
set -euo pipefail
source "$(dirname "$0")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
secs=${1:-10}; workers=${2:-2}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

dir=$(new_cluster_dir)
port=$(free_port)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" || true; pg_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
pg_start "$dir" fsync=off
export PGDATABASE=bench
createdb bench
./build/prefixd db init >/dev/null
echo benchpw | ./build/prefixd user add bench --password-stdin >/dev/null
psql -XAtq -c "INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
               VALUES (0, '10.0.0.0/8', 'reservation', 'bench /8');
               INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
               SELECT 0, ('10.' || (i / 256) || '.' || (i % 256) || '.0/24')::cidr,
                      'assignment', 'bench /24 ' || i FROM generate_series(0, 1999) i;"
cat > "$dir/prefixd.yaml" <<YAML
listen: 127.0.0.1:$port
workers: $workers
log:
  access: false
YAML
./build/prefixd serve -f -c "$dir/prefixd.yaml" 2>"$dir/prefixd.log" &
pid=$!
for _ in $(seq 100); do grep -q "serving on" "$dir/prefixd.log" && break; sleep 0.1; done
export PREFIXD_USER=bench PREFIXD_PASSWORD=benchpw PREFIXD_BENCH_DIR="$PREFIXD_ROOT/bench"
wrk -t1 -c4 -d1s -s bench/xmlrpc.lua "http://127.0.0.1:$port" >/dev/null  # warm the login caches

ticks() {  # CPU ticks of the processes whose command line matches $1
  local t=0 p
  for p in $(pgrep -f "$1"); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done
  echo $t
}
hz=$(getconf CLK_TCK)
search='<member><name>query</name><value><struct><member><name>operator</name><value><string>contained_within_equals</string></value></member><member><name>val1</name><value><string>prefix</string></value></member><member><name>val2</name><value><string>10.0.0.0/8</string></value></member></struct></value></member><member><name>search_options</name><value><struct><member><name>max_result</name><value><int>50</int></value></member></struct></value></member>'
printf '%-14s %5s %10s %9s %9s %7s %14s %14s\n' method conns req/s p50_ms p99_ms faults prefixd_us/req postgres_us/req
for method in version list_vrf search_prefix add_prefix; do
  for conns in 8 32; do
    script=bench/xmlrpc.lua args=""
    [ "$method" = search_prefix ] && args=$search
    [ "$method" = add_prefix ] && script=bench/add_prefix.lua
    p0=$(ticks "prefixd: "); g0=$(ticks "postgres: ")
    offset=$(( ${offset:-0} + 200000 ))
    out=$(PREFIXD_ADD_OFFSET=$offset PREFIXD_METHOD=$method PREFIXD_ARGS=$args wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$script" "http://127.0.0.1:$port")
    p1=$(ticks "prefixd: "); g1=$(ticks "postgres: ")
    line=$(echo "$out" | grep '^requests:')
    reqs=$(echo "$line" | awk '{print $2}'); faults=$(echo "$line" | awk '{print $4}')
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    p50=$(echo "$line" | awk '{print $8}'); p99=$(echo "$line" | awk '{print $11}')
    awk -v m="$method" -v c="$conns" -v r="$rps" -v a="$p50" -v b="$p99" -v f="$faults" \
        -v pt=$((p1 - p0)) -v gt=$((g1 - g0)) -v n="$reqs" -v hz="$hz" \
      'BEGIN { printf "%-14s %5s %10s %9s %9s %7s %14.1f %14.1f\n", m, c, r, a, b, f, pt/hz/n*1e6, gt/hz/n*1e6 }'
  done
done
