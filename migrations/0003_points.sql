-- The points ledger: append-only; corrections are new negative entries. Lifetime points
-- (for rank) and the spendable balance (for the prize shop) move separately.
CREATE TABLE point_rules (
    code TEXT PRIMARY KEY,
    amount BIGINT NOT NULL,
    daily_cap BIGINT,
    enabled BIGINT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE points_ledger (
    id {id},
    member_id BIGINT NOT NULL REFERENCES members(id),
    rule TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    lifetime_delta BIGINT NOT NULL,
    balance_delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    day TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX points_ledger_member ON points_ledger (member_id, id);
CREATE INDEX points_ledger_day ON points_ledger (member_id, rule, day);

-- Running totals per member, updated in the same transaction as each entry; its row also
-- serialises one member's credits so that daily caps hold under concurrency.
CREATE TABLE member_points (
    member_id BIGINT PRIMARY KEY REFERENCES members(id),
    lifetime BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX member_points_lifetime ON member_points (lifetime);
