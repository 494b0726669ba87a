//! 组织关系转接: transfers within, out of and into the county, and a member leaving the
//! county's organization (kept, off every roster, their account closed).
use crate::domain::clock::{format_date, parse_date};
use crate::domain::org::subtree_range;
use crate::domain::transfer::{self, Direction, Status};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transfer {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub direction: String,
    pub from_branch_id: Option<i64>,
    pub from_name: Option<String>,
    pub from_path: Option<String>,
    pub to_branch_id: Option<i64>,
    pub to_name: Option<String>,
    pub to_path: Option<String>,
    pub outside_org: String,
    pub letter_no: String,
    pub verify_code: String,
    pub issued_on: String,
    pub valid_days: i64,
    pub dues_paid_to: String,
    pub reason: String,
    pub status: String,
    pub return_reason: String,
    pub receipt_on: Option<String>,
    pub started_at: i64,
    pub decided_at: Option<i64>,
}

impl Transfer {
    pub fn direction(&self) -> Direction {
        Direction::from_code(&self.direction).unwrap_or(Direction::Within)
    }

    pub fn issued(&self) -> Option<Date> {
        parse_date(&self.issued_on)
    }

    /// The letter's last valid day (a transfer out only).
    pub fn last_valid_day(&self) -> Option<Date> {
        (self.direction() == Direction::Out)
            .then(|| self.issued())
            .flatten()
            .map(|d| transfer::last_valid_day(d, self.valid_days))
    }

    pub fn last_valid_text(&self) -> String {
        self.last_valid_day().map(format_date).unwrap_or_default()
    }

    /// Where it stands on `today` (a letter past its validity is expired).
    pub fn status_on(&self, today: Date) -> Status {
        let stored = Status::from_code(&self.status).unwrap_or(Status::Pending);
        transfer::status_on(stored, self.direction(), self.last_valid_day(), today)
    }

    /// Whom the audit log says a step concerns.
    pub fn audit_target(&self) -> String {
        format!("党员 {} {}", self.member_id, self.member_name)
    }

    pub fn letter_text(&self) -> String {
        transfer::letter_number_text(&self.letter_no)
    }

    /// From where: the branch, or the organization outside the county.
    pub fn from_text(&self) -> &str {
        self.from_name.as_deref().unwrap_or(&self.outside_org)
    }

    /// To where: the branch, or the organization outside the county.
    pub fn to_text(&self) -> &str {
        self.to_name.as_deref().unwrap_or(&self.outside_org)
    }
}

const SELECT: &str = "SELECT t.id, t.member_id, m.name AS member_name, t.direction, t.from_branch_id, \
     f.name AS from_name, f.path AS from_path, t.to_branch_id, o.name AS to_name, o.path AS to_path, \
     t.outside_org, t.letter_no, t.verify_code, t.issued_on, t.valid_days, t.dues_paid_to, t.reason, t.status, \
     t.return_reason, t.receipt_on, t.started_at, t.decided_at FROM transfers t JOIN members m ON m.id = t.member_id \
     LEFT JOIN orgs f ON f.id = t.from_branch_id LEFT JOIN orgs o ON o.id = t.to_branch_id";

pub async fn get(db: &super::Db, id: i64) -> AppResult<Transfer> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get_in(conn: &mut AnyConnection, id: i64) -> AppResult<Transfer> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// A member's transfers, newest first.
pub async fn of_member(db: &super::Db, member_id: i64) -> AppResult<Vec<Transfer>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE t.member_id = $1 ORDER BY t.id DESC"
    ))
    .bind(member_id)
    .fetch_all(db.pool())
    .await?)
}

/// The transfers from or to a branch in `root`'s subtree: those still open, then the latest
/// `limit` others, newest first.
pub async fn in_subtree(db: &super::Db, root: &str, limit: i64) -> AppResult<Vec<Transfer>> {
    let (lo, hi) = subtree_range(root);
    let within = "((f.path >= $1 AND f.path < $2) OR (o.path >= $1 AND o.path < $2))";
    let mut rows: Vec<Transfer> = sqlx::query_as(&format!(
        "{SELECT} WHERE {within} AND t.status = $3 ORDER BY t.id DESC"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(Status::Pending.code())
    .fetch_all(db.pool())
    .await?;
    let done: Vec<Transfer> = sqlx::query_as(&format!(
        "{SELECT} WHERE {within} AND t.status <> $3 ORDER BY t.id DESC LIMIT $4"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(Status::Pending.code())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.extend(done);
    Ok(rows)
}

/// A transfer to start.
pub struct NewTransfer<'a> {
    pub member_id: i64,
    pub direction: Direction,
    pub from_branch: Option<i64>,
    pub to_branch: Option<i64>,
    pub outside_org: &'a str,
    pub letter_no: &'a str,
    pub valid_days: i64,
    pub dues_paid_to: &'a str,
    pub reason: &'a str,
    pub status: Status,
    pub issued: Date,
    pub by: i64,
    pub now: i64,
}

/// Records a transfer; a letter out is numbered from its id and given a verification code.
/// A member has at most one open transfer: a second is a conflict.
pub async fn start(conn: &mut AnyConnection, t: &NewTransfer<'_>) -> AppResult<i64> {
    let decided = t.status != Status::Pending;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO transfers (member_id, direction, from_branch_id, to_branch_id, outside_org, letter_no, \
         issued_on, valid_days, dues_paid_to, reason, status, started_by, started_at, decided_by, decided_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
    )
    .bind(t.member_id)
    .bind(t.direction.code())
    .bind(t.from_branch)
    .bind(t.to_branch)
    .bind(t.outside_org)
    .bind(t.letter_no)
    .bind(format_date(t.issued))
    .bind(t.valid_days)
    .bind(t.dues_paid_to)
    .bind(t.reason)
    .bind(t.status.code())
    .bind(t.by)
    .bind(t.now)
    .bind(decided.then_some(t.by))
    .bind(decided.then_some(t.now))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AppError::Conflict("该党员已有正在办理的组织关系转接".into())
        }
        e => e.into(),
    })?;
    if t.direction == Direction::Out {
        let bytes = crate::crypto::random_bytes::<{ transfer::VERIFY_CODE_LEN }>();
        crate::q!(
            "UPDATE transfers SET letter_no = $1, verify_code = $2 WHERE id = $3",
            transfer::letter_number(t.issued, id),
            transfer::verify_code(&bytes),
            id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The member's open transfer, if any.
pub async fn open_of(conn: &mut AnyConnection, member_id: i64) -> AppResult<Option<Transfer>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE t.member_id = $1 AND t.status = $2"
    ))
    .bind(member_id)
    .bind(Status::Pending.code())
    .fetch_optional(conn)
    .await?)
}

/// Closes an open transfer as `status`; false when it was no longer open (someone else
/// decided it first).
pub async fn close(
    conn: &mut AnyConnection,
    id: i64,
    status: Status,
    why: &str,
    receipt_on: Option<Date>,
    by: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE transfers SET status = $1, return_reason = $2, receipt_on = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $6 AND status = $7",
        status.code(),
        why,
        receipt_on.map(format_date),
        by,
        now,
        id,
        Status::Pending.code()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes down the letters out whose validity ended before `today`: their members stay on
/// the roster and may be given a new letter. The transfers written down.
pub async fn expire_letters(
    conn: &mut AnyConnection,
    today: Date,
    now: i64,
) -> AppResult<Vec<Transfer>> {
    let open: Vec<Transfer> = sqlx::query_as(&format!(
        "{SELECT} WHERE t.direction = $1 AND t.status = $2"
    ))
    .bind(Direction::Out.code())
    .bind(Status::Pending.code())
    .fetch_all(&mut *conn)
    .await?;
    let mut expired = Vec::new();
    for t in open
        .into_iter()
        .filter(|t| t.status_on(today) == Status::Expired)
    {
        crate::q!(
            "UPDATE transfers SET status = $1, decided_at = $2 WHERE id = $3 AND status = $4",
            Status::Expired.code(),
            now,
            t.id,
            Status::Pending.code()
        )
        .execute(&mut *conn)
        .await?;
        expired.push(t);
    }
    Ok(expired)
}

/// Transfers across the county's border per branch in `[from, to)`: (branch, out, in) —
/// letters out closed by their 回执, and members registered from a letter in.
pub async fn across_border(db: &super::Db, from: i64, to: i64) -> AppResult<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(from_branch_id, to_branch_id), \
         CAST(SUM(CASE WHEN direction = $3 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN direction = $4 THEN 1 ELSE 0 END) AS BIGINT) FROM transfers \
         WHERE decided_at >= $1 AND decided_at < $2 AND status IN ($5, $6) \
         GROUP BY COALESCE(from_branch_id, to_branch_id)",
    )
    .bind(from)
    .bind(to)
    .bind(Direction::Out.code())
    .bind(Direction::In.code())
    .bind(Status::Receipted.code())
    .bind(Status::Registered.code())
    .fetch_all(db.pool())
    .await?)
}

/// What waits on an organization's administrators: transfers into its subtree to accept or
/// return, and those out of it still open (sent within the county and not yet accepted,
/// letters out without their 回执).
pub async fn waiting(db: &super::Db, path: &str) -> AppResult<(i64, i64)> {
    let (lo, hi) = subtree_range(path);
    let (to_accept, sent): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN o.path >= $1 AND o.path < $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN f.path >= $1 AND f.path < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM transfers t LEFT JOIN orgs f ON f.id = t.from_branch_id LEFT JOIN orgs o ON o.id = t.to_branch_id \
         WHERE t.status = $3",
    )
    .bind(&lo)
    .bind(&hi)
    .bind(Status::Pending.code())
    .fetch_one(db.pool())
    .await?;
    Ok((to_accept, sent))
}
