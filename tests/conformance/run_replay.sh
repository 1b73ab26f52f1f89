#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replays the NIPAP conformance corpus against a freshly started prefixd.
#
# Usage: tests/conformance/run_replay.sh [--prefixd PATH] [--keep] [replay.py options...]
#
#   --prefixd PATH   the binary to test (default: $PREFIXD, else build/prefixd)
#   --keep           keep the work directory (config, prefixd log) afterwards
#   anything else    passed to replay.py, e.g. --scenario vrf rest,
#                    --report /tmp/replay.json, --max-diffs 3
#
# Uses the PostgreSQL cluster in PGHOST/PGPORT/PGUSER when set (the test
# command exports its private cluster), otherwise starts a private cluster
# with tests/harness/lib.sh and removes it afterwards. Creates a database of
# its own, runs `prefixd db init`, adds the corpus's accounts (unittest,
# readonly, trusted; password gottatest), starts `prefixd serve -f` on a free
# port with two workers, runs replay.py and stops everything again. Works as
# root and as an ordinary user. Exits with replay.py's status (non-zero when
# an exchange failed), or non-zero when the setup fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../harness/lib.sh"

prefixd=${PREFIXD:-$PREFIXD_ROOT/build/prefixd}
keep=0
replay_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --prefixd) prefixd=$2; shift 2 ;;
    --prefixd=*) prefixd=${1#*=}; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) replay_args+=("$1"); shift ;;
  esac
done
if [ ! -x "$prefixd" ]; then
  echo "run_replay.sh: no prefixd binary at $prefixd (build it, or pass --prefixd PATH)" >&2
  exit 2
fi
prefixd=$(cd "$(dirname "$prefixd")" && pwd)/$(basename "$prefixd")

pgdir=
work=$(mktemp -d /tmp/prefixd-replay.XXXX)
db=prefixd_replay_$$
pid=
cleanup() {
  local status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "run_replay.sh: prefixd did not stop on SIGTERM, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ -n "$pgdir" ]; then pg_stop "$pgdir"; rm -rf "$pgdir"; fi
  if [ "$keep" = 1 ]; then echo "run_replay.sh: kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${PGHOST:-}" ]; then
  pgdir=$(new_cluster_dir)
  pg_start "$pgdir" fsync=off synchronous_commit=off full_page_writes=off
fi

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
export PGDATABASE=$db
"$prefixd" db init >/dev/null
add_user() {
  printf 'gottatest\n' | "$prefixd" user add "$@" --password-stdin >/dev/null
}
add_user unittest --full-name unittest
add_user readonly --readonly
add_user trusted --trusted --full-name 'Trusted integration user'

port=$(free_port)
cat > "$work/prefixd.yaml" <<YAML
listen: 127.0.0.1:$port
workers: 2
pid_file: $work/prefixd.pid
shutdown_timeout: 20
log:
  level: info
  access: false
YAML
# PREFIXD_TEST_CACHE=off: the same replay with the response cache off.
if [ "${PREFIXD_TEST_CACHE:-on}" = off ]; then
  printf 'cache:\n  enabled: false\n' >> "$work/prefixd.yaml"
fi

"$prefixd" serve -f -c "$work/prefixd.yaml" > "$work/prefixd.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q 'serving on http://' "$work/prefixd.log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q 'serving on http://' "$work/prefixd.log"; then
  echo "run_replay.sh: prefixd did not start:" >&2
  cat "$work/prefixd.log" >&2
  exit 1
fi

status=0
python3 "$here/replay.py" --url "http://127.0.0.1:$port" --db "$db" "${replay_args[@]}" || status=$?

if ! kill -0 "$pid" 2>/dev/null; then
  echo "run_replay.sh: prefixd died during the replay; its log:" >&2
  tail -n 50 "$work/prefixd.log" >&2
  status=1
fi
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/prefixd.log"; then
  echo "run_replay.sh: sanitizer report in the prefixd log:" >&2
  grep -A30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/prefixd.log" | head -80 >&2
  status=1
fi
exit "$status"
