-- SPDX-License-Identifier: MIT
-- 0014_write_operations: add_prefix's database work as one call (issue 13:
-- one round trip per write).
--
-- The daemon checks what needs no database (spec/errors.md §4.3 order: the
-- mode, description or node, nil prefix, enumerations, missing type, host
-- length, node, country) and passes the step of the first check that failed
-- as p_stop; this function does the database steps of that order up to it
-- -- the VRF, the position lock, the hierarchy, the pool's VRF, duplicates --
-- raising NIPAP's refusals as "CODE:message", and returns no row when it
-- reaches p_stop (the daemon then raises its own refusal).  When nothing
-- fails it inserts the row, writes the audit rows and returns the row as
-- prefixd_plan_exact shows it.  The
-- steps, in NIPAP's order:
--    30 VRF (by id; the daemon resolves rt/name itself), then the position
--       lock of the new prefix
--    40 description or node, 50 expires, 60 nil prefix, 70 prefix syntax,
--    80 enumerations, 90 vlan/monitor syntax, 100 missing type  (daemon)
--   110 hierarchy: host length (daemon), then parent and contents
--   120 pool: all members in one VRF (membership changes of one pool are
--       serialised by its pool lock)
--   130 node, 140 country  (daemon)
--   150 duplicate
-- p_vrf_locked: an allocation already resolved the VRF and claimed the
-- position.

DROP FUNCTION IF EXISTS prefixd_add_prefix(integer, integer, boolean, cidr, ip_net_plan_type,
    ip_net_plan_status, text, text, text, integer, text, text, text, text, text, priority_5step,
    boolean, integer, text[], text[], timestamptz, text, text, text, text);
CREATE FUNCTION prefixd_add_prefix(
    p_stop integer, p_vrf_id integer, p_vrf_locked boolean,
    p_prefix cidr, p_type ip_net_plan_type, p_status ip_net_plan_status,
    p_description text, p_comment text, p_node text, p_pool_id integer, p_country text,
    p_order_id text, p_customer_id text, p_external_key text, p_authoritative_source text,
    p_alarm_priority priority_5step, p_monitor boolean, p_vlan integer, p_tags text[], p_avps text[],
    p_expires timestamptz,
    p_username text, p_authenticated_as text, p_full_name text, p_added_description text)
RETURNS SETOF prefixd_plan_exact
LANGUAGE plpgsql AS $$
DECLARE
    v_vrf  record;
    v_par  record;
    v_pool text;  -- its name
    v_row  ip_net_plan;
    v_dup  boolean;
BEGIN
    -- 30: the VRF, then the position.
    SELECT id, rt, name INTO v_vrf FROM ip_net_vrf WHERE id = p_vrf_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION '1300:No matching VRF found.';
    END IF;
    IF p_stop <= 100 THEN
        RETURN;
    END IF;
    IF NOT p_vrf_locked THEN
        PERFORM prefixd_lock_position(p_vrf_id, p_prefix);
    END IF;
    IF p_stop <= 110 THEN
        RETURN;
    END IF;

    -- 110: the parent's type, and what an assignment would contain.
    SELECT p.id, p.prefix, p.type, p.pool_id,
           CASE family(p_prefix) WHEN 4 THEN o.ipv4_default_prefix_length ELSE o.ipv6_default_prefix_length END AS len
      INTO v_par
      FROM ip_net_plan p LEFT JOIN ip_net_pool o ON o.id = p.pool_id
     WHERE p.vrf_id + 0 = p_vrf_id AND iprange(p.prefix) >> iprange(p_prefix)
     ORDER BY masklen(p.prefix) DESC
     LIMIT 1;
    IF p_type = 'host' THEN
        IF v_par.id IS NULL THEN
            RAISE EXCEPTION '1200:Prefix of type host must have a parent (covering) prefix of type assignment';
        ELSIF v_par.type <> 'assignment' THEN
            RAISE EXCEPTION '1200:Parent prefix (%) is of type % but must be of type ''assignment''',
                v_par.prefix, v_par.type;
        END IF;
    ELSE
        IF v_par.id IS NOT NULL AND v_par.type <> 'reservation' THEN
            RAISE EXCEPTION '1200:Parent prefix (%) is of type % but must be of type ''reservation''',
                v_par.prefix, v_par.type;
        END IF;
        IF p_type = 'assignment' AND EXISTS (
                SELECT 1 FROM ip_net_plan c
                 WHERE c.vrf_id + 0 = p_vrf_id AND iprange(c.prefix) << iprange(p_prefix) AND c.type <> 'host') THEN
            RAISE EXCEPTION '1200:Prefix of type ''assignment'' must not have any subnets other than of type ''host''';
        END IF;
    END IF;

    -- 120: joining a pool keeps its members in one VRF.
    IF p_pool_id IS NOT NULL THEN
        PERFORM prefixd_lock_pool(p_pool_id, true);
        SELECT name INTO v_pool FROM ip_net_pool WHERE id = p_pool_id;
        IF EXISTS (SELECT 1 FROM ip_net_plan WHERE pool_id = p_pool_id AND vrf_id <> p_vrf_id) THEN
            RAISE EXCEPTION '1200:Change not allowed. All member prefixes of a pool must be in a the same VRF.';
        END IF;
    END IF;
    IF p_stop <= 150 THEN
        RETURN;
    END IF;

    -- 150: duplicates.  Planned per call (EXECUTE): a cached generic plan
    -- made while the table was small reads every row of the VRF through
    -- ip_net_plan__vrf_id__index instead of probing the (vrf_id, prefix)
    -- index, which made a batch into a new database quadratic (0.12 ms per
    -- add at 3 000 rows, 0.02 ms planned per call).
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM ip_net_plan WHERE vrf_id = $1 AND prefix = $2)'
       INTO v_dup USING p_vrf_id, p_prefix;
    IF v_dup THEN
        RAISE EXCEPTION '1400:Duplicate value for ''prefix'', the value ''%, %'' is already in use.',
            p_vrf_id, host(p_prefix) || CASE WHEN prefixd_is_full_length(p_prefix) THEN ''
                                             ELSE '/' || masklen(p_prefix) END;
    END IF;

    -- The row.  Its position (and the free block, when it is a pool
    -- member's child longer than the pool's length) is locked here, so the
    -- row trigger need not lock again.
    IF v_par.len IS NOT NULL AND masklen(p_prefix) > v_par.len AND masklen(v_par.prefix) <= v_par.len + 1 THEN
        PERFORM pg_advisory_xact_lock(1885763686, hashint8(prefixd_position_key(p_vrf_id,
            network(set_masklen(p_prefix, greatest(v_par.len, masklen(v_par.prefix))))::cidr)));
    END IF;
    PERFORM set_config('prefixd.prelocked', 'on', true);
    INSERT INTO ip_net_plan (vrf_id, prefix, type, status, description, comment, node, pool_id, country,
                             order_id, customer_id, external_key, authoritative_source, alarm_priority,
                             monitor, vlan, tags, avps, expires)
    VALUES (p_vrf_id, p_prefix, p_type, p_status, p_description, p_comment, p_node, p_pool_id, p_country,
            p_order_id, p_customer_id, p_external_key, p_authoritative_source, p_alarm_priority,
            p_monitor, p_vlan, p_tags, hstore(p_avps), p_expires)
    RETURNING * INTO v_row;
    PERFORM set_config('prefixd.prelocked', 'off', true);

    -- The audit rows (model.md §11).
    INSERT INTO ip_net_log (vrf_id, vrf_rt, vrf_name, prefix_prefix, prefix_id, pool_name, pool_id,
                            username, authenticated_as, authoritative_source, full_name, description)
    SELECT v_vrf.id, v_vrf.rt, v_vrf.name, v_row.prefix, v_row.id, NULL, NULL,
           p_username, p_authenticated_as, p_authoritative_source, p_full_name, p_added_description
    UNION ALL
    SELECT v_vrf.id, v_vrf.rt, v_vrf.name, v_row.prefix, v_row.id, v_pool, p_pool_id,
           p_username, p_authenticated_as, p_authoritative_source, p_full_name,
           'Pool ' || v_pool || ' expanded with prefix ' || v_row.prefix || ' in VRF '
           || coalesce(v_vrf.rt, 'None')
     WHERE p_pool_id IS NOT NULL;
    -- The row as readers see it: an insert above existing prefixes gets its
    -- children and used addresses from the statement trigger, after RETURNING.
    RETURN QUERY SELECT * FROM prefixd_plan_exact WHERE id = v_row.id;
END
$$;
