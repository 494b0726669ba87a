//! Accounts, their role grants, and what a request needs to know about its user.
use crate::crypto::Keys;
use crate::domain::policy::Role;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub user_id: i64,
    pub name: String,
    pub member_id: Option<i64>,
    pub must_change_password: i64,
    pub large_font: i64,
    pub disabled: i64,
    pub last_seen_at: i64,
    pub branch_id: Option<i64>,
    pub branch_path: Option<String>,
    /// Unread notifications (the bell).
    pub unread: i64,
    /// Whether the account holds any role grant (most members hold none).
    pub has_grants: i64,
    pub applicant_id: Option<i64>,
    /// Whether the account signs in with a second factor.
    pub second_factor: i64,
}

/// Everything a request needs to know about its session in one round trip: on PostgreSQL
/// each statement is one, and this runs before every page.
pub async fn by_session(db: &super::Db, token_hash: &str) -> AppResult<Option<SessionUser>> {
    Ok(sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.member_id, u.must_change_password, u.large_font, u.disabled, \
         s.last_seen_at, m.branch_id, o.path AS branch_path, \
         CAST((SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS BIGINT) AS unread, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id) THEN 1 ELSE 0 END AS BIGINT) AS has_grants, u.applicant_id, \
         CAST(CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS second_factor \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN members m ON m.id = u.member_id LEFT JOIN orgs o ON o.id = m.branch_id \
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?)
}

/// The member an account belongs to, if any.
pub async fn member_of(conn: &mut AnyConnection, user_id: i64) -> AppResult<Option<i64>> {
    let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT member_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(|r| r.0))
}

/// An account that holds any role, with its masked phone.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantHolder {
    pub id: i64,
    pub name: String,
    pub phone_mask: String,
    /// 1 when the account signs in with a second factor.
    pub second_factor: i64,
}

pub async fn grant_holders(db: &super::Db) -> AppResult<Vec<GrantHolder>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, u.phone_mask, \
         CAST(CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS second_factor \
         FROM users u JOIN role_grants g ON g.user_id = u.id ORDER BY u.id LIMIT 500",
    )
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub org_id: Option<i64>,
    pub org_path: Option<String>,
    pub org_kind: Option<String>,
    pub org_name: Option<String>,
}

impl GrantRow {
    pub fn role(&self) -> Option<Role> {
        Role::from_code(&self.role)
    }
    pub fn role_label(&self) -> &'static str {
        self.role().map(|r| r.label()).unwrap_or("未知角色")
    }
}

const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.role, g.org_id, o.path AS org_path, o.kind AS org_kind, o.name AS org_name \
     FROM role_grants g LEFT JOIN orgs o ON o.id = g.org_id";

pub async fn grants(db: &super::Db, user_id: i64) -> AppResult<Vec<GrantRow>> {
    Ok(sqlx::query_as(&format!(
        "{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY g.id"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn grant(db: &super::Db, grant_id: i64) -> AppResult<GrantRow> {
    Ok(sqlx::query_as(&format!("{GRANT_SELECT} WHERE g.id = $1"))
        .bind(grant_id)
        .fetch_one(db.pool())
        .await?)
}

pub async fn add_grant(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
    org_id: Option<i64>,
    by: Option<i64>,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO role_grants (user_id, role, org_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(role.code())
    .bind(org_id)
    .bind(by)
    .bind(crate::domain::clock::now_epoch())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn remove_grant(conn: &mut AnyConnection, grant_id: i64) -> AppResult<()> {
    crate::q!("DELETE FROM role_grants WHERE id = $1", grant_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginUser {
    pub id: i64,
    pub name: String,
    pub member_id: Option<i64>,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub disabled: i64,
    pub must_change_password: i64,
}

pub async fn by_phone(db: &super::Db, keys: &Keys, phone: &str) -> AppResult<Option<LoginUser>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, name, member_id, password_hash, failed_logins, locked_until, disabled, must_change_password FROM users WHERE {}",
        super::hash_in("phone_hash", &keys.lookup_hashes("phone", phone))
    ))
    .fetch_optional(db.pool())
    .await?)
}

pub async fn login_user(db: &super::Db, id: i64) -> AppResult<LoginUser> {
    login_user_if_any(db, id).await?.ok_or(AppError::NotFound)
}

pub async fn login_user_if_any(db: &super::Db, id: i64) -> AppResult<Option<LoginUser>> {
    Ok(sqlx::query_as(
        "SELECT id, name, member_id, password_hash, failed_logins, locked_until, disabled, must_change_password FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?)
}

/// Counts a failed password; locks the account when the threshold is reached.
/// Returns whether the account is now locked.
pub async fn record_failure(
    conn: &mut AnyConnection,
    user_id: i64,
    threshold: i64,
    lock_until: i64,
) -> AppResult<bool> {
    let (failed,): (i64,) = sqlx::query_as(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    if failed >= threshold {
        crate::q!(
            "UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2",
            lock_until,
            user_id
        )
        .execute(conn)
        .await?;
        return Ok(true);
    }
    Ok(false)
}

pub async fn record_success(conn: &mut AnyConnection, user_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_password(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    must_change: bool,
) -> AppResult<()> {
    // The password it had goes into its history first: a later one may not repeat it.
    crate::q!(
        "INSERT INTO password_history (user_id, password_hash, changed_at) SELECT id, password_hash, $2 FROM users WHERE id = $1",
        user_id,
        crate::domain::clock::now_epoch()
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL WHERE id = $4",
        hash,
        i64::from(must_change),
        crate::domain::clock::now_epoch(),
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_large_font(conn: &mut AnyConnection, user_id: i64, on: bool) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET large_font = $1 WHERE id = $2",
        i64::from(on),
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_disabled(conn: &mut AnyConnection, user_id: i64, disabled: bool) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET disabled = $1 WHERE id = $2",
        i64::from(disabled),
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewUser<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub member_id: Option<i64>,
    pub must_change_password: bool,
}

/// Creates an account; a phone number already in use is a `Conflict` naming it.
pub async fn create(conn: &mut AnyConnection, keys: &Keys, u: &NewUser<'_>) -> AppResult<i64> {
    let phone_hash = keys.lookup_hash("phone", u.phone);
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE phone_hash = $1")
        .bind(&phone_hash)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict("该手机号已被其他账号使用".into()));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (name, phone_hash, phone_enc, phone_mask, password_hash, member_id, must_change_password, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(u.name)
    .bind(phone_hash)
    .bind(keys.encrypt(u.phone))
    .bind(crate::domain::text::mask_phone(u.phone))
    .bind(u.password_hash)
    .bind(u.member_id)
    .bind(i64::from(u.must_change_password))
    .bind(crate::domain::clock::now_epoch())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Keeps a member's account in step with the member record (name, phone).
pub async fn sync_member(
    conn: &mut AnyConnection,
    keys: &Keys,
    member_id: i64,
    name: &str,
    phone: &str,
) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET name = $1, phone_hash = $2, phone_enc = $3, phone_mask = $4 WHERE member_id = $5",
        name,
        keys.lookup_hash("phone", phone),
        keys.encrypt(phone),
        crate::domain::text::mask_phone(phone),
        member_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub phone_mask: String,
    pub member_id: Option<i64>,
    pub must_change_password: i64,
    pub locked_until: Option<i64>,
    pub disabled: i64,
    pub roles: String,
}

/// Accounts for the officers' pages: by name or phone tail, newest first.
pub async fn list_accounts(db: &super::Db, q: &str, limit: i64) -> AppResult<Vec<AccountRow>> {
    let q = q.trim();
    let sql = format!(
        "SELECT u.id, u.name, u.phone_mask, u.member_id, u.must_change_password, u.locked_until, u.disabled, \
         COALESCE((SELECT {} FROM role_grants g WHERE g.user_id = u.id), '') AS roles \
         FROM users u WHERE ($1 = '' OR u.name LIKE '%' || $1 || '%' OR u.phone_mask LIKE '%' || $1) \
         ORDER BY u.member_id IS NOT NULL, u.id DESC LIMIT $2",
        db.engine.string_agg("g.role")
    );
    Ok(sqlx::query_as(&sql)
        .bind(q)
        .bind(limit)
        .fetch_all(db.pool())
        .await?)
}

pub async fn account(db: &super::Db, id: i64) -> AppResult<AccountRow> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.phone_mask, u.member_id, u.must_change_password, u.locked_until, u.disabled, '' AS roles \
         FROM users u WHERE u.id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

pub async fn count(db: &super::Db) -> AppResult<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}

/// The first account holding a role, if any (the demo's content editor).
pub async fn first_with_role(db: &super::Db, role: Role) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT user_id FROM role_grants WHERE role = $1 ORDER BY id LIMIT 1")
            .bind(role.code())
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|r| r.0))
}

/// Every branch administrator's grant: (branch, account), in branch order.
pub async fn branch_admins(db: &super::Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT org_id, MIN(user_id) FROM role_grants WHERE role = 'branch_admin' GROUP BY org_id ORDER BY org_id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Each branch with a member account, and its first such account: (branch, account).
pub async fn first_account_per_branch(conn: &mut AnyConnection) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT m.branch_id, MIN(u.id) FROM members m JOIN users u ON u.member_id = m.id GROUP BY m.branch_id ORDER BY m.branch_id",
    )
    .fetch_all(conn)
    .await?)
}

/// The administrators of an organization: grants on it, or on its parent (a party group's
/// branch).
pub async fn admins_of(conn: &mut AnyConnection, org_id: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM role_grants g JOIN orgs o ON o.id = $1 \
         WHERE g.role IN ($2, $3) AND (g.org_id = o.id OR g.org_id = o.parent_id)",
    )
    .bind(org_id)
    .bind(Role::BranchAdmin.code())
    .bind(Role::OrgAdmin.code())
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every enabled account's grants of `role` over a subtree: (account, the subtree's path).
pub async fn grants_of_role(conn: &mut AnyConnection, role: Role) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT g.user_id, o.path FROM role_grants g JOIN orgs o ON o.id = g.org_id \
         JOIN users u ON u.id = g.user_id WHERE g.role = $1 AND u.disabled = 0",
    )
    .bind(role.code())
    .fetch_all(conn)
    .await?)
}

/// Every administrator's grant: (account, the path of the subtree administered).
pub async fn admin_grants(db: &super::Db) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT g.user_id, o.path FROM role_grants g JOIN orgs o ON o.id = g.org_id WHERE g.role IN ($1, $2)",
    )
    .bind(Role::BranchAdmin.code())
    .bind(Role::OrgAdmin.code())
    .fetch_all(db.pool())
    .await?)
}

/// Whether the account is an organization administrator (of any subtree).
pub async fn administers_a_subtree(db: &super::Db, user_id: i64) -> AppResult<bool> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM role_grants WHERE user_id = $1 AND role = $2")
            .bind(user_id)
            .bind(Role::OrgAdmin.code())
            .fetch_one(db.pool())
            .await?;
    Ok(n > 0)
}

/// The account of a member, if they have one.
pub async fn account_of_member(db: &super::Db, member_id: i64) -> AppResult<Option<i64>> {
    account_of_member_in(&mut *db.conn().await?, member_id).await
}

pub async fn account_of_member_in(
    conn: &mut AnyConnection,
    member_id: i64,
) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE member_id = $1")
        .bind(member_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The hashes of an account's `n` most recent earlier passwords.
pub async fn recent_password_hashes(
    db: &super::Db,
    user_id: i64,
    n: i64,
) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY changed_at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(n.max(0))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Whether an account with a role (an administrator or an officer) last set its password
/// before `before` (or, never having changed it, was made before it).
pub async fn password_expired(db: &super::Db, user_id: i64, before: i64) -> AppResult<bool> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users u WHERE u.id = $1 AND COALESCE(u.password_changed_at, u.created_at) < $2 \
         AND EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id)",
    )
    .bind(user_id)
    .bind(before)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// The account must set a new password before anything else.
pub async fn require_password_change(conn: &mut AnyConnection, user_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET must_change_password = 1 WHERE id = $1",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The calendar address version of a member's open account (none when they have no open
/// account: a closed account's address stops).
pub async fn calendar_version(db: &super::Db, member_id: i64) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT calendar_version FROM users WHERE member_id = $1 AND disabled = 0")
            .bind(member_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|r| r.0))
}

/// A new calendar address for the account: the old one stops.
pub async fn renew_calendar(conn: &mut AnyConnection, user_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET calendar_version = calendar_version + 1 WHERE id = $1",
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Each member's account: (member, account).
pub async fn member_accounts(db: &super::Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT member_id, id FROM users WHERE member_id IS NOT NULL AND disabled = 0",
    )
    .fetch_all(db.pool())
    .await?)
}
