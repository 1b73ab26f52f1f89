# SPDX-License-Identifier: MIT
"""API-decoder rules over XML-RPC with Python's xmlrpc.client that the
backend's typed interface cannot express (tests/backend/COVERAGE.md, note 3):
nil `avps`, `pool_id` together with `pool_name`, nil `vrf_rt`, `expires` of a
wrong type, non-numeric find_free_prefix `count` and `family`. Each refusal
has the exact fault code and message and changes no row.

Where NIPAP answered Fault 1 (a Python exception) the corpus exchange is a
listed deviation (tests/conformance/deviations.json, spec/README.md
decision 3) and prefixd answers the class errors.md §5 names."""
import harness
from harness import AUTH, data_snapshot

AVPS_NOT_STRUCT = (1200, "'avps' must be a struct of strings")
RT_NOT_STRING = (1200, "VRF specification key 'rt' must be a string.")
EXPIRES_WRONG_TYPE = (1200, "Invalid date specification for expires: "
                            "must be a string, a dateTime or nil")
COUNT_NOT_NUMERIC = (1200, "'count' must be an integer")
FAMILY_INVALID = (1200, "incorrect family specified, must be 4 or 6")


class DecoderRules(harness.ApiTestCase):
    database = "decoder_rules"
    workers = 1

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vrf = cls.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:1", "name": "dec-vrf"}})
        cls.pool = cls.p.add_pool({"auth": AUTH, "attr": {
            "name": "dec-pool", "description": "d", "default_type": "assignment",
            "ipv4_default_prefix_length": 28}})
        cls.member = cls.p.add_prefix({"auth": AUTH, "attr": {
            "prefix": "10.0.0.0/24", "type": "reservation", "description": "member",
            "pool_id": cls.pool["id"]}})

    def add_prefix_attr(self, prefix, **extra):
        return {"prefix": prefix, "type": "reservation", "description": "x", **extra}

    def assert_refusals_change_nothing(self, calls):
        """Every (method, argument, (code, message)) in calls is refused with
        exactly that fault, and no data row changes (spec/README.md decision
        2: a failed call changes nothing)."""
        before = data_snapshot(self.db)
        for method, arg, expected in calls:
            with self.subTest(method=method, arg=arg):
                self.assertEqual(self.fault(getattr(self.p, method), {"auth": AUTH, **arg}),
                                 expected)
        self.assertEqual(data_snapshot(self.db), before)

    def test_nil_avps_is_1200(self):
        # model.md §2.3 (a nil `avps` is not accepted, NipapValueError);
        # errors.md §5 (`avps` nil in attr → 1200). Corpus vrf seq 72,
        # prefix_tree seq 79, prefix_errors seq 112: NIPAP Fault 1 (TypeError),
        # deviations.json decision 3.
        self.assert_refusals_change_nothing([
            ("add_vrf", {"attr": {"rt": "65000:2", "name": "w", "avps": None}}, AVPS_NOT_STRUCT),
            ("edit_vrf", {"vrf": {"id": self.vrf["id"]}, "attr": {"avps": None}}, AVPS_NOT_STRUCT),
            ("add_pool", {"attr": {"name": "p2", "description": "d", "default_type": "assignment",
                                   "avps": None}}, AVPS_NOT_STRUCT),
            ("edit_pool", {"pool": {"id": self.pool["id"]}, "attr": {"avps": None}},
             AVPS_NOT_STRUCT),
            ("add_prefix", {"attr": self.add_prefix_attr("10.1.0.0/24", avps=None)},
             AVPS_NOT_STRUCT),
            ("add_prefix", {"attr": {"description": "x", "avps": None},
                            "args": {"from-pool": {"name": "dec-pool"}, "family": 4}},
             AVPS_NOT_STRUCT),
            ("edit_prefix", {"prefix": {"id": self.member["id"]}, "attr": {"avps": None}},
             AVPS_NOT_STRUCT),
        ])

    def test_pool_id_with_pool_name_is_extraneous(self):
        # model.md §5.1 alias resolution (Quirk: `pool_id` wins, `pool_name`
        # stays in attr and is refused); errors.md §4.3 add_prefix row 14.
        # Corpus prefix_errors seq 19 (add_prefix) and pool seq 136
        # (edit_prefix): 1120 'extraneous attribute pool_name'.
        extraneous = (1120, "extraneous attribute pool_name")
        both = {"pool_id": self.pool["id"], "pool_name": "dec-pool"}
        self.assert_refusals_change_nothing([
            ("add_prefix", {"attr": self.add_prefix_attr("10.2.0.0/24", **both)}, extraneous),
            ("edit_prefix", {"prefix": {"id": self.member["id"]}, "attr": both}, extraneous),
        ])

    def test_nil_vrf_rt_is_1200(self):
        # model.md §5.1 alias resolution (`vrf_rt` nil is refused with
        # NipapValueError 1200); errors.md §4.3 add_prefix row 6 (nil rt
        # included). Corpus prefix_tree seq 98 pins the message.
        self.assert_refusals_change_nothing([
            ("add_prefix", {"attr": self.add_prefix_attr("10.3.0.0/24", vrf_rt=None)},
             RT_NOT_STRING),
            ("edit_prefix", {"prefix": {"id": self.member["id"]}, "attr": {"vrf_rt": None}},
             RT_NOT_STRING),
        ])

    def test_expires_of_a_wrong_type_is_1200(self):
        # errors.md §5 (`expires` neither string, nil nor dateTime, e.g. an
        # int → 1200); xmlrpc.md §5.4.4 ('Invalid date specification for
        # expires'); model.md §5.6. Corpus prefix_tree seq 92 (add, int),
        # prefix_errors seq 119 (edit, int) and 120 (edit, array): NIPAP
        # Fault 1 (TypeError), deviations.json decision 3.
        self.assert_refusals_change_nothing([
            ("add_prefix", {"attr": self.add_prefix_attr("10.4.0.0/24", expires=5)},
             EXPIRES_WRONG_TYPE),
            ("edit_prefix", {"prefix": {"id": self.member["id"]}, "attr": {"expires": 5}},
             EXPIRES_WRONG_TYPE),
            ("edit_prefix", {"prefix": {"id": self.member["id"]}, "attr": {"expires": ["x"]}},
             EXPIRES_WRONG_TYPE),
        ])

    def test_non_numeric_count_is_1200(self):
        # allocation.md §5.2 step 2 (a non-numeric count: prefixd
        # NipapValueError); errors.md §4.4 row 2a and §5. Corpus prefix_alloc
        # seq 66: NIPAP Fault 1 (ValueError), deviations.json decision 3;
        # seq 61: a numeric string is accepted. The count check precedes the
        # mode checks (step 3) and the VRF (errors.md §4.4).
        by_prefix = {"from-prefix": ["10.0.0.0/24"], "prefix_length": 28}
        self.assertEqual(self.p.find_free_prefix({"auth": AUTH, "args": {**by_prefix,
                                                                          "count": "2"}}),
                         ["10.0.0.0/28", "10.0.0.16/28"])
        self.assert_refusals_change_nothing([
            ("find_free_prefix", {"args": {**by_prefix, "count": "x"}}, COUNT_NOT_NUMERIC),
            ("find_free_prefix", {"args": {**by_prefix, "from-pool": {"name": "dec-pool"},
                                           "count": "x"}}, COUNT_NOT_NUMERIC),
            ("find_free_prefix", {"vrf": {"rt": "99:99"}, "args": {**by_prefix, "count": "x"}},
             COUNT_NOT_NUMERIC),
            ("add_prefix", {"attr": {"description": "x"},
                            "args": {"from-prefix": ["10.0.0.0/24"], "prefix_length": 28,
                                     "count": "x"}}, COUNT_NOT_NUMERIC),
        ])

    def test_non_numeric_family_is_1200(self):
        # allocation.md §5.2 step 3 (family 4 or 6, NipapValueError 1200);
        # errors.md §4.4 row 5 and §5. Corpus prefix_alloc seq 109: NIPAP
        # Fault 1 (ValueError), deviations.json decision 3; seq 110 pins the
        # message for a nil family, seq 103 accepts the numeric string '4'.
        # The family check precedes the VRF (errors.md §4.4).
        from_pool = {"from-pool": {"name": "dec-pool"}}
        self.assertEqual(self.p.find_free_prefix({"auth": AUTH, "args": {**from_pool,
                                                                          "family": "4"}}),
                         ["10.0.0.0/28"])
        self.assert_refusals_change_nothing([
            ("find_free_prefix", {"args": {**from_pool, "family": "x"}}, FAMILY_INVALID),
            ("find_free_prefix", {"vrf": {"rt": "99:99"}, "args": {**from_pool, "family": "x"}},
             FAMILY_INVALID),
            ("add_prefix", {"attr": {"description": "x"},
                            "args": {**from_pool, "family": "x"}}, FAMILY_INVALID),
        ])


if __name__ == "__main__":
    harness.main()
