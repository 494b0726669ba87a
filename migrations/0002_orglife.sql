-- Organizational life: required-item rules, meetings with agenda, expected attendees,
-- check-ins, leave requests, files, badges and in-app notifications.

-- A rule applies to the subtree of org_id from effective_from (a period start) on; the
-- newest rule in force for a period decides it, so changes never rewrite past verdicts.
CREATE TABLE requirement_rules (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    frequency TEXT NOT NULL,
    min_count BIGINT NOT NULL,
    need_minutes BIGINT NOT NULL,
    min_photos BIGINT NOT NULL,
    attendance_pct BIGINT NOT NULL,
    enabled BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX requirement_rules_org ON requirement_rules (org_id, kind, effective_from);

CREATE TABLE meetings (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    lat_e6 BIGINT,
    lng_e6 BIGINT,
    host_member_id BIGINT REFERENCES members(id),
    recorder_member_id BIGINT REFERENCES members(id),
    minutes TEXT NOT NULL DEFAULT '',
    closed_at BIGINT,
    closed_by BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_org ON meetings (org_id, starts_at);
CREATE INDEX meetings_start ON meetings (starts_at);

CREATE TABLE meeting_agenda (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    position BIGINT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
);

-- Who is expected, fixed when the meeting is planned.
CREATE TABLE meeting_attendees (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_attendees_member ON meeting_attendees (member_id);

-- One check-in per member per meeting: the key makes a second one impossible.
CREATE TABLE checkins (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    at BIGINT NOT NULL,
    method TEXT NOT NULL,
    by_user_id BIGINT,
    distance_m BIGINT,
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE leave_requests (
    id {id},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (meeting_id, member_id)
);

CREATE TABLE meeting_files (
    id {id},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    kind TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    thumb_key TEXT,
    original_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    captured_at BIGINT,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX meeting_files_meeting ON meeting_files (meeting_id);

-- Awarded once per holder and source key.
CREATE TABLE badges (
    id {id},
    holder_kind TEXT NOT NULL,
    holder_id BIGINT NOT NULL,
    source_key TEXT NOT NULL,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    awarded_at BIGINT NOT NULL,
    UNIQUE (holder_kind, holder_id, source_key)
);

CREATE TABLE notifications (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users(id),
    dedupe_key TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
