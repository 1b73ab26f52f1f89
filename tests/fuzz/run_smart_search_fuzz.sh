#!/usr/bin/env bash
# Runs smart_search_fuzz of BUILD_DIR (a PREFIXD_FUZZ=ON build) for SECONDS
# (default 60), starting from the seed corpus the build wrote from the table
# test, with leak detection on; prints libFuzzer's final coverage and stats.
# Exits non-zero on any crash, leak, sanitizer report or broken invariant;
# the input that caused it is kept in BUILD_DIR/fuzz-artifacts/ and the whole
# log in BUILD_DIR/fuzz.log.
#
#   tests/fuzz/run_smart_search_fuzz.sh build-fuzz [SECONDS]
#   (reproduce: BUILD_DIR/tests/fuzz/smart_search_fuzz BUILD_DIR/fuzz-artifacts/crash-...)
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [SECONDS]}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/tests/fuzz/smart_search_fuzz
seeds=$build/tests/fuzz/smart_search_seed_corpus
corpus=$build/fuzz-corpus  # what this run adds; fresh every run
artifacts=$build/fuzz-artifacts
log=$build/fuzz.log

[ -x "$bin" ] && [ -d "$seeds" ] || { echo "no $bin or $seeds: build $build first" >&2; exit 1; }
rm -rf "$corpus" "$artifacts"
mkdir -p "$corpus" "$artifacts"

command=("$bin" -max_total_time="$seconds" -print_final_stats=1 -detect_leaks=1 -max_len=4096
         -timeout=10 -dict="$here/smart_search.dict" -artifact_prefix="$artifacts/"
         "$corpus" "$seeds")
echo "${command[*]}"
status=0
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" "${command[@]}" >"$log" 2>&1 || status=$?

# The last status line carries the coverage (cov: edges, ft: features).
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^(Done [0-9]+ runs|stat::)' "$log" || true
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^smart_search_fuzz: ' "$log"; then
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -ne 0 ]; then
  echo "smart_search_fuzz FAILED (exit $status); the end of $log:" >&2
  grep -vE '^#[0-9]+|^"' "$log" | tail -n 80 >&2
  ls -l "$artifacts" >&2
fi
exit "$status"
