#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs prefixd on this machine against a private PostgreSQL cluster:
# installs what is missing (as root), builds, creates the cluster and the
# schema, creates a first user, and serves on 127.0.0.1:1337 in the
# foreground with one worker per core. Ctrl-C stops prefixd and the cluster;
# running it again reuses the data.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PREFIXD_ROOT"

ensure_packages
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo

state=$PREFIXD_ROOT/.run
mkdir -p "$state"
# The data lives where the cluster's owner can reach it: inside the work
# tree for an ordinary user, under /tmp (remembered in .run/pgdir) as root.
if [ "$(id -u)" -eq 0 ]; then
  pgdir=$(cat "$state/pgdir" 2>/dev/null || true)
  if [ -z "$pgdir" ] || [ ! -d "$pgdir" ]; then
    pgdir=$(new_cluster_dir)
    echo "$pgdir" > "$state/pgdir"
  fi
else
  pgdir=$state/pg
  mkdir -p "$pgdir"
fi

pg_start "$pgdir"
trap 'pg_stop "$pgdir"' EXIT
export PGDATABASE=prefixd
if ! psql -XAtq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'prefixd'" | grep -q 1; then
  createdb prefixd
fi
./build/prefixd db upgrade

if [ ! -f "$state/admin-password" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/admin-password")
  ./build/prefixd user add admin --full-name "prefixd administrator" --password-stdin < "$state/admin-password"
fi
password=$(cat "$state/admin-password")
cat <<MSG

  prefixd is starting on http://127.0.0.1:1337 (Ctrl-C stops it and its database)
  user:     admin
  password: $password

  try: python3 -c "import xmlrpc.client as x; print(x.ServerProxy('http://admin:$password@127.0.0.1:1337/XMLRPC').version({'auth': {'authoritative_source': 'nipap'}}))"

MSG
./build/prefixd serve --foreground --listen 127.0.0.1:1337 --pid-file "$state/prefixd.pid" "$@"
