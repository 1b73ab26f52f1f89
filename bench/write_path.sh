#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The write-path benchmarks of issue 13: `bench/write_path.sh [seconds] [rounds] [workers]`
# (default 10 s, 3 rounds, 16 workers). PostgreSQL with its durable defaults
# (fsync, synchronous_commit on), a private cluster, one prefixd.
#
# 1. groups: add_prefix (a new /30 each, XML-RPC, wrk -t1 -c16) into
#    10.0.0.0/8 alone, then two wrk -c16 at once into 10.0.0.0/8 and
#    11.0.0.0/8 of the same VRF; `rounds` interleaved rounds. Prints each
#    run and the ratio of the medians (two groups' sum / one group), and the
#    same for pgbench of the statement prefixd sends (bench/sql/add_prefix.sql)
#    at 16 and 2 x 16 clients: what the database alone allows.
# 2. bench/write_path.py: a batch of 10 000 host adds from a parent; 65 280
#    prefixes loaded in batches; the big-subtree operations (insert a /16
#    above 256 /24s, remove it, remove the /8 recursively) with another
#    client adding elsewhere in the VRF meanwhile; rows updated per leaf add.
#
# Other load on the machine shows in the figures; the script prints the
# load average. Compare the interleaved runs, not single ones.
set -euo pipefail
source "$(dirname "$0")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
secs=${1:-10}; rounds=${2:-3}; workers=${3:-16}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

dir=$(new_cluster_dir)
port=$(free_port)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" || true; pg_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
pg_start "$dir" max_connections=200
export PGDATABASE=bench
createdb bench
./build/prefixd db init >/dev/null
echo benchpw | ./build/prefixd user add bench --password-stdin >/dev/null
psql -XAtq -c "INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
               VALUES (0, '10.0.0.0/8', 'reservation', 'group one'), (0, '11.0.0.0/8', 'reservation', 'group two');
               CREATE SEQUENCE bench_seq;"
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

echo "== 1. add_prefix into one /8 (16 connections) and into two /8s of one VRF (2 x 16), $workers workers"
offset=0
run_wrk() {  # run_wrk NET: req/s of one wrk -c16 adding under NET.0.0.0/8
  PREFIXD_CALL=add PREFIXD_ADD_NET=$1 PREFIXD_ADD_OFFSET=$offset \
    wrk -t1 -c16 -d"${secs}s" -s bench/prefix_calls.lua "http://127.0.0.1:$port" |
    awk '/^Requests\/sec/ {print $2}'
}
run_pgbench() {  # run_pgbench NET: tps of pgbench -c16 of the daemon's add statement under NET.0.0.0/8
  if [ -f bench/sql/add_prefix.sql ]; then
    PGOPTIONS='-c prefixd.deferred_statistics=on' pgbench -n -M prepared -c 16 -j 1 -T "$secs" \
      -f bench/sql/add_prefix.sql@20 -f bench/sql/fold.sql@1 -D net="$1" -D offset=1500000 bench 2>/dev/null |
      awk '/^tps/ {printf "%.0f", $3}'
  else
    echo "-"
  fi
}
one=() two=() pone=() ptwo=()
for round in $(seq "$rounds"); do  # rounds 0: skip part 1
  offset=$((offset + 1000000))
  a=$(run_wrk 10)
  offset=$((offset + 1000000))
  run_wrk 10 > "$dir/g1" & w1=$!
  run_wrk 11 > "$dir/g2" & w2=$!
  wait $w1 $w2
  b=$(awk '{s += $1} END {printf "%.2f", s}' "$dir/g1" "$dir/g2")
  pa=$(run_pgbench 10)
  run_pgbench 10 > "$dir/p1" & q1=$!
  run_pgbench 11 > "$dir/p2" & q2=$!
  wait $q1 $q2
  pb=$(awk '{s += $1} END {printf "%.0f", s}' "$dir/p1" "$dir/p2")
  echo "round $round: one group $a req/s; two groups $(cat "$dir/g1") + $(cat "$dir/g2") = $b req/s;" \
       "pgbench: $pa tps vs $pb tps   (load $(cut -d' ' -f1 /proc/loadavg))"
  one+=("$a"); two+=("$b"); pone+=("$pa"); ptwo+=("$pb")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
[ "$rounds" -gt 0 ] || { m1=0; m2=0; one=(0); two=(0); pone=(0); ptwo=(0); }
m1=$(median "${one[@]}"); m2=$(median "${two[@]}")
echo "median: one group $m1 req/s, two groups $m2 req/s, ratio $(awk -v a="$m1" -v b="$m2" 'BEGIN {printf "%.2f", b / a}')"
if [ -f bench/sql/add_prefix.sql ]; then
  n1=$(median "${pone[@]}"); n2=$(median "${ptwo[@]}")
  echo "median pgbench: $n1 tps, $n2 tps, ratio $(awk -v a="$n1" -v b="$n2" 'BEGIN {printf "%.2f", b / a}')"
fi

echo "== 2. batches, big subtrees, rows updated per add"
# PREFIXD_WRITE_PARTS: which parts of write_path.py (default all)
# shellcheck disable=SC2086
python3 bench/write_path.py "$port" bench benchpw ${PREFIXD_WRITE_PARTS:-}
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
