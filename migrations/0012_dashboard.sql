-- 数据看板: figures kept per organization and period ('month', 'quarter', 'year'; the
-- period's first day), as JSON: the organization's own and its whole subtree's. Rebuilt
-- nightly from the records and refreshed when they change, never recomputed per request.
CREATE TABLE org_figures (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    period TEXT NOT NULL,
    period_start TEXT NOT NULL,
    own TEXT NOT NULL,
    total TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, period, period_start)
);

-- What the period scans read.
CREATE INDEX points_ledger_by_day ON points_ledger (day);
CREATE INDEX article_reads_completed ON article_reads (completed_at);
CREATE INDEX badges_awarded ON badges (holder_kind, awarded_at);
CREATE INDEX member_transfers_at ON member_transfers (at);
CREATE INDEX checkins_member ON checkins (member_id, at);

-- 督促: a superior's point-to-point follow-up of an organization below it, read and
-- answered by that organization's administrators.
CREATE TABLE followups (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    from_user BIGINT NOT NULL REFERENCES users(id),
    topic TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    read_by BIGINT,
    answer TEXT NOT NULL DEFAULT '',
    answered_at BIGINT,
    answered_by BIGINT
);
CREATE INDEX followups_from ON followups (from_user, id);
CREATE INDEX followups_org ON followups (org_id, id);

-- Jobs that run once a day for the whole deployment: the instance that claims the day runs it.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    day TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (job, day)
);
