//! Migrations: shared SQL, adapted per engine by `Engine::ddl`, applied in order once each.
use super::Db;
use crate::domain::clock::now_epoch;
use crate::error::{AppError, AppResult};

#[rustfmt::skip]
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/0001_foundation.sql")),
    (2, "orglife", include_str!("../../migrations/0002_orglife.sql")),
    (3, "points", include_str!("../../migrations/0003_points.sql")),
    (4, "shop", include_str!("../../migrations/0004_shop.sql")),
    (5, "daily", include_str!("../../migrations/0005_daily.sql")),
    (6, "history", include_str!("../../migrations/0006_history.sql")),
    (7, "articles", include_str!("../../migrations/0007_articles.sql")),
    (8, "posts", include_str!("../../migrations/0008_posts.sql")),
    (9, "content_photos", include_str!("../../migrations/0009_content_photos.sql")),
    (10, "article_reads_member", include_str!("../../migrations/0010_article_reads_member.sql")),
    (11, "prize_badge", include_str!("../../migrations/0011_prize_badge.sql")),
    (12, "dashboard", include_str!("../../migrations/0012_dashboard.sql")),
    (13, "supervision", include_str!("../../migrations/0013_supervision.sql")),
    (14, "prize_badges_spent", include_str!("../../migrations/0014_prize_badges_spent.sql")),
    (15, "article_edits", include_str!("../../migrations/0015_article_edits.sql")),
    (16, "question_care", include_str!("../../migrations/0016_question_care.sql")),
    (17, "roster", include_str!("../../migrations/0017_roster.sql")),
    (18, "badge_holder", include_str!("../../migrations/0018_badge_holder.sql")),
    (19, "arena", include_str!("../../migrations/0019_arena.sql")),
    (20, "member_lookups", include_str!("../../migrations/0020_member_lookups.sql")),
    (21, "job_outcomes", include_str!("../../migrations/0021_job_outcomes.sql")),
    (22, "dues", include_str!("../../migrations/0022_dues.sql")),
    (23, "development", include_str!("../../migrations/0023_development.sql")),
    (24, "transfers", include_str!("../../migrations/0024_transfers.sql")),
    (25, "committees", include_str!("../../migrations/0025_committees.sql")),
    (26, "flows", include_str!("../../migrations/0026_flows.sql")),
    (27, "care", include_str!("../../migrations/0027_care.sql")),
    (28, "account_hardening", include_str!("../../migrations/0028_account_hardening.sql")),
    (29, "second_factor", include_str!("../../migrations/0029_second_factor.sql")),
    (30, "national_crypto", include_str!("../../migrations/0030_national_crypto.sql")),
    (31, "export_approvals", include_str!("../../migrations/0031_export_approvals.sql")),
    (32, "key_rotation", include_str!("../../migrations/0032_key_rotation.sql")),
    (33, "audit_retention", include_str!("../../migrations/0033_audit_retention.sql")),
];

/// The audit log refuses UPDATE and DELETE (`Engine::append_only`), made once.
async fn make_audit_append_only(db: &Db) -> AppResult<()> {
    let (present, statements) = db.engine.append_only();
    let (n,): (i64,) = sqlx::query_as(present).fetch_one(db.pool()).await?;
    if n > 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    if let Some(lock) = db.engine.migration_lock() {
        sqlx::query(lock).execute(tx.conn()).await?;
    }
    let (n,): (i64,) = sqlx::query_as(present).fetch_one(tx.conn()).await?;
    if n == 0 {
        for statement in statements {
            sqlx::raw_sql(statement).execute(tx.conn()).await?;
        }
    }
    tx.commit().await
}

pub async fn migrate(db: &Db) -> AppResult<usize> {
    // Asked first: a role that serves without the right to create tables (README:
    // PostgreSQL) may not even try to.
    let made = sqlx::query("SELECT 1 FROM schema_migrations LIMIT 1")
        .fetch_optional(db.pool())
        .await
        .is_ok();
    if !made {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(db.pool())
        .await?;
    }
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS {
        let mut tx = db.begin().await?;
        if let Some(lock) = db.engine.migration_lock() {
            sqlx::query(lock).execute(tx.conn()).await?;
        }
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(tx.conn())
                .await?;
        if done.is_some() {
            continue;
        }
        let without_comments: String = sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in db.engine.ddl(&without_comments).split(';') {
            if statement.trim().is_empty() {
                continue;
            }
            sqlx::query(statement)
                .execute(tx.conn())
                .await
                .map_err(|e| AppError::internal_in(format!("migration {version} ({name})"), e))?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(*name)
        .bind(now_epoch())
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        applied += 1;
    }
    make_audit_append_only(db).await?;
    Ok(applied)
}
