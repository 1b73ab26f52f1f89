# SPDX-License-Identifier: MIT
"""`prefixd user import-nipap`: NIPAP's local_auth.db, built here the way
nipap-passwd builds it (Python's sqlite3, salt || password hashed with
SHA-1), in both schema versions. Imported users log in with their old
passwords over XML-RPC, JSON and /rest/v1; the first login re-hashes the
password with yescrypt; flags and full names are kept; a malformed file or
row changes nothing; running it again changes nothing."""
import hashlib
import os
import random
import sqlite3
import string
import tempfile

import harness
from auth_calls import basic, json_call, rest_get, xmlrpc_call, xmlrpc_fault
from harness import Daemon, Database

OLD_SCHEMA = """CREATE TABLE user (username NOT NULL PRIMARY KEY, pwd_salt NOT NULL,
    pwd_hash NOT NULL, full_name, trusted NOT NULL DEFAULT 0)"""
NEW_SCHEMA = """CREATE TABLE user (username NOT NULL PRIMARY KEY, pwd_salt NOT NULL,
    pwd_hash NOT NULL, full_name, trusted NOT NULL DEFAULT 0, readonly NOT NULL DEFAULT 0)"""


def nipap_hash(password, salt):
    return hashlib.sha1((salt + password).encode()).hexdigest()


def make_db(path, users, schema=NEW_SCHEMA, raw_rows=()):
    """users: (name, password, full_name, trusted, readonly); what nipap-passwd add does."""
    con = sqlite3.connect(path)
    con.execute(schema)
    for name, password, full_name, trusted, readonly in users:
        salt = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(8))
        if "readonly" in schema:
            con.execute("INSERT INTO user (username, pwd_salt, pwd_hash, full_name, trusted, "
                        "readonly) VALUES (?, ?, ?, ?, ?, ?)",
                        (name, salt, nipap_hash(password, salt), full_name, trusted, readonly))
        else:
            con.execute("INSERT INTO user (username, pwd_salt, pwd_hash, full_name, trusted) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (name, salt, nipap_hash(password, salt), full_name, trusted))
    for row in raw_rows:
        con.execute("INSERT INTO user VALUES (" + ",".join("?" * len(row)) + ")", row)
    con.commit()
    con.close()


class Import(harness.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("nipap_import")
        cls.dir = tempfile.mkdtemp(prefix="prefixd-import.")
        cls.new = os.path.join(cls.dir, "new.db")
        make_db(cls.new, [("alice", "alice-old", "Alice Liddell", 0, 0),
                          ("ro", "ro-pass ü", "Read Only", 0, 1),
                          ("www", "www-secret", None, 1, 0),
                          ("mail@example.com", "m", "Mail User", 0, 0)])
        cls.old = os.path.join(cls.dir, "old.db")
        make_db(cls.old, [("bob", "bob-old", "Bob", 0, 0), ("trusty", "t", "T", 1, 0)],
                schema=OLD_SCHEMA)
        cls.daemon = Daemon(cls.db, workers=1).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.db.drop()

    def users(self):
        return self.db.sql("SELECT username, password_hash IS NOT NULL, legacy_sha1 IS NOT NULL, "
                           "trusted, readonly, coalesce(full_name, '-') FROM prefixd_user "
                           "ORDER BY 1")

    def import_(self, path, *flags, check=True):
        return self.db.admin("user", "import-nipap", path, *flags, check=check)

    def test_1_dry_run_then_import_then_idempotent(self):
        before = self.users()
        dry = self.import_(self.new, "--dry-run")
        self.assertIn("would alice: create", dry.stdout)
        self.assertIn("4 created, 0 updated, 0 unchanged", dry.stdout)
        self.assertEqual(self.users(), before)
        out = self.import_(self.new)
        self.assertIn("imported: 4 created", out.stdout)
        self.assertEqual(self.db.sql("SELECT legacy_sha1 FROM prefixd_user WHERE username = "
                                     "'alice'"),
                         sqlite3.connect(self.new).execute(
                             "SELECT pwd_hash FROM user WHERE username = 'alice'").fetchone()[0])
        listing = self.db.admin("user", "list").stdout
        self.assertRegex(listing, r"(?m)^alice +no +no +nipap-sha1 +Alice Liddell$")
        self.assertRegex(listing, r"(?m)^ro +no +yes +nipap-sha1 +Read Only$")
        self.assertRegex(listing, r"(?m)^www +yes +no +nipap-sha1 *$")
        after = self.users()
        again = self.import_(self.new)
        self.assertIn("0 created, 0 updated, 4 unchanged", again.stdout)
        self.assertEqual(self.users(), after)

    def test_2_old_schema(self):
        out = self.import_(self.old)
        self.assertIn("2 created", out.stdout)
        self.assertEqual(self.db.sql("SELECT readonly, trusted FROM prefixd_user WHERE username "
                                     "IN ('bob', 'trusty') ORDER BY username"), "f|f\nf|t")
        self.assertTrue(xmlrpc_call(self.daemon.port, basic("bob", "bob-old")))
        # A new password set in prefixd replaces the NIPAP hash too.
        self.db.admin("user", "passwd", "trusty", "--password-stdin", stdin="fresh\n")
        self.assertEqual(self.db.sql("SELECT password_hash LIKE '$y$%', legacy_sha1 IS NULL "
                                     "FROM prefixd_user WHERE username = 'trusty'"), "t|t")
        self.assertTrue(xmlrpc_call(self.daemon.port, basic("trusty", "fresh")))
        self.assertEqual(xmlrpc_fault(self.daemon.port, basic("trusty", "t"))[0], 1510)

    def test_3_login_with_old_passwords_on_every_transport(self):
        port = self.daemon.port
        self.import_(self.new)
        # A wrong password is refused and leaves the NIPAP hash in place.
        self.assertEqual(xmlrpc_fault(port, basic("alice", "wrong")),
                         (1510, "Incorrect username or password."))
        self.assertEqual(self.db.sql("SELECT legacy_sha1 IS NOT NULL FROM prefixd_user WHERE "
                                     "username = 'alice'"), "t")
        self.assertTrue(xmlrpc_call(port, basic("alice", "alice-old")))
        # Re-hashed with yescrypt by that first login, the NIPAP hash gone.
        self.assertEqual(self.db.sql("SELECT password_hash LIKE '$y$%', legacy_sha1 IS NULL, "
                                     "legacy_salt IS NULL FROM prefixd_user WHERE username = "
                                     "'alice'"), "t|t|t")
        self.assertRegex(self.db.admin("user", "list").stdout, r"(?m)^alice +no +no +yescrypt ")
        status, body = json_call(port, basic("ro", "ro-pass ü"))
        self.assertEqual(status, 200, body)
        status, body = rest_get(port, basic("mail@example.com@local", "m"))
        self.assertEqual(status, 200, body)
        for user in ("ro", "mail@example.com"):
            self.assertEqual(self.db.sql(f"SELECT legacy_sha1 IS NULL FROM prefixd_user WHERE "
                                         f"username = '{user}'"), "t")
        # The upgraded password keeps working (a daemon with an empty cache).
        fresh = Daemon(self.db, workers=1).start()
        self.addCleanup(fresh.stop)
        port = fresh.port
        self.assertTrue(xmlrpc_call(port, basic("alice", "alice-old")))
        self.assertEqual(xmlrpc_fault(port, basic("alice", "alice-new")),
                         (1510, "Incorrect username or password."))
        # Flags kept: read-only may not write, trusted may speak for others.
        self.assertEqual(xmlrpc_fault(port, basic("ro", "ro-pass ü"), "add_vrf",
                                      {"attr": {"rt": "65000:1", "name": "x"}})[0], 1520)
        self.assertEqual(xmlrpc_call(port, basic("www", "www-secret"), "echo",
                                     {"message": "hi"}), "hi")
        # Re-importing does not bring the NIPAP hash back over a yescrypt one.
        out = self.import_(self.new)
        self.assertIn("alice: unchanged; keeps its prefixd password", out.stdout)
        self.assertEqual(self.db.sql("SELECT legacy_sha1 IS NULL FROM prefixd_user WHERE "
                                     "username = 'alice'"), "t")

    def test_4_bad_files_and_rows_change_nothing(self):
        before = self.users()
        bad = os.path.join(self.dir, "bad.db")
        make_db(bad, [("good", "pw", "Good", 0, 0)],
                schema="CREATE TABLE user (username, pwd_salt, pwd_hash, full_name, trusted, "
                       "readonly)",
                raw_rows=[("upper", "abcdEFGH", nipap_hash("x", "abcdEFGH").upper(), None, 0, 0),
                          ("flag", "s", nipap_hash("x", "s"), None, "yes", 0),
                          (42, "s", nipap_hash("x", "s"), None, 0, 0),
                          ("nosalt", None, nipap_hash("x", ""), None, 0, 0)])
        r = self.import_(bad, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("row 2 (user 'upper'): pwd_hash is not 40 lower-case hex digits", r.stderr)
        self.assertIn("row 3 (user 'flag'): trusted is not 0 or 1", r.stderr)
        self.assertIn("row 4: username is not text", r.stderr)
        self.assertIn("row 5 (user 'nosalt'): pwd_salt is NULL", r.stderr)
        self.assertIn("nothing imported (4 errors)", r.stderr)
        not_sqlite = os.path.join(self.dir, "junk.db")
        with open(not_sqlite, "wb") as f:
            f.write(b"this is not a database" * 100)
        no_table = os.path.join(self.dir, "empty.db")
        sqlite3.connect(no_table).execute("CREATE TABLE other (x)").connection.commit()
        for path, message in ((not_sqlite, "not an SQLite database"),
                              (no_table, "no table 'user'"),
                              (os.path.join(self.dir, "missing.db"), "cannot open")):
            r = self.import_(path, check=False)
            self.assertEqual(r.returncode, 1, path)
            self.assertIn(message, r.stderr)
        self.assertEqual(self.users(), before)


if __name__ == "__main__":
    harness.main()
