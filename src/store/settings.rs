//! Security settings kept in the database, editable by the 安全管理员.
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Security {
    pub lockout_threshold: i64,
    pub lockout_minutes: i64,
    pub idle_timeout_minutes: i64,
    /// Days an administrator's or officer's password lasts before it must be changed.
    pub password_max_age_days: i64,
    /// A new password may not be any of this many most recent ones.
    pub password_history: i64,
    /// Days the audit log keeps an entry in the database before it goes to a signed archive
    /// (never under `MIN_AUDIT_DAYS`).
    pub audit_retention_days: i64,
}

/// What the law (网络安全法 art. 21) and 等保 ask the audit log to keep at least; the
/// database's own delete trigger holds to it too.
pub const MIN_AUDIT_DAYS: i64 = 180;

impl Default for Security {
    fn default() -> Self {
        Self {
            lockout_threshold: 5,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            password_max_age_days: 90,
            password_history: 5,
            audit_retention_days: 365,
        }
    }
}

impl Security {
    /// The settings a form may set, with the field's message when out of range.
    pub const FIELDS: &'static [(&'static str, &'static str, i64, i64)] = &[
        ("lockout_threshold", "连续登录失败锁定次数", 3, 10),
        ("lockout_minutes", "锁定时长（分钟）", 1, 1440),
        ("idle_timeout_minutes", "无操作自动退出（分钟）", 5, 120),
        ("password_max_age_days", "管理员密码有效期（天）", 30, 365),
        ("password_history", "新密码不得与最近几次密码相同", 1, 24),
        (
            "audit_retention_days",
            "审计日志在库保留天数（之后归档）",
            MIN_AUDIT_DAYS,
            3650,
        ),
    ];

    fn set(&mut self, key: &str, v: i64) {
        match key {
            "lockout_threshold" => self.lockout_threshold = v,
            "lockout_minutes" => self.lockout_minutes = v,
            "idle_timeout_minutes" => self.idle_timeout_minutes = v,
            "password_max_age_days" => self.password_max_age_days = v,
            "password_history" => self.password_history = v,
            "audit_retention_days" => self.audit_retention_days = v,
            _ => {}
        }
    }

    pub fn get(&self, key: &str) -> i64 {
        match key {
            "lockout_threshold" => self.lockout_threshold,
            "lockout_minutes" => self.lockout_minutes,
            "password_max_age_days" => self.password_max_age_days,
            "password_history" => self.password_history,
            "audit_retention_days" => self.audit_retention_days,
            _ => self.idle_timeout_minutes,
        }
    }
}

const ALGORITHMS_KEY: &str = "crypto_algorithms";
const KEY_KEY: &str = "crypto_key";

/// Which key and algorithms the database is written with, as recorded.
pub async fn writing_keys(
    db: &super::Db,
) -> AppResult<(Option<String>, Option<crate::crypto::Algorithms>)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key IN ($1, $2)")
            .bind(ALGORITHMS_KEY)
            .bind(KEY_KEY)
            .fetch_all(db.pool())
            .await?;
    let value = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1.clone());
    Ok((
        value(KEY_KEY),
        value(ALGORITHMS_KEY).and_then(|v| crate::crypto::Algorithms::from_code(&v)),
    ))
}

/// The database's writing key and algorithms, which `keys` take up: those it recorded; else
/// the ring's first key, and for a database with nothing in it yet the configured
/// algorithms, for one made before the choice existed the international ones. Recorded here
/// (and the algorithms at the audit chain's head) in one transaction. A database written
/// with a key the ring lacks is refused: it would be served unreadable.
pub async fn settle_keys(
    db: &super::Db,
    keys: &crate::crypto::Keys,
    configured: crate::crypto::Algorithms,
) -> AppResult<()> {
    use crate::crypto::Algorithms;
    let (kept_key, kept_algorithms) = writing_keys(db).await?;
    let fingerprint = kept_key.unwrap_or_else(|| keys.fingerprint());
    let algorithms = match kept_algorithms {
        Some(a) => a,
        None => {
            let mut conn = db.conn().await?;
            if super::archive::is_empty(&mut conn).await? {
                configured
            } else {
                Algorithms::International
            }
        }
    };
    if !keys.adopt(&fingerprint, algorithms) {
        return Err(AppError::Setup(format!(
            "the database is written with the key {fingerprint}, which is not in the key file \
             (or DANGJIAN_SECRET_KEY): put that key back before serving"
        )));
    }
    let mut tx = db.begin().await?;
    record_writing_keys(tx.conn(), &fingerprint, algorithms).await?;
    tx.commit().await
}

/// Records the key and algorithms the database is written with from now on.
pub async fn record_writing_keys(
    conn: &mut AnyConnection,
    fingerprint: &str,
    algorithms: crate::crypto::Algorithms,
) -> AppResult<()> {
    save(&mut *conn, KEY_KEY, fingerprint).await?;
    save(&mut *conn, ALGORITHMS_KEY, algorithms.code()).await?;
    crate::q!(
        "UPDATE audit_head SET algorithm = $1 WHERE id = 1",
        algorithms.code()
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn load_security(db: &super::Db) -> AppResult<Security> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(db.pool())
        .await?;
    let mut s = Security::default();
    for (k, v) in rows {
        if let Ok(n) = v.parse() {
            s.set(&k, n);
        }
    }
    Ok(s)
}

pub async fn save(conn: &mut AnyConnection, key: &str, value: &str) -> AppResult<()> {
    crate::q!(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A whole-number setting, or its default when never set.
async fn number(db: &super::Db, key: &str, default: i64) -> AppResult<i64> {
    let v: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
    Ok(v.and_then(|v| v.0.parse().ok()).unwrap_or(default))
}

/// The check-in geofence radius in metres; 0 means off (the default).
pub async fn geofence_m(db: &super::Db) -> AppResult<i64> {
    number(db, "checkin_geofence_m", 0).await
}

pub const READ_SECONDS_KEY: &str = "article_min_read_seconds";
/// The range the county may set the minimum reading time in.
pub const READ_SECONDS_RANGE: std::ops::RangeInclusive<i64> = 5..=600;

/// Seconds a member must spend on an article before its completion earns points.
pub async fn min_read_seconds(db: &super::Db) -> AppResult<i64> {
    number(db, READ_SECONDS_KEY, 30).await
}

pub const DUES_REMIND_DAY_KEY: &str = "dues_remind_day";
/// The days of a month the county may choose to remind members of unpaid dues.
pub const DUES_REMIND_DAY_RANGE: std::ops::RangeInclusive<i64> = 1..=28;

/// The day of each month from which members who have not paid the month's dues are reminded.
pub async fn dues_remind_day(db: &super::Db) -> AppResult<i64> {
    number(db, DUES_REMIND_DAY_KEY, 25).await
}

pub const DUES_CHECK_MONTH_KEY: &str = "dues_check_month";

/// The month of the year in which branches check their members' bases (January unless the
/// county sets another).
pub async fn dues_check_month(db: &super::Db) -> AppResult<i64> {
    number(db, DUES_CHECK_MONTH_KEY, 1).await
}
