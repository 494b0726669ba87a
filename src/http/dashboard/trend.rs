//! An organization's last twelve months of each figure, as small bar charts.
use super::super::access::Admin;
use super::super::context::Page;
use super::super::form::render;
use super::super::{AppState, Ctx};
use super::{DashQuery, select};
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::dashboard::{Figures, PeriodKind, percent, recent_months};
use crate::domain::orglife::Period;
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

#[derive(Template)]
#[template(path = "dashboard_trend.html")]
struct TrendPage {
    page: Page,
    org: Org,
    back: String,
    /// The last month shown, the one `latest` is of.
    latest_month: String,
    charts: Vec<Chart>,
}

/// Twelve bars over a baseline, each with its value above and its month under it, the year
/// under the first month and under each January; scaled to the largest (or to 100 for
/// shares), the scale's top written on the left.
pub fn chart(values: &[i64], months: &[Period], max: Option<i64>) -> String {
    let top = max
        .unwrap_or_else(|| values.iter().copied().max().unwrap_or(0))
        .max(1);
    let first = months.first().map(|p| p.label()).unwrap_or_default();
    let last = months.last().map(|p| p.label()).unwrap_or_default();
    let mut svg = format!(
        r#"<svg class="trend" width="390" height="140" viewBox="0 0 390 140" role="img" aria-label="{first}至{last}"><text x="26" y="22" class="trend-axis">{top}</text><line x1="28" y1="18" x2="28" y2="100" class="trend-line"/><line x1="28" y1="100" x2="388" y2="100" class="trend-line"/><text x="26" y="100" class="trend-axis">0</text>"#
    );
    for (i, (v, p)) in values.iter().zip(months).enumerate() {
        let h = (v.max(&0) * 80 / top).min(80);
        let x = i * 30 + 32;
        let m = p.start.month() as u8;
        let mid = x + 11;
        svg.push_str(&format!(
            r#"<rect class="bar-fill" x="{x}" y="{}" width="22" height="{h}"><title>{}：{v}</title></rect><text x="{mid}" y="{}" class="trend-value">{v}</text><text x="{mid}" y="114" class="trend-label">{m}月</text>"#,
            100 - h,
            p.label(),
            96 - h,
        ));
        // The year under each January, and under the first month unless a January follows
        // at once (their labels would overlap).
        let january_next = months.get(1).is_some_and(|n| n.start.month() as u8 == 1);
        if m == 1 || (i == 0 && !january_next) {
            svg.push_str(&format!(
                r#"<text x="{mid}" y="128" class="trend-label">{}年</text>"#,
                p.start.year()
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A figure's name and how to read it from a month's figures.
type Series = (&'static str, fn(&Figures) -> i64);

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
            svg: chart(&values, &months, max),
        });
    }
    render(&TrendPage {
        page: ctx.page(format!("{} · 近12个月趋势", sel.org.name)),
        back: format!("/dashboard?{}", sel.link(sel.org.id)),
        latest_month: months.last().map(|p| p.label()).unwrap_or_default(),
        org: sel.org,
        charts,
    })
}
