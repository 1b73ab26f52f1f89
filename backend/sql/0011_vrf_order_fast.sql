-- SPDX-License-Identifier: MIT
-- The VRF sort key (0003) without a subtransaction per row (issue 14).
-- PL/pgSQL enters a subtransaction for every call of a function with an
-- EXCEPTION block, and list_prefix sorts by the key of every row's VRF.
-- The usual forms ("A:B", A and B up to nine decimal digits, A perhaps
-- negative) are now computed by an SQL expression the planner inlines;
-- every other rt still goes through 0003's function, renamed, so each rt
-- sorts exactly as before.
ALTER FUNCTION prefixd_rt_sort_key(text) RENAME TO prefixd_rt_sort_key_checked;

CREATE FUNCTION prefixd_rt_sort_key(p_rt text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_rt IS NULL THEN NULL
        -- |A| < 2^31 and B < 2^31: (A << 32) + B stays inside bigint, no wrap.
        WHEN split_part(p_rt, ':', 1) ~ '^-?[0-9]{1,9}$' AND split_part(p_rt, ':', 2) ~ '^[0-9]{1,9}$'
            THEN (split_part(p_rt, ':', 1)::bigint << 32) + split_part(p_rt, ':', 2)::bigint
        ELSE prefixd_rt_sort_key_checked(p_rt)
    END
$$;
