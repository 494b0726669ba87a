//! 评先评优 (两优一先 and other honours): the county or a town opens a selection with quotas for
//! the organizations below it; branches (and towns) nominate with reasons; superiors approve
//! within the quota or return; the organizer publishes the list for 公示, reads the objections,
//! may withdraw a nominee, and awards the honours once 公示 is over.
use super::access::{Admin, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{
    Choice, FieldErrors, Form, Id, Pairs, choices, id_choices, render, render_invalid,
};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, format_minute, now_epoch, today};
use crate::domain::honour::{
    Category, OBJECTION_MAX_CHARS, Phase, SelectionEntry, Status, parse_reason, parse_selection,
    within_quota,
};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::policy::Actor;
use crate::domain::text::{optional, required};
use crate::error::{AppError, AppResult};
use crate::store::honours::{self, NewNomination, NominationRow, SelectionRow};
use crate::store::members;
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// Whether the actor takes part in a selection: they administer its organizer or something
/// within it.
fn takes_part(actor: &Actor, s: &SelectionRow) -> bool {
    actor.administers(&s.org_path)
        || actor
            .admin_roots()
            .iter()
            .any(|r| is_in_subtree(r, &s.org_path))
}

/// Where the actor nominates from in a selection: their widest administered organization
/// inside it, below the organizer.
fn nominating_root<'a>(actor: &'a Actor, s: &SelectionRow) -> Option<&'a str> {
    actor
        .admin_roots()
        .into_iter()
        .filter(|r| is_in_subtree(r, &s.org_path) && *r != s.org_path)
        .min_by_key(|r| r.len())
}

#[derive(Template)]
#[template(path = "honours.html")]
struct ListPage {
    page: Page,
    selections: Vec<SelectionRow>,
    /// Where a new selection would be opened, with the organizations below it.
    organizer: Option<Org>,
    children: Vec<Org>,
    categories: &'static [Category],
    form: Pairs,
    errors: FieldErrors,
    today: time::Date,
}

/// Where the actor would open a selection (the widest organization they keep, unless a
/// branch) and the organizations below it that get quotas.
async fn organizer_of(state: &AppState, actor: &Actor) -> AppResult<(Option<Org>, Vec<Org>)> {
    let widest = super::orgs::widest_administered(state, actor).await?;
    if widest.kind().is_branch() {
        return Ok((None, vec![]));
    }
    let children = orgs::direct_children(&state.db, widest.id)
        .await?
        .into_iter()
        .filter(|c| c.kind() != OrgType::PartyGroup && !c.is_dissolved())
        .collect();
    Ok((Some(widest), children))
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    form: Pairs,
    errors: FieldErrors,
) -> AppResult<ListPage> {
    let selections = honours::all(&state.db)
        .await?
        .into_iter()
        .filter(|s| takes_part(actor, s))
        .collect();
    let (organizer, children) = organizer_of(state, actor).await?;
    Ok(ListPage {
        page: ctx.page("评先评优"),
        selections,
        organizer,
        children,
        categories: Category::ALL,
        form,
        errors,
        today: today(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let mut form = Pairs::default();
    form.0.push(("year".into(), today().year().to_string()));
    form.0.push(("publicity_days".into(), "7".into()));
    render(&list_page(&state, &ctx, &actor, form, FieldErrors::default()).await?)
}

/// The county or a town opens a selection with quotas for the organizations below it.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(fields);
    let (Some(organizer), children) = organizer_of(&state, &actor).await? else {
        return Err(AppError::NotFound);
    };
    let keys: Vec<(i64, Category, String)> = children
        .iter()
        .flat_map(|c| {
            Category::ALL
                .iter()
                .map(move |k| (c.id, *k, format!("quota-{}-{}", c.id, k.code())))
        })
        .collect();
    let entry = SelectionEntry {
        title: form.get("title"),
        year: form.get("year"),
        nominate_until: form.get("nominate_until"),
        publicity_days: form.get("publicity_days"),
        quotas: keys
            .iter()
            .map(|(o, k, key)| (*o, *k, form.get(key)))
            .collect(),
    };
    let s = match parse_selection(&entry, today()) {
        Ok(s) => s,
        Err(errors) => {
            return render_invalid(&list_page(&state, &ctx, &actor, form, errors).await?);
        }
    };
    let mut tx = state.db.begin().await?;
    let id = honours::insert(tx.conn(), organizer.id, &s, actor.user_id, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "发起评先评优",
        &format!("评选 {id} {}", s.title),
        &format!(
            "{}，推荐截至{}，公示{}天，名额{}个",
            organizer.name,
            format_date(s.nominate_until),
            s.publicity_days,
            s.quotas.iter().map(|q| q.2).sum::<i64>()
        ),
    )
    .await?;
    for (org, _, _) in &s.quotas {
        crate::store::notifications::notify_admins(
            tx.conn(),
            *org,
            &format!("selection:{id}"),
            &format!("{}：请于{}前推荐", s.title, format_date(s.nominate_until)),
            &format!("/honours/{id}"),
            now_epoch(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{id}"),
        "评选已发起",
    ))
}

/// One quota and how much of it is used.
pub struct QuotaLine {
    pub org_name: String,
    pub category: Category,
    pub quota: i64,
    pub approved: usize,
    pub submitted: usize,
}

#[derive(Template)]
#[template(path = "honour_show.html")]
struct ShowPage {
    page: Page,
    s: SelectionRow,
    phase: Phase,
    quotas: Vec<QuotaLine>,
    nominations: Vec<NominationRow>,
    /// The actor reviews these (a superior of their branch, before 公示).
    reviewable: Vec<i64>,
    organizes: bool,
    objections: Vec<(i64, String, String, String, i64)>,
    /// Nominating: the categories, the members and the organizations the actor may put forward.
    categories: Vec<Choice>,
    members: Vec<Choice>,
    branches: Vec<Choice>,
    may_nominate: bool,
    form: Pairs,
    errors: FieldErrors,
}

impl ShowPage {
    fn reviews(&self, id: &i64) -> bool {
        self.reviewable.contains(id)
    }
    fn minute(&self, at: &i64) -> String {
        format_minute(*at)
    }
}

async fn selection(state: &AppState, actor: &Actor, id: i64) -> AppResult<SelectionRow> {
    honours::get(&state.db, id)
        .await
        .found_if(|s| takes_part(actor, s))
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    s: SelectionRow,
    form: Pairs,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let phase = s.phase(today());
    let organizes = actor.administers(&s.org_path);
    let all = honours::nominations(&state.db, s.id).await?;
    let rows = honours::quotas(&state.db, s.id).await?;
    let ids: Vec<i64> = rows.iter().map(|q| q.0).collect();
    let names = orgs::by_ids(&state.db, &ids).await?;
    let quotas = rows
        .into_iter()
        .filter_map(|(org, code, quota)| {
            let category = Category::from_code(&code)?;
            let of = |st: Status| {
                all.iter()
                    .filter(|n| {
                        n.quota_org_id == org && n.category() == category && n.status() == st
                    })
                    .count()
            };
            Some(QuotaLine {
                org_name: names.get(&org).map(|o| o.name.clone()).unwrap_or_default(),
                category,
                quota,
                approved: of(Status::Approved),
                submitted: of(Status::Submitted),
            })
        })
        .collect();
    let before_publicity = matches!(phase, Phase::Nominating | Phase::Reviewing);
    let reviewable = all
        .iter()
        .filter(|n| {
            before_publicity
                && n.status() == Status::Submitted
                && actor.is_superior_of(&n.branch_path)
        })
        .map(|n| n.id)
        .collect();
    let nominations = all
        .into_iter()
        .filter(|n| {
            organizes || actor.administers(&n.branch_path) || actor.is_superior_of(&n.branch_path)
        })
        .collect();
    let root = nominating_root(actor, &s).map(str::to_string);
    let may_nominate = phase == Phase::Nominating && root.is_some();
    let (members, branches) = match &root {
        Some(r) if may_nominate => {
            let unit = orgs::at_roots(&state.db, &[r.as_str()])
                .await?
                .into_iter()
                .next();
            match unit {
                Some(u) => {
                    let people = members::of_org(&state.db, u.id, &u.path).await?;
                    let units: Vec<(i64, String)> = orgs::subtree(&state.db, &u.path)
                        .await?
                        .into_iter()
                        .filter(|o| o.kind().is_branch())
                        .map(|o| (o.id, o.name))
                        .collect();
                    (
                        id_choices(&people, form.get("member")),
                        id_choices(&units, form.get("org")),
                    )
                }
                None => (vec![], vec![]),
            }
        }
        _ => (vec![], vec![]),
    };
    Ok(ShowPage {
        page: ctx.page(s.title.clone()),
        categories: choices(
            Category::ALL.iter().map(|c| (c.code(), c.label())),
            form.get("category"),
        ),
        objections: if organizes {
            honours::objections(&state.db, s.id).await?
        } else {
            vec![]
        },
        phase,
        quotas,
        nominations,
        reviewable,
        organizes,
        members,
        branches,
        may_nominate,
        s,
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let s = selection(&state, &actor, id).await?;
    render(
        &show_page(
            &state,
            &ctx,
            &actor,
            s,
            Pairs::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

/// A nomination: a member (优秀共产党员, 优秀党务工作者) or a branch (先进基层党组织) of the
/// nominator's own organization, with the reasons.
pub async fn nominate(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(fields);
    let s = selection(&state, &actor, id).await?;
    if s.phase(today()) != Phase::Nominating {
        return Err(AppError::Conflict("推荐已截止".into()));
    }
    let mut errors = FieldErrors::default();
    let category = Category::from_code(form.get("category"));
    if category.is_none() {
        errors.add("category", "请选择推荐类别");
    }
    // Anyone on the roster of the nominator's organization (the list shows the first 500), or
    // one of its branches.
    let root = nominating_root(&actor, &s).unwrap_or_default().to_string();
    let (member, org) = match category {
        Some(c) if c.is_org() => {
            let typed = form.get("org").trim().parse::<i64>().ok();
            let org = match typed {
                Some(id) => orgs::get(&state.db, id).await.ok(),
                None => None,
            };
            let ok = |o: &Org| {
                o.kind().is_branch() && !o.is_dissolved() && is_in_subtree(&o.path, &root)
            };
            (None, org.filter(ok).map(|o| o.id))
        }
        _ => {
            let typed = form.get("member").trim().parse::<i64>().ok();
            let m = match typed {
                Some(id) => members::get(&state.db, id).await.ok(),
                None => None,
            };
            let ok =
                |m: &members::Member| m.left_on.is_none() && is_in_subtree(&m.branch_path, &root);
            (m.filter(ok).map(|m| m.id), None)
        }
    };
    match (category, member, org) {
        (Some(c), None, None) if c.is_org() => errors.add("org", "请选择本组织的党支部"),
        (Some(_), None, None) => errors.add("member", "请选择本组织的党员"),
        _ => {}
    }
    let reason = errors.check("reason", parse_reason(form.get("reason")));
    // The branch the nominee belongs to, and the quota it counts against.
    let branch = match (member, org) {
        (Some(m), _) => Some(members::get(&state.db, m).await?.branch_id),
        (None, Some(o)) => Some(o),
        _ => None,
    };
    let branch = match branch {
        Some(b) => Some(orgs::get(&state.db, b).await?),
        None => None,
    };
    let quota_org = branch.as_ref().and_then(|b| {
        crate::domain::org::path_ids(&b.path)
            .into_iter()
            .skip_while(|i| *i != s.org_id)
            .nth(1)
    });
    if branch.is_some() && quota_org.is_none() {
        errors.add("member", "该对象不在本次评选范围内");
    }
    let (Some(c), Some(b), Some(q), true) = (category, branch, quota_org, errors.is_empty()) else {
        return render_invalid(&show_page(&state, &ctx, &actor, s, form, errors).await?);
    };
    let new = NewNomination {
        selection: s.id,
        category: c,
        member,
        org,
        branch: b.id,
        quota_org: q,
        reason: &reason,
    };
    let mut tx = state.db.begin().await?;
    let nid = match honours::nominate(tx.conn(), &new, actor.user_id, now_epoch()).await {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let errors = FieldErrors::one("category", why);
            return render_invalid(&show_page(&state, &ctx, &actor, s, form, errors).await?);
        }
        Err(e) => return Err(e),
    };
    ctx.audit(
        &mut tx,
        "推荐评先评优对象",
        &format!("推荐 {nid} {}", s.title),
        &format!("{}，{}", c.label(), b.name),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}", s.id),
        "推荐已提交，等待上级审核",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    decision: String,
    note: String,
}

/// A superior of the nominating branch approves (within the quota) or returns a nomination.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let n = honours::nomination(&state.db, id).await?;
    let s = selection(&state, &actor, n.selection_id).await?;
    if !actor.is_superior_of(&n.branch_path) {
        return Err(AppError::NotFound);
    }
    if !matches!(s.phase(today()), Phase::Nominating | Phase::Reviewing) {
        return Err(AppError::Conflict("已进入公示，不能再审核".into()));
    }
    let approve = form.decision == "approve";
    let note = if approve {
        optional(&form.note, crate::domain::honour::NOTE_MAX_CHARS)
    } else {
        required(&form.note, crate::domain::honour::NOTE_MAX_CHARS)
    }
    .map_err(|m| AppError::BadRequest(format!("退回理由：{m}")))?;
    let quota = honours::quotas(&state.db, s.id)
        .await?
        .into_iter()
        .find(|(o, c, _)| *o == n.quota_org_id && *c == n.category)
        .map(|q| q.2)
        .unwrap_or(0);
    let mut tx = state.db.begin().await?;
    if approve {
        let used = honours::approved_against(tx.conn(), s.id, n.quota_org_id, n.category()).await?;
        within_quota(used, quota).map_err(AppError::Conflict)?;
    }
    let to = if approve {
        Status::Approved
    } else {
        Status::Returned
    };
    if !honours::set_status(tx.conn(), n.id, Status::Submitted, to, &note, actor.user_id).await? {
        return Err(AppError::Conflict("该推荐已审核".into()));
    }
    ctx.audit(
        &mut tx,
        "审核评先评优推荐",
        &format!("推荐 {} {}", n.id, n.nominee),
        &format!(
            "{}{}",
            to.label(),
            if note.is_empty() {
                String::new()
            } else {
                format!("：{note}")
            }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}", s.id),
        &format!("{}：{}", n.nominee, to.label()),
    ))
}

/// The organizer's steps after review: publish for 公示, withdraw a nominee after an
/// objection, award once 公示 is over.
async fn organized(state: &AppState, actor: &Actor, id: i64) -> AppResult<SelectionRow> {
    honours::get(&state.db, id)
        .await
        .found_if(|s| actor.administers(&s.org_path))
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let s = organized(&state, &actor, id).await?;
    if s.phase(today()) != Phase::Reviewing {
        return Err(AppError::Conflict("推荐截止、审核完成后才能公示".into()));
    }
    let mut tx = state.db.begin().await?;
    if !honours::publish(tx.conn(), s.id, today()).await? {
        return Err(AppError::Conflict("已公示".into()));
    }
    ctx.audit(
        &mut tx,
        "公示评先评优名单",
        &format!("评选 {} {}", s.id, s.title),
        &format!("自{}起公示{}天", format_date(today()), s.publicity_days),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}", s.id),
        "名单已公示",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WithdrawForm {
    note: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<WithdrawForm>,
) -> AppResult<Response> {
    let n = honours::nomination(&state.db, id).await?;
    let s = organized(&state, &actor, n.selection_id).await?;
    if !matches!(s.phase(today()), Phase::Publicity | Phase::Closing) {
        return Err(AppError::Conflict("只能在公示后、表彰前撤销".into()));
    }
    let note = required(&form.note, crate::domain::honour::NOTE_MAX_CHARS)
        .map_err(|m| AppError::BadRequest(format!("撤销理由：{m}")))?;
    let mut tx = state.db.begin().await?;
    if !honours::set_status(
        tx.conn(),
        n.id,
        Status::Approved,
        Status::Withdrawn,
        &note,
        actor.user_id,
    )
    .await?
    {
        return Err(AppError::Conflict("该推荐不在公示名单中".into()));
    }
    ctx.audit(
        &mut tx,
        "撤销公示对象",
        &format!("推荐 {} {}", n.id, n.nominee),
        &note,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}", s.id),
        &format!("已撤销{}", n.nominee),
    ))
}

pub async fn award(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let s = organized(&state, &actor, id).await?;
    if s.phase(today()) != Phase::Closing {
        return Err(AppError::Conflict("公示期满后才能表彰".into()));
    }
    let mut tx = state.db.begin().await?;
    if !honours::award(tx.conn(), &s, today(), now_epoch()).await? {
        return Err(AppError::Conflict("已表彰".into()));
    }
    ctx.audit(
        &mut tx,
        "表彰评先评优",
        &format!("评选 {} {}", s.id, s.title),
        "公示期满，予以表彰",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}", s.id),
        "已表彰，荣誉记入党员和组织档案",
    ))
}

#[derive(Template)]
#[template(path = "honour_publicity.html")]
struct PublicityPage {
    page: Page,
    s: SelectionRow,
    phase: Phase,
    listed: Vec<NominationRow>,
    nominees: Vec<Choice>,
    body: String,
    errors: FieldErrors,
}

/// The published list, for the members of the organizer's subtree; else 404.
async fn published(state: &AppState, member: &Member, id: i64) -> AppResult<SelectionRow> {
    honours::get(&state.db, id)
        .await
        .found_if(|s| s.published_on.is_some() && is_in_subtree(&member.branch_path, &s.org_path))
}

async fn publicity_page(
    state: &AppState,
    ctx: &Ctx,
    s: SelectionRow,
    body: String,
    errors: FieldErrors,
) -> AppResult<PublicityPage> {
    let listed: Vec<NominationRow> = honours::nominations(&state.db, s.id)
        .await?
        .into_iter()
        .filter(|n| n.status() == Status::Approved)
        .collect();
    let nominees: Vec<(i64, String)> = listed
        .iter()
        .map(|n| (n.id, format!("{}（{}）", n.nominee, n.category().label())))
        .collect();
    Ok(PublicityPage {
        page: ctx.page(format!("{} · 公示", s.title)),
        phase: s.phase(today()),
        nominees: id_choices(&nominees, ""),
        listed,
        s,
        body,
        errors,
    })
}

pub async fn publicity(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
) -> AppResult<Response> {
    let s = published(&state, &member, id).await?;
    render(&publicity_page(&state, &ctx, s, String::new(), FieldErrors::default()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ObjectionForm {
    nomination: String,
    body: String,
}

/// An objection (异议) during 公示, for the organizer to read.
pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
    Form(form): Form<ObjectionForm>,
) -> AppResult<Response> {
    let s = published(&state, &member, id).await?;
    if s.phase(today()) != Phase::Publicity {
        return Err(AppError::Conflict("公示期已结束".into()));
    }
    let user = ctx.actor()?.user_id;
    let listed = honours::nominations(&state.db, s.id).await?;
    let target = form.nomination.trim().parse::<i64>().ok().and_then(|n| {
        listed
            .iter()
            .find(|x| x.id == n && x.status() == Status::Approved)
    });
    let mut errors = FieldErrors::default();
    if target.is_none() {
        errors.add("nomination", "请选择公示名单中的对象");
    }
    let body = errors.check(
        "body",
        required(&form.body, OBJECTION_MAX_CHARS).map_err(|m| format!("异议内容：{m}")),
    );
    let Some(n) = target.filter(|_| errors.is_empty()) else {
        return render_invalid(&publicity_page(&state, &ctx, s, form.body, errors).await?);
    };
    let mut tx = state.db.begin().await?;
    let oid = honours::object(tx.conn(), s.id, n.id, &body, user, now_epoch()).await?;
    crate::store::notifications::notify_admins(
        tx.conn(),
        s.org_id,
        &format!("objection:{oid}"),
        &format!("{}收到对{}的异议", s.title, n.nominee),
        &format!("/honours/{}#objections", s.id),
        now_epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/honours/{}/publicity", s.id),
        "异议已提交，评选组织单位将核实处理",
    ))
}

/// Lists being published now that reach the member: for the home page.
pub async fn in_publicity_for(state: &AppState, branch_path: &str) -> AppResult<Vec<SelectionRow>> {
    Ok(honours::all(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.phase(today()) == Phase::Publicity && is_in_subtree(branch_path, &s.org_path))
        .collect())
}
