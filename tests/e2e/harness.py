# SPDX-License-Identifier: MIT
"""Test harness: a real prefixd against a real PostgreSQL.

Every test module gets its own database on the private cluster that the test
command started (PGHOST/PGPORT/PGUSER in the environment); a test that must
stop the database gets a private cluster of its own. Daemons are started from
the binary given with --prefixd and stopped at the end; any sanitizer report
in their output fails the test.
"""
import argparse
import atexit
import base64
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "gottatest"
AUTH = {"authoritative_source": "nipap"}

PREFIXD = None  # set by main()


def wait_for(predicate, timeout=30.0, interval=0.02, what="condition"):
    """Polls until predicate() is truthy; returns its value. Fails on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_db():
    if not os.environ.get("PGHOST"):
        if os.environ.get("PREFIXD_REQUIRE_DB"):
            raise SystemExit("PGHOST is not set but PREFIXD_REQUIRE_DB is: no test database")
        print("no PostgreSQL configured (PGHOST unset): skipping")
        raise SystemExit(77)


def psql(sql, db="postgres", env=None):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                          check=True, capture_output=True, text=True, env=env).stdout.strip()


class Cluster:
    """A private PostgreSQL cluster, for tests that stop and start it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="prefixd-pg.", dir="/tmp")
        self.env = None

    def _lib(self, command):
        script = f'source "{ROOT}/tests/harness/lib.sh"; {command}; echo "$PGHOST $PGPORT"'
        return subprocess.run(["bash", "-c", script], check=True, capture_output=True,
                              text=True).stdout.split()

    def start(self):
        host, port = self._lib(f'pg_start "{self.dir}" fsync=off')[-2:]
        self.env = dict(os.environ, PGHOST=host, PGPORT=port, PGUSER="postgres")
        return self.env

    def stop(self):
        subprocess.run(["bash", "-c", f'source "{ROOT}/tests/harness/lib.sh"; pg_stop "{self.dir}"'],
                       check=True)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Database:
    """A fresh database with prefixd's schema and the conformance accounts."""

    def __init__(self, name, env=None):
        self.env = dict(env or os.environ)
        self.name = f"prefixd_{name}_{os.getpid()}"
        psql(f'DROP DATABASE IF EXISTS "{self.name}"', env=self.env)
        psql(f'CREATE DATABASE "{self.name}"', env=self.env)
        self.env["PGDATABASE"] = self.name
        self.admin("db", "init")

    def admin(self, *args, stdin=None, check=True):
        r = subprocess.run([PREFIXD, *args], input=stdin, capture_output=True, text=True,
                           env=self.env)
        if check and r.returncode != 0:
            raise AssertionError(f"prefixd {' '.join(args)} failed ({r.returncode}):\n"
                                 f"{r.stdout}{r.stderr}")
        return r

    def add_user(self, name, password=PASSWORD, *flags):
        self.admin("user", "add", name, *flags, "--password-stdin", stdin=password + "\n")

    def add_standard_users(self):
        self.add_user("unittest", PASSWORD, "--full-name", "unittest")
        self.add_user("readonly", PASSWORD, "--readonly")
        self.add_user("trusted", PASSWORD, "--trusted", "--full-name", "Trusted integration user")

    def sql(self, statement):
        return psql(statement, db=self.name, env=self.env)

    def drop(self):
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', env=self.env)


class Daemon:
    """A running `prefixd serve` with its own config file and log."""

    def __init__(self, db, workers=2, **config):
        self.db = db
        self.dir = tempfile.mkdtemp(prefix="prefixd-e2e.")
        # The config and log are read while the test runs; gone at exit.
        atexit.register(shutil.rmtree, self.dir, True)
        self.port = free_port()
        self.workers = workers
        self.config_path = os.path.join(self.dir, "prefixd.yaml")
        self.log_path = os.path.join(self.dir, "prefixd.log")
        self.extra = config
        self.write_config(workers=workers)
        self.proc = None
        self.log = None

    def write_config(self, workers=None, **overrides):
        settings = {"auth": {"cache_timeout": 3600}, "limits": {}, "log": {"level": "info"}}
        # PREFIXD_TEST_CACHE=off: every daemon runs with the response cache off.
        if os.environ.get("PREFIXD_TEST_CACHE", "on") == "off":
            settings["cache"] = {"enabled": False}
        for section, values in {**self.extra, **overrides}.items():
            if isinstance(values, dict):
                settings.setdefault(section, {}).update(values)
            else:
                settings[section] = values
        lines = [f"listen: 127.0.0.1:{self.port}", f"workers: {workers or self.workers}",
                 f"pid_file: {os.path.join(self.dir, 'prefixd.pid')}", "shutdown_timeout: 20"]
        for section, values in settings.items():
            if isinstance(values, dict):
                lines.append(f"{section}:")
                lines += [f"  {k}: {json.dumps(v)}" for k, v in values.items()]
            else:
                lines.append(f"{section}: {json.dumps(values)}")
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([PREFIXD, "serve", "-f", "-c", self.config_path],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=self.db.env,
                                     start_new_session=True)
        wait_for(lambda: "serving on http://" in self.read_log() or self.proc.poll() is not None,
                 what="prefixd to start")
        if self.proc.poll() is not None:
            raise AssertionError("prefixd exited at start:\n" + self.read_log())
        return self

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def url(self, user="unittest", password=PASSWORD, path="/XMLRPC"):
        return f"http://{user}:{password}@127.0.0.1:{self.port}{path}"

    def proxy(self, user="unittest", password=PASSWORD, path="/XMLRPC"):
        return xmlrpc.client.ServerProxy(self.url(user, password, path), allow_none=True)

    def worker_pids(self):
        """The master's worker processes (not its other children: the event
        producer, the start-up database check), told apart by their title."""
        return self.child_pids("prefixd: worker")

    def child_pids(self, title):
        """The master's children whose process title starts with `title`."""
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True).stdout
        return sorted(int(line.split(None, 1)[0]) for line in out.splitlines()
                      if line.split(None, 1)[1:] and line.split(None, 1)[1].startswith(title))

    def health(self, conn=None):
        """GET /healthz; on `conn` if given (keep-alive). Returns (status, dict)."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            return r.status, json.loads(r.read())
        finally:
            if own:
                conn.close()

    def per_worker_health(self):
        """/healthz of every live worker, keyed by pid (new connections until all are seen)."""
        wanted = set(self.worker_pids())
        seen = {}

        def collect():
            status, body = self.health()
            seen[body["pid"]] = body
            return wanted <= set(seen)

        wait_for(collect, timeout=20, interval=0, what="every worker to answer /healthz")
        return {pid: seen[pid] for pid in wanted}

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, expect_status=0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("prefixd did not stop on SIGTERM")
        if self.log:
            self.log.close()
        log = self.read_log()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in log:
                raise AssertionError(f"sanitizer report in the prefixd log:\n{log}")
        if expect_status is not None and self.proc.returncode != expect_status:
            raise AssertionError(f"prefixd exited with {self.proc.returncode}:\n{log[-4000:]}")
        return log


class ApiTestCase(unittest.TestCase):
    """A daemon with `workers` workers on a fresh database named after
    `database`, the conformance accounts, and `p`, a proxy as unittest."""
    database = None
    workers = 2

    @classmethod
    def setUpClass(cls):
        cls.db = Database(cls.database)
        cls.db.add_standard_users()
        cls.prepare_database()
        cls.daemon = Daemon(cls.db, workers=cls.workers).start()
        cls.p = cls.daemon.proxy()

    @classmethod
    def prepare_database(cls):
        """Runs before the daemon starts (database settings, data)."""

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def fault(self, fn, *args):
        """The (faultCode, faultString) that fn(*args) answers."""
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            fn(*args)
        return cm.exception.faultCode, cm.exception.faultString


def raw_call(port, method, params_xml="", user="unittest", password=PASSWORD, path="/XMLRPC",
             headers=None):
    """Posts a hand-written methodCall; returns (status, headers, body text)."""
    body = (f"<?xml version='1.0'?>\n<methodCall><methodName>{method}</methodName>"
            f"<params>{params_xml}</params></methodCall>")
    return post_xml(port, body, user=user, password=password, path=path, headers=headers)


AUTH_PARAM = ("<param><value><struct><member><name>auth</name><value><struct><member>"
              "<name>authoritative_source</name><value><string>nipap</string></value></member>"
              "</struct></value></member></struct></value></param>")


def post_xml(port, body, user="unittest", password=PASSWORD, path="/XMLRPC", headers=None):
    """Posts `body` (str or bytes) exactly as given; returns (status, headers, body text)."""
    h = {"Content-Type": "text/xml"}
    if user is not None:
        h["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body.encode() if isinstance(body, str) else body, h)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def xml_call(port, method, *params, user="unittest", password=PASSWORD):
    """Calls `method` with params marshalled by xmlrpc.client (nil allowed) and
    returns the raw response text."""
    body = xmlrpc.client.dumps(params, method, allow_none=True)
    status, _, text = post_xml(port, body, user=user, password=password)
    if status != 200:
        raise AssertionError(f"{method}: HTTP {status}\n{text}")
    return text


def wire_problems(body):
    """What in an XML-RPC response body breaks spec/xmlrpc.md §1.1: the
    prologue, <i8>, a namespaced nil, an <int> beyond 32 bits, a dateTime not
    in the 17-character form. Returns a list of texts, empty when clean."""
    problems = []
    if not body.startswith("<?xml version='1.0'?>"):
        problems.append("body does not start with <?xml version='1.0'?>")
    if "<i8>" in body or ":i8>" in body:
        problems.append("<i8> emitted")
    if re.search(r"<[\w.-]+:nil\b", body):
        problems.append("namespaced nil emitted")
    for number in re.findall(r"<(?:int|i4)>([^<]*)</", body):
        if not re.fullmatch(r"-?\d+", number) or not -2**31 <= int(number) < 2**31:
            problems.append(f"<int>{number}</int> is not a 32-bit integer")
    for stamp in re.findall(r"<dateTime\.iso8601>([^<]*)</dateTime\.iso8601>", body):
        if not re.fullmatch(r"\d{8}T\d{2}:\d{2}:\d{2}", stamp):
            problems.append(f"dateTime {stamp!r} is not YYYYMMDDTHH:MM:SS")
    return problems


class RecordingTransport(xmlrpc.client.Transport):
    """xmlrpc.client's transport, keeping every response body it received."""

    def __init__(self):
        super().__init__()
        self.bodies = []

    def parse_response(self, response):
        data = response.read()
        if response.getheader("Content-Encoding", "") == "gzip":
            data = gzip.decompress(data)
        self.bodies.append(data.decode())
        parser, unmarshaller = self.getparser()
        parser.feed(data)
        parser.close()
        return unmarshaller.close()


def recording_proxy(daemon, user="unittest", password=PASSWORD, path="/XMLRPC"):
    """A ServerProxy like Daemon.proxy() whose transport (.bodies) keeps the
    raw response texts, for wire checks on ordinary calls."""
    transport = RecordingTransport()
    return xmlrpc.client.ServerProxy(daemon.url(user, password, path), transport=transport,
                                     allow_none=True), transport


DATA_TABLES = ("ip_net_vrf", "ip_net_pool", "ip_net_plan", "ip_net_asn", "ip_net_log")


def data_snapshot(db):
    """Every row of the NIPAP data tables as text (one line per table), to
    show that a call changed nothing. The statistics deltas pending then are
    folded first (0013): a background fold between two snapshots changes the
    tables' rows, not the data."""
    fold_statistics(db)
    parts = [f"(SELECT '{t}: ' || coalesce(string_agg(translate(x::text, E'\\n', ' '), ' ; ' "
             f"ORDER BY x::text), '') FROM {t} x)" for t in DATA_TABLES]
    text = db.sql("SELECT " + " || E'\\n' || ".join(parts))
    return {name: rows for name, _, rows in (line.partition(": ") for line in text.splitlines())}


def fold_statistics(db):
    """Folds every pending statistics delta into the tables (0013) and returns
    how many remain. The workers fold their own deltas in the background; a
    row one of them holds for a moment is skipped by this fold, so it
    retries until nothing is pending or a few seconds have passed."""
    deadline = time.monotonic() + 5
    while True:
        left = db.sql("SELECT prefixd_fold_statistics()")
        if left == "0" or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


def recount_problems(db, proxy):
    """Every derived value the API shows and, once the pending statistics are
    folded, every one the tables hold, against the independent recount of
    tests/db/nipap_model.py; returns the differences as text."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "db"))
    import nipap_model  # noqa: E402 (tests/db is not a package)
    everything = {"max_result": False}
    listed = proxy.list_prefix({"auth": AUTH})
    searched = []
    for space in ("0.0.0.0/0", "::/0"):
        searched += proxy.search_prefix({"auth": AUTH, "search_options": everything, "query": {
            "operator": "contained_within_equals", "val1": "prefix", "val2": space}})["result"]
    problems = nipap_model.api_inconsistencies(listed, searched, proxy.list_vrf({"auth": AUTH}),
                                               proxy.list_pool({"auth": AUTH}))
    left = fold_statistics(db)
    if left != "0":
        problems.append(f"{left} statistics deltas still pending after a fold")

    def rows(sql):
        return json.loads(db.sql(f"SELECT coalesce(json_agg(q), '[]') FROM ({sql}) q"))
    problems += nipap_model.inconsistencies(
        rows("SELECT id, vrf_id, prefix::text AS prefix, type::text AS type, pool_id, tags, parent_id, indent, "
             "children, total_addresses, used_addresses, free_addresses, display_prefix::text AS display_prefix, "
             "inherited_tags FROM ip_net_plan"),
        rows("SELECT * FROM ip_net_vrf"), rows("SELECT * FROM ip_net_pool"))
    return problems


def main():
    global PREFIXD
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefixd", required=True)
    args, rest = parser.parse_known_args()
    PREFIXD = os.path.abspath(args.prefixd)
    require_db()
    # Proxies left for the garbage collector are not a finding.
    warnings.simplefilter("ignore", ResourceWarning)
    result = unittest.main(module="__main__", argv=[sys.argv[0], "-v", *rest], exit=False,
                           warnings=False).result
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)
