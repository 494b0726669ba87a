-- The question bank is looked after: a question is corrected or retired (never asked again),
-- members flag one they think wrong, and each day keeps the question as it was first asked,
-- so a later correction never changes what members answered.
ALTER TABLE questions ADD COLUMN retired_at BIGINT;
ALTER TABLE questions ADD COLUMN updated_at BIGINT;
ALTER TABLE daily_schedule ADD COLUMN asked TEXT;
CREATE TABLE question_flags (
    id {id},
    question_id BIGINT NOT NULL REFERENCES questions(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    UNIQUE (question_id, member_id)
);
CREATE INDEX question_flags_open ON question_flags (resolved_at, question_id);
