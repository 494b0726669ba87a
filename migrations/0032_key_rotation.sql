-- Recovery codes are sealed like every other secret of an account (the authenticator's key
-- beside them is), so that a key rotation can seal them again: keyed hashes could not follow
-- a new key. Codes kept as hashes before are dropped; their owners see none left on the
-- 动态口令 page and make new ones with a current code.
DROP TABLE recovery_codes;
CREATE TABLE recovery_codes (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_enc TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
