# SPDX-License-Identifier: MIT
# Sourced by the wrk benchmarks (run_xmlrpc.sh, profile.sh, cache.sh): a
# private cluster with the issue's data set (one VRF holding a 10.0.0.0/8
# reservation with 2 000 /24 assignments) and prefixd serving it.
# bench_server_start WORKERS [YAML lines...] sets $port, $pid, $dir and
# exports what wrk's scripts read; the EXIT trap stops everything.
# CACHE=off in the environment turns the response cache off; DURABLE=1 keeps
# PostgreSQL's durable defaults (fsync, synchronous_commit on), as a real
# deployment runs, for write benchmarks; BENCH_POOL=1 adds pool `bench`
# (member 172.16.0.0/12, assignments of /28) and a sequence bench_seq.
source "$(dirname "${BASH_SOURCE[0]}")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }

search_args='<member><name>query</name><value><struct><member><name>operator</name><value><string>contained_within_equals</string></value></member><member><name>val1</name><value><string>prefix</string></value></member><member><name>val2</name><value><string>10.0.0.0/8</string></value></member></struct></value></member><member><name>search_options</name><value><struct><member><name>max_result</name><value><int>50</int></value></member></struct></value></member>'
smart_args='<member><name>query_string</name><value><string>10.0.0.0/8</string></value></member><member><name>search_options</name><value><struct><member><name>max_result</name><value><int>50</int></value></member></struct></value></member>'

bench_server_start() {
  local workers=$1; shift
  # An existing build/ is brought up to date as configured (the test
  # command's flags stay); a new one is configured RelWithDebInfo.
  if [ -f build/build.ninja ]; then cmake --build build >/dev/null; else build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; fi
  dir=$(new_cluster_dir)
  port=$(free_port)
  trap bench_server_stop EXIT
  if [ "${DURABLE:-0}" = 1 ]; then pg_start "$dir" max_connections=200; else pg_start "$dir" fsync=off; fi
  export PGDATABASE=bench
  createdb bench
  ./build/prefixd db init >/dev/null
  echo benchpw | ./build/prefixd user add bench --password-stdin >/dev/null
  psql -XAtq -c "INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
                 VALUES (0, '10.0.0.0/8', 'reservation', 'bench /8');
                 INSERT INTO ip_net_plan (vrf_id, prefix, type, description)
                 SELECT 0, ('10.' || (i / 256) || '.' || (i % 256) || '.0/24')::cidr,
                        'assignment', 'bench /24 ' || i FROM generate_series(0, 1999) i;"
  if [ "${BENCH_POOL:-0}" = 1 ]; then
    psql -XAtq -c "INSERT INTO ip_net_pool (name, description, default_type, ipv4_default_prefix_length)
                   VALUES ('bench', 'bench pool', 'assignment', 28);
                   INSERT INTO ip_net_plan (vrf_id, prefix, type, description, pool_id)
                   VALUES (0, '172.16.0.0/12', 'reservation', 'bench pool member',
                           (SELECT id FROM ip_net_pool WHERE name = 'bench'));
                   CREATE SEQUENCE bench_seq;"
  fi
  psql -XAtq -c 'VACUUM ANALYZE'
  {
    echo "listen: 127.0.0.1:$port"
    echo "workers: $workers"
    echo "log:"
    echo "  access: false"
    if [ "${CACHE:-on}" = off ]; then echo "cache:"; echo "  enabled: false"; fi
    local line
    for line in "$@"; do echo "$line"; done
  } > "$dir/prefixd.yaml"
  ./build/prefixd serve -f -c "$dir/prefixd.yaml" 2>"$dir/prefixd.log" &
  pid=$!
  for _ in $(seq 100); do grep -q "serving on" "$dir/prefixd.log" && break; sleep 0.1; done
  export PREFIXD_USER=bench PREFIXD_PASSWORD=benchpw PREFIXD_BENCH_DIR="$PREFIXD_ROOT/bench"
  wrk -t1 -c4 -d1s -s bench/xmlrpc.lua "http://127.0.0.1:$port" >/dev/null  # warm the login caches
}

bench_server_stop() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" || true
  pg_stop "$dir"
  rm -rf "$dir"
}

# CPU ticks of this run's processes whose command line matches $1: the
# children of our prefixd master and of our cluster's postmaster (other
# prefixd and PostgreSQL instances may be running on the machine).
ticks() {
  local t=0 p parent
  for parent in "$pid" "$(head -1 "$dir/data/postmaster.pid")"; do
    for p in $(pgrep -P "$parent" -f "$1"); do
      t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0)))
    done
  done
  echo $t
}
