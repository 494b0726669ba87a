//! Completion at a glance: a red / yellow / grey cell per required item and period for an
//! organization (a branch with its party groups), and for a superior one row per branch
//! and general branch below, counted by colour.
use super::super::access::Found;
use super::super::context::Page;
use super::super::form::{Id, render};
use super::super::{AppState, Ctx};
use crate::domain::clock::{day_start, local_date, now_epoch};
use crate::domain::dashboard::PeriodKind;
use crate::domain::org::{OrgType, path_ids};
use crate::domain::orglife::{MeetingKind, applies_to, verdict};
use crate::error::AppResult;
use crate::http::form::Query;
use crate::store::meetings;
use crate::store::orgs::{self, Org};
use crate::store::{dashboard, requirements};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
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

/// A child organization's year, counted by colour from the kept figures.
pub struct OrgRow {
    pub org: Org,
    pub red: i64,
    pub yellow: i64,
    pub grey: i64,
}

impl OrgRow {
    /// Percent of the periods due so far.
    pub fn pct(&self, n: &i64) -> i64 {
        crate::domain::dashboard::percent(*n, self.red + self.yellow + self.grey)
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
    totals: (i64, i64, i64),
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
    // The organization's own items; a branch also shows its party groups' 党小组会.
    let groups: Vec<Org> = if org.kind().is_branch() {
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .filter(|o| o.kind() == OrgType::PartyGroup)
            .collect()
    } else {
        vec![]
    };
    let mut rows = Vec::new();
    for (o, prefix) in
        std::iter::once((&org, None)).chain(groups.iter().map(|g| (g, Some(&g.name))))
    {
        let facts = meetings::facts_of_org(&mut *state.db.conn().await?, o.id, from, to).await?;
        let facts: Vec<&meetings::FactsRow> = facts.iter().collect();
        for mut r in org_grid(o, year, &all_rules, &facts, now) {
            if let Some(name) = prefix {
                r.label = format!("{name}·{}", r.label);
            }
            rows.push(r);
        }
    }
    // A superior sees one row per organization directly below, from the kept figures; each
    // leads further down.
    let org_rows: Vec<OrgRow> = if org.kind().is_branch() || org.kind() == OrgType::PartyGroup {
        vec![]
    } else {
        let kind = PeriodKind::Year;
        let p =
            kind.period_of(Date::from_calendar_date(year, time::Month::January, 1).expect("valid"));
        dashboard::ensure(&state.db, kind, &p, now).await?;
        let (_, kept) = dashboard::with_children(&state.db, kind, &p, org.id).await?;
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .map(|o| {
                let f = kept
                    .iter()
                    .find(|k| k.0 == o.id)
                    .map(|k| k.1)
                    .unwrap_or_default();
                OrgRow {
                    org: o,
                    red: f.items_red,
                    yellow: f.items_yellow,
                    grey: f.items_grey,
                }
            })
            .filter(|r| r.red + r.yellow + r.grey > 0)
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
