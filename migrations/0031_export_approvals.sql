-- A register export with full ID and phone numbers waits for a second administrator's
-- approval (个人信息保护法, 等保: 双人复核), and downloads once, within a day of it. `roots` are
-- the subtree paths it covers, one per line.
CREATE TABLE export_approvals (
    id {id},
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requester_name TEXT NOT NULL,
    roots TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decider_name TEXT,
    decided_at BIGINT,
    approved BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX export_approvals_pending ON export_approvals (decided_at);
