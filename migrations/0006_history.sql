-- 党史上的今天: entries by month and day, contributed by members and reviewed by editors.
CREATE TABLE history_entries (
    id {id},
    month_day TEXT NOT NULL,
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT NOT NULL DEFAULT '',
    member_id BIGINT REFERENCES members(id),
    reviewed_by BIGINT,
    created_at BIGINT NOT NULL,
    reviewed_at BIGINT
);
CREATE INDEX history_entries_day ON history_entries (month_day, status);
CREATE INDEX history_entries_status ON history_entries (status, id);
