//! Required-item rules: the product defaults, overridden per subtree from a period on.
use super::orgs::Org;
use crate::domain::org::path_ids;
use crate::domain::orglife::{
    Frequency, MeetingFacts, MeetingKind, Period, Requirement, Standard, applies_to,
    default_requirements, holds_meetings,
};
use crate::error::AppResult;
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub frequency: String,
    pub min_count: i64,
    pub need_minutes: i64,
    pub min_photos: i64,
    pub attendance_pct: i64,
    pub enabled: i64,
    pub effective_from: String,
}

/// Meetings' verdict facts by (organization, kind of meeting).
pub type FactsByKind = std::collections::HashMap<(i64, String), Vec<MeetingFacts>>;

pub fn facts_by_kind(rows: &[super::meetings::FactsRow]) -> FactsByKind {
    let mut out = FactsByKind::new();
    for f in rows {
        out.entry((f.org_id, f.kind.clone()))
            .or_default()
            .push(f.facts());
    }
    out
}

/// Calls `f` with each required item's period of each organization that holds meetings, and
/// that organization's meetings of the item's kind. The rule in force on `at` says how often
/// an item is due (`periods` picks which of its periods); each period is judged by the rule
/// in force on its first day, so a change applies from the next period on.
pub fn each_item_period(
    holders: &[Org],
    rules: &[RuleRow],
    facts: &FactsByKind,
    at: Date,
    periods: impl Fn(Frequency) -> Vec<Period>,
    mut f: impl FnMut(&Org, &Requirement, &Period, &[MeetingFacts]),
) {
    for org in holders.iter().filter(|o| holds_meetings(o.kind())) {
        let ancestry = path_ids(&org.path);
        for kind in MeetingKind::ALL
            .iter()
            .copied()
            .filter(|k| applies_to(*k, org.kind()))
        {
            let Some(rule) = effective(rules, &ancestry, kind, at) else {
                continue;
            };
            let meetings = facts
                .get(&(org.id, kind.code().to_string()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for period in periods(rule.frequency) {
                if let Some(req) = effective(rules, &ancestry, kind, period.start) {
                    f(org, &req, &period, meetings);
                }
            }
        }
    }
}

/// Every override (there are few); callers pick per organization and period.
pub async fn all(db: &super::Db) -> AppResult<Vec<RuleRow>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, kind, frequency, min_count, need_minutes, min_photos, attendance_pct, enabled, effective_from \
         FROM requirement_rules ORDER BY effective_from, id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// The requirement for `kind` in force for an organization (its ancestors' ids, root first)
/// on the period starting `period_start`; `None` when switched off.
pub fn effective(
    rules: &[RuleRow],
    ancestry: &[i64],
    kind: MeetingKind,
    period_start: Date,
) -> Option<Requirement> {
    let start = crate::domain::clock::format_date(period_start);
    // The deepest organization's newest rule that has begun wins.
    let best = rules
        .iter()
        .filter(|r| r.kind == kind.code() && r.effective_from <= start)
        .filter_map(|r| {
            ancestry
                .iter()
                .position(|a| *a == r.org_id)
                .map(|depth| (depth, r))
        })
        .max_by(|(da, a), (db, b)| {
            (da, &a.effective_from, a.id).cmp(&(db, &b.effective_from, b.id))
        })
        .map(|(_, r)| r);
    match best {
        Some(r) if r.enabled == 0 => None,
        Some(r) => Some(Requirement {
            kind,
            frequency: Frequency::from_code(&r.frequency).unwrap_or(Frequency::Monthly),
            min_count: r.min_count.max(1) as u32,
            standard: Standard {
                minutes: r.need_minutes != 0,
                photos: r.min_photos.max(0) as u32,
                attendance_pct: r.attendance_pct.clamp(0, 100) as u32,
            },
        }),
        None => default_requirements().into_iter().find(|d| d.kind == kind),
    }
}

pub async fn add(
    conn: &mut AnyConnection,
    org_id: i64,
    req: &Requirement,
    enabled: bool,
    effective_from: Date,
    by: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO requirement_rules (org_id, kind, frequency, min_count, need_minutes, min_photos, attendance_pct, enabled, effective_from, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        org_id,
        req.kind.code(),
        req.frequency.code(),
        i64::from(req.min_count),
        i64::from(req.standard.minutes),
        i64::from(req.standard.photos),
        i64::from(req.standard.attendance_pct),
        i64::from(enabled),
        crate::domain::clock::format_date(effective_from),
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rule(id: i64, org: i64, freq: &str, from: &str, enabled: i64) -> RuleRow {
        RuleRow {
            id,
            org_id: org,
            kind: "branch_committee".into(),
            frequency: freq.into(),
            min_count: 1,
            need_minutes: 1,
            min_photos: 2,
            attendance_pct: 90,
            enabled,
            effective_from: from.into(),
        }
    }

    #[test]
    fn a_change_applies_from_its_period_and_the_deepest_rule_wins() {
        let kind = MeetingKind::BranchCommittee;
        let rules = vec![
            rule(1, 1, "quarterly", "2026-04-01", 1),
            rule(2, 5, "monthly", "2026-07-01", 0),
        ];
        let ancestry = [1, 5, 9];
        // Before any override: the default (monthly, 1 photo, 80 %).
        let march = effective(&rules, &ancestry, kind, date!(2026 - 03 - 01)).unwrap();
        assert_eq!(
            (march.frequency, march.standard.photos),
            (Frequency::Monthly, 1)
        );
        // The county's rule from April.
        let may = effective(&rules, &ancestry, kind, date!(2026 - 05 - 01)).unwrap();
        assert_eq!(
            (may.frequency, may.standard.attendance_pct),
            (Frequency::Quarterly, 90)
        );
        // The town switched it off from July, for its subtree only.
        assert_eq!(
            effective(&rules, &ancestry, kind, date!(2026 - 07 - 01)),
            None
        );
        assert!(effective(&rules, &[1, 6, 10], kind, date!(2026 - 07 - 01)).is_some());
    }
}
