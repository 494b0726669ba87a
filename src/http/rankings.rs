//! 排行榜: members within the branch, the town and the county; branches within the town.
use super::access::Member;
use super::context::Page;
use super::form::{Choice, choices, render};
use super::{AppState, Ctx};
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::ranking::Tally;
use crate::error::AppResult;
use crate::http::form::Query;
use crate::rankings::{Period, Standing};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RankQuery {
    scope: String,
    period: String,
}

pub struct Row {
    pub rank: i64,
    pub name: String,
    pub score: i64,
    pub me: bool,
}

pub struct OrgRow {
    pub rank: i64,
    pub name: String,
    pub per_member: String,
    pub badges: i64,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "rankings.html")]
struct RankingsPage {
    page: Page,
    scopes: Vec<Choice>,
    periods: Vec<Choice>,
    rows: Vec<Row>,
    my_rank: i64,
    my_score: i64,
    ranked: usize,
    orgs: Vec<OrgRow>,
    /// The same scope and period ranked by badges earned.
    badge_rows: Vec<Row>,
    my_badge_rank: Option<i64>,
    my_badges: i64,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let scope_code = match q.scope.as_str() {
        "branch" | "town" | "county" => q.scope.clone(),
        _ => "county".to_string(),
    };
    let asked = std::time::Instant::now();
    let period = Period::from_code(&q.period).unwrap_or(Period::Month);
    let (branch, town, county) = state.rankings.scopes(&state.db, member).await?;
    let scope = match scope_code.as_str() {
        "branch" => branch,
        "town" => town,
        _ => county,
    };
    let now = now_epoch();
    let today = local_date(now);
    let standing = state
        .rankings
        .standing(
            &state.db,
            asked,
            (Tally::Points, scope, period),
            today,
            member,
            20,
        )
        .await?;
    let rows = named_rows(&state, &standing, member).await?;
    let badges = state
        .rankings
        .standing(
            &state.db,
            asked,
            (Tally::Badges, scope, period),
            today,
            member,
            20,
        )
        .await?;
    let badge_rows = named_rows(&state, &badges, member).await?;
    // Branches of the town by points per member in the period (from the boards), and by badges.
    let town_org = crate::store::orgs::get(&state.db, town).await?;
    let branches = crate::store::orgs::branch_tallies(&state.db, &town_org.path).await?;
    let ids: Vec<i64> = branches.iter().map(|b| b.id).collect();
    let totals = state
        .rankings
        .totals(&state.db, asked, &ids, period, today)
        .await?;
    let mut scored: Vec<(i64, String, f64, i64)> = branches
        .into_iter()
        .map(|b| {
            let points = totals.get(&b.id).copied().unwrap_or(0) as f64;
            let per_member = if b.members > 0 {
                points / b.members as f64
            } else {
                0.0
            };
            (b.id, b.name, per_member, b.badges)
        })
        .collect();
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.3.cmp(&a.3)));
    let mut orgs = Vec::new();
    for (i, (id, name, per, badges)) in scored.iter().enumerate() {
        // Ties share a rank.
        let rank = scored.iter().take(i).filter(|o| o.2 > *per).count() as i64 + 1;
        orgs.push(OrgRow {
            rank,
            name: name.clone(),
            per_member: format!("{per:.1}"),
            badges: *badges,
            mine: *id == branch,
        });
    }
    render(&RankingsPage {
        page: ctx.page("排行榜"),
        scopes: choices(
            [("branch", "本支部"), ("town", "本镇"), ("county", "全县")],
            &scope_code,
        ),
        periods: choices(
            Period::ALL.iter().map(|p| (p.code(), p.label())),
            period.code(),
        ),
        rows,
        my_rank: standing.my_rank,
        my_score: standing.my_score,
        ranked: standing.ranked,
        orgs,
        badge_rows,
        // None before the member's first badge.
        my_badge_rank: (badges.my_score > 0).then_some(badges.my_rank),
        my_badges: badges.my_score,
    })
}

/// The top of a board with the members' names.
async fn named_rows(state: &AppState, standing: &Standing, member: i64) -> AppResult<Vec<Row>> {
    let ids: Vec<i64> = standing.top.iter().map(|(_, m, _)| *m).collect();
    let names = crate::store::members::names(&state.db, &ids).await?;
    Ok(standing
        .top
        .iter()
        .map(|(rank, m, score)| Row {
            rank: *rank,
            name: names.get(m).cloned().unwrap_or_default(),
            score: *score,
            me: *m == member,
        })
        .collect())
}
