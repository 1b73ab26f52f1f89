-- SPDX-License-Identifier: MIT
-- The order of VRF lists (model.md §3.5): the default VRF (rt NULL) first,
-- then by (A << 32) + B for rt "A:B", A being a number or an IPv4 address
-- read as a 32-bit number, computed as a wrapping signed 64-bit integer the
-- way NIPAP's shift does.
CREATE OR REPLACE FUNCTION prefixd_rt_sort_key(p_rt text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v_a text := split_part(p_rt, ':', 1);
    v_b numeric;
    v_p numeric;
    v_k numeric;
BEGIN
    IF p_rt IS NULL THEN
        RETURN NULL;
    END IF;
    v_b := split_part(p_rt, ':', 2)::numeric;
    IF v_a ~ '^-?[0-9]+$' THEN
        v_p := v_a::numeric;
    ELSE
        v_p := (v_a::inet - '0.0.0.0'::inet)::numeric;
    END IF;
    v_k := mod(mod(v_p * 4294967296 + v_b, 18446744073709551616) + 18446744073709551616,
               18446744073709551616);
    IF v_k >= 9223372036854775808 THEN
        v_k := v_k - 18446744073709551616;
    END IF;
    RETURN v_k::bigint;
EXCEPTION WHEN others THEN
    -- An rt written by plain SQL that is not A:B sorts last, not as an error.
    RETURN 9223372036854775807;
END
$$;
