#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test command: installs what is missing (as root), builds the normal and
# the sanitizer (ASan + UBSan) configurations, starts a private PostgreSQL
# cluster for the run, runs every test of both builds through ctest, runs the
# smart-search fuzz target (clang, libFuzzer) for 60 seconds, and removes the
# cluster. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PREFIXD_ROOT"

ensure_packages
echo "== building (RelWithDebInfo)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPREFIXD_WERROR=ON
echo "== building (ASan + UBSan, -O0)"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DPREFIXD_SANITIZE=ON -DPREFIXD_WERROR=ON
echo "== building (libFuzzer targets, clang)"
build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPREFIXD_FUZZ=ON -DPREFIXD_WERROR=ON \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14

pgdir=$(new_cluster_dir)
cleanup() { pg_stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
pg_start "$pgdir" fsync=off synchronous_commit=off full_page_writes=off max_connections=300
export PREFIXD_REQUIRE_DB=1
# Sanitizer findings fail the test that provoked them.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86

status=0
fuzz_log=build-fuzz/fuzz-all.log
(
  nice -n 19 tests/fuzz/run_fuzz.sh build-fuzz 60 smart_search_fuzz xmlrpc_request_fuzz \
    json_request_fuzz http_request_fuzz
) >"$fuzz_log" 2>&1 &
fuzz_pid=$!
for dir in build build-asan; do
  echo "== ctest ($dir)"
  ctest --test-dir "$dir" -j2 --output-on-failure "$@" || status=1
done
echo "== fuzz (smart_search_fuzz, xmlrpc/json/http_request_fuzz, 60 s each, run alongside ctest)"
wait "$fuzz_pid" || status=1
cat "$fuzz_log"
exit $status
