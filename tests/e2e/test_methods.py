# SPDX-License-Identifier: MIT
"""Every XML-RPC method, as system.listMethods names it at run time, with
Python's xmlrpc.client (what pynipap uses): a success and an error case each
(spec/xmlrpc.md §5), the read-only refusals of every write method
(xmlrpc.md §2.2, §3; auth-config.md §2.2), a trusted account acting as
another user or downgrading itself to read-only, the audit rows that record
who acted (auth-config.md §1.1, §2.1; model.md §11), and the hierarchy and
the VRF and pool statistics after sequences of adds and removes, checked
against a recount from the rows after every step (model.md §3.4, §4.4,
§6.3-§6.5, §7). Every response body is also checked on the wire
(harness.wire_problems). The method-specific suites (test_vrf.py,
test_pool.py, test_prefix.py, test_asn.py, test_find_free.py, test_calls.py)
go deeper; the registries here make sure nothing listed is left out."""
import ipaddress
import random
import re
import types
import xmlrpc.client

import harness
from harness import AUTH, data_snapshot, recording_proxy, wire_problems

# What a read-only session may call (xmlrpc.md §3); every other listed
# method writes and must be refused.
READ_METHOD = re.compile(r"(echo|version|db_version|find_free_prefix|system\.\w+"
                         r"|list_\w+|search_\w+|smart_search_\w+)")
KNOWN_WRITES = {f"{verb}_{obj}" for verb in ("add", "edit", "remove")
                for obj in ("vrf", "pool", "prefix", "asn")}
RO_TEXT = "read-only user '{}' is not authorized to run function '{}'"
TRUSTED_AS_ALICE = {"authoritative_source": "audit-src", "username": "alice",
                    "full_name": "Alice Example"}

RESET_SQL = ("DELETE FROM ip_net_plan WHERE type = 'host'; DELETE FROM ip_net_plan; "
             "DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0; "
             "DELETE FROM ip_net_asn; DELETE FROM ip_net_log")


def build_fixture(p):
    """A VRF holding a pool member reservation > assignment > host, one
    assignment in the default VRF, and an ASN. Returns their ids."""
    vrf = p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:1", "name": "fx-vrf"}})["id"]
    pool = p.add_pool({"auth": AUTH, "attr": {
        "name": "fx-pool", "description": "fixture pool", "default_type": "assignment",
        "ipv4_default_prefix_length": 28, "ipv6_default_prefix_length": 64}})["id"]

    def add(prefix, type_, **attr):
        return p.add_prefix({"auth": AUTH, "attr": {"prefix": prefix, "type": type_,
                                                    "description": f"fx {prefix}",
                                                    **attr}})["id"]

    res = add("10.0.0.0/16", "reservation", vrf_id=vrf, pool_id=pool, tags=["fx"])
    asg = add("10.0.1.0/24", "assignment", vrf_id=vrf)
    host = add("10.0.1.1/32", "host", vrf_id=vrf, node="fx-node")
    default = add("192.0.2.0/24", "assignment")
    p.add_asn({"auth": AUTH, "attr": {"asn": 64512, "name": "fx-asn"}})
    return types.SimpleNamespace(vrf=vrf, pool=pool, res=res, asg=asg, host=host,
                                 default=default)


def call(proxy, method, params, auth=AUTH):
    """params: a dict of named arguments (the auth struct is added) or a
    tuple of positional XML-RPC parameters sent as they are."""
    if isinstance(params, tuple):
        return getattr(proxy, method)(*params)
    return getattr(proxy, method)({"auth": auth, **params})


def checked_proxy(test, user="unittest"):
    """A proxy as `user` whose every response body the test checks on the
    wire when it ends."""
    proxy, transport = recording_proxy(test.daemon, user)

    def check():
        test.assertTrue(transport.bodies)
        for body in transport.bodies:
            test.assertEqual(wire_problems(body), [], body[:2000])

    test.addCleanup(check)
    return proxy


def names(rows, key="name"):
    return [r[key] for r in rows]


def prefixes_in(t, vrf):
    return names(t.p.list_prefix({"auth": AUTH, "prefix": {"vrf_id": vrf}}), "prefix")


# method -> (arguments for the fixture f, check(t, f, result)). A check may
# read through t.p (reads never write audit rows).
SUCCESS = {
    "db_version": (lambda f: {}, lambda t, f, r: t.assertEqual(r, 8)),
    "echo": (lambda f: {"message": {"k": ["v", 1, None, True]}},
             lambda t, f, r: t.assertEqual(r, {"k": ["v", 1, None, True]})),
    "version": (lambda f: {}, lambda t, f, r: t.assertRegex(r, r"^\d+\.\d+\.\d+")),
    "system.listMethods": (lambda f: (), lambda t, f, r: (
        t.assertEqual(r, sorted(r)), t.assertIn("system.listMethods", r))),
    "system.methodHelp": (lambda f: ("add_prefix",), lambda t, f, r: t.assertIn("prefix", r)),
    "system.methodSignature": (lambda f: ("add_prefix",),
                               lambda t, f, r: t.assertEqual(r, "signatures not supported")),
    # VRF
    "add_vrf": (lambda f: {"attr": {"rt": "65000:2", "name": "new-vrf"}}, lambda t, f, r: (
        t.assertEqual((r["rt"], r["name"], r["num_prefixes_v4"]), ("65000:2", "new-vrf", "0")),
        t.assertEqual(t.p.list_vrf({"auth": AUTH, "vrf": {"rt": "65000:2"}}), [r]))),
    "list_vrf": (lambda f: {"vrf": {"name": "fx-vrf"}}, lambda t, f, r: t.assertEqual(
        [(v["id"], v["rt"], v["num_prefixes_v4"]) for v in r], [(f.vrf, "65000:1", "3")])),
    "edit_vrf": (lambda f: {"vrf": {"id": f.vrf}, "attr": {"description": "edited"}},
                 lambda t, f, r: t.assertEqual([(v["id"], v["description"]) for v in r],
                                               [(f.vrf, "edited")])),
    "remove_vrf": (lambda f: {"vrf": {"rt": "65000:1"}}, lambda t, f, r: (
        t.assertIsNone(r),
        t.assertEqual(t.p.list_vrf({"auth": AUTH, "vrf": {"id": f.vrf}}), []),
        t.assertEqual(prefixes_in(t, f.vrf), []),
        t.assertEqual(prefixes_in(t, 0), ["192.0.2.0/24"]))),
    "search_vrf": (lambda f: {"query": {"operator": "equals", "val1": "rt", "val2": "65000:1"}},
                   lambda t, f, r: t.assertEqual(names(r["result"]), ["fx-vrf"])),
    "smart_search_vrf": (lambda f: {"query_string": "fx-vrf"}, lambda t, f, r: (
        t.assertEqual(names(r["result"]), ["fx-vrf"]), t.assertIs(r["error"], False))),
    # pool
    "add_pool": (lambda f: {"attr": {"name": "new-pool", "description": "d",
                                     "default_type": "reservation"}}, lambda t, f, r: (
        t.assertEqual((r["name"], r["default_type"], r["prefixes"]),
                      ("new-pool", "reservation", [])),
        t.assertEqual(t.p.list_pool({"auth": AUTH, "pool": {"name": "new-pool"}}), [r]))),
    "list_pool": (lambda f: {"pool": {"name": "fx-pool"}}, lambda t, f, r: t.assertEqual(
        [(x["id"], x["prefixes"], x["vrf_id"], x["free_prefixes_v4"]) for x in r],
        [(f.pool, ["10.0.0.0/16"], f.vrf, "4080")])),
    # A /24 default: the free /24 blocks beside 10.0.1.0/24 number 255.
    "edit_pool": (lambda f: {"pool": {"id": f.pool}, "attr": {"ipv4_default_prefix_length": 24}},
                  lambda t, f, r: t.assertEqual(
                      [(x["id"], x["ipv4_default_prefix_length"], x["free_prefixes_v4"])
                       for x in r], [(f.pool, 24, "255")])),
    "remove_pool": (lambda f: {"pool": {"name": "fx-pool"}}, lambda t, f, r: (
        t.assertIsNone(r), t.assertEqual(t.p.list_pool({"auth": AUTH}), []),
        t.assertIsNone(t.p.list_prefix({"auth": AUTH, "prefix": {"id": f.res}})[0]["pool_id"]))),
    "search_pool": (lambda f: {"query": {"operator": "=", "val1": "name", "val2": "fx-pool"}},
                    lambda t, f, r: t.assertEqual(names(r["result"], "id"), [f.pool])),
    "smart_search_pool": (lambda f: {"query_string": "fx-pool"},
                          lambda t, f, r: t.assertEqual(names(r["result"], "id"), [f.pool])),
    # prefix
    "add_prefix": (lambda f: {"attr": {"description": "allocated"},
                              "args": {"from-pool": {"name": "fx-pool"}, "family": 4}},
                   lambda t, f, r: t.assertEqual(
                       (r["prefix"], r["vrf_id"], r["type"], r["pool_id"], r["indent"]),
                       ("10.0.0.0/28", f.vrf, "assignment", None, 1))),
    "list_prefix": (lambda f: {"prefix": {"vrf_id": f.vrf}}, lambda t, f, r: t.assertEqual(
        [(x["prefix"], x["indent"], x["display_prefix"]) for x in r],
        [("10.0.0.0/16", 0, "10.0.0.0/16"), ("10.0.1.0/24", 1, "10.0.1.0/24"),
         ("10.0.1.1/32", 2, "10.0.1.1/24")])),
    "edit_prefix": (lambda f: {"prefix": {"id": f.asg}, "attr": {"comment": "edited"}},
                    lambda t, f, r: t.assertEqual([(x["id"], x["comment"], x["children"])
                                                   for x in r], [(f.asg, "edited", 1)])),
    "remove_prefix": (lambda f: {"prefix": {"id": f.asg}, "recursive": True}, lambda t, f, r: (
        t.assertIsNone(r), t.assertEqual(prefixes_in(t, f.vrf), ["10.0.0.0/16"]))),
    "search_prefix": (lambda f: {"query": {"operator": "=", "val1": "node", "val2": "fx-node"}},
                      lambda t, f, r: t.assertEqual(
                          [(x["prefix"], x["display_prefix"], x["match"]) for x in r["result"]],
                          [("10.0.1.1/32", "10.0.1.1/24", True)])),
    "smart_search_prefix": (lambda f: {"query_string": "#fx"}, lambda t, f, r: t.assertEqual(
        names(r["result"], "prefix"), ["10.0.0.0/16", "10.0.1.0/24", "10.0.1.1/32"])),
    "find_free_prefix": (lambda f: {"vrf": {"rt": "65000:1"},
                                    "args": {"from-prefix": ["10.0.1.0/24"], "prefix_length": 32,
                                             "count": 2}},
                         lambda t, f, r: t.assertEqual(r, ["10.0.1.2", "10.0.1.3"])),
    # ASN and tags
    "add_asn": (lambda f: {"attr": {"asn": 64513, "name": "new-asn"}}, lambda t, f, r: (
        t.assertEqual(r, {"asn": 64513, "name": "new-asn"}),
        t.assertEqual(t.p.list_asn({"auth": AUTH, "asn": {"asn": 64513}}), [r]))),
    "list_asn": (lambda f: {"asn": {"asn": 64512}},
                 lambda t, f, r: t.assertEqual(r, [{"asn": 64512, "name": "fx-asn"}])),
    "edit_asn": (lambda f: {"asn": {"asn": 64512}, "attr": {"name": "renamed"}},
                 lambda t, f, r: t.assertEqual(r, [{"asn": 64512, "name": "renamed"}])),
    "remove_asn": (lambda f: {"asn": {"name": "fx-asn"}}, lambda t, f, r: (
        t.assertIsNone(r), t.assertEqual(t.p.list_asn({"auth": AUTH}), []))),
    "search_asn": (lambda f: {"query": {"operator": "=", "val1": "name", "val2": "fx-asn"}},
                   lambda t, f, r: t.assertEqual(r["result"], [{"asn": 64512, "name": "fx-asn"}])),
    "smart_search_asn": (lambda f: {"query_string": "64512"}, lambda t, f, r: t.assertEqual(
        r["result"], [{"asn": 64512, "name": "fx-asn"}])),
    "search_tag": (lambda f: {"query": {}},
                   lambda t, f, r: t.assertEqual(r["result"], [{"name": "fx"}])),
}

V6_LENGTH = "Default IPv6 prefix length must be an integer between 1 and 128."
TYPE_ERROR = "<class 'TypeError'>:SimpleXMLRPCDispatcher."

# method -> (arguments for the fixture f, (faultCode, faultString)). Each one
# must leave the database exactly as it was.
ERRORS = {
    "db_version": (lambda f: ({},), (1000, "Missing/invalid authentication options in request.")),
    "echo": (lambda f: {"sleep": "x"}, (1200, "'sleep' must be a number of seconds")),
    "version": (lambda f: ({"auth": {}},), (1000, "Missing authoritative source in auth options.")),
    "system.listMethods": (lambda f: ("x",), (1, TYPE_ERROR + "system_listMethods() takes 1 "
                                              "positional argument but 2 were given")),
    "system.methodHelp": (lambda f: (), (1, TYPE_ERROR + "system_methodHelp() missing 1 required "
                                         "positional argument: 'method_name'")),
    "system.methodSignature": (lambda f: ("a", "b"), (1, TYPE_ERROR + "system_methodSignature() "
                                                      "takes 2 positional arguments but 3 were "
                                                      "given")),
    "add_vrf": (lambda f: {"attr": {"rt": "65000:1", "name": "another"}},
                (1400, "Duplicate value for 'VRF RT', the value '65000:1' is already in use.")),
    "list_vrf": (lambda f: {"vrf": {"rt": 1}},
                 (1200, "VRF specification key 'rt' must be a string.")),
    "edit_vrf": (lambda f: {"vrf": {"name": "fx-vrf"}, "attr": {"rt": "bogus"}},
                 (1200, "Invalid input for column rt, should be ASN:id (123:456) or IP:id "
                        "(1.3.3.7:456)")),
    # Upstream first deletes every prefix of the default VRF (model.md §3.3).
    "remove_vrf": (lambda f: {"vrf": {"id": 0}},
                   (1200, "Prohibited delete of default VRF (id=0).")),
    "search_vrf": (lambda f: {"query": {"operator": "=", "val1": "name"}},
                   (1110, "Value (val2 in API) for 'name' must be specified")),
    "smart_search_vrf": (lambda f: {"query_string": None},
                         (1200, "'query_string' must not be None")),
    "add_pool": (lambda f: {"attr": {"name": "FX-POOL", "description": "x",
                                     "default_type": "assignment"}},
                 (1400, "Duplicate value for 'pool name', the value 'fx-pool' is already in "
                        "use.")),
    "list_pool": (lambda f: {"pool": {"id": f.pool, "name": "fx-pool"}},
                  (1120, "pool specification with 'id' should not contain anything else")),
    "edit_pool": (lambda f: {"pool": {"id": f.pool}, "attr": {"ipv6_default_prefix_length": 129}},
                  (1200, V6_LENGTH)),
    "remove_pool": (lambda f: {"pool": {}},
                    (1110, "a pool specification key (id or name) is required")),
    "search_pool": (lambda f: {"query": {}}, (1110, "'val1' must be specified")),
    "smart_search_pool": (lambda f: {"query_string": "fx", "extra_query": "bad"},
                          (1100, "'extra_query' must be a struct")),
    "add_prefix": (lambda f: {"attr": {"prefix": "10.0.1.0/24", "type": "assignment",
                                       "description": "dup", "vrf_id": f.vrf}},
                   (1400, "Duplicate value for 'prefix', the value '{vrf}, 10.0.1.0/24' is "
                          "already in use.")),
    "list_prefix": (lambda f: {"prefix": {"id": f.asg, "vrf_id": f.vrf}},
                    (1120, "If 'id' specified, no other keys are allowed.")),
    "edit_prefix": (lambda f: {"prefix": {"id": f.res}, "attr": {"type": "assignment"}},
                    (1200, "Prefix of type 'assignment' must not have any subnets other than of "
                           "type 'host'")),
    "remove_prefix": (lambda f: {"prefix": {"id": f.asg}},
                      (1200, "Prohibited delete, prefix (10.0.1.0/24) contains hosts.")),
    "search_prefix": (lambda f: {"query": {"operator": "=", "val1": "node", "val2": "fx-node"},
                                 "search_options": {"max_result": "x"}},
                      (1200, "Invalid value for option 'max_result'. Only integer values "
                             "allowed.")),
    "smart_search_prefix": (lambda f: {"query_string": 5},
                            (1200, "'query_string' must be a string")),
    "find_free_prefix": (lambda f: {"args": {"from-pool": {"name": "fx-pool"}}},
                         (1110, "'family' must be specified with 'from-pool' mode")),
    "add_asn": (lambda f: {"attr": {"asn": 64512}},
                (1400, "Duplicate value for 'None', the value '64512' is already in use.")),
    "list_asn": (lambda f: {"asn": {"asn": 64512, "name": "fx-asn"}},
                 (1120, "asn specification contain both 'asn' and 'name', specify asn or name")),
    "edit_asn": (lambda f: {"asn": {"asn": 64512}, "attr": {"asn": 1}},
                 (1120, "extraneous attribute asn")),
    "remove_asn": (lambda f: {"asn": {}}, (1110, "an ASN specification key (asn or name) is "
                                                 "required")),
    "search_asn": (lambda f: {"query": {"operator": "=", "val1": "asn", "val2": "abc"}},
                   (1200, "Invalid syntax for integer (abc)")),
    "smart_search_asn": (lambda f: {"query_string": None},
                         (1200, "'query_string' must not be None")),
    "search_tag": (lambda f: {"query": {"operator": "=", "val1": "tags", "val2": "x"}},
                   (1100, "Search variable 'tags' unknown")),
}


class Methods(harness.ApiTestCase):
    database = "methods"
    workers = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.methods = cls.p.system.listMethods()
        cls.writes = sorted(m for m in cls.methods if not READ_METHOD.fullmatch(m))
        cls.reads = sorted(m for m in cls.methods if READ_METHOD.fullmatch(m))

    def reset(self):
        self.db.sql(RESET_SQL)
        return build_fixture(self.p)

    def proxy(self, user="unittest"):
        return checked_proxy(self, user)

    def expect_fault(self, proxy, method, params, expected, auth=AUTH):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            call(proxy, method, params, auth)
        self.assertEqual((cm.exception.faultCode, cm.exception.faultString), expected)

    def test_every_listed_method_has_a_success_and_an_error_case(self):
        self.assertEqual(self.methods, sorted(set(self.methods)))
        self.assertEqual(set(self.methods) - set(SUCCESS), set(), "listed but no success case")
        self.assertEqual(set(self.methods) - set(ERRORS), set(), "listed but no error case")
        # The registries name nothing that is not served either.
        self.assertEqual(set(SUCCESS), set(self.methods))
        self.assertEqual(set(ERRORS), set(self.methods))
        # xmlrpc.md §1.4: the three system.* names, §5's 28 methods, search_tag.
        self.assertEqual(len(self.methods), 32)

    def test_write_methods_are_add_edit_remove(self):
        # Anything listed that is not a read (xmlrpc.md §3) is treated as a
        # write by the refusal tests below; today exactly these twelve.
        self.assertEqual(set(self.writes), KNOWN_WRITES)
        self.assertEqual(len(self.reads), 20)

    def test_success_cases(self):
        p = self.proxy()
        dirty = True
        for method in self.methods:
            with self.subTest(method=method):
                if dirty:  # reads leave the fixture as it was
                    f = self.reset()
                dirty = method in self.writes
                args, check = SUCCESS[method]
                check(self, f, call(p, method, args(f)))

    def test_error_cases_change_nothing(self):
        p = self.proxy()
        f = self.reset()
        before = data_snapshot(self.db)
        for method in self.methods:
            with self.subTest(method=method):
                args, (code, text) = ERRORS[method]
                self.expect_fault(p, method, args(f), (code, text.format(vrf=f.vrf)))
                self.assertEqual(data_snapshot(self.db), before)

    def test_readonly_user_reads_everything_and_writes_nothing(self):
        ro = self.proxy("readonly")
        f = self.reset()
        before = data_snapshot(self.db)
        for method in self.reads:
            with self.subTest(method=method):
                args, check = SUCCESS[method]
                check(self, f, call(ro, method, args(f)))
        for method in self.writes:
            with self.subTest(method=method):
                args, _ = SUCCESS[method]
                self.expect_fault(ro, method, args(f), (1520, RO_TEXT.format("readonly", method)))
                # An untrusted account cannot lift its read-only flag.
                self.expect_fault(ro, method, args(f), (1520, RO_TEXT.format("readonly", method)),
                                  auth={**AUTH, "readonly": False})
        self.assertEqual(data_snapshot(self.db), before)

    def test_trusted_user_downgraded_to_readonly(self):
        trusted = self.proxy("trusted")
        f = self.reset()
        before = data_snapshot(self.db)
        auth = {**TRUSTED_AS_ALICE, "readonly": True}
        for method in self.writes:
            with self.subTest(method=method):
                args, _ = SUCCESS[method]
                self.expect_fault(trusted, method, args(f), (1520, RO_TEXT.format("alice", method)),
                                  auth=auth)
        for method in ("list_vrf", "search_prefix", "find_free_prefix"):
            args, check = SUCCESS[method]
            check(self, f, call(trusted, method, args(f), auth))
        self.assertEqual(data_snapshot(self.db), before)

    def audit_rows_since(self, last_id):
        rows = self.db.sql("SELECT username, authenticated_as, coalesce(full_name, '<NULL>'), "
                           f"authoritative_source FROM ip_net_log WHERE id > {last_id} "
                           "ORDER BY id")
        return [tuple(r.split("|")) for r in rows.splitlines()]

    def last_audit_id(self):
        return int(self.db.sql("SELECT coalesce(max(id), 0) FROM ip_net_log"))

    def test_audit_rows_record_the_acting_user(self):
        trusted = self.proxy("trusted")
        for method in self.writes:
            with self.subTest(method=method):
                f = self.reset()
                last = self.last_audit_id()
                args, check = SUCCESS[method]
                # readonly False: a trusted account may also lift the flag.
                check(self, f, call(trusted, method, args(f),
                                    {**TRUSTED_AS_ALICE, "readonly": False}))
                rows = self.audit_rows_since(last)
                self.assertTrue(rows, "no audit row written")
                self.assertEqual(set(rows), {("alice", "trusted", "Alice Example", "audit-src")})

    def test_audit_identity_variants(self):
        trusted, unittest_ = self.proxy("trusted"), self.proxy()
        self.reset()
        for asn, (proxy, auth, expected) in enumerate([
            # auth-config.md §2.1: an absent full_name is nil, not the account's name.
            (trusted, {"authoritative_source": "s1", "username": "bob"},
             ("bob", "trusted", "<NULL>", "s1")),
            (trusted, {"authoritative_source": "s2"},
             ("trusted", "trusted", "<NULL>", "s2")),
            # An untrusted account's username/full_name/readonly are ignored.
            (unittest_, {"authoritative_source": "s3", "username": "mallory",
                         "full_name": "Mallory", "readonly": True},
             ("unittest", "unittest", "unittest", "s3")),
        ], start=65000):
            with self.subTest(auth=auth):
                last = self.last_audit_id()
                self.assertEqual(proxy.add_asn({"auth": auth, "attr": {"asn": asn}}),
                                 {"asn": asn, "name": None})
                self.assertEqual(self.audit_rows_since(last), [expected])
        # The source of add_prefix is the caller's, whatever attr says.
        last = self.last_audit_id()
        r = trusted.add_prefix({"auth": TRUSTED_AS_ALICE, "attr": {
            "prefix": "198.51.100.0/24", "type": "assignment", "description": "x",
            "authoritative_source": "other"}})
        self.assertEqual(r["authoritative_source"], "audit-src")
        self.assertEqual(self.audit_rows_since(last),
                         [("alice", "trusted", "Alice Example", "audit-src")])


# --- hierarchy and statistics ------------------------------------------------

def display(net, parent, host, search_shape):
    """display_prefix per model.md §6.5 in its two text forms (§2.5)."""
    if host:
        return f"{net.network_address}/{parent.prefixlen}"
    if net.prefixlen == net.max_prefixlen and not search_shape:
        return str(net.network_address)
    return str(net)


def free_block_count(member, children, length):
    """model.md §4.4: the free gaps of a member as maximal aligned blocks,
    each worth 2^(L-len), 1 when one bit longer than L, else 0. (The
    sequences below never leave a block one bit longer than L in a pool
    member: how NIPAP counts those is still being reconciled with the
    corpus, see prefix_alloc in tests/CMakeLists.txt.)"""
    blocks, cursor = [], int(member.network_address)
    for child in sorted(children, key=lambda c: int(c.network_address)):
        if int(child.network_address) > cursor:
            blocks += ipaddress.summarize_address_range(
                ipaddress.ip_address(cursor), child.network_address - 1)
        cursor = int(child.broadcast_address) + 1
    if cursor <= int(member.broadcast_address):
        blocks += ipaddress.summarize_address_range(ipaddress.ip_address(cursor),
                                                    member.broadcast_address)
    count = 0
    for b in blocks:
        if b.prefixlen <= length:
            count += 2 ** (length - b.prefixlen)
        elif b.prefixlen == length + 1:
            count += 1
    return count


def recount(rows, vrfs, pools):
    """Everything derived, recomputed from the rows (list shape) alone:
    {prefix id: per-prefix values}, {vrf id: statistics}, {pool id: statistics}."""
    nets = {r["id"]: ipaddress.ip_network(r["prefix"]) for r in rows}
    parent, ancestors = {}, {}
    for r in rows:
        net = nets[r["id"]]
        above = [o["id"] for o in rows if o["vrf_id"] == r["vrf_id"] and o["id"] != r["id"]
                 and nets[o["id"]].version == net.version and net.subnet_of(nets[o["id"]])]
        ancestors[r["id"]] = len(above)
        parent[r["id"]] = max(above, key=lambda i: nets[i].prefixlen) if above else None
    kids = {r["id"]: [i for i in parent if parent[i] == r["id"]] for r in rows}
    total = {i: 2 ** (n.max_prefixlen - n.prefixlen) for i, n in nets.items()}
    used = {i: total[i] if n.prefixlen == n.max_prefixlen else sum(total[k] for k in kids[i])
            for i, n in nets.items()}
    per_prefix = {}
    for r in rows:
        i, host = r["id"], r["type"] == "host"
        up = nets[parent[i]] if parent[i] else None
        per_prefix[i] = {
            "indent": ancestors[i], "children": len(kids[i]),
            "display_list": display(nets[i], up, host, False),
            "display_search": display(nets[i], up, host, True),
            "total_addresses": str(total[i]), "used_addresses": str(used[i]),
            "free_addresses": str(total[i] - used[i])}
    vrf_stats = {}
    for v in vrfs:
        s = {}
        for family in (4, 6):
            mine = [r["id"] for r in rows if r["vrf_id"] == v["id"] and r["family"] == family]
            top = [i for i in mine if parent[i] is None]
            t, u = sum(total[i] for i in top), sum(used[i] for i in top)
            s.update({f"num_prefixes_v{family}": str(len(mine)),
                      f"total_addresses_v{family}": str(t), f"used_addresses_v{family}": str(u),
                      f"free_addresses_v{family}": str(t - u)})
        vrf_stats[v["id"]] = s
    pool_stats = {}
    for pool in pools:
        members = [r for r in rows if r["pool_id"] == pool["id"]]
        s = {"prefixes": [str(nets[r["id"]]) for r in sorted(
            members, key=lambda r: (nets[r["id"]].version, nets[r["id"]]))],
             "vrf_id": members[0]["vrf_id"] if members else None}
        for family in (4, 6):
            m = [r["id"] for r in members if r["family"] == family]
            length = pool[f"ipv{family}_default_prefix_length"]
            used_prefixes = sum(len(kids[i]) for i in m)
            free = None
            if length is not None and m:
                free = sum(free_block_count(nets[i], [nets[k] for k in kids[i]], length)
                           for i in m)
            t, u = sum(total[i] for i in m), sum(used[i] for i in m)
            s.update({f"member_prefixes_v{family}": str(len(m)),
                      f"used_prefixes_v{family}": str(used_prefixes),
                      f"free_prefixes_v{family}": None if free is None else str(free),
                      f"total_prefixes_v{family}":
                          None if free is None else str(used_prefixes + free),
                      f"total_addresses_v{family}": str(t), f"used_addresses_v{family}": str(u),
                      f"free_addresses_v{family}": str(t - u)})
        pool_stats[pool["id"]] = s
    return per_prefix, vrf_stats, pool_stats


class HierarchyAndStatistics(harness.ApiTestCase):
    """Adds, allocations, edits and removes through XML-RPC; after every step
    the served indent, children, display_prefix, address counts and VRF and
    pool statistics must equal a recount from the rows themselves, and the
    rows must be exactly those the steps should have left."""
    database = "hierarchy"
    workers = 2

    def setUp(self):
        self.db.sql(RESET_SQL)
        self.p = checked_proxy(self)
        self.expected = {}  # (vrf_id, prefix) -> (type, pool_id)
        self.steps = 0

    def add(self, prefix=None, type_=None, args=None, **attr):
        if prefix is not None:
            attr["prefix"] = prefix
        if type_ is not None:
            attr["type"] = type_
        attr.setdefault("description", "step")
        call_args = {"auth": AUTH, "attr": attr}
        if args:
            call_args["args"] = args
        r = self.p.add_prefix(call_args)
        self.expected[(r["vrf_id"], r["prefix"])] = (r["type"], r["pool_id"])
        return r

    def remove(self, vrf, prefix, recursive=False):
        self.assertIsNone(self.p.remove_prefix({"auth": AUTH, "recursive": recursive,
                                                "prefix": {"vrf_id": vrf, "prefix": prefix}}))
        gone = ipaddress.ip_network(prefix)
        for key in list(self.expected):
            net = ipaddress.ip_network(key[1])
            if key[0] == vrf and (net == gone or (recursive and net.version == gone.version
                                                  and net.subnet_of(gone))):
                del self.expected[key]

    def verify(self, what):
        self.steps += 1
        rows = self.p.list_prefix({"auth": AUTH})
        vrfs = self.p.list_vrf({"auth": AUTH})
        pools = self.p.list_pool({"auth": AUTH})
        self.assertEqual({(r["vrf_id"], r["prefix"]): (r["type"], r["pool_id"]) for r in rows},
                         self.expected, what)
        per_prefix, vrf_stats, pool_stats = recount(rows, vrfs, pools)
        served = {}
        for v in vrfs:
            found = self.p.search_prefix({"auth": AUTH, "query": {
                "operator": "=", "val1": "vrf_id", "val2": v["id"]},
                "search_options": {"max_result": 10000}})["result"]
            served.update({r["id"]: r for r in found})
            self.assertEqual({k: v[k] for k in vrf_stats[v["id"]]}, vrf_stats[v["id"]],
                             f"{what}: VRF {v['name']}")
        listed = {r["id"]: r for r in rows}
        self.assertEqual(set(served), set(listed), what)
        got = {i: {"indent": listed[i]["indent"], "children": served[i]["children"],
                   "display_list": listed[i]["display_prefix"],
                   "display_search": served[i]["display_prefix"],
                   **{k: listed[i][k] for k in ("total_addresses", "used_addresses",
                                                "free_addresses")}} for i in listed}
        for i in listed:
            self.assertEqual(got[i], per_prefix[i], f"{what}: {listed[i]['prefix']}")
            self.assertEqual(served[i]["indent"], listed[i]["indent"])
        for pool in pools:
            self.assertEqual({k: pool[k] for k in pool_stats[pool["id"]]},
                             pool_stats[pool["id"]], f"{what}: pool {pool['name']}")

    def test_scripted_sequence(self):
        p = self.p
        vrf = p.add_vrf({"auth": AUTH, "attr": {"rt": "65001:1", "name": "stats"}})["id"]
        pool = p.add_pool({"auth": AUTH, "attr": {
            "name": "stats-pool", "description": "p", "default_type": "assignment",
            "ipv4_default_prefix_length": 28, "ipv6_default_prefix_length": 64}})["id"]
        self.add("192.0.2.0/24", "assignment")  # default VRF, untouched by the pool
        self.add("192.0.2.5/32", "host")
        self.verify("start")
        self.add("10.0.0.0/16", "reservation", vrf_id=vrf, pool_id=pool)
        self.verify("pool member /16")
        self.add("10.0.0.0/8", "reservation", vrf_rt="65001:1")
        self.verify("/8 above the member")
        first = self.add(args={"from-pool": {"id": pool}, "family": 4})
        self.assertEqual((first["prefix"], first["vrf_id"]), ("10.0.0.0/28", vrf))
        self.verify("allocated from the pool")
        for _ in range(2):
            self.add(type_="host", vrf_id=vrf,
                     args={"from-prefix": ["10.0.0.0/28"], "prefix_length": 32})
        self.verify("two hosts from the /28")
        self.add("10.0.128.0/17", "reservation", vrf_id=vrf)
        self.add(args={"from-pool": {"name": "stats-pool"}, "family": 4})
        self.verify("/17 and a second allocation")
        self.add("2001:db8::/32", "reservation", vrf_id=vrf, pool_name="stats-pool")
        self.add(args={"from-pool": {"id": pool}, "family": 6})
        self.verify("IPv6 member and allocation")
        self.add("10.0.0.0/12", "reservation", vrf_id=vrf)
        self.verify("/12 between /8 and /16")
        self.remove(vrf, "10.0.0.0/16")
        self.verify("member /16 removed, its children move up")
        edited = p.edit_prefix({"auth": AUTH, "prefix": {"vrf_id": vrf, "prefix": "10.0.0.0/12"},
                                "attr": {"pool_name": "stats-pool"}})
        self.assertEqual(len(edited), 1)
        self.expected[(vrf, "10.0.0.0/12")] = ("reservation", pool)
        self.verify("/12 joins the pool")
        p.edit_prefix({"auth": AUTH, "prefix": {"vrf_id": 0, "prefix": "192.0.2.0/24"},
                       "attr": {"prefix": "192.0.2.0/23"}})
        del self.expected[(0, "192.0.2.0/24")]
        self.expected[(0, "192.0.2.0/23")] = ("assignment", None)
        self.verify("assignment resized, its host follows")
        p.edit_pool({"auth": AUTH, "pool": {"id": pool},
                     "attr": {"ipv4_default_prefix_length": 16,
                              "ipv6_default_prefix_length": None}})
        self.verify("pool default lengths changed")
        self.remove(vrf, "10.0.0.0/28", recursive=True)
        self.verify("assignment and hosts removed")
        p.remove_pool({"auth": AUTH, "pool": {"id": pool}})
        for key, (type_, _) in list(self.expected.items()):
            self.expected[key] = (type_, None)
        self.verify("pool removed, members detached")
        self.remove(vrf, "10.0.0.0/8", recursive=True)
        self.verify("IPv4 tree removed")
        p.remove_vrf({"auth": AUTH, "vrf": {"id": vrf}})
        self.expected = {k: v for k, v in self.expected.items() if k[0] != vrf}
        self.verify("VRF removed")
        self.assertEqual(self.steps, 16)

    def test_random_sequence(self):
        """A seeded random mix of adds (some refused by the hierarchy rules or
        as duplicates), allocations and removes in one VRF."""
        rng = random.Random(20240613)
        p = self.p
        vrf = p.add_vrf({"auth": AUTH, "attr": {"rt": "65002:1", "name": "random"}})["id"]
        pool = p.add_pool({"auth": AUTH, "attr": {
            "name": "random-pool", "description": "p", "default_type": "assignment",
            "ipv4_default_prefix_length": 26, "ipv6_default_prefix_length": 64}})["id"]
        candidates = [
            "10.20.0.0/16", "10.20.0.0/17", "10.20.0.0/18", "10.20.64.0/18", "10.20.0.0/20",
            "10.20.16.0/20", "10.20.0.0/22", "10.20.4.0/22", "10.20.0.0/24", "10.20.1.0/24",
            "10.20.4.0/24", "10.20.16.0/24", "10.20.64.0/24", "10.20.0.0/26", "10.20.1.0/26",
            "10.20.0.64/26", "10.20.0.1/32", "10.20.0.2/32", "10.20.1.1/32", "10.20.4.9/32",
            "10.20.0.65/32", "10.20.16.1/32", "2001:db8:20::/48", "2001:db8:20::/56",
            "2001:db8:20:1::/64", "2001:db8:20::/64", "2001:db8:20::1/128"]
        refused = {1200: 0, 1300: 0, 1400: 0}
        for step in range(90):
            roll = rng.random()
            existing = sorted(k[1] for k in self.expected)
            try:
                if roll < 0.55 or not existing:
                    prefix = rng.choice(candidates)
                    length = ipaddress.ip_network(prefix).prefixlen
                    if length in (32, 128):
                        type_ = "host"
                    elif length in (24, 26, 64):
                        type_ = "assignment"
                    else:
                        type_ = "reservation" if rng.random() < 0.85 else "assignment"
                    member = {"pool_id": pool} if type_ == "reservation" and rng.random() < 0.4 \
                        else {}
                    what = f"add {prefix} {type_} {member}"
                    self.add(prefix, type_, vrf_id=vrf, **member)
                elif roll < 0.65:
                    family = rng.choice((4, 6))
                    what = f"allocate IPv{family} from the pool"
                    self.add(args={"from-pool": {"id": pool}, "family": family})
                elif roll < 0.72:
                    assignments = [k[1] for k, v in self.expected.items() if v[0] == "assignment"
                                   and ipaddress.ip_network(k[1]).version == 4]
                    source = rng.choice(assignments or ["10.20.1.0/24"])
                    what = f"allocate a host from {source}"
                    self.add(type_="host", vrf_id=vrf,
                             args={"from-prefix": [source], "prefix_length": 32})
                else:
                    prefix, recursive = rng.choice(existing), rng.random() < 0.5
                    what = f"remove {prefix} recursive={recursive}"
                    self.remove(vrf, prefix, recursive)
            except xmlrpc.client.Fault as fault:
                if what.startswith("allocate IPv") and fault.faultCode == 1100:
                    # A pool without members of the family (corpus pool.jsonl 139-140).
                    self.assertRegex(fault.faultString, r"^No prefixes (of family \d )?in pool$")
                    fault.faultCode = 1300
                self.assertIn(fault.faultCode, refused, f"step {step}: {what}: {fault}")
                refused[fault.faultCode] += 1
                what += f" (refused {fault.faultCode})"
            self.verify(f"step {step}: {what}")
        # The mix exercised both outcomes.
        self.assertGreater(refused[1200] + refused[1400], 0)
        self.assertGreater(len(self.expected), 0)


if __name__ == "__main__":
    harness.main()
