#!/usr/bin/env bash
# Benchmarks XML-RPC `version` with wrk against a prefixd started here on a
# private cluster: `bench/run_version.sh [connections] [seconds] [workers]`.
# Prints wrk's figures and the CPU time prefixd used per request.
set -euo pipefail
source "$(dirname "$0")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
conns=${1:-32}; secs=${2:-10}; workers=${3:-2}
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
cat > "$dir/prefixd.yaml" <<YAML
listen: 127.0.0.1:$port
workers: $workers
log:
  access: ${PREFIXD_ACCESS_LOG:-false}
YAML
./build/prefixd serve -f -c "$dir/prefixd.yaml" 2>"$dir/prefixd.log" &
pid=$!
for _ in $(seq 100); do grep -q "serving on" "$dir/prefixd.log" && break; sleep 0.1; done
# Warm every worker's login cache.
PREFIXD_USER=bench PREFIXD_PASSWORD=benchpw wrk -t1 -c4 -d1s -s bench/xmlrpc.lua "http://127.0.0.1:$port" >/dev/null
ticks() { local t=0 p; for p in $pid $(ps -o pid= --ppid $pid); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
before=$(ticks)
out=$(PREFIXD_USER=bench PREFIXD_PASSWORD=benchpw PREFIXD_METHOD=${PREFIXD_METHOD:-version} \
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/xmlrpc.lua "http://127.0.0.1:$port")
after=$(ticks)
echo "$out"
reqs=$(echo "$out" | awk '/^requests:/ {print $2}')
hz=$(getconf CLK_TCK)
awk -v t=$((after - before)) -v hz="$hz" -v r="$reqs" \
  'BEGIN { printf "prefixd CPU: %.2f s, %.1f us per request\n", t / hz, t / hz / r * 1e6 }'
