-- 发展党员: the people on the path to membership (ID and phone numbers encrypted, as in the
-- roster), the steps done with what each records, and the quarterly 思想汇报. A step is never
-- deleted: a correction voids it (who, when, why) and the step is recorded again.
CREATE TABLE development_people (
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
    education TEXT NOT NULL,
    category TEXT NOT NULL,
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    -- The member record made when the committee above approved them as 预备党员.
    member_id BIGINT REFERENCES members(id),
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX development_people_branch ON development_people (branch_id);

CREATE TABLE development_steps (
    id {id},
    person_id BIGINT NOT NULL REFERENCES development_people(id),
    step BIGINT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    training_days BIGINT,
    training_hours BIGINT,
    vote_eligible BIGINT,
    vote_present BIGINT,
    vote_for BIGINT,
    vote_against BIGINT,
    vote_abstained BIGINT,
    decision TEXT,
    extension_months BIGINT,
    doc_key TEXT,
    doc_name TEXT,
    doc_mime TEXT,
    by_user_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    voided_at BIGINT,
    voided_by BIGINT,
    void_reason TEXT
);
CREATE INDEX development_steps_person ON development_steps (person_id, id);

-- The members a step names: 培养联系人 (step 5), 入党介绍人 (step 9).
CREATE TABLE development_step_members (
    step_id BIGINT NOT NULL REFERENCES development_steps(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    PRIMARY KEY (step_id, member_id)
);
CREATE INDEX development_step_members_member ON development_step_members (member_id);

CREATE TABLE development_reports (
    id {id},
    person_id BIGINT NOT NULL REFERENCES development_people(id),
    quarter TEXT NOT NULL,
    body TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    comment TEXT,
    commented_by BIGINT REFERENCES members(id),
    commented_at BIGINT,
    UNIQUE (person_id, quarter)
);

-- An applicant's or activist's own account.
ALTER TABLE users ADD COLUMN applicant_id BIGINT REFERENCES development_people(id);
CREATE UNIQUE INDEX users_applicant ON users (applicant_id);
