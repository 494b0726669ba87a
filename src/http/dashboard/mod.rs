//! 数据看板: for each organization directly below the one chosen, its organizational life,
//! study and members in a period, with the subtree's total on top and the county's average
//! beside it; drill-down level by level to a branch's members, trends, the `.xlsx` export
//! and the wall display. Everything is read from the kept figures.
pub mod trend;
pub mod wall;

use super::access::{Admin, Found};
use super::context::Page;
use super::form::{Choice, choices, render};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch, parse_date};
use crate::domain::dashboard::{
    Figures, PeriodKind, active_threshold, is_partial, last_complete, per, percent, period_caption,
    same_days_before, same_days_caption, viewable_day,
};
use crate::domain::dues::Tally;
use crate::domain::orglife::Period;
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::dashboard::{self, MemberFigures};
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::Date;

/// Keeps the kept figures current after an organization's records changed. A failure is
/// logged rather than shown: the user's change is done, and the nightly rebuild catches up.
pub async fn records_changed(state: &AppState, org_id: i64) {
    let refreshed = async {
        let org = orgs::get(&state.db, org_id).await?;
        dashboard::refresh(&state.db, &org, now_epoch()).await
    }
    .await;
    if let Err(e) = refreshed {
        tracing::warn!(error = %e, org_id, "dashboard figures not refreshed");
    }
}

/// The tree changed shape (an organization added, moved or dissolved): the current periods
/// are rebuilt in the background, as subtree totals move with it.
pub fn tree_changed(state: &AppState) {
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = dashboard::rebuild_current(&db, now_epoch()).await {
            tracing::warn!(error = %e, "dashboard figures not rebuilt");
        }
    });
}

/// What the page's links and forms carry.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DashQuery {
    org: String,
    period: String,
    /// A day in the period (`YYYY-MM-DD`); the last complete period when empty.
    at: String,
    sort: String,
    /// "1" for descending.
    desc: String,
    q: String,
}

/// The organization and period a dashboard page shows.
pub struct Selection {
    pub org: Org,
    pub kind: PeriodKind,
    pub period: Period,
    pub today: Date,
}

impl Selection {
    /// The month whose 党费 the period shows: its last, or this month for one under way.
    pub fn dues_month(&self) -> crate::domain::dues::Month {
        let last_day = self.period.end - time::Duration::days(1);
        crate::domain::dues::Month::of(last_day.min(self.today))
    }

    /// The query string that shows `org` in this period.
    pub fn link(&self, org: impl std::borrow::Borrow<i64>) -> String {
        self.link_at(*org.borrow(), &self.period)
    }

    /// The query string that shows `org` in another period of the same kind.
    pub fn link_at(&self, org: i64, period: &Period) -> String {
        format!(
            "org={org}&period={}&at={}",
            self.kind.code(),
            format_date(period.start)
        )
    }

    pub fn label(&self) -> String {
        period_caption(self.kind, &self.period, self.today)
    }

    /// Still under way: the figures are so far.
    pub fn partial(&self) -> bool {
        is_partial(&self.period, self.today)
    }

    /// The other of the last complete period and the one under way, with its name: one tap
    /// between 上月 and 本月至今.
    pub fn toggle(&self) -> (String, String) {
        let (period, name) = if self.partial() {
            (
                last_complete(self.kind, self.today),
                format!("看上一{}（完整）", self.kind.label()),
            )
        } else {
            (
                self.kind.period_of(self.today),
                match self.kind {
                    PeriodKind::Month => "看本月至今".to_string(),
                    PeriodKind::Quarter => "看本季度至今".to_string(),
                    PeriodKind::Year => "看本年至今".to_string(),
                },
            )
        };
        (self.link_at(self.org.id, &period), name)
    }

    /// The period's first day, for the date field.
    pub fn at(&self) -> String {
        format_date(self.period.start)
    }
}

/// The administered organization and the period asked for; the actor's first subtree and
/// this month when not said. Another subtree's organization is not found.
pub async fn select(state: &AppState, actor: &Actor, q: &DashQuery) -> AppResult<Selection> {
    let org = match q.org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id).await,
        Err(_) => {
            let roots = actor.admin_roots();
            let first = orgs::at_roots(&state.db, &roots).await?;
            first.into_iter().next().ok_or(AppError::NotFound)
        }
    }
    .found_if(|o| actor.administers(&o.path))?;
    let kind = PeriodKind::from_code(&q.period).unwrap_or(PeriodKind::Month);
    let today = local_date(now_epoch());
    let period = match parse_date(&q.at) {
        Some(day) => kind.period_of(viewable_day(Some(day), today)),
        None => last_complete(kind, today),
    };
    Ok(Selection {
        org,
        kind,
        period,
        today,
    })
}

/// A column of the table: its key, heading and the value rows sort by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Members,
    New,
    Red,
    Overdue,
    Active,
    Read,
    Points,
    Badges,
    Dues,
}

impl Column {
    const ALL: [Column; 10] = [
        Column::Name,
        Column::Members,
        Column::New,
        Column::Red,
        Column::Overdue,
        Column::Active,
        Column::Read,
        Column::Points,
        Column::Badges,
        Column::Dues,
    ];

    fn code(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Members => "members",
            Column::New => "new",
            Column::Red => "red",
            Column::Overdue => "overdue",
            Column::Active => "active",
            Column::Read => "read",
            Column::Points => "points",
            Column::Badges => "badges",
            Column::Dues => "dues",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Column::Name => "组织",
            Column::Members => "党员",
            Column::New => "本期新增",
            Column::Red => "组织生活完成率",
            Column::Overdue => "逾期项",
            Column::Active => "答题活跃率",
            Column::Read => "阅读率",
            Column::Points => "人均积分",
            Column::Badges => "人均徽章",
            Column::Dues => "党费交纳率",
        }
    }

    fn value(self, r: &Row) -> f64 {
        let ratio = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        let f = &r.f;
        match self {
            Column::Name => 0.0,
            Column::Members => f.members as f64,
            Column::New => f.new_members as f64,
            Column::Red => ratio(f.items_red, f.items()),
            Column::Overdue => f.items_overdue as f64,
            Column::Active => ratio(f.active_answerers, f.members),
            Column::Read => ratio(f.readers, f.members),
            Column::Points => ratio(f.points, f.members),
            Column::Badges => ratio(f.badges, f.members),
            Column::Dues => ratio(r.dues.paid, r.dues.owed),
        }
    }
}

/// One organization's figures as the table shows them.
pub struct Row {
    pub id: i64,
    pub name: String,
    /// Whether the row leads further down.
    pub drill: bool,
    pub f: Figures,
    /// 数据预警: open 电子监察 findings in its subtree.
    pub open_findings: i64,
    /// 党费 of the period's last month (the month so far, for a period under way).
    pub dues: Tally,
}

impl Row {
    pub fn red_pct(&self) -> i64 {
        percent(self.f.items_red, self.f.items())
    }
    pub fn yellow_pct(&self) -> i64 {
        percent(self.f.items_yellow, self.f.items())
    }
    pub fn grey_pct(&self) -> i64 {
        percent(self.f.items_grey, self.f.items())
    }
    pub fn active_pct(&self) -> i64 {
        percent(self.f.active_answerers, self.f.members)
    }
    pub fn read_pct(&self) -> i64 {
        percent(self.f.readers, self.f.members)
    }
    pub fn points_per(&self) -> String {
        per(self.f.points, self.f.members)
    }
    pub fn badges_per(&self) -> String {
        per(self.f.badges, self.f.members)
    }
    /// The red / yellow / grey shares as one bar.
    pub fn colours_svg(&self) -> String {
        let (r, y) = (self.red_pct(), self.yellow_pct());
        if self.f.items() == 0 {
            return String::new();
        }
        format!(
            r#"<svg class="bar" width="100" height="12" viewBox="0 0 100 12" role="img" aria-label="红{r}% 黄{y}% 灰{g}%"><rect class="bar-grey" width="100" height="12"/><rect class="bar-yellow" width="{ry}" height="12"/><rect class="bar-red" width="{r}" height="12"/></svg>"#,
            g = self.grey_pct(),
            ry = r + y
        )
    }
    pub fn active_svg(&self) -> String {
        bar(self.active_pct())
    }
    pub fn read_svg(&self) -> String {
        bar(self.read_pct())
    }
}

/// A percentage as a bar, drawn on the server.
pub fn bar(pct: i64) -> String {
    let w = pct.clamp(0, 100);
    format!(
        r#"<svg class="bar" width="100" height="12" viewBox="0 0 100 12" aria-hidden="true"><rect class="bar-back" width="100" height="12"/><rect class="bar-fill" width="{w}" height="12"/></svg>"#
    )
}

/// A table heading that sorts by its column (again: the other way).
pub struct Heading {
    pub label: &'static str,
    pub href: String,
    pub mark: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    sel: Selection,
    crumbs: Vec<Org>,
    total: Row,
    /// Beside a period under way: the same days of the period before.
    before: Option<Row>,
    county: Option<Row>,
    rows: Vec<Row>,
    members: Vec<MemberFigures>,
    headings: Vec<Heading>,
    periods: Vec<Choice>,
    prev: String,
    next: String,
    threshold: i64,
    q: String,
    found: Vec<Org>,
    export: String,
    /// 发展党员 by stage today: the organization's and each one's below (the board's figures).
    /// 到期未换届 and terms ending within six months in the subtree, the late first.
    terms: Vec<(
        crate::store::committees::Committee,
        crate::domain::committee::TermState,
    )>,
    development: (
        crate::domain::development::Counts,
        Vec<super::development::CountLine>,
    ),
    /// 民主评议党员 of the last year due: shares of the organization and each one below (the
    /// 民主评议 page's figures).
    appraisal: (
        i32,
        crate::domain::appraisal::Shares,
        Vec<super::appraisals::ShareLine>,
    ),
    grades: &'static [crate::domain::appraisal::Grade],
}

/// The rows below the selection (organizations, or a branch's members), sorted.
async fn rows(state: &AppState, sel: &Selection, q: &DashQuery) -> AppResult<(Row, Vec<Row>)> {
    let now = now_epoch();
    dashboard::ensure(&state.db, sel.kind, &sel.period, now).await?;
    let (total, children) =
        dashboard::with_children(&state.db, sel.kind, &sel.period, sel.org.id).await?;
    // A branch's rows are its members; its party groups count in its total.
    let below = if sel.org.kind().is_branch() {
        vec![]
    } else {
        orgs::direct_children(&state.db, sel.org.id).await?
    };
    let mut rows: Vec<Row> = below
        .into_iter()
        .map(|c| Row {
            id: c.id,
            drill: c.kind() != crate::domain::org::OrgType::PartyGroup,
            name: c.name,
            f: children
                .iter()
                .find(|(id, _)| *id == c.id)
                .map(|x| x.1)
                .unwrap_or_default(),
            open_findings: 0,
            dues: Tally::default(),
        })
        .collect();
    // 党费 as the 党费收缴 page counts it, from the same ledgers.
    let month = sel.dues_month();
    let window = crate::store::dues::Window {
        first: month,
        last: month,
        through: crate::domain::dues::last_closed_month(sel.today),
    };
    let ledgers = crate::store::dues::counted_ledgers(&state.db, &sel.org.path, window).await?;
    let tallies = crate::store::dues::tallies_by_org(&ledgers, month);
    for r in &mut rows {
        r.dues = tallies.get(&r.id).copied().unwrap_or_default();
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).chain([sel.org.id]).collect();
    let open = crate::store::supervision::open_totals(&state.db, &ids).await?;
    for r in &mut rows {
        r.open_findings = open.get(&r.id).copied().unwrap_or(0);
    }
    // Unsorted, the rows keep the tree's own order.
    match Column::ALL.into_iter().find(|c| c.code() == q.sort) {
        Some(Column::Name) => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        Some(column) => rows.sort_by(|a, b| column.value(a).total_cmp(&column.value(b))),
        None => {}
    }
    if q.desc == "1" {
        rows.reverse();
    }
    let total = Row {
        id: sel.org.id,
        name: format!("{}（合计）", sel.org.name),
        drill: false,
        f: total,
        open_findings: open.get(&sel.org.id).copied().unwrap_or(0),
        dues: tallies.get(&sel.org.id).copied().unwrap_or_default(),
    };
    Ok((total, rows))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let sel = select(&state, &actor, &q).await?;
    let (total, rows) = rows(&state, &sel, &q).await?;
    let members = if sel.org.kind().is_branch() {
        dashboard::members_of(&state.db, sel.org.id, &sel.period).await?
    } else {
        vec![]
    };
    let before = match same_days_before(sel.kind, &sel.period, sel.today) {
        Some(window) => Some(Row {
            id: sel.org.id,
            name: same_days_caption(sel.kind, &window),
            drill: false,
            f: dashboard::first_days_total(&state.db, sel.kind, &window, sel.org.id).await?,
            open_findings: 0,
            dues: Tally::default(),
        }),
        None => None,
    };
    let county = match dashboard::county_total(&state.db, sel.kind, &sel.period).await? {
        Some((root, f)) if root != sel.org.id => Some(Row {
            id: root,
            name: "全县平均".into(),
            drill: false,
            f,
            open_findings: 0,
            dues: Tally::default(),
        }),
        _ => None,
    };
    let crumbs = orgs::ancestors(&state.db, &sel.org.path)
        .await?
        .into_iter()
        .filter(|o| o.id != sel.org.id && actor.administers(&o.path))
        .collect();
    let search = crate::domain::text::search(&q.q);
    let found = if search.is_empty() {
        vec![]
    } else {
        orgs::search(&state.db, &[sel.org.path.as_str()], &search, &[], 20).await?
    };
    let here = sel.link(sel.org.id);
    let headings = Column::ALL
        .into_iter()
        .map(|c| {
            let current = c.code() == q.sort;
            let desc = if current && q.desc != "1" { "1" } else { "" };
            Heading {
                label: c.heading(),
                href: format!("/dashboard?{here}&sort={}&desc={desc}", c.code()),
                mark: match (current, q.desc == "1") {
                    (false, _) => "",
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                },
            }
        })
        .collect();
    let today = local_date(now_epoch());
    let lines = super::development::lines_in(&state, &sel.org, false).await?;
    let development = super::development::counts_below(&state, &sel.org, &lines).await?;
    let terms = crate::store::committees::due_in(&state.db, &sel.org.path, today).await?;
    let year = super::appraisals::reported_year(&state).await?;
    let (shares, lines) = super::appraisals::shares_below(&state, &sel.org, year).await?;
    let step = |p: Period| format!("/dashboard?{}", sel.link_at(sel.org.id, &p));
    render(&DashboardPage {
        page: ctx.page(format!("{} · 数据看板", sel.org.name)),
        prev: step(sel.kind.previous(&sel.period)),
        next: step(sel.kind.period_of(sel.period.end)),
        periods: choices(
            PeriodKind::ALL.iter().map(|k| (k.code(), k.label())),
            sel.kind.code(),
        ),
        threshold: active_threshold(&sel.period, today),
        export: format!("/dashboard/export?{here}&sort={}&desc={}", q.sort, q.desc),
        q: search,
        found,
        crumbs,
        total,
        before,
        county,
        rows,
        members,
        headings,
        development,
        terms,
        appraisal: (year, shares, lines),
        grades: crate::domain::appraisal::Grade::ALL,
        sel,
    })
}

/// The table on screen as a spreadsheet: the same columns, the period in the title.
pub async fn export(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let sel = select(&state, &actor, &q).await?;
    let (total, rows) = rows(&state, &sel, &q).await?;
    let title = format!("{} 数据看板 {}", sel.org.name, sel.label());
    let header: Vec<String> = [
        "组织",
        "党员",
        "本期新增",
        "转入",
        "转出",
        "组织生活红（项）",
        "黄（项）",
        "灰（项）",
        "完成率%",
        "逾期项",
        "答题活跃人数",
        "答题活跃率%",
        "阅读人数",
        "阅读率%",
        "积分",
        "人均积分",
        "徽章",
        "人均徽章",
        "党费月份",
        "党费应交（人）",
        "党费已交（人）",
        "党费交纳率",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let line = |r: &Row| -> Vec<String> {
        let f = &r.f;
        vec![
            r.name.clone(),
            f.members.to_string(),
            f.new_members.to_string(),
            f.transferred_in.to_string(),
            f.transferred_out.to_string(),
            f.items_red.to_string(),
            f.items_yellow.to_string(),
            f.items_grey.to_string(),
            r.red_pct().to_string(),
            f.items_overdue.to_string(),
            f.active_answerers.to_string(),
            r.active_pct().to_string(),
            f.readers.to_string(),
            r.read_pct().to_string(),
            f.points.to_string(),
            r.points_per(),
            f.badges.to_string(),
            r.badges_per(),
            sel.dues_month().label(),
            r.dues.owed.to_string(),
            r.dues.paid.to_string(),
            r.dues.rate(),
        ]
    };
    let mut table = vec![header, line(&total)];
    table.extend(rows.iter().map(line));
    let name = format!("{}-{}.xlsx", sel.org.name, sel.label());
    super::stored::xlsx_response("数据看板", &title, &table, &name)
}
