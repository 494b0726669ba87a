-- 积分商城: prizes for a subtree's members, and orders that spend the balance.
CREATE TABLE prizes (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price BIGINT NOT NULL,
    stock BIGINT NOT NULL,
    monthly_limit BIGINT NOT NULL,
    required_badges BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (stock >= 0)
);
CREATE INDEX prizes_org ON prizes (org_id);

CREATE TABLE prize_orders (
    id {id},
    prize_id BIGINT NOT NULL REFERENCES prizes(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    price BIGINT NOT NULL,
    status TEXT NOT NULL,
    month TEXT NOT NULL,
    handled_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX prize_orders_member ON prize_orders (member_id, prize_id, month);
CREATE INDEX prize_orders_prize ON prize_orders (prize_id, status);
