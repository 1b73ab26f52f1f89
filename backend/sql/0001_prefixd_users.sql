-- SPDX-License-Identifier: MIT
-- prefixd's own user store (replaces NIPAP's SQLite local_auth.db), so every
-- worker and every prefixd host shares one set of accounts.
CREATE TABLE prefixd_user (
    username      text PRIMARY KEY,
    -- crypt(3) hash string: yescrypt ("$y$...") for accounts created by prefixd.
    password_hash text NOT NULL,
    full_name     text,
    trusted       boolean NOT NULL DEFAULT false,
    readonly      boolean NOT NULL DEFAULT false,
    created       timestamptz NOT NULL DEFAULT now(),
    updated       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE prefixd_user IS 'prefixd accounts for HTTP basic authentication';
