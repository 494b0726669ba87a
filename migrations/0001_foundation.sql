-- Timestamps are integer seconds since the epoch (UTC); dates are 'YYYY-MM-DD' text;
-- flags are 0/1 integers. Personal numbers are stored encrypted, with a mask for lists
-- and a keyed hash for equality lookups.

CREATE TABLE orgs (
    id {id},
    parent_id BIGINT REFERENCES orgs(id),
    path {path} NOT NULL,
    depth BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    address TEXT NOT NULL DEFAULT '',
    dissolved_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orgs_path ON orgs (path);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE members (
    id {id},
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_mask TEXT NOT NULL,
    id_number_hash TEXT NOT NULL UNIQUE,
    phone_enc TEXT,
    phone_mask TEXT NOT NULL DEFAULT '',
    phone_hash TEXT UNIQUE,
    education TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    full_member_on TEXT,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    party_group_id BIGINT REFERENCES orgs(id),
    posts TEXT NOT NULL DEFAULT '',
    veteran BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX members_branch ON members (branch_id, name);
CREATE INDEX members_name ON members (name);

CREATE TABLE member_transfers (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    from_branch_id BIGINT NOT NULL REFERENCES orgs(id),
    to_branch_id BIGINT NOT NULL REFERENCES orgs(id),
    reason TEXT NOT NULL,
    by_user_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX member_transfers_member ON member_transfers (member_id);

CREATE TABLE users (
    id {id},
    name TEXT NOT NULL,
    phone_hash TEXT NOT NULL UNIQUE,
    phone_enc TEXT NOT NULL,
    phone_mask TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    member_id BIGINT UNIQUE REFERENCES members(id),
    must_change_password BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    large_font BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT
);

CREATE TABLE role_grants (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id),
    granted_by BIGINT,
    granted_at BIGINT NOT NULL
);
CREATE INDEX role_grants_user ON role_grants (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only. Ids come from audit_head without gaps, so a removed row is a broken link.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    result TEXT NOT NULL,
    ip TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');
