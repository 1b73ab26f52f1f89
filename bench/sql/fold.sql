-- SPDX-License-Identifier: MIT
-- pgbench script: a worker's background fold of the statistics deltas
-- (DbSession::fold_statistics); see add_prefix.sql.
SELECT prefixd_fold_statistics();
