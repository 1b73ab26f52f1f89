# SPDX-License-Identifier: MIT
"""The admin commands (db, user), configuration checking and start-up refusals."""
import os
import subprocess
import tempfile
import unittest

import harness
from harness import AUTH, Daemon, Database, psql


def run(*args, env=None, stdin=None):
    return subprocess.run([harness.PREFIXD, *args], capture_output=True, text=True,
                          env=env or os.environ, input=stdin)


class Admin(unittest.TestCase):
    def test_version_flag(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^prefixd \d+\.\d+\.\d+")

    def test_db_status_init_upgrade(self):
        name = f"prefixd_admin_{os.getpid()}"
        psql(f'DROP DATABASE IF EXISTS "{name}"')
        psql(f'CREATE DATABASE "{name}"')
        env = dict(os.environ, PGDATABASE=name)
        try:
            r = run("db", "status", env=env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("prefixd db init", r.stdout)
            r = run("serve", "-f", "--listen", f"127.0.0.1:{harness.free_port()}", env=env)
            self.assertEqual(r.returncode, 1)
            self.assertIn("prefixd db init", r.stdout + r.stderr)
            r = run("db", "init", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("created extension ip4r", r.stdout)
            self.assertEqual(run("db", "status", env=env).returncode, 0)
            r = run("db", "init", env=env)  # idempotent
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("already current", r.stdout)
            self.assertEqual(run("db", "upgrade", env=env).returncode, 0)
            levels = psql("SELECT count(*) FROM prefixd_schema_migration", db=name, env=env)
            self.assertGreaterEqual(int(levels), 1)
            # A schema newer than the binary is refused by serve and status.
            psql("INSERT INTO prefixd_schema_migration (number, name) VALUES (9999, 'future')",
                 db=name, env=env)
            r = run("db", "status", env=env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("newer", r.stdout)
        finally:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def test_db_init_without_superuser_prints_the_statements(self):
        name = f"prefixd_nosuper_{os.getpid()}"
        role = f"prefixd_role_{os.getpid()}"
        psql(f'DROP DATABASE IF EXISTS "{name}"')
        psql(f'DROP ROLE IF EXISTS "{role}"')
        psql(f'CREATE ROLE "{role}" LOGIN')
        psql(f'CREATE DATABASE "{name}" OWNER "{role}"')
        try:
            env = dict(os.environ, PGDATABASE=name, PGUSER=role)
            r = run("db", "init", env=env)
            self.assertNotEqual(r.returncode, 0)
            for ext in ("ip4r", "hstore", "citext"):
                self.assertIn(f"CREATE EXTENSION IF NOT EXISTS {ext};", r.stderr)
            # Once a superuser created them, the owner can install the schema.
            for ext in ("ip4r", "hstore", "citext"):
                psql(f"CREATE EXTENSION {ext}", db=name)
            r = run("db", "init", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(f'DROP ROLE IF EXISTS "{role}"')

    def test_users(self):
        db = Database("users")
        try:
            r = db.admin("user", "add", "alice", "--full-name", "Alice Example", "--trusted",
                         "--password-stdin", stdin="s3cret\n")
            self.assertIn("added user alice", r.stdout)
            db.admin("user", "add", "bob", "--readonly", "--password-stdin", stdin="pw\n")
            r = db.admin("user", "add", "bob", "--password-stdin", stdin="pw\n", check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("already exists", r.stderr)
            r = db.admin("user", "add", "x@y", "--password-stdin", stdin="pw\n", check=False)
            self.assertNotEqual(r.returncode, 0)
            listing = db.admin("user", "list").stdout.splitlines()
            self.assertEqual(listing[1].split()[:3], ["alice", "yes", "no"])
            self.assertIn("Alice Example", listing[1])
            self.assertEqual(listing[2].split()[:3], ["bob", "no", "yes"])
            # Stored hashed with yescrypt, never in clear.
            stored = db.sql("SELECT password_hash FROM prefixd_user WHERE username = 'alice'")
            self.assertTrue(stored.startswith("$y$"), stored)
            self.assertNotIn("s3cret", stored)
            db.admin("user", "passwd", "alice", "--password-stdin", stdin="new\n")
            self.assertNotEqual(
                db.sql("SELECT password_hash FROM prefixd_user WHERE username = 'alice'"), stored)
            r = db.admin("user", "passwd", "nobody", "--password-stdin", stdin="x\n", check=False)
            self.assertNotEqual(r.returncode, 0)
            db.admin("user", "remove", "bob")
            self.assertNotEqual(db.admin("user", "remove", "bob", check=False).returncode, 0)
            self.assertNotIn("bob", db.admin("user", "list").stdout)
            # The password given is the one that works.
            daemon = Daemon(db, workers=1).start()
            try:
                self.assertEqual(daemon.proxy("alice", "new").echo({"auth": AUTH, "message": 5}), 5)
            finally:
                daemon.stop()
        finally:
            db.drop()

    def test_check_config(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("workers: 3\nlisten: 127.0.0.1:8080\n")
        try:
            r = run("--check-config", "-c", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("3 worker(s)", r.stdout)
            r = run("--check-config", "-c", f.name, "--workers", "5")  # the command line wins
            self.assertIn("5 worker(s)", r.stdout)
            for text, expected in [("workers: lots\n", "'workers'"),
                                   ("typo: 1\n", "unknown configuration key 'typo'"),
                                   ("limits:\n  max_body_bytes: 5\n", "limits.max_body_bytes")]:
                with open(f.name, "w") as g:
                    g.write(text)
                r = run("--check-config", "-c", f.name)
                self.assertEqual(r.returncode, 1, text)
                self.assertIn(expected, r.stderr)
            r = run("--check-config", "-c", "/nonexistent/prefixd.yaml")
            self.assertEqual(r.returncode, 1)
            self.assertIn("/nonexistent/prefixd.yaml", r.stderr)
        finally:
            os.unlink(f.name)

    def test_shipped_config_is_the_generated_default(self):
        with open(os.path.join(harness.ROOT, "etc", "prefixd.yaml")) as f:
            shipped = f.read()
        self.assertEqual(shipped, run("--print-default-config").stdout)

    def test_pid_file_and_second_instance(self):
        db = Database("pidfile")
        try:
            daemon = Daemon(db, workers=1).start()
            pid_file = os.path.join(daemon.dir, "prefixd.pid")
            with open(pid_file) as f:
                self.assertEqual(int(f.read()), daemon.proc.pid)
            r = run("serve", "-f", "-c", daemon.config_path, "--listen",
                    f"127.0.0.1:{harness.free_port()}", env=db.env)
            self.assertEqual(r.returncode, 1)
            self.assertIn("already running", r.stdout + r.stderr)
            daemon.stop()
            self.assertFalse(os.path.exists(pid_file))
        finally:
            db.drop()


if __name__ == "__main__":
    harness.main()
