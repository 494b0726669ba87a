-- An article is corrected in place (its readers' credits stay) and may be withdrawn (hidden
-- from members, nothing deleted) and published again.
ALTER TABLE articles ADD COLUMN updated_at BIGINT;
ALTER TABLE articles ADD COLUMN withdrawn_at BIGINT;
