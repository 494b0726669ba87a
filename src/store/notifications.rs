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

/// Tells the administrators of an organization (and of the committee above it), each once;
/// how many were told now.
pub async fn notify_admins(
    conn: &mut AnyConnection,
    org_id: i64,
    key: &str,
    title: &str,
    link: &str,
    now: i64,
) -> AppResult<usize> {
    let mut sent = 0;
    for user in super::users::admins_of(&mut *conn, org_id).await? {
        sent += usize::from(notify(&mut *conn, user, key, title, link, now).await?);
    }
    Ok(sent)
}

pub async fn list(db: &super::Db, user_id: i64) -> AppResult<Vec<Notification>> {
    Ok(sqlx::query_as(
        "SELECT id, title, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// Marks read a user's unread notifications that lead to the page at `path` (or `full`, the
/// path with its query); how many. Looked for first, so that most pages write nothing.
pub async fn mark_opened(
    db: &super::Db,
    user_id: i64,
    path: &str,
    full: &str,
    now: i64,
) -> AppResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL AND link IN ($2, $3)",
    )
    .bind(user_id)
    .bind(path)
    .bind(full)
    .fetch_one(db.pool())
    .await?;
    if n == 0 {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let done = crate::q!(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND link IN ($3, $4)",
        now,
        user_id,
        path,
        full
    )
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() as i64)
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

/// The accounts already told under `key` (a job skips them instead of asking again).
pub async fn told(
    conn: &mut AnyConnection,
    key: &str,
) -> AppResult<std::collections::HashSet<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT user_id FROM notifications WHERE dedupe_key = $1")
            .bind(key)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Tells each of several members who has an account, once per key; how many were told now.
pub async fn notify_members(
    conn: &mut AnyConnection,
    members: &[i64],
    key: &str,
    title: &str,
    link: &str,
    now: i64,
) -> AppResult<usize> {
    let mut sent = 0;
    for m in members {
        if let Some(user) = super::users::account_of_member_in(&mut *conn, *m).await? {
            sent += usize::from(notify(&mut *conn, user, key, title, link, now).await?);
        }
    }
    Ok(sent)
}
