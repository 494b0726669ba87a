//! 月度通报 kept: one report per organization and month, replaced only when its content
//! changed (its digest tells), and the reports an administrator may read.
use super::Db;
use crate::domain::clock::format_date;
use crate::domain::org::path_prefixes;
use crate::domain::report::{FindingLine, ReportContent};
use crate::domain::supervision::{FindingStatus, Rule};
use crate::error::{AppError, AppResult};
use std::collections::HashMap;
use time::Date;

/// The findings observed in `[from, to)`.
pub async fn findings_between(db: &Db, from: Date, to: Date) -> AppResult<Vec<FindingLine>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT org_id, rule, summary, status FROM findings WHERE observed_on >= $1 AND observed_on < $2",
    )
    .bind(format_date(from))
    .bind(format_date(to))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(org_id, rule, summary, status)| {
            Some(FindingLine {
                org_id,
                rule: Rule::from_code(&rule)?,
                summary,
                status: FindingStatus::from_code(&status)?,
            })
        })
        .collect())
}

/// What keeping a month's reports changed.
pub struct Saved {
    /// The organizations whose report is new or changed.
    pub changed: Vec<i64>,
    /// The month had no reports before.
    pub first: bool,
}

/// Keeps a month's reports: new ones are added, changed ones replaced, the same ones left
/// alone (with their time).
pub async fn save(
    db: &Db,
    month: Date,
    reports: &[(i64, ReportContent)],
    now: i64,
) -> AppResult<Saved> {
    let m = format_date(month);
    let kept: HashMap<i64, String> =
        sqlx::query_as("SELECT org_id, digest FROM monthly_reports WHERE month = $1")
            .bind(&m)
            .fetch_all(db.pool())
            .await?
            .into_iter()
            .collect();
    let mut changed = Vec::new();
    let mut tx = db.begin().await?;
    for (org, content) in reports {
        let json = serde_json::to_string(content).map_err(AppError::internal)?;
        let digest = crate::crypto::sha256_hex(json.as_bytes());
        match kept.get(org) {
            Some(d) if *d == digest => continue,
            Some(_) => {
                crate::q!(
                    "UPDATE monthly_reports SET content = $1, digest = $2, generated_at = $3 WHERE org_id = $4 AND month = $5",
                    &json,
                    &digest,
                    now,
                    org,
                    &m
                )
                .execute(tx.conn())
                .await?;
            }
            None => {
                crate::q!(
                    "INSERT INTO monthly_reports (org_id, month, content, digest, generated_at) VALUES ($1, $2, $3, $4, $5)",
                    org,
                    &m,
                    &json,
                    &digest,
                    now
                )
                .execute(tx.conn())
                .await?;
            }
        }
        changed.push(*org);
    }
    tx.commit().await?;
    Ok(Saved {
        changed,
        first: kept.is_empty(),
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    /// 'YYYY-MM-01'.
    pub month: String,
    pub content: String,
    pub generated_at: i64,
}

impl Report {
    pub fn content(&self) -> AppResult<ReportContent> {
        serde_json::from_str(&self.content).map_err(AppError::internal)
    }

    /// "2026-11".
    pub fn month_key(&self) -> &str {
        &self.month[..7]
    }
}

const SELECT: &str = "SELECT r.id, r.org_id, o.name AS org_name, o.path AS org_path, r.month, \
     r.content, r.generated_at FROM monthly_reports r JOIN orgs o ON o.id = r.org_id";

pub async fn get(db: &Db, id: i64) -> AppResult<Report> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// The reports published to administrators of `roots`: those of their subtrees and of the
/// organizations above them; a month's or all, of organizations whose name holds `name` or
/// all; newest month first, then down the tree.
pub async fn visible(
    db: &Db,
    roots: &[&str],
    month: Option<Date>,
    name: &str,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Report>, i64)> {
    if roots.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let (subtrees, mut binds) = super::orgs::scope_clause("o.path", roots, 1);
    let mut alternatives = vec![subtrees];
    for above in roots.iter().flat_map(|r| path_prefixes(r)) {
        binds.push(above);
        alternatives.push(format!("o.path = ${}", binds.len()));
    }
    let mut cond = format!("({})", alternatives.join(" OR "));
    if let Some(m) = month {
        binds.push(format_date(m));
        cond.push_str(&format!(" AND r.month = ${}", binds.len()));
    }
    if !name.is_empty() {
        binds.push(name.to_string());
        cond.push_str(&format!(" AND o.name LIKE '%' || ${} || '%'", binds.len()));
    }
    let count_sql = format!(
        "SELECT COUNT(*) FROM monthly_reports r JOIN orgs o ON o.id = r.org_id WHERE {cond}"
    );
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let (total,) = count.fetch_one(db.pool()).await?;
    let list_sql = format!(
        "{SELECT} WHERE {cond} ORDER BY r.month DESC, o.path LIMIT {limit} OFFSET {offset}"
    );
    let mut q = sqlx::query_as::<_, Report>(&list_sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok((q.fetch_all(db.pool()).await?, total))
}

/// The months that have reports, newest first.
pub async fn months(db: &Db) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT month FROM monthly_reports ORDER BY month DESC")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
