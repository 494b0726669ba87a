-- What each run of a daily job came to (a backup's file and size, or why it failed), for the
-- 系统管理员's backup status page.
ALTER TABLE job_runs ADD COLUMN finished_at BIGINT;
ALTER TABLE job_runs ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE job_runs ADD COLUMN failed BIGINT NOT NULL DEFAULT 0;
