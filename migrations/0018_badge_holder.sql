-- A holder's badges newest first (我的积分, a member's page): without it SQLite walks every
-- member's badge by date to find one member's.
CREATE INDEX badges_holder ON badges (holder_kind, holder_id, awarded_at);
