//! 数据看板: each organization's figures per period, computed from the records and kept.
//! `rebuild` computes a whole period for every organization at once (the nightly job, and the
//! first look at a period not kept yet); `refresh` recomputes one organization's own figures
//! and its ancestors' totals when its records change. Both count with the same queries.
use super::Db;
use super::meetings::{self, FactsRow};
use super::orgs::Org;
use super::requirements::{self, RuleRow};
use crate::domain::badges::Holder;
use crate::domain::clock::{day_start, format_date, local_date};
use crate::domain::dashboard::{Figures, PeriodKind, active_threshold, item_periods, roll_up};
use crate::domain::org::path_ids;
use crate::domain::orglife::{Period, holds_meetings};
use crate::error::AppResult;
use sqlx::Row;
use std::collections::HashMap;

/// A value bound to a query.
enum Bind {
    Int(i64),
    Text(String),
}

/// Runs `sql`, reading rows of whole numbers (an organization and its counts).
async fn numbers(db: &Db, sql: &str, binds: &[Bind]) -> AppResult<Vec<Vec<i64>>> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = match b {
            Bind::Int(v) => q.bind(*v),
            Bind::Text(v) => q.bind(v.as_str()),
        };
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| (0..r.len()).map(|i| Ok(r.try_get::<i64, _>(i)?)).collect())
        .collect()
}

/// Members, their registrations and transfers, and their study in `p`, by branch; one
/// branch when `branch` is given.
async fn member_figures(
    db: &Db,
    p: &Period,
    today: time::Date,
    branch: Option<i64>,
    own: &mut HashMap<i64, Figures>,
) -> AppResult<()> {
    use Bind::{Int, Text};
    let (from, to) = (Int(day_start(p.start)), Int(day_start(p.end)));
    let (first, next) = (Text(format_date(p.start)), Text(format_date(p.end)));
    // `$3` is the branch when there is one.
    let only = |column: &str| match branch {
        Some(_) => format!(" AND {column} = $3"),
        None => String::new(),
    };
    let with = |mut binds: Vec<Bind>| {
        binds.extend(branch.map(Int));
        binds
    };
    let m = only("m.branch_id");
    let registered = format!(
        "SELECT m.branch_id, COUNT(*), CAST(SUM(CASE WHEN m.created_at >= $1 AND m.created_at < $2 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM members m WHERE m.left_on IS NULL{m} GROUP BY m.branch_id"
    );
    for r in numbers(db, &registered, &with(vec![from, to])).await? {
        let f = own.entry(r[0]).or_default();
        (f.members, f.new_members) = (r[1], r[2]);
    }
    let (from, to) = (Int(day_start(p.start)), Int(day_start(p.end)));
    let moved = format!(
        "SELECT from_branch_id, to_branch_id FROM member_transfers WHERE at >= $1 AND at < $2{}",
        match branch {
            Some(_) => " AND (from_branch_id = $3 OR to_branch_id = $3)",
            None => "",
        }
    );
    for r in numbers(db, &moved, &with(vec![from, to])).await? {
        if branch.is_none_or(|b| b == r[0]) {
            own.entry(r[0]).or_default().transferred_out += 1;
        }
        if branch.is_none_or(|b| b == r[1]) {
            own.entry(r[1]).or_default().transferred_in += 1;
        }
    }
    // Across the county's border: letters out closed by their 回执, members in from a letter.
    for (b, out, came) in
        super::transfers::across_border(db, day_start(p.start), day_start(p.end)).await?
    {
        if branch.is_none_or(|only| only == b) {
            let f = own.entry(b).or_default();
            f.transferred_out += out;
            f.transferred_in += came;
        }
    }
    let threshold = active_threshold(p, today);
    let active = format!(
        "SELECT m.branch_id, COUNT(*) FROM (SELECT a.member_id AS member_id, COUNT(*) AS days FROM daily_answers a \
         JOIN members m ON m.id = a.member_id WHERE a.day >= $1 AND a.day < $2{m} GROUP BY a.member_id) d \
         JOIN members m ON m.id = d.member_id WHERE d.days >= {threshold} GROUP BY m.branch_id"
    );
    for r in numbers(db, &active, &with(vec![first, next])).await? {
        own.entry(r[0]).or_default().active_answerers = r[1];
    }
    let (from, to) = (Int(day_start(p.start)), Int(day_start(p.end)));
    let readers = format!(
        "SELECT m.branch_id, COUNT(DISTINCT r.member_id) FROM article_reads r JOIN members m ON m.id = r.member_id \
         WHERE r.completed_at >= $1 AND r.completed_at < $2{m} GROUP BY m.branch_id"
    );
    for r in numbers(db, &readers, &with(vec![from, to])).await? {
        own.entry(r[0]).or_default().readers = r[1];
    }
    let (first, next) = (Text(format_date(p.start)), Text(format_date(p.end)));
    let points = format!(
        "SELECT m.branch_id, CAST(COALESCE(SUM(l.lifetime_delta), 0) AS BIGINT) FROM points_ledger l \
         JOIN members m ON m.id = l.member_id WHERE l.day >= $1 AND l.day < $2{m} GROUP BY m.branch_id"
    );
    for r in numbers(db, &points, &with(vec![first, next])).await? {
        own.entry(r[0]).or_default().points = r[1];
    }
    let (from, to) = (Int(day_start(p.start)), Int(day_start(p.end)));
    let badges = format!(
        "SELECT m.branch_id, COUNT(*) FROM badges b JOIN members m ON m.id = b.holder_id \
         WHERE b.holder_kind = '{}' AND b.awarded_at >= $1 AND b.awarded_at < $2{m} GROUP BY m.branch_id",
        Holder::Member.code()
    );
    for r in numbers(db, &badges, &with(vec![from, to])).await? {
        own.entry(r[0]).or_default().badges = r[1];
    }
    Ok(())
}

/// Each meeting-holding organization's required items that count for `p`, by colour.
fn orglife_figures(
    holders: &[Org],
    facts: &[FactsRow],
    rules: &[RuleRow],
    p: &Period,
    now: i64,
    own: &mut HashMap<i64, Figures>,
) {
    let today = local_date(now);
    let by_kind = requirements::facts_by_kind(facts);
    requirements::each_item_period(
        holders,
        rules,
        &by_kind,
        p.start,
        |frequency| item_periods(frequency, p, today),
        |org, req, item, meetings| {
            own.entry(org.id)
                .or_default()
                .count_item(req, item, meetings, today, now);
        },
    );
}

/// The span of meetings the items counting for `p` may hold: the years it touches.
fn facts_span(p: &Period) -> (i64, i64) {
    let first = PeriodKind::Year.period_of(p.start).start;
    let last = PeriodKind::Year
        .period_of(p.end - time::Duration::days(1))
        .end;
    (day_start(first), day_start(last))
}

/// Every organization's own figures for `p`, as the records stand at `now`.
async fn own_all(db: &Db, p: &Period, now: i64) -> AppResult<HashMap<i64, Figures>> {
    let mut own = HashMap::new();
    member_figures(db, p, local_date(now), None, &mut own).await?;
    if let Some(root) = super::orgs::root(db).await? {
        let (from, to) = facts_span(p);
        let facts = meetings::facts(db, &root.path, from, to).await?;
        let holders = super::orgs::meeting_holders(db, false).await?;
        let rules = requirements::all(db).await?;
        orglife_figures(&holders, &facts, &rules, p, now, &mut own);
    }
    Ok(own)
}

/// One organization's own figures for `p`.
async fn own_one(db: &Db, org: &Org, p: &Period, now: i64) -> AppResult<Figures> {
    let mut own = HashMap::new();
    if org.kind().is_branch() {
        member_figures(db, p, local_date(now), Some(org.id), &mut own).await?;
    }
    if holds_meetings(org.kind()) && !org.is_dissolved() {
        let (from, to) = facts_span(p);
        let facts = meetings::facts_of_org(db.pool(), org.id, from, to).await?;
        let rules = requirements::all(db).await?;
        orglife_figures(std::slice::from_ref(org), &facts, &rules, p, now, &mut own);
    }
    Ok(own.remove(&org.id).unwrap_or_default())
}

/// Where a period's figures are kept: (period, its first day).
type Key = (String, String);

fn key(kind: PeriodKind, p: &Period) -> Key {
    (kind.code().to_string(), format_date(p.start))
}

/// Where the first days of a period are kept, set beside one under way: one window of a
/// kind at a time (yesterday's is dropped when today's is made).
fn first_days_key(kind: PeriodKind, window: &Period) -> Key {
    (
        format!("{}-first-days", kind.code()),
        format!("{}/{}", format_date(window.start), format_date(window.end)),
    )
}

/// Computes `p` for every organization from the records and keeps it (replacing what was
/// kept). Safe to run again at any time.
pub async fn rebuild(db: &Db, kind: PeriodKind, p: &Period, now: i64) -> AppResult<()> {
    rebuild_keyed(db, &key(kind, p), p, now, false).await
}

/// Computes `p` as the records stood at `now` and keeps it under `key`; `only_one` drops
/// whatever else was kept under the key's period.
async fn rebuild_keyed(db: &Db, key: &Key, p: &Period, now: i64, only_one: bool) -> AppResult<()> {
    let own = own_all(db, p, now).await?;
    let parents = super::orgs::parents(db).await?;
    let total = roll_up(&own, &parents);
    let (period, start) = (key.0.as_str(), &key.1);
    let mut tx = db.begin().await?;
    if let Some(lock) = db.engine.figures_lock() {
        sqlx::query(lock).execute(tx.conn()).await?;
    }
    if only_one {
        crate::q!("DELETE FROM org_figures WHERE period = $1", period)
            .execute(tx.conn())
            .await?;
    } else {
        crate::q!(
            "DELETE FROM org_figures WHERE period = $1 AND period_start = $2",
            period,
            start
        )
        .execute(tx.conn())
        .await?;
    }
    let zero = Figures::default();
    let rows: Vec<(i64, String, String)> = parents
        .keys()
        .map(|id| {
            let json = |f: Option<&Figures>| serde_json::to_string(f.unwrap_or(&zero));
            Ok((*id, json(own.get(id))?, json(total.get(id))?))
        })
        .collect::<Result<_, serde_json::Error>>()
        .map_err(crate::error::AppError::internal)?;
    for chunk in rows.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = 4 + i * 3;
                format!("(${n}, $1, $2, ${}, ${}, $3)", n + 1, n + 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO org_figures (org_id, period, period_start, own, total, updated_at) VALUES {}",
            values.join(",")
        );
        let mut q = sqlx::query(&sql).bind(period).bind(start).bind(now);
        for (id, own, total) in chunk {
            q = q.bind(*id).bind(own.as_str()).bind(total.as_str());
        }
        q.execute(tx.conn()).await?;
    }
    tx.commit().await
}

/// Rebuilds the month, quarter and year containing `now` (the tree changed shape).
pub async fn rebuild_current(db: &Db, now: i64) -> AppResult<()> {
    let today = local_date(now);
    for kind in PeriodKind::ALL.iter().copied() {
        rebuild(db, kind, &kind.period_of(today), now).await?;
    }
    Ok(())
}

/// Kept figures: (own, subtree total) by organization.
pub type Kept = HashMap<i64, (Figures, Figures)>;

async fn kept_where(
    db: &Db,
    kind: PeriodKind,
    p: &Period,
    filter: &str,
    id: i64,
) -> AppResult<Kept> {
    kept_where_keyed(db, &key(kind, p), filter, id).await
}

async fn kept_where_keyed(
    db: &Db,
    (period, start): &Key,
    filter: &str,
    id: i64,
) -> AppResult<Kept> {
    let rows = sqlx::query(&format!(
        "SELECT f.org_id, f.own, f.total FROM org_figures f JOIN orgs o ON o.id = f.org_id \
         WHERE f.period = $1 AND f.period_start = $2 AND {filter}"
    ))
    .bind(period)
    .bind(start)
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut out = HashMap::new();
    for r in rows {
        let parse = |s: String| serde_json::from_str::<Figures>(&s).unwrap_or_default();
        out.insert(
            r.try_get::<i64, _>(0)?,
            (parse(r.try_get(1)?), parse(r.try_get(2)?)),
        );
    }
    Ok(out)
}

/// Every organization's kept figures for `p`: (own, subtree total).
pub async fn all_kept(db: &Db, kind: PeriodKind, p: &Period) -> AppResult<Kept> {
    kept_where(db, kind, p, "o.id <> $3", 0).await
}

/// Whether `p` has been computed yet: the root's row stands for the whole period (a rebuild
/// writes every organization's).
pub async fn is_kept(db: &Db, kind: PeriodKind, p: &Period) -> AppResult<bool> {
    is_kept_keyed(db, &key(kind, p)).await
}

async fn is_kept_keyed(db: &Db, (period, start): &Key) -> AppResult<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT f.org_id FROM org_figures f JOIN orgs o ON o.id = f.org_id \
         WHERE o.parent_id IS NULL AND o.dissolved_at IS NULL AND f.period = $1 AND f.period_start = $2 \
         ORDER BY o.id LIMIT 1",
    )
    .bind(period)
    .bind(start)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// The county's subtree figures for `p` (the root's), for the 全县平均 beside any other.
pub async fn county_total(
    db: &Db,
    kind: PeriodKind,
    p: &Period,
) -> AppResult<Option<(i64, Figures)>> {
    let (period, start) = key(kind, p);
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT f.org_id, f.total FROM org_figures f JOIN orgs o ON o.id = f.org_id \
         WHERE o.parent_id IS NULL AND o.dissolved_at IS NULL AND f.period = $1 AND f.period_start = $2 \
         ORDER BY o.id LIMIT 1",
    )
    .bind(period)
    .bind(&start)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(id, total)| (id, serde_json::from_str(&total).unwrap_or_default())))
}

/// An organization's subtree figures over `window`, the first days of the period before one
/// under way (computed once a day, the first time anyone looks), as the records stood at the
/// end of its last day.
pub async fn first_days_total(
    db: &Db,
    kind: PeriodKind,
    window: &Period,
    org_id: i64,
) -> AppResult<Figures> {
    let key = first_days_key(kind, window);
    if !is_kept_keyed(db, &key).await? {
        let end_of_last_day = day_start(window.end) - 1;
        rebuild_keyed(db, &key, window, end_of_last_day, true).await?;
    }
    let kept = kept_where_keyed(db, &key, "o.id = $3", org_id).await?;
    Ok(kept.get(&org_id).map(|k| k.1).unwrap_or_default())
}

/// Computes `p` once, the first time anyone looks at it.
pub async fn ensure(db: &Db, kind: PeriodKind, p: &Period, now: i64) -> AppResult<()> {
    if is_kept(db, kind, p).await? {
        return Ok(());
    }
    // Many asking at once for a period not kept: one builds it, the others wait for it
    // (holding no connection) instead of each building it over again.
    static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = BUILDING.lock().await;
    if !is_kept(db, kind, p).await? {
        rebuild(db, kind, p, now).await?;
    }
    Ok(())
}

/// The organization's subtree figures and its children's, for `p`: (organization, total).
pub async fn with_children(
    db: &Db,
    kind: PeriodKind,
    p: &Period,
    org_id: i64,
) -> AppResult<(Figures, Vec<(i64, Figures)>)> {
    // Two index lookups (an OR would walk every organization of a province).
    let own = kept_where(db, kind, p, "o.id = $3", org_id).await?;
    let own = own.get(&org_id).map(|k| k.1).unwrap_or_default();
    let children = kept_where(db, kind, p, "o.parent_id = $3", org_id)
        .await?
        .into_iter()
        .map(|(id, (_, total))| (id, total))
        .collect();
    Ok((own, children))
}

/// Every branch of a subtree (a town) with its figures for `p`, by name: (id, name, figures).
pub async fn branches_in(
    db: &Db,
    kind: PeriodKind,
    p: &Period,
    path: &str,
) -> AppResult<Vec<(i64, String, Figures)>> {
    let (period, start) = key(kind, p);
    let (lo, hi) = crate::domain::org::subtree_range(path);
    let branches = super::orgs::kinds_sql("o.kind", crate::domain::org::OrgType::is_branch);
    let rows = sqlx::query(&format!(
        "SELECT o.id, o.name, f.total FROM orgs o JOIN org_figures f ON f.org_id = o.id \
         WHERE f.period = $1 AND f.period_start = $2 AND o.path >= $3 AND o.path < $4 \
         AND o.dissolved_at IS NULL AND {branches} ORDER BY o.name"
    ))
    .bind(period)
    .bind(&start)
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let total: String = r.try_get(2)?;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                serde_json::from_str(&total).unwrap_or_default(),
            ))
        })
        .collect()
}

/// The branches directly under any of `parents` with their figures for `p`, by name:
/// (parent, id, name, figures). One query for a page of several parents.
pub async fn branches_under(
    db: &Db,
    kind: PeriodKind,
    p: &Period,
    parents: &[i64],
) -> AppResult<Vec<(i64, i64, String, Figures)>> {
    if parents.is_empty() {
        return Ok(vec![]);
    }
    let (period, start) = key(kind, p);
    let ids: Vec<String> = parents.iter().map(i64::to_string).collect();
    let branches = super::orgs::kinds_sql("o.kind", crate::domain::org::OrgType::is_branch);
    let rows = sqlx::query(&format!(
        "SELECT o.parent_id, o.id, o.name, f.total FROM orgs o JOIN org_figures f ON f.org_id = o.id \
         WHERE f.period = $1 AND f.period_start = $2 AND o.parent_id IN ({}) \
         AND o.dissolved_at IS NULL AND {branches} ORDER BY o.name",
        ids.join(",")
    ))
    .bind(period)
    .bind(&start)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let total: String = r.try_get(3)?;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                serde_json::from_str(&total).unwrap_or_default(),
            ))
        })
        .collect()
}

/// One organization's subtree figures for each of `periods` (kept or computed now).
pub async fn trend(
    db: &Db,
    kind: PeriodKind,
    periods: &[Period],
    org_id: i64,
    now: i64,
) -> AppResult<Vec<Figures>> {
    let mut out = Vec::new();
    for p in periods {
        ensure(db, kind, p, now).await?;
        let kept = kept_where(db, kind, p, "o.id = $3", org_id).await?;
        out.push(kept.get(&org_id).map(|k| k.1).unwrap_or_default());
    }
    Ok(out)
}

/// Recomputes an organization's own figures for the current month, quarter and year, and
/// its ancestors' totals, after its records changed. Nothing happens for a period not kept
/// yet (its first look computes it whole).
pub async fn refresh(db: &Db, org: &Org, now: i64) -> AppResult<()> {
    let today = local_date(now);
    for kind in PeriodKind::ALL.iter().copied() {
        let p = kind.period_of(today);
        if !is_kept(db, kind, &p).await? {
            continue;
        }
        let fresh = own_one(db, org, &p, now).await?;
        let mut tx = db.begin().await?;
        if let Some(lock) = db.engine.figures_lock() {
            sqlx::query(lock).execute(tx.conn()).await?;
        }
        let (period, start) = key(kind, &p);
        let period = period.as_str();
        // Up the path: each organization's total is its own plus its children's totals.
        let mut below: Option<(i64, Figures)> = None;
        for id in path_ids(&org.path).into_iter().rev() {
            let rows = sqlx::query(
                "SELECT f.org_id, o.parent_id, f.own, f.total FROM org_figures f JOIN orgs o ON o.id = f.org_id \
                 WHERE f.period = $1 AND f.period_start = $2 AND o.id = $3 \
                 UNION ALL SELECT f.org_id, o.parent_id, f.own, f.total FROM org_figures f JOIN orgs o ON o.id = f.org_id \
                 WHERE f.period = $1 AND f.period_start = $2 AND o.parent_id = $3",
            )
            .bind(period)
            .bind(&start)
            .bind(id)
            .fetch_all(tx.conn())
            .await?;
            let parse = |s: String| serde_json::from_str::<Figures>(&s).unwrap_or_default();
            let mut own = if id == org.id {
                fresh
            } else {
                Figures::default()
            };
            let mut total = Figures::default();
            for r in rows {
                let child: i64 = r.try_get(0)?;
                if child == id {
                    if id != org.id {
                        own = parse(r.try_get(2)?);
                    }
                    continue;
                }
                let kept = parse(r.try_get(3)?);
                match below {
                    Some((b, fresh_total)) if b == child => total.add(&fresh_total),
                    _ => total.add(&kept),
                }
            }
            total.add(&own);
            let (own_json, total_json) = (
                serde_json::to_string(&own).map_err(crate::error::AppError::internal)?,
                serde_json::to_string(&total).map_err(crate::error::AppError::internal)?,
            );
            crate::q!(
                "INSERT INTO org_figures (org_id, period, period_start, own, total, updated_at) VALUES ($1,$2,$3,$4,$5,$6) \
                 ON CONFLICT (org_id, period, period_start) DO UPDATE SET own = excluded.own, total = excluded.total, updated_at = excluded.updated_at",
                id,
                period,
                &start,
                own_json,
                total_json,
                now
            )
            .execute(tx.conn())
            .await?;
            below = Some((id, total));
        }
        tx.commit().await?;
    }
    Ok(())
}

/// A member's figures in a period, for a branch's own page: (member, name, days answered,
/// articles read, meetings attended, points).
#[derive(Debug, Clone)]
pub struct MemberFigures {
    pub id: i64,
    pub name: String,
    pub answer_days: i64,
    pub reads: i64,
    pub attended: i64,
    pub points: i64,
}

/// Every member of a branch with their figures for `p`, live (a branch is small).
pub async fn members_of(db: &Db, branch_id: i64, p: &Period) -> AppResult<Vec<MemberFigures>> {
    let (from, to) = (day_start(p.start), day_start(p.end));
    let (first, next) = (format_date(p.start), format_date(p.end));
    let rows = sqlx::query(
        "SELECT m.id, m.name, \
         (SELECT COUNT(*) FROM daily_answers a WHERE a.member_id = m.id AND a.day >= $2 AND a.day < $3), \
         (SELECT COUNT(*) FROM article_reads r WHERE r.member_id = m.id AND r.completed_at >= $4 AND r.completed_at < $5), \
         (SELECT COUNT(*) FROM checkins c WHERE c.member_id = m.id AND c.at >= $4 AND c.at < $5), \
         (SELECT CAST(COALESCE(SUM(l.lifetime_delta), 0) AS BIGINT) FROM points_ledger l WHERE l.member_id = m.id AND l.day >= $2 AND l.day < $3) \
         FROM members m WHERE m.branch_id = $1 AND m.left_on IS NULL ORDER BY m.name",
    )
    .bind(branch_id)
    .bind(&first)
    .bind(&next)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MemberFigures {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                answer_days: r.try_get(2)?,
                reads: r.try_get(3)?,
                attended: r.try_get(4)?,
                points: r.try_get(5)?,
            })
        })
        .collect()
}
