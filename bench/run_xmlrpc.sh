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
secs=${1:-10}; workers=${2:-2}
source "$(dirname "$0")/server_lib.sh"
bench_server_start "$workers"
hz=$(getconf CLK_TCK)
printf '%-14s %5s %10s %9s %9s %7s %14s %14s\n' method conns req/s p50_ms p99_ms faults prefixd_us/req postgres_us/req
for method in version list_vrf search_prefix add_prefix; do
  for conns in 8 32; do
    script=bench/xmlrpc.lua args=""
    [ "$method" = search_prefix ] && args=$search_args
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
