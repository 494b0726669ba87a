-- A member's calendar feed address can be renewed (a leaked address stops at once): the
-- version its signature covers. 0 is the address as it always was.
ALTER TABLE users ADD COLUMN calendar_version BIGINT NOT NULL DEFAULT 0;

-- The passwords an account had before, so that a new one does not repeat a recent one.
CREATE TABLE password_history (
    user_id BIGINT NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, changed_at);
