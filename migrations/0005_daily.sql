-- 每日一题: the question bank, each day's question for the county, and the answers.
CREATE TABLE questions (
    id {id},
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    options TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    difficulty BIGINT NOT NULL DEFAULT 1,
    pinned_day TEXT,
    times_used BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX questions_pinned ON questions (pinned_day);

CREATE TABLE daily_schedule (
    day TEXT PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions(id)
);

-- One answer per member per day: the key.
CREATE TABLE daily_answers (
    day TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members(id),
    question_id BIGINT NOT NULL REFERENCES questions(id),
    choice TEXT NOT NULL,
    correct BIGINT NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (day, member_id)
);
CREATE INDEX daily_answers_member ON daily_answers (member_id, day);
