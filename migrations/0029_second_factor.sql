-- The second factor (等保 level 3: two factors, one of them cryptographic). The secret an
-- authenticator app holds, encrypted like every personal field; the one being enrolled until
-- a first code confirms it; the last time step that signed in, so no code works twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Codes that stand in for a lost phone, each once; only their keyed hashes are kept.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
