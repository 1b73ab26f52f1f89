#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where a call's microseconds go: `bench/profile.sh [method] [seconds]`
# (method: list_vrf, search_prefix, smart_search_prefix or version; default
# list_vrf, 8 s). Starts prefixd (2 workers, the cache off unless CACHE=on)
# on the wrk data set, runs wrk -t1 -c32 for the method and records worker 0
# with `perf record -g` (Debian: linux-perf) meanwhile. Leaves perf.data and
# two reports in $OUT (default a new /tmp/prefixd-profile.XXXX):
#   dso.txt  — share of samples per library (kernel, libc, libpq, prefixd, ...)
#   sym.txt  — the top symbols, self time (no children)
# Needs kernel.perf_event_paranoid <= 1 (or root) to see kernel frames.
set -euo pipefail
method=${1:-list_vrf}; secs=${2:-8}
export CACHE=${CACHE:-off}
source "$(dirname "$0")/server_lib.sh"
command -v perf >/dev/null || { echo "needs perf: apt-get install -y linux-perf" >&2; exit 1; }
out=${OUT:-$(mktemp -d /tmp/prefixd-profile.XXXX)}
bench_server_start 2
args=""
[ "$method" = search_prefix ] && args=$search_args
[ "$method" = smart_search_prefix ] && args=$smart_args
worker=$(pgrep -P "$pid" -f "prefixd: worker 0")  # ours: other prefixds may run on the machine
PREFIXD_METHOD=$method PREFIXD_ARGS=$args wrk -t1 -c32 -d"$((secs + 2))s" --latency \
  -s bench/xmlrpc.lua "http://127.0.0.1:$port" > "$out/wrk.txt" &
wrk_pid=$!
sleep 1
perf record -q -g -p "$worker" -o "$out/perf.data" -- sleep "$secs" 2>/dev/null
wait "$wrk_pid"
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep . > "$out/dso.txt" || true
perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v "^#" | grep . > "$out/sym.txt" || true
echo "== $method: $(awk '/^Requests\/sec/ {print $2}' "$out/wrk.txt") req/s (cache $CACHE)"
head -15 "$out/dso.txt"
echo "-- top symbols"; head -30 "$out/sym.txt"
echo "(reports in $out)"
