//! 月度通报 on screen: the reports published to the actor (of their subtrees and of those
//! above them), each one as a page, a PDF and a spreadsheet; the county administrator
//! generates a past month again after its records changed.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, render, render_invalid};
use super::stored::bytes_response;
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, local_date, now_epoch, parse_date};
use crate::domain::dashboard::{PeriodKind, month_key, month_of_key};
use crate::domain::orglife::Period;
use crate::domain::paging::Paging;
use crate::domain::policy::Actor;
use crate::domain::report::{ReportContent, month_label};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::reports::{self as store, Report};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// "2026-11"; all months when empty.
    month: String,
    /// Part of an organization's name.
    q: String,
    page: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    page: Page,
    reports: Vec<Report>,
    total: i64,
    months: Vec<String>,
    month: String,
    q: String,
    page_no: i64,
    pages: i64,
    may_generate: bool,
    /// The month the generate form offers: the last one ended.
    last_month: String,
    errors: FieldErrors,
}

impl ListPage {
    fn label(&self, r: &Report) -> String {
        parse_date(&r.month).map(month_label).unwrap_or_default()
    }

    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

fn last_month() -> Period {
    PeriodKind::Month.previous(&PeriodKind::Month.period_of(local_date(now_epoch())))
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    q: &ListQuery,
    errors: FieldErrors,
) -> AppResult<ListPage> {
    let mut paging = Paging::parse(&q.page, PAGE_SIZE);
    let month = month_of_key(&q.month);
    let roots = actor.admin_roots();
    let start = month.as_ref().map(|m| m.start);
    let name = crate::domain::text::search(&q.q);
    let (mut reports, total) =
        store::visible(&state.db, &roots, start, &name, PAGE_SIZE, paging.offset()).await?;
    if let Some(last) = paging.past_end(total) {
        paging = last;
        reports = store::visible(&state.db, &roots, start, &name, PAGE_SIZE, paging.offset())
            .await?
            .0;
    }
    Ok(ListPage {
        page: ctx.page("月度通报"),
        reports,
        total,
        months: store::months(&state.db)
            .await?
            .into_iter()
            .filter_map(|m| parse_date(&m))
            .map(|d| month_key(&PeriodKind::Month.period_of(d)))
            .collect(),
        month: month.as_ref().map(month_key).unwrap_or_default(),
        q: name,
        page_no: paging.page,
        pages: paging.pages(total),
        may_generate: super::supervision::may_scan(state, actor).await?,
        last_month: month_key(&last_month()),
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    render(&list_page(&state, &ctx, &actor, &q, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    month: String,
}

/// 重新生成: a month that has ended, composed again from the records as they stand.
pub async fn generate(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(form): crate::http::form::Form<GenerateForm>,
) -> AppResult<Response> {
    if !super::supervision::may_scan(&state, &actor).await? {
        return Err(AppError::NotFound);
    }
    let Some(month) = month_of_key(&form.month).filter(|m| m.end <= last_month().end) else {
        let mut errors = FieldErrors::default();
        errors.add("month", "请选择已经结束的月份");
        let q = ListQuery::default();
        return render_invalid(&list_page(&state, &ctx, &actor, &q, errors).await?);
    };
    let changed = crate::reports::generate(&state.db, &month, now_epoch()).await?;
    let label = month_label(month.start);
    let mut tx = state.db.begin().await?;
    ctx.audit(
        &mut tx,
        "月度通报",
        "重新生成",
        &format!("{label}，{changed}份有变化"),
    )
    .await?;
    tx.commit().await?;
    let message = if changed == 0 {
        format!("{label}月度通报已重新生成，内容没有变化")
    } else {
        format!("{label}月度通报已重新生成，{changed}份有变化")
    };
    Ok(flash_redirect(
        &state,
        &format!("/reports?month={}", month_key(&month)),
        &message,
    ))
}

/// The report, when it is published to the actor; another's is 404.
async fn visible_report(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> AppResult<(Report, ReportContent)> {
    let report = store::get(&state.db, id)
        .await
        .found_if(|r| actor.may_view_report(&r.org_path))?;
    let content = report.content()?;
    Ok((report, content))
}

#[derive(Template)]
#[template(path = "report_show.html")]
struct ShowPage {
    page: Page,
    r: Report,
    c: ReportContent,
    generated: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Id(id): crate::http::form::Id,
) -> AppResult<Response> {
    let (r, c) = visible_report(&state, &actor, id).await?;
    render(&ShowPage {
        page: ctx.page(c.title.clone()),
        generated: format_minute(r.generated_at),
        r,
        c,
    })
}

/// "城关县委2026年11月党建工作月度通报.pdf".
fn file_name(c: &ReportContent, extension: &str) -> String {
    format!("{}.{extension}", c.title)
}

pub async fn pdf(
    State(state): State<AppState>,
    Admin(actor): Admin,
    crate::http::form::Id(id): crate::http::form::Id,
) -> AppResult<Response> {
    let (r, c) = visible_report(&state, &actor, id).await?;
    let footer = format!("{}　生成于{}", r.org_name, format_minute(r.generated_at));
    let name = file_name(&c, "pdf");
    let bytes = tokio::task::spawn_blocking(move || crate::pdf::report(&c, &footer))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(bytes_response(bytes, "application/pdf", Some(&name)))
}

pub async fn xlsx(
    State(state): State<AppState>,
    Admin(actor): Admin,
    crate::http::form::Id(id): crate::http::form::Id,
) -> AppResult<Response> {
    use crate::spreadsheet::{Table, write_tables};
    let (_, c) = visible_report(&state, &actor, id).await?;
    let notes: Vec<Option<String>> = c.sections.iter().map(|s| s.more_note()).collect();
    let tables: Vec<Table> = c
        .sections
        .iter()
        .zip(&notes)
        .enumerate()
        .map(|(i, (s, note))| {
            let mut titles = vec![s.title.as_str()];
            if i == 0 {
                titles = std::iter::once(c.title.as_str())
                    .chain(c.summary.iter().map(String::as_str))
                    .chain(titles)
                    .collect();
            }
            let mut rows: Vec<Vec<&str>> = vec![s.headings.iter().map(String::as_str).collect()];
            rows.extend(
                s.rows
                    .iter()
                    .map(|r| r.iter().map(String::as_str).collect()),
            );
            if let Some(note) = note {
                rows.push(vec![note.as_str()]);
            }
            Table {
                // "一、基本情况" → "基本情况": a sheet's name is short.
                sheet: s.title.split('、').nth(1).unwrap_or(&s.title),
                titles,
                rows,
            }
        })
        .collect();
    let bytes = write_tables(&tables).map_err(AppError::internal)?;
    Ok(bytes_response(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some(&file_name(&c, "xlsx")),
    ))
}
