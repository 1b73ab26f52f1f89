#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs smart_search_fuzz of BUILD_DIR for SECONDS (default 60): see run_fuzz.sh.
#
#   tests/fuzz/run_smart_search_fuzz.sh build-fuzz [SECONDS]
exec "$(dirname "$0")/run_fuzz.sh" "${1:?usage: $0 BUILD_DIR [SECONDS]}" "${2:-60}" smart_search_fuzz
