-- 组织关系转接: a member who left the county's organization (转出县外 with its 回执, 取消预备党员
-- 资格) keeps their record and history but is no longer on any roster.
ALTER TABLE members ADD COLUMN left_on TEXT;
ALTER TABLE members ADD COLUMN left_reason TEXT NOT NULL DEFAULT '';

-- One transfer: within the county (the receiving branch accepts or returns it), out of the
-- county with a 介绍信 (closed by its 回执 or its expiry) or into it from a letter.
CREATE TABLE transfers (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    direction TEXT NOT NULL,
    from_branch_id BIGINT REFERENCES orgs(id),
    to_branch_id BIGINT REFERENCES orgs(id),
    -- The organization outside the county: receiving (out) or sending (in).
    outside_org TEXT NOT NULL DEFAULT '',
    letter_no TEXT NOT NULL DEFAULT '',
    verify_code TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL,
    valid_days BIGINT NOT NULL DEFAULT 0,
    dues_paid_to TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT NOT NULL DEFAULT '',
    receipt_on TEXT,
    started_by BIGINT NOT NULL REFERENCES users(id),
    started_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT
);
-- One open transfer per member at a time.
CREATE UNIQUE INDEX transfers_open ON transfers (member_id) WHERE status = 'pending';
CREATE INDEX transfers_from ON transfers (from_branch_id, status);
CREATE INDEX transfers_to ON transfers (to_branch_id, status);
CREATE INDEX transfers_decided ON transfers (decided_at);
