//! An account's authenticator secret and recovery codes.
use crate::crypto::Keys;
use crate::domain::second_factor as sf;
use crate::error::AppResult;
use sqlx::AnyConnection;

/// What an account has of the second factor.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The confirmed secret's bytes and the last step that signed in, when enrolled.
    pub secret: Option<(Vec<u8>, i64)>,
    /// The base32 secret being enrolled, when a first code has not confirmed it yet.
    pub pending: Option<String>,
    pub recovery_left: i64,
}

impl Status {
    pub fn enrolled(&self) -> bool {
        self.secret.is_some()
    }
}

pub async fn status(db: &super::Db, keys: &Keys, user_id: i64) -> AppResult<Status> {
    let row: Option<(Option<String>, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT totp_secret, totp_pending, totp_last_step, \
         CAST((SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS BIGINT) \
         FROM users u WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((secret, pending, last_step, recovery_left)) = row else {
        return Ok(Status::default());
    };
    let open = |v: Option<String>| v.and_then(|v| keys.decrypt(&v));
    Ok(Status {
        secret: open(secret)
            .and_then(|s| sf::decode_secret(&s))
            .map(|s| (s, last_step)),
        pending: open(pending),
        recovery_left,
    })
}

/// Keeps a new secret aside until the app shows it can make its codes.
pub async fn begin(
    conn: &mut AnyConnection,
    keys: &Keys,
    user_id: i64,
    base32: &str,
) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET totp_pending = $1 WHERE id = $2",
        keys.encrypt(base32),
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The pending secret becomes the account's, `step` counts as used, and the recovery codes
/// are these (any earlier ones stop working).
pub async fn confirm(
    conn: &mut AnyConnection,
    keys: &Keys,
    user_id: i64,
    base32: &str,
    step: i64,
    recovery: &[String],
) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET totp_secret = $1, totp_pending = NULL, totp_last_step = $2 WHERE id = $3",
        keys.encrypt(base32),
        step,
        user_id
    )
    .execute(&mut *conn)
    .await?;
    replace_recovery(conn, keys, user_id, recovery).await
}

pub async fn replace_recovery(
    conn: &mut AnyConnection,
    keys: &Keys,
    user_id: i64,
    recovery: &[String],
) -> AppResult<()> {
    crate::q!("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    for code in recovery {
        let normalized = sf::normalize_recovery(code).unwrap_or_default();
        crate::q!(
            "INSERT INTO recovery_codes (user_id, code_enc) VALUES ($1, $2)",
            user_id,
            keys.encrypt(&normalized)
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Spends a code of the account's app (`secret`, last used `last_step`): true when it is a
/// code of now (or a step either side) newer than the last one used.
pub async fn spend_code(
    conn: &mut AnyConnection,
    user_id: i64,
    (secret, last_step): &(Vec<u8>, i64),
    code: &str,
    now: i64,
) -> AppResult<bool> {
    match sf::accepted_step(secret, code, now, *last_step) {
        Some(step) => use_step(conn, user_id, step).await,
        None => Ok(false),
    }
}

/// Marks `step` used; false when it (or a later one) already was, so that two sign-ins
/// racing with one code cannot both pass.
async fn use_step(conn: &mut AnyConnection, user_id: i64, step: i64) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        step,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a recovery code; false when it is not one of the account's unused codes.
pub async fn use_recovery(
    conn: &mut AnyConnection,
    keys: &Keys,
    user_id: i64,
    normalized: &str,
    now: i64,
) -> AppResult<bool> {
    let unused: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code_enc FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    let Some(id) = unused.into_iter().find_map(|(id, sealed)| {
        let code = keys.decrypt(&sealed)?;
        crate::crypto::constant_time_eq(code.as_bytes(), normalized.as_bytes()).then_some(id)
    }) else {
        return Ok(false);
    };
    // Two sign-ins racing with one code: only one marks it used.
    let done = crate::q!(
        "UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the second factor (a lost phone, reset by the 安全管理员; or a member turning
/// the optional factor off).
pub async fn remove(conn: &mut AnyConnection, user_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE id = $1",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    crate::q!("DELETE FROM recovery_codes WHERE user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}
