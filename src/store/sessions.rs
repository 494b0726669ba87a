//! Server-side sessions. The cookie holds a random token; the database only its hash.
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Starts a new session and returns the token for the cookie.
pub async fn create(
    conn: &mut AnyConnection,
    user_id: i64,
    ip: &str,
    user_agent: &str,
    now: i64,
) -> AppResult<String> {
    let token = random_token();
    let ua: String = user_agent.chars().take(200).collect();
    crate::q!(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5)",
        hash_token(&token),
        user_id,
        now,
        ip,
        ua
    )
    .execute(conn)
    .await?;
    Ok(token)
}

pub async fn touch(db: &super::Db, token_hash: &str, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
        now,
        token_hash
    )
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> AppResult<u64> {
    Ok(
        crate::q!("DELETE FROM sessions WHERE token_hash = $1", token_hash)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Ends one of the user's own sessions; zero rows when it is not theirs.
pub async fn delete_own(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
) -> AppResult<u64> {
    Ok(crate::q!(
        "DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2",
        token_hash,
        user_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn delete_all_for(conn: &mut AnyConnection, user_id: i64) -> AppResult<()> {
    crate::q!("DELETE FROM sessions WHERE user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list_for(db: &super::Db, user_id: i64) -> AppResult<Vec<SessionInfo>> {
    Ok(sqlx::query_as(
        "SELECT token_hash, created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}
