-- A prize may ask for one particular badge ('' none; a study badge's key; 'orglife' any
-- organizational-life badge) besides a number of badges.
ALTER TABLE prizes ADD COLUMN required_badge TEXT NOT NULL DEFAULT '';
