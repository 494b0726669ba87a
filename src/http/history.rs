//! 党史上的今天: members contribute entries for a day of the year; editors approve them (the
//! contributor earns points) or return them with a reason; everyone sees today's entries.
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, Id, Review, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{local_date, month_day, month_day_label, now_epoch, shift_month_day};
use crate::domain::points::PointRule;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::{audit, points};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub month_day: String,
    pub year: i64,
    pub title: String,
    pub body: String,
    pub source: String,
    pub status: String,
    pub return_reason: String,
    pub member_id: Option<i64>,
}

impl Entry {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "approved" => "已发布",
            "returned" => "已退回",
            _ => "待审核",
        }
    }
}

const COLUMNS: &str = "id, month_day, year, title, body, source, status, return_reason, member_id";

/// Today's approved entries, oldest year first (for the home page too).
pub async fn today(state: &AppState) -> AppResult<Vec<Entry>> {
    on_day(state, &month_day(local_date(now_epoch()))).await
}

/// A day's approved entries ("MM-DD"), oldest year first.
async fn on_day(state: &AppState, md: &str) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE month_day = $1 AND status = 'approved' ORDER BY year, id LIMIT 20"
    ))
    .bind(md)
    .fetch_all(&state.db.pool)
    .await?)
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
    let entries = on_day(state, &day).await?;
    let next_with_entries = if entries.is_empty() {
        // The next day round the year that has entries.
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT month_day FROM history_entries WHERE status = 'approved' \
             ORDER BY (CASE WHEN month_day > $1 THEN 0 ELSE 1 END), month_day LIMIT 1",
        )
        .bind(&day)
        .fetch_optional(&state.db.pool)
        .await?;
        found.and_then(|(md,)| Some((month_day_label(&md)?, md)))
    } else {
        None
    };
    if form.month.is_empty() && form.day.is_empty() {
        let (m, d) = day.split_once('-').unwrap_or_default();
        form.month = m.trim_start_matches('0').to_string();
        form.day = d.trim_start_matches('0').to_string();
    }
    let mine = match ctx.actor()?.member_id {
        Some(m) => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM history_entries WHERE member_id = $1 ORDER BY id DESC LIMIT 20"
        ))
        .bind(m)
        .fetch_all(&state.db.pool)
        .await?,
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

/// A day of the year, leap day included.
fn entered_month_day(month: &str, day: &str) -> Option<String> {
    let m: u8 = month.trim().parse().ok()?;
    let d: u8 = day.trim().parse().ok()?;
    time::Date::from_calendar_date(2024, time::Month::try_from(m).ok()?, d).ok()?;
    Some(format!("{m:02}-{d:02}"))
}

pub async fn contribute(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<EntryForm>,
) -> AppResult<Response> {
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let md = entered_month_day(&form.month, &form.day);
    if md.is_none() {
        errors.add("day", "请填写有效的月和日");
    }
    let this_year = i64::from(local_date(now_epoch()).year());
    let year = match form.year.trim().parse::<i64>() {
        Ok(y) if (1840..=this_year).contains(&y) => y,
        _ => {
            errors.add("year", format!("年份应在1840到{this_year}之间"));
            0
        }
    };
    let title = errors.check("title", text::required(&form.title, 60));
    let body = errors.check("body", text::required(&form.body, 2000));
    let source = errors.check("source", text::required(&form.source, 100));
    let (Some(md), true) = (md, errors.is_empty()) else {
        return render_invalid(&history_page(&state, &ctx, None, form, errors).await?);
    };
    let mut tx = state.db.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO history_entries (month_day, year, title, body, source, status, member_id, created_at) VALUES ($1,$2,$3,$4,$5,'pending',$6,$7) RETURNING id",
    )
    .bind(&md)
    .bind(year)
    .bind(&title)
    .bind(&body)
    .bind(&source)
    .bind(member)
    .bind(now_epoch())
    .fetch_one(tx.conn())
    .await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "投稿党史上的今天",
        &format!("条目 {id} {title}"),
        audit::OK,
        &md,
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

pub async fn review_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let pending = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE status = 'pending' ORDER BY id LIMIT 100"
    ))
    .fetch_all(&state.db.pool)
    .await?;
    render(&ReviewPage {
        page: ctx.page("党史上的今天 · 审核"),
        pending,
    })
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<super::form::ReviewForm>,
) -> AppResult<Response> {
    let Some(review) = Review::parse(&form)? else {
        return Ok(flash_redirect(
            &state,
            "/history/review",
            "退回时请写明原因",
        ));
    };
    let (approve, reason) = (review.approve, review.reason.clone());
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let entry: Entry = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM history_entries WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(tx.conn())
    .await?;
    let reviewer = ctx.actor()?.user_id;
    if !review
        .record(tx.conn(), "history_entries", id, reviewer, now)
        .await?
    {
        drop(tx);
        return Ok(flash_redirect(&state, "/history/review", "该投稿已审核"));
    }
    if approve && let Some(member) = entry.member_id {
        points::credit(
            tx.conn(),
            member,
            PointRule::HistoryApproved,
            &format!("history:{id}"),
            &format!("党史上的今天：{}", entry.title),
            now,
        )
        .await?;
    }
    let action = if approve {
        "发布党史上的今天"
    } else {
        "退回党史上的今天"
    };
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        action,
        &format!("条目 {id} {}", entry.title),
        audit::OK,
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/history/review",
        if approve { "已发布" } else { "已退回" },
    ))
}
