#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scale benchmark: `bench/scale.sh [N ...]` (default 10000 100000 1000000).
# Builds the bench programs, starts a private PostgreSQL cluster, loads one
# database per N with prefixd-bench-generate (--verify), measures every
# operation on all of them interleaved with prefixd-bench-scale, captures the
# auto_explain plans on the largest, and removes the cluster.
# Environment: REPS (200), BUDGET (60 s per operation and database),
# LOAD (bulk: triggers off + prefixd_recompute_all(); triggers: through the
# triggers, batches of 1000), OUT (directory for the results, default a new
# one under /tmp), BUILD (build directory, default build-bench).
set -euo pipefail
source "$(dirname "$0")/../tests/harness/lib.sh"
cd "$PREFIXD_ROOT"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
reps=${REPS:-200}; budget=${BUDGET:-60}; load=${LOAD:-bulk}
builddir=${BUILD:-build-bench}
out=${OUT:-$(mktemp -d /tmp/prefixd-scale.XXXX)}
mkdir -p "$out"
case $load in
  bulk) load_flag=--bulk ;;
  triggers) load_flag= ;;
  *) echo "LOAD must be bulk or triggers, not '$load'" >&2; exit 1 ;;
esac
build "$builddir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

dir=$(new_cluster_dir)
cleanup() { pg_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
# test.sh's settings, plus room for the 1M data set (about 420 MB) in
# shared_buffers and no checkpoints during the load.
settings=(fsync=off synchronous_commit=off full_page_writes=off max_connections=300
          shared_buffers=1GB maintenance_work_mem=512MB max_wal_size=8GB)
pg_start "$dir" "${settings[@]}"
echo "cluster: ${settings[*]}" | tee "$out/settings.txt"

dbs=()
for n in "${sizes[@]}"; do
  db=bench_$n
  echo "== loading $n prefixes into $db ($load)"
  "$builddir/bench/prefixd-bench-generate" -n "$n" -d "$db" $load_flag --verify | tee "$out/generate_$n.txt"
  dbs+=("$db")
done
echo "== measuring (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
"$builddir/bench/prefixd-bench-scale" -d "${dbs[@]}" -r "$reps" -w 10 --budget "$budget" \
  --tsv "$out/scale.tsv" --explain "$out/explain_${sizes[-1]}.txt" | tee "$out/scale.txt"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
