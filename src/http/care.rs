//! 关怀帮扶: an organization's members in hardship and the visits made to them, counted per
//! organization below with the money given; a branch registers hardships (reviewed yearly)
//! and records visits with photos; the county or a town plans its 七一 and 春节 visits and sees
//! them ticked off.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Form, Id, choices, id_choices, render, render_invalid};
use super::stored::{check_photos, kept_if_written, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::care::{
    HardshipEntry, HardshipKind, MAX_PHOTOS, Occasion, Visit, VisitEntry, due_text, parse_hardship,
    parse_plan, parse_visit, plan_title,
};
use crate::domain::clock::{format_date, now_epoch, parse_date, today};
use crate::domain::dues::format_yuan;
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};
use crate::files::SavedPhoto;
use crate::store::care::{self, HardshipRow, PlanRow, VisitRow};
use crate::store::orgs::{self, Org};
use crate::store::{members, photos};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;
use time::Date;

/// One organization's figures: open hardships, and this year's visits and money.
#[derive(Debug, Clone, Default)]
pub struct CareCount {
    pub org_id: i64,
    pub name: String,
    pub hardships: usize,
    pub visits: usize,
    pub money_fen: i64,
}

impl CareCount {
    pub fn money(&self) -> String {
        format_yuan(self.money_fen)
    }
}

/// A plan as one organization's subtree carries it out: who is to be visited (members in
/// hardship, and whoever was visited under it), who was, and who is still waiting.
pub struct PlanProgress {
    pub plan: PlanRow,
    pub planned: usize,
    pub visited: usize,
    pub money_fen: i64,
    /// (member, name, branch) not yet visited.
    pub waiting: Vec<(i64, String, String)>,
}

impl PlanProgress {
    pub fn money(&self) -> String {
        format_yuan(self.money_fen)
    }
}

/// The year's figures of `org` and of each organization directly below it, from one reading
/// of the subtree: the care page's and the member-facing counts' one source.
fn counts(
    org: &Org,
    children: &[Org],
    hardships: &[HardshipRow],
    visits: &[VisitRow],
) -> (CareCount, Vec<CareCount>) {
    let of = |o: &Org| CareCount {
        org_id: o.id,
        name: o.name.clone(),
        hardships: hardships
            .iter()
            .filter(|h| h.ended_on.is_none() && is_in_subtree(&h.branch_path, &o.path))
            .count(),
        visits: visits
            .iter()
            .filter(|v| is_in_subtree(&v.branch_path, &o.path))
            .count(),
        money_fen: visits
            .iter()
            .filter(|v| is_in_subtree(&v.branch_path, &o.path))
            .map(|v| v.money_fen)
            .sum(),
    };
    (of(org), children.iter().map(of).collect())
}

/// A plan's progress within `root`'s subtree.
fn progress(
    plan: PlanRow,
    root: &str,
    hardships: &[HardshipRow],
    done: &[VisitRow],
) -> PlanProgress {
    let done: Vec<&VisitRow> = done
        .iter()
        .filter(|v| is_in_subtree(&v.branch_path, root))
        .collect();
    let visited: BTreeSet<i64> = done.iter().map(|v| v.member_id).collect();
    let waiting: Vec<(i64, String, String)> = hardships
        .iter()
        .filter(|h| {
            h.ended_on.is_none()
                && is_in_subtree(&h.branch_path, root)
                && is_in_subtree(&h.branch_path, &plan.org_path)
                && !visited.contains(&h.member_id)
        })
        .map(|h| (h.member_id, h.member_name.clone(), h.branch_name.clone()))
        .collect();
    PlanProgress {
        planned: visited.len() + waiting.len(),
        visited: visited.len(),
        money_fen: done.iter().map(|v| v.money_fen).sum(),
        waiting,
        plan,
    }
}

/// Plans that reach `org`: made by it, above it, or below it.
async fn plans_reaching(state: &AppState, org: &Org) -> AppResult<Vec<PlanRow>> {
    Ok(care::plans(&state.db)
        .await?
        .into_iter()
        .filter(|p| is_in_subtree(&org.path, &p.org_path) || is_in_subtree(&p.org_path, &org.path))
        .collect())
}

#[derive(Template)]
#[template(path = "care.html")]
struct CarePage {
    page: Page,
    org: Org,
    is_branch: bool,
    year: i32,
    total: CareCount,
    children: Vec<CareCount>,
    plans: Vec<PlanProgress>,
    hardships: Vec<HardshipRow>,
    visits: Vec<VisitRow>,
    /// Each visit's photos: (visit, photo id).
    photos: Vec<(i64, i64)>,
    members: Vec<Choice>,
    kinds: Vec<Choice>,
    occasions: Vec<Choice>,
    open_plans: Vec<Choice>,
    form: CareForm,
    errors: FieldErrors,
    today: Date,
}

impl CarePage {
    fn photos_of(&self, visit: &i64) -> Vec<i64> {
        self.photos
            .iter()
            .filter(|(v, _)| v == visit)
            .map(|(_, p)| *p)
            .collect()
    }
    fn review_due(&self, h: &HardshipRow) -> bool {
        h.review_due() <= self.today
    }
}

/// Every field of the care page's forms (one page, several forms): what was typed stays.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CareForm {
    member: String,
    kind: String,
    detail: String,
    since: String,
    verified_by: String,
    plan: String,
    visited_on: String,
    visitors: String,
    money: String,
    goods: String,
    note: String,
    occasion: String,
    year: String,
    due_on: String,
}

async fn page_of(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    form: CareForm,
    errors: FieldErrors,
) -> AppResult<CarePage> {
    let today = today();
    let year = today.year();
    let is_branch = org.kind().is_branch();
    let hardships = care::hardships_in(&state.db, &org.path, is_branch).await?;
    let start = Date::from_calendar_date(year, time::Month::January, 1).unwrap_or(today);
    let visits = care::visits_in(&state.db, &org.path, start, today).await?;
    let children: Vec<Org> = if is_branch {
        vec![]
    } else {
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .filter(|c| c.kind() != OrgType::PartyGroup && !c.is_dissolved())
            .collect()
    };
    let (total, children) = counts(&org, &children, &hardships, &visits);
    let mut plans = Vec::new();
    for p in plans_reaching(state, &org).await? {
        let done = care::visits_of_plan(&state.db, p.id).await?;
        plans.push(progress(p, &org.path, &hardships, &done));
    }
    let open_plans = plans
        .iter()
        .filter(|p| {
            parse_date(&p.plan.due_on).is_some_and(|d| d >= today - time::Duration::days(60))
        })
        .map(|p| (p.plan.id, p.plan.title()))
        .collect::<Vec<_>>();
    let people = if is_branch {
        members::of_org(&state.db, org.id, &org.path).await?
    } else {
        vec![]
    };
    let ids: Vec<i64> = visits.iter().map(|v| v.id).collect();
    let photos = photos::of(&state.db, photos::CARE_VISIT, &ids)
        .await?
        .into_iter()
        .map(|p| (p.owner_id, p.id))
        .collect();
    Ok(CarePage {
        page: ctx.page(format!("{} · 关怀帮扶", org.name)),
        members: id_choices(&people, &form.member),
        kinds: choices(
            HardshipKind::ALL.iter().map(|k| (k.code(), k.label())),
            &form.kind,
        ),
        occasions: choices(
            Occasion::ALL.iter().map(|k| (k.code(), k.label())),
            &form.occasion,
        ),
        open_plans: id_choices(&open_plans, &form.plan),
        is_branch,
        year,
        total,
        children,
        plans,
        hardships,
        visits,
        photos,
        org,
        form,
        errors,
        today,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    let form = CareForm {
        since: String::new(),
        visited_on: format_date(today()),
        year: today().year().to_string(),
        ..Default::default()
    };
    render(&page_of(&state, &ctx, org, form, FieldErrors::default()).await?)
}

/// The menu's 关怀帮扶: the widest organization the administrator keeps.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    show(State(state), ctx, Admin(actor), Id(org.id)).await
}

/// A branch the actor administers, with its members on the roster; else 404.
async fn branch_of(state: &AppState, actor: &Actor, id: i64) -> AppResult<(Org, Vec<i64>)> {
    let org = super::orgs::administered_unit(state, actor, id).await?;
    if !org.kind().is_branch() || org.is_dissolved() {
        return Err(AppError::NotFound);
    }
    let people = members::of_org(&state.db, org.id, &org.path)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok((org, people))
}

/// A branch registers a member's hardship.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<CareForm>,
) -> AppResult<Response> {
    let (org, people) = branch_of(&state, &actor, id).await?;
    let entry = HardshipEntry {
        member: &form.member,
        kind: &form.kind,
        detail: &form.detail,
        since: &form.since,
        verified_by: &form.verified_by,
    };
    let h = match parse_hardship(&entry, &people, today()) {
        Ok(h) => h,
        Err(errors) => return render_invalid(&page_of(&state, &ctx, org, form, errors).await?),
    };
    let name = members::get(&state.db, h.member_id).await?.name;
    let mut tx = state.db.begin().await?;
    let hid = match care::insert_hardship(tx.conn(), &h, today(), actor.user_id, now_epoch()).await
    {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let errors = FieldErrors::one("member", why);
            return render_invalid(&page_of(&state, &ctx, org, form, errors).await?);
        }
        Err(e) => return Err(e),
    };
    ctx.audit(
        &mut tx,
        "登记困难党员",
        &format!("困难党员 {hid} {name}"),
        &format!(
            "{}，自{}，核实人{}",
            h.kind.label(),
            format_date(h.since),
            h.verified_by
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/care", org.id),
        &format!("已登记{name}为困难党员"),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    still: String,
}

/// The yearly review: still in hardship, or no longer (the registration ends today).
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let h = care::hardship(&state.db, id)
        .await
        .found_if(|h| actor.administers(&h.branch_path))?;
    let still = form.still == "1";
    let mut tx = state.db.begin().await?;
    if !care::review_hardship(tx.conn(), h.id, still, today()).await? {
        return Err(AppError::Conflict("该困难党员登记已结束".into()));
    }
    let outcome = if still {
        "仍需帮扶"
    } else {
        "已脱困，结束登记"
    };
    ctx.audit(
        &mut tx,
        "复核困难党员",
        &format!("困难党员 {} {}", h.id, h.member_name),
        outcome,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/care", h.branch_id),
        &format!("{}：{outcome}", h.member_name),
    ))
}

/// A branch records a visit with its photos (multipart, up to six).
pub async fn visit(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let upload = read_upload(multipart, "照片太大：每张不能超过10MB").await?;
    let (org, people) = branch_of(&state, &actor, id).await?;
    let form = CareForm {
        member: upload.field("member").into(),
        plan: upload.field("plan").into(),
        visited_on: upload.field("visited_on").into(),
        visitors: upload.field("visitors").into(),
        money: upload.field("money").into(),
        goods: upload.field("goods").into(),
        note: upload.field("note").into(),
        ..Default::default()
    };
    let plans: Vec<i64> = plans_reaching(&state, &org)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let entry = VisitEntry {
        member: &form.member,
        plan: &form.plan,
        visited_on: &form.visited_on,
        visitors: &form.visitors,
        money: &form.money,
        goods: &form.goods,
        note: &form.note,
    };
    let pictures = upload.files("photos");
    let parsed = parse_visit(&entry, &people, &plans, today()).and_then(|v| {
        check_photos(&pictures, MAX_PHOTOS)
            .map(|_| v)
            .map_err(|why| FieldErrors::one("photos", why))
    });
    let v = match parsed {
        Ok(v) => v,
        Err(errors) => return render_invalid(&page_of(&state, &ctx, org, form, errors).await?),
    };
    let pictures: Vec<Vec<u8>> = pictures.into_iter().map(<[u8]>::to_vec).collect();
    let saved = save_photos(&state, &format!("care/{}", org.id), pictures).await?;
    let written = write_visit(&state, &ctx, &actor, &v, &saved).await;
    let name = kept_if_written(&state, &saved, written).await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/care", org.id),
        &format!("已记录对{name}的慰问"),
    ))
}

/// The visit, its photos' rows and the audit entry: one transaction. The member's name.
async fn write_visit(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    v: &Visit,
    saved: &[SavedPhoto],
) -> AppResult<String> {
    let name = members::get(&state.db, v.member_id).await?.name;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let id = care::insert_visit(tx.conn(), v, actor.user_id, now).await?;
    photos::attach(
        tx.conn(),
        (photos::CARE_VISIT, id),
        photos::IMAGE,
        0,
        saved,
        now,
    )
    .await?;
    ctx.audit(
        &mut tx,
        "记录慰问",
        &format!("慰问 {id} {name}"),
        &format!(
            "{}，{}，慰问金{}元{}，{}张照片",
            format_date(v.visited_on),
            v.visitors,
            format_yuan(v.money_fen),
            if v.goods.is_empty() {
                String::new()
            } else {
                format!("，{}", v.goods)
            },
            saved.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(name)
}

/// The county or a town plans its 七一 or 春节 visits.
pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<CareForm>,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    if org.kind().is_branch() || org.is_dissolved() {
        return Err(AppError::NotFound);
    }
    let parsed = match parse_plan(&form.occasion, &form.year, &form.due_on, today()) {
        Ok(p) => p,
        Err(errors) => return render_invalid(&page_of(&state, &ctx, org, form, errors).await?),
    };
    let mut tx = state.db.begin().await?;
    let pid = match care::insert_plan(tx.conn(), org.id, parsed, actor.user_id, now_epoch()).await {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let errors = FieldErrors::one("occasion", why);
            return render_invalid(&page_of(&state, &ctx, org, form, errors).await?);
        }
        Err(e) => return Err(e),
    };
    let title = plan_title(parsed.0, i64::from(parsed.1));
    ctx.audit(
        &mut tx,
        "制定慰问计划",
        &format!("慰问计划 {pid} {title}"),
        &format!("{}，{}", org.name, due_text(parsed.2)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/care", org.id),
        &format!("已制定{title}计划"),
    ))
}

/// A visit's photos, for whoever administers the member's branch.
pub async fn visit_visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let actor = ctx.actor()?;
    care::visit(&state.db, id)
        .await
        .found_if(|v| actor.administers(&v.branch_path))?;
    Ok(())
}
