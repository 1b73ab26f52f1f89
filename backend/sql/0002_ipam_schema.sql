-- SPDX-License-Identifier: MIT
-- 0002_ipam_schema: NIPAP's IPAM schema (version 8) and prefixd's derived-data
-- machinery.
--
-- Runs as one transaction, as one multi-statement simple query, in two cases:
--
--   * fresh database: creates NIPAP's enums, tables, indexes (same names and
--     index comments, so SQL and tools written for NIPAP keep working and
--     duplicate-key messages name the same index comments), the default VRF
--     (id 0) and the database comment "NIPAP database - schema version: 8";
--   * adoption of an existing NIPAP schema-8 database: keeps every row, drops
--     NIPAP's PL/pgSQL triggers and functions (model.md §1.7), installs
--     prefixd's, and recomputes every derived value from scratch, because
--     NIPAP's incrementally maintained statistics drift (model.md §8.4).
--
-- The extensions ip4r, hstore and citext exist before this runs.
--
-- Derived data (spec README decision 10) is kept by the database, so it stays
-- exact whatever writes ip_net_plan: the daemon, psql, a bulk DELETE.
--
--   stored per prefix   parent_id (prefixd's own column), indent, children,
--                       total/used/free_addresses, display_prefix,
--                       inherited_tags
--   stored per VRF      num_prefixes_*, total/used/free_addresses_*
--   stored per pool     member/used/free/total_prefixes_*,
--                       total/used/free_addresses_*
--
-- Everything is stored (not computed on read) because NIPAP's columns are
-- read by plain SQL, searched and sorted on, and because reading a pool or VRF
-- must not cost a scan of its prefixes.  They are maintained by:
--
--   BEFORE INSERT / UPDATE row triggers   compute the row's own values (so
--       INSERT ... RETURNING shows them), keep users from overwriting derived
--       columns, bump last_modified on user updates, take the VRF lock.
--   AFTER INSERT / UPDATE / DELETE statement triggers with transition tables
--       turn the statement's changes into a change set and hand it to
--       prefixd_plan_sync(), which works out what the change set affects and
--       applies *deltas* to parents, VRFs and pools.  Adding or removing a
--       leaf therefore touches: the row, its parent (children +/- 1,
--       used +/- size), its VRF row and its pool rows -- a fixed number of
--       index probes, independent of the number of siblings and of the table
--       size.  Only work that is inherently about a subtree (a prefix inserted
--       above existing ones, a removed middle prefix, a move, a tag change)
--       walks that subtree.
--
-- Concurrency: every change to the hierarchy of a VRF takes the transaction
-- advisory lock prefixd_lock_vrf(vrf) (the same lock the daemon takes at the
-- start of a write call, allocation.md §7.3) and then reads fresh snapshots,
-- so derived values are computed against committed state that no concurrent
-- writer can change before commit; counters are written as "col = col + d"
-- under row locks.  Several VRFs are locked in ascending id order.

------------------------------------------------------------------------------
-- 1. Fresh install or adoption: inspect what is there.
------------------------------------------------------------------------------

DO $adopt$
DECLARE
    v_comment text;
    v_version int;
    v_missing text;
    v_obj record;
BEGIN
    IF to_regclass('public.ip_net_plan') IS NULL THEN
        -- Fresh database.  Enum types have no IF NOT EXISTS.
        IF to_regtype('public.ip_net_plan_type') IS NULL THEN
            CREATE TYPE ip_net_plan_type AS ENUM ('reservation', 'assignment', 'host');
        END IF;
        IF to_regtype('public.ip_net_plan_status') IS NULL THEN
            CREATE TYPE ip_net_plan_status AS ENUM ('assigned', 'reserved', 'quarantine');
        END IF;
        IF to_regtype('public.priority_5step') IS NULL THEN
            CREATE TYPE priority_5step AS ENUM ('warning', 'low', 'medium', 'high', 'critical');
        END IF;
        RETURN;
    END IF;

    -- An existing IPAM schema: it must be NIPAP's version 8 (model.md §1.2).
    SELECT shobj_description(oid, 'pg_database') INTO v_comment
      FROM pg_database WHERE datname = current_database();
    v_version := substring(v_comment FROM '^NIPAP database - schema version: ([0-9]+)')::int;
    IF v_version IS NULL THEN
        RAISE EXCEPTION 'ip_net_plan exists but the database comment is not NIPAP''s schema version marker (found: %)',
            coalesce(quote_literal(v_comment), 'no comment')
            USING HINT = 'prefixd adopts NIPAP databases at schema version 8 only';
    ELSIF v_version <> 8 THEN
        RAISE EXCEPTION 'this NIPAP database is at schema version %, prefixd adopts version 8', v_version
            USING HINT = 'upgrade it with NIPAP''s own tools (nipap-www/nipapd --upgrade) first';
    END IF;

    -- Every column prefixd relies on must be there with NIPAP's name.
    SELECT string_agg(t.tbl || '.' || t.col, ', ') INTO v_missing
      FROM (VALUES
        ('ip_net_vrf', 'id'), ('ip_net_vrf', 'rt'), ('ip_net_vrf', 'name'), ('ip_net_vrf', 'tags'),
        ('ip_net_vrf', 'avps'), ('ip_net_vrf', 'num_prefixes_v4'), ('ip_net_vrf', 'free_addresses_v6'),
        ('ip_net_pool', 'id'), ('ip_net_pool', 'name'), ('ip_net_pool', 'ipv4_default_prefix_length'),
        ('ip_net_pool', 'ipv6_default_prefix_length'), ('ip_net_pool', 'member_prefixes_v4'),
        ('ip_net_pool', 'free_prefixes_v6'), ('ip_net_pool', 'total_prefixes_v6'), ('ip_net_pool', 'avps'),
        ('ip_net_plan', 'id'), ('ip_net_plan', 'vrf_id'), ('ip_net_plan', 'prefix'),
        ('ip_net_plan', 'display_prefix'), ('ip_net_plan', 'pool_id'), ('ip_net_plan', 'type'),
        ('ip_net_plan', 'indent'), ('ip_net_plan', 'children'), ('ip_net_plan', 'tags'),
        ('ip_net_plan', 'inherited_tags'), ('ip_net_plan', 'last_modified'),
        ('ip_net_plan', 'total_addresses'), ('ip_net_plan', 'used_addresses'),
        ('ip_net_plan', 'free_addresses'), ('ip_net_plan', 'status'), ('ip_net_plan', 'avps'),
        ('ip_net_plan', 'expires'), ('ip_net_asn', 'asn'), ('ip_net_log', 'description')
      ) AS t(tbl, col)
     WHERE NOT EXISTS (SELECT 1 FROM information_schema.columns c
                        WHERE c.table_schema = 'public' AND c.table_name = t.tbl AND c.column_name = t.col);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'NIPAP database lacks columns of schema version 8: %', v_missing;
    END IF;

    PERFORM set_config('prefixd.adopting', 'on', true);

    -- Remember whether NIPAP's Kafka triggers were enabled, to give ours the
    -- same state (nipapd toggles them from its [kafka] config, model.md §12).
    PERFORM set_config('prefixd.adopt_kafka_enabled',
        CASE WHEN EXISTS (SELECT 1 FROM pg_trigger
                           WHERE tgname LIKE 'trigger\_kafka\_%' AND tgenabled <> 'D'
                             AND tgrelid IN ('ip_net_plan'::regclass, 'ip_net_vrf'::regclass,
                                             'ip_net_pool'::regclass))
             THEN 'on' ELSE 'off' END, true);

    -- Drop NIPAP's triggers: every user trigger on the three tables whose
    -- function is one of NIPAP's (by name, so the Kafka ones go too and are
    -- replaced by ours below).
    FOR v_obj IN
        SELECT t.tgname, t.tgrelid::regclass AS tbl
          FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE NOT t.tgisinternal
           AND t.tgrelid IN ('ip_net_plan'::regclass, 'ip_net_vrf'::regclass, 'ip_net_pool'::regclass)
           AND p.proname IN ('tf_ip_net_vrf_iu_before', 'tf_ip_net_vrf_d_before',
                             'tf_ip_net_plan__prefix_iu_before', 'tf_ip_net_plan__other__iu_before',
                             'tf_ip_net_prefix_d_before', 'tf_ip_net_plan__indent_children__iu_before',
                             'tf_ip_net_plan__prefix_iu_after', 'tf_ip_net_plan__tags__iu_before',
                             'tf_ip_net_pool__iu_before', 'tf_kafka_produce_event')
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_obj.tgname, v_obj.tbl);
    END LOOP;

    -- ... and NIPAP's functions, every overload.  No CASCADE: an unexpected
    -- dependent object (a view of the site's own) aborts the migration with
    -- a clear message instead of being dropped silently.
    FOR v_obj IN
        SELECT p.oid::regprocedure AS fn
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'
           AND p.proname IN ('calc_indent', 'array_undup', 'calc_tags', 'find_free_ranges',
                             'iprange2cidr', 'calc_pool_free_prefixes', 'cidr_count',
                             'find_free_prefix', 'get_prefix', 'vrf_rt_order',
                             'tf_ip_net_vrf_iu_before', 'tf_ip_net_vrf_d_before',
                             'tf_ip_net_plan__prefix_iu_before', 'tf_ip_net_plan__other__iu_before',
                             'tf_ip_net_prefix_d_before', 'tf_ip_net_plan__indent_children__iu_before',
                             'tf_ip_net_plan__prefix_iu_after', 'tf_ip_net_plan__tags__iu_before',
                             'tf_ip_net_pool__iu_before', 'tf_kafka_produce_event',
                             'clean_nipap_triggers')
    LOOP
        EXECUTE format('DROP FUNCTION %s', v_obj.fn);
    END LOOP;
END
$adopt$;

------------------------------------------------------------------------------
-- 2. NIPAP's tables (model.md §1.4).  IF NOT EXISTS: in an adopted database
--    they are already there (their columns were checked above).
------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS ip_net_asn (
    asn  integer NOT NULL PRIMARY KEY,
    name text
);
COMMENT ON TABLE ip_net_asn IS 'Autonomous system numbers';

CREATE TABLE IF NOT EXISTS ip_net_vrf (
    id                 serial PRIMARY KEY,
    rt                 text,
    name               text NOT NULL,
    description        text,
    num_prefixes_v4    numeric(40) DEFAULT 0,
    num_prefixes_v6    numeric(40) DEFAULT 0,
    total_addresses_v4 numeric(40) DEFAULT 0,
    total_addresses_v6 numeric(40) DEFAULT 0,
    used_addresses_v4  numeric(40) DEFAULT 0,
    used_addresses_v6  numeric(40) DEFAULT 0,
    free_addresses_v4  numeric(40) DEFAULT 0,
    free_addresses_v6  numeric(40) DEFAULT 0,
    tags               text[] DEFAULT '{}',
    avps               hstore NOT NULL DEFAULT ''
);
COMMENT ON TABLE ip_net_vrf IS 'VRFs; id 0 is the default VRF';

CREATE TABLE IF NOT EXISTS ip_net_pool (
    id                         serial PRIMARY KEY,
    name                       text NOT NULL,
    description                text,
    default_type               ip_net_plan_type,
    ipv4_default_prefix_length integer,
    ipv6_default_prefix_length integer,
    member_prefixes_v4         numeric(40) DEFAULT 0,
    member_prefixes_v6         numeric(40) DEFAULT 0,
    used_prefixes_v4           numeric(40) DEFAULT 0,
    used_prefixes_v6           numeric(40) DEFAULT 0,
    free_prefixes_v4           numeric(40) DEFAULT NULL,
    free_prefixes_v6           numeric(40) DEFAULT NULL,
    total_prefixes_v4          numeric(40) DEFAULT NULL,
    total_prefixes_v6          numeric(40) DEFAULT NULL,
    total_addresses_v4         numeric(40) DEFAULT 0,
    total_addresses_v6         numeric(40) DEFAULT 0,
    used_addresses_v4          numeric(40) DEFAULT 0,
    used_addresses_v6          numeric(40) DEFAULT 0,
    free_addresses_v4          numeric(40) DEFAULT 0,
    free_addresses_v6          numeric(40) DEFAULT 0,
    tags                       text[] DEFAULT '{}',
    avps                       hstore NOT NULL DEFAULT ''
);
COMMENT ON TABLE ip_net_pool IS 'Pools of prefixes to allocate from; the VRF is implied by the members';

CREATE TABLE IF NOT EXISTS ip_net_plan (
    id                   serial PRIMARY KEY,
    vrf_id               integer NOT NULL DEFAULT 0
                         REFERENCES ip_net_vrf (id) ON UPDATE CASCADE ON DELETE CASCADE,
    prefix               cidr NOT NULL,
    display_prefix       inet,
    description          text,
    comment              text,
    node                 text,
    pool_id              integer REFERENCES ip_net_pool (id) ON UPDATE CASCADE ON DELETE SET NULL,
    type                 ip_net_plan_type NOT NULL,
    indent               integer,
    country              text,
    order_id             text,
    customer_id          text,
    external_key         text,
    authoritative_source text NOT NULL DEFAULT 'nipap',
    alarm_priority       priority_5step,
    monitor              boolean,
    children             integer,
    vlan                 integer,
    tags                 text[] DEFAULT '{}',
    inherited_tags       text[] DEFAULT '{}',
    added                timestamptz DEFAULT now(),
    last_modified        timestamptz DEFAULT now(),
    total_addresses      numeric(40),
    used_addresses       numeric(40),
    free_addresses       numeric(40),
    status               ip_net_plan_status NOT NULL DEFAULT 'assigned',
    avps                 hstore NOT NULL DEFAULT '',
    expires              timestamptz DEFAULT 'infinity'
);
COMMENT ON TABLE ip_net_plan IS 'Prefixes (the IP address plan)';

-- Audit log: no foreign keys, rows outlive the objects they describe.
CREATE TABLE IF NOT EXISTS ip_net_log (
    id                   serial PRIMARY KEY,
    vrf_id               integer,
    vrf_rt               text,
    vrf_name             text,
    prefix_prefix        cidr,
    prefix_id            integer,
    pool_name            text,
    pool_id              integer,
    "timestamp"          timestamptz NOT NULL DEFAULT now(),
    username             text NOT NULL,
    authenticated_as     text NOT NULL,
    authoritative_source text NOT NULL,
    full_name            text,
    description          text NOT NULL
);
COMMENT ON TABLE ip_net_log IS 'Audit log of changes';

-- Outbox for an optional Kafka producer (model.md §12, schema version 8).
CREATE TABLE IF NOT EXISTS kafka_produce_event (
    id         serial PRIMARY KEY,
    table_name text NOT NULL,
    event_type text NOT NULL,
    payload    jsonb,
    processed  boolean DEFAULT false,
    created_at timestamptz DEFAULT now()
);

------------------------------------------------------------------------------
-- 3. NIPAP's indexes (model.md §1.5).  The comments of the unique indexes are
--    interface facts: they are the first quoted word of duplicate-key
--    messages (errors.md §2.2).
------------------------------------------------------------------------------

-- At most one VRF with a NULL rt (the default VRF).
CREATE UNIQUE INDEX IF NOT EXISTS ip_net_vrf__unique_vrf__index ON ip_net_vrf ((''::text)) WHERE rt IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ip_net_vrf__unique_name__index ON ip_net_vrf ((''::text)) WHERE name IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ip_net_vrf__rt__index ON ip_net_vrf (rt) WHERE rt IS NOT NULL;
COMMENT ON INDEX ip_net_vrf__rt__index IS 'VRF RT';
CREATE UNIQUE INDEX IF NOT EXISTS ip_net_vrf__name__index ON ip_net_vrf (lower(name)) WHERE name IS NOT NULL;
COMMENT ON INDEX ip_net_vrf__name__index IS 'VRF name';

CREATE UNIQUE INDEX IF NOT EXISTS ip_net_pool__name__index ON ip_net_pool (lower(name));
COMMENT ON INDEX ip_net_pool__name__index IS 'pool name';

CREATE UNIQUE INDEX IF NOT EXISTS ip_net_plan__vrf_id_prefix__index ON ip_net_plan (vrf_id, prefix);
COMMENT ON INDEX ip_net_plan__vrf_id_prefix__index IS 'prefix';
CREATE INDEX IF NOT EXISTS ip_net_plan__vrf_id__index ON ip_net_plan (vrf_id);
CREATE INDEX IF NOT EXISTS ip_net_plan__node__index ON ip_net_plan (node);
CREATE INDEX IF NOT EXISTS ip_net_plan__family__index ON ip_net_plan (family(prefix));
-- Containment (>>=, <<=, >>, <<, &&) on iprange(prefix), both families: every
-- parent, descendant and free-space lookup goes through this index.
CREATE INDEX IF NOT EXISTS ip_net_plan__prefix_iprange_index ON ip_net_plan USING gist (iprange(prefix));
CREATE INDEX IF NOT EXISTS ip_net_plan__pool_id__index ON ip_net_plan (pool_id);

CREATE INDEX IF NOT EXISTS ip_net_log__vrf__index ON ip_net_log (vrf_id);
CREATE INDEX IF NOT EXISTS ip_net_log__prefix__index ON ip_net_log (prefix_id);
CREATE INDEX IF NOT EXISTS ip_net_log__pool__index ON ip_net_log (pool_id);

-- The default VRF (model.md §1.6).  Explicit id 0; the sequence starts at 1.
INSERT INTO ip_net_vrf (id, rt, name, description)
VALUES (0, NULL, 'default', 'The default VRF, typically the Internet.')
ON CONFLICT (id) DO NOTHING;

------------------------------------------------------------------------------
-- 4. prefixd's additions to the schema.
------------------------------------------------------------------------------

-- The direct parent (nearest strictly containing prefix in the same VRF),
-- NULL for top-level prefixes.  Maintained by the triggers below like the
-- other derived columns.  It makes "direct children of P" an index range scan
-- (children counts, free gaps, pool statistics) and lets a statement trigger
-- know a deleted row's parent without searching.  No foreign key: the
-- triggers keep it exact, and an FK's own triggers would only add cost.
ALTER TABLE ip_net_plan ADD COLUMN IF NOT EXISTS parent_id integer;
COMMENT ON COLUMN ip_net_plan.parent_id IS
    'prefixd: id of the direct parent prefix (NULL when top-level); maintained by triggers';

-- Direct children of a prefix in address order (cidr order is address order
-- for disjoint siblings).  Top-level rows (parent_id NULL) are not needed here.
CREATE INDEX IF NOT EXISTS ip_net_plan__parent_id_prefix__index
    ON ip_net_plan (parent_id, prefix) WHERE parent_id IS NOT NULL;

-- Change records passed from the statement triggers to prefixd_plan_sync().
--   kind 'o': a row left this position (deleted, or moved by an UPDATE of
--             vrf_id/prefix); all fields are the OLD values.
--   kind 'n': a row is at a new position (inserted or moved); id, vrf_id,
--             prefix, pool_id are the NEW values.
--   kind 't': tags changed (row not moved): descendants' inherited_tags.
--   kind 'y': type changed (row not moved): its own display_prefix.
--   kind 'p': pool_id changed (row not moved); fields are the OLD values.
CREATE TYPE prefixd_plan_change AS (
    kind      "char",
    id        integer,
    vrf_id    integer,
    prefix    cidr,
    parent_id integer,
    indent    integer,
    total     numeric,
    used      numeric,
    children  integer,
    pool_id   integer
);

-- Old and new hierarchy position of a row whose ancestors may have changed.
CREATE TYPE prefixd_plan_state AS (
    id         integer,
    vrf_id     integer,
    prefix     cidr,
    pool_id    integer,
    is_new     boolean,   -- row is at a new position (its old values are in an 'o' record)
    old_parent integer,
    new_parent integer,
    old_indent integer,
    new_indent integer,
    total      numeric
);

------------------------------------------------------------------------------
-- 5. Helper functions.
------------------------------------------------------------------------------

-- The lock that serialises hierarchy changes in one VRF (allocation.md §7.3).
-- The daemon calls it at the start of every write call's transaction; the
-- triggers call it again (advisory locks are re-entrant), so plain SQL is
-- serialised too.  Key: class 1885763684 ('pfxd'), VRF id.
CREATE OR REPLACE FUNCTION prefixd_lock_vrf(p_vrf_id integer) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(1885763684, p_vrf_id)
$$;

-- Number of addresses in a prefix: 2^(max length - length).
CREATE OR REPLACE FUNCTION prefixd_prefix_size(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT trunc(2::numeric ^ ((CASE family(p) WHEN 4 THEN 32 ELSE 128 END) - masklen(p)))
$$;

CREATE OR REPLACE FUNCTION prefixd_is_full_length(p cidr) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT masklen(p) = CASE family(p) WHEN 4 THEN 32 ELSE 128 END
$$;

-- Removes duplicates keeping the first occurrence (inherited tags are ordered
-- from the top-level ancestor down, spec README decision 7).
CREATE OR REPLACE FUNCTION prefixd_array_dedup(a text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(e ORDER BY i), '{}')
      FROM (SELECT DISTINCT ON (e) e, i FROM unnest(a) WITH ORDINALITY AS u(e, i) ORDER BY e, i) s
$$;

-- Where a prefix sits in its VRF's tree: its direct parent, that parent's
-- length (for a host's display_prefix), its depth, and its inherited tags
-- (ancestors' tags from the top down, deduplicated).  One GiST probe for the
-- strictly containing prefixes; p_exclude ignores the row's own old version
-- when an UPDATE moves it.
CREATE OR REPLACE FUNCTION prefixd_ancestry(
    p_vrf_id integer, p_prefix cidr, p_exclude integer,
    OUT parent_id integer, OUT parent_len integer, OUT indent integer, OUT inherited_tags text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    WITH anc AS MATERIALIZED (
        SELECT a.id, masklen(a.prefix) AS len, a.tags
          FROM ip_net_plan a
         WHERE a.vrf_id + 0 = p_vrf_id  -- GiST, not all of the VRF via its vrf_id index
           AND iprange(a.prefix) >> iprange(p_prefix)
           AND a.id IS DISTINCT FROM p_exclude)
    SELECT (SELECT id FROM anc ORDER BY len DESC LIMIT 1),
           (SELECT max(len) FROM anc),
           (SELECT count(*) FROM anc),
           (SELECT prefixd_array_dedup(array_agg(t.tag ORDER BY anc.len, t.ord))
              FROM anc, unnest(anc.tags) WITH ORDINALITY AS t(tag, ord))
      INTO parent_id, parent_len, indent, inherited_tags;
    inherited_tags := coalesce(inherited_tags, '{}');
END
$$;

-- display_prefix (model.md §6.5): a host shows its address with the parent's
-- length; everything else shows the prefix itself.
CREATE OR REPLACE FUNCTION prefixd_display_prefix(p_prefix cidr, p_type ip_net_plan_type, p_parent_len integer)
RETURNS inet LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_type = 'host' AND p_parent_len IS NOT NULL
                THEN set_masklen(p_prefix::inet, p_parent_len)
                ELSE p_prefix::inet END
$$;

-- Pool free-prefix count of one free range [lo, hi] for default length len
-- (model.md §4.4): split the range into maximal aligned CIDR blocks; a block
-- of length l contributes 2^(len-l) if l <= len, 1 if l = len+1, else 0.
-- Closed form: with S = 2^(max-len) and H = S/2, the blocks of length <= len
-- together hold exactly nS S-aligned blocks, and the (len+1)-blocks are the
-- H-aligned blocks not inside one of those: nH - 2*nS.  Sum: nH - nS.
CREATE OR REPLACE FUNCTION prefixd_free_blocks(lo numeric, hi numeric, len integer, maxlen integer)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN len IS NULL OR len < 0 THEN NULL
        WHEN lo > hi THEN 0
        WHEN len >= maxlen THEN (hi - lo + 1) * trunc(2::numeric ^ (len - maxlen))
        ELSE greatest(0, div(hi + 1, h) - div(lo + h - 1, h))
           - greatest(0, div(hi + 1, 2 * h) - div(lo + 2 * h - 1, 2 * h))
    END
      FROM (SELECT trunc(2::numeric ^ (maxlen - len - 1)) AS h) s
$$;

-- Free-prefix count of the window [lo, hi] given the child ranges inside it
-- (disjoint): the sum over the gaps between them.
CREATE OR REPLACE FUNCTION prefixd_window_free_blocks(
    lo numeric, hi numeric, child_lo numeric[], child_hi numeric[], len integer, maxlen integer)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(prefixd_free_blocks(g.gap_lo, g.gap_hi, len, maxlen)), 0)
      FROM (SELECT coalesce(lag(c.c_hi) OVER (ORDER BY c.c_lo) + 1, lo) AS gap_lo, c.c_lo - 1 AS gap_hi
              FROM (SELECT u.c_lo, u.c_hi FROM unnest(child_lo, child_hi) AS u(c_lo, c_hi)
                    UNION ALL SELECT hi + 1, NULL) c) g
$$;

CREATE OR REPLACE FUNCTION prefixd_range_lo(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(iprange(p))::numeric $$;
CREATE OR REPLACE FUNCTION prefixd_range_hi(p cidr) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT upper(iprange(p))::numeric $$;

-- A pool's default prefix length for a family.
CREATE OR REPLACE FUNCTION prefixd_pool_len(p_pool_id integer, p_family integer) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE p_family WHEN 4 THEN ipv4_default_prefix_length ELSE ipv6_default_prefix_length END
      FROM ip_net_pool WHERE id = p_pool_id
$$;

-- free_prefixes of a pool for one family from scratch: NULL without a default
-- length or without members (model.md §4.4).  Costs the members' direct
-- children; used when a pool's default length changes and by the full
-- recomputation.
CREATE OR REPLACE FUNCTION prefixd_pool_free_prefixes(p_pool_id integer, p_family integer, p_len integer)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_len IS NULL OR count(*) = 0 THEN NULL
                ELSE sum(prefixd_window_free_blocks(
                         prefixd_range_lo(m.prefix), prefixd_range_hi(m.prefix),
                         ARRAY(SELECT prefixd_range_lo(c.prefix) FROM ip_net_plan c WHERE c.parent_id = m.id),
                         ARRAY(SELECT prefixd_range_hi(c.prefix) FROM ip_net_plan c WHERE c.parent_id = m.id),
                         p_len, CASE p_family WHEN 4 THEN 32 ELSE 128 END)) END
      FROM ip_net_plan m
     WHERE m.pool_id = p_pool_id AND family(m.prefix) = p_family
$$;

-- Maintenance writes (the triggers' own UPDATEs of derived columns) are marked
-- with this transaction-local setting so that the row triggers let them
-- through and the statement triggers do not recurse.
CREATE OR REPLACE FUNCTION prefixd_in_maintenance() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('prefixd.maintenance', true) = 'on', false) $$;

------------------------------------------------------------------------------
-- 6. Full recomputation (adoption; also a repair tool: SELECT prefixd_recompute_all()).
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
    -- Nobody else may change the hierarchy meanwhile.
    FOR v_vrf IN SELECT id FROM ip_net_vrf ORDER BY id LOOP
        PERFORM prefixd_lock_vrf(v_vrf);
    END LOOP;
    PERFORM set_config('prefixd.maintenance', 'on', true);

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
-- 7. Incremental maintenance of ip_net_plan's derived data.
------------------------------------------------------------------------------

-- Applies one statement's change set.  Steps:
--   1. lock the VRFs involved (ascending id), then read fresh snapshots;
--   2. R = rows whose ancestors may have changed: rows at new positions, rows
--      whose type changed, and the current descendants of every old position
--      that had children, of every new position and of every tag change;
--   3. recompute parent_id/indent/inherited_tags/display_prefix of R
--      (one GiST probe each) and write the differences;
--   4. parent edges that changed ("R row left parent q", "row joined parent
--      q", deleted rows) become children/used deltas for the surviving
--      parents; rows at new positions get children/used from their children;
--   5. VRF deltas from the rows whose indent/size/existence changed:
--      total = sum over indent 0, used = sum over indent 1 (+ full-length
--      top-level prefixes, whose used equals their size);
--   6. pool deltas from the member rows whose (pool, size, used, children)
--      changed, and free_prefixes deltas: over the whole member for members
--      that moved/joined/left, else over the window between the nearest
--      unchanged siblings around the changed children -- so a leaf costs a
--      couple of index probes, not a walk over its siblings.
CREATE OR REPLACE FUNCTION prefixd_plan_sync(p_changes prefixd_plan_change[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_vrfs       integer[];
    v_vrf        integer;
    v_new_ids    integer[];       -- rows at a new position ('n')
    v_changed    integer[];       -- rows the statement itself wrote ('o', 'n', 'p')
    v_state      prefixd_plan_state[];
    v_mem        record;
    v_maxlen     integer;
    v_prev       cidr;            -- window borders: nearest unchanged siblings
    v_next       cidr;
    v_bound      cidr;            -- upper index bound of the window
    v_min        cidr;
    v_max        cidr;
    v_wlo        numeric;
    v_whi        numeric;
    v_f_old      numeric;
    v_f_new      numeric;
    v_delta      numeric;
    -- free_prefixes deltas (pool, family, delta)
    v_fp_pool    integer[] := '{}';
    v_fp_fam     integer[] := '{}';
    v_fp_delta   numeric[] := '{}';
    -- children/used deltas applied to parents (id, pool, family, dc, du)
    v_pd_ids     integer[];
    v_pd_pool    integer[];
    v_pd_fam     integer[];
    v_pd_dc      numeric[];
    v_pd_du      numeric[];
    v_plan_mode  text := current_setting('plan_cache_mode');
BEGIN
    -- A statement that changed a few rows (the API's case) runs on cached
    -- generic plans: replanning these statements for every insert cost more
    -- than running them.  Bulk changes keep custom plans sized to the batch.
    IF cardinality(p_changes) <= 64 THEN
        PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
    END IF;
    -- 1. Locks, in ascending VRF order (deadlock avoidance).
    SELECT array_agg(DISTINCT c.vrf_id ORDER BY c.vrf_id) INTO v_vrfs FROM unnest(p_changes) c;
    FOREACH v_vrf IN ARRAY v_vrfs LOOP
        PERFORM prefixd_lock_vrf(v_vrf);
    END LOOP;
    PERFORM set_config('prefixd.maintenance', 'on', true);

    v_new_ids := ARRAY(SELECT c.id FROM unnest(p_changes) c WHERE c.kind = 'n');
    v_changed := ARRAY(SELECT c.id FROM unnest(p_changes) c WHERE c.kind IN ('o', 'n', 'p'));

    -- 2. + 3. The rows whose ancestors may have changed, their old and new
    -- position, written back where different.
    WITH r_ids AS (
        SELECT c.id FROM unnest(p_changes) c WHERE c.kind IN ('n', 'y')
        UNION
        SELECT p.id
          FROM unnest(p_changes) c
          JOIN ip_net_plan p ON p.vrf_id + 0 = c.vrf_id AND iprange(p.prefix) << iprange(c.prefix)
         WHERE (c.kind = 'o' AND c.children > 0) OR c.kind IN ('n', 't')
    ), calc AS MATERIALIZED (
        SELECT p.id, p.vrf_id, p.prefix, p.type, p.pool_id, p.parent_id, p.indent,
               p.inherited_tags, p.display_prefix, a.parent_id AS new_parent, a.indent AS new_indent,
               a.inherited_tags AS new_tags,
               prefixd_display_prefix(p.prefix, p.type, a.parent_len) AS new_display,
               nw.id IS NOT NULL AS is_new
          FROM ip_net_plan p
          JOIN r_ids ON r_ids.id = p.id
          LEFT JOIN unnest(v_new_ids) AS nw(id) ON nw.id = p.id
          CROSS JOIN LATERAL prefixd_ancestry(p.vrf_id, p.prefix, p.id) a
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

    -- 4a. children/used deltas for surviving parents that are not themselves
    -- at a new position (those are recomputed from their children in 4b).
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
        SELECT q, sum(dc)::integer AS dc, sum(du) AS du
          FROM edges
         WHERE NOT EXISTS (SELECT 1 FROM unnest(v_new_ids) AS ex(id) WHERE ex.id = q)
         GROUP BY q
    ), upd AS (
        UPDATE ip_net_plan p
           SET children = p.children + d.dc,
               used_addresses = CASE WHEN prefixd_is_full_length(p.prefix) THEN p.total_addresses
                                     ELSE p.used_addresses + d.du END,
               free_addresses = CASE WHEN prefixd_is_full_length(p.prefix) THEN 0
                                     ELSE p.free_addresses - d.du END
          FROM d
         WHERE p.id = d.q AND (d.dc <> 0 OR d.du <> 0)
        RETURNING p.id, p.pool_id, family(p.prefix) AS fam, d.dc,
                  CASE WHEN prefixd_is_full_length(p.prefix) THEN 0 ELSE d.du END AS du
    )
    SELECT array_agg(id), array_agg(pool_id), array_agg(fam), array_agg(dc), array_agg(du)
      INTO v_pd_ids, v_pd_pool, v_pd_fam, v_pd_dc, v_pd_du
      FROM upd;

    -- 4b. Rows at a new position: size, children and used from scratch.  Every
    -- child of such a row got it as a new parent in this statement, so its
    -- children are exactly the v_state rows naming it as new_parent (no scan
    -- of the table by parent_id, whose generic plan misjudges a parent with
    -- thousands of children).
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

    -- 5. VRF statistics.  Every locked VRF row is written, even with zero
    -- deltas: under REPEATABLE READ that turns a concurrent hierarchy change
    -- into a serialization failure instead of a silent inconsistency.
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
    ), d AS (
        SELECT v.id,
               coalesce(sum(n) FILTER (WHERE fam = 4), 0) AS n4, coalesce(sum(n) FILTER (WHERE fam = 6), 0) AS n6,
               coalesce(sum(t) FILTER (WHERE fam = 4), 0) AS t4, coalesce(sum(t) FILTER (WHERE fam = 6), 0) AS t6,
               coalesce(sum(u) FILTER (WHERE fam = 4), 0) AS u4, coalesce(sum(u) FILTER (WHERE fam = 6), 0) AS u6
          FROM unnest(v_vrfs) v(id) LEFT JOIN contrib ON contrib.vrf_id = v.id
         GROUP BY v.id
    )
    UPDATE ip_net_vrf v
       SET num_prefixes_v4 = v.num_prefixes_v4 + d.n4, num_prefixes_v6 = v.num_prefixes_v6 + d.n6,
           total_addresses_v4 = v.total_addresses_v4 + d.t4, total_addresses_v6 = v.total_addresses_v6 + d.t6,
           used_addresses_v4 = v.used_addresses_v4 + d.u4, used_addresses_v6 = v.used_addresses_v6 + d.u6,
           free_addresses_v4 = v.free_addresses_v4 + d.t4 - d.u4,
           free_addresses_v6 = v.free_addresses_v6 + d.t6 - d.u6
      FROM d WHERE v.id = d.id;

    -- 6a. free_prefixes deltas, per affected member and pool.
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
        ), whole AS (
            -- members that left a pool position: deleted/moved ('o'), pool changed ('p')
            SELECT c.id, c.pool_id, c.prefix, true AS old_side, true AS whole
              FROM unnest(p_changes) c WHERE c.kind IN ('o', 'p') AND c.pool_id IS NOT NULL
            UNION ALL
            -- members that took a pool position: inserted/moved, pool changed
            SELECT p.id, p.pool_id, p.prefix, false, true
              FROM unnest(p_changes) c JOIN ip_net_plan p ON p.id = c.id
             WHERE c.kind IN ('n', 'p') AND p.pool_id IS NOT NULL
        ), edge_agg AS (
            SELECT e.q, array_agg(e.id) AS edge_ids, array_agg(e.prefix) AS edge_prefixes,
                   coalesce(array_agg(e.prefix) FILTER (WHERE e.old), '{}') AS old_edges
              FROM edge e GROUP BY e.q
        ), stable AS (
            -- members whose set of direct children changed, themselves unchanged
            SELECT p.id, p.pool_id, p.prefix, false AS old_side, false AS whole
              FROM edge_agg e JOIN ip_net_plan p ON p.id = e.q
             WHERE p.pool_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM unnest(v_changed) AS ex(id) WHERE ex.id = p.id)
        )
        SELECT m.*, prefixd_pool_len(m.pool_id, family(m.prefix)) AS len,
               coalesce(e.edge_ids, '{}') AS edge_ids, coalesce(e.edge_prefixes, '{}') AS edge_prefixes,
               coalesce(e.old_edges, '{}') AS old_edges
          FROM (SELECT * FROM whole UNION ALL SELECT * FROM stable) m
          LEFT JOIN edge_agg e ON e.q = m.id
    LOOP
        CONTINUE WHEN v_mem.len IS NULL;  -- no default length: free_prefixes stays NULL
        v_maxlen := CASE family(v_mem.prefix) WHEN 4 THEN 32 ELSE 128 END;
        IF v_mem.whole AND v_mem.old_side THEN
            -- the member's old children: deleted/moved ones, rows of R that
            -- had it as parent, and unchanged current children.
            SELECT prefixd_window_free_blocks(prefixd_range_lo(v_mem.prefix), prefixd_range_hi(v_mem.prefix),
                       array_agg(prefixd_range_lo(k.prefix)), array_agg(prefixd_range_hi(k.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_f_old
              FROM (SELECT c.prefix FROM unnest(p_changes) c WHERE c.kind = 'o' AND c.parent_id = v_mem.id
                    UNION ALL
                    SELECT s.prefix FROM unnest(v_state) s WHERE NOT s.is_new AND s.old_parent = v_mem.id
                    UNION ALL
                    SELECT x.prefix FROM ip_net_plan x
                     WHERE x.parent_id = v_mem.id
                       AND NOT EXISTS (SELECT 1 FROM unnest(v_state) AS ex WHERE ex.id = x.id)
                       AND NOT EXISTS (SELECT 1 FROM unnest(v_changed) AS ex(id) WHERE ex.id = x.id)) k;
            v_delta := -v_f_old;
        ELSIF v_mem.whole THEN
            SELECT prefixd_window_free_blocks(prefixd_range_lo(v_mem.prefix), prefixd_range_hi(v_mem.prefix),
                       array_agg(prefixd_range_lo(x.prefix)), array_agg(prefixd_range_hi(x.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_delta
              FROM ip_net_plan x WHERE x.parent_id = v_mem.id;
        ELSE
            -- Window between the nearest unchanged siblings around the changed
            -- children: outside it nothing changed, and no gap crosses its
            -- borders.  Children are disjoint, so cidr order is address order.
            SELECT min(e), max(e) INTO v_min, v_max FROM unnest(v_mem.edge_prefixes) e;
            SELECT x.prefix INTO v_prev FROM ip_net_plan x
             WHERE x.parent_id = v_mem.id AND x.prefix < v_min
               AND NOT EXISTS (SELECT 1 FROM unnest(v_mem.edge_ids) AS ex(id) WHERE ex.id = x.id)
             ORDER BY x.prefix DESC LIMIT 1;
            SELECT x.prefix INTO v_next FROM ip_net_plan x
             WHERE x.parent_id = v_mem.id AND x.prefix > v_max
               AND NOT EXISTS (SELECT 1 FROM unnest(v_mem.edge_ids) AS ex(id) WHERE ex.id = x.id)
             ORDER BY x.prefix LIMIT 1;
            v_wlo := CASE WHEN v_prev IS NULL THEN prefixd_range_lo(v_mem.prefix) ELSE prefixd_range_hi(v_prev) + 1 END;
            v_whi := CASE WHEN v_next IS NULL THEN prefixd_range_hi(v_mem.prefix) ELSE prefixd_range_lo(v_next) - 1 END;
            -- Index range for the children in the window: above v_prev (or the
            -- member, which sorts below all its children), up to v_next or the
            -- member's last address at full length; not a scan of all
            -- siblings.
            v_bound := coalesce(v_next, set_masklen(broadcast(v_mem.prefix), v_maxlen)::cidr);
            -- new state: current children inside the window
            SELECT prefixd_window_free_blocks(v_wlo, v_whi,
                       array_agg(prefixd_range_lo(x.prefix)), array_agg(prefixd_range_hi(x.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_f_new
              FROM ip_net_plan x
             WHERE x.parent_id = v_mem.id
               AND x.prefix > coalesce(v_prev, v_mem.prefix) AND x.prefix <= v_bound
               AND (v_next IS NULL OR x.prefix < v_next);
            -- old state: unchanged children inside the window plus the old edges
            SELECT prefixd_window_free_blocks(v_wlo, v_whi,
                       array_agg(prefixd_range_lo(k.prefix)), array_agg(prefixd_range_hi(k.prefix)),
                       v_mem.len, v_maxlen)
              INTO v_f_old
              FROM (SELECT x.prefix FROM ip_net_plan x
                     WHERE x.parent_id = v_mem.id
                       AND NOT EXISTS (SELECT 1 FROM unnest(v_mem.edge_ids) AS ex(id) WHERE ex.id = x.id)
                       AND x.prefix > coalesce(v_prev, v_mem.prefix) AND x.prefix <= v_bound
                       AND (v_next IS NULL OR x.prefix < v_next)
                    UNION ALL
                    SELECT e FROM unnest(v_mem.old_edges) e) k;
            v_delta := v_f_new - v_f_old;
        END IF;
        v_fp_pool := v_fp_pool || v_mem.pool_id;
        v_fp_fam := v_fp_fam || family(v_mem.prefix);
        v_fp_delta := v_fp_delta || v_delta;
    END LOOP;

    -- 6b. Pool statistics: member vectors (1, size, used, children) leave and
    -- enter pools; parents that only got children deltas pass those on.
    WITH contrib AS (
        SELECT c.pool_id, family(c.prefix) AS fam, -1 AS m, -c.total AS t, -c.used AS u,
               -c.children::numeric AS ch, 0::numeric AS f
          FROM unnest(p_changes) c WHERE c.kind IN ('o', 'p') AND c.pool_id IS NOT NULL
        UNION ALL
        SELECT p.pool_id, family(p.prefix), 1, p.total_addresses, p.used_addresses, p.children, 0
          FROM unnest(p_changes) c JOIN ip_net_plan p ON p.id = c.id
         WHERE c.kind IN ('n', 'p') AND p.pool_id IS NOT NULL
        UNION ALL
        SELECT d.pool_id, d.fam, 0, 0, d.du, d.dc, 0
          FROM unnest(v_pd_ids, v_pd_pool, v_pd_fam, v_pd_dc, v_pd_du) AS d(id, pool_id, fam, dc, du)
         WHERE d.pool_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM unnest(v_changed) AS ex(id) WHERE ex.id = d.id)
        UNION ALL
        SELECT f.pool_id, f.fam, 0, 0, 0, 0, f.delta
          FROM unnest(v_fp_pool, v_fp_fam, v_fp_delta) AS f(pool_id, fam, delta)
    ), d AS (
        SELECT pool_id,
               coalesce(sum(m) FILTER (WHERE fam = 4), 0) AS m4, coalesce(sum(m) FILTER (WHERE fam = 6), 0) AS m6,
               coalesce(sum(t) FILTER (WHERE fam = 4), 0) AS t4, coalesce(sum(t) FILTER (WHERE fam = 6), 0) AS t6,
               coalesce(sum(u) FILTER (WHERE fam = 4), 0) AS u4, coalesce(sum(u) FILTER (WHERE fam = 6), 0) AS u6,
               coalesce(sum(ch) FILTER (WHERE fam = 4), 0) AS c4, coalesce(sum(ch) FILTER (WHERE fam = 6), 0) AS c6,
               coalesce(sum(f) FILTER (WHERE fam = 4), 0) AS f4, coalesce(sum(f) FILTER (WHERE fam = 6), 0) AS f6
          FROM contrib GROUP BY pool_id
    )
    UPDATE ip_net_pool o
       SET member_prefixes_v4 = o.member_prefixes_v4 + d.m4,
           member_prefixes_v6 = o.member_prefixes_v6 + d.m6,
           used_prefixes_v4 = o.used_prefixes_v4 + d.c4,
           used_prefixes_v6 = o.used_prefixes_v6 + d.c6,
           total_addresses_v4 = o.total_addresses_v4 + d.t4,
           total_addresses_v6 = o.total_addresses_v6 + d.t6,
           used_addresses_v4 = o.used_addresses_v4 + d.u4,
           used_addresses_v6 = o.used_addresses_v6 + d.u6,
           free_addresses_v4 = o.free_addresses_v4 + d.t4 - d.u4,
           free_addresses_v6 = o.free_addresses_v6 + d.t6 - d.u6,
           -- NULL without a default length or without members (model.md §4.4)
           free_prefixes_v4 = CASE WHEN o.ipv4_default_prefix_length IS NULL
                                     OR o.member_prefixes_v4 + d.m4 = 0 THEN NULL
                                   ELSE coalesce(o.free_prefixes_v4, 0) + d.f4 END,
           free_prefixes_v6 = CASE WHEN o.ipv6_default_prefix_length IS NULL
                                     OR o.member_prefixes_v6 + d.m6 = 0 THEN NULL
                                   ELSE coalesce(o.free_prefixes_v6, 0) + d.f6 END,
           total_prefixes_v4 = CASE WHEN o.ipv4_default_prefix_length IS NULL
                                      OR o.member_prefixes_v4 + d.m4 = 0 THEN NULL
                                    ELSE o.used_prefixes_v4 + d.c4 + coalesce(o.free_prefixes_v4, 0) + d.f4 END,
           total_prefixes_v6 = CASE WHEN o.ipv6_default_prefix_length IS NULL
                                      OR o.member_prefixes_v6 + d.m6 = 0 THEN NULL
                                    ELSE o.used_prefixes_v6 + d.c6 + coalesce(o.free_prefixes_v6, 0) + d.f6 END
      FROM d
     WHERE o.id = d.pool_id
       AND (d.m4, d.m6, d.t4, d.t6, d.u4, d.u6, d.c4, d.c6, d.f4, d.f6) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    PERFORM set_config('plan_cache_mode', v_plan_mode, true);
    PERFORM set_config('prefixd.maintenance', 'off', true);
END
$$;

-- AFTER ... FOR EACH STATEMENT: turn the transition tables into change records.
CREATE OR REPLACE FUNCTION prefixd_tf_plan_after_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_changes prefixd_plan_change[];
BEGIN
    IF prefixd_in_maintenance() THEN
        RETURN NULL;  -- our own derived-column writes
    END IF;
    IF TG_OP = 'INSERT' THEN
        v_changes := ARRAY(
            SELECT ROW('n', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, n.pool_id)::prefixd_plan_change
              FROM new_rows n);
    ELSIF TG_OP = 'DELETE' THEN
        v_changes := ARRAY(
            SELECT ROW('o', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                       o.used_addresses, o.children, o.pool_id)::prefixd_plan_change
              FROM old_rows o);
    ELSE
        v_changes := ARRAY(
            SELECT r.rec
              FROM old_rows o
              JOIN new_rows n ON n.id = o.id
              CROSS JOIN LATERAL (VALUES ((o.vrf_id, o.prefix) IS DISTINCT FROM (n.vrf_id, n.prefix))) mv(moved)
              CROSS JOIN LATERAL (VALUES
                  (mv.moved, ROW('o', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                                 o.used_addresses, o.children, o.pool_id)::prefixd_plan_change),
                  (mv.moved, ROW('n', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL,
                                 n.pool_id)::prefixd_plan_change),
                  (NOT mv.moved AND o.tags IS DISTINCT FROM n.tags,
                   ROW('t', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, NULL)::prefixd_plan_change),
                  (NOT mv.moved AND o.type IS DISTINCT FROM n.type,
                   ROW('y', n.id, n.vrf_id, n.prefix, NULL, NULL, NULL, NULL, NULL, NULL)::prefixd_plan_change),
                  (NOT mv.moved AND o.pool_id IS DISTINCT FROM n.pool_id,
                   ROW('p', o.id, o.vrf_id, o.prefix, o.parent_id, o.indent, o.total_addresses,
                       o.used_addresses, o.children, o.pool_id)::prefixd_plan_change)
              ) AS r(wanted, rec)
             WHERE r.wanted);
    END IF;
    IF cardinality(v_changes) > 0 THEN
        PERFORM prefixd_plan_sync(v_changes);
    END IF;
    RETURN NULL;
END
$$;

-- BEFORE INSERT / UPDATE FOR EACH ROW (skipped for maintenance writes).
-- Computes the row's own derived values so that INSERT ... RETURNING and the
-- common single-row case are right without a second write; the statement
-- trigger re-checks them against the final state of multi-row statements.
CREATE OR REPLACE FUNCTION prefixd_tf_plan_before_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_anc  record;
    v_kids record;
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
        IF (NEW.vrf_id, NEW.prefix, NEW.type) IS NOT DISTINCT FROM (OLD.vrf_id, OLD.prefix, OLD.type) THEN
            RETURN NEW;
        END IF;
        IF OLD.vrf_id < NEW.vrf_id THEN
            PERFORM prefixd_lock_vrf(OLD.vrf_id);
        END IF;
    END IF;
    PERFORM prefixd_lock_vrf(NEW.vrf_id);
    IF TG_OP = 'UPDATE' AND OLD.vrf_id > NEW.vrf_id THEN
        PERFORM prefixd_lock_vrf(OLD.vrf_id);
    END IF;

    SELECT * INTO v_anc FROM prefixd_ancestry(NEW.vrf_id, NEW.prefix, NEW.id);
    NEW.parent_id := v_anc.parent_id;
    NEW.indent := v_anc.indent;
    NEW.inherited_tags := v_anc.inherited_tags;
    NEW.display_prefix := prefixd_display_prefix(NEW.prefix, NEW.type, v_anc.parent_len);
    NEW.total_addresses := prefixd_prefix_size(NEW.prefix);
    IF prefixd_is_full_length(NEW.prefix) THEN
        NEW.children := 0;
        NEW.used_addresses := NEW.total_addresses;
    ELSE
        -- The prefixes it will be the parent of: those inside it whose parent
        -- is (so far) its own parent, or the row itself when it is moved.
        SELECT count(*)::integer AS n, coalesce(sum(c.total_addresses), 0) AS s INTO v_kids
          FROM ip_net_plan c
         WHERE c.vrf_id + 0 = NEW.vrf_id AND iprange(c.prefix) << iprange(NEW.prefix)
           AND c.id IS DISTINCT FROM NEW.id
           AND (c.parent_id IS NOT DISTINCT FROM v_anc.parent_id OR c.parent_id = NEW.id);
        NEW.children := v_kids.n;
        NEW.used_addresses := v_kids.s;
    END IF;
    NEW.free_addresses := NEW.total_addresses - NEW.used_addresses;
    RETURN NEW;
END
$$;

-- TRUNCATE bypasses row and statement DELETE triggers: everything is empty.
CREATE OR REPLACE FUNCTION prefixd_tf_plan_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('prefixd.maintenance', 'on', true);
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
-- 8. VRF and pool rows: their statistics are derived too.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION prefixd_tf_vrf_before_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Deleting VRF 0 would cascade to all its prefixes (model.md §1.6).
        RAISE EXCEPTION '1200:Not allowed to remove the default VRF (id 0)';
    ELSIF TG_OP = 'INSERT' THEN
        -- A new VRF has no prefixes.
        NEW.num_prefixes_v4 := 0; NEW.num_prefixes_v6 := 0;
        NEW.total_addresses_v4 := 0; NEW.total_addresses_v6 := 0;
        NEW.used_addresses_v4 := 0; NEW.used_addresses_v6 := 0;
        NEW.free_addresses_v4 := 0; NEW.free_addresses_v6 := 0;
    ELSE
        NEW.num_prefixes_v4 := OLD.num_prefixes_v4; NEW.num_prefixes_v6 := OLD.num_prefixes_v6;
        NEW.total_addresses_v4 := OLD.total_addresses_v4; NEW.total_addresses_v6 := OLD.total_addresses_v6;
        NEW.used_addresses_v4 := OLD.used_addresses_v4; NEW.used_addresses_v6 := OLD.used_addresses_v6;
        NEW.free_addresses_v4 := OLD.free_addresses_v4; NEW.free_addresses_v6 := OLD.free_addresses_v6;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION prefixd_tf_pool_before_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_vrf integer;
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
        -- New default length: free/total prefixes from scratch, under the lock
        -- of the pool's VRF so member changes do not interleave.
        FOR v_vrf IN SELECT DISTINCT vrf_id FROM ip_net_plan WHERE pool_id = NEW.id ORDER BY vrf_id LOOP
            PERFORM prefixd_lock_vrf(v_vrf);
        END LOOP;
        NEW.free_prefixes_v4 := prefixd_pool_free_prefixes(NEW.id, 4, NEW.ipv4_default_prefix_length);
        NEW.free_prefixes_v6 := prefixd_pool_free_prefixes(NEW.id, 6, NEW.ipv6_default_prefix_length);
        NEW.total_prefixes_v4 := NEW.used_prefixes_v4 + NEW.free_prefixes_v4;
        NEW.total_prefixes_v6 := NEW.used_prefixes_v6 + NEW.free_prefixes_v6;
    END IF;
    RETURN NEW;
END
$$;

-- Kafka outbox (model.md §12): one event per row change, the old row for
-- deletes, the new row otherwise; identical updates add nothing.
CREATE OR REPLACE FUNCTION prefixd_tf_kafka_produce_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO kafka_produce_event (table_name, event_type, payload)
        VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(OLD));
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NEW;
    END IF;
    INSERT INTO kafka_produce_event (table_name, event_type, payload)
    VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(NEW));
    RETURN NEW;
END
$$;

------------------------------------------------------------------------------
-- 9. Bring existing rows in line (adoption: NIPAP's stored values drift), then
--    attach the triggers.
------------------------------------------------------------------------------

DO $recompute$
BEGIN
    PERFORM prefixd_recompute_all();
    IF current_setting('prefixd.adopting', true) = 'on' THEN
        -- Adoption rewrote every row (parent_id is new), which leaves every
        -- index of ip_net_plan twice its size; rebuild them (GiST quality
        -- matters for the containment lookups).
        REINDEX TABLE ip_net_plan;
    END IF;
END
$recompute$;

CREATE OR REPLACE TRIGGER prefixd_plan_before_insert
    BEFORE INSERT ON ip_net_plan
    FOR EACH ROW EXECUTE FUNCTION prefixd_tf_plan_before_row();

CREATE OR REPLACE TRIGGER prefixd_plan_before_update
    BEFORE UPDATE ON ip_net_plan
    FOR EACH ROW WHEN (NOT prefixd_in_maintenance())
    EXECUTE FUNCTION prefixd_tf_plan_before_row();

CREATE OR REPLACE TRIGGER prefixd_plan_after_insert
    AFTER INSERT ON ip_net_plan REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_plan_after_statement();

CREATE OR REPLACE TRIGGER prefixd_plan_after_update
    AFTER UPDATE ON ip_net_plan REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_plan_after_statement();

CREATE OR REPLACE TRIGGER prefixd_plan_after_delete
    AFTER DELETE ON ip_net_plan REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_plan_after_statement();

CREATE OR REPLACE TRIGGER prefixd_plan_after_truncate
    AFTER TRUNCATE ON ip_net_plan
    FOR EACH STATEMENT EXECUTE FUNCTION prefixd_tf_plan_after_truncate();

CREATE OR REPLACE TRIGGER prefixd_vrf_before_insert_update
    BEFORE INSERT OR UPDATE ON ip_net_vrf
    FOR EACH ROW WHEN (NOT prefixd_in_maintenance())
    EXECUTE FUNCTION prefixd_tf_vrf_before_row();

CREATE OR REPLACE TRIGGER prefixd_vrf_before_delete
    BEFORE DELETE ON ip_net_vrf
    FOR EACH ROW WHEN (OLD.id = 0)
    EXECUTE FUNCTION prefixd_tf_vrf_before_row();

CREATE OR REPLACE TRIGGER prefixd_pool_before_insert_update
    BEFORE INSERT OR UPDATE ON ip_net_pool
    FOR EACH ROW WHEN (NOT prefixd_in_maintenance())
    EXECUTE FUNCTION prefixd_tf_pool_before_row();

-- NIPAP's Kafka trigger names, so the daemon can enable/disable them the way
-- nipapd does.  Disabled unless an adopted NIPAP database had them enabled.
CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_plan
    AFTER INSERT OR UPDATE OR DELETE ON ip_net_plan
    FOR EACH ROW EXECUTE FUNCTION prefixd_tf_kafka_produce_event();
CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_vrf
    AFTER INSERT OR UPDATE OR DELETE ON ip_net_vrf
    FOR EACH ROW EXECUTE FUNCTION prefixd_tf_kafka_produce_event();
CREATE OR REPLACE TRIGGER trigger_kafka_ip_net_pool
    AFTER INSERT OR UPDATE OR DELETE ON ip_net_pool
    FOR EACH ROW EXECUTE FUNCTION prefixd_tf_kafka_produce_event();

DO $kafka$
BEGIN
    IF current_setting('prefixd.adopt_kafka_enabled', true) IS DISTINCT FROM 'on' THEN
        ALTER TABLE ip_net_plan DISABLE TRIGGER trigger_kafka_ip_net_plan;
        ALTER TABLE ip_net_vrf DISABLE TRIGGER trigger_kafka_ip_net_vrf;
        ALTER TABLE ip_net_pool DISABLE TRIGGER trigger_kafka_ip_net_pool;
    END IF;
END
$kafka$;

------------------------------------------------------------------------------
-- 10. Schema version marker (model.md §1.2, spec README decision 8): NIPAP's
--     text, kept at 8 -- prefixd records its own level in its own table.
------------------------------------------------------------------------------

DO $comment$
BEGIN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'NIPAP database - schema version: 8');
END
$comment$;
