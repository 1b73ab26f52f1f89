# SPDX-License-Identifier: MIT
"""A private OpenLDAP server (Debian's slapd) for the LDAP tests: its own
directory, config file and ports on 127.0.0.1, a throw-away CA made with the
openssl CLI for STARTTLS and ldaps://, a small directory loaded with slapadd
and groups added over LDAP so that the memberof overlay fills memberOf.
Started and removed by the test, never touching a system slapd."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BASE = "dc=example,dc=com"
ADMIN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "admin-secret"
SEARCHER = f"uid=searcher,ou=System,{BASE}"
SEARCHER_PASSWORD = "searcher-secret"
RW_GROUP = f"cn=ipam-rw,ou=Groups,{BASE}"
RO_GROUP = f"cn=ipam-ro,ou=Groups,{BASE}"
# The login name with every character that is special in an LDAP filter.
WEIRD = "we*ird(x)\\y"

# login: (password, cn or None, groups, entry under ou=People or ou=Restricted)
USERS = {
    "rwuser": ("rw-pass", "RW User", [RW_GROUP], "People"),
    "rouser": ("ro-pass", "RO User", [RO_GROUP], "People"),
    "both": ("both-pass", "Both Groups", [RW_GROUP, RO_GROUP], "People"),
    "neither": ("neither-pass", "In No Group", [], "People"),
    "nocn": ("nocn-pass", None, [RW_GROUP], "People"),
    WEIRD: ("weird-pass", "Weird Name", [RW_GROUP], "People"),
    "hidden": ("hidden-pass", "Hidden User", [RW_GROUP], "Restricted"),
}

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {admin_password}
directory {dir}/data
overlay memberof
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="ou=Restricted,{base}" by dn.exact="{searcher}" read by anonymous auth by * none
access to * by * read
"""


def dn_value(value):
    """RFC 4514 escaping, enough for the names above."""
    out = ""
    for c in value:
        out += "\\" + c if c in ',+"\\<>;=' else c
    return out


def user_dn(login):
    return f"uid={dn_value(login)},ou={USERS[login][3]},{BASE}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs):
    r = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def make_ca(directory):
    """A CA and a server certificate for 127.0.0.1 and localhost, made here."""
    d = directory
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-subj", "/CN=prefixd test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/server.key",
        "-out", f"{d}/server.csr", "-subj", "/CN=127.0.0.1")
    with open(f"{d}/san.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem",
        "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-out", f"{d}/server.pem",
        "-extfile", f"{d}/san.cnf")


class Slapd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="prefixd-slapd.")
        self.port = free_port()
        self.tls_port = free_port()
        self.proc = None
        os.makedirs(f"{self.dir}/data")
        make_ca(self.dir)
        self.ca_file = f"{self.dir}/ca.pem"
        self.conf = f"{self.dir}/slapd.conf"
        with open(self.conf, "w") as f:
            f.write(SLAPD_CONF.format(dir=self.dir, base=BASE, admin=ADMIN,
                                      admin_password=ADMIN_PASSWORD, searcher=SEARCHER))
        run("slapadd", "-f", self.conf, "-l", self._write("base.ldif", self._base_ldif()))
        self.start()
        # Through the server, so that the memberof overlay sees the members.
        run("ldapadd", "-x", "-H", self.uri, "-D", ADMIN, "-w", ADMIN_PASSWORD,
            "-f", self._write("groups.ldif", self._groups_ldif()))

    @property
    def uri(self):
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_uri(self):
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def _write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _base_ldif(self):
        entries = [f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\n"
                   "dc: example\no: Example\n"]
        for ou in ("People", "Restricted", "System", "Groups"):
            entries.append(f"dn: ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: {ou}\n")
        entries.append(f"dn: {SEARCHER}\nobjectClass: account\nobjectClass: simpleSecurityObject\n"
                       f"uid: searcher\nuserPassword: {SEARCHER_PASSWORD}\n")
        for login, (password, cn, _, _) in USERS.items():
            if cn is None:
                entries.append(f"dn: {user_dn(login)}\nobjectClass: account\n"
                               f"objectClass: simpleSecurityObject\nuid: {login}\n"
                               f"userPassword: {password}\n")
            else:
                entries.append(f"dn: {user_dn(login)}\nobjectClass: inetOrgPerson\nuid: {login}\n"
                               f"cn: {cn}\nsn: {cn.split()[-1]}\nuserPassword: {password}\n")
        return "\n".join(entries)

    def _groups_ldif(self):
        entries = []
        for group in (RW_GROUP, RO_GROUP):
            members = [user_dn(u) for u, v in USERS.items() if group in v[2]]
            entries.append(f"dn: {group}\nobjectClass: groupOfNames\n"
                           f"cn: {group.split(',')[0][3:]}\n" +
                           "".join(f"member: {m}\n" for m in members))
        return "\n".join(entries)

    def start(self):
        self.proc = subprocess.Popen(
            ["slapd", "-f", self.conf, "-h", f"{self.uri}/ {self.ldaps_uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL, stderr=open(f"{self.dir}/slapd.log", "ab"))
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    with open(f"{self.dir}/slapd.log") as f:
                        raise AssertionError("slapd did not start:\n" + f.read())
                time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def pause(self):
        """The server hangs: connections are accepted by the kernel, never
        answered. Returns once every thread of slapd is stopped."""
        self.proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 30
        while not self._stopped():
            if time.monotonic() > deadline:
                raise AssertionError("slapd did not stop on SIGSTOP")
            time.sleep(0.01)

    def _stopped(self):
        tasks = f"/proc/{self.proc.pid}/task"
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                continue
            if state not in ("T", "t"):
                return False
        return True

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Blackhole:
    """A TCP listener that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()
