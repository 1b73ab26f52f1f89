-- SPDX-License-Identifier: MIT
-- Accounts imported from NIPAP's local_auth.db (`prefixd user import-nipap`)
-- keep NIPAP's salted SHA-1 hash, hex(SHA1(salt || password)), until their
-- first successful login re-hashes the password with yescrypt and erases it.
-- An account holds exactly one of the two.
ALTER TABLE prefixd_user ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE prefixd_user
    ADD COLUMN legacy_salt text,
    ADD COLUMN legacy_sha1 text,
    ADD CONSTRAINT prefixd_user_legacy_sha1_hex CHECK (legacy_sha1 ~ '^[0-9a-f]{40}$'),
    ADD CONSTRAINT prefixd_user_legacy_pair CHECK ((legacy_salt IS NULL) = (legacy_sha1 IS NULL)),
    ADD CONSTRAINT prefixd_user_one_password CHECK ((password_hash IS NULL) <> (legacy_sha1 IS NULL));
COMMENT ON COLUMN prefixd_user.legacy_sha1 IS
    'NIPAP local_auth.db pwd_hash: lower-case hex SHA-1 of legacy_salt || password';
