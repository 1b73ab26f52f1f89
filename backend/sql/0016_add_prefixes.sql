-- SPDX-License-Identifier: MIT
-- 0016_add_prefixes: runs of add_prefix calls in a batch as one statement
-- (issue 13, bulk provisioning).  Made one at a time, each call was a round
-- trip and a pass of the triggers: 65 280 explicit adds in batches of
-- 10 000 took 44-64 s, and 10 000 host allocations from one parent 7.5-15 s.
--
-- prefixd_add_prefixes adds N prefixes that add_prefix would add one after
-- another, with the same checks (0014's steps 30 and 110-150) and the same
-- audit rows, in one INSERT.  The daemon sends either explicit calls whose
-- own checks passed, that name their VRF by id and no pool, or the blocks
-- that N identical allocating calls would get one after another (found at
-- once; p_spaces holds the search prefix of each).  The prefixes of a run must not overlap each other, so
-- that no call's result depends on another's: each row reads back as it
-- would right after its own call.  Any refusal raises 'prefixd: set-wise add
-- refused' and the daemon, after rolling back to a savepoint, runs the calls
-- one by one: the first refusal is then reported for the right call with
-- NIPAP's message.  Rows come back in call order.
--
-- The per-row values are text arrays of one element per call; p_tags and
-- p_avps hold each call's array literal.  Allocated blocks were found
-- without claims (0013): once their positions are locked, each must still
-- be free -- nothing added inside it meanwhile -- or the run is refused.

CREATE OR REPLACE FUNCTION prefixd_add_prefixes(
    p_vrf_id integer[], p_prefix text[], p_type text[], p_status text[],
    p_description text[], p_comment text[], p_node text[], p_country text[],
    p_order_id text[], p_customer_id text[], p_external_key text[], p_alarm_priority text[],
    p_tags text[], p_avps text[], p_added_description text[],
    p_authoritative_source text, p_username text, p_authenticated_as text, p_full_name text,
    p_spaces cidr[])
RETURNS SETOF prefixd_plan_exact
LANGUAGE plpgsql AS $$
DECLARE
    v_refused boolean;
BEGIN
    -- (Created once per transaction; IF NOT EXISTS alone would send the
    -- client a notice on every later run.)
    IF to_regclass('pg_temp.prefixd_adding') IS NULL THEN
        CREATE TEMP TABLE prefixd_adding (
            ord integer, vrf_id integer, prefix cidr, type ip_net_plan_type, status ip_net_plan_status,
            description text, comment text, node text, country text, order_id text, customer_id text,
            external_key text, alarm_priority priority_5step, tags text[], avps hstore, added text,
            id integer
        ) ON COMMIT DROP;
    END IF;
    TRUNCATE prefixd_adding;
    INSERT INTO prefixd_adding
    SELECT u.ord, u.vrf_id, u.prefix::cidr, u.type::ip_net_plan_type, u.status::ip_net_plan_status,
           u.description, u.comment, u.node, u.country, u.order_id, u.customer_id, u.external_key,
           u.alarm_priority::priority_5step, u.tags::text[], hstore(u.avps::text[]), u.added, NULL
      FROM unnest(p_vrf_id, p_prefix, p_type, p_status, p_description, p_comment, p_node, p_country,
                  p_order_id, p_customer_id, p_external_key, p_alarm_priority, p_tags, p_avps,
                  p_added_description)
           WITH ORDINALITY AS u(vrf_id, prefix, type, status, description, comment, node, country,
                                order_id, customer_id, external_key, alarm_priority, tags, avps,
                                added, ord);

    -- 30: every VRF exists; then the positions, all at once (0013's order).
    IF EXISTS (SELECT 1 FROM prefixd_adding a WHERE NOT EXISTS (SELECT 1 FROM ip_net_vrf v WHERE v.id = a.vrf_id)) THEN
        RAISE EXCEPTION 'prefixd: set-wise add refused';
    END IF;
    PERFORM prefixd_lock_positions(p_vrf_id, p_prefix::cidr[]);

    -- The calls' prefixes are disjoint (in address order, a prefix covering
    -- others comes right before the first of them), and none exists yet.
    SELECT EXISTS (
               SELECT 1 FROM (SELECT a.prefix, lag(a.prefix) OVER (PARTITION BY a.vrf_id ORDER BY a.prefix) AS before
                                FROM prefixd_adding a) s
                WHERE s.before >>= s.prefix)
        OR EXISTS (SELECT 1 FROM prefixd_adding a JOIN ip_net_plan p ON p.vrf_id = a.vrf_id AND p.prefix = a.prefix)
        -- Allocated blocks were free when found: only prefixes covering
        -- their search prefix may overlap them.
        OR p_spaces IS NOT NULL AND EXISTS (
               SELECT 1 FROM prefixd_adding a
                 JOIN unnest(p_spaces) WITH ORDINALITY AS s(space, ord) ON s.ord = a.ord
                WHERE EXISTS (SELECT 1 FROM ip_net_plan c
                               WHERE c.vrf_id + 0 = a.vrf_id AND iprange(c.prefix) && iprange(a.prefix)
                                 AND NOT iprange(c.prefix) >>= iprange(s.space)))
      INTO v_refused;
    IF v_refused THEN
        RAISE EXCEPTION 'prefixd: set-wise add refused';
    END IF;

    -- 110: each parent's type, and what an assignment would contain.
    SELECT EXISTS (
        SELECT 1
          FROM prefixd_adding a
          LEFT JOIN LATERAL (SELECT p.type FROM ip_net_plan p
                              WHERE p.vrf_id + 0 = a.vrf_id AND iprange(p.prefix) >> iprange(a.prefix)
                              ORDER BY masklen(p.prefix) DESC LIMIT 1) par ON true
         WHERE CASE WHEN a.type = 'host' THEN par.type IS DISTINCT FROM 'assignment'
                    ELSE par.type IS NOT NULL AND par.type <> 'reservation'
                         OR a.type = 'assignment' AND EXISTS (
                                SELECT 1 FROM ip_net_plan c
                                 WHERE c.vrf_id + 0 = a.vrf_id AND iprange(c.prefix) << iprange(a.prefix)
                                   AND c.type <> 'host') END)
      INTO v_refused;
    IF v_refused THEN
        RAISE EXCEPTION 'prefixd: set-wise add refused';
    END IF;

    -- The free block of a pool member's child longer than the pool's length,
    -- as prefixd_add_prefix locks it (allocations claim those blocks).
    PERFORM pg_advisory_xact_lock(1885763686, k.key)
       FROM (SELECT DISTINCT hashint8(prefixd_position_key(a.vrf_id,
                    network(set_masklen(a.prefix, greatest(par.len, masklen(par.prefix))))::cidr)) AS key
               FROM prefixd_adding a
               JOIN LATERAL (SELECT p.prefix,
                                    CASE family(a.prefix) WHEN 4 THEN o.ipv4_default_prefix_length
                                                          ELSE o.ipv6_default_prefix_length END AS len
                               FROM ip_net_plan p LEFT JOIN ip_net_pool o ON o.id = p.pool_id
                              WHERE p.vrf_id + 0 = a.vrf_id AND iprange(p.prefix) >> iprange(a.prefix)
                              ORDER BY masklen(p.prefix) DESC LIMIT 1) par ON true
              WHERE par.len IS NOT NULL AND masklen(a.prefix) > par.len
                AND masklen(par.prefix) <= par.len + 1) k
      ORDER BY k.key;

    -- The rows, in call order.
    PERFORM set_config('prefixd.prelocked', 'on', true);
    WITH added AS (
        INSERT INTO ip_net_plan (vrf_id, prefix, type, status, description, comment, node, country,
                                 order_id, customer_id, external_key, authoritative_source, alarm_priority,
                                 tags, avps, expires)
        SELECT a.vrf_id, a.prefix, a.type, a.status, a.description, a.comment, a.node, a.country,
               a.order_id, a.customer_id, a.external_key, p_authoritative_source, a.alarm_priority,
               a.tags, a.avps, 'infinity'
          FROM prefixd_adding a ORDER BY a.ord
        RETURNING id, vrf_id, prefix)
    UPDATE prefixd_adding a SET id = added.id
      FROM added WHERE added.vrf_id = a.vrf_id AND added.prefix = a.prefix;
    PERFORM set_config('prefixd.prelocked', 'off', true);

    -- The audit rows (model.md §11), in call order.
    INSERT INTO ip_net_log (vrf_id, vrf_rt, vrf_name, prefix_prefix, prefix_id, pool_name, pool_id,
                            username, authenticated_as, authoritative_source, full_name, description)
    SELECT v.id, v.rt, v.name, a.prefix, a.id, NULL, NULL,
           p_username, p_authenticated_as, p_authoritative_source, p_full_name, a.added
      FROM prefixd_adding a JOIN ip_net_vrf v ON v.id = a.vrf_id
     ORDER BY a.ord;

    RETURN QUERY SELECT e.* FROM prefixd_adding a JOIN prefixd_plan_exact e ON e.id = a.id ORDER BY a.ord;
END
$$;
