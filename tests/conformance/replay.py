#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays the NIPAP conformance corpus against a running prefixd.

    replay.py --url http://127.0.0.1:PORT --db NAME [--scenario NAME ...]
              [--deviations FILE] [--report FILE] [--corpus DIR] [--max-diffs N]

The corpus (corpus/*.jsonl, described in corpus/README.md) holds 2 232 HTTP
exchanges recorded from NIPAP's nipapd. For every scenario (one file) this
script resets the database with the README's SQL (psql, reaching the server
through the PG* environment), replays every exchange in order and compares
prefixd's response with the recorded one:

* status, the first Content-Type, the headers the record lists (Allow is
  compared as a set; Allow and WWW-Authenticate must be absent when the record
  does not list them; Content-Type must not repeat unless recorded so);
* the body: XML-RPC (text/xml) decoded with xmlrpc.client.loads and compared
  by value *and* type (int, string, boolean, nil, double, dateTime, base64,
  struct keys as sets, arrays in order); JSON by value and type; anything
  else as text.

Only what corpus/README.md lists as volatile is normalised: database ids
(three id spaces, paired by first appearance, see IdMap), the values of
`added` / `last_modified` (presence and format still checked), `expires` in
exchanges marked `volatile`, `inherited_tags` in exchanges marked `unordered`
(compared as multisets), the result of `version()` and the docstrings of
`system.methodHelp` (still a string), and the two kinds of known unstable
exchanges (Allow order; VRF rows with equal RT sort keys).

Deviations file (--deviations, default deviations.json next to this file):
a JSON list of objects, one per exchange prefixd answers differently on
purpose, each naming a decision of the spec's README:

    [
      {"scenario": "envelope_auth", "seq": [121, 122], "decision": 5,
       "reason": "Bearer tokens are refused until JWT support lands",
       "expect": {"fault_code": 1510}}
    ]

`seq` may also be a list of seqs sharing decision and reason. `expect` is
optional and constrains prefixd's answer: `status` (int), `fault_code`
(int), `fault_string` (exact text). A listed exchange whose response differs
from the recording (and meets `expect`) is reported as "deviation (decision
N)" and is not a failure. A listed exchange that matches the recording is a
failure ("stale deviation"), so the list cannot rot.

Exit status: 0 only when nothing failed, every database reset succeeded, the
deviations file is valid, and the number of exchanges replayed equals the
number in the selected corpus files (and is not zero).
"""
import argparse
import base64
import collections
import http.client
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.parse
import xml.parsers.expat
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "corpus")
DEFAULT_DEVIATIONS = os.path.join(HERE, "deviations.json")

PASSWORD = "gottatest"
WRONG_PASSWORD = "not-the-password"

# corpus/README.md, "Reset before every scenario" (each statement on its own).
RESET_SQL = [
    "DELETE FROM ip_net_plan WHERE type = 'host'",
    "DELETE FROM ip_net_plan WHERE masklen(prefix) = 32",
    "DELETE FROM ip_net_plan",
    "DELETE FROM ip_net_vrf WHERE id > 0",
    "UPDATE ip_net_vrf SET name = 'default', "
    "description = 'The default VRF, typically the Internet.', "
    "tags = '{}', avps = '', "
    "num_prefixes_v4 = 0, num_prefixes_v6 = 0, "
    "total_addresses_v4 = 0, total_addresses_v6 = 0, "
    "used_addresses_v4 = 0, used_addresses_v6 = 0, "
    "free_addresses_v4 = 0, free_addresses_v6 = 0 "
    "WHERE id = 0",
    "DELETE FROM ip_net_pool",
    "DELETE FROM ip_net_asn",
    "DELETE FROM ip_net_log",
]
# The README's fallback for a tree left inconsistent: delete by mask length
# from 128 down to 0, then the rest.
RESET_FALLBACK_SQL = ([f"DELETE FROM ip_net_plan WHERE masklen(prefix) = {n}" for n in range(128, -1, -1)]
                      + RESET_SQL[2:])

SPACES = ("vrf", "pool", "prefix")
FAMILY_SPACE = {"vrf": "vrf", "pool": "pool", "prefix": "prefix"}
# Request side: `id` inside the spec given under these keys.
SPEC_KEY_SPACE = {"vrf": "vrf", "pool": "pool", "from-pool": "pool", "prefix": "prefix"}
# `val2` of a query leaf whose val1 names an id column.
LEAF_ATTR_SPACE = {"vrf_id": "vrf", "pool_id": "pool"}
# REST query parameters that carry ids.
REST_PARAM_SPACE = {"id": "prefix", "parent_prefix": "prefix", "vrf_id": "vrf", "pool_id": "pool"}
# Ids inside texts (fault strings, REST error messages).
ID_TEXT_PATTERNS = [
    (re.compile(r"Duplicate value for 'prefix', the value '(\d+), "), "vrf"),
    (re.compile(r"Parent prefix (\d+) can not be found"), "prefix"),
    (re.compile(r"UPDATE ip_net_plan SET [^\n]*?WHERE id = (\d+)"), "prefix"),
]
TIMESTAMP_KEYS = ("added", "last_modified")
XMLRPC_TIME_RE = re.compile(r"^\d{8}T\d{2}:\d{2}:\d{2}$")
JSON_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?[+-]\d{2}:\d{2}$")
# corpus/README.md, "Known unstable exchanges": RTs whose sort keys coincide.
EQUAL_RT_SORT_KEYS = [{"1:2", "0.0.0.1:2"}, {"255.255.255.255:1", "9223372036854775807:1"}]
# Wire forms NIPAP never sends and clients other than Python's may reject.
FORBIDDEN_WIRE = [(b"<i8>", "<i8>"), (b"ex:nil", "<ex:nil/>")]


# --------------------------------------------------------------------------
# corpus

class CorpusError(Exception):
    pass


def load_corpus(corpus_dir, names=None):
    """Returns ({scenario: [records]}, {scenario: count} of the selected
    scenarios, {scenario: count} of all), after checking every file against
    the README's table."""
    readme = os.path.join(corpus_dir, "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    table = collections.OrderedDict(
        (m.group(1), int(m.group(2)))
        for m in re.finditer(r"^\| `([\w-]+)\.jsonl` \| +(\d+) \|", text, re.M))
    if not table:
        raise CorpusError(f"{readme}: no file table found")
    m = re.search(r"(\d[\d  ,]*) exchanges in (\d+) files", text)
    if m:
        total = int(re.sub(r"\D", "", m.group(1)))
        if total != sum(table.values()) or int(m.group(2)) != len(table):
            raise CorpusError(f"{readme}: table ({sum(table.values())} in {len(table)} files) "
                              f"disagrees with the stated total ({m.group(0)})")
    on_disk = sorted(f[:-6] for f in os.listdir(corpus_dir) if f.endswith(".jsonl"))
    if sorted(table) != on_disk:
        raise CorpusError(f"corpus files {on_disk} do not match the README's table {sorted(table)}")
    if names:
        unknown = [n for n in names if n not in table]
        if unknown:
            raise CorpusError(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(table)}")
        selected = [n for n in table if n in names]
    else:
        selected = list(table)
    corpus = collections.OrderedDict()
    for name in selected:
        path = os.path.join(corpus_dir, name + ".jsonl")
        with open(path, encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        if len(records) != table[name]:
            raise CorpusError(f"{path}: {len(records)} exchanges, README says {table[name]}")
        for i, r in enumerate(records, 1):
            if r.get("seq") != i or r.get("scenario") != name:
                raise CorpusError(f"{path}: record {i} has seq {r.get('seq')} scenario {r.get('scenario')}")
        corpus[name] = records
    return corpus, {n: table[n] for n in selected}, dict(table)


# --------------------------------------------------------------------------
# deviations

class Deviations:
    """The exchanges prefixd answers differently on purpose."""

    def __init__(self, entries=None):
        self.by_key = {}
        for e in entries or []:
            self.by_key[(e["scenario"], e["seq"])] = e

    @classmethod
    def load(cls, path, corpus_counts=None):
        """Parses and validates the file; corpus_counts ({scenario: n}) checks
        that every entry names an existing exchange."""
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except ValueError as e:
                raise CorpusError(f"{path}: not JSON: {e}") from None
        if isinstance(data, dict) and "deviations" in data:
            data = data["deviations"]
        if not isinstance(data, list):
            raise CorpusError(f"{path}: expected a JSON list of deviation entries")
        entries = []
        seen = set()
        for i, e in enumerate(data):
            where = f"{path}: entry {i + 1}"
            if not isinstance(e, dict):
                raise CorpusError(f"{where}: not an object")
            extra = set(e) - {"scenario", "seq", "decision", "reason", "expect", "step"}
            if extra:
                raise CorpusError(f"{where}: unknown key(s) {sorted(extra)}")
            scen, seqs, dec, reason = e.get("scenario"), e.get("seq"), e.get("decision"), e.get("reason")
            if not isinstance(scen, str):
                raise CorpusError(f"{where}: 'scenario' must be a string")
            if isinstance(seqs, int) and not isinstance(seqs, bool):
                seqs = [seqs]
            if not (isinstance(seqs, list) and seqs
                    and all(isinstance(s, int) and not isinstance(s, bool) for s in seqs)):
                raise CorpusError(f"{where}: 'seq' must be an int or a non-empty list of ints")
            if not (isinstance(dec, int) and not isinstance(dec, bool) and dec > 0):
                raise CorpusError(f"{where}: 'decision' must be the number of a spec/README.md decision")
            if not (isinstance(reason, str) and reason.strip() and "\n" not in reason):
                raise CorpusError(f"{where}: 'reason' must be a one-line text")
            expect = e.get("expect", {})
            if not isinstance(expect, dict) or set(expect) - {"status", "fault_code", "fault_string"}:
                raise CorpusError(f"{where}: 'expect' may hold status, fault_code, fault_string")
            for s in seqs:
                if corpus_counts is not None and scen in corpus_counts and not 1 <= s <= corpus_counts[scen]:
                    raise CorpusError(f"{where}: {scen} has no exchange {s}")
                if (scen, s) in seen:
                    raise CorpusError(f"{where}: {scen} seq {s} listed twice")
                seen.add((scen, s))
                entries.append({"scenario": scen, "seq": s, "decision": dec, "reason": reason.strip(),
                                "expect": expect})
        if corpus_counts is not None:
            for e in entries:
                if e["scenario"] not in corpus_counts:
                    raise CorpusError(f"{path}: unknown scenario {e['scenario']!r}")
        return cls(entries)

    def get(self, scenario, seq):
        return self.by_key.get((scenario, seq))


# --------------------------------------------------------------------------
# ids

def id_number(v):
    """The id an int or numeric string stands for; None for anything else."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"[0-9]+", v):
        return int(v)
    return None


class IdMap:
    """Recorded id -> prefixd id, per id space, paired by first appearance."""

    def __init__(self):
        self.fwd = {s: {} for s in SPACES}
        self.rev = {s: {} for s in SPACES}

    def lookup(self, space, recorded):
        if space == "vrf" and recorded == 0:
            return 0
        return self.fwd[space].get(recorded)

    def pair(self, space, recorded, got):
        """Pairs recorded with got; returns an error text or None."""
        if space == "vrf" and recorded == 0:
            return None
        if recorded in self.fwd[space]:
            if self.fwd[space][recorded] != got:
                return f"recorded {space} id {recorded} is paired with {self.fwd[space][recorded]}"
            return None
        if got in self.rev[space]:
            return (f"prefixd's {space} id {got} is already paired with recorded id "
                    f"{self.rev[space][got]}")
        if space == "vrf" and got == 0:
            return "prefixd answered the default VRF's id 0 for another VRF"
        self.fwd[space][recorded] = got
        self.rev[space][got] = recorded
        return None


def method_family(method):
    """vrf / pool / prefix / asn for NIPAP's data methods, else None."""
    if not isinstance(method, str):
        return None
    if method == "find_free_prefix":
        return "prefix"
    for fam in ("vrf", "pool", "prefix", "asn"):
        if method.endswith("_" + fam) and method.split("_")[0] in ("add", "list", "edit", "remove",
                                                                   "search", "smart"):
            return fam
    return None


class Leaf:
    """A scalar of a parsed request: its XML-RPC type, decoded value and the
    raw text chunks with their byte offsets (for in-place substitution)."""
    __slots__ = ("type", "value", "chunks")

    def __init__(self, type_, value, chunks):
        self.type, self.value, self.chunks = type_, value, chunks

    def __repr__(self):
        return f"Leaf({self.type}, {self.value!r})"


def scalar(v):
    return v.value if isinstance(v, Leaf) else v


def iter_id_slots(v, family, role, path=(), container=None):
    """Yields (path, space) for every scalar position of v holding an id.

    role is "request" (XML-RPC arguments, ids in specs selected by the key
    the spec is given under) or "response" (`id` of every object of the
    method's family). Everywhere: `vrf_id`, `pool_id`, `parent_prefix`, and
    `val2` of a query leaf whose val1 is `id`, `vrf_id` or `pool_id`."""
    if isinstance(v, dict):
        val1 = scalar(v.get("val1")) if ("val1" in v and "operator" in v) else None
        for k, x in v.items():
            if k == "avps":          # user data: arbitrary keys
                continue
            space = None
            if k == "vrf_id":
                space = "vrf"
            elif k == "pool_id":
                space = "pool"
            elif k == "parent_prefix":
                space = "prefix"
            elif k == "val2" and isinstance(val1, str):
                space = FAMILY_SPACE.get(family) if val1 == "id" else LEAF_ATTR_SPACE.get(val1)
            elif k == "id":
                space = SPEC_KEY_SPACE.get(container) if role == "request" else FAMILY_SPACE.get(family)
            if space and not isinstance(x, (dict, list)):
                yield path + (k,), space
            else:
                yield from iter_id_slots(x, family, role, path + (k,), k)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            yield from iter_id_slots(x, family, role, path + (i,), container)


# --------------------------------------------------------------------------
# requests: parsing with offsets, id substitution

class _Node:
    __slots__ = ("tag", "children", "chunks")

    def __init__(self, tag):
        self.tag, self.children, self.chunks = tag, [], []

    def text(self):
        return "".join(c for c, _ in self.chunks)

    def child(self, tag):
        for c in self.children:
            if c.tag == tag:
                return c
        return None


def _parse_xml(body):
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = False
    stack, roots = [], []

    def start(tag, attrs):
        n = _Node(tag.split(":")[-1])
        (stack[-1].children if stack else roots).append(n)
        stack.append(n)

    def end(tag):
        stack.pop()

    def chars(data):
        if stack:
            stack[-1].chunks.append((data, parser.CurrentByteIndex))

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.Parse(body, True)
    return roots[0] if roots else None


_INT_TYPES = {"int", "i1", "i2", "i4", "i8", "biginteger"}


def _value_of(node):
    elems = node.children
    if not elems:
        return Leaf("string", node.text(), node.chunks)
    t = elems[0]
    if t.tag == "struct":
        d = {}
        for m in t.children:
            if m.tag != "member":
                continue
            name, val = m.child("name"), m.child("value")
            if name is not None and val is not None:
                d[name.text()] = _value_of(val)
        return d
    if t.tag == "array":
        data = t.child("data")
        return [_value_of(c) for c in (data.children if data else []) if c.tag == "value"]
    text = t.text()
    value = text
    if t.tag in _INT_TYPES:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
    elif t.tag == "nil":
        value = None
    return Leaf(t.tag, value, t.chunks)


def parse_xmlrpc_request(body):
    """(method name, [params]) with Leaf scalars, or None if the body is not
    a parseable XML-RPC call."""
    try:
        root = _parse_xml(body)
    except xml.parsers.expat.ExpatError:
        return None
    if root is None or root.tag != "methodCall":
        return None
    name = root.child("methodName")
    params = root.child("params")
    values = []
    if params is not None:
        for p in params.children:
            if p.tag == "param" and p.child("value") is not None:
                values.append(_value_of(p.child("value")))
    return (name.text().strip() if name is not None else None), values


def _get(v, path):
    for k in path:
        v = v[k]
    return v


def _leaf_edit(body, leaf, new_number):
    """(offset, length, replacement bytes) replacing the digits of leaf."""
    digit_chunks = [(t, off) for t, off in leaf.chunks if t.strip()]
    if len(digit_chunks) != 1:
        return None
    text, off = digit_chunks[0]
    m = re.fullmatch(r"(\s*)([0-9]+)(\s*)", text)
    if not m or not text.isascii():
        return None
    raw = text.encode("ascii")
    if body[off:off + len(raw)] != raw:
        return None
    start = off + len(m.group(1).encode())
    return start, len(m.group(2)), str(new_number).encode()


def substitute_xmlrpc(body, idmap):
    """Returns (new body, method name, [(space, recorded, new)])."""
    parsed = parse_xmlrpc_request(body)
    if parsed is None:
        return body, None, []
    method, params = parsed
    family = method_family(method)
    if family is None:
        return body, method, []
    edits, done = [], []
    for path, space in iter_id_slots(params, family, "request"):
        leaf = _get(params, path)
        rec = id_number(leaf.value) if leaf.type in _INT_TYPES | {"string"} else None
        if rec is None:
            continue
        new = idmap.lookup(space, rec)
        if new is None or new == rec:
            continue
        edit = _leaf_edit(body, leaf, new)
        if edit:
            edits.append(edit)
            done.append((space, rec, new))
    for off, length, repl in sorted(edits, reverse=True):
        body = body[:off] + repl + body[off + length:]
    return body, method, done


def substitute_rest(path, body, idmap):
    """Ids in the query string (id, parent_prefix, vrf_id, pool_id) and in a
    JSON body (id, vrf_id, pool_id)."""
    done = []
    base, sep, query = path.partition("?")
    if sep:
        parts = []
        for piece in query.split("&"):
            name, eq, value = piece.partition("=")
            space = REST_PARAM_SPACE.get(urllib.parse.unquote_plus(name))
            rec = id_number(urllib.parse.unquote_plus(value)) if eq else None
            new = idmap.lookup(space, rec) if space and rec is not None else None
            if new is not None and new != rec:
                piece = f"{name}={new}"
                done.append((space, rec, new))
            parts.append(piece)
        path = base + "?" + "&".join(parts)
    if body:
        def repl(m):
            space = {"id": "prefix", "vrf_id": "vrf", "pool_id": "pool"}[m.group(2)]
            rec = int(m.group(4))
            new = idmap.lookup(space, rec)
            if new is None or new == rec:
                return m.group(0)
            done.append((space, rec, new))
            return m.group(1) + m.group(3) + str(new) + m.group(3)
        try:
            text = body.decode("utf-8")
            json.loads(text)
        except ValueError:
            return path, body, done
        text = re.sub(r'("(id|vrf_id|pool_id)"\s*:\s*)("?)([0-9]+)\3', repl, text)
        body = text.encode("utf-8")
    return path, body, done


def request_of(rec, idmap):
    """The request to send for a record: (method, path, headers, body,
    XML-RPC method name or None, substitutions)."""
    if rec.get("req_body") is None and rec.get("req_body_b64") is not None:
        body = base64.b64decode(rec["req_body_b64"])
    else:
        body = (rec.get("req_body") or "").encode("utf-8")
    path = rec["path"]
    if path.startswith("/rest/"):
        path, body, done = substitute_rest(path, body, idmap)
        xml_method = None
    else:
        body, xml_method, done = substitute_xmlrpc(body, idmap)
    headers = list(rec.get("req_headers", {}).items())
    if rec.get("auth_header") is not None:
        headers.append(("Authorization", rec["auth_header"]))
    elif rec.get("auth_user") is not None:
        password = PASSWORD if rec.get("auth_password_ok", True) else WRONG_PASSWORD
        token = base64.b64encode(f"{rec['auth_user']}:{password}".encode("utf-8")).decode("ascii")
        headers.append(("Authorization", f"{rec.get('auth_scheme', 'Basic')} {token}"))
    return rec["method"], path, headers, body, xml_method, done


class Response:
    def __init__(self, status, headers, body, error=None):
        self.status, self.headers, self.body, self.error = status, headers, body, error

    def header_values(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]


def send(host, port, method, path, headers, body, timeout=120):
    """One request on a fresh connection, without Accept-Encoding."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v.encode("utf-8") if not v.isascii() else v)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if body else None)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.getheaders(), data)
    except (OSError, http.client.HTTPException) as e:
        return Response(None, [], b"", error=f"{type(e).__name__}: {e}")
    finally:
        conn.close()


# --------------------------------------------------------------------------
# comparison

def type_name(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, xmlrpc.client.DateTime):
        return "dateTime"
    if isinstance(v, xmlrpc.client.Binary):
        return "base64"
    if isinstance(v, dict):
        return "struct"
    if isinstance(v, (list, tuple)):
        return "array"
    return type(v).__name__


def show(v, limit=100):
    if isinstance(v, xmlrpc.client.DateTime):
        s = f"dateTime {v.value}"
    elif isinstance(v, xmlrpc.client.Binary):
        s = f"base64 {base64.b64encode(v.data).decode()}"
    elif isinstance(v, (dict, list, tuple)):
        try:
            s = json.dumps(v, ensure_ascii=False, default=lambda o: show(o, limit))
        except (TypeError, ValueError):
            s = repr(v)
    elif isinstance(v, str):
        s = json.dumps(v, ensure_ascii=False)
    else:
        s = json.dumps(v) if v is None or isinstance(v, (bool, int, float)) else repr(v)
    if len(s) > limit:
        s = s[:limit - 3] + "..."
    return s


def same_scalar(e, g):
    if type(e) is not type(g):
        return False
    if isinstance(e, xmlrpc.client.DateTime):
        return e.value == g.value
    if isinstance(e, xmlrpc.client.Binary):
        return e.data == g.data
    if isinstance(e, float):
        return e == g or (math.isnan(e) and math.isnan(g))
    return e == g


def fmt_path(path):
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out or "."


class Diff:
    __slots__ = ("path", "expected", "got", "note")

    def __init__(self, path, expected, got, note=""):
        self.path, self.expected, self.got, self.note = path, expected, got, note

    def text(self):
        s = f"{self.path}: expected {self.expected}, got {self.got}"
        return s + (f" ({self.note})" if self.note else "")

    def as_dict(self):
        return {"path": self.path, "expected": self.expected, "got": self.got, "note": self.note}


def _typed(v):
    return f"{show(v)} ({type_name(v)})"


class Comparer:
    """Compares one recorded response with prefixd's, pairing ids."""

    def __init__(self, rec, idmap, xml_method=None):
        self.rec = rec
        self.idmap = idmap
        self.method = xml_method
        self.rest = rec["path"].startswith("/rest/")
        self.family = "prefix" if self.rest else method_family(xml_method)
        self.unordered = set(rec.get("unordered", []))
        self.volatile = set(rec.get("volatile", []))
        self.slots = {}
        self.diffs = []

    def add(self, path, expected, got, note=""):
        self.diffs.append(Diff(path if isinstance(path, str) else fmt_path(path), expected, got, note))

    # --- envelope -------------------------------------------------------
    def compare(self, resp):
        rec = self.rec
        if resp.error:
            self.add("transport", f"HTTP {rec['status']}", resp.error)
            return self.diffs
        if resp.status != rec["status"]:
            self.add("status", rec["status"], resp.status)
        cts = resp.header_values("Content-Type")
        got_ct = cts[0] if cts else None
        if got_ct != rec["resp_content_type"]:
            self.add("header Content-Type", show(rec["resp_content_type"]), show(got_ct))
        recorded_headers = {k.lower(): v for k, v in rec.get("resp_headers", {}).items()}
        if "content-type" in recorded_headers:
            if cts != recorded_headers["content-type"]:
                self.add("header Content-Type (all)", show(recorded_headers["content-type"]), show(cts))
        elif len(cts) > 1:
            self.add("header Content-Type (all)", "one Content-Type header", show(cts))
        for name in ("Allow", "WWW-Authenticate"):
            got = resp.header_values(name)
            exp = recorded_headers.get(name.lower())
            if exp is None:
                if got:
                    self.add(f"header {name}", "absent", show(got[0]))
                continue
            if not got:
                self.add(f"header {name}", show(exp), "absent")
            elif name == "Allow":
                es = {m.strip() for m in exp.split(",")}
                gs = {m.strip() for m in got[0].split(",")}
                if es != gs or len(got) > 1:
                    self.add("header Allow", show(exp), show(", ".join(got)), "compared as a set")
            elif got != [exp]:
                self.add(f"header {name}", show(exp), show(", ".join(got)))
        self.compare_body(resp.body)
        return self.diffs

    def compare_body(self, got_body):
        rec = self.rec
        if rec.get("resp_body_b64") is not None:
            exp_bytes = base64.b64decode(rec["resp_body_b64"])
            if exp_bytes != got_body:
                self.add("body", show(exp_bytes.decode("latin-1")), show(got_body.decode("latin-1")))
            return
        ct = (rec["resp_content_type"] or "").split(";")[0].strip().lower()
        if rec["resp_body"] == "":          # HEAD, OPTIONS: no body to decode
            ct = "empty"
        if ct == "text/xml":
            self.compare_xmlrpc(rec["resp_body"], got_body)
        elif ct == "application/json":
            self.compare_json(rec["resp_body"], got_body)
        else:
            try:
                got_text = got_body.decode("utf-8")
            except UnicodeDecodeError:
                got_text = got_body.decode("latin-1")
            if got_text != rec["resp_body"]:
                self.add("body", show(rec["resp_body"], 160), show(got_text, 160))

    # --- XML-RPC ----------------------------------------------------------
    @staticmethod
    def decode_xmlrpc(body):
        try:
            params, _ = xmlrpc.client.loads(body, use_builtin_types=False)
            return "result", params
        except xmlrpc.client.Fault as f:
            return "fault", (f.faultCode, f.faultString)
        except Exception as e:  # noqa: BLE001 - any decoding failure is a finding
            return "error", f"{type(e).__name__}: {e}"

    def compare_xmlrpc(self, exp_text, got_body):
        ekind, ev = self.decode_xmlrpc(exp_text.encode("utf-8"))
        gkind, gv = self.decode_xmlrpc(got_body)
        if ekind == "error":
            self.add("body", "decodable recorded XML-RPC", ev, "corpus problem")
            return
        for raw, label in FORBIDDEN_WIRE:
            if raw in got_body and raw not in exp_text.encode("utf-8"):
                self.add("wire", f"no {label}", f"{label} in the response")
        if gkind == "error":
            self.add("body", f"XML-RPC {ekind}", f"undecodable: {gv}; body {show(got_body.decode('utf-8', 'replace'), 120)}")
            return
        if ekind != gkind:
            exp = (f"fault {_typed(ev[0])} {show(ev[1])}" if ekind == "fault" else f"result {show(ev[0] if len(ev) == 1 else list(ev))}")
            got = (f"fault {_typed(gv[0])} {show(gv[1])}" if gkind == "fault" else f"result {show(gv[0] if len(gv) == 1 else list(gv))}")
            self.add("body", exp, got)
            return
        if ekind == "fault":
            self.compare_value(("fault", "faultCode"), ev[0], gv[0])
            self.compare_value(("fault", "faultString"), ev[1], gv[1])
            return
        if len(ev) != len(gv):
            self.add("params", f"{len(ev)} param(s)", f"{len(gv)} param(s)")
            return
        for i, (e, g) in enumerate(zip(ev, gv)):
            root = ("value",) if len(ev) == 1 else (f"param{i}",)
            if self.version_like(e, g, root):
                continue
            self.prepare(e, g, root)
            self.compare_value(root, e, g)

    def version_like(self, e, g, root):
        """version() and system.methodHelp texts: only the type is compared."""
        if self.method == "version" and isinstance(e, str):
            if not (isinstance(g, str) and g):
                self.add(root, "a non-empty version string", _typed(g), "version text is volatile")
            return True
        if self.method == "system.methodHelp" and isinstance(e, str):
            if e == "":
                if g != "":
                    self.add(root, _typed(e), _typed(g))
            elif not (isinstance(g, str) and g):
                self.add(root, "a non-empty help text", _typed(g), "help texts are volatile")
            return True
        return False

    # --- JSON -------------------------------------------------------------
    def compare_json(self, exp_text, got_body):
        try:
            ev = json.loads(exp_text)
        except ValueError as e:
            self.add("body", "recorded JSON", f"unparsable recording: {e}", "corpus problem")
            return
        try:
            gv = json.loads(got_body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.add("body", show(ev), f"not JSON ({e}): {show(got_body.decode('utf-8', 'replace'))}")
            return
        root = ("json",)
        self.prepare(ev, gv, root)
        self.compare_value(root, ev, gv)

    # --- values -------------------------------------------------------------
    def prepare(self, e, g, root):
        """Id slots of the expected value, and the unstable-row alignment."""
        if self.family is not None:
            self.slots = {root + p: s for p, s in iter_id_slots(e, self.family, "response")}
        if self.rec.get("unstable") and "sort key" in self.rec.get("note", ""):
            rows_e = e.get("result") if isinstance(e, dict) else e
            rows_g = g.get("result") if isinstance(g, dict) else g
            if isinstance(rows_e, list) and isinstance(rows_g, list):
                align_equal_key_rows(rows_e, rows_g)

    def compare_value(self, path, e, g):
        if path in self.slots:
            self.compare_id(path, self.slots[path], e, g)
            return
        if isinstance(e, dict):
            if not isinstance(g, dict):
                self.add(path, f"struct with keys {sorted(e)}", _typed(g))
                return
            missing = [k for k in e if k not in g]
            extra = [k for k in g if k not in e]
            if missing:
                self.add(path, "member(s) " + ", ".join(missing), "missing")
            if extra:
                self.add(path, "no member(s) " + ", ".join(extra), "present: " + ", ".join(
                    f"{k}={show(g[k], 40)}" for k in extra))
            for k in e:
                if k in g:
                    self.compare_member(path + (k,), k, e[k], g[k])
            return
        if isinstance(e, (list, tuple)):
            if not isinstance(g, (list, tuple)):
                self.add(path, f"array of {len(e)}", _typed(g))
                return
            if len(e) != len(g):
                self.add(path, f"array of {len(e)}", f"array of {len(g)}")
            for i, (x, y) in enumerate(zip(e, g)):
                self.compare_value(path + (i,), x, y)
            return
        if isinstance(e, str) and isinstance(g, str):
            e = self.map_ids_in_text(e, g)
        if not same_scalar(e, g):
            self.add(path, _typed(e), _typed(g))

    def compare_member(self, path, key, e, g):
        if key in TIMESTAMP_KEYS and isinstance(e, (xmlrpc.client.DateTime, str)):
            self.compare_timestamp(path, e, g)
        elif key == "expires" and "expires" in self.volatile:
            if type(e) is not type(g):
                self.add(path, f"any {type_name(e)}", _typed(g), "expires is volatile here")
        elif key == "inherited_tags" and "inherited_tags" in self.unordered \
                and isinstance(e, list) and isinstance(g, list) and path not in self.slots:
            if sorted(map(show, e)) != sorted(map(show, g)):
                self.add(path, show(e), show(g), "compared as a set")
        else:
            self.compare_value(path, e, g)

    def compare_timestamp(self, path, e, g):
        if isinstance(e, xmlrpc.client.DateTime):
            if not isinstance(g, xmlrpc.client.DateTime) or not XMLRPC_TIME_RE.match(g.value):
                self.add(path, "a naive dateTime.iso8601 (YYYYMMDDTHH:MM:SS)", _typed(g),
                         "value is volatile")
        elif not isinstance(g, str) or not JSON_TIME_RE.match(g):
            self.add(path, "an ISO 8601 time with offset and microseconds", _typed(g),
                     "value is volatile")

    def compare_id(self, path, space, e, g):
        rec = id_number(e)
        if rec is None:
            self.compare_plain(path, e, g)
            return
        mapped = self.idmap.lookup(space, rec)
        if mapped is None:
            got = id_number(g)
            if got is None or type(g) is not type(e):
                self.add(path, f"a {space} id ({type_name(e)}, recorded {e})", _typed(g))
                return
            err = self.idmap.pair(space, rec, got)
            if err:
                self.add(path, f"a new {space} id (recorded {e})", _typed(g), err)
            return
        exp = mapped if isinstance(e, int) else str(mapped)
        if not same_scalar(exp, g):
            self.add(path, _typed(exp), _typed(g), f"{space} id, recorded {e}")

    def compare_plain(self, path, e, g):
        if isinstance(e, str) and isinstance(g, str):
            e = self.map_ids_in_text(e, g)
        if not same_scalar(e, g):
            self.add(path, _typed(e), _typed(g))

    def map_ids_in_text(self, e, g):
        """Replaces the ids that ID_TEXT_PATTERNS find in the expected text
        by their paired ids (pairing with g's where new)."""
        edits = []
        for pattern, space in ID_TEXT_PATTERNS:
            gm = list(pattern.finditer(g))
            for i, m in enumerate(pattern.finditer(e)):
                rec = int(m.group(1))
                mapped = self.idmap.lookup(space, rec)
                if mapped is None:
                    if i >= len(gm):
                        continue
                    got = int(gm[i].group(1))
                    if self.idmap.pair(space, rec, got) is None:
                        mapped = got
                if mapped is not None and mapped != rec:
                    edits.append((m.start(1), m.end(1), str(mapped)))
        for start, end, repl in sorted(edits, reverse=True):
            e = e[:start] + repl + e[end:]
        return e


def align_equal_key_rows(rows_e, rows_g):
    """Reorders prefixd's VRF rows whose RT sort keys coincide into the
    recorded order (README: compare the rows of an equal key as a set)."""
    def rt(row):
        return row.get("rt") if isinstance(row, dict) else None

    for group in EQUAL_RT_SORT_KEYS:
        idx = [i for i, r in enumerate(rows_e) if rt(r) in group]
        if len(idx) < 2 or idx != list(range(idx[0], idx[0] + len(idx))) or idx[-1] >= len(rows_g):
            continue
        window = rows_g[idx[0]:idx[-1] + 1]
        if sorted(map(str, map(rt, window))) != sorted(map(str, (rt(rows_e[i]) for i in idx))):
            continue
        order = {rt(rows_e[i]): n for n, i in enumerate(idx)}
        rows_g[idx[0]:idx[-1] + 1] = sorted(window, key=lambda r: order[rt(r)])


# --------------------------------------------------------------------------
# outcome of one exchange

def judge(diffs, deviation, resp):
    """(outcome, note): pass / fail / deviation / stale-deviation."""
    if deviation is None:
        return ("pass", "") if not diffs else ("fail", "")
    label = f"decision {deviation['decision']}"
    if not diffs:
        return "stale-deviation", (f"listed as a deviation ({label}) but matches the recording: "
                                   "remove it from the deviations file")
    expect = deviation.get("expect") or {}
    problems = []
    if "status" in expect and resp.status != expect["status"]:
        problems.append(f"status {resp.status}, listed {expect['status']}")
    if "fault_code" in expect or "fault_string" in expect:
        kind, v = Comparer.decode_xmlrpc(resp.body)
        if kind != "fault":
            problems.append(f"no fault ({kind}), listed fault {expect.get('fault_code')}")
        else:
            if "fault_code" in expect and v[0] != expect["fault_code"]:
                problems.append(f"fault code {v[0]!r}, listed {expect['fault_code']}")
            if "fault_string" in expect and v[1] != expect["fault_string"]:
                problems.append(f"fault string {v[1]!r}, listed {expect['fault_string']!r}")
    if problems:
        return "fail", f"deviation ({label}) listed, but prefixd's answer is not the listed one: " + "; ".join(problems)
    return "deviation", f"deviation ({label}): {deviation['reason']}"


# --------------------------------------------------------------------------
# database reset

def reset_database(db):
    """Runs the README's reset; returns None or an error text."""
    def run(statements):
        sql = "".join(s + ";\n" for s in statements)
        return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-"],
                              input=sql, capture_output=True, text=True)
    try:
        r = run(RESET_SQL)
        if r.returncode == 0:
            return None
        r2 = run(RESET_FALLBACK_SQL)
        if r2.returncode == 0:
            return None
        return (r.stderr or r.stdout).strip() or f"psql exited with {r.returncode}"
    except OSError as e:
        return f"cannot run psql: {e}"


# --------------------------------------------------------------------------
# main

def replay(args, corpus, deviations, out=sys.stdout):
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        raise SystemExit(f"--url must be http://HOST:PORT, not {args.url!r}")
    host, port = url.hostname, url.port or 80
    results, scenario_stats = [], collections.OrderedDict()
    for name, records in corpus.items():
        t0 = time.monotonic()
        reset_error = reset_database(args.db)
        idmap = IdMap()
        stats = {"exchanges": 0, "passed": 0, "failed": 0, "deviations": 0, "reset_error": reset_error}
        scenario_stats[name] = stats
        lines = []
        for rec in records:
            method, path, headers, body, xml_method, _ = request_of(rec, idmap)
            resp = send(host, port, method, path, headers, body)
            cmp = Comparer(rec, idmap, xml_method)
            diffs = cmp.compare(resp)
            deviation = deviations.get(name, rec["seq"])
            outcome, note = judge(diffs, deviation, resp)
            stats["exchanges"] += 1
            stats[{"pass": "passed", "fail": "failed", "stale-deviation": "failed",
                   "deviation": "deviations"}[outcome]] += 1
            entry = {"scenario": name, "seq": rec["seq"], "step": rec["step"], "method": method,
                     "path": path, "outcome": outcome, "note": note,
                     "decision": deviation["decision"] if deviation else None,
                     "diffs": [d.as_dict() for d in diffs[:50]], "diff_count": len(diffs)}
            results.append(entry)
            if outcome in ("fail", "stale-deviation"):
                lines.append(f"  FAIL seq {rec['seq']} {rec['step']}  [{method} {path}]")
                if note:
                    lines.append(f"       {note}")
                for d in diffs[:args.max_diffs]:
                    lines.append(f"       {d.text()}")
                if len(diffs) > args.max_diffs:
                    lines.append(f"       ... {len(diffs) - args.max_diffs} more difference(s)")
            elif outcome == "deviation" and args.show_deviations:
                lines.append(f"  DEVIATION seq {rec['seq']} {rec['step']}: {note}")
        print(f"== {name}: {stats['exchanges']} exchanges: {stats['passed']} passed, "
              f"{stats['failed']} failed, {stats['deviations']} deviations "
              f"({time.monotonic() - t0:.1f}s)", file=out)
        if reset_error:
            first = reset_error.splitlines()[0] if reset_error.splitlines() else reset_error
            print(f"  RESET FAILED (responses below depend on it): {first}", file=out)
        for line in lines:
            print(line, file=out)
        out.flush()
    return results, scenario_stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="prefixd's base URL, http://127.0.0.1:PORT")
    ap.add_argument("--db", required=True, help="database prefixd uses (PG* environment gives host, port, user)")
    ap.add_argument("--scenario", nargs="+", metavar="NAME", help="replay only these scenarios")
    ap.add_argument("--deviations", default=DEFAULT_DEVIATIONS,
                    help="deviations file (default: deviations.json next to this script)")
    ap.add_argument("--report", help="write a JSON report to this file")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help=argparse.SUPPRESS)
    ap.add_argument("--max-diffs", type=int, default=8, help="differences printed per failing exchange")
    ap.add_argument("--show-deviations", action="store_true", help="print every deviation, not only counts")
    args = ap.parse_args(argv)

    problems = []
    try:
        corpus, counts, all_counts = load_corpus(args.corpus, args.scenario)
    except CorpusError as e:
        print(f"corpus: {e}", file=sys.stderr)
        return 2
    try:
        deviations = Deviations.load(args.deviations, all_counts) if args.deviations else Deviations()
    except (CorpusError, OSError) as e:
        print(f"deviations: {e}", file=sys.stderr)
        return 2

    results, stats = replay(args, corpus, deviations)

    expected_total = sum(counts.values())
    replayed = sum(s["exchanges"] for s in stats.values())
    passed = sum(s["passed"] for s in stats.values())
    failed = sum(s["failed"] for s in stats.values())
    devs = sum(s["deviations"] for s in stats.values())
    if replayed != expected_total or replayed == 0:
        problems.append(f"replayed {replayed} exchanges, the corpus files hold {expected_total}")
    for name, s in stats.items():
        if s["reset_error"]:
            problems.append(f"database reset failed before {name}")
    if args.report:
        report = {"url": args.url, "database": args.db, "corpus_exchanges": expected_total,
                  "replayed": replayed, "passed": passed, "failed": failed, "deviations": devs,
                  "problems": problems, "scenarios": stats, "exchanges": results}
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, ensure_ascii=False)
    print(f"replayed {replayed} of {expected_total} exchanges: {passed} matched the recording, "
          f"{devs} listed deviations, {failed} failed")
    for p in problems:
        print(f"ERROR: {p}")
    print(f"{passed + devs} passed, {failed} failed")
    return 0 if failed == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
