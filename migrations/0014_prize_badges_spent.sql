-- A prize may cost badges as well as (or instead of) points: the badges an order spends are
-- marked with it (still the member's, shown as earned; no longer counted for the next prize)
-- and set free again when the order is cancelled.
ALTER TABLE prizes ADD COLUMN badge_price BIGINT NOT NULL DEFAULT 0;
ALTER TABLE prize_orders ADD COLUMN badges BIGINT NOT NULL DEFAULT 0;
ALTER TABLE badges ADD COLUMN spent_order BIGINT REFERENCES prize_orders(id);
CREATE INDEX badges_spent ON badges (holder_kind, holder_id, spent_order);
