#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Change events (issue 16): `bench/events.sh [seconds] [rounds]`
# (LATENCY_RUNS=N repeats the latency part; rounds 0 skips the throughput part).
#
# 1. The cost of the outbox triggers on add_prefix throughput: wrk -t1 -c8
#    runs of add_prefix (a new /30 each) against prefixd with
#    events.kafka.enabled true (triggers on, producer sending to the mock
#    cluster) and false, interleaved for `rounds` rounds, each on a freshly
#    started daemon; prints each run, the medians and their ratio, and the CPU
#    time per call (prefixd and its database backends, bench/cpu_ticks.py),
#    split into the API's share and the event producer's: on a busy machine
#    the CPU per call is the steadier measure of the triggers' cost.
# 2. Commit-to-consumer latency with events on: bench/event_latency.py, 1000
#    add_prefix calls at 100/s, matched with the consumer's receipt times.
#
# PostgreSQL runs with its durable defaults (fsync, synchronous_commit on),
# unlike the test command's cluster. Other load on the machine shows in the
# figures: compare the interleaved runs, not single ones.
set -euo pipefail
source "$(dirname "$0")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
secs=${1:-10}; rounds=${2:-3}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

dir=$(new_cluster_dir)
port=$(free_port)
pid= mock=
stop_daemon() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" || true; pid=; }
cleanup() { stop_daemon; [ -n "$mock" ] && exec 9>&- && wait "$mock" || true; pg_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
pg_start "$dir" max_connections=100
export PGDATABASE=bench
createdb bench
./build/prefixd db init >/dev/null
echo benchpw | ./build/prefixd user add bench --password-stdin >/dev/null
psql -XAtq -c "INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
               VALUES (0, '10.0.0.0/8', 'reservation', 'bench /8')"

# The mock cluster, fed commands through fd 9 (closing it stops the mock).
mkfifo "$dir/mock.in"
./build/tests/prefixd-kafka-mock nipap. 3 <"$dir/mock.in" >"$dir/consumer.log" &
mock=$!
exec 9>"$dir/mock.in"
for _ in $(seq 100); do grep -q '^bootstrap' "$dir/consumer.log" && break; sleep 0.1; done
bootstrap=$(awk '/^bootstrap/ {print $2; exit}' "$dir/consumer.log")

start_daemon() {  # start_daemon true|false
  cat > "$dir/prefixd.yaml" <<YAML
listen: 127.0.0.1:$port
workers: 2
log:
  access: false
events:
  kafka:
    enabled: $1
    brokers: "$bootstrap"
YAML
  : > "$dir/prefixd.log"
  ./build/prefixd serve -f -c "$dir/prefixd.yaml" 2>"$dir/prefixd.log" &
  pid=$!
  for _ in $(seq 100); do grep -q "serving on" "$dir/prefixd.log" && break; sleep 0.1; done
}

export PREFIXD_USER=bench PREFIXD_PASSWORD=benchpw PREFIXD_BENCH_DIR="$PREFIXD_ROOT/bench"
offset=0
declare -A results cpu_api cpu_events
echo "== add_prefix throughput, wrk -t1 -c8 -d${secs}s, events on/off interleaved, $rounds rounds"
for round in $(seq "$rounds"); do
  for events in true false; do
    start_daemon "$events"
    offset=$((offset + 400000))
    PREFIXD_ADD_OFFSET=$offset PREFIXD_METHOD=add_prefix wrk -t1 -c8 -d1s -s bench/add_prefix.lua \
      "http://127.0.0.1:$port" >/dev/null  # warm the login caches and the plans
    offset=$((offset + 100000))
    postmaster=$(head -1 "$dir/data/postmaster.pid")
    t0=$(python3 bench/cpu_ticks.py "$pid" "$postmaster")
    out=$(PREFIXD_ADD_OFFSET=$offset PREFIXD_METHOD=add_prefix wrk -t1 -c8 -d"${secs}s" \
      -s bench/add_prefix.lua "http://127.0.0.1:$port")
    # The producer's share includes catching up with what the run wrote.
    for _ in $(seq 50); do
      [ "$(psql -XAtq -c "SELECT count(*) FROM kafka_produce_event WHERE NOT processed")" = 0 ] && break
      sleep 0.1
    done
    t1=$(python3 bench/cpu_ticks.py "$pid" "$postmaster")
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    faults=$(echo "$out" | awk '/^requests:/ {print $4}')
    reqs=$(echo "$out" | awk '/^requests:/ {print $2}')
    cpu=$(python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); n=int(sys.argv[3]); hz=int(sys.argv[4])
print('%.0f %.0f' % ((b['api']-a['api'])/hz/n*1e6, (b['events']-a['events'])/hz/n*1e6))" "$t0" "$t1" "$reqs" "$(getconf CLK_TCK)")
    printf 'round %d  events %-5s  %8s req/s  faults %s  CPU per call: API %s us, producer %s us\n' \
      "$round" "$events" "$rps" "${faults:-?}" ${cpu}
    results[$events]+="$rps "
    cpu_api[$events]+="${cpu% *} "
    cpu_events[$events]+="${cpu#* } "
    stop_daemon
  done
done
[ "$rounds" -gt 0 ] && python3 - "${results[true]}" "${results[false]}" "${cpu_api[true]}" "${cpu_api[false]}" \
  "${cpu_events[true]}" <<'PY'
import statistics, sys
med = lambda s: statistics.median(float(x) for x in s.split())
on, off, api_on, api_off, producer = (med(a) for a in sys.argv[1:6])
print(f"median req/s: events on {on:.0f}, off {off:.0f}: throughput {(1 - on / off) * 100:.1f} % lower")
print(f"median CPU per call: API path {api_on:.0f} us with the triggers, {api_off:.0f} us without "
      f"(+{(api_on / api_off - 1) * 100:.1f} %); the producer adds {producer:.0f} us "
      f"(total +{((api_on + producer) / api_off - 1) * 100:.1f} %)")
PY

echo "== commit-to-consumer latency (events on, 1000 add_prefix calls at 100/s, ${LATENCY_RUNS:-1} run(s))"
start_daemon true
for run in $(seq "${LATENCY_RUNS:-1}"); do
  python3 bench/event_latency.py --port "$port" --user bench --password benchpw \
    --consumer-log "$dir/consumer.log" --calls 1000 --rate 100 --offset $((run * 2000))
done
stop_daemon
