-- A county's roster arrives from older systems with its own organization codes (组织编码):
-- imports name parents and branches by them, and match a row to the organization it was.
ALTER TABLE orgs ADD COLUMN code TEXT;
CREATE UNIQUE INDEX orgs_code ON orgs (code);
