//! 电子监察: the county's settings by the day they take effect, findings and their history,
//! the open findings the dashboard marks, the scans' runs, what a scan reads, and the
//! monthly tiers.
use super::Db;
use crate::domain::clock::{format_date, parse_date};
use crate::domain::org::{path_ids, subtree_range};
use crate::domain::supervision::{CountySetting, EventKind, FindingStatus, Rule, Score, Tier};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use time::Date;

/// The version of a setting in force on `day` (the defaults before any was saved).
pub async fn setting_on<T: CountySetting>(db: &Db, day: Date) -> AppResult<T> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT value FROM county_settings WHERE kind = $1 AND effective_from <= $2 \
         ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(T::KIND)
    .bind(format_date(day))
    .fetch_optional(db.pool())
    .await?;
    Ok(row
        .and_then(|(v,)| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Saves a version of a setting from `effective` on (replacing one saved for the same day).
pub async fn save_setting<T: CountySetting>(
    conn: &mut AnyConnection,
    effective: Date,
    value: &T,
    by: Option<i64>,
    now: i64,
) -> AppResult<()> {
    let (kind, json) = (
        T::KIND,
        serde_json::to_string(value).map_err(AppError::internal)?,
    );
    let day = format_date(effective);
    crate::q!(
        "DELETE FROM county_settings WHERE kind = $1 AND effective_from = $2",
        kind,
        &day
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "INSERT INTO county_settings (kind, effective_from, value, set_by, set_at) VALUES ($1,$2,$3,$4,$5)",
        kind,
        &day,
        &json,
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A version saved to take effect after `today`, if any: (its first day, the value).
pub async fn scheduled<T: CountySetting>(db: &Db, today: Date) -> AppResult<Option<(Date, T)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT effective_from, value FROM county_settings WHERE kind = $1 AND effective_from > $2 \
         ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(T::KIND)
    .bind(format_date(today))
    .fetch_optional(db.pool())
    .await?;
    Ok(row.and_then(|(d, v)| Some((parse_date(&d)?, serde_json::from_str(&v).ok()?))))
}

/// What shows a finding: the meetings, files and numbers behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    pub meetings: Vec<i64>,
    pub files: Vec<i64>,
    /// The period of a missed item, as people say it ("2026年第三季度").
    pub period: String,
    /// How alike two photos or two minutes are, in percent.
    pub measure: Option<i64>,
}

pub struct NewFinding {
    pub rule: Rule,
    pub org_id: i64,
    pub subject: String,
    pub observed_on: Date,
    pub summary: String,
    pub evidence: Evidence,
}

/// Writes a finding unless the same rule already found the same subject of the same
/// organization; its id when new.
pub async fn insert_finding(
    conn: &mut AnyConnection,
    f: &NewFinding,
    now: i64,
) -> AppResult<Option<i64>> {
    let evidence = serde_json::to_string(&f.evidence).map_err(AppError::internal)?;
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO findings (rule, org_id, subject, observed_on, summary, evidence, status, found_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) ON CONFLICT (rule, org_id, subject) DO NOTHING RETURNING id",
    )
    .bind(f.rule.code())
    .bind(f.org_id)
    .bind(&f.subject)
    .bind(format_date(f.observed_on))
    .bind(&f.summary)
    .bind(&evidence)
    .bind(FindingStatus::Open.code())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = id {
        add_event(conn, id, EventKind::Found, None, &f.summary, None, now).await?;
    }
    Ok(id.map(|r| r.0))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Finding {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub rule: Rule,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub org_kind: String,
    pub subject: String,
    pub observed_on: String,
    pub summary: String,
    pub evidence: String,
    #[sqlx(try_from = "String")]
    pub status: FindingStatus,
    pub found_at: i64,
    pub updated_at: i64,
}

impl Finding {
    pub fn evidence(&self) -> Evidence {
        serde_json::from_str(&self.evidence).unwrap_or_default()
    }

    /// The path of the organization that answers it (a 党小组's branch answers for it).
    pub fn answering_path(&self) -> &str {
        crate::domain::supervision::answering_path(
            &self.org_path,
            crate::domain::org::OrgType::from_code(&self.org_kind),
        )
    }
}

/// The findings' select, with the organization's name as `orgs::full_name_sql` gives it.
fn finding_select() -> String {
    format!(
        "SELECT f.id, f.rule, f.org_id, {} AS org_name, o.path AS org_path, o.kind AS org_kind, f.subject, \
         f.observed_on, f.summary, f.evidence, f.status, f.found_at, f.updated_at \
         FROM findings f JOIN orgs o ON o.id = f.org_id LEFT JOIN orgs po ON po.id = o.parent_id",
        super::orgs::full_name_sql("o", "po")
    )
}

pub async fn finding(db: &Db, id: i64) -> AppResult<Finding> {
    Ok(
        sqlx::query_as(&format!("{} WHERE f.id = $1", finding_select()))
            .bind(id)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Which statuses a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Statuses {
    /// Still to be dealt with.
    #[default]
    Open,
    /// What a month's figures count (`report::counts`).
    Counted,
    All,
}

/// Which findings a list shows: a subtree, and optionally a rule, some statuses, a month.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub root_path: String,
    pub rule: Option<Rule>,
    pub statuses: Statuses,
    /// Observed in `[from, to)`.
    pub observed: Option<(Date, Date)>,
}

fn filter_sql(f: &FindingFilter) -> (String, Vec<String>) {
    let (lo, hi) = subtree_range(&f.root_path);
    let mut sql = String::from("o.path >= $1 AND o.path < $2");
    let mut binds = vec![lo, hi];
    if let Some(rule) = f.rule {
        binds.push(rule.code().to_string());
        sql.push_str(&format!(" AND f.rule = ${}", binds.len()));
    }
    let shown: Vec<FindingStatus> = match f.statuses {
        Statuses::Open => FindingStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect(),
        Statuses::Counted => FindingStatus::ALL
            .iter()
            .copied()
            .filter(|s| crate::domain::report::counts(*s))
            .collect(),
        Statuses::All => Vec::new(),
    };
    if !shown.is_empty() {
        let mut marks = Vec::new();
        for s in shown {
            binds.push(s.code().to_string());
            marks.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND f.status IN ({})", marks.join(", ")));
    }
    if let Some((from, to)) = f.observed {
        binds.push(format_date(from));
        binds.push(format_date(to));
        sql.push_str(&format!(
            " AND f.observed_on >= ${} AND f.observed_on < ${}",
            binds.len() - 1,
            binds.len()
        ));
    }
    (sql, binds)
}

/// A page of findings, newest first, and how many there are in all.
pub async fn findings(
    db: &Db,
    filter: &FindingFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Finding>, i64)> {
    let (cond, binds) = filter_sql(filter);
    let count_sql =
        format!("SELECT COUNT(*) FROM findings f JOIN orgs o ON o.id = f.org_id WHERE {cond}");
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let (total,) = count.fetch_one(db.pool()).await?;
    let list_sql = format!(
        "{} WHERE {cond} ORDER BY f.observed_on DESC, f.id DESC LIMIT {limit} OFFSET {offset}",
        finding_select()
    );
    let mut q = sqlx::query_as::<_, Finding>(&list_sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok((q.fetch_all(db.pool()).await?, total))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: EventKind,
    pub user_name: Option<String>,
    pub note: String,
    pub file_key: Option<String>,
    pub file_name: Option<String>,
    pub file_mime: Option<String>,
    pub at: i64,
}

pub async fn events(db: &Db, finding_id: i64) -> AppResult<Vec<Event>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.kind, u.name AS user_name, e.note, e.file_key, e.file_name, e.file_mime, e.at \
         FROM finding_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.finding_id = $1 ORDER BY e.id",
    )
    .bind(finding_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn event(db: &Db, id: i64) -> AppResult<(i64, Event)> {
    let row = sqlx::query(
        "SELECT e.finding_id, e.id, e.kind, u.name AS user_name, e.note, e.file_key, e.file_name, e.file_mime, e.at \
         FROM finding_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let event = <Event as sqlx::FromRow<_>>::from_row(&row)?;
    Ok((row.try_get(0)?, event))
}

/// An attached file: (storage key, original name, MIME type).
pub type Attachment<'a> = (&'a str, &'a str, &'a str);

pub async fn add_event(
    conn: &mut AnyConnection,
    finding_id: i64,
    kind: EventKind,
    user: Option<i64>,
    note: &str,
    file: Option<Attachment<'_>>,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO finding_events (finding_id, kind, user_id, note, file_key, file_name, file_mime, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        finding_id,
        kind.code(),
        user,
        note,
        file.map(|f| f.0),
        file.map(|f| f.1),
        file.map(|f| f.2),
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a finding from `from` to `to`, keeping the open counts; false when it was no longer
/// in `from` (someone else acted first).
pub async fn set_status(
    conn: &mut AnyConnection,
    f: &Finding,
    from: FindingStatus,
    to: FindingStatus,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE findings SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        to.code(),
        now,
        f.id,
        from.code()
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let delta = i64::from(to.is_open()) - i64::from(from.is_open());
    if delta != 0 {
        adjust_open(conn, &f.org_path, delta).await?;
    }
    Ok(true)
}

/// Adds `delta` open findings to an organization and every organization above it.
async fn adjust_open(conn: &mut AnyConnection, path: &str, delta: i64) -> AppResult<()> {
    let ids = path_ids(path);
    let Some(own) = ids.last().copied() else {
        return Ok(());
    };
    for id in ids {
        let mine = if id == own { delta } else { 0 };
        crate::q!(
            "INSERT INTO open_findings (org_id, own, total) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET own = open_findings.own + $2, total = open_findings.total + $3",
            id,
            mine,
            delta
        )
        .execute(&mut *conn)
        .await?;
    }
    crate::q!("DELETE FROM open_findings WHERE total <= 0")
        .execute(conn)
        .await?;
    Ok(())
}

/// Dates every finding of the scan `run_started` (and its 发现问题 event) as the daily scan
/// would have found it: at 06:00 the morning after the day it is about, never later than the
/// scan itself. The demo builds months of records at once and scans them once; its findings
/// must still read as found when they happened.
pub async fn date_as_daily_scans(db: &Db, run_started: i64) -> AppResult<()> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, observed_on FROM findings WHERE found_at >= $1")
            .bind(run_started)
            .fetch_all(db.pool())
            .await?;
    for chunk in rows.chunks(300) {
        let mut tx = db.begin().await?;
        for (id, on) in chunk {
            let Some(on) = parse_date(on) else { continue };
            let at = crate::domain::clock::day_start(on + time::Duration::days(1)) + 6 * 3600;
            let at = at.min(run_started);
            crate::q!(
                "UPDATE findings SET found_at = $1, updated_at = $1 WHERE id = $2 AND updated_at = found_at",
                at,
                *id
            )
            .execute(tx.conn())
            .await?;
            crate::q!(
                "UPDATE finding_events SET at = $1 WHERE finding_id = $2 AND kind = $3",
                at,
                *id,
                EventKind::Found.code()
            )
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Counts every organization's open findings again from the findings (after a scan).
pub async fn rebuild_open(db: &Db) -> AppResult<()> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT org_id, COUNT(*) FROM findings WHERE status IN ($1, $2) GROUP BY org_id",
    )
    .bind(FindingStatus::Open.code())
    .bind(FindingStatus::Appealed.code())
    .fetch_all(db.pool())
    .await?;
    let own: HashMap<i64, i64> = rows.into_iter().collect();
    let orgs = super::orgs::by_ids(db, &own.keys().copied().collect::<Vec<_>>()).await?;
    let mut total: HashMap<i64, i64> = HashMap::new();
    for (org, n) in &own {
        for id in orgs.get(org).map(|o| path_ids(&o.path)).unwrap_or_default() {
            *total.entry(id).or_default() += n;
        }
    }
    let mut tx = db.begin().await?;
    crate::q!("DELETE FROM open_findings")
        .execute(tx.conn())
        .await?;
    for (id, t) in &total {
        crate::q!(
            "INSERT INTO open_findings (org_id, own, total) VALUES ($1, $2, $3)",
            *id,
            own.get(id).copied().unwrap_or(0),
            *t
        )
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await
}

/// Open findings in the subtree of each of `ids`.
pub async fn open_totals(db: &Db, ids: &[i64]) -> AppResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT org_id, total FROM open_findings WHERE org_id IN ({})",
        list.join(",")
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub found: i64,
}

/// The last scan that finished.
pub async fn last_run(db: &Db) -> AppResult<Option<Run>> {
    Ok(sqlx::query_as(
        "SELECT id, started_at, finished_at, found FROM supervision_runs WHERE finished_at IS NOT NULL \
         ORDER BY started_at DESC LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?)
}

pub async fn start_run(db: &Db, by: Option<i64>, now: i64) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO supervision_runs (started_at, by_user) VALUES ($1, $2) RETURNING id",
    )
    .bind(now)
    .bind(by)
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn finish_run(db: &Db, id: i64, found: i64, now: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    crate::q!(
        "UPDATE supervision_runs SET finished_at = $1, found = $2 WHERE id = $3",
        now,
        found,
        id
    )
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

/// Each meeting-holding organization's last organizational life that took place (closed, or
/// with someone signed in): (organization, start of the last one).
pub async fn last_held(db: &Db) -> AppResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.org_id, MAX(m.starts_at) FROM meetings m \
         WHERE m.closed_at IS NOT NULL OR EXISTS (SELECT 1 FROM checkins c WHERE c.meeting_id = m.id) \
         GROUP BY m.org_id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Check-ins of each closed meeting starting in `[from, to)`: (all, by hand).
pub async fn checkin_methods(db: &Db, from: i64, to: i64) -> AppResult<HashMap<i64, (u32, u32)>> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT c.meeting_id, COUNT(*), CAST(SUM(CASE WHEN c.method = $1 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM checkins c JOIN meetings m ON m.id = c.meeting_id \
         WHERE m.closed_at IS NOT NULL AND m.starts_at >= $2 AND m.starts_at < $3 GROUP BY c.meeting_id",
    )
    .bind(crate::domain::meetings::CheckinMethod::Manual.code())
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(m, n, manual)| (m, (n as u32, manual as u32)))
        .collect())
}

/// A meeting photo as a scan sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub meeting_id: i64,
    pub org_id: i64,
    pub print: Option<String>,
    pub captured_at: Option<i64>,
    pub created_at: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Every meeting photo of meetings starting from `from` on.
pub async fn photos(db: &Db, from: i64) -> AppResult<Vec<PhotoRow>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.meeting_id, m.org_id, f.print, f.captured_at, f.created_at, m.starts_at, m.ends_at \
         FROM meeting_files f JOIN meetings m ON m.id = f.meeting_id WHERE f.kind = $1 AND m.starts_at >= $2 ORDER BY f.id",
    )
    .bind(crate::domain::meetings::FileKind::Photo.code())
    .bind(from)
    .fetch_all(db.pool())
    .await?)
}

/// Meetings starting from `from` on whose minutes changed at or after `since`: (meeting,
/// organization, start).
pub async fn minutes_changed(db: &Db, from: i64, since: i64) -> AppResult<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, starts_at FROM meetings WHERE minutes <> '' AND starts_at >= $1 AND updated_at >= $2",
    )
    .bind(from)
    .bind(since)
    .fetch_all(db.pool())
    .await?)
}

/// The minutes' prints of every meeting starting from `from` on: (meeting, print).
pub async fn minutes_prints_since(db: &Db, from: i64) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT p.meeting_id, p.print FROM minutes_prints p JOIN meetings m ON m.id = p.meeting_id WHERE m.starts_at >= $1",
    )
    .bind(from)
    .fetch_all(db.pool())
    .await?)
}

/// The first day anyone answered the daily question: before it, nobody could study.
pub async fn study_began(db: &Db) -> AppResult<Option<Date>> {
    let row: (Option<String>,) = sqlx::query_as("SELECT MIN(day) FROM daily_answers")
        .fetch_one(db.pool())
        .await?;
    Ok(row.0.as_deref().and_then(parse_date))
}

/// A month's tiers, replacing what was kept for it.
pub async fn save_tiers(db: &Db, month: Date, scores: &HashMap<i64, Score>) -> AppResult<()> {
    let m = format_date(month);
    let mut tx = db.begin().await?;
    crate::q!("DELETE FROM org_tiers WHERE month = $1", &m)
        .execute(tx.conn())
        .await?;
    let rows: Vec<(&i64, &Score)> = scores.iter().collect();
    for chunk in rows.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, $1, ${}, ${}, ${})",
                    2 + i * 4,
                    3 + i * 4,
                    4 + i * 4,
                    5 + i * 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO org_tiers (org_id, month, score, tier, detail) VALUES {}",
            values.join(",")
        );
        let mut q = sqlx::query(&sql).bind(&m);
        for (id, s) in chunk {
            let detail = serde_json::to_string(s).map_err(AppError::internal)?;
            q = q.bind(**id).bind(s.total).bind(s.tier.code()).bind(detail);
        }
        q.execute(tx.conn()).await?;
    }
    tx.commit().await
}

/// Kept scores of a month for `ids` (all kept ones when `ids` is empty is not offered: a
/// county has too many).
pub async fn tiers_of(db: &Db, month: Date, ids: &[i64]) -> AppResult<HashMap<i64, Score>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT org_id, detail FROM org_tiers WHERE month = $1 AND org_id IN ({})",
        list.join(",")
    ))
    .bind(format_date(month))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, d)| Some((id, serde_json::from_str(&d).ok()?)))
        .collect())
}

/// Every kept tier of a month: (organization, tier).
pub async fn all_tiers(db: &Db, month: Date) -> AppResult<HashMap<i64, Tier>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT org_id, tier FROM org_tiers WHERE month = $1")
            .bind(format_date(month))
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, t)| Some((id, Tier::from_code(&t)?)))
        .collect())
}

/// An organization's kept scores, newest month first: (month, score).
pub async fn tier_history(db: &Db, org_id: i64, months: i64) -> AppResult<Vec<(Date, Score)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT month, detail FROM org_tiers WHERE org_id = $1 ORDER BY month DESC LIMIT {months}"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, d)| Some((parse_date(&m)?, serde_json::from_str(&d).ok()?)))
        .collect())
}

/// Whether a month's tiers were kept.
pub async fn tiers_kept(db: &Db, month: Date) -> AppResult<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT org_id FROM org_tiers WHERE month = $1 LIMIT 1")
            .bind(format_date(month))
            .fetch_optional(db.pool())
            .await?;
    Ok(row.is_some())
}
