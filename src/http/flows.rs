//! 流动党员: an organization's members working away (流出) and those from elsewhere taking part
//! here (流入), counted per organization below; a branch registers and ends them.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Form, Id, id_choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch};
use crate::domain::flow::{Direction, FlowEntry, parse_end, parse_flow};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::error::{AppError, AppResult};
use crate::store::flows::{self, FlowRow};
use crate::store::members;
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// One organization's counts: members flowing out, and in.
pub struct FlowCount {
    pub org_id: i64,
    pub name: String,
    pub out: usize,
    pub came: usize,
}

fn count(rows: &[FlowRow], path: &str) -> (usize, usize) {
    let open = rows
        .iter()
        .filter(|f| f.ended_on.is_none() && is_in_subtree(&f.branch_path, path));
    open.fold((0, 0), |(o, i), f| match f.direction() {
        Direction::Out => (o + 1, i),
        Direction::In => (o, i + 1),
    })
}

#[derive(Template)]
#[template(path = "flows.html")]
struct FlowsPage {
    page: Page,
    org: Org,
    is_branch: bool,
    total: (usize, usize),
    children: Vec<FlowCount>,
    out: Vec<FlowRow>,
    came: Vec<FlowRow>,
    ended: Vec<FlowRow>,
    members: Vec<Choice>,
    form: FlowForm,
    errors: FieldErrors,
    today: String,
    /// Meetings each member from elsewhere took part in: flow → meetings.
    attended: std::collections::HashMap<i64, i64>,
}

impl FlowsPage {
    fn attended_by(&self, flow: &i64) -> i64 {
        self.attended.get(flow).copied().unwrap_or(0)
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FlowForm {
    direction: String,
    member: String,
    name: String,
    phone: String,
    place: String,
    other_org: String,
    since: String,
}

async fn page_of(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    form: FlowForm,
    errors: FieldErrors,
) -> AppResult<FlowsPage> {
    let is_branch = org.kind().is_branch();
    let rows = flows::in_subtree(&state.db, &org.path, is_branch).await?;
    let children = if is_branch {
        vec![]
    } else {
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .filter(|c| c.kind() != OrgType::PartyGroup && !c.is_dissolved())
            .map(|c| {
                let (out, came) = count(&rows, &c.path);
                FlowCount {
                    org_id: c.id,
                    name: c.name,
                    out,
                    came,
                }
            })
            .collect()
    };
    let people = if is_branch {
        members::of_org(&state.db, org.id, &org.path).await?
    } else {
        vec![]
    };
    let total = count(&rows, &org.path);
    let incoming: Vec<i64> = rows
        .iter()
        .filter(|f| f.direction() == Direction::In)
        .map(|f| f.id)
        .collect();
    let attended = flows::meetings_attended(&state.db, &incoming).await?;
    let (mut out, mut came, mut ended) = (vec![], vec![], vec![]);
    for f in rows {
        match (f.ended_on.is_some(), f.direction()) {
            (true, _) => ended.push(f),
            (false, Direction::Out) => out.push(f),
            (false, Direction::In) => came.push(f),
        }
    }
    Ok(FlowsPage {
        page: ctx.page(format!("{} · 流动党员", org.name)),
        members: id_choices(&people, &form.member),
        is_branch,
        total,
        children,
        out,
        came,
        ended,
        org,
        form,
        errors,
        today: format_date(local_date(now_epoch())),
        attended,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    render(
        &page_of(
            &state,
            &ctx,
            org,
            FlowForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

/// The menu's 流动党员: the widest organization the administrator keeps.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    show(State(state), ctx, Admin(actor), Id(org.id)).await
}

/// A branch registers a member flowing out, or one from elsewhere flowing in.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<FlowForm>,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    if !org.kind().is_branch() || org.is_dissolved() {
        return Err(AppError::NotFound);
    }
    let eligible: Vec<i64> = members::of_org(&state.db, org.id, &org.path)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let entry = FlowEntry {
        direction: &form.direction,
        member: &form.member,
        name: &form.name,
        phone: &form.phone,
        place: &form.place,
        other_org: &form.other_org,
        since: &form.since,
    };
    let mut flow = match parse_flow(&entry, &eligible, local_date(now_epoch())) {
        Ok(f) => f,
        Err(errors) => return render_invalid(&page_of(&state, &ctx, org, form, errors).await?),
    };
    if let Some(member) = flow.member_id {
        flow.name = members::get(&state.db, member).await?.name;
    }
    let mut tx = state.db.begin().await?;
    let id = match flows::insert(
        tx.conn(),
        &state.keys,
        org.id,
        &flow,
        actor.user_id,
        now_epoch(),
    )
    .await
    {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let errors = FieldErrors::one("member", why);
            return render_invalid(&page_of(&state, &ctx, org, form, errors).await?);
        }
        Err(e) => return Err(e),
    };
    let what = match flow.direction {
        Direction::Out => format!("外出至{}，自{}", flow.place, format_date(flow.since)),
        Direction::In => format!("来自{}，自{}", flow.other_org, format_date(flow.since)),
    };
    ctx.audit(
        &mut tx,
        "登记流动党员",
        &format!("流动党员 {id} {}", flow.name),
        &format!("{}：{what}", flow.direction.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/flows", org.id),
        &format!("已登记{}（{}）", flow.name, flow.direction.label()),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    ended_on: String,
}

/// The flow ends: back home, or gone from the branch.
pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<EndForm>,
) -> AppResult<Response> {
    let f = flows::get(&state.db, id)
        .await
        .found_if(|f| actor.administers(&f.branch_path))?;
    let since = crate::domain::clock::parse_date(&f.since).unwrap_or(local_date(0));
    let on = match parse_end(&form.ended_on, since, local_date(now_epoch())) {
        Ok(on) => on,
        Err(why) => {
            let org = orgs::get(&state.db, f.branch_id).await?;
            let errors = FieldErrors::one("ended_on", why);
            return render_invalid(&page_of(&state, &ctx, org, FlowForm::default(), errors).await?);
        }
    };
    let mut tx = state.db.begin().await?;
    if !flows::end(tx.conn(), f.id, on).await? {
        return Err(AppError::Conflict("该流动党员登记已结束".into()));
    }
    ctx.audit(
        &mut tx,
        "结束流动党员登记",
        &format!("流动党员 {} {}", f.id, f.name),
        &format!("{}，{}结束", f.direction().label(), format_date(on)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/flows", f.branch_id),
        &format!("{}的流动登记已结束", f.name),
    ))
}

/// Members from elsewhere who may be recorded at a meeting: the open 流入 of its branch (for a
/// 党小组's meeting, its branch's) or of the branches below it.
pub async fn guest_candidates(
    state: &AppState,
    m: &crate::store::meetings::Meeting,
) -> AppResult<Vec<FlowRow>> {
    let wider = crate::domain::org::parent_path(&m.org_path).unwrap_or(&m.org_path);
    Ok(flows::in_subtree(&state.db, wider, false)
        .await?
        .into_iter()
        .filter(|f| {
            f.direction() == Direction::In
                && (is_in_subtree(&f.branch_path, &m.org_path)
                    || is_in_subtree(&m.org_path, &f.branch_path))
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GuestForm {
    flow: String,
}

/// The branch records that a member from elsewhere took part in its meeting: beside, not
/// among, its expected attendees (the attendance rate is its own members').
pub async fn add_guest(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<GuestForm>,
) -> AppResult<Response> {
    let m = crate::store::meetings::get(&state.db, id)
        .await
        .found_if(|m| actor.administers(&m.org_path))?;
    if m.is_closed() {
        return Err(AppError::Conflict(
            "会议记录已归档，不能再补记参加人员".into(),
        ));
    }
    let chosen = form.flow.trim().parse::<i64>().ok();
    let Some(f) = guest_candidates(&state, &m)
        .await?
        .into_iter()
        .find(|f| Some(f.id) == chosen)
    else {
        return Err(AppError::BadRequest("请选择在本支部登记的流入党员".into()));
    };
    let mut tx = state.db.begin().await?;
    flows::add_guest(tx.conn(), m.id, f.id, actor.user_id, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "记录流入党员参加会议",
        &format!("会议 {} {}", m.id, m.topic),
        &format!("{}（组织关系在{}）", f.name, f.other_org),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{}", m.id),
        &format!("已记录{}参加本次会议", f.name),
    ))
}
