//! 月度通报: a month's reports for every organization with subordinates, composed from the
//! kept tiers, the findings and the dashboard's figures, kept when they changed, and
//! published to the administrators they reach with one notification each.
use crate::domain::dashboard::{PeriodKind, month_key};
use crate::domain::org::{OrgType, full_name, path_prefixes};
use crate::domain::orglife::Period;
use crate::domain::report::{MonthRecords, OrgLine, compose, month_label};
use crate::error::AppResult;
use crate::store::{Db, dashboard, notifications, orgs, reports, supervision, users};
use std::collections::{HashMap, HashSet};

/// Places the month's tiers, then composes and keeps its reports; how many reports are
/// new or changed. Running it again on the same records changes nothing.
pub async fn generate(db: &Db, month: &Period, now: i64) -> AppResult<usize> {
    let Some(root) = orgs::root(db).await? else {
        return Ok(0);
    };
    let tiers = crate::supervision::tiers(db, month, now).await?;
    let previous = supervision::all_tiers(db, PeriodKind::Month.previous(month).start).await?;
    let tree = orgs::subtree(db, &root.path).await?;
    let names: HashMap<i64, &str> = tree.iter().map(|o| (o.id, o.name.as_str())).collect();
    let orgs: Vec<OrgLine> = tree
        .iter()
        .map(|o| OrgLine {
            is_group: o.kind() == OrgType::PartyGroup,
            id: o.id,
            parent: o.parent_id,
            name: full_name(
                &o.name,
                o.kind(),
                o.parent_id.and_then(|p| names.get(&p).copied()),
            ),
            path: o.path.clone(),
        })
        .collect();
    let findings = reports::findings_between(db, month.start, month.end).await?;
    let figures = dashboard::all_kept(db, PeriodKind::Month, month)
        .await?
        .into_iter()
        .map(|(id, (_, total))| (id, total))
        .collect();
    let dues_month = crate::domain::dues::Month::of(month.start);
    let window = crate::store::dues::Window {
        first: dues_month,
        last: dues_month,
        through: dues_month,
    };
    let ledgers = crate::store::dues::ledgers(db, &root.path, None, window, None).await?;
    let dues = crate::store::dues::tallies_by_org(&ledgers, dues_month);
    let composed = compose(&MonthRecords {
        month: month.start,
        orgs: &orgs,
        tiers: &tiers,
        previous: &previous,
        findings: &findings,
        figures: &figures,
        dues: &dues,
    });
    let saved = reports::save(db, month.start, &composed, now).await?;
    let paths: HashMap<i64, &str> = orgs.iter().map(|o| (o.id, o.path.as_str())).collect();
    let changed: Vec<&str> = saved
        .changed
        .iter()
        .filter_map(|id| paths.get(id).copied())
        .collect();
    publish(db, month, &changed, saved.first, now).await?;
    Ok(saved.changed.len())
}

/// One notification per administrator whom a new or changed report reaches: "published"
/// the first time, "updated" after.
async fn publish(
    db: &Db,
    month: &Period,
    changed: &[&str],
    first: bool,
    now: i64,
) -> AppResult<()> {
    if changed.is_empty() {
        return Ok(());
    }
    // A report reaches the roots in its subtree (one of whose prefixes it is) and those
    // above it (its prefixes).
    let reports: HashSet<&str> = changed.iter().copied().collect();
    let above: HashSet<String> = changed.iter().flat_map(|p| path_prefixes(p)).collect();
    let label = month_label(month.start);
    let key_month = month_key(month);
    let (title, key) = if first {
        (
            format!("{label}月度通报已发布"),
            format!("report:{key_month}"),
        )
    } else {
        (
            format!("{label}月度通报已更新"),
            format!("report:{key_month}:{now}"),
        )
    };
    let link = format!("/reports?month={key_month}");
    let reached: HashSet<i64> = users::admin_grants(db)
        .await?
        .into_iter()
        .filter(|(_, root)| {
            above.contains(root)
                || path_prefixes(root)
                    .iter()
                    .any(|p| reports.contains(p.as_str()))
        })
        .map(|(user, _)| user)
        .collect();
    let mut tx = db.begin().await?;
    for user in reached {
        notifications::notify(tx.conn(), user, &key, &title, &link, now).await?;
    }
    tx.commit().await
}
