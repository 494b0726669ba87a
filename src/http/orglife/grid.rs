//! Completion at a glance: a red / yellow / grey cell per required item and period for an
//! organization (a branch with its party groups), and for a superior one row per branch
//! and general branch below, counted by colour.
use super::super::access::Found;
use super::super::context::Page;
use super::super::form::{Id, render};
use super::super::{AppState, Ctx};
use crate::domain::clock::{day_start, local_date, now_epoch};
use crate::domain::org::{OrgType, path_ids};
use crate::domain::orglife::{MeetingKind, applies_to, verdict};
use crate::error::AppResult;
use crate::store::meetings;
use crate::store::orgs::{self, Org};
use crate::store::requirements;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

pub struct GridCell {
    pub label: String,
    pub colour: &'static str,
    pub title: String,
}

pub struct GridRow {
    pub label: String,
    pub cells: Vec<GridCell>,
}

pub struct OrgRow {
    pub org: Org,
    pub red: usize,
    pub yellow: usize,
    pub grey: usize,
}

impl OrgRow {
    fn count(org: Org, rows: &[GridRow]) -> Self {
        let cells = rows.iter().flat_map(|r| r.cells.iter());
        let (mut red, mut yellow, mut grey) = (0usize, 0usize, 0usize);
        for c in cells {
            match c.colour {
                "red" => red += 1,
                "yellow" => yellow += 1,
                "grey" => grey += 1,
                _ => {}
            }
        }
        Self {
            org,
            red,
            yellow,
            grey,
        }
    }

    /// Percent of the periods due so far.
    pub fn pct(&self, n: &usize) -> usize {
        (n * 100)
            .checked_div(self.red + self.yellow + self.grey)
            .unwrap_or(0)
    }
}

#[derive(Template)]
#[template(path = "grid.html")]
struct GridPage {
    page: Page,
    org: Org,
    year: i32,
    rows: Vec<GridRow>,
    orgs: Vec<OrgRow>,
    totals: (usize, usize, usize),
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

/// Verdicts for one organization's required items over a year.
fn org_grid(
    org: &Org,
    year: i32,
    all_rules: &[requirements::RuleRow],
    facts: &[&meetings::FactsRow],
    now: i64,
) -> Vec<GridRow> {
    let ancestry = path_ids(&org.path);
    let mut rows = Vec::new();
    for kind in MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| applies_to(*k, org.kind()))
    {
        let jan = Date::from_calendar_date(year, time::Month::January, 1).expect("valid");
        let Some(req) = requirements::effective(all_rules, &ancestry, kind, jan) else {
            continue;
        };
        let kind_facts: Vec<_> = facts
            .iter()
            .filter(|f| f.kind == kind.code())
            .map(|f| f.facts())
            .collect();
        let mut cells = Vec::new();
        for period in req.frequency.periods_in(year) {
            // A rule changed mid-year applies from its period on.
            let Some(req) = requirements::effective(all_rules, &ancestry, kind, period.start)
            else {
                continue;
            };
            let v = verdict(&req, &period, &kind_facts, now);
            cells.push(GridCell {
                label: period.short_label(),
                colour: v.colour.css(),
                title: format!(
                    "{} {}：{}{}",
                    period.label(),
                    kind.label(),
                    v.colour.label(),
                    if v.reasons.is_empty() {
                        String::new()
                    } else {
                        format!("（{}）", v.reasons.join("；"))
                    }
                ),
            });
        }
        rows.push(GridRow {
            label: format!("{}（{}）", kind.label(), req.frequency.label()),
            cells,
        });
    }
    rows
}

pub async fn grid(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.may_view_orglife(&o.path))?;
    let now = now_epoch();
    let year = q
        .year
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(local_date(now).year());
    let from = day_start(Date::from_calendar_date(year, time::Month::January, 1).expect("valid"));
    let to = day_start(Date::from_calendar_date(year + 1, time::Month::January, 1).expect("valid"));
    let all_rules = requirements::all(&state.db).await?;
    let facts = meetings::facts(&state.db.pool, &org.path, from, to).await?;
    let mut by_org: HashMap<i64, Vec<&meetings::FactsRow>> = HashMap::new();
    for f in &facts {
        by_org.entry(f.org_id).or_default().push(f);
    }
    let empty = Vec::new();
    let grid_of = |o: &Org| {
        org_grid(
            o,
            year,
            &all_rules,
            by_org.get(&o.id).unwrap_or(&empty),
            now,
        )
    };
    let below = orgs::subtree(&state.db, &org.path).await?;
    // The organization's own items; a branch also shows its party groups' 党小组会.
    let mut rows = grid_of(&org);
    if org.kind().is_branch() {
        for g in below
            .iter()
            .filter(|o| o.parent_id == Some(org.id) && o.kind() == OrgType::PartyGroup)
        {
            for mut r in grid_of(g) {
                r.label = format!("{}·{}", g.name, r.label);
                rows.push(r);
            }
        }
    }
    // A superior sees one row per branch and general branch below, counted by colour.
    let org_rows: Vec<OrgRow> = if org.kind().is_branch() || org.kind() == OrgType::PartyGroup {
        vec![]
    } else {
        below
            .iter()
            .filter(|o| o.id != org.id && (o.kind().is_branch() || o.kind().is_general_branch()))
            .map(|o| OrgRow::count(o.clone(), &grid_of(o)))
            .collect()
    };
    let totals = org_rows.iter().fold((0, 0, 0), |t, r| {
        (t.0 + r.red, t.1 + r.yellow, t.2 + r.grey)
    });
    render(&GridPage {
        page: ctx.page(format!("{} · 组织生活完成情况", org.name)),
        org,
        year,
        rows,
        orgs: org_rows,
        totals,
    })
}
