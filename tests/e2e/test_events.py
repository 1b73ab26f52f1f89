# SPDX-License-Identifier: MIT
"""Change events to Kafka (issue 16) against a real broker protocol: the
mock cluster of librdkafka (prefixd-kafka-mock, started and stopped here) with
a real librdkafka consumer reading the topics back.

- every API write yields exactly the events of the rows it changed, in the
  outbox and at the consumer, with NIPAP's topics, key and message shape;
- a rolled-back call yields none;
- brokers down and back, and the producer killed with SIGKILL mid-run: no
  event lost, duplicates only of events sent again (counted and printed);
- the retention delete keeps undelivered rows; a reload applies
  events.kafka.enabled to the triggers;
- an adopted NIPAP database with pending events is drained.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.request
import xmlrpc.client

import harness
from harness import AUTH, Database, Daemon, wait_for

KAFKA_MOCK = None  # --kafka-mock PATH
TOPICS = {"ip_net_plan": "nipap.prefix", "ip_net_vrf": "nipap.vrf", "ip_net_pool": "nipap.pool"}
TABLES = tuple(TOPICS)
# NIPAP's columns (model.md §1.4): a payload has exactly these keys.
PLAN_KEYS = {"id", "vrf_id", "prefix", "display_prefix", "description", "comment", "node", "pool_id",
             "type", "indent", "country", "order_id", "customer_id", "external_key",
             "authoritative_source", "alarm_priority", "monitor", "children", "vlan", "tags",
             "inherited_tags", "added", "last_modified", "total_addresses", "used_addresses",
             "free_addresses", "status", "avps", "expires"}


class KafkaMock:
    """prefixd-kafka-mock: one mock broker, topics with 3 partitions, and a
    consumer whose messages are collected here."""

    def __init__(self):
        self.proc = subprocess.Popen([KAFKA_MOCK, "nipap.", "3"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        first = self.proc.stdout.readline().split()
        assert first[0] == "bootstrap", first
        self.bootstrap = first[1]
        self.messages = []
        self.lock = threading.Lock()
        self.acks = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                with self.lock:
                    self.messages.append(json.loads(line))
            else:
                self.acks.put(line.strip())

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        self.assert_ack("ok " + text)

    def assert_ack(self, want):
        got = self.acks.get(timeout=10)
        if got != want:
            raise AssertionError(f"mock broker answered {got!r}, wanted {want!r}")

    def received(self):
        with self.lock:
            return list(self.messages)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def scrape(daemon):
    with urllib.request.urlopen(f"http://127.0.0.1:{daemon.port}/metrics", timeout=10) as r:
        return r.read().decode()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


class EventsTestCase(unittest.TestCase):
    """A daemon with events on, 2 workers, against a mock broker."""

    @classmethod
    def setUpClass(cls):
        cls.kafka = KafkaMock()
        cls.db = Database("events")
        cls.db.add_standard_users()
        # poll_interval far beyond every wait below: deliveries come from NOTIFY.
        cls.daemon = Daemon(cls.db, workers=2, events={"kafka": {
            "enabled": True, "brokers": cls.kafka.bootstrap, "poll_interval": 600,
            "delivery_timeout": 1}}).start()
        cls.p = cls.daemon.proxy()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.kafka.close()
        cls.db.drop()

    def json_call(self, method, body):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.daemon.port}/api/v1/{method}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": "Basic dW5pdHRlc3Q6Z290dGF0ZXN0"})
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read())

    def rows(self, table):
        return {r["id"]: r for r in json.loads(self.db.sql(
            f"SELECT coalesce(json_agg(row_to_json(t)::jsonb - 'parent_id'), '[]') FROM {table} t"))}

    def snapshot(self):
        return {t: self.rows(t) for t in TABLES}

    def outbox(self, after_id=0):
        return json.loads(self.db.sql(
            "SELECT coalesce(json_agg(e ORDER BY e.id), '[]') FROM (SELECT id, table_name, event_type, "
            f"payload, processed FROM kafka_produce_event WHERE id > {after_id}) e"))

    def last_event_id(self):
        return int(self.db.sql("SELECT coalesce(max(id), 0) FROM kafka_produce_event"))

    def wait_delivered(self, ids, timeout=30):
        """Waits until the consumer saw every event id in `ids`; returns the messages."""
        want = set(ids)

        def done():
            seen = {m["event_id"] for m in self.kafka.received()}
            return want <= seen
        wait_for(done, timeout=timeout, what=f"{len(want)} events at the consumer")
        return [m for m in self.kafka.received() if m["event_id"] in want]

    def assertEventsMatchChange(self, before, after, events, call):
        """The outbox rows of one call are exactly the changes of its rows."""
        by_key = {}
        for e in events:
            self.assertIn(e["table_name"], TABLES, call)
            self.assertNotIn("parent_id", e["payload"], call)
            by_key.setdefault((e["table_name"], e["payload"]["id"]), []).append(e)
        for table in TABLES:
            old, new = before[table], after[table]
            for rid in set(old) | set(new):
                got = by_key.pop((table, rid), [])
                kinds = [e["event_type"] for e in got]
                where = f"{call}: {table} id {rid}: {kinds}"
                if rid not in old:
                    self.assertEqual(kinds[:1], ["INSERT"], where)
                    self.assertEqual(set(kinds[1:]) - {"UPDATE"}, set(), where)
                    self.assertEqual(got[-1]["payload"], new[rid], where)
                elif rid not in new:
                    self.assertEqual(kinds[-1:], ["DELETE"], where)
                    self.assertEqual(set(kinds[:-1]) - {"UPDATE"}, set(), where)
                    if len(got) == 1:
                        self.assertEqual(got[0]["payload"], old[rid], where)
                elif old[rid] != new[rid]:
                    self.assertTrue(kinds and set(kinds) == {"UPDATE"}, where)
                    self.assertEqual(got[-1]["payload"], new[rid], where)
                else:
                    self.assertEqual(kinds, [], where)
        self.assertEqual(by_key, {}, f"{call}: events for rows that did not change")

    def assertMessagesMatchOutbox(self, events, messages):
        """Each outbox event reached its topic once or more, NIPAP's shape, keyed
        by the row id, and per key the first deliveries come in event order."""
        by_id = {e["id"]: e for e in events}
        first_seen = {}
        for m in messages:
            e = by_id[m["event_id"]]
            self.assertEqual(m["topic"], TOPICS[e["table_name"]])
            self.assertEqual(m["key"], str(e["payload"]["id"]))
            self.assertEqual(json.loads(m["value"]), {"event_type": e["event_type"], "payload": e["payload"]})
            first_seen.setdefault(m["event_id"], m)
        self.assertEqual(set(first_seen), set(by_id), "every event delivered")
        self.assertPerKeyOrder(messages)

    def assertPerKeyOrder(self, messages):
        """Per (topic, key), ignoring repeats of an already seen event, the
        event ids arrive in increasing order."""
        last = {}
        seen = set()
        for m in messages:
            if m["event_id"] in seen:
                continue
            seen.add(m["event_id"])
            k = (m["topic"], m["key"])
            self.assertGreater(m["event_id"], last.get(k, 0), f"order of key {k}")
            last[k] = m["event_id"]

    def producer_pid(self):
        return wait_for(lambda: self.daemon.child_pids("prefixd: events"), what="the event producer")[0]


class Events(EventsTestCase):
    def test_1_every_write_yields_its_rows_events(self):
        p = self.p
        start = self.last_event_id()
        calls = [
            ("add_vrf", lambda: p.add_vrf({"auth": AUTH, "attr": {
                "rt": "65000:123", "name": "events-vrf", "description": "d", "tags": ["a"], "avps": {"k": "v"}}})),
            ("edit_vrf", lambda: p.edit_vrf({"auth": AUTH, "vrf": {"rt": "65000:123"},
                                             "attr": {"description": "edited"}})),
            ("add_pool", lambda: self.json_call("add_pool", {"attr": {
                "name": "events-pool", "description": "p", "default_type": "assignment",
                "ipv4_default_prefix_length": 28}})),
            ("add_prefix reservation", lambda: p.add_prefix({"auth": AUTH, "attr": {
                "prefix": "10.40.0.0/16", "type": "reservation", "description": "r"}})),
            ("add_prefix in pool", lambda: p.add_prefix({"auth": AUTH, "attr": {
                "prefix": "10.40.1.0/24", "type": "reservation", "description": "pool member",
                "pool_name": "events-pool"}})),
            ("allocate from pool", lambda: p.add_prefix({"auth": AUTH, "attr": {
                "type": "assignment", "description": "allocated"},
                "args": {"from-pool": {"name": "events-pool"}, "family": 4}})),
            ("add_prefix json", lambda: self.json_call("add_prefix", {"attr": {
                "prefix": "10.40.2.0/24", "type": "assignment", "description": "a"}})),
            ("add host", lambda: p.add_prefix({"auth": AUTH, "attr": {
                "prefix": "10.40.2.1/32", "type": "host", "description": "h"}})),
            ("edit_prefix", lambda: p.edit_prefix({"auth": AUTH, "prefix": {"prefix": "10.40.2.0/24"},
                                                   "attr": {"description": "edited", "tags": ["x"]}})),
            ("edit_pool", lambda: p.edit_pool({"auth": AUTH, "pool": {"name": "events-pool"},
                                               "attr": {"ipv4_default_prefix_length": 27}})),
            ("remove_prefix recursive", lambda: p.remove_prefix({"auth": AUTH, "prefix": {"prefix": "10.40.0.0/16"},
                                                                 "recursive": True})),
            ("remove_pool", lambda: p.remove_pool({"auth": AUTH, "pool": {"name": "events-pool"}})),
            ("add_prefix in vrf", lambda: p.add_prefix({"auth": AUTH, "attr": {
                "prefix": "10.41.0.0/16", "type": "reservation", "description": "in vrf",
                "vrf_rt": "65000:123"}})),
            ("remove_vrf", lambda: p.remove_vrf({"auth": AUTH, "vrf": {"rt": "65000:123"}})),
        ]
        vrf_id = None
        for name, call in calls:
            # Statistics deltas are folded into the tables in the background
            # (0013): fold them around each call, so that the rows compared
            # changed by this call's work and no fold runs between a snapshot
            # and the outbox read that must show its events.
            harness.fold_statistics(self.db)
            before = self.snapshot()
            mark = self.last_event_id()
            result = call()
            if name == "add_vrf":
                vrf_id = result["id"]
            harness.fold_statistics(self.db)
            after = self.snapshot()
            events = self.outbox(mark)
            self.assertTrue(events, f"{name}: no event")
            self.assertEventsMatchChange(before, after, events, name)
        events = self.outbox(start)
        messages = self.wait_delivered([e["id"] for e in events], timeout=10)
        self.assertMessagesMatchOutbox(events, messages)
        wait_for(lambda: all(e["processed"] for e in self.outbox(start)), timeout=10,
                 what="delivered events marked processed")
        # The add_vrf message, as NIPAP's producer would have sent it.
        first = next(m for m in messages if m["topic"] == "nipap.vrf" and m["key"] == str(vrf_id))
        self.assertEqual(json.loads(first["value"]), {"event_type": "INSERT", "payload": {
            "id": vrf_id, "rt": "65000:123", "avps": {"k": "v"}, "name": "events-vrf", "tags": ["a"],
            "description": "d", "num_prefixes_v4": 0, "num_prefixes_v6": 0, "free_addresses_v4": 0,
            "free_addresses_v6": 0, "used_addresses_v4": 0, "used_addresses_v6": 0,
            "total_addresses_v4": 0, "total_addresses_v6": 0}})
        plan = next(e for e in events if e["table_name"] == "ip_net_plan")
        self.assertEqual(set(plan["payload"]), PLAN_KEYS)

    def test_2_rolled_back_call_yields_none(self):
        # The audit-log row of this one call fails, after its VRF row (and that
        # row's event) were written: the whole call rolls back.
        self.db.sql("CREATE FUNCTION events_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; "
                    "CREATE TRIGGER events_test_fail BEFORE INSERT ON ip_net_log FOR EACH ROW "
                    "WHEN (NEW.description LIKE '%events-rollback%') EXECUTE FUNCTION events_test_fail()")
        try:
            mark = self.last_event_id()
            with self.assertRaises(xmlrpc.client.Fault):
                self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:999", "name": "events-rollback"}})
            self.assertEqual(self.outbox(mark), [])
            self.assertEqual(self.db.sql("SELECT count(*) FROM ip_net_vrf WHERE rt = '65000:999'"), "0")
        finally:
            self.db.sql("DROP TRIGGER events_test_fail ON ip_net_log; DROP FUNCTION events_test_fail()")
        # A later call's events arrive; nothing of the rolled-back one ever does.
        vrf = self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:998", "name": "after-rollback"}})
        events = self.outbox(mark)
        self.wait_delivered([e["id"] for e in events], timeout=10)
        self.assertEqual([e["payload"]["id"] for e in events], [vrf["id"]])
        self.assertFalse([m for m in self.kafka.received() if "events-rollback" in m["value"]])

    def test_3_broker_down_and_back(self):
        mark = self.last_event_id()
        failed_before = metric(scrape(self.daemon), "prefixd_events_failed_total")
        self.kafka.command("down")
        try:
            self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.50.0.0/16", "type": "reservation",
                                                      "description": "down"}})
            for i in range(40):
                started = time.monotonic()
                self.p.add_prefix({"auth": AUTH, "attr": {"prefix": f"10.50.{i}.0/24", "type": "assignment",
                                                          "description": f"while the broker is down {i}"}})
                # The API never waits for Kafka.
                self.assertLess(time.monotonic() - started, 1.0)
            wait_for(lambda: "cannot deliver change events to Kafka" in self.daemon.read_log(), timeout=20,
                     what="the broker-down warning")
            pending = self.outbox(mark)
            # 41 inserts; their parents' statistics reach the rows through
            # the workers' folds (0013), which may merge several into one
            # update event of the parent
            self.assertGreater(len(pending), 41)
            wait_for(lambda: metric(scrape(self.daemon), "prefixd_events_outbox_backlog") >= len(pending) - 100,
                     what="the backlog in the metrics")
            # Several failed attempts (1 s delivery timeout), one warning.
            wait_for(lambda: metric(scrape(self.daemon), "prefixd_events_failed_total") > failed_before,
                     timeout=20, what="failed deliveries counted")
            time.sleep(2.5)
        finally:
            self.kafka.command("up")
        events = self.outbox(mark)
        messages = self.wait_delivered([e["id"] for e in events], timeout=60)
        wait_for(lambda: all(e["processed"] for e in self.outbox(mark)), timeout=20, what="all marked")
        self.assertMessagesMatchOutbox(events, messages)
        log = self.daemon.read_log()
        self.assertEqual(log.count("cannot deliver change events to Kafka"), 1, "one warning a minute")
        self.assertIn("change events reach Kafka again", log)
        duplicates = len(messages) - len(events)
        print(f"\nbroker down and back: {len(events)} events, {duplicates} duplicate deliveries", flush=True)

    def test_4_producer_killed_mid_batch(self):
        mark = self.last_event_id()
        self.kafka.command("down")
        try:
            self.p.add_prefix({"auth": AUTH, "attr": {"prefix": "10.60.0.0/16", "type": "reservation",
                                                      "description": "kill"}})
            for i in range(60):
                self.json_call("add_prefix", {"attr": {"prefix": f"10.60.{i}.0/24", "type": "assignment",
                                                       "description": f"kill {i}"}})
            # A long backlog (as an adopted database may have), 40 keys, so
            # the kill lands while batches are being sent.
            self.db.sql("INSERT INTO kafka_produce_event (table_name, event_type, payload) "
                        "SELECT 'ip_net_pool', 'UPDATE', jsonb_build_object('id', 800000 + i % 40, 'n', i) "
                        "FROM generate_series(1, 4000) i")
        finally:
            self.kafka.command("up")
        events = self.outbox(mark)
        self.assertGreater(len(events), 4000)
        victim = self.producer_pid()
        wait_for(lambda: any(m["event_id"] > mark for m in self.kafka.received()), interval=0.001,
                 what="the first delivery")
        os.kill(victim, signal.SIGKILL)
        delivered_at_kill = len({m["event_id"] for m in self.kafka.received() if m["event_id"] > mark})
        self.assertLess(delivered_at_kill, len(events), "killed before the end")
        wait_for(lambda: self.daemon.child_pids("prefixd: events") not in ([], [victim]), timeout=30,
                 what="a new producer")
        messages = self.wait_delivered([e["id"] for e in events], timeout=60)
        wait_for(lambda: all(e["processed"] for e in self.outbox(mark)), timeout=20, what="all marked")
        self.assertMessagesMatchOutbox(events, messages)
        self.assertEqual(metric(scrape(self.daemon), 'prefixd_event_producer_exits_total{cause="SIGKILL"}'), 1)
        duplicates = len(messages) - len(events)
        print(f"\nproducer killed after {delivered_at_kill} of {len(events)} events: "
              f"{duplicates} duplicate deliveries", flush=True)

    def test_5_retention_keeps_undelivered_and_reload_sets_triggers(self):
        self.kafka.command("down")
        try:
            self.db.sql("INSERT INTO kafka_produce_event (table_name, event_type, payload, processed, created_at) "
                        "SELECT 'ip_net_vrf', 'UPDATE', jsonb_build_object('id', 900000 + i), i > 3, "
                        "now() - interval '30 days' FROM generate_series(1, 1203) i")
            # A reload with a new retention replaces the producer, which deletes
            # at once; a batch at a time (500), never an undelivered row.
            self.daemon.write_config(events={"retention": 86400, "kafka": {
                "enabled": True, "brokers": self.kafka.bootstrap, "poll_interval": 600, "delivery_timeout": 1}})
            self.daemon.signal(signal.SIGHUP)
            wait_for(lambda: self.db.sql("SELECT count(*) FROM kafka_produce_event WHERE processed AND "
                                         "created_at < now() - interval '1 day'") == "0",
                     timeout=30, what="expired rows deleted")
            self.assertEqual(self.db.sql("SELECT count(*) FROM kafka_produce_event WHERE NOT processed AND "
                                         "(payload->>'id')::int > 900000"), "3")
        finally:
            self.kafka.command("up")
        wait_for(lambda: self.db.sql("SELECT count(*) FROM kafka_produce_event WHERE NOT processed") == "0",
                 timeout=30, what="the old undelivered rows delivered")
        # events.kafka.enabled false on reload: the triggers go off (set by a
        # child process, so the master does not wait for the tables' locks).
        self.daemon.write_config(events={"kafka": {"enabled": False}})
        self.daemon.signal(signal.SIGHUP)
        wait_for(lambda: self.db.sql("SELECT string_agg(tgenabled::text, '') FROM pg_trigger "
                                     "WHERE tgname LIKE 'trigger_kafka_%'") == "DDD",
                 timeout=30, what="triggers disabled")
        mark = self.last_event_id()
        self.p.add_vrf({"auth": AUTH, "attr": {"rt": "65000:997", "name": "no events"}})
        self.assertEqual(self.outbox(mark), [])
        wait_for(lambda: self.daemon.child_pids("prefixd: events") == [], what="the producer to stop")


class AdoptedDatabase(unittest.TestCase):
    def test_pending_nipap_events_are_drained(self):
        import test_adoption
        db = test_adoption.NipapDatabase("events_adopt")
        self.addCleanup(db.drop)
        self.assertEqual(db.prefixd("db", "upgrade").returncode, 0)
        self.assertEqual(db.sql("SELECT count(*) FROM kafka_produce_event WHERE NOT processed"), "1")
        kafka = KafkaMock()
        self.addCleanup(kafka.close)
        db.daemon.write_config(events={"kafka": {"enabled": True, "brokers": kafka.bootstrap}})
        daemon = db.daemon.start()
        try:
            wait_for(lambda: [m for m in kafka.received() if m["topic"] == "nipap.vrf"], timeout=20,
                     what="the pending NIPAP event")
            m = [m for m in kafka.received() if m["topic"] == "nipap.vrf"][0]
            self.assertEqual((m["key"], json.loads(m["value"])), ("1", {"event_type": "UPDATE", "payload": {"id": 1}}))
            wait_for(lambda: db.sql("SELECT count(*) FROM kafka_produce_event WHERE NOT processed") == "0",
                     what="the pending event marked processed")
            self.assertEqual(db.sql("SELECT string_agg(tgenabled::text, '') FROM pg_trigger "
                                    "WHERE tgname LIKE 'trigger_kafka_%'"), "OOO")
        finally:
            daemon.stop()


if __name__ == "__main__":
    if "--kafka-mock" in sys.argv:
        i = sys.argv.index("--kafka-mock")
        KAFKA_MOCK = os.path.abspath(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    harness.main()
