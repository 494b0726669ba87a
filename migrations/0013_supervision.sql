-- 电子监察: prints made once when a photo or minutes are saved, so a scan finds reused photos
-- and copied minutes through an index.
ALTER TABLE meeting_files ADD COLUMN print TEXT;
CREATE TABLE minutes_prints (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    print BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, print)
);
CREATE INDEX minutes_prints_print ON minutes_prints (print);
CREATE INDEX meetings_updated ON meetings (updated_at);
CREATE INDEX meeting_files_created ON meeting_files (created_at);

-- A finding: one rule broken by one organization about one subject (a meeting, a pair of
-- photos, a period), found once however often the scan runs; never deleted.
CREATE TABLE findings (
    id {id},
    rule TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    subject TEXT NOT NULL,
    -- The day the rule was broken (YYYY-MM-DD): the month it is reported in.
    observed_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- JSON: the meetings, files and numbers that show it.
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    found_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (rule, org_id, subject)
);
CREATE INDEX findings_org ON findings (org_id, id);
CREATE INDEX findings_observed ON findings (observed_on);
CREATE INDEX findings_status ON findings (status, org_id);

-- Everything that happened to a finding, in order: found, appealed (with an explanation and
-- an optional file), accepted or rejected, followed up.
CREATE TABLE finding_events (
    id {id},
    finding_id BIGINT NOT NULL REFERENCES findings(id),
    kind TEXT NOT NULL,
    user_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    file_key TEXT,
    file_name TEXT,
    file_mime TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events (finding_id, id);

-- Open findings (待处理 and 申诉中) per organization and its subtree: the dashboard's red
-- marks. Only organizations with some are kept.
CREATE TABLE open_findings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    own BIGINT NOT NULL,
    total BIGINT NOT NULL
);

-- Each scan: when it ran and what it found; the next one looks at what changed since.
CREATE TABLE supervision_runs (
    id {id},
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    by_user BIGINT,
    found BIGINT NOT NULL DEFAULT 0
);

-- The county's settings that change how organizations are judged, by the day they take
-- effect ('thresholds' from the next day, 'tiers' from the next month): never retroactive.
CREATE TABLE county_settings (
    kind TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    value TEXT NOT NULL,
    set_by BIGINT,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (kind, effective_from)
);

-- 分级分档: each organization's score and tier for a month ('YYYY-MM-01'), with what made it.
CREATE TABLE org_tiers (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    month TEXT NOT NULL,
    score BIGINT NOT NULL,
    tier TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (org_id, month)
);
CREATE INDEX org_tiers_month ON org_tiers (month);

-- 月度通报: a report per organization with subordinates and month, its content as JSON and a
-- digest, so generating it again changes nothing unless the data did.
CREATE TABLE monthly_reports (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    month TEXT NOT NULL,
    content TEXT NOT NULL,
    digest TEXT NOT NULL,
    generated_at BIGINT NOT NULL,
    UNIQUE (org_id, month)
);

-- A 督促 sent from a finding.
ALTER TABLE followups ADD COLUMN finding_id BIGINT REFERENCES findings(id);
