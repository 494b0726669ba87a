//! An organization's last twelve months of each figure, as small bar charts.
use super::super::access::Admin;
use super::super::context::Page;
use super::super::form::render;
use super::super::{AppState, Ctx};
use super::{DashQuery, select};
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::dashboard::{Figures, PeriodKind, percent, recent_months};
use crate::error::AppResult;
use crate::http::form::Query;
use crate::store::dashboard;
use crate::store::orgs::Org;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// One figure over the months: its name, the chart, and the latest value in words.
pub struct Chart {
    pub title: &'static str,
    pub svg: String,
    pub latest: String,
}

/// Twelve bars with their month under each, scaled to the largest (or to 100 for shares).
fn chart(values: &[i64], months: &[String], max: Option<i64>) -> String {
    let top = max
        .unwrap_or_else(|| values.iter().copied().max().unwrap_or(0))
        .max(1);
    let mut svg = String::from(
        r#"<svg class="trend" width="360" height="110" viewBox="0 0 360 110" role="img" aria-label="近12个月">"#,
    );
    for (i, (v, m)) in values.iter().zip(months).enumerate() {
        let h = (v.max(&0) * 80 / top).min(80);
        let x = i * 30 + 4;
        svg.push_str(&format!(
            r#"<rect class="bar-fill" x="{x}" y="{}" width="22" height="{h}"><title>{m}：{v}</title></rect><text x="{}" y="106" class="trend-label">{m}</text>"#,
            90 - h,
            x + 11
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A figure's name and how to read it from a month's figures.
type Series = (&'static str, fn(&Figures) -> i64);

#[derive(Template)]
#[template(path = "dashboard_trend.html")]
struct TrendPage {
    page: Page,
    org: Org,
    back: String,
    charts: Vec<Chart>,
}

pub async fn trend(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let sel = select(&state, &actor, &q).await?;
    let now = now_epoch();
    let months = recent_months(local_date(now), 12);
    let figures = dashboard::trend(&state.db, PeriodKind::Month, &months, sel.org.id, now).await?;
    let labels: Vec<String> = months
        .iter()
        .map(|p| format!("{}月", p.start.month() as u8))
        .collect();
    let series = |f: fn(&Figures) -> i64| figures.iter().map(f).collect::<Vec<i64>>();
    let shares: [Series; 3] = [
        ("组织生活完成率（%）", |f| {
            percent(f.items_red, f.items())
        }),
        ("答题活跃率（%）", |f| {
            percent(f.active_answerers, f.members)
        }),
        ("阅读率（%）", |f| percent(f.readers, f.members)),
    ];
    let counts: [Series; 4] = [
        ("逾期项", |f| f.items_overdue),
        ("人均积分（×10）", |f| {
            if f.members > 0 {
                f.points * 10 / f.members
            } else {
                0
            }
        }),
        ("党员数", |f| f.members),
        ("本月新增党员", |f| f.new_members),
    ];
    let mut charts = Vec::new();
    for (title, f, max) in shares
        .iter()
        .map(|(t, f)| (*t, *f, Some(100)))
        .chain(counts.iter().map(|(t, f)| (*t, *f, None)))
    {
        let values = series(f);
        charts.push(Chart {
            title,
            latest: values.last().copied().unwrap_or(0).to_string(),
            svg: chart(&values, &labels, max),
        });
    }
    render(&TrendPage {
        page: ctx.page(format!("{} · 近12个月趋势", sel.org.name)),
        back: format!("/dashboard?{}", sel.link(sel.org.id)),
        org: sel.org,
        charts,
    })
}
