-- SPDX-License-Identifier: MIT
-- The top-level prefixes of each VRF (those no stored prefix covers), in
-- address order: a free-space walk under a search prefix that nothing
-- covers reads only these, not the whole subtree (backend/free_space.cpp).
CREATE INDEX IF NOT EXISTS ip_net_plan__top_level__index
    ON ip_net_plan (vrf_id, prefix) WHERE parent_id IS NULL;
