# SPDX-License-Identifier: MIT
"""Smart search end to end (spec/search.md §4) with Python's xmlrpc.client:
smart_search_vrf, _pool, _prefix and _asn over a small data set, each query
checked for exactly the objects it returns, in order, and for the whole
`interpretation` tree; search_options, extra_query, failed parses and the
faults for bad arguments."""
import harness
from harness import AUTH

# ---- expected interpretation trees (search.md §4.4-§4.9) ---------------------


def rm(attribute, s):
    return {"operator": "regex_match", "val1": attribute, "val2": s}


def interpreted(node, **interpretation):
    return {**node, "interpretation": interpretation}


def prefix_text(s):  # §4.5
    tree = {"operator": "or",
            "val1": {"operator": "or",
                     "val1": {"operator": "or",
                              "val1": {"operator": "or", "val1": rm("comment", s),
                                       "val2": rm("description", s)},
                              "val2": rm("node", s)},
                     "val2": rm("order_id", s)},
            "val2": rm("customer_id", s)}
    return interpreted(tree, string=s, interpretation="text", operator="regex", error=False,
                       attribute="description or comment or node or order_id or customer_id")


def vrf_text(s):  # §4.7
    tree = {"operator": "or",
            "val1": {"operator": "or", "val1": rm("name", s), "val2": rm("description", s)},
            "val2": rm("rt", s)}
    return interpreted(tree, string=s, interpretation="text", operator="regex", error=False,
                       attribute="vrf or name or description")


def pool_text(s):  # §4.7
    tree = {"operator": "or", "val1": rm("name", s), "val2": rm("description", s)}
    return interpreted(tree, string=s, interpretation="text", operator="regex", error=False,
                       attribute="name or description")


def prefix_tag(t):  # §4.5: own or inherited tag
    tree = {"operator": "or",
            "val1": {"operator": "equals_any", "val1": "tags", "val2": t},
            "val2": {"operator": "equals_any", "val1": "inherited_tags", "val2": t}}
    return interpreted(tree, string="#" + t, interpretation="(inherited) tag", attribute="tag",
                       operator="equals_any", error=False)


def tag(t):  # §4.7
    return interpreted({"operator": "equals_any", "val1": "tags", "val2": t}, string="#" + t,
                       interpretation="tag", attribute="tag", operator="equals_any", error=False)


def boolean(op, a, b):  # §4.4
    return interpreted({"operator": op, "val1": a, "val2": b}, interpretation=op, operator=op,
                       error=False)


def expression(attribute, op, value, error=None):  # §4.6
    extra = {"error": True, "error_message": error} if error else {"error": False}
    return interpreted({"operator": op, "val1": attribute, "val2": value},
                       string=attribute + op + value, interpretation="expression",
                       attribute=attribute, operator=op, **extra)


def prefix_leaf(s, kind, op, value, **extra):  # §4.5
    return interpreted({"operator": op, "val1": "prefix", "val2": value}, string=s,
                       interpretation=kind, attribute="prefix", operator=op, error=False, **extra)


def vrf_rt(s):  # §4.5
    return interpreted({"operator": "equals", "val1": "vrf_rt", "val2": s}, string=s,
                       interpretation="vrf_rt", attribute="VRF RT", operator="equals", error=False)


def asn_number(s):  # §4.8
    return interpreted({"operator": "equals", "val1": "asn", "val2": s}, string=s,
                       interpretation="asn", attribute="asn", operator="equals")


def asn_text(s):  # §4.8
    return interpreted({"operator": "regex_match", "val1": "name", "val2": s}, string=s,
                       interpretation="text", attribute="name", operator="regex")


def asn_and(newer, older):  # §4.8: right-nested, newest first
    return interpreted({"operator": "and", "val1": newer, "val2": older}, interpretation="and",
                       operator="and")


def failure_tree(text, message):  # §4.2
    return interpreted({"operator": None, "val1": None, "val2": None}, interpretation=None,
                       string=text, attribute="text", operator=None, error=True,
                       error_message=message)


PREFIX_OPTIONS = {"include_all_parents": False, "include_all_children": False,
                  "parents_depth": 0, "children_depth": 0, "include_neighbors": False,
                  "max_result": 50, "offset": 0, "parent_prefix": None}
OPTIONS = {"max_result": 50, "offset": 0}

# Every prefix of the data set in search order (§3.6: VRF sort key, then prefix).
ALL_PREFIXES = ["10.0.0.0/8", "10.1.0.0/16", "10.1.1.0/24", "10.1.1.1/32", "10.2.0.0/16",
                "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::1/128", "192.168.1.0/24"]


class SmartSearch(harness.ApiTestCase):
    database = "smart_search"
    workers = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.p
        for rt, name, description, tags in [
                ("65000:1", "core", "Core network VRF", ["backbone", "prod"]),
                ("65000:2", "customer-a", "Customer A, östra regionen", ["cust"]),
                ("65001:10", "lab", "Lab with test gear", ["lab"])]:
            p.add_vrf({"auth": AUTH, "attr": {"rt": rt, "name": name, "description": description,
                                              "tags": tags}})
        for name, description, default_type, v4, v6, tags in [
                ("core-pool", "Core loopbacks", "host", 32, 128, ["backbone"]),
                ("customer-pool", "Customer assignments", "assignment", 29, 64, ["cust"]),
                ("lab-pool", "Lab reservations", "reservation", 24, 48, [])]:
            p.add_pool({"auth": AUTH, "attr": {"name": name, "description": description,
                                               "default_type": default_type,
                                               "ipv4_default_prefix_length": v4,
                                               "ipv6_default_prefix_length": v6, "tags": tags}})
        for rt, prefix, type_, attr in [
                ("65000:1", "10.0.0.0/8", "reservation",
                 {"description": "backbone aggregate", "tags": ["backbone"]}),
                ("65000:1", "10.1.0.0/16", "reservation",
                 {"description": "Stockholm region", "comment": "via 10.1 ring"}),
                ("65000:1", "10.1.1.0/24", "assignment",
                 {"description": "customer LAN", "customer_id": "CUST-42", "order_id": "ORD-100",
                  "vlan": 100}),
                ("65000:1", "10.1.1.1/32", "host", {"description": "gateway", "node": "rtr1.sto"}),
                ("65000:1", "10.2.0.0/16", "reservation", {"description": "Göteborg region"}),
                ("65000:1", "2001:db8::/32", "reservation",
                 {"description": "v6 aggregate", "tags": ["v6"]}),
                ("65000:1", "2001:db8:1::/48", "assignment", {"description": "v6 customer"}),
                ("65000:1", "2001:db8:1::1/128", "host",
                 {"description": "v6 gateway", "node": "rtr1.sto"}),
                ("65001:10", "192.168.1.0/24", "assignment",
                 {"description": "lab office", "tags": ["lab"]})]:
            p.add_prefix({"auth": AUTH, "attr": {"vrf_rt": rt, "prefix": prefix, "type": type_,
                                                 **attr}})
        for asn, name in [(1299, "Arelion"), (3301, "TeliaSonera"), (64512, "Private AS one"),
                          (64513, "Private AS two")]:
            p.add_asn({"auth": AUTH, "attr": {"asn": asn, "name": name}})

    def smart(self, kind, query_string, **args):
        return getattr(self.p, "smart_search_" + kind)({"auth": AUTH, "query_string": query_string,
                                                       **args})

    def smart_fault(self, kind, query_string, **args):
        """The (faultCode, faultString) of a smart search."""
        return self.fault(lambda: self.smart(kind, query_string, **args))

    def check(self, kind, query_string, names, interpretation, options=None, **args):
        """A successful smart search: exactly `names` in this order, the whole
        interpretation tree, the normalised options, no error_message."""
        r = self.smart(kind, query_string, **args)
        key = {"vrf": "name", "pool": "name", "prefix": "prefix", "asn": "asn"}[kind]
        with self.subTest(kind=kind, query_string=query_string):
            self.assertEqual([row[key] for row in r["result"]], names)
            self.assertEqual(r["interpretation"], interpretation)
            self.assertIs(r["error"], False)
            self.assertNotIn("error_message", r)
            self.assertEqual(r["search_options"], options or (PREFIX_OPTIONS if kind == "prefix"
                                                              else OPTIONS))
        return r

    def check_failed(self, kind, query_string, interpretation, **args):
        """A failed parse (§4.1 step 2): nothing searched, options as sent."""
        r = self.smart(kind, query_string, **args)
        self.assertEqual(r, {"interpretation": interpretation,
                             "search_options": args.get("search_options", {}), "result": [],
                             "error": True, "error_message": "query interpretation failed"})

    # ---- prefixes ------------------------------------------------------------

    def test_prefix_addresses_and_prefixes(self):
        self.check("prefix", "10.1.1.1", ALL_PREFIXES[:4],
                   prefix_leaf("10.1.1.1", "IPv4 address", "contains_equals", "10.1.1.1"))
        self.check("prefix", "010.001.001.001", ALL_PREFIXES[:4],  # normalised
                   prefix_leaf("10.1.1.1", "IPv4 address", "contains_equals", "10.1.1.1"))
        self.check("prefix", "10.1.0.0/16", ["10.1.0.0/16", "10.1.1.0/24", "10.1.1.1/32"],
                   prefix_leaf("10.1.0.0/16", "IPv4 prefix", "contained_within_equals",
                               "10.1.0.0/16"))
        self.check("prefix", "10.1/16", ["10.1.0.0/16", "10.1.1.0/24", "10.1.1.1/32"],
                   prefix_leaf("10.1/16", "IPv4 prefix", "contained_within_equals",
                               "10.1.0.0/16", expanded="10.1.0.0/16"))
        self.check("prefix", "10.1.1.1/24", ["10.1.1.0/24", "10.1.1.1/32"],
                   prefix_leaf("10.1.1.1/24", "IPv4 prefix", "contained_within_equals",
                               "10.1.1.0/24", strict_prefix="10.1.1.0/24"))
        self.check("prefix", "2001:db8:1::/48", ["2001:db8:1::/48", "2001:db8:1::1/128"],
                   prefix_leaf("2001:db8:1::/48", "IPv6 prefix", "contained_within_equals",
                               "2001:db8:1::/48"))
        self.check("prefix", "2001:DB8:1::1/64", ["2001:db8:1::1/128"],
                   prefix_leaf("2001:DB8:1::1/64", "IPv6 prefix", "contained_within_equals",
                               "2001:db8:1::/64", strict_prefix="2001:db8:1::/64"))
        self.check("prefix", "2001:db8:1::1", ["2001:db8::/32", "2001:db8:1::/48",
                                               "2001:db8:1::1/128"],
                   prefix_leaf("2001:db8:1::1", "IPv6 address", "contains_equals",
                               "2001:db8:1::1"))
        self.check("prefix", "192.0.2.1", [],
                   prefix_leaf("192.0.2.1", "IPv4 address", "contains_equals", "192.0.2.1"))

    def test_prefix_partial_prefix_is_text(self):
        # §4.5: "10.1" is no prefix but a regex over the text columns; only
        # the comment "via 10.1 ring" has it.
        self.check("prefix", "10.1", ["10.1.0.0/16"], prefix_text("10.1"))
        self.check("prefix", "10.1.1", [], prefix_text("10.1.1"))

    def test_prefix_tags_words_and_quotes(self):
        # The tag is on 10.0.0.0/8; its descendants inherit it.
        self.check("prefix", "#backbone", ALL_PREFIXES[:5], prefix_tag("backbone"))
        self.check("prefix", "#BACKBONE", ALL_PREFIXES[:5], prefix_tag("BACKBONE"))
        self.check("prefix", "#v6", ALL_PREFIXES[5:8], prefix_tag("v6"))
        self.check("prefix", "#nosuchtag", [], prefix_tag("nosuchtag"))
        self.check("prefix", "rtr1.sto", ["10.1.1.1/32", "2001:db8:1::1/128"],
                   prefix_text("rtr1.sto"))
        self.check("prefix", "CUST-42", ["10.1.1.0/24"], prefix_text("CUST-42"))
        # decision 4: "or" only as a whole word, so ORD-100 is a word.
        self.check("prefix", "ORD-100", ["10.1.1.0/24"], prefix_text("ORD-100"))
        self.check("prefix", "Göteborg", ["10.2.0.0/16"], prefix_text("Göteborg"))
        self.check("prefix", '"customer LAN"', ["10.1.1.0/24"], prefix_text("customer LAN"))
        self.check("prefix", "customer", ["10.1.1.0/24", "2001:db8:1::/48"],
                   prefix_text("customer"))
        self.check("prefix", "customer LAN", ["10.1.1.0/24"],
                   boolean("and", prefix_text("customer"), prefix_text("LAN")))
        self.check("prefix", "'lab office'", ["192.168.1.0/24"], prefix_text("lab office"))

    def test_prefix_rt_expressions_and_booleans(self):
        self.check("prefix", "65001:10", ["192.168.1.0/24"], vrf_rt("65001:10"))
        self.check("prefix", "65000:1 v6", ALL_PREFIXES[5:8],
                   boolean("and", vrf_rt("65000:1"), prefix_text("v6")))
        self.check("prefix", "prefix_length>24", ["10.1.1.1/32"] + ALL_PREFIXES[5:8],
                   expression("prefix_length", ">", "24"))
        self.check("prefix", "prefix_length <= 8", ["10.0.0.0/8"],
                   expression("prefix_length", "<=", "8"))
        self.check("prefix", "vlan=100", ["10.1.1.0/24"], expression("vlan", "=", "100"))
        self.check("prefix", "type=host", ["10.1.1.1/32", "2001:db8:1::1/128"],
                   expression("type", "=", "host"))
        self.check("prefix", 'node="rtr1.sto" prefix_length>64', ["2001:db8:1::1/128"],
                   boolean("and", expression("node", "=", "rtr1.sto"),
                           expression("prefix_length", ">", "64")))
        self.check("prefix", "stockholm or göteborg", ["10.1.0.0/16", "10.2.0.0/16"],
                   boolean("or", prefix_text("stockholm"), prefix_text("göteborg")))
        self.check("prefix", "rtr1.sto and #backbone", ["10.1.1.1/32"],
                   boolean("and", prefix_text("rtr1.sto"), prefix_tag("backbone")))
        self.check("prefix", "rtr1.sto AND 2001:db8::/32", ["2001:db8:1::1/128"],
                   boolean("and", prefix_text("rtr1.sto"),
                           prefix_leaf("2001:db8::/32", "IPv6 prefix", "contained_within_equals",
                                       "2001:db8::/32")))
        # Left-associative without precedence: (gateway or lab) and v6.
        self.check("prefix", "gateway or lab v6", ["2001:db8:1::1/128"],
                   boolean("and", boolean("or", prefix_text("gateway"), prefix_text("lab")),
                           prefix_text("v6")))
        # decision 4: parentheses group.
        self.check("prefix", "#backbone and (stockholm or göteborg)",
                   ["10.1.0.0/16", "10.2.0.0/16"],
                   boolean("and", prefix_tag("backbone"),
                           boolean("or", prefix_text("stockholm"), prefix_text("göteborg"))))

    def test_prefix_empty_and_whitespace_match_everything(self):
        for text in ["", " ", "\t \n"]:
            self.check("prefix", text, ALL_PREFIXES, prefix_text(""))

    def test_prefix_search_options_and_extra_query(self):
        self.check("prefix", "", ALL_PREFIXES[2:5], prefix_text(""),
                   {**PREFIX_OPTIONS, "max_result": 3, "offset": 2},
                   search_options={"max_result": 3, "offset": 2})
        self.check("prefix", "#backbone", ["10.1.0.0/16", "10.2.0.0/16"],
                   {"operator": "and", "val1": prefix_tag("backbone"),
                    "val2": {"operator": "equals", "val1": "prefix_length", "val2": 16}},
                   extra_query={"operator": "equals", "val1": "prefix_length", "val2": 16})
        # Unknown options are echoed (nipap-www's query_id).
        r = self.check("prefix", "gateway", ["10.1.1.1/32", "2001:db8:1::1/128"],
                       prefix_text("gateway"), {**PREFIX_OPTIONS, "query_id": 7},
                       search_options={"query_id": 7})
        self.assertEqual([row["match"] for row in r["result"]], [True, True])
        # Related prefixes (§3.2) come with the matches, marked match: false.
        r = self.check("prefix", "vlan=100", ["10.0.0.0/8", "10.1.0.0/16", "10.1.1.0/24"],
                       expression("vlan", "=", "100"), {**PREFIX_OPTIONS, "parents_depth": -1},
                       search_options={"parents_depth": -1})
        self.assertEqual([row["match"] for row in r["result"]], [False, False, True])
        r = self.check("prefix", "stockholm", ["10.1.0.0/16", "10.1.1.0/24", "10.1.1.1/32"],
                       prefix_text("stockholm"), {**PREFIX_OPTIONS, "children_depth": -1},
                       search_options={"children_depth": -1})
        self.assertEqual([row["match"] for row in r["result"]], [True, False, False])

    def test_prefix_failed_parses(self):
        self.check_failed("prefix", "type=foo", expression("type", "=", "foo", "invalid value"))
        self.check_failed("prefix", "bogus=1 gateway",
                          boolean("and", expression("bogus", "=", "1", "unknown attribute"),
                                  prefix_text("gateway")))
        self.check_failed("prefix", '"unclosed', failure_tree('"unclosed', "unclosed quote"))
        self.check_failed("prefix", "(a or b", failure_tree("(a or b", "unclosed parentheses"))
        # Neither extra_query nor the options are looked at.
        self.check_failed("prefix", "it's", failure_tree("it's", "unclosed quote"),
                          search_options={"max_result": "x"}, extra_query="not a query")
        self.check_failed("prefix", "and gateway",
                          failure_tree("and gateway", "missing operand for 'and'"))

    # ---- VRFs ----------------------------------------------------------------

    def test_vrf(self):
        self.check("vrf", "core", ["core"], vrf_text("core"))
        self.check("vrf", "#prod", ["core"], tag("prod"))
        self.check("vrf", "65000", ["core", "customer-a"], vrf_text("65000"))
        self.check("vrf", "65000:2", ["customer-a"], vrf_text("65000:2"))  # a word here
        self.check("vrf", "öst", ["customer-a"], vrf_text("öst"))
        self.check("vrf", '"Lab with"', ["lab"], vrf_text("Lab with"))
        self.check("vrf", "net", ["default", "core"], vrf_text("net"))  # Internet, network
        self.check("vrf", "name=lab", ["lab"], expression("name", "=", "lab"))
        self.check("vrf", "core or lab", ["core", "lab"],
                   boolean("or", vrf_text("core"), vrf_text("lab")))
        self.check("vrf", "core lab", [], boolean("and", vrf_text("core"), vrf_text("lab")))
        self.check("vrf", "num_prefixes_v4>0", ["core", "lab"],
                   expression("num_prefixes_v4", ">", "0"))
        self.check("vrf", "num_prefixes_v6>0 #backbone", ["core"],
                   boolean("and", expression("num_prefixes_v6", ">", "0"), tag("backbone")))
        self.check("vrf", "", ["default", "core", "customer-a", "lab"], vrf_text(""))
        self.check("vrf", "", ["core", "customer-a"], vrf_text(""),
                   {"max_result": 2, "offset": 1}, search_options={"max_result": 2, "offset": 1})
        self.check("vrf", "", ["lab"],
                   {"operator": "and", "val1": vrf_text(""),
                    "val2": {"operator": "equals", "val1": "name", "val2": "lab"}},
                   extra_query={"operator": "equals", "val1": "name", "val2": "lab"})
        self.check_failed("vrf", "(core", failure_tree("(core", "unclosed parentheses"))
        self.check_failed("vrf", "foo=bar", expression("foo", "=", "bar", "unknown attribute"))

    # ---- pools ---------------------------------------------------------------

    def test_pool(self):
        self.check("pool", "pool", ["core-pool", "customer-pool", "lab-pool"], pool_text("pool"))
        self.check("pool", "#cust", ["customer-pool"], tag("cust"))
        self.check("pool", "loopbacks", ["core-pool"], pool_text("loopbacks"))
        self.check("pool", "default_type=host", ["core-pool"],
                   expression("default_type", "=", "host"))
        self.check("pool", "Customer assignments", ["customer-pool"],
                   boolean("and", pool_text("Customer"), pool_text("assignments")))
        self.check("pool", '"Customer assignments"', ["customer-pool"],
                   pool_text("Customer assignments"))
        self.check("pool", "core or lab", ["core-pool", "lab-pool"],
                   boolean("or", pool_text("core"), pool_text("lab")))
        self.check("pool", "ipv4_default_prefix_length>24", ["core-pool", "customer-pool"],
                   expression("ipv4_default_prefix_length", ">", "24"))
        self.check("pool", "pool", ["customer-pool"], pool_text("pool"),
                   {"max_result": 1, "offset": 1}, search_options={"max_result": 1, "offset": 1})
        self.check("pool", "", ["lab-pool"],
                   {"operator": "and", "val1": pool_text(""),
                    "val2": {"operator": "equals", "val1": "default_type", "val2": "reservation"}},
                   extra_query={"operator": "equals", "val1": "default_type",
                                "val2": "reservation"})
        self.check_failed("pool", "x=y", expression("x", "=", "y", "unknown attribute"))

    # ---- ASNs ----------------------------------------------------------------

    def test_asn(self):
        self.check("asn", "64512", [64512], asn_number("64512"))
        self.check("asn", "Private", [64512, 64513], asn_text("Private"))
        self.check("asn", "telia", [3301], asn_text("telia"))
        self.check("asn", "private 64513", [64513],
                   asn_and(asn_number("64513"), asn_text("private")))
        self.check("asn", '"AS one"', [64512], asn_text("AS one"))
        # Two regexes: TeliaSonera has "as" and "one" too.
        self.check("asn", "AS one", [3301, 64512], asn_and(asn_text("one"), asn_text("AS")))
        self.check("asn", "AS64512", [], asn_text("AS64512"))  # a name, not a number
        self.check("asn", "", [1299, 3301, 64512, 64513], asn_text(""))
        self.check("asn", "", [3301, 64512], asn_text(""), {"max_result": 2, "offset": 1},
                   search_options={"max_result": 2, "offset": 1})
        self.check("asn", "", [1299, 3301],
                   {"operator": "and", "val1": asn_text(""),
                    "val2": {"operator": "less", "val1": "asn", "val2": 10000}},
                   extra_query={"operator": "less", "val1": "asn", "val2": 10000})
        for text in ["'unbalanced", 'it"s', "trailing\\"]:
            code, _ = self.smart_fault("asn", text)
            self.assertEqual(code, 1200)
        self.assertEqual(self.smart_fault("asn", "'unbalanced"),
                         (1200, "No closing quotation"))

    # ---- faults --------------------------------------------------------------

    def test_bad_search_options(self):
        for kind, options, expected in [
                ("vrf", {"max_result": "x"},
                 "Invalid value for option 'max_result'. Only integer values allowed."),
                ("vrf", {"max_result": -1},
                 "Invalid value for option 'max_result'. It must be between 0 and 2147483647."),
                ("pool", {"offset": "many"},
                 "Invalid value for option 'offset'. Only integer values allowed."),
                ("asn", {"max_result": [1]},
                 "Invalid value for option 'max_result'. Only integer values allowed."),
                ("prefix", {"offset": "x"},
                 "Invalid value for option  'offset'. Only integer values allowed."),
                ("prefix", {"include_all_parents": "maybe"},
                 "Invalid value for option 'include_all_parents'. Only true and false valid. "
                 "Supplied value :'maybe'"),
                ("prefix", {"children_depth": -2},
                 "Invalid value for option 'children_depth'. Only integer values > -1 allowed.")]:
            with self.subTest(kind=kind, options=options):
                self.assertEqual(self.smart_fault(kind, "core", search_options=options),
                                 (1200, expected))
        self.assertEqual(self.smart_fault("prefix", "core", search_options="x"),
                         (1100, "'search_options' must be a struct"))

    def test_wrong_argument_types(self):
        for kind in ["vrf", "pool", "prefix", "asn"]:
            with self.subTest(kind=kind):
                self.assertEqual(self.smart_fault(kind, None),
                                 (1200, "'query_string' must not be None"))
                self.assertEqual(self.smart_fault(kind, 64512),
                                 (1200, "'query_string' must be a string"))
                method = getattr(self.p, "smart_search_" + kind)
                self.assertEqual(self.fault(method, {"auth": AUTH}),
                                 (1200, "'query_string' must not be None"))
                self.assertEqual(self.smart_fault(kind, "", extra_query="vrf_id=0"),
                                 (1100, "'extra_query' must be a struct"))
                self.assertEqual(self.smart_fault(kind, "", extra_query={}),
                                 (1110, "'val1' must be specified"))
                self.assertEqual(self.smart_fault(kind, "",
                                            extra_query={"operator": "equals", "val1": "nope",
                                                         "val2": 1}),
                                 (1100, "Search variable 'nope' unknown"))
                attribute = "description" if kind == "prefix" else "name"
                self.assertEqual(self.smart_fault(kind, "",
                                            extra_query={"operator": "nope", "val1": attribute,
                                                         "val2": "x"}),
                                 (1130, "No such operator nope"))

    def test_smart_attributes_that_cannot_be_searched(self):
        # §4.6: listed for smart search, unknown to the structured search.
        self.assertEqual(self.smart_fault("prefix", "vrf=core"),
                         (1100, "Search variable 'vrf' unknown"))
        self.assertEqual(self.smart_fault("pool", "vrf=core"),
                         (1100, "Search variable 'vrf' unknown"))

    def test_readonly_user_may_search(self):
        ro = self.daemon.proxy("readonly")
        r = ro.smart_search_prefix({"auth": AUTH, "query_string": "gateway"})
        self.assertEqual([row["prefix"] for row in r["result"]],
                         ["10.1.1.1/32", "2001:db8:1::1/128"])


if __name__ == "__main__":
    harness.main()
