//! 领导班子: an organization's committee now, its term and when it ends, past elections, and
//! recording an election (换届) with the superior's approval.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, Pairs, choices, id_choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::committee::{
    ElectionEntry, OFFICES, SEATS, TermState, parse_election, term_years,
};
use crate::domain::org::OrgType;
use crate::domain::policy::Actor;
use crate::error::AppResult;
use crate::store::committees::{self, Committee, Seat};
use crate::store::members;
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "committee.html")]
struct CommitteePage {
    page: Page,
    org: Org,
    term_years: i32,
    /// The committee now with its seats and where its term stands.
    current: Option<(Committee, Vec<Seat>, TermState)>,
    past: Vec<(Committee, Vec<Seat>)>,
    /// The form: a row per seat, each with the members and offices to choose from.
    rows: Vec<(Vec<Choice>, Vec<Choice>)>,
    form: Pairs,
    errors: FieldErrors,
}

/// An organization with a committee the actor administers (not a 党小组); else 404.
async fn kept(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id).await.found_if(|o| {
        actor.administers(&o.path) && o.kind() != OrgType::PartyGroup && !o.is_dissolved()
    })
}

async fn page_of(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    form: Pairs,
    errors: FieldErrors,
) -> AppResult<CommitteePage> {
    let elections = committees::of_org(&state.db, org.id).await?;
    let ids: Vec<i64> = elections.iter().map(|c| c.id).collect();
    let seats = committees::seats_of(&state.db, &ids).await?;
    let seats_of = |c: &Committee| -> Vec<Seat> {
        seats
            .iter()
            .filter(|s| s.committee_id == c.id)
            .cloned()
            .collect()
    };
    let today = local_date(now_epoch());
    let mut elections = elections.into_iter();
    let current = elections.next().map(|c| {
        let s = seats_of(&c);
        let state = c.state_on(today);
        (c, s, state)
    });
    let past = elections
        .map(|c| {
            let s = seats_of(&c);
            (c, s)
        })
        .collect();
    let people = members::of_org(&state.db, org.id, &org.path).await?;
    let member_ids = form.all("member");
    let office_codes = form.all("office");
    let rows = (0..SEATS)
        .map(|i| {
            let member = member_ids.get(i).copied().unwrap_or_default();
            let office = office_codes.get(i).copied().unwrap_or_default();
            (
                id_choices(&people, member),
                choices(OFFICES.iter().map(|p| (p.code(), p.label())), office),
            )
        })
        .collect();
    Ok(CommitteePage {
        page: ctx.page(format!("{} · 领导班子", org.name)),
        term_years: term_years(org.kind()).unwrap_or(0),
        current,
        past,
        rows,
        form,
        errors,
        org,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = kept(&state, &actor, id).await?;
    render(&page_of(&state, &ctx, org, Pairs::default(), FieldErrors::default()).await?)
}

/// 换届: records an election; a branch's members' offices follow it.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    super::form::Form(fields): super::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(fields);
    let org = kept(&state, &actor, id).await?;
    let eligible: Vec<i64> = members::of_org(&state.db, org.id, &org.path)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (member_ids, offices) = (form.all("member"), form.all("office"));
    let entry = ElectionEntry {
        elected_on: form.get("elected_on"),
        approved_on: form.get("approved_on"),
        approval_ref: form.get("approval_ref"),
        seats: member_ids
            .iter()
            .zip(offices.iter())
            .map(|(m, o)| (*m, *o))
            .collect(),
    };
    let today = local_date(now_epoch());
    let election = match parse_election(&entry, org.kind(), &eligible, today) {
        Ok(e) => e,
        Err(errors) => return render_invalid(&page_of(&state, &ctx, org, form, errors).await?),
    };
    let names = members::names(
        &state.db,
        &election.seats.iter().map(|s| s.0).collect::<Vec<_>>(),
    )
    .await?;
    let mut tx = state.db.begin().await?;
    let now = now_epoch();
    committees::record(
        tx.conn(),
        org.id,
        org.kind().is_branch(),
        &election,
        actor.user_id,
        now,
    )
    .await?;
    let who: Vec<String> = election
        .seats
        .iter()
        .map(|(m, o)| format!("{}{}", o.label(), names.get(m).cloned().unwrap_or_default()))
        .collect();
    ctx.audit(
        &mut tx,
        "记录换届选举",
        &format!("组织 {} {}", org.id, org.name),
        &format!(
            "{}选举，{}",
            crate::domain::clock::format_date(election.elected_on),
            who.join("、")
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/committee", org.id),
        "已记录换届选举",
    ))
}
