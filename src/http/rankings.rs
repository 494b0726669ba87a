//! 排行榜: members within the branch, the town and the county; branches within the town.
use super::context::Page;
use super::form::{Choice, choices, render};
use super::{AppState, Ctx};
use crate::domain::clock::{local_date, now_epoch};
use crate::error::{AppError, AppResult};
use crate::rankings::Period;
use askama::Template;
use axum::extract::{Query, State};
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
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let scope_code = match q.scope.as_str() {
        "branch" | "town" | "county" => q.scope.clone(),
        _ => "county".to_string(),
    };
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
        .standing(&state.db, scope, period, today, member, 20)
        .await?;
    let ids: Vec<String> = standing.top.iter().map(|(_, m, _)| m.to_string()).collect();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        sqlx::query_as::<_, (i64, String)>(&format!(
            "SELECT id, name FROM members WHERE id IN ({})",
            ids.join(",")
        ))
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .collect()
    };
    let rows = standing
        .top
        .iter()
        .map(|(rank, m, score)| Row {
            rank: *rank,
            name: names.get(m).cloned().unwrap_or_default(),
            score: *score,
            me: *m == member,
        })
        .collect();
    // Branches of the town by points per member in the period (from the boards), and by badges.
    let town_org = crate::store::orgs::get(&state.db, town).await?;
    let (lo, hi) = crate::domain::org::subtree_range(&town_org.path);
    let branches: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT o.id, o.name, (SELECT COUNT(*) FROM members m WHERE m.branch_id = o.id), \
         (SELECT COUNT(*) FROM badges b WHERE b.holder_kind = 'org' AND b.holder_id = o.id) \
         FROM orgs o WHERE o.path >= $1 AND o.path < $2 AND o.dissolved_at IS NULL AND o.kind IN ('branch', 'joint_branch', 'temporary_branch')",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&state.db.pool)
    .await?;
    let ids: Vec<i64> = branches.iter().map(|b| b.0).collect();
    let totals = state
        .rankings
        .totals(&state.db, &ids, period, today)
        .await?;
    let raw: Vec<(i64, String, i64, i64, i64)> = branches
        .into_iter()
        .map(|(id, name, members, badges)| {
            (
                id,
                name,
                members,
                totals.get(&id).copied().unwrap_or(0),
                badges,
            )
        })
        .collect();
    let mut scored: Vec<(i64, String, f64, i64)> = raw
        .into_iter()
        .map(|(id, name, members, points, badges)| {
            (
                id,
                name,
                if members > 0 {
                    points as f64 / members as f64
                } else {
                    0.0
                },
                badges,
            )
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
    })
}
