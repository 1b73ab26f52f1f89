# SPDX-License-Identifier: MIT
# Shared by run.sh and test.sh: the Debian packages prefixd needs, the build,
# and a private PostgreSQL 15 cluster that never touches the machine's own.
# Source it; it defines functions only.

PREFIXD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin

PREFIXD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libpqxx-dev libmicrohttpd-dev libcli11-dev libyaml-cpp-dev
  libspdlog-dev nlohmann-json3-dev libgtest-dev libcrypt-dev libexpat1-dev
  libssl-dev libcurl4-openssl-dev libldap-dev libsqlite3-dev
  postgresql-15 postgresql-15-ip4r postgresql-contrib
  python3 curl iproute2 procps
  slapd ldap-utils openssl python3-cryptography
  clang clang-14 libclang-rt-14-dev
  librdkafka-dev prometheus
)

# Installs missing packages when root; otherwise says exactly what to run.
ensure_packages() {
  local missing=() p
  for p in "${PREFIXD_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing ${missing[*]}"
    # The LDAP tests start slapd themselves, on a private directory and
    # ports; the package must not set up and start a server of its own.
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "prefixd needs these Debian packages. Install them, then run this again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# build DIR [cmake args...]: configure (again when the arguments changed) and build.
build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.prefixd-cmake-args" 2>/dev/null)" != "$*" ]; then
    cmake -S "$PREFIXD_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
    echo "$*" > "$dir/.prefixd-cmake-args"
  fi
  cmake --build "$dir"
}

# Runs a PostgreSQL tool as the cluster's owner: postgres when we are root
# (initdb refuses root), ourselves otherwise.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A TCP port that nothing listens on, never 5432.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 20000 ))
    [ "$port" -ne 5432 ] || continue
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
}

# pg_start DIR [postgres -c options...]: initialises DIR/data on first use and
# starts the server with its socket in DIR. Exports PGHOST, PGPORT, PGUSER so
# that every client, prefixd included, reaches this cluster and no other.
pg_start() {
  local dir=$1; shift
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  chmod 0700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  [ -f "$dir/port" ] || free_port > "$dir/port"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/port"; fi
  export PGHOST=$dir PGPORT=$(cat "$dir/port") PGUSER=postgres
  local opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$PGPORT"
  local o
  for o in "$@"; do opts+=" -c $o"; done
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null
}

pg_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
}

# A fresh directory for a cluster: under /tmp as root (so the postgres user
# can reach it), and short enough for a Unix socket path.
new_cluster_dir() {
  local dir
  dir=$(mktemp -d /tmp/prefixd-pg.XXXX)
  echo "$dir"
}
