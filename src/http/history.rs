//! 党史上的今天: members contribute entries for a day of the year; editors approve them (the
//! contributor earns points) or return them with a reason; everyone sees today's entries.
use super::access::{Editor, Member};
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, Id, ReviewForm, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{local_date, month_day, month_day_label, now_epoch, shift_month_day};
use crate::domain::history::{self as rules, EntryInput};
use crate::domain::points::LedgerKey;
use crate::domain::review::{Review, ReviewProblem};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::history::{self, Entry};
use crate::store::points;
use crate::store::review::{self, Submission};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// Today's approved entries, oldest year first (for the home page too).
pub async fn today(state: &AppState) -> AppResult<Vec<Entry>> {
    history::on_day(&state.db, &month_day(local_date(now_epoch()))).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct EntryForm {
    month: String,
    day: String,
    year: String,
    title: String,
    body: String,
    source: String,
}

impl EntryForm {
    fn parse(&self) -> Result<crate::domain::history::NewEntry, FieldErrors> {
        let this_year = i64::from(local_date(now_epoch()).year());
        rules::parse(
            &EntryInput {
                month: &self.month,
                day: &self.day,
                year: &self.year,
                title: &self.title,
                body: &self.body,
                source: &self.source,
            },
            this_year,
        )
    }
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    page: Page,
    /// The day shown, whether it is today, and the days around it ("MM-DD").
    day_label: String,
    is_today: bool,
    prev_day: String,
    next_day: String,
    /// The next day that has entries, when the day shown has none.
    next_with_entries: Option<(String, String)>,
    today: Vec<Entry>,
    mine: Vec<Entry>,
    form: EntryForm,
    errors: FieldErrors,
}

async fn history_page(
    state: &AppState,
    ctx: &Ctx,
    day: Option<String>,
    mut form: EntryForm,
    errors: FieldErrors,
) -> AppResult<HistoryPage> {
    let this_day = month_day(local_date(now_epoch()));
    let day = day.unwrap_or_else(|| this_day.clone());
    let entries = history::on_day(&state.db, &day).await?;
    let next_with_entries = if entries.is_empty() {
        history::next_day_with_entries(&state.db, &day)
            .await?
            .and_then(|md| Some((month_day_label(&md)?, md)))
    } else {
        None
    };
    if form.month.is_empty() && form.day.is_empty() {
        let (m, d) = day.split_once('-').unwrap_or_default();
        form.month = m.trim_start_matches('0').to_string();
        form.day = d.trim_start_matches('0').to_string();
    }
    let mine = match ctx.actor()?.member_id {
        Some(m) => history::by_member(&state.db, m).await?,
        None => vec![],
    };
    Ok(HistoryPage {
        page: ctx.page("党史上的今天"),
        day_label: month_day_label(&day).unwrap_or_default(),
        is_today: day == this_day,
        prev_day: shift_month_day(&day, -1).unwrap_or_default(),
        next_day: shift_month_day(&day, 1).unwrap_or_default(),
        next_with_entries,
        today: entries,
        mine,
        form,
        errors,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayQuery {
    day: String,
}

/// Today's entries, or another day's (`?day=MM-DD`); a day that does not exist is today.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DayQuery>,
) -> AppResult<Response> {
    let day = month_day_label(&q.day).map(|_| q.day.clone());
    let page = history_page(
        &state,
        &ctx,
        day,
        EntryForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

pub async fn contribute(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    crate::http::form::Form(form): crate::http::form::Form<EntryForm>,
) -> AppResult<Response> {
    let entry = match form.parse() {
        Ok(e) => e,
        Err(errors) => {
            return render_invalid(&history_page(&state, &ctx, None, form, errors).await?);
        }
    };
    let mut tx = state.db.begin().await?;
    let id = history::contribute(tx.conn(), &entry, Some(member.id), now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "投稿党史上的今天",
        &format!("条目 {id} {}", entry.title),
        &entry.month_day,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/history",
        "投稿已提交，内容编辑审核后发布",
    ))
}

#[derive(Template)]
#[template(path = "history_review.html")]
struct ReviewPage {
    page: Page,
    pending: Vec<Entry>,
}

/// 党史上的今天 is the county's: its editors review and correct it; a town's editor does not.
fn county_editor(actor: &crate::domain::policy::Actor) -> AppResult<()> {
    if actor.edits_county() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn review_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    county_editor(ctx.actor()?)?;
    render(&ReviewPage {
        page: ctx.page("党史上的今天 · 审核"),
        pending: history::pending(&state.db).await?,
    })
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<ReviewForm>,
) -> AppResult<Response> {
    county_editor(&editor)?;
    let back = "/history/review";
    let review = match Review::parse(&form.decision, &form.reason) {
        Ok(r) => r,
        Err(p @ ReviewProblem::ReasonMissing) => {
            return Ok(flash_redirect(&state, back, p.message()));
        }
        Err(p) => return Err(AppError::BadRequest(p.message().into())),
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let entry = history::get_in(tx.conn(), id).await?;
    let what = Submission::HistoryEntry;
    if !review::record(tx.conn(), what, id, &review, editor.user_id, now).await? {
        drop(tx);
        return Ok(flash_redirect(&state, back, "该投稿已审核"));
    }
    if review.approve
        && let Some(member) = entry.member_id
    {
        let reason = format!("党史上的今天：{}", entry.title);
        let key = LedgerKey::history_approved(id);
        points::credit(tx.conn(), member, &key, &reason, now).await?;
    }
    let action = if review.approve {
        "发布党史上的今天"
    } else {
        "退回党史上的今天"
    };
    ctx.audit(
        &mut tx,
        action,
        &format!("条目 {id} {}", entry.title),
        &review.reason,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        back,
        if review.approve {
            "已发布"
        } else {
            "已退回"
        },
    ))
}

#[derive(Template)]
#[template(path = "history_edit.html")]
struct EditPage {
    page: Page,
    id: i64,
    form: EntryForm,
    errors: FieldErrors,
}

pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
) -> AppResult<Response> {
    county_editor(&editor)?;
    let mut conn = state.db.conn().await?;
    let e = history::get_in(&mut conn, id).await?;
    drop(conn);
    let (month, day) = e.month_day.split_once('-').unwrap_or(("", ""));
    let form = EntryForm {
        month: month.trim_start_matches('0').to_string(),
        day: day.trim_start_matches('0').to_string(),
        year: e.year.to_string(),
        title: e.title,
        body: e.body,
        source: e.source,
    };
    render(&EditPage {
        page: ctx.page("修改党史上的今天"),
        id,
        form,
        errors: FieldErrors::default(),
    })
}

/// An editor corrects an entry (audited); it stays published.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<EntryForm>,
) -> AppResult<Response> {
    county_editor(&editor)?;
    let entry = match form.parse() {
        Ok(e) => e,
        Err(errors) => {
            return render_invalid(&EditPage {
                page: ctx.page("修改党史上的今天"),
                id,
                form,
                errors,
            });
        }
    };
    let mut tx = state.db.begin().await?;
    history::get_in(tx.conn(), id).await?;
    history::update(tx.conn(), id, &entry).await?;
    ctx.audit(
        &mut tx,
        "修改党史上的今天",
        &format!("条目 {id} {}", entry.title),
        &entry.month_day,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/history?day={}", entry.month_day),
        "已修改",
    ))
}

/// An editor takes a published entry off the calendar (撤下), audited; nothing is deleted.
pub async fn unpublish(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
) -> AppResult<Response> {
    county_editor(&editor)?;
    let mut tx = state.db.begin().await?;
    let e = history::get_in(tx.conn(), id).await?;
    if !history::unpublish(tx.conn(), id, editor.user_id, now_epoch()).await? {
        drop(tx);
        return Ok(flash_redirect(&state, "/history", "该条目未在发布中"));
    }
    ctx.audit(
        &mut tx,
        "撤下党史上的今天",
        &format!("条目 {id} {}", e.title),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/history?day={}", e.month_day),
        "已撤下",
    ))
}
