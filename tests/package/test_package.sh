#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package test (CI runs it after tests/harness/test.sh). As root, on a
# throw-away Debian 12 machine: builds the .deb with packaging/build-deb.sh,
# checks its contents and lintian, installs it with debconf preseeded to set
# up the machine's own PostgreSQL 15 cluster (the one test that uses it, as a
# real install would), reinstalls and upgrades it, runs the installed binary
# as the service would (user prefixd, /etc/prefixd/prefixd.yaml, a test
# NOTIFY_SOCKET) and calls `version` with the account the install created,
# verifies the unit, purges the package and checks that only the database
# is left. Prints `N passed, M failed`; exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/../harness/lib.sh"
cd "$PREFIXD_ROOT" || exit 1

if [ "$(id -u)" -ne 0 ]; then
  echo "tests/package/test_package.sh installs a package and must run as root" >&2
  exit 1
fi

PREFIXD_PACKAGES+=(debhelper dpkg-dev fakeroot lintian po-debconf systemd groff-base util-linux)
ensure_packages

version=$(sed -n 's/^project(prefixd VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=build-deb/prefixd_${version}_${arch}.deb
logs=$(mktemp -d /tmp/prefixd-package.XXXX)
chmod 0755 "$logs"
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND (output to the log), counts the result.
check() {
  local name=$1
  shift
  if "$@" >"$logs/last" 2>&1; then
    passed=$((passed + 1))
    echo "ok - $name"
  else
    failed=$((failed + 1))
    echo "FAIL - $name"
    sed 's/^/    /' "$logs/last" | tail -40
  fi
  cat "$logs/last" >>"$logs/all"
}

psql_postgres() {
  runuser -u postgres -- env PGOPTIONS="-c client_min_messages=warning" \
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

as_prefixd() {
  runuser -u prefixd -- "$@"
}

# --- build -----------------------------------------------------------------
echo "== building the package"
started=$SECONDS
check "packaging/build-deb.sh builds $deb" bash -c "packaging/build-deb.sh >'$logs/build.log' 2>&1 || { tail -50 '$logs/build.log'; exit 1; }"
echo "   ($((SECONDS - started)) s)"
if [ ! -f "$deb" ]; then
  echo "0 passed, $((failed + 1)) failed"
  exit 1
fi

# --- contents --------------------------------------------------------------
dpkg-deb -c "$deb" >"$logs/contents"
contains() { grep -qE "$1" "$logs/contents" || { echo "no line matching '$1' in:"; cat "$logs/contents"; return 1; }; }
check "contents: /usr/sbin/prefixd, executable" contains '^-rwxr-xr-x root/root .* \./usr/sbin/prefixd$'
check "contents: /etc/prefixd/prefixd.yaml, not world-readable" contains '^-rw-r----- root/root .* \./etc/prefixd/prefixd\.yaml$'
check "contents: the systemd unit" contains ' \./lib/systemd/system/prefixd\.service$'
check "contents: prefixd(8)" contains ' \./usr/share/man/man8/prefixd\.8\.gz$'
check "contents: prefixd.yaml(5)" contains ' \./usr/share/man/man5/prefixd\.yaml\.5\.gz$'
check "contents: README" contains ' \./usr/share/doc/prefixd/README\.md(\.gz)?$'
check "contents: changelog" contains ' \./usr/share/doc/prefixd/changelog\.gz$'
check "contents: copyright" contains ' \./usr/share/doc/prefixd/copyright$'
check "contents: nginx example" contains ' \./usr/share/doc/prefixd/examples/nginx\.conf$'
check "contents: HAProxy example" contains ' \./usr/share/doc/prefixd/examples/haproxy\.cfg$'
check "contents: proxy configuration example" contains ' \./usr/share/doc/prefixd/examples/prefixd-behind-proxy\.yaml$'
check "contents: Grafana dashboard" contains ' \./usr/share/doc/prefixd/examples/grafana-dashboard\.json(\.gz)?$'
check "contents: Prometheus scrape example" contains ' \./usr/share/doc/prefixd/examples/prometheus\.yml$'
check "contents: events configuration example" contains ' \./usr/share/doc/prefixd/examples/prefixd-events\.yaml$'
check "contents: nothing under /usr/local, no build paths" bash -c "! grep -E '/usr/local|obj-|/work/' '$logs/contents'"
check "control: /etc/prefixd/prefixd.yaml is a conffile" bash -c "dpkg-deb -I '$deb' conffiles | grep -qx /etc/prefixd/prefixd.yaml"
check "control: version $version, from CMakeLists.txt" bash -c "[ \"\$(dpkg-deb -f '$deb' Version)\" = '$version' ]"
check "shipped configuration is etc/prefixd.yaml" bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./etc/prefixd/prefixd.yaml | cmp - etc/prefixd.yaml"

# --- lintian ---------------------------------------------------------------
echo "== lintian"
lintian --no-override --display-info --pedantic "build-deb/src/prefixd_${version}_${arch}.changes" \
  >"$logs/lintian" 2>&1
lintian_status=$?
grep -v '^running with root privileges' "$logs/lintian" | sed 's/^/   /'
check "lintian: no errors (overrides ignored)" bash -c "[ $lintian_status -eq 0 ] && ! grep -q '^E:' '$logs/lintian'"
check "no lintian overrides in packaging/debian" bash -c "! find packaging/debian -name '*lintian-overrides*' | grep -q ."

# --- the machine's PostgreSQL ----------------------------------------------
echo "== the machine's PostgreSQL 15 cluster"
if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main"' | grep -q .; then
  pg_createcluster 15 main >"$logs/createcluster" 2>&1
fi
we_started_pg=0
if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster 15 main start && we_started_pg=1
fi
check "cluster 15/main is online" bash -c "pg_lsclusters -h | awk '\$1 == 15 && \$2 == \"main\" && \$4 == \"online\"' | grep -q ."
# A previous run's package and database go, so this run starts as a new machine.
if dpkg -s prefixd >/dev/null 2>&1 || dpkg -l prefixd 2>/dev/null | grep -q '^rc'; then
  dpkg --purge prefixd >"$logs/old-purge" 2>&1
fi
psql_postgres -d postgres -c 'DROP DATABASE IF EXISTS prefixd WITH (FORCE)' -c 'DROP ROLE IF EXISTS prefixd' >/dev/null

# --- NIPAP's accounts ---------------------------------------------------------
# A local_auth.db as nipap-passwd writes it (salt || password, SHA-1), for
# the postinst to offer the import; only on a machine without NIPAP.
created_nipap_dir=0
if [ ! -e /etc/nipap ]; then
  mkdir -p /etc/nipap && created_nipap_dir=1
  python3 - <<'PY'
import hashlib, sqlite3
con = sqlite3.connect("/etc/nipap/local_auth.db")
con.execute("CREATE TABLE user (username NOT NULL PRIMARY KEY, pwd_salt NOT NULL, "
            "pwd_hash NOT NULL, full_name, trusted NOT NULL DEFAULT 0, "
            "readonly NOT NULL DEFAULT 0)")
con.execute("INSERT INTO user VALUES (?, ?, ?, ?, 0, 1)",
            ("nipapuser", "abcdEFGH", hashlib.sha1(b"abcdEFGHold-secret").hexdigest(),
             "Imported From NIPAP"))
con.commit()
PY
  chmod 0600 /etc/nipap/local_auth.db
fi

# --- install ---------------------------------------------------------------
echo "== installing with debconf preseeded for a local database"
debconf-set-selections <<'EOF'
prefixd prefixd/setup-database boolean true
prefixd prefixd/admin-user string admin
prefixd prefixd/import-nipap boolean true
EOF
install_deb() {
  DEBIAN_FRONTEND=noninteractive dpkg -i "$1" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q
}
check "dpkg -i $deb" install_deb "$deb"
cp "$logs/last" "$logs/install.log"
check "package is installed" bash -c "dpkg -s prefixd | grep -qx 'Status: install ok installed'"
check "system user prefixd" bash -c "uid=\$(id -u prefixd) && [ \"\$uid\" -lt 1000 ] && getent passwd prefixd | grep -q ':/usr/sbin/nologin$'"
check "group prefixd" getent group prefixd
check "configuration: root:prefixd 0640" bash -c "[ \"\$(stat -c '%U:%G %a' /etc/prefixd/prefixd.yaml)\" = 'root:prefixd 640' ]"
check "configuration: the generated default" bash -c "/usr/sbin/prefixd --print-default-config | cmp - /etc/prefixd/prefixd.yaml"
check "configuration: registered as a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' prefixd | grep -q '/etc/prefixd/prefixd.yaml'"
check "role prefixd (no superuser) owns database prefixd" bash -c "[ \"\$(runuser -u postgres -- psql -X -At -d postgres -c \"SELECT r.rolsuper FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = 'prefixd' AND r.rolname = 'prefixd'\")\" = f ]"
check "extensions ip4r, hstore, citext" bash -c "[ \"\$(runuser -u postgres -- psql -X -At -d prefixd -c \"SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('ip4r', 'hstore', 'citext')\")\" = citext,hstore,ip4r ]"
check "schema current (prefixd db status, as prefixd)" as_prefixd prefixd db status
check "first account admin" bash -c "runuser -u prefixd -- prefixd user list | awk 'NR > 1 { print \$1 }' | grep -qx admin"
check "admin password: root-only file" bash -c "[ \"\$(stat -c '%U:%G %a' /var/lib/prefixd/admin-password)\" = 'root:root 600' ] && [ -s /var/lib/prefixd/admin-password ] && [ \"\$(stat -c '%a' /var/lib/prefixd)\" = 700 ]"
check "the password was not printed during the install" bash -c "! grep -qF \"\$(cat /var/lib/prefixd/admin-password)\" '$logs/install.log'"
if [ "$created_nipap_dir" = 1 ]; then
  check "postinst imported NIPAP's accounts (hash kept until the first login)" bash -c "runuser -u prefixd -- prefixd user list | grep -qE '^nipapuser +no +yes +nipap-sha1 +Imported From NIPAP$'"
  check "a second import changes nothing" bash -c "cp /etc/nipap/local_auth.db /tmp/prefixd-pkg-nipap.db && chown prefixd /tmp/prefixd-pkg-nipap.db && runuser -u prefixd -- prefixd user import-nipap /tmp/prefixd-pkg-nipap.db | grep -q '0 created, 0 updated, 1 unchanged'; rc=\$?; rm -f /tmp/prefixd-pkg-nipap.db; exit \$rc"
fi
check "man pages cover every option and key (installed)" python3 tests/package/check_man_pages.py --prefixd /usr/sbin/prefixd --man-dir /usr/share/man

# --- reinstall and upgrade ---------------------------------------------------
echo "== reinstall and upgrade"
password_before=$(cat /var/lib/prefixd/admin-password 2>/dev/null)
check "reinstall (dpkg -i of the same version)" install_deb "$deb"
check "reinstall: same account and password, one statoverride" bash -c "[ \"\$(cat /var/lib/prefixd/admin-password)\" = '$password_before' ] && [ \"\$(runuser -u prefixd -- prefixd user list | awk 'NR > 1' | wc -l)\" = $((1 + created_nipap_dir)) ] && [ \"\$(dpkg-statoverride --list /etc/prefixd/prefixd.yaml | wc -l)\" = 1 ]"
# A newer version of the same package: what an upgrade runs (prerm upgrade,
# postinst configure OLD-VERSION).
rm -rf "$logs/upgrade"
dpkg-deb -R "$deb" "$logs/upgrade"
sed -i "s/^Version: .*/Version: ${version}+upgradetest1/" "$logs/upgrade/DEBIAN/control"
dpkg-deb -b "$logs/upgrade" "$logs/prefixd_upgrade.deb" >/dev/null
check "upgrade to ${version}+upgradetest1" install_deb "$logs/prefixd_upgrade.deb"
cp "$logs/last" "$logs/upgrade.log"
check "upgrade: migrations ran (prefixd db upgrade)" grep -q "schema at migration" "$logs/upgrade.log"
check "upgrade: account and password kept" bash -c "[ \"\$(cat /var/lib/prefixd/admin-password)\" = '$password_before' ] && runuser -u prefixd -- prefixd db status"
check "upgrade: configuration still root:prefixd 0640" bash -c "[ \"\$(stat -c '%U:%G %a' /etc/prefixd/prefixd.yaml)\" = 'root:prefixd 640' ]"
check "upgrade restarts a running service once, after configuring" bash -c "
  dpkg-deb -e '$deb' '$logs/ctrl' &&
  [ \"\$(grep -c 'deb-systemd-invoke \\(try-\\)\\?restart' '$logs/ctrl/postinst')\" = 1 ] &&
  ! grep -q 'deb-systemd-invoke' '$logs/ctrl/preinst' 2>/dev/null &&
  grep -q '\"\$1\" = remove' '$logs/ctrl/prerm'"

# --- run as the service would ------------------------------------------------
echo "== running the installed prefixd as prefixd.service would (without systemd)"
unit=/lib/systemd/system/prefixd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
exec_start_pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
read -ra command <<<"$exec_start"
read -ra pre_command <<<"$exec_start_pre"
port=1337
if ss -Hltn "sport = :1337" | grep -q .; then
  port=$(free_port)
  command+=(--listen "127.0.0.1:$port")
  echo "   port 1337 is taken here; serving on $port instead"
fi
check "ExecStartPre (--check-config) as prefixd" runuser -u prefixd -- "${pre_command[@]}"
python3 tests/package/notify_check.py --installed --health-url "http://127.0.0.1:$port/healthz" \
  --db-stop "pg_ctlcluster 15 main stop" --db-start "pg_ctlcluster 15 main start" \
  --run-as prefixd --xmlrpc-user admin --xmlrpc-password-file /var/lib/prefixd/admin-password \
  -- "${command[@]}" | tee "$logs/notify"
read -r n_pass n_fail < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$logs/notify" | tail -1)
if [ -n "${n_pass:-}" ]; then
  passed=$((passed + n_pass))
  failed=$((failed + n_fail))
else
  failed=$((failed + 1))
  echo "FAIL - notify_check.py reported no result"
fi

# --- the unit ------------------------------------------------------------------
echo "== the systemd unit"
check "systemd-analyze verify $unit" bash -c "out=\$(systemd-analyze verify '$unit' 2>&1); rc=\$?; echo \"\$out\"; [ \$rc -eq 0 ] && [ -z \"\$out\" ]"
unit_has() { grep -qx -- "$1" "$unit" || { echo "no line '$1' in $unit"; return 1; }; }
for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' \
  'User=prefixd' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
  'PrivateTmp=yes' 'PrivateDevices=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
  'SystemCallFilter=@system-service'; do
  check "unit: $line" unit_has "$line"
done
check "unit: After=postgresql.service" bash -c "grep -q '^After=.*postgresql.service' '$unit'"

# --- purge -------------------------------------------------------------------
echo "== purging"
check "dpkg --purge prefixd" env DEBIAN_FRONTEND=noninteractive dpkg --purge prefixd
check "purge: package gone" bash -c "! dpkg -s prefixd >/dev/null 2>&1"
check "purge: no /etc/prefixd" test ! -e /etc/prefixd
if [ "$created_nipap_dir" = 1 ]; then rm -rf /etc/nipap; fi
check "purge: no /var/lib/prefixd" test ! -e /var/lib/prefixd
check "purge: no /usr/sbin/prefixd" test ! -e /usr/sbin/prefixd
check "purge: no user prefixd" bash -c "! getent passwd prefixd"
check "purge: no group prefixd" bash -c "! getent group prefixd"
check "purge: no unit file or enablement link" bash -c "! find /lib/systemd/system /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled -name 'prefixd*' 2>/dev/null | grep ."
check "purge: no statoverride" bash -c "! dpkg-statoverride --list | grep prefixd"
check "purge: no debconf answers" bash -c "[ -z \"\$(debconf-show prefixd 2>/dev/null)\" ]"
check "purge: the database and its data are still there" bash -c "[ \"\$(runuser -u postgres -- psql -X -At -d prefixd -c \"SELECT count(*) FROM prefixd_user WHERE username = 'admin'\")\" = 1 ] && [ \"\$(runuser -u postgres -- psql -X -At -d postgres -c \"SELECT count(*) FROM pg_roles WHERE rolname = 'prefixd'\")\" = 1 ]"

if [ "$we_started_pg" = 1 ]; then
  pg_ctlcluster 15 main stop || true
fi
echo "   logs: $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
