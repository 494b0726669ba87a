//! 关怀帮扶: hardships, visits and the visit plans of an organization's subtree.
use crate::domain::care::{Hardship, HardshipKind, Occasion, Visit};
use crate::domain::clock::{format_date, parse_date};
use crate::domain::org::subtree_range;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HardshipRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub kind: String,
    pub detail: String,
    pub since: String,
    pub verified_by: String,
    pub reviewed_on: String,
    pub ended_on: Option<String>,
}

impl HardshipRow {
    pub fn kind_label(&self) -> &'static str {
        HardshipKind::from_code(&self.kind)
            .map(|k| k.label())
            .unwrap_or("困难")
    }
    /// The day it is next to be reviewed.
    pub fn review_due(&self) -> Date {
        crate::domain::care::review_due(parse_date(&self.reviewed_on).unwrap_or(Date::MIN))
    }
}

const HARDSHIP: &str = "SELECT h.id, h.member_id, m.name AS member_name, b.id AS branch_id, b.name AS branch_name, b.path AS branch_path, \
     h.kind, h.detail, h.since, h.verified_by, h.reviewed_on, h.ended_on \
     FROM hardships h JOIN members m ON m.id = h.member_id JOIN orgs b ON b.id = m.branch_id";

/// Registers a hardship; a member already registered is a conflict.
pub async fn insert_hardship(
    conn: &mut AnyConnection,
    h: &Hardship,
    today: Date,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM hardships WHERE member_id = $1 AND ended_on IS NULL")
            .bind(h.member_id)
            .fetch_one(&mut *conn)
            .await?;
    if open > 0 {
        return Err(AppError::Conflict("该党员已登记为困难党员".into()));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO hardships (member_id, kind, detail, since, verified_by, reviewed_on, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(h.member_id)
    .bind(h.kind.code())
    .bind(&h.detail)
    .bind(format_date(h.since))
    .bind(&h.verified_by)
    .bind(format_date(today))
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn hardship(db: &super::Db, id: i64) -> AppResult<HardshipRow> {
    sqlx::query_as(&format!("{HARDSHIP} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// The yearly review: still in hardship (reviewed today), or no longer (ended today). False
/// when it had ended already.
pub async fn review_hardship(
    conn: &mut AnyConnection,
    id: i64,
    still: bool,
    on: Date,
) -> AppResult<bool> {
    let sql = if still {
        "UPDATE hardships SET reviewed_on = $1 WHERE id = $2 AND ended_on IS NULL"
    } else {
        "UPDATE hardships SET ended_on = $1 WHERE id = $2 AND ended_on IS NULL"
    };
    let done = sqlx::query(sql)
        .bind(format_date(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The hardships of a subtree's members on the roster (open ones; with `ended`, all), by
/// branch and name.
pub async fn hardships_in(db: &super::Db, root: &str, ended: bool) -> AppResult<Vec<HardshipRow>> {
    let (lo, hi) = subtree_range(root);
    let open = if ended { "" } else { " AND h.ended_on IS NULL" };
    Ok(sqlx::query_as(&format!(
        "{HARDSHIP} WHERE b.path >= $1 AND b.path < $2 AND m.left_on IS NULL{open} ORDER BY h.ended_on IS NOT NULL, b.path, m.name, h.id"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// A member's hardships, the open one first.
pub async fn hardships_of_member(db: &super::Db, member: i64) -> AppResult<Vec<HardshipRow>> {
    Ok(sqlx::query_as(&format!(
        "{HARDSHIP} WHERE h.member_id = $1 ORDER BY h.ended_on IS NOT NULL, h.since DESC"
    ))
    .bind(member)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub branch_path: String,
    pub plan_id: Option<i64>,
    pub visited_on: String,
    pub visitors: String,
    pub money_fen: i64,
    pub goods: String,
    pub note: String,
}

impl VisitRow {
    pub fn money(&self) -> String {
        crate::domain::dues::format_yuan(self.money_fen)
    }
}

const VISIT: &str = "SELECT v.id, v.member_id, m.name AS member_name, b.name AS branch_name, b.path AS branch_path, \
     v.plan_id, v.visited_on, v.visitors, v.money_fen, v.goods, v.note \
     FROM care_visits v JOIN members m ON m.id = v.member_id JOIN orgs b ON b.id = m.branch_id";

pub async fn insert_visit(
    conn: &mut AnyConnection,
    v: &Visit,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO care_visits (member_id, plan_id, visited_on, visitors, money_fen, goods, note, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(v.member_id)
    .bind(v.plan_id)
    .bind(format_date(v.visited_on))
    .bind(&v.visitors)
    .bind(v.money_fen)
    .bind(&v.goods)
    .bind(&v.note)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn visit(db: &super::Db, id: i64) -> AppResult<VisitRow> {
    sqlx::query_as(&format!("{VISIT} WHERE v.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// Visits to a subtree's members from `from` to `to` (inclusive), the latest first.
pub async fn visits_in(
    db: &super::Db,
    root: &str,
    from: Date,
    to: Date,
) -> AppResult<Vec<VisitRow>> {
    let (lo, hi) = subtree_range(root);
    Ok(sqlx::query_as(&format!(
        "{VISIT} WHERE b.path >= $1 AND b.path < $2 AND v.visited_on >= $3 AND v.visited_on <= $4 ORDER BY v.visited_on DESC, v.id DESC"
    ))
    .bind(lo)
    .bind(hi)
    .bind(format_date(from))
    .bind(format_date(to))
    .fetch_all(db.pool())
    .await?)
}

pub async fn visits_of_member(db: &super::Db, member: i64) -> AppResult<Vec<VisitRow>> {
    Ok(sqlx::query_as(&format!(
        "{VISIT} WHERE v.member_id = $1 ORDER BY v.visited_on DESC, v.id DESC LIMIT 100"
    ))
    .bind(member)
    .fetch_all(db.pool())
    .await?)
}

/// The visits made under a plan.
pub async fn visits_of_plan(db: &super::Db, plan: i64) -> AppResult<Vec<VisitRow>> {
    Ok(sqlx::query_as(&format!(
        "{VISIT} WHERE v.plan_id = $1 ORDER BY b.path, m.name"
    ))
    .bind(plan)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub occasion: String,
    pub year: i64,
    pub due_on: String,
}

impl PlanRow {
    pub fn title(&self) -> String {
        crate::domain::care::plan_title(
            Occasion::from_code(&self.occasion).unwrap_or(Occasion::SpringFestival),
            self.year,
        )
    }
}

const PLAN: &str = "SELECT p.id, p.org_id, o.name AS org_name, o.path AS org_path, p.occasion, p.year, p.due_on \
     FROM care_plans p JOIN orgs o ON o.id = p.org_id";

/// Makes a plan; the organization's plan for the same occasion and year is a conflict.
pub async fn insert_plan(
    conn: &mut AnyConnection,
    org: i64,
    (occasion, year, due): (Occasion, i32, Date),
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (same,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM care_plans WHERE org_id = $1 AND occasion = $2 AND year = $3",
    )
    .bind(org)
    .bind(occasion.code())
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    if same > 0 {
        return Err(AppError::Conflict(format!(
            "本组织已有{}计划",
            crate::domain::care::plan_title(occasion, i64::from(year))
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO care_plans (org_id, occasion, year, due_on, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(org)
    .bind(occasion.code())
    .bind(i64::from(year))
    .bind(format_date(due))
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn plan(db: &super::Db, id: i64) -> AppResult<PlanRow> {
    sqlx::query_as(&format!("{PLAN} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// Every plan, the latest first: few a year (two occasions per planning organization).
pub async fn plans(db: &super::Db) -> AppResult<Vec<PlanRow>> {
    Ok(
        sqlx::query_as(&format!("{PLAN} ORDER BY p.due_on DESC, o.path LIMIT 500"))
            .fetch_all(db.pool())
            .await?,
    )
}
