-- A branch's dashboard sums each member's points in a period: by member and day, without
-- reading the member's whole ledger.
CREATE INDEX points_ledger_member_day ON points_ledger (member_id, day, lifetime_delta);

-- The register's search by a name or a phone's last digits reads the index, not every
-- member's row; it serves what the index by branch and name did.
CREATE INDEX members_branch_name ON members (branch_id, name, phone_mask);
DROP INDEX members_branch;
