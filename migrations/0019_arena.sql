-- 云上擂台: secretaries' contests (擂台比武) with their criteria, judges, invited
-- organizations, entries, scores and votes; 书记项目; 兵支书 stories; 党员先锋岗;
-- 好经验好做法.
CREATE TABLE contests (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    held_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    voting BIGINT NOT NULL DEFAULT 0,
    published_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX contests_org ON contests (org_id);
CREATE INDEX contests_held ON contests (held_on, id);

CREATE TABLE contest_criteria (
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    weight BIGINT NOT NULL,
    max_score BIGINT NOT NULL,
    PRIMARY KEY (contest_id, position)
);

CREATE TABLE contest_judges (
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX contest_judges_user ON contest_judges (user_id);

CREATE TABLE contest_invites (
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (contest_id, org_id)
);
CREATE INDEX contest_invites_org ON contest_invites (org_id);

CREATE TABLE contest_entries (
    id {id},
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    report TEXT NOT NULL,
    video_url TEXT NOT NULL DEFAULT '',
    submitted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (contest_id, org_id)
);
CREATE INDEX contest_entries_org ON contest_entries (org_id);

-- Key figures (一组数据): a number with its unit; the comparison with the organization's
-- previous entry is found by label when shown.
CREATE TABLE entry_figures (
    entry_id BIGINT NOT NULL REFERENCES contest_entries(id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (entry_id, position)
);

-- What an entry said before each edit.
CREATE TABLE entry_revisions (
    id {id},
    entry_id BIGINT NOT NULL REFERENCES contest_entries(id),
    report TEXT NOT NULL,
    figures TEXT NOT NULL,
    video_url TEXT NOT NULL,
    edited_by BIGINT NOT NULL REFERENCES users(id),
    edited_at BIGINT NOT NULL
);
CREATE INDEX entry_revisions_entry ON entry_revisions (entry_id, id);

CREATE TABLE entry_scores (
    entry_id BIGINT NOT NULL REFERENCES contest_entries(id),
    position BIGINT NOT NULL,
    judge_id BIGINT NOT NULL REFERENCES users(id),
    score BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    scored_at BIGINT NOT NULL,
    PRIMARY KEY (entry_id, position, judge_id)
);

CREATE TABLE contest_votes (
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    entry_id BIGINT NOT NULL REFERENCES contest_entries(id),
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX contest_votes_entry ON contest_votes (entry_id);

CREATE TABLE projects (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    owner_member_id BIGINT NOT NULL REFERENCES members(id),
    title TEXT NOT NULL,
    goal TEXT NOT NULL,
    targets TEXT NOT NULL,
    started_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX projects_org ON projects (org_id);
CREATE INDEX projects_owner ON projects (owner_member_id);

CREATE TABLE project_milestones (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_on TEXT,
    done_by BIGINT
);
CREATE INDEX project_milestones_project ON project_milestones (project_id, position);

CREATE TABLE project_updates (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX project_updates_project ON project_updates (project_id, id);

CREATE TABLE project_comments (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX project_comments_project ON project_comments (project_id, id);

-- 兵支书: a veteran secretary's story, written by their organization's administrators.
CREATE TABLE veteran_stories (
    member_id BIGINT PRIMARY KEY REFERENCES members(id),
    story TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

CREATE TABLE vanguard_categories (
    id {id},
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
INSERT INTO vanguard_categories (name, created_at) VALUES ('领导管理示范岗', 0);
INSERT INTO vanguard_categories (name, created_at) VALUES ('后勤服务示范岗', 0);
INSERT INTO vanguard_categories (name, created_at) VALUES ('教学示范岗', 0);
INSERT INTO vanguard_categories (name, created_at) VALUES ('班级管理示范岗', 0);

CREATE TABLE vanguard_posts (
    id {id},
    category_id BIGINT NOT NULL REFERENCES vanguard_categories(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX vanguard_posts_category ON vanguard_posts (category_id);
CREATE INDEX vanguard_posts_org ON vanguard_posts (org_id);

CREATE TABLE experiences (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT NOT NULL DEFAULT '',
    reviewed_by BIGINT,
    reviewed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX experiences_status ON experiences (status, id);
CREATE INDEX experiences_author ON experiences (author_id);

CREATE TABLE experience_useful (
    experience_id BIGINT NOT NULL REFERENCES experiences(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    marked_at BIGINT NOT NULL,
    PRIMARY KEY (experience_id, user_id)
);
CREATE INDEX experience_useful_marked ON experience_useful (marked_at);

CREATE TABLE experience_files (
    id {id},
    experience_id BIGINT NOT NULL REFERENCES experiences(id),
    file_name TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX experience_files_experience ON experience_files (experience_id);
