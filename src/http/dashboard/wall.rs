//! 数据大屏: the headline figures and the organizations' bars for the office's big screen,
//! dark and large, reloading itself every minute without JavaScript.
use super::super::access::Admin;
use super::super::form::render;
use super::super::{AppState, Ctx};
use super::{DashQuery, Row, rows, select};
use crate::error::AppResult;
use crate::http::form::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "dashboard_wall.html")]
struct WallPage {
    title: String,
    period: String,
    updated: String,
    total: Row,
    rows: Vec<Row>,
}

pub async fn wall(
    State(state): State<AppState>,
    _ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let sel = select(&state, &actor, &q).await?;
    let (total, rows) = rows(&state, &sel, &q).await?;
    render(&WallPage {
        title: sel.org.name.clone(),
        period: sel.label(),
        updated: crate::domain::clock::format_minute(crate::domain::clock::now_epoch()),
        total,
        rows,
    })
}
