//! 云上阵地: a member's overview of their meetings, and by part: planning and recording
//! meetings (with leave), check-in, photos and materials, the red / yellow / grey
//! completion grids, the required items, and the member's calendar feed.
pub mod calendar;
pub mod checkin;
pub mod files;
pub mod grid;
pub mod meetings;
pub mod requirements;

use super::context::Page;
use super::form::render;
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::meetings::LeaveStatus;
use crate::domain::policy::Actor;
use crate::error::AppResult;
use crate::store::meetings::{self as store, Meeting};
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::access::Found;

/// A meeting the actor may see, else 404.
async fn visible_meeting(state: &AppState, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let m = store::get(&state.db, id).await?;
    let expected = match actor.member_id {
        Some(member) if !actor.may_view_orglife(&m.org_path) => {
            let mut conn = state.db.conn().await?;
            store::is_expected(&mut conn, id, member).await?
        }
        _ => false,
    };
    Ok(m).found_if(|m| actor.may_view_meeting(&m.org_path, expected))
}

/// A meeting the actor administers (plans, records, checks in for), else 404.
async fn administered_meeting(state: &AppState, actor: &Actor, id: i64) -> AppResult<Meeting> {
    store::get(&state.db, id)
        .await
        .found_if(|m| actor.administers(&m.org_path))
}

#[derive(Template)]
#[template(path = "orglife_home.html")]
struct OrglifeHome {
    page: Page,
    upcoming: Vec<UpcomingRow>,
    branch: Option<Org>,
    calendar_url: String,
}

struct UpcomingRow {
    m: Meeting,
    when: String,
    leave: String,
    can_ask_leave: bool,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let now = now_epoch();
    let mut upcoming = Vec::new();
    if let Some(member) = p.actor.member_id {
        for m in store::upcoming_for_member(&state.db, member, now).await? {
            let leave = store::leave_status(&state.db, m.id, member).await?;
            upcoming.push(UpcomingRow {
                when: format!(
                    "{} 至 {}",
                    format_minute(m.starts_at),
                    format_minute(m.ends_at)
                ),
                can_ask_leave: leave.is_none() && m.starts_at > now,
                leave: match leave {
                    Some(LeaveStatus::Refused) => "未准假，请按时参加".into(),
                    Some(status) => status.label().into(),
                    None => String::new(),
                },
                m,
            });
        }
    }
    let branch = match p.branch_id {
        Some(id) => Some(orgs::get(&state.db, id).await?),
        None => None,
    };
    let calendar_url = match p.actor.member_id {
        Some(m) => calendar::feed_path(&state, m).await?.unwrap_or_default(),
        None => String::new(),
    };
    render(&OrglifeHome {
        page: ctx.page("组织生活"),
        upcoming,
        branch,
        calendar_url,
    })
}
