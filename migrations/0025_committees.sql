-- 领导班子: each organization's committee as elected, for a term; the latest election is the
-- committee now. A branch's committee offices are also its members' 党内职务.
CREATE TABLE committees (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    elected_on TEXT NOT NULL,
    term_years BIGINT NOT NULL,
    approved_on TEXT,
    approval_ref TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX committees_org ON committees (org_id, elected_on);

CREATE TABLE committee_seats (
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    office TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (committee_id, member_id)
);
CREATE INDEX committee_seats_member ON committee_seats (member_id);
