-- SPDX-License-Identifier: MIT
-- Change events (issue 16): NIPAP's outbox with NIPAP's names, so a consumer
-- written for nipapd works unchanged (model.md §12, auth-config.md §8.5).
--
-- * The trigger function is NIPAP's `tf_kafka_produce_event` (0002 named it
--   prefixd_tf_kafka_produce_event); the three triggers keep NIPAP's names and
--   whatever enabled/disabled state they had (`prefixd serve` sets it from
--   events.kafka.enabled, as nipapd does from [kafka] enabled).
-- * payload = row_to_json of the row (the old one for deletes), without
--   prefixd's own column parent_id, so it has exactly NIPAP's keys; an update
--   that leaves that payload unchanged adds nothing.
-- * Each event notifies channel `kafka_produce_event` (delivered at commit,
--   collapsed to one per transaction), so the producer wakes at once instead
--   of at its next poll.
-- * Two partial indexes: the producer reads the unprocessed rows in id order,
--   and deletes processed rows past the retention by age.

CREATE TABLE IF NOT EXISTS kafka_produce_event (
    id         serial PRIMARY KEY,
    table_name text NOT NULL,
    event_type text NOT NULL,
    payload    jsonb,
    processed  boolean DEFAULT false,
    created_at timestamptz DEFAULT now()
);

CREATE OR REPLACE FUNCTION tf_kafka_produce_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_payload jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_payload := row_to_json(OLD)::jsonb - 'parent_id';
    ELSE
        IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
            RETURN NULL;
        END IF;
        v_payload := row_to_json(NEW)::jsonb - 'parent_id';
        -- Only parent_id may differ while the payload does not (a field
        -- of ip_net_plan alone: parsed only when this branch runs there).
        IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ip_net_plan' THEN
            IF OLD.parent_id IS DISTINCT FROM NEW.parent_id
               AND v_payload = row_to_json(OLD)::jsonb - 'parent_id' THEN
                RETURN NULL;
            END IF;
        END IF;
    END IF;
    INSERT INTO kafka_produce_event (table_name, event_type, payload)
    VALUES (TG_TABLE_NAME, TG_OP, v_payload);
    PERFORM pg_notify('kafka_produce_event', '');
    RETURN NULL;
END
$$;

DO $kafka$
DECLARE
    v_enabled boolean;
BEGIN
    SELECT coalesce(bool_or(tgenabled <> 'D'), false) INTO v_enabled
      FROM pg_trigger
     WHERE NOT tgisinternal AND tgname LIKE 'trigger\_kafka\_%'
       AND tgrelid IN ('ip_net_plan'::regclass, 'ip_net_vrf'::regclass, 'ip_net_pool'::regclass);
    CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_plan
        AFTER INSERT OR UPDATE OR DELETE ON ip_net_plan
        FOR EACH ROW EXECUTE FUNCTION tf_kafka_produce_event();
    CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_vrf
        AFTER INSERT OR UPDATE OR DELETE ON ip_net_vrf
        FOR EACH ROW EXECUTE FUNCTION tf_kafka_produce_event();
    CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_pool
        AFTER INSERT OR UPDATE OR DELETE ON ip_net_pool
        FOR EACH ROW EXECUTE FUNCTION tf_kafka_produce_event();
    IF NOT v_enabled THEN
        ALTER TABLE ip_net_plan DISABLE TRIGGER trigger_kafka_ip_net_plan;
        ALTER TABLE ip_net_vrf DISABLE TRIGGER trigger_kafka_ip_net_vrf;
        ALTER TABLE ip_net_pool DISABLE TRIGGER trigger_kafka_ip_net_pool;
    END IF;
END
$kafka$;

DROP FUNCTION IF EXISTS prefixd_tf_kafka_produce_event();

CREATE INDEX IF NOT EXISTS kafka_produce_event__unprocessed__index
    ON kafka_produce_event (id) WHERE processed IS NOT TRUE;
CREATE INDEX IF NOT EXISTS kafka_produce_event__processed_created__index
    ON kafka_produce_event (created_at) WHERE processed;
