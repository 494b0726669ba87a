-- Audit entries older than the county's retention (never under 180 days) leave the database
-- only into an archive file, signed and anchored: each row says which entries the file holds,
-- the hash of its last entry (the chain goes on from it), and the file's MAC. The log's
-- delete trigger (engine.rs) lets go only of entries that are both that old and archived.
CREATE TABLE audit_archives (
    id {id},
    first_id BIGINT NOT NULL,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    file TEXT NOT NULL,
    signature TEXT NOT NULL,
    made_at BIGINT NOT NULL
);
