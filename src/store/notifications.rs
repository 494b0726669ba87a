//! In-app notifications. Each has a dedupe key, so a reminder job may run any number of
//! times, on any number of instances, and each person is told once.
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Returns whether it was new.
pub async fn notify(
    conn: &mut AnyConnection,
    user_id: i64,
    key: &str,
    title: &str,
    link: &str,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO notifications (user_id, dedupe_key, title, link, created_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (user_id, dedupe_key) DO NOTHING",
        user_id,
        key,
        title,
        link,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list(db: &super::Db, user_id: i64) -> AppResult<Vec<Notification>> {
    Ok(sqlx::query_as(
        "SELECT id, title, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn mark_all_read(conn: &mut AnyConnection, user_id: i64, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        now,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
