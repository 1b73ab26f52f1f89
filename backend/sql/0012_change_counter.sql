-- SPDX-License-Identifier: MIT
-- The change counter of the response cache (issue 14). Every transaction
-- that changes a VRF, pool, prefix or ASN adds one to its connection's row
-- (once per transaction: the flag below is transaction-local), so
-- sum(changes) grows exactly when such a transaction commits, whoever
-- wrote it. A row per server process: writers never wait for each other
-- on it. Rows are never deleted (the sum must never go back).
CREATE TABLE IF NOT EXISTS prefixd_change_counter (
    backend_pid integer PRIMARY KEY,
    changes bigint NOT NULL
);

CREATE OR REPLACE FUNCTION prefixd_count_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('prefixd.change_counted', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('prefixd.change_counted', 'on', true);
    INSERT INTO prefixd_change_counter AS c (backend_pid, changes) VALUES (pg_backend_pid(), 1)
        ON CONFLICT (backend_pid) DO UPDATE SET changes = c.changes + 1;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['ip_net_vrf', 'vrf'], ['ip_net_pool', 'pool'],
                                     ['ip_net_plan', 'plan'], ['ip_net_asn', 'asn']] LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER prefixd_%s_count_change '
                       'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION prefixd_count_change()', t[2], t[1]);
    END LOOP;
END
$$;
