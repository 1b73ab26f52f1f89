#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs fuzz targets of BUILD_DIR (a PREFIXD_FUZZ=ON build) for SECONDS each
# (default 60), one after the other, starting from the seeds the build wrote
# (smart search: the table test's queries; the request targets: the
# conformance corpus), with leak detection on; prints libFuzzer's final
# coverage and stats for each. Without TARGETs: the three request targets. Exits non-zero on any crash,
# leak, sanitizer report or broken invariant; the input that caused it is
# kept in BUILD_DIR/fuzz-artifacts-TARGET/, the log in BUILD_DIR/TARGET.log.
#
#   tests/fuzz/run_fuzz.sh build-fuzz [SECONDS] [TARGET...]
#   (reproduce: BUILD_DIR/tests/fuzz/TARGET BUILD_DIR/fuzz-artifacts-TARGET/crash-...)
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(xmlrpc_request_fuzz json_request_fuzz http_request_fuzz)

status=0
here=$(cd "$(dirname "$0")" && pwd)
for target in "${targets[@]}"; do
  bin=$build/tests/fuzz/$target
  if [ "$target" = smart_search_fuzz ]; then
    seeds=$build/tests/fuzz/smart_search_seed_corpus
    extra=(-max_len=4096 -dict="$here/smart_search.dict")
  else
    seeds=$build/tests/fuzz/request_seeds/${target%_request_fuzz}
    extra=(-max_len=16384 -rss_limit_mb=2048)
  fi
  corpus=$build/fuzz-corpus-$target  # what this run adds; fresh every run
  artifacts=$build/fuzz-artifacts-$target
  log=$build/$target.log
  [ -x "$bin" ] && [ -d "$seeds" ] || { echo "no $bin or $seeds: build $build first" >&2; exit 1; }
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  command=("$bin" -max_total_time="$seconds" -print_final_stats=1 -detect_leaks=1 -timeout=10
           "${extra[@]}" -artifact_prefix="$artifacts/" "$corpus" "$seeds")
  echo "== $target: ${command[*]}"
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" "${command[@]}" >"$log" 2>&1 || rc=$?
  # The last status line carries the coverage (cov: edges, ft: features).
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" || true
  if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^$target: " "$log"; then
    [ "$rc" -ne 0 ] || rc=1
  fi
  if [ "$rc" -ne 0 ]; then
    echo "$target FAILED (exit $rc); the end of $log:" >&2
    grep -vE '^#[0-9]+|^"' "$log" | tail -n 60 >&2
    ls -l "$artifacts" >&2
    status=1
  fi
done
exit "$status"
