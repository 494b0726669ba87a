//! 云上擂台: the column where organizations learn from and compare with each other —
//! 擂台比武, 书记项目, 兵支书, 联村党总支, 党员先锋岗 and 好经验好做法.
pub mod contests;
pub mod experiences;
pub mod projects;
pub mod showcase;

use super::context::Page;
use super::form::{Id, render};
use super::{AppState, Ctx};
use crate::domain::arena;
use crate::domain::clock::{format_minute, local_date, now_epoch};
use crate::domain::org::{path_ids, town_or_county};
use crate::error::{AppError, AppResult};
use crate::store::arena::{self as store, Contest, Revision, ScoreRow};
use crate::store::orgs;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use contests::EntryView;

/// A contest in the column, with what the reader may do in it now.
pub struct ContestItem {
    pub contest: Contest,
    pub hint: &'static str,
}

#[derive(Template)]
#[template(path = "arena.html")]
struct ColumnPage {
    page: Page,
    ongoing: Vec<ContestItem>,
    published: Vec<ContestItem>,
    year: i32,
    per_town: Vec<(String, usize)>,
    year_total: usize,
    may_organize: bool,
}

/// The 擂台比武 column: contests under way that concern the reader, then every published
/// contest newest first, with this year's count per town.
pub async fn column(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mut ongoing = Vec::new();
    for c in store::unpublished(&state.db).await? {
        let judges = store::judges(&state.db, c.id).await?;
        let judge = judges.iter().any(|(u, _)| *u == actor.user_id);
        if !actor.may_view_contest(&c.org_path, false, judge) {
            continue;
        }
        let invites = store::invites(&state.db, c.id).await?;
        let hint = if judge {
            "待评分"
        } else if actor.administers(&c.org_path) {
            "组织中"
        } else if invites
            .iter()
            .any(|(_, p, _)| actor.may_enter_for(p, &c.org_path))
        {
            "可报名"
        } else if c.voting != 0 && actor.may_vote(&c.org_path) {
            "可投票"
        } else {
            "进行中"
        };
        ongoing.push(ContestItem { contest: c, hint });
    }
    let mut published = Vec::new();
    for c in store::published(&state.db, 100).await? {
        if !actor.reads_showcase(&c.org_path) {
            continue;
        }
        published.push(ContestItem {
            contest: c,
            hint: "",
        });
    }
    let year = local_date(now_epoch()).year();
    let organizers = store::organizers_in_year(&state.db, &year.to_string()).await?;
    let per_town = per_town(&state, &organizers).await?;
    render(&ColumnPage {
        page: ctx.page("擂台比武"),
        ongoing,
        published,
        year,
        year_total: organizers.len(),
        per_town,
        may_organize: actor.admin_roots().iter().any(|r| path_ids(r).len() <= 2),
    })
}

/// How many contests each town held (the county's own under its name), most first.
async fn per_town(state: &AppState, organizer_paths: &[String]) -> AppResult<Vec<(String, usize)>> {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for path in organizer_paths {
        let id = town_or_county(path);
        match counts.iter_mut().find(|(t, _)| *t == id) {
            Some(c) => c.1 += 1,
            None => counts.push((id, 1)),
        }
    }
    let ids: Vec<i64> = counts.iter().map(|c| c.0).collect();
    let names = orgs::by_ids(&state.db, &ids).await?;
    let mut named: Vec<(String, usize)> = counts
        .into_iter()
        .filter_map(|(id, n)| names.get(&id).map(|o| (o.name.clone(), n)))
        .collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(named)
}

/// Fills in the published results of entries from several contests.
async fn with_results(state: &AppState, views: &mut [EntryView]) -> AppResult<()> {
    let mut contests: Vec<i64> = views
        .iter()
        .filter(|v| v.entry.published_at.is_some())
        .map(|v| v.entry.contest_id)
        .collect();
    contests.dedup();
    for contest in contests {
        let criteria = store::criteria(&state.db, contest).await?;
        let scores: Vec<arena::Score> = store::scores(&state.db, contest)
            .await?
            .iter()
            .map(ScoreRow::score)
            .collect();
        let ids: Vec<i64> = store::entries(&state.db, contest)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        let outcomes = arena::results(&criteria, &ids, &scores);
        for v in views.iter_mut().filter(|v| v.entry.contest_id == contest) {
            v.outcome = outcomes.iter().find(|o| o.entry_id == v.entry.id).cloned();
        }
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "arena_org.html")]
struct OrgPage {
    page: Page,
    org: orgs::Org,
    entries: Vec<EntryView>,
}

/// An organization's entries across contests, oldest first: 比服务亮承诺，比业绩亮变化.
pub async fn org_entries(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id).await?;
    let mut entries = Vec::new();
    for e in store::entries_of_org(&state.db, id).await? {
        let contest = store::contest(&state.db, e.contest_id).await?;
        if actor.may_view_contest(&contest.org_path, contest.is_published(), false) {
            entries.push(e);
        }
    }
    if entries.is_empty() && !actor.reads_showcase(&org.path) {
        return Err(AppError::NotFound);
    }
    let mut entries = contests::entry_views(&state, entries).await?;
    with_results(&state, &mut entries).await?;
    render(&OrgPage {
        page: ctx.page(format!("{} · 擂台比武", org.name)),
        org,
        entries,
    })
}

#[derive(Template)]
#[template(path = "entry_show.html")]
struct EntryPage {
    page: Page,
    view: EntryView,
    contest: Contest,
    revisions: Vec<Revision>,
}

impl EntryPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// One entry whole: its report, figures, photos, video, result once published, and what
/// it said before each edit.
pub async fn entry(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let e = contests::entry_visible(&state, &ctx, id).await?;
    let contest = store::contest(&state.db, e.contest_id).await?;
    let mut views = contests::entry_views(&state, vec![e]).await?;
    with_results(&state, &mut views).await?;
    let view = views.pop().ok_or(AppError::NotFound)?;
    render(&EntryPage {
        page: ctx.page(format!("{} · 参赛材料", view.entry.org_name)),
        revisions: store::revisions(&state.db, id).await?,
        view,
        contest,
    })
}
