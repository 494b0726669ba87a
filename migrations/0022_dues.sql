-- 党费: how each member is assessed from a month on (the base encrypted), payments and the
-- months each covers, and what each organization hands up to the one above.
CREATE TABLE dues_assessments (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    from_month TEXT NOT NULL,
    category TEXT NOT NULL,
    base_enc TEXT,
    set_amount BIGINT,
    decided_on TEXT,
    by_user_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (member_id, from_month)
);

CREATE TABLE dues_payments (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    branch_id BIGINT NOT NULL REFERENCES orgs(id),
    paid_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    way TEXT NOT NULL,
    paid_by TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    collector_user_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX dues_payments_member ON dues_payments (member_id, paid_on);
CREATE INDEX dues_payments_branch ON dues_payments (branch_id, paid_on);

-- One row per member and month paid: a month is never paid twice.
CREATE TABLE dues_months (
    member_id BIGINT NOT NULL REFERENCES members(id),
    month TEXT NOT NULL,
    payment_id BIGINT NOT NULL REFERENCES dues_payments(id),
    amount BIGINT NOT NULL,
    PRIMARY KEY (member_id, month)
);
CREATE INDEX dues_months_payment ON dues_months (payment_id);

CREATE TABLE dues_handups (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    to_org_id BIGINT NOT NULL REFERENCES orgs(id),
    first_month TEXT NOT NULL,
    last_month TEXT NOT NULL,
    amount BIGINT NOT NULL,
    handed_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    by_user_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX dues_handups_org ON dues_handups (org_id, first_month);
CREATE INDEX dues_handups_to ON dues_handups (to_org_id, first_month);
