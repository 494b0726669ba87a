//! 互相监督、互相提醒: every member sees the red / yellow / grey of their town's branches side
//! by side (no member's name), and may remind a fellow member of their own branch about an
//! upcoming meeting or today's question — once a day for each pair.
use super::access::{Found, Member};
use super::context::{Page, flash_redirect};
use super::dashboard::Row;
use super::form::render;
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch};
use crate::domain::dashboard::PeriodKind;
use crate::domain::org::town_path;
use crate::error::{AppError, AppResult};
use crate::store::{dashboard, members, notifications, orgs, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "town.html")]
struct TownPage {
    page: Page,
    town: String,
    period: String,
    rows: Vec<Row>,
    my_branch: i64,
    fellows: Vec<(i64, String)>,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, member: Member) -> AppResult<Response> {
    let now = now_epoch();
    let p = PeriodKind::Month.period_of(local_date(now));
    let path = town_path(&member.branch_path).unwrap_or_else(|| member.branch_path.clone());
    let town = orgs::at_roots(&state.db, &[path.as_str()])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    dashboard::ensure(&state.db, PeriodKind::Month, &p, now).await?;
    let rows = dashboard::branches_in(&state.db, PeriodKind::Month, &p, &town.path)
        .await?
        .into_iter()
        .map(|(id, name, f)| Row {
            id,
            name,
            drill: false,
            f,
            // Members compare branches; warnings are for administrators.
            open_findings: 0,
            dues: Default::default(),
        })
        .collect();
    let (branch, branch_path) = members::placement(&state.db, member.id).await?;
    let fellows = members::of_org(&state.db, branch, &branch_path)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != member.id)
        .collect();
    render(&TownPage {
        page: ctx.page("比学赶超"),
        town: town.name,
        period: p.label(),
        rows,
        my_branch: branch,
        fellows,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemindForm {
    member: String,
    topic: String,
}

/// A reminder to a fellow member of one's own branch; the bell carries it.
pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Member,
    crate::http::form::Form(form): crate::http::form::Form<RemindForm>,
) -> AppResult<Response> {
    let (my_branch, _) = members::placement(&state.db, me.id).await?;
    let target = form.member.trim().parse::<i64>().unwrap_or_default();
    let fellow = members::get(&state.db, target)
        .await
        .found_if(|m| m.branch_id == my_branch && m.id != me.id)?;
    let (title, link) = match form.topic.as_str() {
        "daily" => ("提醒您：今天的每日一题还没答", "/daily"),
        "meeting" => ("提醒您：别忘了参加即将召开的组织生活", "/orglife"),
        _ => return Err(AppError::BadRequest("请选择提醒的事".into())),
    };
    let Some(user) = users::account_of_member(&state.db, fellow.id).await? else {
        return Ok(flash_redirect(
            &state,
            "/town",
            &format!("{}没有开通账号，请当面提醒", fellow.name),
        ));
    };
    let now = now_epoch();
    let key = format!(
        "remind:{}:{}:{}",
        me.id,
        fellow.id,
        format_date(local_date(now))
    );
    let from = ctx.principal()?.name.clone();
    let mut tx = state.db.begin().await?;
    let sent =
        notifications::notify(tx.conn(), user, &key, &format!("{from}{title}"), link, now).await?;
    tx.commit().await?;
    let msg = if sent {
        format!("已提醒{}", fellow.name)
    } else {
        format!("今天已经提醒过{}了", fellow.name)
    };
    Ok(flash_redirect(&state, "/town", &msg))
}
