-- 流动党员: a member of ours working away six months or more (out: they stay on the roster),
-- or a member from elsewhere taking part in a branch's organizational life (in: not on its
-- roster). Phone numbers encrypted, as the roster's.
CREATE TABLE flows (
    id {id},
    direction TEXT NOT NULL,
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT REFERENCES members(id),
    name TEXT NOT NULL,
    phone_enc TEXT,
    phone_mask TEXT NOT NULL DEFAULT '',
    -- Out: where they work and the party organization there; in: their own organization.
    place TEXT NOT NULL DEFAULT '',
    other_org TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    ended_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX flows_branch ON flows (branch_id, ended_on);
CREATE INDEX flows_member ON flows (member_id);

-- A member from elsewhere (流入) at a meeting of the branch they take part in: recorded by the
-- branch beside, not among, its expected attendees.
CREATE TABLE meeting_guests (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    flow_id BIGINT NOT NULL REFERENCES flows(id),
    by_user_id BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, flow_id)
);
CREATE INDEX meeting_guests_flow ON meeting_guests (flow_id);
