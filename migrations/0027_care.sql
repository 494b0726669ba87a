-- 关怀帮扶: a member's hardship (困难党员), registered by their branch and reviewed yearly, and
-- the visits (慰问) made to members, with what was given; the 七一 and 春节 visit plans a county
-- or town makes and its branches tick off.
CREATE TABLE hardships (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    since TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    ended_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX hardships_member ON hardships (member_id, ended_on);

CREATE TABLE care_plans (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    occasion TEXT NOT NULL,
    year BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, occasion, year)
);

CREATE TABLE care_visits (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    plan_id BIGINT REFERENCES care_plans(id),
    visited_on TEXT NOT NULL,
    visitors TEXT NOT NULL,
    money_fen BIGINT NOT NULL DEFAULT 0,
    goods TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX care_visits_member ON care_visits (member_id, visited_on);
CREATE INDEX care_visits_plan ON care_visits (plan_id);

-- 民主评议党员: a branch's evaluation of a year. The members taking part are fixed when it
-- opens; each writes a self-assessment and rates each colleague once. A vote is kept under a
-- keyed hash of its voter (one per voter and colleague, and nobody can read who cast it); who
-- has voted is kept apart, without what. The branch meeting's result per member closes it.
CREATE TABLE appraisals (
    id {id},
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    year BIGINT NOT NULL,
    opened_on TEXT NOT NULL,
    decided_on TEXT,
    meeting_id BIGINT REFERENCES meetings(id),
    opened_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (branch_id, year)
);

CREATE TABLE appraisal_members (
    appraisal_id BIGINT NOT NULL REFERENCES appraisals(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    self_text TEXT NOT NULL DEFAULT '',
    self_at BIGINT,
    voted_at BIGINT,
    grade TEXT,
    reason TEXT NOT NULL DEFAULT '',
    handling TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (appraisal_id, member_id)
);
CREATE INDEX appraisal_members_member ON appraisal_members (member_id);

CREATE TABLE appraisal_votes (
    appraisal_id BIGINT NOT NULL REFERENCES appraisals(id),
    voter_key TEXT NOT NULL,
    rated_member_id BIGINT NOT NULL REFERENCES members(id),
    grade TEXT NOT NULL,
    PRIMARY KEY (appraisal_id, voter_key, rated_member_id)
);

-- 两优一先 and other honours: a selection opened by the county or a town with quotas for the
-- organizations directly below it; branches nominate, superiors review, the list is published
-- for 公示 (objections read by the organizer), then awarded.
CREATE TABLE selections (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    nominate_until TEXT NOT NULL,
    publicity_days BIGINT NOT NULL,
    published_on TEXT,
    awarded_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE selection_quotas (
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    category TEXT NOT NULL,
    quota BIGINT NOT NULL,
    PRIMARY KEY (selection_id, org_id, category)
);

CREATE TABLE nominations (
    id {id},
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    category TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    nominee_org_id BIGINT REFERENCES orgs(id),
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    quota_org_id BIGINT NOT NULL REFERENCES orgs(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    review_note TEXT NOT NULL DEFAULT '',
    reviewed_by BIGINT REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX nominations_selection ON nominations (selection_id, status);

CREATE TABLE objections (
    id {id},
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    nomination_id BIGINT NOT NULL REFERENCES nominations(id),
    body TEXT NOT NULL,
    by_user_id BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX objections_selection ON objections (selection_id);

CREATE TABLE honours (
    id {id},
    selection_id BIGINT REFERENCES selections(id),
    category TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    org_id BIGINT REFERENCES orgs(id),
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    awarded_on TEXT NOT NULL
);
CREATE INDEX honours_member ON honours (member_id);
CREATE INDEX honours_org ON honours (org_id);
