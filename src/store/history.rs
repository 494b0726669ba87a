//! 党史上的今天: entries members contribute, reviewed by content editors.
use super::Db;
use crate::domain::history::NewEntry;
use crate::domain::review::ReviewStatus;
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub month_day: String,
    pub year: i64,
    pub title: String,
    pub body: String,
    pub source: String,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    pub return_reason: String,
    pub member_id: Option<i64>,
}

const COLUMNS: &str = "id, month_day, year, title, body, source, status, return_reason, member_id";

/// A day's approved entries ("MM-DD"), oldest year first.
pub async fn on_day(db: &Db, month_day: &str) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE month_day = $1 AND status = $2 ORDER BY year, id LIMIT 20"
    ))
    .bind(month_day)
    .bind(ReviewStatus::Approved.code())
    .fetch_all(db.pool())
    .await?)
}

/// The next day round the year after `month_day` that has approved entries.
pub async fn next_day_with_entries(db: &Db, month_day: &str) -> AppResult<Option<String>> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT month_day FROM history_entries WHERE status = $2 \
         ORDER BY (CASE WHEN month_day > $1 THEN 0 ELSE 1 END), month_day LIMIT 1",
    )
    .bind(month_day)
    .bind(ReviewStatus::Approved.code())
    .fetch_optional(db.pool())
    .await?;
    Ok(found.map(|(md,)| md))
}

/// A member's own entries, newest first.
pub async fn by_member(db: &Db, member_id: i64) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE member_id = $1 ORDER BY id DESC LIMIT 20"
    ))
    .bind(member_id)
    .fetch_all(db.pool())
    .await?)
}

/// Entries waiting for review, oldest first.
pub async fn pending(db: &Db) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE status = $1 ORDER BY id LIMIT 100"
    ))
    .bind(ReviewStatus::Pending.code())
    .fetch_all(db.pool())
    .await?)
}

pub async fn get_in(conn: &mut AnyConnection, id: i64) -> AppResult<Entry> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// A contribution waiting for review: a member's, or (without one) an editor's own.
pub async fn contribute(
    conn: &mut AnyConnection,
    e: &NewEntry,
    member_id: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO history_entries (month_day, year, title, body, source, status, member_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(&e.month_day)
    .bind(e.year)
    .bind(&e.title)
    .bind(&e.body)
    .bind(&e.source)
    .bind(ReviewStatus::Pending.code())
    .bind(member_id)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Corrects a published entry's text and day.
pub async fn update(conn: &mut AnyConnection, id: i64, e: &NewEntry) -> AppResult<()> {
    crate::q!(
        "UPDATE history_entries SET month_day = $1, year = $2, title = $3, body = $4, source = $5 WHERE id = $6",
        &e.month_day,
        e.year,
        &e.title,
        &e.body,
        &e.source,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a published entry off the calendar (nothing deleted; the contributor's points stay).
pub async fn unpublish(conn: &mut AnyConnection, id: i64, by: i64, now: i64) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE history_entries SET status = $1, reviewed_by = $2, reviewed_at = $3 WHERE id = $4 AND status = $5",
        ReviewStatus::Withdrawn.code(),
        by,
        now,
        id,
        ReviewStatus::Approved.code()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
