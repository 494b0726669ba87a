//! 两优一先 and other honours: selections, their quotas, nominations, objections during 公示,
//! and the honours awarded (each also a badge, counted in the rankings).
use crate::domain::clock::{format_date, parse_date};
use crate::domain::honour::{Category, Phase, Selection, Status, badge_key, phase};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SelectionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub title: String,
    pub year: i64,
    pub nominate_until: String,
    pub publicity_days: i64,
    pub published_on: Option<String>,
    pub awarded_on: Option<String>,
}

impl SelectionRow {
    pub fn published(&self) -> Option<Date> {
        self.published_on.as_deref().and_then(parse_date)
    }
    pub fn phase(&self, today: Date) -> Phase {
        phase(
            parse_date(&self.nominate_until).unwrap_or(Date::MIN),
            self.published(),
            self.publicity_days,
            self.awarded_on.is_some(),
            today,
        )
    }
    /// "2027-06-20至2027-06-26", once published.
    pub fn publicity_text(&self) -> String {
        self.published()
            .map(|p| crate::domain::honour::publicity_text(p, self.publicity_days))
            .unwrap_or_default()
    }
}

const SELECT: &str = "SELECT s.id, s.org_id, o.name AS org_name, o.path AS org_path, s.title, s.year, s.nominate_until, \
     s.publicity_days, s.published_on, s.awarded_on FROM selections s JOIN orgs o ON o.id = s.org_id";

pub async fn insert(
    conn: &mut AnyConnection,
    org: i64,
    s: &Selection,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO selections (org_id, title, year, nominate_until, publicity_days, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(org)
    .bind(&s.title)
    .bind(i64::from(s.year))
    .bind(format_date(s.nominate_until))
    .bind(s.publicity_days)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (quota_org, category, quota) in &s.quotas {
        crate::q!(
            "INSERT INTO selection_quotas (selection_id, org_id, category, quota) VALUES ($1,$2,$3,$4)",
            id,
            quota_org,
            category.code(),
            quota
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<SelectionRow> {
    sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// Every selection, the latest first (a county opens a few a year).
pub async fn all(db: &super::Db) -> AppResult<Vec<SelectionRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} ORDER BY s.year DESC, s.id DESC LIMIT 200"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// (organization, category, quota) of a selection.
pub async fn quotas(db: &super::Db, id: i64) -> AppResult<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT org_id, category, quota FROM selection_quotas WHERE selection_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NominationRow {
    pub id: i64,
    pub selection_id: i64,
    pub category: String,
    pub member_id: Option<i64>,
    pub nominee_org_id: Option<i64>,
    /// The member's or the organization's name.
    pub nominee: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub quota_org_id: i64,
    pub reason: String,
    pub status: String,
    pub review_note: String,
}

impl NominationRow {
    pub fn category(&self) -> Category {
        Category::from_code(&self.category).unwrap_or(Category::Member)
    }
    pub fn status(&self) -> Status {
        Status::from_code(&self.status).unwrap_or(Status::Submitted)
    }
}

const NOMINATION: &str = "SELECT n.id, n.selection_id, n.category, n.member_id, n.nominee_org_id, \
     COALESCE(m.name, g.name, '') AS nominee, n.branch_id, b.name AS branch_name, b.path AS branch_path, \
     n.quota_org_id, n.reason, n.status, n.review_note \
     FROM nominations n JOIN orgs b ON b.id = n.branch_id LEFT JOIN members m ON m.id = n.member_id \
     LEFT JOIN orgs g ON g.id = n.nominee_org_id";

pub struct NewNomination<'a> {
    pub selection: i64,
    pub category: Category,
    pub member: Option<i64>,
    pub org: Option<i64>,
    pub branch: i64,
    pub quota_org: i64,
    pub reason: &'a str,
}

/// A branch's nomination; the same member or organization twice in one category (unless
/// returned) is a conflict.
pub async fn nominate(
    conn: &mut AnyConnection,
    n: &NewNomination<'_>,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (same,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM nominations WHERE selection_id = $1 AND category = $2 AND status <> $3 \
         AND (member_id = $4 OR nominee_org_id = $5)",
    )
    .bind(n.selection)
    .bind(n.category.code())
    .bind(Status::Returned.code())
    .bind(n.member.unwrap_or(0))
    .bind(n.org.unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?;
    if same > 0 {
        return Err(AppError::Conflict(format!(
            "已推荐为{}，不能重复推荐",
            n.category.label()
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO nominations (selection_id, category, member_id, nominee_org_id, branch_id, quota_org_id, reason, status, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(n.selection)
    .bind(n.category.code())
    .bind(n.member)
    .bind(n.org)
    .bind(n.branch)
    .bind(n.quota_org)
    .bind(n.reason)
    .bind(Status::Submitted.code())
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn nomination(db: &super::Db, id: i64) -> AppResult<NominationRow> {
    sqlx::query_as(&format!("{NOMINATION} WHERE n.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn nominations(db: &super::Db, selection: i64) -> AppResult<Vec<NominationRow>> {
    Ok(sqlx::query_as(&format!(
        "{NOMINATION} WHERE n.selection_id = $1 ORDER BY n.category, b.path, n.id"
    ))
    .bind(selection)
    .fetch_all(db.pool())
    .await?)
}

/// Nominations approved against one quota, in the caller's transaction (a second reviewer
/// sees the first's).
pub async fn approved_against(
    conn: &mut AnyConnection,
    selection: i64,
    quota_org: i64,
    category: Category,
) -> AppResult<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM nominations WHERE selection_id = $1 AND quota_org_id = $2 AND category = $3 AND status = $4",
    )
    .bind(selection)
    .bind(quota_org)
    .bind(category.code())
    .bind(Status::Approved.code())
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Moves a nomination from one status to another; false when it was not in `from`.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    from: Status,
    to: Status,
    note: &str,
    by: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE nominations SET status = $1, review_note = $2, reviewed_by = $3 WHERE id = $4 AND status = $5",
        to.code(),
        note,
        by,
        id,
        from.code()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes the list for 公示 on `on`; false when already published.
pub async fn publish(conn: &mut AnyConnection, id: i64, on: Date) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE selections SET published_on = $1 WHERE id = $2 AND published_on IS NULL",
        format_date(on),
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn object(
    conn: &mut AnyConnection,
    selection: i64,
    nomination: i64,
    body: &str,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO objections (selection_id, nomination_id, body, by_user_id, at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(selection)
    .bind(nomination)
    .bind(body)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The objections to a selection: (nominee, body, who, when).
pub async fn objections(
    db: &super::Db,
    selection: i64,
) -> AppResult<Vec<(i64, String, String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT x.nomination_id, COALESCE(m.name, g.name, ''), x.body, u.name, x.at FROM objections x \
         JOIN nominations n ON n.id = x.nomination_id LEFT JOIN members m ON m.id = n.member_id \
         LEFT JOIN orgs g ON g.id = n.nominee_org_id JOIN users u ON u.id = x.by_user_id \
         WHERE x.selection_id = $1 ORDER BY x.at DESC, x.id DESC",
    )
    .bind(selection)
    .fetch_all(db.pool())
    .await?)
}

/// Awards the approved nominations: an honour each, and the badge it earns (to the member or
/// the organization), once. False when awarded already.
pub async fn award(
    conn: &mut AnyConnection,
    s: &SelectionRow,
    on: Date,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE selections SET awarded_on = $1 WHERE id = $2 AND awarded_on IS NULL AND published_on IS NOT NULL",
        format_date(on),
        s.id
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let approved: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT category, member_id, nominee_org_id FROM nominations WHERE selection_id = $1 AND status = $2",
    )
    .bind(s.id)
    .bind(Status::Approved.code())
    .fetch_all(&mut *conn)
    .await?;
    for (category, member, org) in approved {
        let Some(c) = Category::from_code(&category) else {
            continue;
        };
        let title = format!("{}年度{}", s.year, c.label());
        crate::q!(
            "INSERT INTO honours (selection_id, category, member_id, org_id, title, year, awarded_on) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            s.id,
            c.code(),
            member,
            org,
            &title,
            s.year,
            format_date(on)
        )
        .execute(&mut *conn)
        .await?;
        let (kind, holder) = match (member, org) {
            (Some(m), _) => ("member", m),
            (None, Some(o)) => ("org", o),
            _ => continue,
        };
        crate::q!(
            "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ($1,$2,$3,$4,$5,$6) \
             ON CONFLICT (holder_kind, holder_id, source_key) DO NOTHING",
            kind,
            holder,
            badge_key(s.id, c),
            &title,
            format!("{}表彰", s.org_name),
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Honours of a member or an organization: (title, awarded by, awarded on).
pub async fn honours_of(
    db: &super::Db,
    member: Option<i64>,
    org: Option<i64>,
) -> AppResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT h.title, COALESCE(o.name, ''), h.awarded_on FROM honours h LEFT JOIN selections s ON s.id = h.selection_id \
         LEFT JOIN orgs o ON o.id = s.org_id WHERE (h.member_id = $1 OR h.org_id = $2) ORDER BY h.awarded_on DESC, h.id DESC",
    )
    .bind(member.unwrap_or(0))
    .bind(org.unwrap_or(0))
    .fetch_all(db.pool())
    .await?)
}
