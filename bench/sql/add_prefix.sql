-- SPDX-License-Identifier: MIT
-- pgbench script: what prefixd sends for an explicit add_prefix of a new /30
-- assignment (bench/prefix_calls.lua's n-th /30 under NET.0.0.0/8, n =
-- offset + bench_seq): one prefixd_add_prefix call (0014), its own
-- transaction. The workers fold the statistics deltas in the background
-- (at most every 20 ms each): run it with bench/sql/fold.sql at a weight of
-- about 1/20 (-f bench/sql/add_prefix.sql@20 -f bench/sql/fold.sql@1),
-- PGOPTIONS='-c prefixd.deferred_statistics=on' (the daemon's session
-- setting) and -D net=NET -D offset=N.
SELECT nextval('bench_seq') + :offset AS i \gset
SELECT 1 FROM prefixd_add_prefix(1000, 0, false,
    (:net || '.' || (128 + (:i / 16384) % 128) || '.' || ((:i / 64) % 256) || '.' || (:i % 64 * 4) || '/30')::cidr,
    'assignment', 'assigned', 'pgbench', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'bench', NULL, NULL,
    NULL, '{}', '{}', 'infinity', 'bench', 'bench', NULL, 'Added prefix by pgbench');
