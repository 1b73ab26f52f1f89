# SPDX-License-Identifier: MIT
"""XML-RPC bytes on the wire (spec/xmlrpc.md §1): raw requests posted with
http.client and the response text inspected, not decoded by a client that
forgives. Output vocabulary (§1.1, §4): no <i8>, plain <nil/>, 17-character
dateTime in the database's time zone (spec/README.md decision 6), counters
as <string>, the types of every key of every object shape. Faults for
malformed XML and unknown methods (§1.3), introspection (§1.4). Input as
Java (Apache XML-RPC), pynipap and hand-written clients send it (§1.2):
<i4>/<int>/<i8>/<ex:i8>/<i1>/<i2>/<biginteger>, bare <value>text</value>,
<nil/> and <ex:nil/>, empty structs and arrays, unicode, encodings,
pretty-printed XML."""
import re
import xml.etree.ElementTree as ET

import harness
from harness import AUTH, post_xml, wire_problems, xml_call

ZONE, OFFSET = "Asia/Kolkata", "+05:30"  # no DST, not a whole hour: a wrong zone shows
APACHE_NS = 'xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"'
COUNTERS = {
    "vrf": {f"{c}_v{f}" for c in ("num_prefixes", "total_addresses", "used_addresses",
                                  "free_addresses") for f in (4, 6)},
    "pool": {f"{c}_v{f}" for c in ("member_prefixes", "used_prefixes", "free_prefixes",
                                   "total_prefixes", "total_addresses", "used_addresses",
                                   "free_addresses") for f in (4, 6)},
    "prefix": {"total_addresses", "used_addresses", "free_addresses"},
}
# Key -> allowed wire types, per object shape (xmlrpc.md §4.3).
VRF_TYPES = {"id": {"int"}, "rt": {"string", "nil"}, "name": {"string"},
             "description": {"string", "nil"}, "tags": {"array"}, "avps": {"struct"},
             **{k: {"string"} for k in COUNTERS["vrf"]}}
POOL_TYPES = {"id": {"int"}, "name": {"string"}, "description": {"string", "nil"},
              "default_type": {"string", "nil"}, "ipv4_default_prefix_length": {"int", "nil"},
              "ipv6_default_prefix_length": {"int", "nil"}, "tags": {"array"}, "avps": {"struct"},
              "vrf_id": {"int", "nil"}, "vrf_rt": {"string", "nil"}, "vrf_name": {"string", "nil"},
              "prefixes": {"array", "nil"}, **{k: {"string", "nil"} for k in COUNTERS["pool"]}}
PREFIX_LIST_TYPES = {
    "id": {"int"}, "vrf_id": {"int"}, "vrf_rt": {"string", "nil"}, "vrf_name": {"string", "nil"},
    "family": {"int"}, "prefix": {"string"}, "display_prefix": {"string"},
    "type": {"string"}, "status": {"string"}, "indent": {"int"}, "tags": {"array"},
    "inherited_tags": {"array"}, "avps": {"struct"}, "authoritative_source": {"string"},
    "monitor": {"boolean", "nil"}, "vlan": {"int", "nil"}, "pool_id": {"int", "nil"},
    "added": {"dateTime.iso8601"}, "last_modified": {"dateTime.iso8601"},
    "expires": {"dateTime.iso8601", "nil"},
    **{k: {"string", "nil"} for k in ("description", "comment", "node", "pool_name", "country",
                                      "order_id", "customer_id", "external_key",
                                      "alarm_priority")},
    **{k: {"string"} for k in COUNTERS["prefix"]}}
PREFIX_SEARCH_TYPES = {**PREFIX_LIST_TYPES, "prefix_length": {"int"}, "children": {"int"},
                       "match": {"boolean"}, "display": {"boolean", "nil"}}
ASN_TYPES = {"asn": {"int"}, "name": {"string", "nil"}}


def typed(value):
    """A <value> element as (wire type, content): bare text is a string."""
    inner = list(value)
    if not inner:
        return "string", value.text or ""
    el = inner[0]
    if el.tag == "struct":
        return "struct", {m.find("name").text: typed(m.find("value")) for m in el.findall("member")}
    if el.tag == "array":
        return "array", [typed(v) for v in el.find("data").findall("value")]
    if el.tag == "nil":
        return "nil", None
    return el.tag, el.text or ""


def response(body):
    """The typed result of a methodResponse, or ("fault", (code text, string))."""
    root = ET.fromstring(body)
    fault = root.find("fault")
    if fault is not None:
        kind, members = typed(fault.find("value"))
        assert kind == "struct" and set(members) == {"faultCode", "faultString"}, members
        assert members["faultCode"][0] == "int" and members["faultString"][0] == "string", members
        return "fault", (int(members["faultCode"][1]), members["faultString"][1])
    [value] = root.findall("params/param/value")
    return typed(value)


def auth_member(source="nipap"):
    return member("auth", f"<struct>{member('authoritative_source', source)}</struct>")


def member(name, value_xml):
    return f"<member><name>{name}</name><value>{value_xml}</value></member>"


def struct(**members):
    return "<struct>" + "".join(member(k, v) for k, v in members.items()) + "</struct>"


def method_call(method, *params_xml, prologue="<?xml version='1.0'?>"):
    params = "".join(f"<param><value>{p}</value></param>" for p in params_xml)
    return (f"{prologue}<methodCall><methodName>{method}</methodName><params>{params}</params>"
            "</methodCall>")


def api_call(method, prologue="<?xml version='1.0'?>", **args_xml):
    """A call whose one struct holds the auth struct and the given members."""
    return method_call(method, "<struct>" + auth_member() + "".join(
        member(k, v) for k, v in args_xml.items()) + "</struct>", prologue=prologue)


class Wire(harness.ApiTestCase):
    database = "wire"
    workers = 2

    @classmethod
    def prepare_database(cls):
        cls.db.env.pop("PGTZ", None)
        cls.db.sql(f"ALTER DATABASE \"{cls.db.name}\" SET timezone = '{ZONE}'")

    def setUp(self):
        self.db.sql("DELETE FROM ip_net_plan WHERE type = 'host'; DELETE FROM ip_net_plan; "
                    "DELETE FROM ip_net_pool; DELETE FROM ip_net_vrf WHERE id > 0; "
                    "DELETE FROM ip_net_asn")

    def post(self, body, user="unittest", path="/XMLRPC"):
        """Posts raw bytes; checks the HTTP envelope and the output vocabulary;
        returns (raw text, typed result)."""
        status, headers, text = post_xml(self.daemon.port, body, user=user, path=path)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/xml")
        self.assertEqual(wire_problems(text), [], text[:3000])
        return text, response(text)

    def call(self, method, *params, user="unittest"):
        """Marshals like pynipap (xmlrpc.client.dumps, allow_none) and posts."""
        text = xml_call(self.daemon.port, method, *params, user=user)
        self.assertEqual(wire_problems(text), [], text[:3000])
        return text, response(text)

    def assert_shape(self, value, types, what):
        kind, members = value
        self.assertEqual(kind, "struct", what)
        self.assertEqual(set(members), set(types), what)
        for key, (wire_type, _) in members.items():
            self.assertIn(wire_type, types[key], f"{what}.{key}")

    # --- output ------------------------------------------------------------

    def test_every_object_shape_has_its_wire_types(self):
        p = self.p
        vrf = p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:1", "name": "w"}})
        pool = p.add_pool({"auth": AUTH, "attr": {"name": "wp", "description": None,
                                                   "default_type": None,
                                                   "ipv6_default_prefix_length": 64}})
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "::/0", "type": "reservation",
                                             "description": "everything", "pool_id": pool["id"],
                                             "vrf_id": vrf["id"], "vlan": 7, "monitor": True}})
        p.add_prefix({"auth": AUTH, "attr": {"prefix": "2001:db8::/64", "type": "assignment",
                                             "description": "a", "vrf_id": vrf["id"]}})
        p.add_asn({"auth": AUTH, "attr": {"asn": 2147483647}})
        auth = {"auth": AUTH}
        _, (_, vrfs) = self.call("list_vrf", auth)
        for v in vrfs:
            self.assert_shape(v, VRF_TYPES, "VRF")
        _, (_, [pool_value]) = self.call("list_pool", auth)
        self.assert_shape(pool_value, POOL_TYPES, "pool")
        _, (_, prefixes) = self.call("list_prefix", auth)
        for x in prefixes:
            self.assert_shape(x, PREFIX_LIST_TYPES, "prefix (list)")
        query = {"operator": "contained_within_equals", "val1": "prefix", "val2": "::/0"}
        _, (_, found) = self.call("search_prefix", {**auth, "query": query})
        self.assertEqual(len(found["result"][1]), 2)
        for x in found["result"][1]:
            self.assert_shape(x, PREFIX_SEARCH_TYPES, "prefix (search)")
        _, (_, [asn]) = self.call("list_asn", auth)
        self.assert_shape(asn, ASN_TYPES, "ASN")
        # Counts beyond 32 bits are decimal strings (xmlrpc.md §4.1) ...
        [ours] = [v[1] for v in vrfs if v[1]["id"] == ("int", str(vrf["id"]))]
        self.assertEqual(ours["total_addresses_v6"], ("string", str(2 ** 128)))
        self.assertEqual(ours["used_addresses_v6"], ("string", str(2 ** 64)))
        self.assertEqual(ours["num_prefixes_v4"], ("string", "0"))
        self.assertEqual(pool_value[1]["free_prefixes_v6"], ("string", str(2 ** 64 - 1)))
        self.assertEqual(pool_value[1]["free_prefixes_v4"], ("nil", None))
        # ... and an int at the 32-bit limit is still an <int>.
        self.assertEqual(asn[1]["asn"], ("int", "2147483647"))

    def test_nil_is_plain(self):
        self.p.add_asn({"auth": AUTH, "attr": {"asn": 1}})
        text, value = self.call("remove_asn", {"auth": AUTH, "asn": {"asn": 1}})
        self.assertEqual(value, ("nil", None))
        self.assertIn("<value><nil/></value>", text)
        text, _ = self.call("list_vrf", {"auth": AUTH, "vrf": {"id": 0}})
        self.assertRegex(text, r"<name>rt</name>\s*<value><nil/></value>")
        self.assertNotIn("nil>", text.replace("<nil/>", ""))  # no <nil></nil>, no <ex:nil>

    def test_integers_beyond_32_bits_are_never_sent_as_i8(self):
        # spec/xmlrpc.md §1.1: an unencodable result is Fault 1, as upstream.
        text, value = self.post(api_call("echo", message="<i8>2147483648</i8>"))
        self.assertEqual(value, ("fault", (1, "<class 'OverflowError'>:int exceeds XML-RPC "
                                              "limits")))
        _, value = self.post(api_call("echo", message="<i8>-2147483648</i8>"))
        self.assertEqual(value, ("int", "-2147483648"))
        # Upstream bug §7 #9 (echoed options unencodable): refused up front.
        options = struct(max_result="<i8>2147483648</i8>")
        _, value = self.post(api_call("search_vrf", query="<struct/>", search_options=options))
        self.assertEqual(value[0], "fault")
        self.assertEqual(value[1][0], 1200)
        self.assertIn("max_result", value[1][1])

    def test_datetime_form_and_time_zone(self):
        # Decision 6: naive wall-clock time in the database's time zone, both ways.
        a = self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.0.0.0/8", "type": "reservation",
                                                      "description": "r",
                                                      "expires": "2030-01-01 12:00:00"}})
        text, (_, rows) = self.call("list_prefix", {"auth": AUTH, "prefix": {"id": a["id"]}})
        stamps = re.findall(r"<dateTime\.iso8601>([^<]*)</dateTime\.iso8601>", text)
        self.assertEqual(len(stamps), 3)  # added, last_modified, expires
        self.assertTrue(all(len(s) == 17 for s in stamps), stamps)
        self.assertEqual(rows[0][1]["expires"], ("dateTime.iso8601", "20300101T12:00:00"))
        self.assertEqual(self.db.sql(f"SELECT expires = '2030-01-01 12:00:00{OFFSET}' "
                                     f"FROM ip_net_plan WHERE id = {a['id']}"), "t")
        added = self.db.sql(f"SELECT to_char(added AT TIME ZONE '{ZONE}', "
                            f"'YYYYMMDD\"T\"HH24:MI:SS') FROM ip_net_plan WHERE id = {a['id']}")
        self.assertEqual(rows[0][1]["added"], ("dateTime.iso8601", added))
        # A <dateTime.iso8601> input is read in the same zone (xmlrpc.md §5.4.4).
        attr = struct(prefix="11.0.0.0/8", type="reservation", description="d",
                      expires="<dateTime.iso8601>20300102T03:04:05</dateTime.iso8601>")
        text, (_, created) = self.post(api_call("add_prefix", attr=attr))
        self.assertIn("<dateTime.iso8601>20300102T03:04:05</dateTime.iso8601>", text)
        self.assertEqual(self.db.sql(f"SELECT expires = '2030-01-02 03:04:05{OFFSET}' FROM "
                                     f"ip_net_plan WHERE id = {created['id'][1]}"), "t")
        # expires at infinity is nil (§4.2).
        self.p.edit_prefix({"auth": AUTH, "prefix": {"id": a["id"]}, "attr": {"expires": None}})
        _, (_, rows) = self.call("list_prefix", {"auth": AUTH, "prefix": {"id": a["id"]}})
        self.assertEqual(rows[0][1]["expires"], ("nil", None))

    def test_only_markup_characters_are_escaped(self):
        name = "a<b>&\"c' \u00e5 \u2713 \U0001F600"
        self.p.add_vrf({"auth": AUTH, "attr": {"rt": "1:1", "name": name}})
        text, _ = self.call("list_vrf", {"auth": AUTH, "vrf": {"rt": "1:1"}})
        # UTF-8 as is; only &, <, > as entities (§1.1).
        self.assertIn("<string>a&lt;b&gt;&amp;\"c' \u00e5 \u2713 \U0001F600</string>", text)

    # --- faults --------------------------------------------------------------

    def test_malformed_xml_is_fault_1_with_the_expat_text(self):
        for body in [method_call("version", "<struct>"),  # truncated
                     "garbage", "", "<methodCall><methodName>version</methodName></params>",
                     "<?xml version='1.0'?><methodCall>\x01</methodCall>"]:
            with self.subTest(body=body):
                text, value = self.post(body)
                self.assertEqual(value[0], "fault")
                code, message = value[1]
                self.assertEqual(code, 1)  # not xmlrpc-c's -503
                self.assertRegex(message, r"^<class 'xml\.parsers\.expat\.ExpatError'>:.+: "
                                          r"line \d+, column \d+$")
                self.assertIn("&lt;class 'xml.parsers.expat.ExpatError'&gt;:", text)
        # Malformed XML from a user whose password is wrong: still the parse fault.
        _, value = self.post("garbage", user="nosuchuser")
        self.assertEqual(value[1][0], 1)

    def test_unknown_methods_are_fault_1_with_nipaps_text(self):
        for method, user in [("foo", "unittest"), ("system.multicall", "unittest"),
                             ("list_vrfs", None), ("", "unittest")]:
            with self.subTest(method=method):
                params = ("<array><data><value><struct/></value></data></array>"
                          if method == "system.multicall" else "<struct/>")
                text, value = self.post(method_call(method, params), user=user)
                # not xmlrpc-c's -506
                self.assertEqual(value, ("fault", (1, f"<class 'Exception'>:method \"{method}\" "
                                                      "is not supported")))
                self.assertIn(f"&lt;class 'Exception'&gt;:method \"{method}\" is not supported",
                              text)

    # --- introspection ------------------------------------------------------

    def test_introspection_without_credentials_or_argument_struct(self):
        body = "<?xml version='1.0'?><methodCall><methodName>system.listMethods</methodName>" \
               "</methodCall>"
        _, (kind, listed) = self.post(body, user=None, path="/RPC2")
        self.assertEqual(kind, "array")
        self.assertEqual({t for t, _ in listed}, {"string"})
        names = [n for _, n in listed]
        self.assertEqual(names, sorted(names))
        self.assertLessEqual({"system.listMethods", "system.methodHelp", "system.methodSignature",
                              "echo", "version", "db_version"}, set(names))
        self.assertNotIn("system.multicall", names)
        self.assertEqual(len(names), 32)
        for name in names:
            with self.subTest(name=name):
                _, (kind, help_text) = self.post(method_call("system.methodHelp",
                                                             f"<string>{name}</string>"),
                                                 user=None)
                self.assertEqual(kind, "string")
                self.assertTrue(help_text.strip())
                _, value = self.post(method_call("system.methodSignature", name), user=None)
                self.assertEqual(value, ("string", "signatures not supported"))
        _, value = self.post(method_call("system.methodHelp", "nosuchmethod"), user=None)
        self.assertEqual(value, ("string", ""))

    # --- input ---------------------------------------------------------------

    def test_java_style_request(self):
        # Apache XML-RPC: a declared encoding, bare <value> strings, <i4>,
        # <ex:i8> and <ex:nil/> with its namespace, empty arrays and structs.
        attr = ("<struct>" + member("name", "J\u00e4va pool \U0001F600") + member("description", "")
                + member("default_type", "assignment")
                + member("ipv4_default_prefix_length", "<i4>24</i4>")
                + member("ipv6_default_prefix_length", f"<ex:i8 {APACHE_NS}>64</ex:i8>")
                + member("tags", "<array><data></data></array>")
                + member("avps", "<struct></struct>") + "</struct>")
        body = api_call("add_pool", prologue='<?xml version="1.0" encoding="UTF-8"?>', attr=attr)
        _, (_, pool) = self.post(body.encode("utf-8"))
        self.assertEqual(pool["name"], ("string", "J\u00e4va pool \U0001F600"))
        self.assertEqual((pool["ipv4_default_prefix_length"], pool["ipv6_default_prefix_length"]),
                         (("int", "24"), ("int", "64")))
        self.assertEqual(self.db.sql("SELECT description = '' FROM ip_net_pool"), "t")
        spec = struct(id=f"<i4>{pool['id'][1]}</i4>")
        attr = struct(description=f"<ex:nil {APACHE_NS}/>",
                      ipv4_default_prefix_length="<int>26</int>")
        _, (_, [edited]) = self.post(api_call("edit_pool", pool=spec, attr=attr))
        self.assertEqual((edited[1]["description"], edited[1]["ipv4_default_prefix_length"]),
                         (("nil", None), ("int", "26")))

    def test_integer_forms(self):
        for n, form in enumerate(["<i4>{}</i4>", "<int>{}</int>", "<i8>{}</i8>", "<i1>{}</i1>",
                                  "<i2>{}</i2>", "<biginteger>{}</biginteger>",
                                  f"<ex:i8 {APACHE_NS}>{{}}</ex:i8>"], start=1):
            with self.subTest(form=form):
                _, (_, created) = self.post(api_call("add_asn", attr=struct(
                    asn=form.format(n), name=f"as{n}")))
                self.assertEqual(created, {"asn": ("int", str(n)), "name": ("string", f"as{n}")})
                _, (_, found) = self.post(api_call("list_asn", asn=struct(asn=form.format(n))))
                self.assertEqual(len(found), 1)
        _, value = self.post(api_call("remove_asn", asn=struct(asn="<i8>3</i8>")))
        self.assertEqual(value, ("nil", None))
        self.assertEqual(self.db.sql("SELECT string_agg(asn::text, ',' ORDER BY asn) "
                                     "FROM ip_net_asn"), "1,2,4,5,6,7")

    def test_pynipap_style_nil_and_empty_structs(self):
        # xmlrpc.client with allow_none: <nil/> for None, <struct></struct> for {}.
        _, (_, created) = self.call("add_prefix", {"auth": AUTH, "attr": {
            "prefix": "10.0.0.0/8", "type": "reservation", "description": "r", "vrf_id": None,
            "comment": None, "tags": [], "avps": {}}})
        self.assertEqual(created["vrf_id"], ("int", "0"))
        self.assertEqual(created["comment"], ("nil", None))
        for spec in ("<nil/>", "<struct></struct>", "<struct/>", f"<ex:nil {APACHE_NS}/>"):
            with self.subTest(spec=spec):
                _, (_, rows) = self.post(api_call("list_prefix", prefix=spec))
                self.assertEqual([r[1]["prefix"] for r in rows], [("string", "10.0.0.0/8")])
                _, (_, vrfs) = self.post(api_call("list_vrf", vrf=spec))
                self.assertEqual([v[1]["id"] for v in vrfs], [("int", "0")])
        _, value = self.post(api_call("search_vrf", query="<struct/>"))
        self.assertEqual(len(value[1]["result"][1]), 1)

    def test_bare_values_unicode_and_encodings(self):
        # A bare <value>text</value> is a string, an empty one is ''; text
        # arrives as UTF-8, as character references, or in a declared
        # encoding.
        attr = struct(rt="65000:7", name="n\u00e4me \U0001F600 &#8364;", description="")
        text, (_, vrf) = self.post(api_call("add_vrf", attr=attr).encode("utf-8"))
        self.assertEqual((vrf["name"], vrf["description"]),
                         (("string", "n\u00e4me \U0001F600 \u20ac"), ("string", "")))
        self.assertIn("<string>n\u00e4me \U0001F600 \u20ac</string>", text)  # UTF-8, not &#...;
        body = api_call("echo", prologue='<?xml version="1.0" encoding="ISO-8859-1"?>',
                        message="<string>\u00e5\u00e4\u00f6</string>")
        _, value = self.post(body.encode("latin-1"))
        self.assertEqual(value, ("string", "\u00e5\u00e4\u00f6"))
        _, value = self.post(api_call("echo", message="<string></string>"))
        self.assertEqual(value, ("string", ""))
        _, value = self.post(api_call("echo", message="<boolean>2</boolean>"))
        self.assertEqual(value, ("fault", (1, "<class 'TypeError'>:bad boolean value")))

    def test_pretty_printed_request(self):
        body = """<?xml version="1.0"?>
<methodCall>
  <methodName>add_asn</methodName>
  <params>
    <param>
      <value>
        <struct>
          <member>
            <name>auth</name>
            <value><struct><member><name>authoritative_source</name>
              <value><string>nipap</string></value></member></struct></value>
          </member>
          <member>
            <name>attr</name>
            <value>
              <struct>
                <member><name>asn</name><value><int>64500</int></value></member>
                <member><name>name</name><value><string>pretty</string></value></member>
              </struct>
            </value>
          </member>
        </struct>
      </value>
    </param>
  </params>
</methodCall>
"""
        _, value = self.post(body)
        self.assertEqual(value, ("struct", {"asn": ("int", "64500"), "name": ("string", "pretty")}))


if __name__ == "__main__":
    harness.main()
