//! 数据大屏: the headline figures, the organizations' bars with their tier and open
//! findings, the tiers' spread and a year's trend, for the office's big screen — dark, large,
//! one 1920×1080 screen, reloading itself every minute without JavaScript.
use super::super::access::Admin;
use super::super::form::render;
use super::super::{AppState, Ctx};
use super::trend::chart;
use super::{DashQuery, Row, rows, select};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::dashboard::{PeriodKind, last_complete, percent, recent_months};
use crate::domain::supervision::Tier;
use crate::error::AppResult;
use crate::http::form::Query;
use crate::store::dashboard;
use crate::store::supervision as findings;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// A row on the screen: the dashboard's row and its last complete month's tier.
pub struct WallRow {
    pub row: Row,
    pub tier: Option<Tier>,
}

#[derive(Template)]
#[template(path = "dashboard_wall.html")]
struct WallPage {
    title: String,
    period: String,
    updated: String,
    total: Row,
    rows: Vec<WallRow>,
    /// The month the tiers are of.
    tier_month: String,
    /// (tier, organizations in it) among the rows.
    tiers: Vec<(Tier, usize)>,
    trend: String,
}

pub async fn wall(
    State(state): State<AppState>,
    _ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let sel = select(&state, &actor, &q).await?;
    let (total, rows) = rows(&state, &sel, &q).await?;
    let now = now_epoch();
    let month = last_complete(PeriodKind::Month, sel.today);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let scores = findings::tiers_of(&state.db, month.start, &ids).await?;
    let rows: Vec<WallRow> = rows
        .into_iter()
        .map(|row| WallRow {
            tier: scores.get(&row.id).map(|s| s.tier),
            row,
        })
        .collect();
    let tiers = Tier::ALL
        .iter()
        .map(|t| (*t, rows.iter().filter(|r| r.tier == Some(*t)).count()))
        .collect();
    let months = recent_months(sel.today, 12);
    let figures = dashboard::trend(&state.db, PeriodKind::Month, &months, sel.org.id, now).await?;
    let completion: Vec<i64> = figures
        .iter()
        .map(|f| percent(f.items_red, f.items()))
        .collect();
    render(&WallPage {
        title: sel.org.name.clone(),
        period: sel.label(),
        updated: format_minute(now),
        total,
        rows,
        tier_month: month.label(),
        tiers,
        trend: chart(&completion, &months, Some(100)),
    })
}
