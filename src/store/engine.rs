//! Everything that differs between SQLite and PostgreSQL.
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> AppResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(AppError::Setup(format!(
                "unsupported database URL (use sqlite://FILE or postgres://…): {}",
                redact_url(url)
            )))
        }
    }

    /// Connections in the pool. SQLite in WAL reads on every connection at once (each on its
    /// own thread) while writers take turns at the write gate, so readers get three per core
    /// to overlap a slow query with quick ones (each keeps its own page cache of up to 2 MB,
    /// which is what bounds them: eight made a loaded county's server 15 MB bigger for no
    /// gain in the bench). A PostgreSQL connection is a server process on the same cores: a
    /// few per core, and room for a second instance under the server's default limit of 100.
    pub fn pool_size(self) -> u32 {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        match self {
            Engine::Sqlite => (3 * cores).clamp(6, 24),
            Engine::Postgres => (5 * cores).clamp(10, 40),
        }
    }

    /// How a write transaction begins. SQLite's default BEGIN reads first and asks for the
    /// write lock at the first write, which fails at once ("database is locked") when another
    /// connection wrote in between; IMMEDIATE takes the lock at the start and waits for it.
    pub fn begin_write_sql(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => Some("BEGIN IMMEDIATE"),
            Engine::Postgres => None,
        }
    }

    /// Statements run on every new connection.
    pub fn session_setup(self) -> &'static [&'static str] {
        match self {
            Engine::Sqlite => &[
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 10000",
                // With WAL, NORMAL loses nothing on a process crash (kill -9).
                "PRAGMA synchronous = NORMAL",
            ],
            Engine::Postgres => &[
                "SET TIME ZONE 'UTC'",
                // Every statement is prepared once per connection; planning it again at every
                // execution (PostgreSQL's first five, and whenever a custom plan looks
                // cheaper) cost 2–5 ms a page. The bench: the meeting page 6.1 → 1.9 ms.
                "SET plan_cache_mode = force_generic_plan",
            ],
        }
    }

    /// Taken inside the migration transaction so that instances starting together queue.
    pub fn migration_lock(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => None, // the write transaction already excludes other writers
            Engine::Postgres => Some("SELECT pg_advisory_xact_lock(7201)"),
        }
    }

    /// Whether the audit log already refuses changes (`append_only`), and the statements that
    /// make it: triggers that abort any UPDATE of a row, a DELETE but of an entry both older
    /// than 180 days (`settings::MIN_AUDIT_DAYS`) and held by a signed archive, and, on
    /// PostgreSQL, a TRUNCATE. Made once, by the role that owns the tables; the role that
    /// serves needs no more than to see them there.
    pub fn append_only(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Engine::Sqlite => (
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_keep'",
                &[
                    "DROP TRIGGER IF EXISTS audit_log_no_delete",
                    "DROP TRIGGER IF EXISTS audit_log_no_update",
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                    "CREATE TRIGGER audit_log_keep BEFORE DELETE ON audit_log \
                     WHEN old.at > CAST(strftime('%s', 'now') AS INTEGER) - 180 * 86400 \
                     OR old.id > (SELECT COALESCE(MAX(last_id), 0) FROM audit_archives) \
                     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                ],
            ),
            Engine::Postgres => (
                "SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 WHERE c.relname = 'audit_log' AND c.relnamespace = current_schema()::regnamespace \
                 AND t.tgname = 'audit_log_keep'",
                &[
                    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
                    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
                    "CREATE OR REPLACE FUNCTION audit_log_keep() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP = 'DELETE' AND OLD.at <= extract(epoch FROM now())::bigint - 180 * 86400 \
                     AND OLD.id <= (SELECT COALESCE(MAX(last_id), 0) FROM audit_archives) THEN RETURN OLD; END IF; \
                     RAISE EXCEPTION 'the audit log is append-only'; END $$",
                    "CREATE TRIGGER audit_log_keep BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_keep()",
                    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
                ],
            ),
        }
    }

    /// Taken inside a transaction that rewrites kept dashboard figures, so that instances
    /// refreshing at once queue instead of losing each other's sums.
    pub fn figures_lock(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => None, // one writer at a time already
            Engine::Postgres => Some("SELECT pg_advisory_xact_lock(7202)"),
        }
    }

    /// The catalog, for archives: the tables (name), a table's columns (name, declared type)
    /// and the tables a table's foreign keys point to; each takes the table as `$1`.
    pub fn catalog_sql(self) -> [&'static str; 3] {
        match self {
            Engine::Sqlite => [
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
                "SELECT \"table\" FROM pragma_foreign_key_list($1)",
            ],
            Engine::Postgres => [
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                "SELECT ccu.table_name::text FROM information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu \
                 ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1",
            ],
        }
    }

    /// After rows were loaded with their ids: where the table's next generated id starts.
    pub fn reset_ids_sql(self, table: &str) -> Option<String> {
        match self {
            // AUTOINCREMENT keeps its counter past the largest id inserted.
            Engine::Sqlite => None,
            Engine::Postgres => Some(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )),
        }
    }

    /// A check of the database file's structure that answers `ok` when it is sound.
    pub fn integrity_sql(self, quick: bool) -> Option<&'static str> {
        match (self, quick) {
            (Engine::Sqlite, true) => Some("PRAGMA quick_check"),
            (Engine::Sqlite, false) => Some("PRAGMA integrity_check"),
            // PostgreSQL recovers its own files after a crash.
            (Engine::Postgres, _) => None,
        }
    }

    /// Makes a just-begun transaction read one snapshot throughout (SQLite's WAL readers
    /// already do; PostgreSQL's default gives each statement its own).
    pub fn snapshot_sql(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => None,
            Engine::Postgres => Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        }
    }

    /// Gathers the planner's statistics after a bulk load (the demo, an import, a restore):
    /// PostgreSQL would otherwise plan with none until autovacuum comes round; SQLite's
    /// plans follow its indexes and are left as they are.
    pub fn statistics_sql(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => None,
            Engine::Postgres => Some("ANALYZE"),
        }
    }

    /// SQL for the Shanghai calendar day ('YYYY-MM-DD') of an epoch-seconds expression.
    pub fn shanghai_day(self, epoch: &str) -> String {
        match self {
            Engine::Sqlite => format!("date({epoch} + 28800, 'unixepoch')"),
            Engine::Postgres => {
                format!("to_char(to_timestamp({epoch} + 28800) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            }
        }
    }

    /// Joins the values of `expr` in a group with commas.
    pub fn string_agg(self, expr: &str) -> String {
        match self {
            Engine::Sqlite => format!("group_concat({expr}, ',')"),
            Engine::Postgres => format!("string_agg({expr}, ',')"),
        }
    }

    /// Turns the shared schema text into this engine's DDL: `{id}` is an auto-numbered key,
    /// `{path}` a text column compared bytewise (subtree ranges rely on it).
    pub fn ddl(self, sql: &str) -> String {
        match self {
            Engine::Sqlite => sql
                .replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT")
                .replace("{path}", "TEXT"),
            Engine::Postgres => sql
                .replace(
                    "{id}",
                    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                )
                .replace("{path}", "TEXT COLLATE \"C\""),
        }
    }
}

pub fn ensure_sqlite_dir(url: &str) -> AppResult<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Setup(format!("cannot create {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// A URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://dj:hunter2@db/dangjian"),
            "postgres://dj:***@db/dangjian"
        );
        assert!(Engine::from_url("mysql://x").is_err());
    }
}
