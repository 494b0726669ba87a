//! A member's private iCalendar feed of their meetings: the address carries its own
//! signature, so a calendar app can subscribe without signing in.
use super::super::AppState;
use crate::domain::checkin::{calendar_claim, calendar_genuine, calendar_token};
use crate::domain::clock::now_epoch;
use crate::error::{AppError, AppResult};
use crate::store::meetings;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The feed's address for a member with an open account (none without one).
pub async fn feed_path(state: &AppState, member_id: i64) -> AppResult<Option<String>> {
    Ok(crate::store::users::calendar_version(&state.db, member_id)
        .await?
        .map(|v| {
            format!(
                "/calendar/{}.ics",
                calendar_token(&state.keys, member_id, v)
            )
        }))
}

fn ics_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

fn ics_time(t: i64) -> String {
    let u =
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        u.year(),
        u.month() as u8,
        u.day(),
        u.hour(),
        u.minute(),
        u.second()
    )
}

pub async fn calendar(
    State(state): State<AppState>,
    crate::http::form::PathText(file): crate::http::form::PathText,
) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let member = calendar_claim(token).ok_or(AppError::NotFound)?;
    // Only the current address of an open account: renewed or closed, it stops at once.
    let version = crate::store::users::calendar_version(&state.db, member)
        .await?
        .ok_or(AppError::NotFound)?;
    if !calendar_genuine(&state.keys, token, member, version) {
        return Err(AppError::NotFound);
    }
    let since = now_epoch() - 90 * 86_400;
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dangjian//orglife//ZH\r\nX-WR-CALNAME:党建云 组织生活\r\n",
    );
    for m in meetings::for_member_since(&state.db, member, since).await? {
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:meeting-{}@dangjian\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{}\r\nLOCATION:{}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            m.id,
            ics_time(now_epoch()),
            ics_time(m.starts_at),
            ics_time(m.ends_at),
            ics_escape(&format!("{}：{}", m.kind_label(), m.topic)),
            ics_escape(&m.place),
            ics_escape(&m.org_name),
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        out,
    )
        .into_response())
}

/// A member renews their calendar address: the old one stops at once (a leaked address).
pub async fn renew(
    State(state): State<AppState>,
    ctx: crate::http::Ctx,
    member: crate::http::access::Member,
) -> AppResult<Response> {
    let user = ctx.actor()?.user_id;
    let mut tx = state.db.begin().await?;
    crate::store::users::renew_calendar(tx.conn(), user).await?;
    ctx.audit(
        &mut tx,
        "更换日历订阅地址",
        &format!("党员 {}", member.id),
        "旧地址停用",
    )
    .await?;
    tx.commit().await?;
    Ok(crate::http::context::flash_redirect(
        &state,
        "/orglife#calendar",
        "已更换日历订阅地址，旧地址已停用，请在日历应用中重新订阅",
    ))
}
