-- SPDX-License-Identifier: MIT
-- 0013_position_locks: writes lock the prefix positions they touch instead of
-- their VRF, and statistics stop being a row every write must update.
--
-- Why (issue 13).  With durable commits (fsync, synchronous_commit on) a lock
-- or row that a transaction holds until its commit is held through the WAL
-- flush: 3 ms on the machine the issue measures (pg_test_fsync), so anything
-- every write of a VRF must hold -- the VRF lock of 0002, the VRF statistics
-- row, a parent's counters -- caps that VRF at about 300 writes/s however
-- short the work inside is, while concurrent commits that share nothing
-- share one flush (group commit: 13 600 trivial inserts/s at 32 clients here
-- against 315/s at one).
--
-- 1. Position locks.  Every change at prefix P of VRF v (insert, delete,
--    move, type/tags/pool change) takes transaction advisory locks on the
--    binary trie of addresses: SHARED on each truncation of P to a shorter
--    length, EXCLUSIVE on P itself (IPv6: every fourth length, so at most 33
--    locks per prefix in either family).  Two changes conflict exactly when
--    one prefix covers the other: the covering one holds exclusive the key
--    the covered one needs shared.  Disjoint changes never wait for each
--    other, however close; a prefix inserted above a subtree waits for and
--    excludes every change inside it.  Locks are taken before the rows are
--    read (row triggers, and the daemon before its checks), and every read
--    after them sees what the lock's previous holders committed, because it
--    runs in READ COMMITTED with a fresh snapshot per statement.  Writes to
--    the hierarchy in REPEATABLE READ or SERIALIZABLE are refused: their
--    snapshot cannot see what a lock they waited for protected.
--    A transaction that changes more than 128 positions of one VRF and
--    family escalates to an exclusive lock on that whole tree (bulk
--    statements, batches), keeping the lock table bounded.
--
-- 2. Statistics without hot rows.  A parent's children/used, the VRF's and
--    the pools' statistics change by additive deltas.  Plain SQL sessions
--    apply them to the rows at once, as before (their rows are exact when
--    the statement ends).  Sessions that set prefixd.deferred_statistics
--    (the daemon) append them to prefixd_stat_pending instead, which no two
--    writers contend for, and fold them into the rows after their commit
--    with prefixd_fold_statistics() (asynchronous commit, a short row lock).
--    Readers that must be exact at every instant add the pending deltas:
--    the views prefixd_plan_exact, prefixd_vrf_exact and prefixd_pool_exact
--    are the three tables with exact statistics (the daemon reads them).  Invariant:
--    true value = stored value + sum of committed pending deltas.
--    Pool free_prefixes is made additive too: a child longer than the
--    pool's default length L locks the L-block around it exclusively, so the
--    count of free blocks in that block changes under one writer at a time
--    (see prefixd_child_free_delta).
--
-- 3. Set-wise subtree updates.  Inserting a prefix above N descendants or
--    removing one from above them updates them with one statement (indent
--    +/-1, parent of the direct children, hosts' display_prefix, inherited
--    tags by formula or one recursive query), not a tree probe per row.

------------------------------------------------------------------------------
-- 1. Pending statistics.
------------------------------------------------------------------------------

-- kind 'p': a prefix (target = ip_net_plan.id): n = children, a = used_addresses.
-- kind 'v': a VRF and family: n = num_prefixes, t = total, a = used addresses.
-- kind 'o': a pool and family: n = member_prefixes, u = used_prefixes,
--           t = total, a = used addresses, f = free_prefixes.
-- (free_addresses is always total - used.)  Rows whose target no longer
-- exists are dropped by the next fold.
CREATE TABLE IF NOT EXISTS prefixd_stat_pending (
    kind   "char" NOT NULL,
    target integer NOT NULL,
    family smallint NOT NULL DEFAULT 0,
    n      numeric NOT NULL DEFAULT 0,
    u      numeric NOT NULL DEFAULT 0,
    t      numeric NOT NULL DEFAULT 0,
    a      numeric NOT NULL DEFAULT 0,
    f      numeric NOT NULL DEFAULT 0
);
COMMENT ON TABLE prefixd_stat_pending IS
    'prefixd: statistics deltas not yet folded into ip_net_plan/ip_net_vrf/ip_net_pool (see prefixd_fold_statistics)';
CREATE INDEX IF NOT EXISTS prefixd_stat_pending__target__index ON prefixd_stat_pending (kind, target);

DO $type$
BEGIN
    IF to_regtype('prefixd_stat_delta') IS NULL THEN
        CREATE TYPE prefixd_stat_delta AS (
            kind   "char",
            target integer,
            family smallint,
            n      numeric,
            u      numeric,
            t      numeric,
            a      numeric,
            f      numeric
        );
    END IF;
    -- The change records carry the old row's tags (set-wise removal of a
    -- tagged middle prefix).
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = 'prefixd_plan_change'::regclass::oid AND attname = 'tags') THEN
        ALTER TYPE prefixd_plan_change ADD ATTRIBUTE tags text[];
    END IF;
END
$type$;

-- 0002's helpers without STRICT, so that the planner inlines them into the
-- statements that call them (a STRICT SQL function whose body is not itself
-- strict is called, and planned, per row).
CREATE OR REPLACE FUNCTION prefixd_prefix_size(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT trunc(2::numeric ^ ((CASE family(p) WHEN 4 THEN 32 ELSE 128 END) - masklen(p)))
$$;

CREATE OR REPLACE FUNCTION prefixd_is_full_length(p cidr) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT masklen(p) = CASE family(p) WHEN 4 THEN 32 ELSE 128 END
$$;

CREATE OR REPLACE FUNCTION prefixd_range_lo(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(iprange(p))::numeric $$;
CREATE OR REPLACE FUNCTION prefixd_range_hi(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT upper(iprange(p))::numeric $$;

------------------------------------------------------------------------------
-- 2. Position locks.
------------------------------------------------------------------------------

-- The lock keys of a position, from the root of its VRF's tree (length 0)
-- down to its own (the last element).  IPv4: every length, the key holds
-- the VRF, the length and the truncated address bit-exactly (VRF ids above
-- 2^25 wrap, which only adds false conflicts).  IPv6: every fourth length,
-- a 64-bit hash of VRF and truncated prefix.
CREATE OR REPLACE FUNCTION prefixd_position_keys(p_vrf integer, p_prefix cidr) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN family(p_prefix) = 4 THEN
        ARRAY(SELECT (p_vrf::bigint << 38) # (l::bigint << 32)
                     # ((p_prefix - '0.0.0.0'::inet) & ~((1::bigint << (32 - l)) - 1))
                FROM generate_series(0, masklen(p_prefix)) l)
    ELSE
        ARRAY(SELECT hashtextextended(network(set_masklen(p_prefix, l))::text, p_vrf)
                FROM generate_series(0, masklen(p_prefix), 4) l)
    END
$$;

-- The key of one position (the last of prefixd_position_keys).
CREATE OR REPLACE FUNCTION prefixd_position_key(p_vrf integer, p_prefix cidr) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN family(p_prefix) = 4 THEN
        (p_vrf::bigint << 38) # (masklen(p_prefix)::bigint << 32) # (network(p_prefix) - '0.0.0.0'::inet)
    ELSE
        hashtextextended(network(set_masklen(p_prefix, masklen(p_prefix) / 4 * 4))::text, p_vrf)
    END
$$;

-- True when this transaction must lock what it changes in VRF p_vrf (family
-- of p_prefix): not when the daemon has already locked a covering position
-- for the statement (prefixd.prelocked) and not after escalation.  Used in
-- the WHEN of the delete trigger, so a bulk delete costs no function call
-- per row once escalated.
CREATE OR REPLACE FUNCTION prefixd_lock_needed(p_vrf integer, p_prefix cidr) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('prefixd.prelocked', true), '') <> 'on'
       AND strpos(coalesce(current_setting('prefixd.escalated', true), ''),
                  ' ' || p_vrf || '/' || family(p_prefix) || ' ') = 0
$$;

-- Locks positions (VRF, prefix) for a change: exclusive on each, shared on
-- their truncations, all in one order (length, then key) so that two
-- transactions locking several positions at once cannot deadlock.  The
-- 129th position of one VRF and family in a transaction escalates to an
-- exclusive lock on that tree's root.
CREATE OR REPLACE FUNCTION prefixd_lock_positions(p_vrfs integer[], p_prefixes cidr[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_esc   text := coalesce(current_setting('prefixd.escalated', true), '');
    v_count integer := coalesce(nullif(current_setting('prefixd.positions', true), ''), '0')::integer;
    v_pos   record;
    v_tag   text;
    v_vrfs  integer[] := '{}';
    v_pfx   cidr[] := '{}';
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'prefixd: changes to the prefix hierarchy need READ COMMITTED isolation'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'derived data (parents, statistics) is computed against the latest committed state';
    END IF;
    FOR v_pos IN SELECT DISTINCT u.vrf, u.pfx FROM unnest(p_vrfs, p_prefixes) AS u(vrf, pfx) WHERE u.pfx IS NOT NULL LOOP
        v_tag := ' ' || v_pos.vrf || '/' || family(v_pos.pfx) || ' ';
        CONTINUE WHEN strpos(v_esc, v_tag) > 0;
        v_count := v_count + 1;
        IF v_count > 128 THEN
            PERFORM pg_advisory_xact_lock(prefixd_position_key(v_pos.vrf,
                CASE family(v_pos.pfx) WHEN 4 THEN '0.0.0.0/0'::cidr ELSE '::/0'::cidr END));
            v_esc := v_esc || v_tag;
            PERFORM set_config('prefixd.escalated', v_esc, true);
            CONTINUE;
        END IF;
        v_vrfs := v_vrfs || v_pos.vrf;
        v_pfx := v_pfx || v_pos.pfx;
    END LOOP;
    PERFORM set_config('prefixd.positions', v_count::text, true);
    IF cardinality(v_pfx) = 1 THEN
        -- One position (an edit or a removal of one prefix): its keys in
        -- level order, without the sort below (1.4 ms -> 0.2 ms).
        PERFORM prefixd_lock_keys(v_vrfs[1], v_pfx[1]);
    ELSIF cardinality(v_pfx) > 1 THEN
        PERFORM CASE WHEN k.excl THEN pg_advisory_xact_lock(k.key) ELSE pg_advisory_xact_lock_shared(k.key) END
           FROM (SELECT key, bool_or(excl) AS excl, min(lvl) AS lvl
                   FROM (SELECT e.key, e.ord = cardinality(ks.keys) AS excl, e.ord AS lvl
                           FROM unnest(v_vrfs, v_pfx) AS u(vrf, pfx)
                          CROSS JOIN LATERAL (SELECT prefixd_position_keys(u.vrf, u.pfx) AS keys) ks
                          CROSS JOIN LATERAL unnest(ks.keys) WITH ORDINALITY AS e(key, ord)) all_keys
                  GROUP BY key) k
          ORDER BY k.lvl, k.key;
    END IF;
END
$$;

-- One position, root first (the order above, for one position): the write
-- path's case, without arrays.
CREATE OR REPLACE FUNCTION prefixd_lock_position(p_vrf integer, p_prefix cidr) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_tag   text := ' ' || p_vrf || '/' || family(p_prefix) || ' ';
    v_count integer;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM prefixd_lock_positions(ARRAY[p_vrf], ARRAY[p_prefix]);  -- raises
    END IF;
    IF strpos(coalesce(current_setting('prefixd.escalated', true), ''), v_tag) > 0 THEN
        RETURN;
    END IF;
    v_count := coalesce(nullif(current_setting('prefixd.positions', true), ''), '0')::integer + 1;
    IF v_count > 128 THEN
        PERFORM prefixd_lock_positions(ARRAY[p_vrf], ARRAY[p_prefix]);  -- escalates
        RETURN;
    END IF;
    PERFORM set_config('prefixd.positions', v_count::text, true);
    PERFORM prefixd_lock_keys(p_vrf, p_prefix);
END
$$;

-- The locks of one position, root first: shared on its truncations,
-- exclusive on itself (the keys of prefixd_position_keys).  Uncounted: for
-- the two functions above.
CREATE OR REPLACE FUNCTION prefixd_lock_keys(p_vrf integer, p_prefix cidr) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_len   integer := masklen(p_prefix);
    v_addr  bigint;
BEGIN
    IF family(p_prefix) = 4 THEN
        v_addr := p_prefix - '0.0.0.0'::inet;
        PERFORM pg_advisory_xact_lock_shared((p_vrf::bigint << 38) # (l::bigint << 32)
                                             # (v_addr & ~((1::bigint << (32 - l)) - 1)))
           FROM generate_series(0, v_len - 1) l;
        PERFORM pg_advisory_xact_lock((p_vrf::bigint << 38) # (v_len::bigint << 32) # v_addr);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(network(set_masklen(p_prefix, l))::text, p_vrf))
           FROM generate_series(0, v_len / 4 * 4 - 4, 4) l;
        PERFORM pg_advisory_xact_lock(hashtextextended(network(set_masklen(p_prefix, v_len / 4 * 4))::text, p_vrf));
    END IF;
END
$$;

-- A pool's own lock: shared while an allocation reads its members and
-- default lengths, exclusive while a default length changes.
CREATE OR REPLACE FUNCTION prefixd_lock_pool(p_pool integer, p_exclusive boolean) RETURNS void
LANGUAGE sql AS $$
    SELECT CASE WHEN p_exclusive THEN pg_advisory_xact_lock(1885763685, p_pool)
                ELSE pg_advisory_xact_lock_shared(1885763685, p_pool) END
$$;

-- A pool's default prefix length for a family, with the member's own pool.
CREATE OR REPLACE FUNCTION prefixd_member_len(p_member integer, p_family integer,
    OUT pool_id integer, OUT prefix cidr, OUT len integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT m.pool_id, m.prefix,
           CASE p_family WHEN 4 THEN o.ipv4_default_prefix_length ELSE o.ipv6_default_prefix_length END
      INTO pool_id, prefix, len
      FROM ip_net_plan m JOIN ip_net_pool o ON o.id = m.pool_id
     WHERE m.id = p_member;
END
$$;

-- The free-block lock (section 2 of the header): a child c of pool member M
-- longer than the pool's default length L changes free_prefixes by a value
-- that depends on its siblings in the L-block around it, so such children
-- of M in one block are added and removed one transaction at a time (a
-- change of M's children there that is not longer than L is that block or
-- covers it, and conflicts through the position locks).  Allocations of the
-- default length never need it.
CREATE OR REPLACE FUNCTION prefixd_lock_free_block(p_vrf integer, p_child cidr, p_member integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_m record;
BEGIN
    IF p_member IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_m FROM prefixd_member_len(p_member, family(p_child));
    IF v_m.len IS NULL OR masklen(p_child) <= v_m.len OR masklen(v_m.prefix) > v_m.len + 1 THEN
        RETURN;
    END IF;
    -- Its own key space: the writers already hold the block's position key
    -- shared (a truncation of theirs), and upgrading that would deadlock.
    PERFORM pg_advisory_xact_lock(1885763686, hashint8(prefixd_position_key(p_vrf,
        network(set_masklen(p_child, greatest(v_m.len, masklen(v_m.prefix))))::cidr)));
END
$$;

-- Allocation (allocation.md §7.2): claims the first free candidate it can.
-- p_spaces[i] is the search prefix candidate p_candidates[i] lies in (the
-- candidates come from a free-space search, lowest first).  For each
-- candidate C, without waiting: the shared locks of C's truncations and the
-- exclusive lock of C.  A candidate whose own lock (or that of a prefix
-- between it and its search prefix) is taken is being allocated or covered
-- by a transaction in flight: the next candidate is tried, so concurrent
-- allocations get consecutive blocks instead of queueing.  Once locked, C
-- must still be free in what has been committed meanwhile (a fresh
-- snapshot): nothing overlaps it but its search prefix and what covers it.
-- Returns the claimed candidate, or NULL with p_wait_key set when a lock at
-- or above a search prefix is taken (a change of the search space itself is
-- in flight: the caller waits for it and searches again), or NULL when
-- every candidate is taken.
CREATE OR REPLACE FUNCTION prefixd_claim_prefix(p_vrf integer, p_spaces cidr[], p_candidates cidr[],
                                                OUT claimed cidr, OUT wait_key bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_i     integer;
    v_c     cidr;
    v_s     cidr;
    v_keys  bigint[];
    v_n     integer;
    v_top   integer;
    v_j     integer;
    v_ok    boolean;
    v_tag   text;
    v_escalated boolean;
    v_space cidr;     -- the search prefix v_len belongs to
    v_len   integer;  -- its pool's default length, when it is a pool member
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM prefixd_lock_positions(ARRAY[p_vrf], ARRAY[p_candidates[1]]);  -- raises
    END IF;
    IF coalesce(cardinality(p_candidates), 0) = 0 THEN
        RETURN;
    END IF;
    -- A transaction past 128 positions in this tree (a batch) holds it
    -- exclusively instead (prefixd_lock_positions): its claims need no
    -- locks, and 10 000 of them would not fit PostgreSQL's lock table.
    v_tag := ' ' || p_vrf || '/' || family(p_candidates[1]) || ' ';
    IF strpos(coalesce(current_setting('prefixd.escalated', true), ''), v_tag) = 0
       AND coalesce(nullif(current_setting('prefixd.positions', true), ''), '0')::integer >= 128 THEN
        PERFORM prefixd_lock_positions(ARRAY[p_vrf], ARRAY[p_candidates[1]]);  -- escalates
    END IF;
    v_escalated := strpos(coalesce(current_setting('prefixd.escalated', true), ''), v_tag) > 0;
    FOR v_i IN 1 .. cardinality(p_candidates) LOOP
        v_c := p_candidates[v_i];
        v_s := p_spaces[v_i];
        IF NOT v_escalated THEN
            v_keys := prefixd_position_keys(p_vrf, v_c);
            v_n := cardinality(v_keys);
            -- keys up to this index lock the search prefix or what covers it
            v_top := CASE family(v_c) WHEN 4 THEN masklen(v_s) + 1 ELSE masklen(v_s) / 4 + 1 END;
            -- C's own key first: concurrent allocations contend for the same
            -- lowest candidates, and one try-lock tells that C is taken (the
            -- truncations after it cost 32 more).  Try-locks never wait, so
            -- the order cannot deadlock; a C locked here and then given up (a
            -- change above it in flight) stays locked by us, which only makes
            -- others skip it.
            CONTINUE WHEN NOT pg_try_advisory_xact_lock(v_keys[v_n]);
            v_ok := true;
            FOR v_j IN 1 .. v_n - 1 LOOP
                IF NOT pg_try_advisory_xact_lock_shared(v_keys[v_j]) THEN
                    IF v_j <= v_top THEN
                        wait_key := v_keys[v_j];
                        RETURN;
                    END IF;
                    v_ok := false;
                    EXIT;
                END IF;
            END LOOP;
            CONTINUE WHEN NOT v_ok;
            -- The free-block lock the add will take (prefixd_lock_free_block),
            -- tried now: waiting for it later, while holding C, closed a
            -- cycle with a batch that holds it and waits for C's claim.
            IF v_space IS DISTINCT FROM v_s THEN
                v_space := v_s;
                SELECT CASE family(v_c) WHEN 4 THEN o.ipv4_default_prefix_length
                                        ELSE o.ipv6_default_prefix_length END
                  INTO v_len
                  FROM ip_net_plan m JOIN ip_net_pool o ON o.id = m.pool_id
                 WHERE m.vrf_id + 0 = p_vrf AND m.prefix = v_s;
            END IF;
            CONTINUE WHEN v_len IS NOT NULL AND masklen(v_c) > v_len AND masklen(v_s) <= v_len + 1
                AND NOT pg_try_advisory_xact_lock(1885763686, hashint8(prefixd_position_key(p_vrf,
                        network(set_masklen(v_c, greatest(v_len, masklen(v_s))))::cidr)));
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM ip_net_plan x
             WHERE x.vrf_id + 0 = p_vrf AND iprange(x.prefix) && iprange(v_c)
               AND (x.prefix = v_c OR NOT iprange(x.prefix) >>= iprange(v_s))) THEN
            claimed := v_c;
            PERFORM set_config('prefixd.positions',
                (coalesce(nullif(current_setting('prefixd.positions', true), ''), '0')::integer + 1)::text, true);
            RETURN;
        END IF;
    END LOOP;
END
$$;

-- Waits for the position lock prefixd_claim_prefix reported taken (a change
-- of a search space in flight).  The lock is kept, shared, to the end of the
-- transaction, which excludes only a writer covering the allocation's space.
CREATE OR REPLACE FUNCTION prefixd_wait_position(p_key bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock_shared(p_key)
$$;

------------------------------------------------------------------------------
-- 3. Applying and folding statistics deltas.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION prefixd_statistics_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('prefixd.deferred_statistics', true), '') = 'on'
$$;

-- Folds into the stored rows: the given deltas plus every pending delta of
-- the targets they name.  Locks the targets (prefixes by id, then VRFs, then
-- pools: one order for every folder) and reads the pending rows after the
-- locks, in the statement that deletes them.
--
-- p_wait false (deferred sessions, background folds): only targets nobody
-- holds are folded; the deltas of the others stay pending.  No waiting, so
-- a write never queues behind another transaction's commit for a counter.
-- p_wait true (plain SQL sessions): waits for each target, so the rows are
-- exact when the statement ends -- except for a target another transaction
-- is deleting or moving (it holds the row's key lock, which a DELETE takes
-- before its row triggers run): that transaction in turn waits for our
-- position locks, so waiting would deadlock.  Its deltas stay pending, and
-- the deleting or moving statement counts them when it reads the row's
-- effective values.
CREATE OR REPLACE FUNCTION prefixd_fold(p_deltas prefixd_stat_delta[], p_wait boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('prefixd.maintenance', 'on', true);
    IF p_wait THEN
        -- Wait for the targets nobody is deleting or moving, in the folders'
        -- order; the statement below then finds them locked by us.
        PERFORM 1 FROM ip_net_plan
         WHERE id IN (SELECT id FROM ip_net_plan
                       WHERE id = ANY (ARRAY(SELECT d.target FROM unnest(p_deltas) d WHERE d.kind = 'p'))
                         FOR KEY SHARE SKIP LOCKED)
         ORDER BY id FOR NO KEY UPDATE;
        PERFORM 1 FROM ip_net_vrf
         WHERE id IN (SELECT id FROM ip_net_vrf
                       WHERE id = ANY (ARRAY(SELECT d.target FROM unnest(p_deltas) d WHERE d.kind = 'v'))
                         FOR KEY SHARE SKIP LOCKED)
         ORDER BY id FOR NO KEY UPDATE;
        PERFORM 1 FROM ip_net_pool
         WHERE id IN (SELECT id FROM ip_net_pool
                       WHERE id = ANY (ARRAY(SELECT d.target FROM unnest(p_deltas) d WHERE d.kind = 'o'))
                         FOR KEY SHARE SKIP LOCKED)
         ORDER BY id FOR NO KEY UPDATE;
    END IF;

    -- One statement for every kind: the targets we can lock now (l*), their
    -- pending rows (pend*, deleted), the sums written to the rows (upd*);
    -- the deltas of the others are appended to the pending rows (the final
    -- INSERT).  Never waits (SKIP LOCKED), so lock order does not matter.
    WITH d AS (
        SELECT x.kind, x.target, x.family, sum(x.n) AS n, sum(x.u) AS u, sum(x.t) AS t, sum(x.a) AS a, sum(x.f) AS f
          FROM unnest(p_deltas) x GROUP BY x.kind, x.target, x.family
    ), lp AS (
        SELECT p.id FROM ip_net_plan p WHERE p.id IN (SELECT d.target FROM d WHERE d.kind = 'p')
           FOR NO KEY UPDATE SKIP LOCKED
    ), lv AS (
        SELECT v.id FROM ip_net_vrf v WHERE v.id IN (SELECT d.target FROM d WHERE d.kind = 'v')
           FOR NO KEY UPDATE SKIP LOCKED
    ), lo AS (
        SELECT o.id FROM ip_net_pool o WHERE o.id IN (SELECT d.target FROM d WHERE d.kind = 'o')
           FOR NO KEY UPDATE SKIP LOCKED
    ), pend AS (
        DELETE FROM prefixd_stat_pending s
         WHERE (s.kind = 'p' AND s.target IN (SELECT id FROM lp))
            OR (s.kind = 'v' AND s.target IN (SELECT id FROM lv))
            OR (s.kind = 'o' AND s.target IN (SELECT id FROM lo))
        RETURNING s.kind, s.target, s.family, s.n, s.u, s.t, s.a, s.f
    ), y AS (
        SELECT d.kind, d.target, d.family, d.n, d.u, d.t, d.a, d.f FROM d
         WHERE CASE d.kind WHEN 'p' THEN d.target IN (SELECT id FROM lp)
                           WHEN 'v' THEN d.target IN (SELECT id FROM lv)
                           ELSE d.target IN (SELECT id FROM lo) END
        UNION ALL
        SELECT pend.kind, pend.target, pend.family, pend.n, pend.u, pend.t, pend.a, pend.f FROM pend
    ), tot AS (
        SELECT y.kind, y.target,
               sum(y.n) AS n,
               coalesce(sum(y.n) FILTER (WHERE y.family = 4), 0) AS n4, coalesce(sum(y.n) FILTER (WHERE y.family = 6), 0) AS n6,
               coalesce(sum(y.u) FILTER (WHERE y.family = 4), 0) AS u4, coalesce(sum(y.u) FILTER (WHERE y.family = 6), 0) AS u6,
               coalesce(sum(y.t) FILTER (WHERE y.family = 4), 0) AS t4, coalesce(sum(y.t) FILTER (WHERE y.family = 6), 0) AS t6,
               sum(y.a) AS a,
               coalesce(sum(y.a) FILTER (WHERE y.family = 4), 0) AS a4, coalesce(sum(y.a) FILTER (WHERE y.family = 6), 0) AS a6,
               coalesce(sum(y.f) FILTER (WHERE y.family = 4), 0) AS f4, coalesce(sum(y.f) FILTER (WHERE y.family = 6), 0) AS f6
          FROM y GROUP BY y.kind, y.target
    ), updp AS (
        UPDATE ip_net_plan p
           SET children = p.children + tot.n::integer,
               used_addresses = CASE WHEN prefixd_is_full_length(p.prefix) THEN p.total_addresses
                                     ELSE p.used_addresses + tot.a END,
               free_addresses = CASE WHEN prefixd_is_full_length(p.prefix) THEN 0
                                     ELSE p.free_addresses - tot.a END
          FROM tot
         WHERE tot.kind = 'p' AND p.id = tot.target AND (tot.n <> 0 OR tot.a <> 0)
    ), updv AS (
        UPDATE ip_net_vrf v
           SET num_prefixes_v4 = v.num_prefixes_v4 + tot.n4, num_prefixes_v6 = v.num_prefixes_v6 + tot.n6,
               total_addresses_v4 = v.total_addresses_v4 + tot.t4, total_addresses_v6 = v.total_addresses_v6 + tot.t6,
               used_addresses_v4 = v.used_addresses_v4 + tot.a4, used_addresses_v6 = v.used_addresses_v6 + tot.a6,
               free_addresses_v4 = v.free_addresses_v4 + tot.t4 - tot.a4,
               free_addresses_v6 = v.free_addresses_v6 + tot.t6 - tot.a6
          FROM tot
         WHERE tot.kind = 'v' AND v.id = tot.target
           AND (tot.n4, tot.n6, tot.t4, tot.t6, tot.a4, tot.a6) <> (0, 0, 0, 0, 0, 0)
    ), updo AS (
        UPDATE ip_net_pool o
           SET member_prefixes_v4 = o.member_prefixes_v4 + tot.n4,
               member_prefixes_v6 = o.member_prefixes_v6 + tot.n6,
               used_prefixes_v4 = o.used_prefixes_v4 + tot.u4,
               used_prefixes_v6 = o.used_prefixes_v6 + tot.u6,
               total_addresses_v4 = o.total_addresses_v4 + tot.t4,
               total_addresses_v6 = o.total_addresses_v6 + tot.t6,
               used_addresses_v4 = o.used_addresses_v4 + tot.a4,
               used_addresses_v6 = o.used_addresses_v6 + tot.a6,
               free_addresses_v4 = o.free_addresses_v4 + tot.t4 - tot.a4,
               free_addresses_v6 = o.free_addresses_v6 + tot.t6 - tot.a6,
               -- NULL without a default length or without members (model.md §4.4)
               free_prefixes_v4 = CASE WHEN o.ipv4_default_prefix_length IS NULL
                                         OR o.member_prefixes_v4 + tot.n4 = 0 THEN NULL
                                       ELSE coalesce(o.free_prefixes_v4, 0) + tot.f4 END,
               free_prefixes_v6 = CASE WHEN o.ipv6_default_prefix_length IS NULL
                                         OR o.member_prefixes_v6 + tot.n6 = 0 THEN NULL
                                       ELSE coalesce(o.free_prefixes_v6, 0) + tot.f6 END,
               total_prefixes_v4 = CASE WHEN o.ipv4_default_prefix_length IS NULL
                                          OR o.member_prefixes_v4 + tot.n4 = 0 THEN NULL
                                        ELSE o.used_prefixes_v4 + tot.u4 + coalesce(o.free_prefixes_v4, 0) + tot.f4 END,
               total_prefixes_v6 = CASE WHEN o.ipv6_default_prefix_length IS NULL
                                          OR o.member_prefixes_v6 + tot.n6 = 0 THEN NULL
                                        ELSE o.used_prefixes_v6 + tot.u6 + coalesce(o.free_prefixes_v6, 0) + tot.f6 END
          FROM tot
         WHERE tot.kind = 'o' AND o.id = tot.target
           AND (tot.n4, tot.n6, tot.u4, tot.u6, tot.t4, tot.t6, tot.a4, tot.a6, tot.f4, tot.f6)
               <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    )
    INSERT INTO prefixd_stat_pending (kind, target, family, n, u, t, a, f)
    SELECT d.kind, d.target, d.family, d.n, d.u, d.t, d.a, d.f FROM d
     WHERE (d.n, d.u, d.t, d.a, d.f) <> (0, 0, 0, 0, 0)
       AND CASE d.kind WHEN 'p' THEN d.target NOT IN (SELECT id FROM lp)
                       WHEN 'v' THEN d.target NOT IN (SELECT id FROM lv)
                                     AND EXISTS (SELECT 1 FROM ip_net_vrf x WHERE x.id = d.target)
                       ELSE d.target NOT IN (SELECT id FROM lo)
                            AND EXISTS (SELECT 1 FROM ip_net_pool x WHERE x.id = d.target) END;
END
$$;

-- Applies a statement's deltas: appended to prefixd_stat_pending in sessions
-- that set prefixd.deferred_statistics (no row of anyone else's is touched,
-- so no writer ever waits for another's commit here), folded into the rows
-- at once otherwise (plain SQL: the rows are exact when the statement ends).
CREATE OR REPLACE FUNCTION prefixd_apply_stats(p_deltas prefixd_stat_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_deltas) = 0 THEN
        RETURN;
    ELSIF prefixd_statistics_deferred() THEN
        INSERT INTO prefixd_stat_pending (kind, target, family, n, u, t, a, f)
        SELECT d.kind, d.target, d.family, sum(d.n), sum(d.u), sum(d.t), sum(d.a), sum(d.f)
          FROM unnest(p_deltas) d
         GROUP BY d.kind, d.target, d.family
        HAVING (sum(d.n), sum(d.u), sum(d.t), sum(d.a), sum(d.f)) <> (0, 0, 0, 0, 0);
    ELSE
        PERFORM prefixd_fold(p_deltas, true);
    END IF;
END
$$;

-- Folds every pending delta whose row nobody holds into the stored rows
-- (the daemon calls it in the background; anyone may).  Never waits.
-- Commits asynchronously: a fold lost to a crash leaves its deltas pending,
-- nothing else.  Returns the number of pending rows that remain (those of
-- rows other transactions hold, or pending deltas not yet committed), or -1
-- when another session is folding at this moment or, with p_min_interval,
-- the last fold began less than that long ago (one fold covers every
-- session's committed deltas; the daemon passes 20 ms: its workers each ask
-- every 20 ms while they write, and 8 busy workers made 250 folds a second,
-- a fifth of a core, where 50 do).  Deltas of prefixes, VRFs and pools that
-- no longer exist are swept by every fold without an interval and every
-- 64th with one, when the fold leaves anything.
CREATE TABLE IF NOT EXISTS prefixd_fold_clock (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    last   timestamptz NOT NULL,
    folds  bigint NOT NULL
);
INSERT INTO prefixd_fold_clock (last, folds) VALUES ('-infinity', 0) ON CONFLICT DO NOTHING;

DROP FUNCTION IF EXISTS prefixd_fold_statistics();
CREATE OR REPLACE FUNCTION prefixd_fold_statistics(p_min_interval interval DEFAULT '0') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_left  bigint;
    v_folds bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(1885763687, 0) THEN
        RETURN -1;
    END IF;
    UPDATE prefixd_fold_clock SET last = clock_timestamp(), folds = folds + 1
     WHERE last <= clock_timestamp() - p_min_interval
    RETURNING folds INTO v_folds;
    IF v_folds IS NULL THEN
        RETURN -1;
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM prefixd_fold(ARRAY(SELECT ROW(s.kind, s.target, 0, 0, 0, 0, 0, 0)::prefixd_stat_delta
                                 FROM (SELECT DISTINCT kind, target FROM prefixd_stat_pending) s), false);
    PERFORM set_config('prefixd.maintenance', 'off', true);
    SELECT count(*) INTO v_left FROM prefixd_stat_pending;
    -- What is left belongs to rows others hold, or to rows that are gone:
    -- those are swept (not on every fold: the sweep reads every pending row).
    IF v_left > 0 AND (v_folds % 64 = 0 OR p_min_interval = '0') THEN
        DELETE FROM prefixd_stat_pending s
         WHERE NOT CASE s.kind WHEN 'p' THEN EXISTS (SELECT 1 FROM ip_net_plan p WHERE p.id = s.target)
                               WHEN 'v' THEN EXISTS (SELECT 1 FROM ip_net_vrf v WHERE v.id = s.target)
                               ELSE EXISTS (SELECT 1 FROM ip_net_pool o WHERE o.id = s.target) END;
        SELECT count(*) INTO v_left FROM prefixd_stat_pending;
    END IF;
    RETURN v_left;
END
$$;

-- Exact statistics at every instant: the tables' rows with the pending
-- deltas added (same columns, so a reader swaps the table name for the
-- view).  The one-time filter (is anything pending at all) keeps a read of
-- many rows from probing the pending table per row when it is empty.
CREATE OR REPLACE VIEW prefixd_plan_exact AS
SELECT p.id, p.vrf_id, p.prefix, p.display_prefix, p.description, p.comment, p.node, p.pool_id, p.type,
       p.indent, p.country, p.order_id, p.customer_id, p.external_key, p.authoritative_source,
       p.alarm_priority, p.monitor,
       p.children + coalesce(d.n, 0)::integer AS children,
       p.vlan, p.tags, p.inherited_tags, p.added, p.last_modified, p.total_addresses,
       CASE WHEN d.a IS NULL OR prefixd_is_full_length(p.prefix) THEN p.used_addresses
            ELSE p.used_addresses + d.a END AS used_addresses,
       CASE WHEN d.a IS NULL OR prefixd_is_full_length(p.prefix) THEN p.free_addresses
            ELSE p.free_addresses - d.a END AS free_addresses,
       p.status, p.avps, p.expires, p.parent_id
  FROM ip_net_plan p
  LEFT JOIN LATERAL (SELECT sum(s.n) AS n, sum(s.a) AS a FROM prefixd_stat_pending s
                      WHERE (SELECT EXISTS (SELECT 1 FROM prefixd_stat_pending))
                        AND s.kind = 'p' AND s.target = p.id) d ON true;
COMMENT ON VIEW prefixd_plan_exact IS
    'prefixd: ip_net_plan with children/used/free addresses including deltas not yet folded into it';

CREATE OR REPLACE VIEW prefixd_vrf_exact AS
SELECT v.id, v.rt, v.name, v.description,
       v.num_prefixes_v4 + coalesce(d.n4, 0) AS num_prefixes_v4,
       v.num_prefixes_v6 + coalesce(d.n6, 0) AS num_prefixes_v6,
       v.total_addresses_v4 + coalesce(d.t4, 0) AS total_addresses_v4,
       v.total_addresses_v6 + coalesce(d.t6, 0) AS total_addresses_v6,
       v.used_addresses_v4 + coalesce(d.a4, 0) AS used_addresses_v4,
       v.used_addresses_v6 + coalesce(d.a6, 0) AS used_addresses_v6,
       v.free_addresses_v4 + coalesce(d.t4, 0) - coalesce(d.a4, 0) AS free_addresses_v4,
       v.free_addresses_v6 + coalesce(d.t6, 0) - coalesce(d.a6, 0) AS free_addresses_v6,
       v.tags, v.avps
  FROM ip_net_vrf v
  LEFT JOIN LATERAL (
      SELECT sum(s.n) FILTER (WHERE s.family = 4) AS n4, sum(s.n) FILTER (WHERE s.family = 6) AS n6,
             sum(s.t) FILTER (WHERE s.family = 4) AS t4, sum(s.t) FILTER (WHERE s.family = 6) AS t6,
             sum(s.a) FILTER (WHERE s.family = 4) AS a4, sum(s.a) FILTER (WHERE s.family = 6) AS a6
        FROM prefixd_stat_pending s
       WHERE (SELECT EXISTS (SELECT 1 FROM prefixd_stat_pending))
         AND s.kind = 'v' AND s.target = v.id) d ON true;
COMMENT ON VIEW prefixd_vrf_exact IS 'prefixd: ip_net_vrf with statistics including deltas not yet folded into it';

CREATE OR REPLACE VIEW prefixd_pool_exact AS
SELECT o.id, o.name, o.description, o.default_type, o.ipv4_default_prefix_length, o.ipv6_default_prefix_length,
       o.member_prefixes_v4 + coalesce(d.m4, 0) AS member_prefixes_v4,
       o.member_prefixes_v6 + coalesce(d.m6, 0) AS member_prefixes_v6,
       o.used_prefixes_v4 + coalesce(d.c4, 0) AS used_prefixes_v4,
       o.used_prefixes_v6 + coalesce(d.c6, 0) AS used_prefixes_v6,
       CASE WHEN o.ipv4_default_prefix_length IS NULL OR o.member_prefixes_v4 + coalesce(d.m4, 0) = 0 THEN NULL
            ELSE coalesce(o.free_prefixes_v4, 0) + coalesce(d.f4, 0) END AS free_prefixes_v4,
       CASE WHEN o.ipv6_default_prefix_length IS NULL OR o.member_prefixes_v6 + coalesce(d.m6, 0) = 0 THEN NULL
            ELSE coalesce(o.free_prefixes_v6, 0) + coalesce(d.f6, 0) END AS free_prefixes_v6,
       CASE WHEN o.ipv4_default_prefix_length IS NULL OR o.member_prefixes_v4 + coalesce(d.m4, 0) = 0 THEN NULL
            ELSE o.used_prefixes_v4 + coalesce(d.c4, 0) + coalesce(o.free_prefixes_v4, 0) + coalesce(d.f4, 0) END
           AS total_prefixes_v4,
       CASE WHEN o.ipv6_default_prefix_length IS NULL OR o.member_prefixes_v6 + coalesce(d.m6, 0) = 0 THEN NULL
            ELSE o.used_prefixes_v6 + coalesce(d.c6, 0) + coalesce(o.free_prefixes_v6, 0) + coalesce(d.f6, 0) END
           AS total_prefixes_v6,
       o.total_addresses_v4 + coalesce(d.t4, 0) AS total_addresses_v4,
       o.total_addresses_v6 + coalesce(d.t6, 0) AS total_addresses_v6,
       o.used_addresses_v4 + coalesce(d.u4, 0) AS used_addresses_v4,
       o.used_addresses_v6 + coalesce(d.u6, 0) AS used_addresses_v6,
       o.free_addresses_v4 + coalesce(d.t4, 0) - coalesce(d.u4, 0) AS free_addresses_v4,
       o.free_addresses_v6 + coalesce(d.t6, 0) - coalesce(d.u6, 0) AS free_addresses_v6,
       o.tags, o.avps
  FROM ip_net_pool o
  LEFT JOIN LATERAL (
      SELECT sum(s.n) FILTER (WHERE s.family = 4) AS m4, sum(s.n) FILTER (WHERE s.family = 6) AS m6,
             sum(s.u) FILTER (WHERE s.family = 4) AS c4, sum(s.u) FILTER (WHERE s.family = 6) AS c6,
             sum(s.t) FILTER (WHERE s.family = 4) AS t4, sum(s.t) FILTER (WHERE s.family = 6) AS t6,
             sum(s.a) FILTER (WHERE s.family = 4) AS u4, sum(s.a) FILTER (WHERE s.family = 6) AS u6,
             sum(s.f) FILTER (WHERE s.family = 4) AS f4, sum(s.f) FILTER (WHERE s.family = 6) AS f6
        FROM prefixd_stat_pending s
       WHERE (SELECT EXISTS (SELECT 1 FROM prefixd_stat_pending))
         AND s.kind = 'o' AND s.target = o.id) d ON true;
COMMENT ON VIEW prefixd_pool_exact IS 'prefixd: ip_net_pool with statistics including deltas not yet folded into it';

------------------------------------------------------------------------------
-- 4. Derived values of one row and of a leaf change.
------------------------------------------------------------------------------

-- Where a prefix sits: its direct parent (id, prefix), that parent's pool,
-- its depth, and its inherited tags (ancestors' tags from the top down,
-- deduplicated).  One GiST probe for the strictly containing prefixes;
-- p_exclude ignores the row's own old version when an UPDATE moves it.
CREATE OR REPLACE FUNCTION prefixd_position(
    p_vrf_id integer, p_prefix cidr, p_exclude integer,
    OUT parent_id integer, OUT parent_prefix cidr, OUT parent_pool integer, OUT indent integer,
    OUT inherited_tags text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    WITH anc AS MATERIALIZED (
        SELECT a.id, a.prefix, masklen(a.prefix) AS len, a.tags, a.pool_id
          FROM ip_net_plan a
         WHERE a.vrf_id + 0 = p_vrf_id  -- GiST, not all of the VRF via its vrf_id index
           AND iprange(a.prefix) >> iprange(p_prefix)
           AND a.id IS DISTINCT FROM p_exclude)
    SELECT pa.id, pa.prefix, pa.pool_id,
           (SELECT count(*) FROM anc),
           (SELECT prefixd_array_dedup(array_agg(t.tag ORDER BY anc.len, t.ord))
              FROM anc, unnest(anc.tags) WITH ORDINALITY AS t(tag, ord))
      INTO parent_id, parent_prefix, parent_pool, indent, inherited_tags
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT anc.id, anc.prefix, anc.pool_id FROM anc ORDER BY anc.len DESC LIMIT 1) pa ON true;
    inherited_tags := coalesce(inherited_tags, '{}');
END
$$;

-- Change of a pool's free_prefixes when child p_child of member p_member
-- (prefix p_mprefix, default length p_len) appears (p_sign 1) or goes
-- (-1), the rest of the member's children as they are now (model.md §4.4).
-- free_prefixes = NH - NS, NB = the B-aligned blocks inside the member that
-- no child touches, S = an L-block, H = an (L+1)-block.  A child of length
-- <= L covers 2^(L-len) whole S-blocks and twice as many H-blocks: additive.
-- A longer child touches one S-block and one H-block, which count only if no
-- sibling touches them: the caller holds the free-block lock of that S-block
-- (prefixd_lock_free_block), so no concurrent writer changes the answer.
CREATE OR REPLACE FUNCTION prefixd_child_free_delta(
    p_sign integer, p_member integer, p_mprefix cidr, p_len integer, p_child_id integer, p_child cidr)
RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_lc     integer := masklen(p_child);
    v_m      integer := masklen(p_mprefix);
    v_max    integer := CASE family(p_child) WHEN 4 THEN 32 ELSE 128 END;
    v_block  cidr;
    v_s_free boolean := false;
    v_h_free boolean := false;
BEGIN
    IF p_len IS NULL THEN
        RETURN 0;
    ELSIF v_lc <= p_len THEN
        RETURN -p_sign * trunc(2::numeric ^ (p_len - v_lc));
    ELSIF v_m > p_len + 1 THEN
        RETURN 0;  -- the member holds no H-block at all
    END IF;
    v_block := network(set_masklen(p_child, p_len + 1))::cidr;
    v_h_free := NOT EXISTS (
        SELECT 1 FROM ip_net_plan x
         WHERE x.parent_id = p_member AND x.id IS DISTINCT FROM p_child_id
           AND x.prefix >= v_block AND x.prefix <= set_masklen(broadcast(v_block), v_max)::cidr);
    IF v_m <= p_len AND v_h_free THEN
        v_block := network(set_masklen(p_child, p_len))::cidr;
        v_s_free := NOT EXISTS (
            SELECT 1 FROM ip_net_plan x
             WHERE x.parent_id = p_member AND x.id IS DISTINCT FROM p_child_id
               AND x.prefix >= v_block AND x.prefix <= set_masklen(broadcast(v_block), v_max)::cidr);
    END IF;
    RETURN p_sign * ((CASE WHEN v_s_free THEN 1 ELSE 0 END) - (CASE WHEN v_h_free THEN 1 ELSE 0 END));
END
$$;

-- Statistics of a leaf (no children) that appears (p_sign 1) or goes (-1):
-- its parent's children/used, its VRF, its parent's pool (the leaf is a
-- used prefix there) and its own pool (as a member without children).
CREATE OR REPLACE FUNCTION prefixd_leaf_change(
    p_sign integer, p_id integer, p_vrf integer, p_prefix cidr, p_parent integer, p_indent integer,
    p_total numeric, p_used numeric, p_pool integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_fam  smallint := family(p_prefix);
    v_max  integer := CASE family(p_prefix) WHEN 4 THEN 32 ELSE 128 END;
    v_vt   numeric := CASE WHEN p_indent = 0 THEN p_sign * p_total ELSE 0 END;
    v_va   numeric := CASE WHEN (p_indent = 0 AND masklen(p_prefix) = v_max) OR p_indent = 1
                           THEN p_sign * p_total ELSE 0 END;
    v_deltas prefixd_stat_delta[];
BEGIN
    IF p_sign < 0 THEN
        -- counted in p_used (a leaf whose pending deltas sum to no children)
        DELETE FROM prefixd_stat_pending WHERE kind = 'p' AND target = p_id;
    END IF;
    -- The VRF; the parent; the parent's pool, where the leaf is a used
    -- prefix; its own pool, where it is a member without children.
    v_deltas := ARRAY(
        SELECT ROW('v', p_vrf, v_fam, p_sign, 0, v_vt, v_va, 0)::prefixd_stat_delta
        UNION ALL
        SELECT ROW('p', p_parent, 0, p_sign, 0, 0, p_sign * p_total, 0)::prefixd_stat_delta WHERE p_parent IS NOT NULL
        UNION ALL
        SELECT ROW('o', m.pool_id, v_fam, 0, p_sign, 0, p_sign * p_total,
                   CASE WHEN l.len IS NULL THEN 0
                        WHEN masklen(p_prefix) <= l.len THEN -p_sign * trunc(2::numeric ^ (l.len - masklen(p_prefix)))
                        ELSE prefixd_child_free_delta(p_sign, p_parent, m.prefix, l.len, p_id, p_prefix) END
                  )::prefixd_stat_delta
          FROM ip_net_plan m JOIN ip_net_pool o ON o.id = m.pool_id
         CROSS JOIN LATERAL (SELECT CASE v_fam WHEN 4 THEN o.ipv4_default_prefix_length
                                               ELSE o.ipv6_default_prefix_length END AS len) l
         WHERE m.id = p_parent
        UNION ALL
        SELECT ROW('o', o.id, v_fam, p_sign, 0, p_sign * p_total, p_sign * p_used,
                   CASE WHEN l.len IS NULL THEN 0
                        ELSE p_sign * prefixd_free_blocks(lower(iprange(p_prefix))::numeric,
                                                          upper(iprange(p_prefix))::numeric, l.len, v_max) END
                  )::prefixd_stat_delta
          FROM ip_net_pool o
         CROSS JOIN LATERAL (SELECT CASE v_fam WHEN 4 THEN o.ipv4_default_prefix_length
                                               ELSE o.ipv6_default_prefix_length END AS len) l
         WHERE o.id = p_pool);
    PERFORM prefixd_apply_stats(v_deltas);
END
$$;

------------------------------------------------------------------------------
-- 5. Row triggers: locks and the row's own derived values.
------------------------------------------------------------------------------

-- BEFORE INSERT / UPDATE FOR EACH ROW (skipped for maintenance writes).
-- Takes the position locks, then computes the row's own derived values from
-- its parent (whose stored values are exact when the statement starts; the
-- statement trigger recomputes rows of multi-row statements and moves from
-- their whole ancestry) and from what it will contain, so that
-- INSERT ... RETURNING and a single-row insert are right without a second
-- write.
CREATE OR REPLACE FUNCTION prefixd_tf_plan_before_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_par   record;
    v_moved boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id THEN
            RAISE EXCEPTION 'changing the id of a prefix is not allowed';
        END IF;
        -- A user edit: last_modified moves unless the statement sets it.
        IF NEW.last_modified IS NOT DISTINCT FROM OLD.last_modified THEN
            NEW.last_modified := now();
        END IF;
        -- Derived columns belong to the database: keep the stored values.
        NEW.parent_id := OLD.parent_id;
        NEW.indent := OLD.indent;
        NEW.children := OLD.children;
        NEW.total_addresses := OLD.total_addresses;
        NEW.used_addresses := OLD.used_addresses;
        NEW.free_addresses := OLD.free_addresses;
        NEW.display_prefix := OLD.display_prefix;
        NEW.inherited_tags := OLD.inherited_tags;
        v_moved := (NEW.vrf_id, NEW.prefix) IS DISTINCT FROM (OLD.vrf_id, OLD.prefix);
        IF NOT v_moved AND (NEW.type, NEW.pool_id, NEW.tags) IS NOT DISTINCT FROM (OLD.type, OLD.pool_id, OLD.tags) THEN
            RETURN NEW;  -- nothing derived depends on what changed
        END IF;
        IF prefixd_lock_needed(OLD.vrf_id, OLD.prefix) OR prefixd_lock_needed(NEW.vrf_id, NEW.prefix) THEN
            PERFORM prefixd_lock_positions(ARRAY[OLD.vrf_id, NEW.vrf_id], ARRAY[OLD.prefix, NEW.prefix]);
            IF v_moved THEN
                PERFORM prefixd_lock_free_block(OLD.vrf_id, OLD.prefix, OLD.parent_id);
            END IF;
        END IF;
        IF NOT v_moved AND NEW.type IS NOT DISTINCT FROM OLD.type THEN
            RETURN NEW;  -- tags or pool: the statement trigger does the rest
        END IF;
    ELSIF prefixd_lock_needed(NEW.vrf_id, NEW.prefix) THEN
        PERFORM prefixd_lock_position(NEW.vrf_id, NEW.prefix);
    END IF;

    -- The parent (the most specific prefix strictly containing the row) and
    -- the prefixes the row will be the parent of: those inside it whose
    -- parent is (so far) the same parent, or the row itself when it moves.
    SELECT par.id, par.prefix, par.indent, par.inherited_tags, par.tags, par.pool_id, par.len, k.n, k.s
      INTO v_par
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
          SELECT p.id, p.prefix, p.indent, p.inherited_tags, p.tags, p.pool_id,
                 CASE family(NEW.prefix) WHEN 4 THEN o.ipv4_default_prefix_length
                                         ELSE o.ipv6_default_prefix_length END AS len
            FROM ip_net_plan p LEFT JOIN ip_net_pool o ON o.id = p.pool_id
           WHERE p.vrf_id + 0 = NEW.vrf_id  -- GiST, not all of the VRF via its vrf_id index
             AND iprange(p.prefix) >> iprange(NEW.prefix) AND p.id IS DISTINCT FROM NEW.id
           ORDER BY masklen(p.prefix) DESC
           LIMIT 1) par ON true
      CROSS JOIN LATERAL (
          SELECT count(*)::integer AS n, coalesce(sum(c.total_addresses), 0) AS s
            FROM ip_net_plan c
           WHERE NOT prefixd_is_full_length(NEW.prefix)  -- (a host has none: no probe)
             AND c.vrf_id + 0 = NEW.vrf_id AND iprange(c.prefix) << iprange(NEW.prefix)
             AND c.id IS DISTINCT FROM NEW.id
             AND (c.parent_id IS NOT DISTINCT FROM par.id OR c.parent_id = NEW.id)) k;
    -- A child of a pool member longer than the pool's default length: the
    -- free-block lock (prefixd_lock_free_block).
    IF v_par.len IS NOT NULL AND masklen(NEW.prefix) > v_par.len AND masklen(v_par.prefix) <= v_par.len + 1
       AND (TG_OP = 'INSERT' OR v_moved) AND prefixd_lock_needed(NEW.vrf_id, NEW.prefix) THEN
        PERFORM pg_advisory_xact_lock(1885763686, hashint8(prefixd_position_key(NEW.vrf_id,
            network(set_masklen(NEW.prefix, greatest(v_par.len, masklen(v_par.prefix))))::cidr)));
    END IF;
    NEW.parent_id := v_par.id;
    IF v_par.id IS NULL THEN
        NEW.indent := 0;
        NEW.inherited_tags := '{}';
        NEW.display_prefix := NEW.prefix::inet;
    ELSE
        NEW.indent := v_par.indent + 1;
        NEW.inherited_tags := CASE WHEN cardinality(coalesce(v_par.tags, '{}')) = 0 THEN coalesce(v_par.inherited_tags, '{}')
                                   ELSE prefixd_array_dedup(coalesce(v_par.inherited_tags, '{}') || v_par.tags) END;
        NEW.display_prefix := CASE WHEN NEW.type = 'host' THEN set_masklen(NEW.prefix::inet, masklen(v_par.prefix))
                                   ELSE NEW.prefix::inet END;
    END IF;
    NEW.total_addresses := trunc(2::numeric ^ ((CASE family(NEW.prefix) WHEN 4 THEN 32 ELSE 128 END) - masklen(NEW.prefix)));
    IF masklen(NEW.prefix) = (CASE family(NEW.prefix) WHEN 4 THEN 32 ELSE 128 END) THEN
        NEW.children := 0;
        NEW.used_addresses := NEW.total_addresses;
    ELSE
        NEW.children := v_par.n;
        NEW.used_addresses := v_par.s;
    END IF;
    NEW.free_addresses := NEW.total_addresses - NEW.used_addresses;
    IF TG_OP = 'UPDATE' AND NOT v_moved THEN
        -- A new type changes how the row shows (display_prefix), not what
        -- lies under it: its counters stay the stored ones, to which its
        -- pending deltas still apply.  (The recount above includes those
        -- deltas; written here, exact readers counted them twice.)
        NEW.children := OLD.children;
        NEW.used_addresses := OLD.used_addresses;
        NEW.free_addresses := OLD.free_addresses;
    END IF;
    RETURN NEW;
END
$$;

-- BEFORE DELETE FOR EACH ROW, unless the statement's positions are locked
-- already (prefixd_lock_needed in the trigger's WHEN).
CREATE OR REPLACE FUNCTION prefixd_tf_plan_before_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM prefixd_lock_position(OLD.vrf_id, OLD.prefix);
    PERFORM prefixd_lock_free_block(OLD.vrf_id, OLD.prefix, OLD.parent_id);
    RETURN OLD;
END
$$;

------------------------------------------------------------------------------
-- 6. Statement triggers: what a statement changed, and its consequences.
------------------------------------------------------------------------------

-- AFTER ... FOR EACH STATEMENT: a single leaf inserted or deleted (the API's
-- common case) goes straight to its deltas; anything else becomes change
-- records for prefixd_plan_sync().  Deleted and moved rows carry their
-- effective children/used (stored plus pending).
--
-- jit off: a bulk statement's estimates (arrays and transition tables of
-- tens of thousands of rows) pass jit_above_cost, and compiling its
-- statements cost more than running them (1.3 s of 1.4 s at 16 000 rows).
CREATE OR REPLACE FUNCTION prefixd_tf_plan_after_statement() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    v_changes prefixd_plan_change[];
    v_row     record;
BEGIN
    IF prefixd_in_maintenance() THEN
        RETURN NULL;  -- our own derived-column writes
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT n.id, n.vrf_id, n.prefix, n.parent_id, n.indent, n.total_addresses, n.used_addresses, n.pool_id,
               n.children, count(*) OVER () AS cnt
          INTO v_row FROM new_rows n LIMIT 1;
        IF v_row.cnt = 1 THEN
            IF v_row.children = 0 THEN
                PERFORM set_config('prefixd.maintenance', 'on', true);
                PERFORM prefixd_leaf_change(1, v_row.id, v_row.vrf_id, v_row.prefix, v_row.parent_id,
                                            v_row.indent, v_row.total_addresses, v_row.used_addresses,
                                            v_row.pool_id);
                PERFORM set_config('prefixd.maintenance', 'off', true);
                RETURN NULL;
            END IF;
        END IF;
        v_changes := ARRAY(
            SELECT ROW('n', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, n.pool_id, n.tags)::prefixd_plan_change
              FROM new_rows n);
    ELSIF TG_OP = 'DELETE' THEN
        v_changes := ARRAY(
            SELECT ROW('o', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                       CASE WHEN prefixd_is_full_length(o.prefix) THEN o.used_addresses
                            ELSE o.used_addresses + coalesce(pd.a, 0) END,
                       o.children + coalesce(pd.n, 0)::integer, o.pool_id, o.tags)::prefixd_plan_change
              FROM old_rows o
              LEFT JOIN LATERAL (SELECT sum(s.n) AS n, sum(s.a) AS a FROM prefixd_stat_pending s
                                  WHERE (SELECT EXISTS (SELECT 1 FROM prefixd_stat_pending))  -- (once)
                                    AND s.kind = 'p' AND s.target = o.id) pd ON true);
        IF cardinality(v_changes) = 1 AND (v_changes[1]).children = 0 THEN
            PERFORM set_config('prefixd.maintenance', 'on', true);
            PERFORM prefixd_leaf_change(-1, (v_changes[1]).id, (v_changes[1]).vrf_id, (v_changes[1]).prefix,
                                        (v_changes[1]).parent_id, (v_changes[1]).indent, (v_changes[1]).total,
                                        (v_changes[1]).used, (v_changes[1]).pool_id);
            PERFORM set_config('prefixd.maintenance', 'off', true);
            RETURN NULL;
        END IF;
    ELSE
        v_changes := ARRAY(
            SELECT r.rec
              FROM old_rows o
              JOIN new_rows n ON n.id = o.id
              LEFT JOIN LATERAL (SELECT sum(s.n) AS n, sum(s.a) AS a FROM prefixd_stat_pending s
                                  WHERE (SELECT EXISTS (SELECT 1 FROM prefixd_stat_pending))  -- (once)
                                    AND s.kind = 'p' AND s.target = o.id) pd ON true
              CROSS JOIN LATERAL (VALUES ((o.vrf_id, o.prefix) IS DISTINCT FROM (n.vrf_id, n.prefix),
                                          CASE WHEN prefixd_is_full_length(o.prefix) THEN o.used_addresses
                                               ELSE o.used_addresses + coalesce(pd.a, 0) END,
                                          o.children + coalesce(pd.n, 0)::integer)) mv(moved, used, children)
              CROSS JOIN LATERAL (VALUES
                  (mv.moved, ROW('o', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                                 mv.used, mv.children, o.pool_id, o.tags)::prefixd_plan_change),
                  (mv.moved, ROW('n', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL,
                                 n.pool_id, n.tags)::prefixd_plan_change),
                  (NOT mv.moved AND o.tags IS DISTINCT FROM n.tags,
                   ROW('t', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, NULL, n.tags)::prefixd_plan_change),
                  (NOT mv.moved AND o.type IS DISTINCT FROM n.type,
                   ROW('y', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::prefixd_plan_change),
                  (NOT mv.moved AND o.pool_id IS DISTINCT FROM n.pool_id,
                   ROW('p', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                       mv.used, mv.children, o.pool_id, o.tags)::prefixd_plan_change)
              ) AS r(wanted, rec)
             WHERE r.wanted);
    END IF;
    IF cardinality(v_changes) > 0 THEN
        PERFORM prefixd_plan_sync(v_changes);
    END IF;
    RETURN NULL;
END
$$;

-- A single prefix inserted above existing ones (set-wise): every row inside
-- it goes one level deeper, the rows whose parent was its parent are now
-- its children (hosts among them show its length), and when it has tags,
-- inherited(row) = dedup(dedup(its inherited ++ its tags) ++ inherited(row))
-- (the ancestors above it, it, then those below it, first occurrence kept).
-- Returns the states the statistics need: the inserted row, rows whose
-- parent changed, and rows whose depth crossed 0/1/2.
CREATE OR REPLACE FUNCTION prefixd_subtree_insert(p_id integer) RETURNS prefixd_plan_state[]
LANGUAGE plpgsql AS $$
DECLARE
    q       record;
    v_pass  text[];
    v_tags  boolean;
    v_state prefixd_plan_state[];
BEGIN
    SELECT id, vrf_id, prefix, parent_id, indent, tags, inherited_tags, pool_id INTO q
      FROM ip_net_plan WHERE id = p_id;
    v_tags := cardinality(coalesce(q.tags, '{}')) > 0;
    v_pass := prefixd_array_dedup(q.inherited_tags || coalesce(q.tags, '{}'));
    WITH upd AS (
        UPDATE ip_net_plan p
           SET indent = p.indent + 1,
               parent_id = CASE WHEN p.parent_id IS NOT DISTINCT FROM q.parent_id THEN q.id ELSE p.parent_id END,
               display_prefix = CASE WHEN p.parent_id IS NOT DISTINCT FROM q.parent_id
                                     THEN prefixd_display_prefix(p.prefix, p.type, masklen(q.prefix))
                                     ELSE p.display_prefix END,
               inherited_tags = CASE WHEN v_tags THEN prefixd_array_dedup(v_pass || p.inherited_tags)
                                     ELSE p.inherited_tags END
         WHERE p.vrf_id + 0 = q.vrf_id AND iprange(p.prefix) << iprange(q.prefix)
        RETURNING p.id, p.vrf_id, p.prefix, p.pool_id, p.parent_id, p.indent, p.total_addresses
    )
    SELECT array_agg(ROW(u.id, u.vrf_id, u.prefix, u.pool_id, false,
                         CASE WHEN u.parent_id = q.id THEN q.parent_id ELSE u.parent_id END, u.parent_id,
                         u.indent - 1, u.indent, u.total_addresses)::prefixd_plan_state)
      INTO v_state
      FROM upd u
     WHERE u.parent_id = q.id OR u.indent <= 2;
    RETURN coalesce(v_state, '{}')
        || ROW(q.id, q.vrf_id, q.prefix, q.pool_id, true, NULL, q.parent_id, NULL, q.indent,
               prefixd_prefix_size(q.prefix))::prefixd_plan_state;
END
$$;

-- The rows strictly inside the given positions (one parametrised GiST probe
-- each: joined as a whole, the planner, which cannot see the arrays' sizes,
-- hashes on vrf_id and tests every pair); full-length positions have none.
CREATE OR REPLACE FUNCTION prefixd_ids_below(p_vrfs integer[], p_prefixes cidr[]) RETURNS integer[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT DISTINCT d.id
          FROM unnest(p_vrfs, p_prefixes) AS c(vrf_id, prefix)
         CROSS JOIN LATERAL (SELECT p.id FROM ip_net_plan p
                              WHERE p.vrf_id + 0 = c.vrf_id AND iprange(p.prefix) << iprange(c.prefix)
                             OFFSET 0) d
         WHERE NOT prefixd_is_full_length(c.prefix))
$$;

-- Positions after a multi-row INSERT, set-wise: no tree probe per row (a
-- GiST probe per row made a bulk insert cost 80-200 us per row, growing with
-- the table when rows arrive out of address order).  R = the new rows and
-- the existing rows inside them.  For x in R:
--   NA(x) = new rows strictly containing x: one hash lookup per distinct
--     length among the new rows (network(set_masklen(x, len)) = a new row);
--   OA(x) = nearest existing row containing x: for an existing x its stored
--     parent (an INSERT removes nothing); for a new x the longest existing
--     row among the parents its BEFORE ROW trigger found for x and for the
--     rows of NA(x).  That trigger saw every existing row and the new rows
--     inserted before, so when it found a new row z for y, no existing row
--     lies between z and y, and following those parents from x through new
--     rows ends at OA(x);
--   parent = the longer of OA(x) and the nearest row of NA(x);
--   indent = |NA(x)| + (existing x: its stored indent; new x: OA's + 1);
--   inherited tags: S(x) = the existing ancestors' (existing x: stored;
--     new x: OA's inherited ++ OA's tags); with q the nearest row of NA(x),
--     dedup(pass(q) ++ S(x)) where pass(q) = dedup(inherited(q) ++ tags(q))
--     (the existing rows above q are in both, first occurrence kept), top
--     down through the new rows in one recursive statement; = S(x) when no
--     new row has tags.
-- Returns the states prefixd_plan_sync needs (as its general step 1).
CREATE OR REPLACE FUNCTION prefixd_insert_positions(p_changes prefixd_plan_change[]) RETURNS prefixd_plan_state[]
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_state prefixd_plan_state[];
    v_below integer[];
BEGIN
    -- Existing rows inside new ones first, so that the statement below is
    -- planned for R's actual size (custom plans).
    v_below := ARRAY(
        SELECT unnest(prefixd_ids_below(ARRAY(SELECT c.vrf_id FROM unnest(p_changes) c),
                                        ARRAY(SELECT c.prefix FROM unnest(p_changes) c)))
        EXCEPT
        SELECT c.id FROM unnest(p_changes) c);
    WITH RECURSIVE nw AS MATERIALIZED (
        SELECT p.id, p.vrf_id, p.prefix, masklen(p.prefix) AS len, p.tags, p.parent_id AS p0
          FROM unnest(p_changes) c JOIN ip_net_plan p ON p.id = c.id
    ), lens AS MATERIALIZED (
        SELECT DISTINCT nw.vrf_id, family(nw.prefix) AS fam, nw.len FROM nw
    ), r AS MATERIALIZED (
        SELECT nw.id, true AS is_new, nw.p0 AS old_parent FROM nw
        UNION ALL
        SELECT b.id, false, NULL::integer FROM unnest(v_below) b(id)
    ), rr AS MATERIALIZED (
        SELECT r.id, r.is_new, p.vrf_id, p.prefix, p.type, p.tags, p.pool_id, p.indent, p.inherited_tags,
               CASE WHEN r.is_new THEN r.old_parent ELSE p.parent_id END AS old_parent
          FROM r JOIN ip_net_plan p ON p.id = r.id
    ), na AS MATERIALIZED (
        SELECT x.id, a.id AS aid, a.len, a.p0
          FROM rr x
          JOIN lens l ON l.vrf_id = x.vrf_id AND l.fam = family(x.prefix) AND l.len < masklen(x.prefix)
          JOIN nw a ON a.vrf_id = x.vrf_id AND a.prefix = network(set_masklen(x.prefix, l.len))::cidr
    ), agg AS (
        SELECT na.id, count(*)::integer AS k, max(na.len) AS qlen,
               (array_agg(na.aid ORDER BY na.len DESC))[1] AS q
          FROM na GROUP BY na.id
    ), cand AS (
        SELECT x.id, x.old_parent AS o FROM rr x WHERE x.is_new AND x.old_parent IS NOT NULL
        UNION ALL
        SELECT na.id, na.p0 FROM na WHERE na.p0 IS NOT NULL
    ), oa_new AS (
        SELECT DISTINCT ON (c.id) c.id, c.o
          FROM cand c JOIN ip_net_plan o ON o.id = c.o
         WHERE NOT EXISTS (SELECT 1 FROM nw WHERE nw.id = c.o)
         ORDER BY c.id, masklen(o.prefix) DESC
    ), pos AS MATERIALIZED (
        SELECT x.id, x.is_new, x.vrf_id, x.prefix, x.type, x.tags, x.pool_id,
               CASE WHEN x.is_new THEN NULL ELSE x.old_parent END AS old_parent,
               CASE WHEN x.is_new THEN NULL ELSE x.indent END AS old_indent,
               a.q,
               CASE WHEN a.q IS NOT NULL AND (o.id IS NULL OR a.qlen > masklen(o.prefix)) THEN a.q ELSE o.id END
                   AS new_parent,
               CASE WHEN a.q IS NOT NULL AND (o.id IS NULL OR a.qlen > masklen(o.prefix)) THEN a.qlen
                    ELSE masklen(o.prefix) END AS parent_len,
               coalesce(a.k, 0) + CASE WHEN NOT x.is_new THEN x.indent
                                       WHEN o.id IS NULL THEN 0 ELSE o.indent + 1 END AS new_indent,
               CASE WHEN NOT x.is_new THEN x.inherited_tags
                    WHEN o.id IS NULL THEN '{}'::text[]
                    WHEN cardinality(coalesce(o.tags, '{}')) = 0 THEN o.inherited_tags
                    ELSE prefixd_array_dedup(o.inherited_tags || o.tags) END AS s
          FROM rr x
          LEFT JOIN agg a ON a.id = x.id
          LEFT JOIN oa_new n ON n.id = x.id
          LEFT JOIN ip_net_plan o ON o.id = CASE WHEN x.is_new THEN n.o ELSE x.old_parent END
    ), lv(id, pass) AS (
        -- what the new rows with tags below them pass down, top-down
        SELECT p.id, prefixd_array_dedup(p.s || coalesce(p.tags, '{}'))
          FROM pos p WHERE p.is_new AND p.q IS NULL
           AND EXISTS (SELECT 1 FROM nw WHERE cardinality(nw.tags) > 0)
        UNION ALL
        SELECT p.id, prefixd_array_dedup(lv.pass || p.s || coalesce(p.tags, '{}'))
          FROM lv JOIN pos p ON p.q = lv.id AND p.is_new
    ), calc AS MATERIALIZED (
        SELECT p.*, CASE WHEN lv.id IS NULL THEN p.s ELSE prefixd_array_dedup(lv.pass || p.s) END AS new_tags,
               prefixd_display_prefix(p.prefix, p.type, p.parent_len) AS new_display
          FROM pos p LEFT JOIN lv ON lv.id = p.q
    ), upd AS (
        UPDATE ip_net_plan p
           SET parent_id = c.new_parent, indent = c.new_indent,
               inherited_tags = c.new_tags, display_prefix = c.new_display
          FROM calc c
         WHERE p.id = c.id
           AND (p.parent_id, p.indent, p.inherited_tags, p.display_prefix)
               IS DISTINCT FROM (c.new_parent, c.new_indent, c.new_tags, c.new_display)
        RETURNING p.id
    )
    SELECT array_agg(ROW(c.id, c.vrf_id, c.prefix, c.pool_id, c.is_new, c.old_parent, c.new_parent,
                         c.old_indent, c.new_indent, prefixd_prefix_size(c.prefix))::prefixd_plan_state)
      INTO v_state
      FROM calc c;  -- (upd runs to completion whether read or not)
    RETURN coalesce(v_state, '{}');
END
$$;

-- Positions after a multi-row DELETE of prefixes none of which has tags,
-- set-wise (as prefixd_insert_positions).  R = the rows below deleted rows
-- with children.  For x in R, D(x) = the deleted rows strictly containing x
-- (one hash lookup per distinct deleted length): indent drops by |D(x)|;
-- the new parent is the longest surviving row among x's stored parent and
-- the stored parents of D(x) (the surviving row just above a run of deleted
-- ones is that run's top's parent); inherited tags stay (the deleted rows
-- had none).
CREATE OR REPLACE FUNCTION prefixd_delete_positions(p_changes prefixd_plan_change[]) RETURNS prefixd_plan_state[]
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_state prefixd_plan_state[];
    v_below integer[];
BEGIN
    -- R first, so that the statement below is planned for R's actual size
    -- (custom plans: a generic plan guesses ten rows and rescans an
    -- aggregate per row).
    v_below := prefixd_ids_below(ARRAY(SELECT g.vrf_id FROM unnest(p_changes) g WHERE g.children > 0),
                                 ARRAY(SELECT g.prefix FROM unnest(p_changes) g WHERE g.children > 0));
    WITH gone AS MATERIALIZED (
        SELECT c.id, c.vrf_id, c.prefix, masklen(c.prefix) AS len, c.parent_id, c.children
          FROM unnest(p_changes) c
    ), lens AS MATERIALIZED (
        SELECT DISTINCT g.vrf_id, family(g.prefix) AS fam, g.len FROM gone g
    ), rr AS MATERIALIZED (
        SELECT p.id, p.vrf_id, p.prefix, p.type, p.pool_id, p.parent_id, p.indent
          FROM unnest(v_below) b(id) JOIN ip_net_plan p ON p.id = b.id
    ), da AS MATERIALIZED (
        SELECT x.id, a.id AS aid, a.parent_id AS ap
          FROM rr x
          JOIN lens l ON l.vrf_id = x.vrf_id AND l.fam = family(x.prefix) AND l.len < masklen(x.prefix)
          JOIN gone a ON a.vrf_id = x.vrf_id AND a.prefix = network(set_masklen(x.prefix, l.len))::cidr
    ), cand AS (
        SELECT x.id, x.parent_id AS o FROM rr x WHERE x.parent_id IS NOT NULL
        UNION ALL
        SELECT da.id, da.ap FROM da WHERE da.ap IS NOT NULL
    ), par AS (
        SELECT DISTINCT ON (c.id) c.id, o.id AS pid, masklen(o.prefix) AS plen
          FROM cand c JOIN ip_net_plan o ON o.id = c.o
         WHERE NOT EXISTS (SELECT 1 FROM gone g WHERE g.id = c.o)
         ORDER BY c.id, masklen(o.prefix) DESC
    ), calc AS MATERIALIZED (
        SELECT x.id, x.vrf_id, x.prefix, x.pool_id, x.parent_id AS old_parent, p.pid AS new_parent,
               x.indent AS old_indent,
               x.indent - coalesce(k.n, 0) AS new_indent,
               prefixd_display_prefix(x.prefix, x.type, p.plen) AS new_display
          FROM rr x
          LEFT JOIN par p ON p.id = x.id
          LEFT JOIN (SELECT da.id, count(*)::integer AS n FROM da GROUP BY da.id) k ON k.id = x.id
    ), upd AS (
        UPDATE ip_net_plan p
           SET parent_id = c.new_parent, indent = c.new_indent, display_prefix = c.new_display
          FROM calc c
         WHERE p.id = c.id
           AND (p.parent_id, p.indent, p.display_prefix)
               IS DISTINCT FROM (c.new_parent, c.new_indent, c.new_display)
        RETURNING p.id
    )
    SELECT array_agg(ROW(c.id, c.vrf_id, c.prefix, c.pool_id, false, c.old_parent, c.new_parent,
                         c.old_indent, c.new_indent, prefixd_prefix_size(c.prefix))::prefixd_plan_state)
      INTO v_state
      FROM calc c;  -- (upd runs to completion whether read or not)
    RETURN coalesce(v_state, '{}');
END
$$;

-- Inherited tags of the subtrees below the given rows (whose own inherited
-- tags are right), top-down in one recursive statement: what a row's
-- children inherit is dedup(its inherited ++ its tags).
CREATE OR REPLACE FUNCTION prefixd_subtree_tags(p_roots integer[]) RETURNS void
LANGUAGE sql AS $$
    WITH RECURSIVE t(id, inh, pass) AS (
        SELECT c.id, prefixd_array_dedup(r.inherited_tags || coalesce(r.tags, '{}')),
               prefixd_array_dedup(r.inherited_tags || coalesce(r.tags, '{}') || coalesce(c.tags, '{}'))
          FROM ip_net_plan r JOIN ip_net_plan c ON c.parent_id = r.id
         WHERE r.id = ANY (p_roots)
        UNION ALL
        SELECT c.id, t.pass, prefixd_array_dedup(t.pass || coalesce(c.tags, '{}'))
          FROM t JOIN ip_net_plan c ON c.parent_id = t.id
    )
    UPDATE ip_net_plan p SET inherited_tags = t.inh
      FROM t
     WHERE p.id = t.id AND p.inherited_tags IS DISTINCT FROM t.inh
$$;

-- A single prefix removed from above existing ones (set-wise): every row
-- inside it goes one level up, its children get its parent (hosts show
-- that parent's length), and when it had tags the inherited tags below it
-- are recomputed top-down.  Returns the states the statistics need.
CREATE OR REPLACE FUNCTION prefixd_subtree_remove(c prefixd_plan_change) RETURNS prefixd_plan_state[]
LANGUAGE plpgsql AS $$
DECLARE
    v_plen  integer;
    v_base  text[] := '{}';
    v_state prefixd_plan_state[];
    v_kids  integer[];
BEGIN
    IF c.parent_id IS NOT NULL THEN
        SELECT masklen(prefix), prefixd_array_dedup(inherited_tags || coalesce(tags, '{}')) INTO v_plen, v_base
          FROM ip_net_plan WHERE id = c.parent_id;
    END IF;
    WITH upd AS (
        UPDATE ip_net_plan p
           SET indent = p.indent - 1,
               parent_id = CASE WHEN p.parent_id = c.id THEN c.parent_id ELSE p.parent_id END,
               display_prefix = CASE WHEN p.parent_id = c.id THEN prefixd_display_prefix(p.prefix, p.type, v_plen)
                                     ELSE p.display_prefix END
         WHERE p.vrf_id + 0 = c.vrf_id AND iprange(p.prefix) << iprange(c.prefix)
        RETURNING p.id, p.vrf_id, p.prefix, p.pool_id, p.parent_id, p.indent, p.total_addresses
    )
    SELECT array_agg(ROW(u.id, u.vrf_id, u.prefix, u.pool_id, false,
                         CASE WHEN u.parent_id IS NOT DISTINCT FROM c.parent_id THEN c.id ELSE u.parent_id END,
                         u.parent_id, u.indent + 1, u.indent, u.total_addresses)::prefixd_plan_state)
      INTO v_state
      FROM upd u
     WHERE u.parent_id IS NOT DISTINCT FROM c.parent_id OR u.indent <= 1;
    v_state := coalesce(v_state, '{}');
    IF cardinality(coalesce(c.tags, '{}')) > 0 THEN
        v_kids := ARRAY(SELECT s.id FROM unnest(v_state) s WHERE s.old_parent = c.id);
        UPDATE ip_net_plan p SET inherited_tags = v_base
         WHERE p.id = ANY (v_kids) AND p.inherited_tags IS DISTINCT FROM v_base;
        PERFORM prefixd_subtree_tags(v_kids);
    END IF;
    RETURN v_state;
END
$$;

-- Applies one statement's change set (anything but a single leaf, which
-- prefixd_leaf_change handles).  Steps:
--   1. the rows whose ancestors changed get their new parent, indent,
--      inherited tags and display_prefix: set-wise for one inserted or one
--      removed prefix and for tag changes, else by a tree probe per row;
--   2. parent edges that changed become children/used deltas of the
--      surviving parents; rows at new positions get children/used from
--      their children;
--   3. VRF deltas from the rows whose depth/size/existence changed:
--      total = sum over depth 0, used = sum over depth 1 (+ full-length
--      top-level prefixes, whose used equals their size);
--   4. pool deltas: member vectors (1, size, used, children) leaving and
--      entering pools, children deltas of members passed on, and
--      free_prefixes: over the whole member for members that moved, joined
--      or left; else over aligned windows around the changed children (the
--      child itself when it is no longer than the default length, else the
--      default-length block the free-block lock protects), so concurrent
--      writers' deltas add up;
--   5. the deltas are applied or left pending (prefixd_apply_stats).
CREATE OR REPLACE FUNCTION prefixd_plan_sync(p_changes prefixd_plan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_new_ids   integer[];        -- rows at a new position ('n')
    v_gone_ids  integer[];        -- rows deleted ('o' without 'n')
    v_changed   integer[];        -- rows the statement itself wrote ('o', 'n', 'p')
    v_state     prefixd_plan_state[];
    v_deltas    prefixd_stat_delta[] := '{}';
    v_more      prefixd_stat_delta[];
    v_mem       record;
    v_win       record;
    v_maxlen    integer;
    v_f         numeric;
    v_f_old     numeric;
    v_plan_mode text := current_setting('plan_cache_mode');
BEGIN
    -- A statement that changed a few rows (the API's case) runs on cached
    -- generic plans: replanning these statements for every insert cost more
    -- than running them.  Bulk changes keep custom plans sized to the batch.
    IF cardinality(p_changes) <= 64 THEN
        PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
    END IF;
    PERFORM set_config('prefixd.maintenance', 'on', true);

    v_new_ids := ARRAY(SELECT c.id FROM unnest(p_changes) c WHERE c.kind = 'n');
    v_gone_ids := ARRAY(SELECT c.id FROM unnest(p_changes) c WHERE c.kind = 'o'
                        EXCEPT SELECT c.id FROM unnest(p_changes) c WHERE c.kind = 'n');
    v_changed := ARRAY(SELECT c.id FROM unnest(p_changes) c WHERE c.kind IN ('o', 'n', 'p'));

    -- 1. Rows whose ancestors changed.
    IF cardinality(p_changes) = 1 AND (p_changes[1]).kind = 'n' THEN
        v_state := prefixd_subtree_insert((p_changes[1]).id);
    ELSIF cardinality(p_changes) = 1 AND (p_changes[1]).kind = 'o' THEN
        v_state := prefixd_subtree_remove(p_changes[1]);
    ELSIF NOT EXISTS (SELECT 1 FROM unnest(p_changes) c WHERE c.kind <> 'n') THEN
        v_state := prefixd_insert_positions(p_changes);  -- a multi-row INSERT
    ELSIF NOT EXISTS (SELECT 1 FROM unnest(p_changes) c WHERE c.kind <> 'o' OR cardinality(c.tags) > 0) THEN
        -- a multi-row DELETE, no tags lost; of leaves only: nothing moves
        v_state := CASE WHEN EXISTS (SELECT 1 FROM unnest(p_changes) c WHERE c.children > 0)
                        THEN prefixd_delete_positions(p_changes) ELSE '{}' END;
    ELSIF NOT EXISTS (SELECT 1 FROM unnest(p_changes) c WHERE c.kind NOT IN ('t', 'p')) THEN
        -- tags and/or pools changed, nothing moved: the outermost rows whose
        -- tags changed pass them down.
        PERFORM prefixd_subtree_tags(ARRAY(
            SELECT c.id FROM unnest(p_changes) c
             WHERE c.kind = 't'
               AND NOT EXISTS (SELECT 1 FROM unnest(p_changes) a
                                WHERE a.kind = 't' AND a.vrf_id = c.vrf_id AND a.prefix >> c.prefix)));
        v_state := '{}';
    ELSE
        WITH r_ids AS (
            SELECT c.id FROM unnest(p_changes) c WHERE c.kind IN ('n', 'y')
            UNION
            SELECT unnest(prefixd_ids_below(
                ARRAY(SELECT c.vrf_id FROM unnest(p_changes) c
                       WHERE (c.kind = 'o' AND c.children > 0) OR c.kind IN ('n', 't')),
                ARRAY(SELECT c.prefix FROM unnest(p_changes) c
                       WHERE (c.kind = 'o' AND c.children > 0) OR c.kind IN ('n', 't'))))
        ), calc AS MATERIALIZED (
            SELECT p.id, p.vrf_id, p.prefix, p.type, p.pool_id, p.parent_id, p.indent,
                   p.inherited_tags, p.display_prefix, a.parent_id AS new_parent, a.indent AS new_indent,
                   a.inherited_tags AS new_tags,
                   prefixd_display_prefix(p.prefix, p.type, masklen(a.parent_prefix)) AS new_display,
                   nw.id IS NOT NULL AS is_new
              FROM ip_net_plan p
              JOIN r_ids ON r_ids.id = p.id
              LEFT JOIN unnest(v_new_ids) AS nw(id) ON nw.id = p.id
              CROSS JOIN LATERAL prefixd_position(p.vrf_id, p.prefix, p.id) a
        ), upd AS (
            UPDATE ip_net_plan p
               SET parent_id = c.new_parent, indent = c.new_indent,
                   inherited_tags = c.new_tags, display_prefix = c.new_display
              FROM calc c
             WHERE p.id = c.id
               AND (p.parent_id, p.indent, p.inherited_tags, p.display_prefix)
                   IS DISTINCT FROM (c.new_parent, c.new_indent, c.new_tags, c.new_display)
            RETURNING p.id
        )
        SELECT array_agg(ROW(c.id, c.vrf_id, c.prefix, c.pool_id, c.is_new,
                             CASE WHEN c.is_new THEN NULL ELSE c.parent_id END, c.new_parent,
                             CASE WHEN c.is_new THEN NULL ELSE c.indent END, c.new_indent,
                             prefixd_prefix_size(c.prefix))::prefixd_plan_state)
          INTO v_state
          FROM calc c;  -- (upd runs to completion whether read or not)
        v_state := coalesce(v_state, '{}');
    END IF;

    -- 2a. children/used deltas for surviving parents that are not themselves
    -- at a new position (those are recomputed from their children in 2b);
    -- a parent in a pool passes them on to it.
    WITH edges AS (
        SELECT c.parent_id AS q, -1 AS dc, -c.total AS du
          FROM unnest(p_changes) c WHERE c.kind = 'o' AND c.parent_id IS NOT NULL
        UNION ALL
        SELECT s.old_parent, -1, -s.total
          FROM unnest(v_state) s
         WHERE NOT s.is_new AND s.old_parent IS NOT NULL AND s.old_parent IS DISTINCT FROM s.new_parent
        UNION ALL
        SELECT s.new_parent, 1, s.total
          FROM unnest(v_state) s
         WHERE s.new_parent IS NOT NULL AND (s.is_new OR s.old_parent IS DISTINCT FROM s.new_parent)
    ), d AS (
        SELECT e.q, sum(e.dc) AS dc, sum(e.du) AS du
          FROM edges e
         WHERE e.q <> ALL (v_new_ids) AND e.q <> ALL (v_gone_ids)
         GROUP BY e.q
        HAVING sum(e.dc) <> 0 OR sum(e.du) <> 0
    )
    SELECT array_agg(x.delta) INTO v_more
      FROM d
      JOIN ip_net_plan p ON p.id = d.q
     CROSS JOIN LATERAL (VALUES
         (ROW('p', d.q, 0, d.dc, 0, 0, d.du, 0)::prefixd_stat_delta),
         (CASE WHEN p.pool_id IS NOT NULL AND p.id <> ALL (v_changed)
               THEN ROW('o', p.pool_id, family(p.prefix), 0, d.dc, 0, d.du, 0)::prefixd_stat_delta END)) x(delta)
     WHERE x.delta IS NOT NULL;
    v_deltas := v_deltas || coalesce(v_more, '{}');

    -- 2b. Rows at a new position: size, children and used from scratch (and
    -- whatever was pending for them is superseded).  Every child of such a
    -- row got it as a new parent in this statement, so its children are
    -- exactly the states naming it as new_parent.
    IF cardinality(v_new_ids) > 0 THEN
        DELETE FROM prefixd_stat_pending WHERE kind = 'p' AND target = ANY (v_new_ids);
        UPDATE ip_net_plan p
           SET total_addresses = s.total, children = s.children, used_addresses = s.used,
               free_addresses = s.total - s.used
          FROM (SELECT x.id, prefixd_prefix_size(x.prefix) AS total, coalesce(ch.n, 0) AS children,
                       CASE WHEN prefixd_is_full_length(x.prefix) THEN prefixd_prefix_size(x.prefix)
                            ELSE coalesce(ch.s, 0) END AS used
                  FROM ip_net_plan x
                  LEFT JOIN (SELECT st.new_parent AS q, count(*)::integer AS n, sum(st.total) AS s
                               FROM unnest(v_state) st
                              WHERE st.new_parent = ANY (v_new_ids)
                              GROUP BY st.new_parent) ch ON ch.q = x.id
                 WHERE x.id = ANY (v_new_ids)) s
         WHERE p.id = s.id
           AND (p.total_addresses, p.children, p.used_addresses, p.free_addresses)
               IS DISTINCT FROM (s.total, s.children, s.used, s.total - s.used);
    END IF;

    -- Deleted rows' pending deltas are counted in their change records.
    IF cardinality(v_gone_ids) > 0 THEN
        DELETE FROM prefixd_stat_pending WHERE kind = 'p' AND target = ANY (v_gone_ids);
    END IF;

    -- 3. VRF statistics.
    WITH contrib AS (
        -- old positions
        SELECT c.vrf_id, family(c.prefix) AS fam, -1 AS n,
               -CASE WHEN c.indent = 0 THEN c.total ELSE 0 END AS t,
               -(CASE WHEN c.indent = 0 AND prefixd_is_full_length(c.prefix) THEN c.total ELSE 0 END
                 + CASE WHEN c.indent = 1 THEN c.total ELSE 0 END) AS u
          FROM unnest(p_changes) c WHERE c.kind = 'o'
        UNION ALL
        -- rows whose depth changed: leave the old depth ...
        SELECT s.vrf_id, family(s.prefix), 0,
               -CASE WHEN s.old_indent = 0 THEN s.total ELSE 0 END,
               -(CASE WHEN s.old_indent = 0 AND prefixd_is_full_length(s.prefix) THEN s.total ELSE 0 END
                 + CASE WHEN s.old_indent = 1 THEN s.total ELSE 0 END)
          FROM unnest(v_state) s WHERE NOT s.is_new AND s.old_indent IS DISTINCT FROM s.new_indent
        UNION ALL
        -- ... and enter the new one; rows at new positions enter too.
        SELECT s.vrf_id, family(s.prefix), CASE WHEN s.is_new THEN 1 ELSE 0 END,
               CASE WHEN s.new_indent = 0 THEN s.total ELSE 0 END,
               CASE WHEN s.new_indent = 0 AND prefixd_is_full_length(s.prefix) THEN s.total ELSE 0 END
               + CASE WHEN s.new_indent = 1 THEN s.total ELSE 0 END
          FROM unnest(v_state) s WHERE s.is_new OR s.old_indent IS DISTINCT FROM s.new_indent
    )
    SELECT array_agg(ROW('v', vrf_id, fam, sum_n, 0, sum_t, sum_u, 0)::prefixd_stat_delta) INTO v_more
      FROM (SELECT vrf_id, fam, sum(n) AS sum_n, sum(t) AS sum_t, sum(u) AS sum_u
              FROM contrib GROUP BY vrf_id, fam) s
     WHERE (sum_n, sum_t, sum_u) <> (0, 0, 0);
    v_deltas := v_deltas || coalesce(v_more, '{}');

    -- 4a. Pool member vectors leave and enter pools.
    SELECT array_agg(ROW('o', m.pool_id, m.fam, m.n, m.ch, m.t, m.u, 0)::prefixd_stat_delta) INTO v_more
      FROM (SELECT c.pool_id, family(c.prefix) AS fam, -1 AS n, -c.total AS t, -c.used AS u, -c.children::numeric AS ch
              FROM unnest(p_changes) c WHERE c.kind IN ('o', 'p') AND c.pool_id IS NOT NULL
            UNION ALL
            SELECT p.pool_id, family(p.prefix), 1, p.total_addresses,
                   CASE WHEN prefixd_is_full_length(p.prefix) THEN p.used_addresses
                        ELSE p.used_addresses + coalesce(pd.a, 0) END,
                   p.children + coalesce(pd.n, 0)
              FROM unnest(p_changes) c
              JOIN ip_net_plan p ON p.id = c.id
              LEFT JOIN LATERAL (SELECT sum(s.n) AS n, sum(s.a) AS a FROM prefixd_stat_pending s
                                  WHERE s.kind = 'p' AND s.target = p.id) pd ON true
             WHERE c.kind IN ('n', 'p') AND p.pool_id IS NOT NULL) m;
    v_deltas := v_deltas || coalesce(v_more, '{}');

    -- 4b. free_prefixes, per affected member.
    FOR v_mem IN
        WITH edge AS (
            -- (parent, child id, child prefix, old?) for every changed parent link
            SELECT c.parent_id AS q, c.id, c.prefix, true AS old
              FROM unnest(p_changes) c WHERE c.kind = 'o' AND c.parent_id IS NOT NULL
            UNION ALL
            SELECT s.old_parent, s.id, s.prefix, true
              FROM unnest(v_state) s
             WHERE NOT s.is_new AND s.old_parent IS NOT NULL AND s.old_parent IS DISTINCT FROM s.new_parent
            UNION ALL
            SELECT s.new_parent, s.id, s.prefix, false
              FROM unnest(v_state) s
             WHERE s.new_parent IS NOT NULL AND (s.is_new OR s.old_parent IS DISTINCT FROM s.new_parent)
        ), edge_agg AS (
            SELECT e.q,
                   coalesce(array_agg(e.prefix) FILTER (WHERE e.old), '{}') AS old_edges,
                   coalesce(array_agg(e.id) FILTER (WHERE NOT e.old), '{}') AS new_ids,
                   array_agg(e.prefix) AS all_edges
              FROM edge e GROUP BY e.q
        ), m AS (
            -- members that left a pool position: deleted/moved ('o'), pool changed ('p')
            SELECT c.id, c.pool_id, c.prefix, 'old'::text AS side
              FROM unnest(p_changes) c WHERE c.kind IN ('o', 'p') AND c.pool_id IS NOT NULL
            UNION ALL
            -- members that took a pool position: inserted/moved, pool changed
            SELECT p.id, p.pool_id, p.prefix, 'new'
              FROM unnest(p_changes) c JOIN ip_net_plan p ON p.id = c.id
             WHERE c.kind IN ('n', 'p') AND p.pool_id IS NOT NULL
            UNION ALL
            -- members whose set of direct children changed, themselves unchanged
            SELECT p.id, p.pool_id, p.prefix, 'stable'
              FROM edge_agg e JOIN ip_net_plan p ON p.id = e.q
             WHERE p.pool_id IS NOT NULL AND p.id <> ALL (v_changed)
        )
        SELECT m.*, prefixd_pool_len(m.pool_id, family(m.prefix)) AS len,
               coalesce(e.old_edges, '{}') AS old_edges, coalesce(e.new_ids, '{}') AS new_ids,
               coalesce(e.all_edges, '{}') AS all_edges
          FROM m LEFT JOIN edge_agg e ON e.q = m.id
    LOOP
        CONTINUE WHEN v_mem.len IS NULL;  -- no default length: free_prefixes stays NULL
        v_maxlen := CASE family(v_mem.prefix) WHEN 4 THEN 32 ELSE 128 END;
        IF v_mem.side = 'old' THEN
            -- the member's children before the statement: current ones that
            -- did not just join it, and those that left it.
            SELECT prefixd_window_free_blocks(prefixd_range_lo(v_mem.prefix), prefixd_range_hi(v_mem.prefix),
                       array_agg(prefixd_range_lo(k.prefix)), array_agg(prefixd_range_hi(k.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_f
              FROM (SELECT x.prefix FROM ip_net_plan x
                     WHERE x.parent_id = v_mem.id AND x.id <> ALL (v_mem.new_ids)
                    UNION ALL
                    SELECT e FROM unnest(v_mem.old_edges) e) k;
            v_f := -v_f;
        ELSIF v_mem.side = 'new' THEN
            SELECT prefixd_window_free_blocks(prefixd_range_lo(v_mem.prefix), prefixd_range_hi(v_mem.prefix),
                       array_agg(prefixd_range_lo(x.prefix)), array_agg(prefixd_range_hi(x.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_f
              FROM ip_net_plan x WHERE x.parent_id = v_mem.id;
        ELSIF masklen(v_mem.prefix) > v_mem.len + 1 THEN
            v_f := 0;  -- no block of the default length or half of it fits
        ELSE
            v_f := 0;
            FOR v_win IN
                WITH w AS (
                    SELECT DISTINCT CASE WHEN masklen(e) <= v_mem.len THEN e
                                         ELSE network(set_masklen(e, greatest(v_mem.len, masklen(v_mem.prefix))))::cidr
                                    END AS w
                      FROM unnest(v_mem.all_edges) e
                )
                SELECT w.w FROM w
                 WHERE NOT EXISTS (SELECT 1 FROM w w2 WHERE w2.w >> w.w)
            LOOP
                SELECT prefixd_window_free_blocks(prefixd_range_lo(v_win.w), prefixd_range_hi(v_win.w),
                           array_agg(prefixd_range_lo(x.prefix)), array_agg(prefixd_range_hi(x.prefix)),
                           v_mem.len, v_maxlen)
                  INTO v_f_old  -- (the new state, first)
                  FROM ip_net_plan x
                 WHERE x.parent_id = v_mem.id AND x.prefix >= v_win.w
                   AND x.prefix <= set_masklen(broadcast(v_win.w), v_maxlen)::cidr;
                v_f := v_f + v_f_old;
                SELECT prefixd_window_free_blocks(prefixd_range_lo(v_win.w), prefixd_range_hi(v_win.w),
                           array_agg(prefixd_range_lo(k.prefix)), array_agg(prefixd_range_hi(k.prefix)),
                           v_mem.len, v_maxlen)
                  INTO v_f_old
                  FROM (SELECT x.prefix FROM ip_net_plan x
                         WHERE x.parent_id = v_mem.id AND x.id <> ALL (v_mem.new_ids)
                           AND x.prefix >= v_win.w AND x.prefix <= set_masklen(broadcast(v_win.w), v_maxlen)::cidr
                        UNION ALL
                        SELECT e FROM unnest(v_mem.old_edges) e WHERE e <<= v_win.w) k;
                v_f := v_f - v_f_old;
            END LOOP;
        END IF;
        IF v_f <> 0 THEN
            v_deltas := v_deltas || ROW('o', v_mem.pool_id, family(v_mem.prefix), 0, 0, 0, 0, v_f)::prefixd_stat_delta;
        END IF;
    END LOOP;

    -- 5. Apply (or leave pending).
    PERFORM prefixd_apply_stats(v_deltas);

    PERFORM set_config('plan_cache_mode', v_plan_mode, true);
    PERFORM set_config('prefixd.maintenance', 'off', true);
END
$$;

-- TRUNCATE bypasses row and statement DELETE triggers: everything is empty.
CREATE OR REPLACE FUNCTION prefixd_tf_plan_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('prefixd.maintenance', 'on', true);
    DELETE FROM prefixd_stat_pending;
    UPDATE ip_net_vrf
       SET num_prefixes_v4 = 0, num_prefixes_v6 = 0, total_addresses_v4 = 0, total_addresses_v6 = 0,
           used_addresses_v4 = 0, used_addresses_v6 = 0, free_addresses_v4 = 0, free_addresses_v6 = 0;
    UPDATE ip_net_pool
       SET member_prefixes_v4 = 0, member_prefixes_v6 = 0, used_prefixes_v4 = 0, used_prefixes_v6 = 0,
           total_addresses_v4 = 0, total_addresses_v6 = 0, used_addresses_v4 = 0, used_addresses_v6 = 0,
           free_addresses_v4 = 0, free_addresses_v6 = 0, free_prefixes_v4 = NULL, free_prefixes_v6 = NULL,
           total_prefixes_v4 = NULL, total_prefixes_v6 = NULL;
    PERFORM set_config('prefixd.maintenance', 'off', true);
    RETURN NULL;
END
$$;

------------------------------------------------------------------------------
-- 7. Pools: a default-length change recomputes free/total prefixes from
--    scratch, excluding allocations (pool lock) and changes under the
--    members (their positions) meanwhile, after folding what is pending.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION prefixd_tf_pool_before_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_members record;
    v_pend    record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A new pool has no members; values a client sends (member_prefixes_*
        -- is accepted by the API, model.md §4.1) are ignored.
        NEW.member_prefixes_v4 := 0; NEW.member_prefixes_v6 := 0;
        NEW.used_prefixes_v4 := 0; NEW.used_prefixes_v6 := 0;
        NEW.total_addresses_v4 := 0; NEW.total_addresses_v6 := 0;
        NEW.used_addresses_v4 := 0; NEW.used_addresses_v6 := 0;
        NEW.free_addresses_v4 := 0; NEW.free_addresses_v6 := 0;
        NEW.free_prefixes_v4 := NULL; NEW.free_prefixes_v6 := NULL;
        NEW.total_prefixes_v4 := NULL; NEW.total_prefixes_v6 := NULL;
        RETURN NEW;
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'changing the id of a pool is not allowed';
    END IF;
    NEW.member_prefixes_v4 := OLD.member_prefixes_v4; NEW.member_prefixes_v6 := OLD.member_prefixes_v6;
    NEW.used_prefixes_v4 := OLD.used_prefixes_v4; NEW.used_prefixes_v6 := OLD.used_prefixes_v6;
    NEW.total_addresses_v4 := OLD.total_addresses_v4; NEW.total_addresses_v6 := OLD.total_addresses_v6;
    NEW.used_addresses_v4 := OLD.used_addresses_v4; NEW.used_addresses_v6 := OLD.used_addresses_v6;
    NEW.free_addresses_v4 := OLD.free_addresses_v4; NEW.free_addresses_v6 := OLD.free_addresses_v6;
    NEW.free_prefixes_v4 := OLD.free_prefixes_v4; NEW.free_prefixes_v6 := OLD.free_prefixes_v6;
    NEW.total_prefixes_v4 := OLD.total_prefixes_v4; NEW.total_prefixes_v6 := OLD.total_prefixes_v6;
    IF (NEW.ipv4_default_prefix_length, NEW.ipv6_default_prefix_length)
       IS DISTINCT FROM (OLD.ipv4_default_prefix_length, OLD.ipv6_default_prefix_length) THEN
        PERFORM prefixd_lock_pool(NEW.id, true);
        SELECT array_agg(vrf_id ORDER BY vrf_id, prefix) AS vrfs, array_agg(prefix ORDER BY vrf_id, prefix) AS pfx
          INTO v_members FROM ip_net_plan WHERE pool_id = NEW.id;
        IF v_members.vrfs IS NOT NULL THEN
            PERFORM prefixd_lock_positions(v_members.vrfs, v_members.pfx);
        END IF;
        -- The pending deltas of this pool (all committed: their writers held
        -- positions now locked) are part of the new row.
        WITH pend AS (DELETE FROM prefixd_stat_pending s WHERE s.kind = 'o' AND s.target = NEW.id
                      RETURNING s.family, s.n, s.u, s.t, s.a)
        SELECT coalesce(sum(n) FILTER (WHERE family = 4), 0) AS m4, coalesce(sum(n) FILTER (WHERE family = 6), 0) AS m6,
               coalesce(sum(u) FILTER (WHERE family = 4), 0) AS c4, coalesce(sum(u) FILTER (WHERE family = 6), 0) AS c6,
               coalesce(sum(t) FILTER (WHERE family = 4), 0) AS t4, coalesce(sum(t) FILTER (WHERE family = 6), 0) AS t6,
               coalesce(sum(a) FILTER (WHERE family = 4), 0) AS u4, coalesce(sum(a) FILTER (WHERE family = 6), 0) AS u6
          INTO v_pend FROM pend;
        NEW.member_prefixes_v4 := NEW.member_prefixes_v4 + v_pend.m4;
        NEW.member_prefixes_v6 := NEW.member_prefixes_v6 + v_pend.m6;
        NEW.used_prefixes_v4 := NEW.used_prefixes_v4 + v_pend.c4;
        NEW.used_prefixes_v6 := NEW.used_prefixes_v6 + v_pend.c6;
        NEW.total_addresses_v4 := NEW.total_addresses_v4 + v_pend.t4;
        NEW.total_addresses_v6 := NEW.total_addresses_v6 + v_pend.t6;
        NEW.used_addresses_v4 := NEW.used_addresses_v4 + v_pend.u4;
        NEW.used_addresses_v6 := NEW.used_addresses_v6 + v_pend.u6;
        NEW.free_addresses_v4 := NEW.total_addresses_v4 - NEW.used_addresses_v4;
        NEW.free_addresses_v6 := NEW.total_addresses_v6 - NEW.used_addresses_v6;
        NEW.free_prefixes_v4 := prefixd_pool_free_prefixes(NEW.id, 4, NEW.ipv4_default_prefix_length);
        NEW.free_prefixes_v6 := prefixd_pool_free_prefixes(NEW.id, 6, NEW.ipv6_default_prefix_length);
        NEW.total_prefixes_v4 := NEW.used_prefixes_v4 + NEW.free_prefixes_v4;
        NEW.total_prefixes_v6 := NEW.used_prefixes_v6 + NEW.free_prefixes_v6;
    END IF;
    RETURN NEW;
END
$$;

------------------------------------------------------------------------------
-- 8. Full recomputation (adoption, repair): drops what is pending and locks
--    whole trees instead of VRFs; otherwise as in 0002.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION prefixd_recompute_all() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_vrf     integer;
    r         record;
    -- stack of open ancestors during the sweep (logical depth v_depth)
    v_depth   integer := 0;
    v_cur_vrf integer;
    st_id     integer[] := '{}';
    st_prefix cidr[] := '{}';
    st_tags   text[] := '{}';     -- text form of the text[] its children inherit
    v_tags    text[];
    -- results, one element per row
    v_n       integer := 0;
    o_id      integer[] := '{}';
    o_parent  integer[] := '{}';
    o_indent  integer[] := '{}';
    o_plen    integer[] := '{}';
    o_tags    text[] := '{}';
BEGIN
    -- Nobody else may change the hierarchy meanwhile: every tree's root.
    FOR v_vrf IN SELECT id FROM ip_net_vrf ORDER BY id LOOP
        PERFORM pg_advisory_xact_lock(prefixd_position_key(v_vrf, '0.0.0.0/0'::cidr));
        PERFORM pg_advisory_xact_lock(prefixd_position_key(v_vrf, '::/0'::cidr));
    END LOOP;
    PERFORM set_config('prefixd.maintenance', 'on', true);
    -- Everything below is computed from scratch.
    DELETE FROM prefixd_stat_pending;

    -- Position in the tree by one sorted sweep (a GiST probe per row costs
    -- minutes at a million rows).  In cidr order, per VRF, a prefix comes
    -- after all its ancestors and before its descendants (pre-order), so the
    -- ancestors of a row are exactly the stack entries that contain it.
    FOR r IN SELECT id, vrf_id, prefix, tags FROM ip_net_plan ORDER BY vrf_id, prefix LOOP
        IF r.vrf_id IS DISTINCT FROM v_cur_vrf THEN
            v_cur_vrf := r.vrf_id;
            v_depth := 0;
        END IF;
        WHILE v_depth > 0 AND NOT (st_prefix[v_depth] >> r.prefix) LOOP
            v_depth := v_depth - 1;
        END LOOP;
        v_n := v_n + 1;
        o_id[v_n] := r.id;
        o_indent[v_n] := v_depth;
        IF v_depth > 0 THEN
            o_parent[v_n] := st_id[v_depth];
            o_plen[v_n] := masklen(st_prefix[v_depth]);
            o_tags[v_n] := st_tags[v_depth];
        ELSE
            o_parent[v_n] := NULL;
            o_plen[v_n] := NULL;
            o_tags[v_n] := '{}';
        END IF;
        v_tags := o_tags[v_n]::text[];
        IF cardinality(r.tags) > 0 THEN
            v_tags := prefixd_array_dedup(v_tags || r.tags);
        END IF;
        v_depth := v_depth + 1;
        st_id[v_depth] := r.id;
        st_prefix[v_depth] := r.prefix;
        st_tags[v_depth] := v_tags::text;
    END LOOP;

    UPDATE ip_net_plan p
       SET parent_id = u.parent_id, indent = u.indent, inherited_tags = u.tags::text[],
           display_prefix = prefixd_display_prefix(p.prefix, p.type, u.parent_len),
           total_addresses = prefixd_prefix_size(p.prefix)
      FROM unnest(o_id, o_parent, o_indent, o_plen, o_tags) AS u(id, parent_id, indent, parent_len, tags)
     WHERE p.id = u.id
       AND (p.parent_id, p.indent, p.inherited_tags, p.display_prefix, p.total_addresses)
           IS DISTINCT FROM (u.parent_id, u.indent, u.tags::text[],
                             prefixd_display_prefix(p.prefix, p.type, u.parent_len),
                             prefixd_prefix_size(p.prefix));

    -- children and used/free addresses from the direct children.
    UPDATE ip_net_plan p
       SET children = s.children, used_addresses = s.used, free_addresses = p.total_addresses - s.used
      FROM (SELECT x.id, coalesce(c.n, 0) AS children,
                   CASE WHEN prefixd_is_full_length(x.prefix) THEN x.total_addresses
                        ELSE coalesce(c.s, 0) END AS used
              FROM ip_net_plan x
              LEFT JOIN (SELECT parent_id, count(*)::integer AS n, sum(total_addresses) AS s
                           FROM ip_net_plan WHERE parent_id IS NOT NULL GROUP BY parent_id) c
                     ON c.parent_id = x.id) s
     WHERE p.id = s.id
       AND (p.children, p.used_addresses, p.free_addresses)
           IS DISTINCT FROM (s.children, s.used, p.total_addresses - s.used);

    -- VRF statistics (model.md §3.4): top-level prefixes' total/used/free.
    UPDATE ip_net_vrf v
       SET num_prefixes_v4 = coalesce(s.n4, 0), num_prefixes_v6 = coalesce(s.n6, 0),
           total_addresses_v4 = coalesce(s.t4, 0), total_addresses_v6 = coalesce(s.t6, 0),
           used_addresses_v4 = coalesce(s.u4, 0), used_addresses_v6 = coalesce(s.u6, 0),
           free_addresses_v4 = coalesce(s.t4, 0) - coalesce(s.u4, 0),
           free_addresses_v6 = coalesce(s.t6, 0) - coalesce(s.u6, 0)
      FROM ip_net_vrf v2
      LEFT JOIN (SELECT vrf_id,
                        count(*) FILTER (WHERE family(prefix) = 4) AS n4,
                        count(*) FILTER (WHERE family(prefix) = 6) AS n6,
                        sum(total_addresses) FILTER (WHERE family(prefix) = 4 AND indent = 0) AS t4,
                        sum(total_addresses) FILTER (WHERE family(prefix) = 6 AND indent = 0) AS t6,
                        sum(used_addresses) FILTER (WHERE family(prefix) = 4 AND indent = 0) AS u4,
                        sum(used_addresses) FILTER (WHERE family(prefix) = 6 AND indent = 0) AS u6
                   FROM ip_net_plan GROUP BY vrf_id) s ON s.vrf_id = v2.id
     WHERE v.id = v2.id;

    -- Pool statistics (model.md §4.4) from the members' own values.
    UPDATE ip_net_pool o
       SET member_prefixes_v4 = coalesce(s.m4, 0), member_prefixes_v6 = coalesce(s.m6, 0),
           used_prefixes_v4 = coalesce(s.c4, 0), used_prefixes_v6 = coalesce(s.c6, 0),
           total_addresses_v4 = coalesce(s.t4, 0), total_addresses_v6 = coalesce(s.t6, 0),
           used_addresses_v4 = coalesce(s.u4, 0), used_addresses_v6 = coalesce(s.u6, 0),
           free_addresses_v4 = coalesce(s.t4, 0) - coalesce(s.u4, 0),
           free_addresses_v6 = coalesce(s.t6, 0) - coalesce(s.u6, 0),
           free_prefixes_v4 = prefixd_pool_free_prefixes(o.id, 4, o.ipv4_default_prefix_length),
           free_prefixes_v6 = prefixd_pool_free_prefixes(o.id, 6, o.ipv6_default_prefix_length),
           total_prefixes_v4 = coalesce(s.c4, 0) + prefixd_pool_free_prefixes(o.id, 4, o.ipv4_default_prefix_length),
           total_prefixes_v6 = coalesce(s.c6, 0) + prefixd_pool_free_prefixes(o.id, 6, o.ipv6_default_prefix_length)
      FROM ip_net_pool o2
      LEFT JOIN (SELECT pool_id,
                        count(*) FILTER (WHERE family(prefix) = 4) AS m4,
                        count(*) FILTER (WHERE family(prefix) = 6) AS m6,
                        sum(children) FILTER (WHERE family(prefix) = 4) AS c4,
                        sum(children) FILTER (WHERE family(prefix) = 6) AS c6,
                        sum(total_addresses) FILTER (WHERE family(prefix) = 4) AS t4,
                        sum(total_addresses) FILTER (WHERE family(prefix) = 6) AS t6,
                        sum(used_addresses) FILTER (WHERE family(prefix) = 4) AS u4,
                        sum(used_addresses) FILTER (WHERE family(prefix) = 6) AS u6
                   FROM ip_net_plan WHERE pool_id IS NOT NULL GROUP BY pool_id) s ON s.pool_id = o2.id
     WHERE o.id = o2.id;

    PERFORM set_config('prefixd.maintenance', 'off', true);
END
$$;

------------------------------------------------------------------------------
-- 8b. Room for in-place updates.  Inserting or removing a prefix above a
--     subtree rewrites every row below it (indent); when the page a row is
--     on has room, PostgreSQL keeps the new version there without touching
--     the table's nine indexes (a HOT update).  Measured on 65 280 rows
--     below a /8 (machine shared with builds): 2.0 s at fill factor 100,
--     1.3 s at 80.  Applies to pages written from now on; VACUUM FULL
--     ip_net_plan rewrites an existing table with it.
------------------------------------------------------------------------------

ALTER TABLE ip_net_plan SET (fillfactor = 80);

------------------------------------------------------------------------------
-- 9. Triggers.
------------------------------------------------------------------------------

CREATE OR REPLACE TRIGGER prefixd_plan_before_delete
    BEFORE DELETE ON ip_net_plan
    FOR EACH ROW WHEN (prefixd_lock_needed(OLD.vrf_id, OLD.prefix))
    EXECUTE FUNCTION prefixd_tf_plan_before_delete();

-- The functions 0002 had that nothing calls any more.
DROP FUNCTION IF EXISTS prefixd_ancestry(integer, cidr, integer);
