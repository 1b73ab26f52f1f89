-- SPDX-License-Identifier: MIT
-- 0015_allocation_floor: allocation without walking every earlier block.
--
-- Why (issue 13).  An allocation returns the lowest free block of a search
-- prefix S (allocation.md §5), which the daemon finds by walking the
-- outermost prefixes inside S in address order.  A pool or a parent that
-- is filled from the bottom makes every allocation walk all earlier
-- allocations: 10 000 host adds from one parent in one batch took 134 s
-- (74/s), and an index-only scan of 20 000 children alone costs 3 ms.
--
-- A floor remembers, for S and a wanted length L, where the last walk found
-- the gap holding its first candidate: `after` (the last outermost prefix
-- inside S before that gap) and `floor` (the gap's first address, as a
-- full-length cidr).  No free block of length L starts in S below `floor`,
-- so the next walk resumes after `after`.
--
-- Exactness.  A floor is dropped, in the same statement, by any change that
-- could uncover or restructure space below it: a prefix inserted, deleted
-- or moved inside S whose first address is below `floor` (allocations
-- insert at or above it, so they keep it).  The one race this misses is a
-- change committing while an allocation that walked without seeing it
-- writes a floor, or holds the floor the change would drop (see below);
-- `based` (the clock time of the full walk a floor derives from) bounds
-- that: the daemon does not trust a floor based on a walk more than two
-- seconds old, and walks S from its start again.  A stale floor can only
-- make an allocation return a higher block than the lowest; the claim's
-- freedom check still refuses any block that is taken.
--
-- No hot row and no waiting, ever: the daemon writes a floor only after
-- walking 64 or more prefixes past the previous one and skips a floor
-- another transaction holds (SKIP LOCKED, and a try-lock before a first
-- insert); a change below a floor drops only the floors nobody else holds.
-- Waiting in either place deadlocked: the floor's holder, still in its
-- transaction, went on to wait for position locks or (plain SQL sessions)
-- statistics rows the dropping transaction held.  A change above the floor
-- never touches it.

CREATE TABLE IF NOT EXISTS prefixd_alloc_floor (
    vrf_id integer NOT NULL,
    space  cidr NOT NULL,
    length integer NOT NULL,
    after  cidr NOT NULL,
    floor  cidr NOT NULL,
    based  timestamptz NOT NULL,
    PRIMARY KEY (vrf_id, space, length)
);
COMMENT ON TABLE prefixd_alloc_floor IS
    'prefixd: where allocation searches resume (see prefixd_note_floor); safe to empty at any time';

-- Records (or moves) the floor of (p_vrf, p_space, p_length) unless another
-- transaction holds it or is recording it; never waits.
CREATE OR REPLACE FUNCTION prefixd_note_floor(p_vrf integer, p_space cidr, p_length integer, p_after cidr,
                                              p_floor cidr, p_based timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_found boolean;
BEGIN
    UPDATE prefixd_alloc_floor f
       SET after = p_after, floor = p_floor, based = p_based
      FROM (SELECT ctid FROM prefixd_alloc_floor
             WHERE vrf_id = p_vrf AND space = p_space AND length = p_length
               FOR UPDATE SKIP LOCKED) l
     WHERE f.ctid = l.ctid;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT true INTO v_found FROM prefixd_alloc_floor
     WHERE vrf_id = p_vrf AND space = p_space AND length = p_length;
    -- A first insert waits for another transaction's uncommitted insert of
    -- the same key; whoever inserts holds this try-lock until it ends.
    IF v_found IS NULL
       AND pg_try_advisory_xact_lock(1885763688, hashtext(p_vrf || ' ' || p_space || ' ' || p_length)) THEN
        INSERT INTO prefixd_alloc_floor (vrf_id, space, length, after, floor, based)
        VALUES (p_vrf, p_space, p_length, p_after, p_floor, p_based)
        ON CONFLICT (vrf_id, space, length) DO NOTHING;
    END IF;
END
$$;

-- Drops the floors a statement's positions invalidate (see the header):
-- rows inserted, deleted, or moved (old and new positions).  A floor another
-- transaction holds is left to it (SKIP LOCKED: see the header's race).
CREATE OR REPLACE FUNCTION prefixd_tf_floor_after_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF prefixd_in_maintenance() OR NOT EXISTS (SELECT 1 FROM prefixd_alloc_floor) THEN
        RETURN NULL;  -- derived columns only, or (the common case) no floor at all
    END IF;
    IF TG_OP = 'INSERT' THEN
        DELETE FROM prefixd_alloc_floor d
         WHERE d.ctid IN (SELECT f.ctid FROM prefixd_alloc_floor f
                           WHERE EXISTS (SELECT 1 FROM new_rows c
                                          WHERE c.vrf_id = f.vrf_id AND c.prefix <<= f.space
                                            AND prefixd_range_lo(c.prefix) < prefixd_range_lo(f.floor))
                             FOR UPDATE SKIP LOCKED);
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM prefixd_alloc_floor d
         WHERE d.ctid IN (SELECT f.ctid FROM prefixd_alloc_floor f
                           WHERE EXISTS (SELECT 1 FROM old_rows c
                                          WHERE c.vrf_id = f.vrf_id AND c.prefix <<= f.space
                                            AND prefixd_range_lo(c.prefix) < prefixd_range_lo(f.floor))
                             FOR UPDATE SKIP LOCKED);
    ELSE
        DELETE FROM prefixd_alloc_floor d
         WHERE d.ctid IN (SELECT f.ctid FROM prefixd_alloc_floor f
                           WHERE EXISTS (SELECT 1
                                           FROM old_rows o
                                           JOIN new_rows n ON n.id = o.id
                                          CROSS JOIN LATERAL (VALUES (o.vrf_id, o.prefix), (n.vrf_id, n.prefix)) AS c(vrf_id, prefix)
                                          WHERE (o.vrf_id, o.prefix) IS DISTINCT FROM (n.vrf_id, n.prefix)
                                            AND c.vrf_id = f.vrf_id AND c.prefix <<= f.space
                                            AND prefixd_range_lo(c.prefix) < prefixd_range_lo(f.floor))
                             FOR UPDATE SKIP LOCKED);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION prefixd_tf_floor_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM prefixd_alloc_floor;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER prefixd_plan_floor_insert
    AFTER INSERT ON ip_net_plan REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_floor_after_statement();
CREATE OR REPLACE TRIGGER prefixd_plan_floor_delete
    AFTER DELETE ON ip_net_plan REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_floor_after_statement();
CREATE OR REPLACE TRIGGER prefixd_plan_floor_update
    AFTER UPDATE ON ip_net_plan REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_floor_after_statement();
CREATE OR REPLACE TRIGGER prefixd_plan_floor_truncate
    AFTER TRUNCATE ON ip_net_plan
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_floor_after_truncate();
