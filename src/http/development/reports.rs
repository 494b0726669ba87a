//! 思想汇报: the applicant's own page and their quarterly report; their 培养联系人 and
//! 入党介绍人 read it and comment.
use super::super::access::Member;
use super::super::context::flash_redirect;
use super::super::form::{FieldErrors, Form, Id, render, render_invalid};
use super::super::{AppState, Ctx};
use super::person::{fresh_page, visible};
use super::today;
use crate::domain::clock::{format_date, format_minute, now_epoch, parse_date};
use crate::domain::development::{COMMENT_MAX_CHARS, REPORT_MAX_CHARS, report_quarter};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::{development, notifications, users};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// A report as the person's page lists it.
pub struct ReportLine {
    pub id: i64,
    pub quarter: String,
    pub body: String,
    pub submitted: String,
    pub comment: Option<String>,
    pub commented_by: String,
}

pub fn lines(reports: Vec<development::Report>) -> Vec<ReportLine> {
    reports
        .into_iter()
        .map(|r| ReportLine {
            id: r.id,
            quarter: parse_date(&r.quarter)
                .map(|d| report_quarter(d).label())
                .unwrap_or(r.quarter),
            body: r.body,
            submitted: format_minute(r.submitted_at),
            comment: r.comment,
            commented_by: r.commented_by_name.unwrap_or_default(),
        })
        .collect()
}

/// The person this account is on the path as.
fn own_id(ctx: &Ctx) -> AppResult<i64> {
    ctx.actor()?.applicant_id.ok_or(AppError::Forbidden)
}

pub async fn me(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (person, viewer) = visible(&state, ctx.actor()?, own_id(&ctx)?).await?;
    render(&fresh_page(&state, &ctx, person, viewer).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    body: String,
}

/// This quarter's 思想汇报; the contacts are told.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let (person, viewer) = visible(&state, ctx.actor()?, own_id(&ctx)?).await?;
    let quarter = report_quarter(today());
    let mut errors = FieldErrors::default();
    let body = text::required(&form.body, REPORT_MAX_CHARS).unwrap_or_else(|why| {
        errors.add("body", why);
        String::new()
    });
    let mut tx = state.db.begin().await?;
    if errors.is_empty()
        && let Err(AppError::Conflict(why)) = development::submit_report(
            tx.conn(),
            person.id,
            &format_date(quarter.start),
            &body,
            now_epoch(),
        )
        .await
    {
        errors.add("body", why);
    }
    if !errors.is_empty() {
        drop(tx);
        let mut page = fresh_page(&state, &ctx, person, viewer).await?;
        page.report_errors = errors;
        page.report_body = form.body;
        return render_invalid(&page);
    }
    let contacts = development::named_members(tx.conn(), person.id).await?;
    let title = format!(
        "{}提交了{}思想汇报，请阅后写下意见",
        person.name,
        quarter.label()
    );
    let link = format!("/development/people/{}", person.id);
    let key = format!("report:{}:{}", person.id, format_date(quarter.start));
    for (_, member, _) in contacts {
        if let Some(user) = users::account_of_member_in(tx.conn(), member).await? {
            notifications::notify(tx.conn(), user, &key, &title, &link, now_epoch()).await?;
        }
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/development/me",
        &format!("已提交{}思想汇报", quarter.label()),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentForm {
    comment: String,
}

/// A contact's comment on a report.
pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let mut conn = state.db.conn().await?;
    let report = development::report(&mut conn, id).await?;
    drop(conn);
    let (person, viewer) = visible(&state, ctx.actor()?, report.person_id).await?;
    if !viewer.contact {
        return Err(AppError::NotFound);
    }
    let comment = match text::required(&form.comment, COMMENT_MAX_CHARS) {
        Ok(c) => c,
        Err(why) => {
            let mut errors = FieldErrors::default();
            errors.add("comment", why);
            let mut page = fresh_page(&state, &ctx, person, viewer).await?;
            page.report_errors = errors;
            return render_invalid(&page);
        }
    };
    let mut tx = state.db.begin().await?;
    development::comment_report(tx.conn(), report.id, member.id, &comment, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "思想汇报意见",
        &format!("发展对象 {} {}", person.id, person.name),
        &comment,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/development/people/{}", person.id),
        "已写下意见",
    ))
}
