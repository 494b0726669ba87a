//! Organization tree pages: browse, create, edit, move a subtree, dissolve.
use super::access::Found;
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::now_epoch;
use crate::domain::org::{OrgCategory, OrgEntry, OrgType, is_in_subtree, parse_org};
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::orgs::{self, ChildSummary, Org, SubtreeCounts};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// An organization the actor administers, else 404.
async fn administered(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path))
}

#[derive(Template)]
#[template(path = "orgs_index.html")]
struct IndexPage {
    page: Page,
    q: String,
    roots: Vec<(Org, SubtreeCounts)>,
    results: Vec<Org>,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let roots = actor.admin_roots();
    let mut root_orgs = Vec::new();
    for org in orgs::at_roots(&state.db, &roots).await? {
        let counts = orgs::subtree_counts(&state.db, &org.path).await?;
        root_orgs.push((org, counts));
    }
    let q = sq.text();
    let results = if q.is_empty() {
        vec![]
    } else {
        orgs::search(&state.db, &roots, &q, &[], 100).await?
    };
    render(&IndexPage {
        page: ctx.page("组织架构"),
        q,
        roots: root_orgs,
        results,
    })
}

/// 本月政治生日: who in the branch marks the anniversary of joining this month.
async fn birthdays_this_month(
    state: &AppState,
    branch: i64,
) -> AppResult<Vec<(i64, String, String, i32)>> {
    use crate::domain::clock::{format_date, local_date, now_epoch, parse_date};
    let today = local_date(now_epoch());
    Ok(
        crate::store::members::joined_in_month(&state.db, branch, today.month() as u8)
            .await?
            .into_iter()
            .filter_map(|(id, name, joined)| {
                let joined = parse_date(&joined)?;
                let day = crate::domain::member::anniversary_in(joined, today.year());
                let years = today.year() - joined.year();
                (years >= 1).then(|| (id, name, format_date(day), years))
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "org_show.html")]
struct ShowPage {
    page: Page,
    org: Org,
    crumbs: Vec<Org>,
    children: Vec<ChildSummary>,
    counts: SubtreeCounts,
    leaders: Vec<(String, String)>,
    admin: bool,
    may_add: bool,
    may_shape: bool,
    holds_meetings: bool,
    /// A branch: its members' 每日一题 summary.
    is_branch: bool,
    /// A superior may trust it to post 党建新鲜事 without review (`Some(trusted now)`).
    trust: Option<bool>,
    may_configure: bool,
    badges: Vec<crate::store::badges::BadgeRow>,
    /// A branch's political birthdays this month, for its administrators (to mark them at the
    /// 主题党日): (member, name, day this year, years in the party).
    birthdays: Vec<(i64, String, String, i32)>,
    /// Honours (先进基层党组织): (title, awarded by, on).
    honours: Vec<(String, String, String)>,
}

impl ShowPage {
    fn format_time(&self, t: &i64) -> String {
        crate::domain::clock::format_minute(*t)
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.may_view_org(&o.path))?;
    let admin = actor.administers(&org.path);
    let crumbs = orgs::ancestors(&state.db, &org.path)
        .await?
        .into_iter()
        .filter(|o| o.id != org.id && actor.may_view_org(&o.path))
        .collect();
    let children = if admin {
        orgs::children(&state.db, org.id).await?
    } else {
        vec![]
    };
    let counts = orgs::subtree_counts(&state.db, &org.path).await?;
    let leaders = crate::store::members::office_holders(&state.db, org.id)
        .await?
        .into_iter()
        .map(|(_, n, p)| (n, crate::domain::member::posts_label(&p)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let may_add = OrgType::ALL
        .iter()
        .any(|t| t.may_sit_under(org.kind()) && actor.may_add_child(&org.path, *t));
    let trust = if actor.is_superior_of(&org.path) {
        let mut conn = state.db.conn().await?;
        Some(crate::store::posts::is_trusted(&mut conn, org.id).await?)
    } else {
        None
    };
    let birthdays = if admin && org.kind().is_branch() {
        birthdays_this_month(&state, org.id).await?
    } else {
        vec![]
    };
    render(&ShowPage {
        birthdays,
        page: ctx.page(org.name.clone()),
        holds_meetings: crate::domain::orglife::holds_meetings(org.kind()),
        is_branch: org.kind().is_branch(),
        trust,
        may_configure: actor.may_configure_requirements(&org.path),
        badges: crate::store::badges::of(&state.db, "org", org.id).await?,
        honours: crate::store::honours::honours_of(&state.db, None, Some(org.id)).await?,
        may_shape: actor.may_shape_org(&org.path, org.kind()),
        may_add: may_add && !org.is_dissolved(),
        org,
        crumbs,
        children,
        counts,
        leaders,
        admin,
    })
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct FormPage {
    page: Page,
    action: String,
    parent_name: String,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    form: OrgForm,
    errors: FieldErrors,
    editing: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OrgForm {
    name: String,
    kind: String,
    category: String,
    address: String,
    sort_order: String,
}

fn kind_choices(actor: &Actor, parent: &Org, selected: &str) -> Vec<Choice> {
    let allowed = OrgType::ALL
        .iter()
        .filter(|t| t.may_sit_under(parent.kind()) && actor.may_add_child(&parent.path, **t))
        .map(|t| (t.code(), t.label()));
    choices(allowed, selected)
}

fn category_choices(selected: &str) -> Vec<Choice> {
    choices(
        OrgCategory::ALL.iter().map(|c| (c.code(), c.label())),
        selected,
    )
}

impl OrgForm {
    fn entry(&self) -> OrgEntry<'_> {
        OrgEntry {
            name: &self.name,
            category: &self.category,
            address: &self.address,
            sort_order: &self.sort_order,
        }
    }
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let parent = administered(&state, actor, id).await?;
    let kinds = kind_choices(actor, &parent, "");
    if kinds.is_empty() || parent.is_dissolved() {
        return Err(AppError::NotFound);
    }
    render(&FormPage {
        page: ctx.page("新建下级组织"),
        action: format!("/orgs/{id}/new"),
        parent_name: parent.name.clone(),
        kinds,
        categories: category_choices(&parent.category),
        form: OrgForm::default(),
        errors: FieldErrors::default(),
        editing: false,
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<OrgForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let parent = administered(&state, actor, id).await?;
    let kind = OrgType::from_code(&form.kind)
        .filter(|k| k.may_sit_under(parent.kind()) && actor.may_add_child(&parent.path, *k));
    // The fields are checked whatever the kind, so every message shows at once.
    let checked = parse_org(&form.entry(), kind.unwrap_or(OrgType::Branch));
    let mut errors = checked.clone().err().unwrap_or_default();
    if kind.is_none() {
        errors.add("kind", "请选择可在此组织下设立的组织类型");
    }
    let (Some(_), Ok(input), true) = (kind, checked, errors.is_empty()) else {
        return render_invalid(&FormPage {
            page: ctx.page("新建下级组织"),
            action: format!("/orgs/{id}/new"),
            parent_name: parent.name.clone(),
            kinds: kind_choices(actor, &parent, &form.kind),
            categories: category_choices(&form.category),
            form,
            errors,
            editing: false,
        });
    };
    let mut tx = state.db.begin().await?;
    let new_id = orgs::create(tx.conn(), Some(&parent), &input, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "新建组织",
        &format!("组织 {new_id} {}", input.name),
        &format!("上级：{}", parent.name),
    )
    .await?;
    tx.commit().await?;
    super::dashboard::tree_changed(&state);
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{new_id}"),
        "已新建组织",
    ))
}

pub async fn edit_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered(&state, actor, id).await?;
    render(&FormPage {
        page: ctx.page("编辑组织"),
        action: format!("/orgs/{id}/edit"),
        parent_name: String::new(),
        kinds: vec![],
        categories: category_choices(&org.category),
        form: OrgForm {
            name: org.name.clone(),
            kind: org.kind.clone(),
            category: org.category.clone(),
            address: org.address.clone(),
            sort_order: org.sort_order.to_string(),
        },
        errors: FieldErrors::default(),
        editing: true,
    })
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<OrgForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered(&state, actor, id).await?;
    let input = match parse_org(&form.entry(), org.kind()) {
        Ok(input) => input,
        Err(errors) => {
            return render_invalid(&FormPage {
                page: ctx.page("编辑组织"),
                action: format!("/orgs/{id}/edit"),
                parent_name: String::new(),
                kinds: vec![],
                categories: category_choices(&form.category),
                form,
                errors,
                editing: true,
            });
        }
    };
    let mut tx = state.db.begin().await?;
    orgs::update(tx.conn(), id, &input, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "编辑组织",
        &format!("组织 {id} {}", input.name),
        &if org.name != input.name {
            format!("原名称：{}", org.name)
        } else {
            String::new()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &format!("/orgs/{id}"), "已保存"))
}

#[derive(Template)]
#[template(path = "org_move.html")]
struct MovePage {
    page: Page,
    org: Org,
    q: String,
    candidates: Vec<Org>,
    error: String,
}

async fn move_candidates(
    state: &AppState,
    actor: &Actor,
    org: &Org,
    q: &str,
) -> AppResult<Vec<Org>> {
    let roots = actor.admin_roots();
    let parents: Vec<OrgType> = OrgType::ALL
        .iter()
        .copied()
        .filter(|p| org.kind().may_sit_under(*p))
        .collect();
    Ok(orgs::search(&state.db, &roots, q, &parents, 200)
        .await?
        .into_iter()
        .filter(|p| {
            !is_in_subtree(&p.path, &org.path)
                && Some(p.id) != org.parent_id
                && actor.may_add_child(&p.path, org.kind())
        })
        .take(50)
        .collect())
}

pub async fn move_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered(&state, actor, id).await?;
    if !actor.may_shape_org(&org.path, org.kind()) {
        return Err(AppError::NotFound);
    }
    let q = sq.text();
    let candidates = move_candidates(&state, actor, &org, &q).await?;
    render(&MovePage {
        page: ctx.page("调整隶属关系"),
        org,
        q,
        candidates,
        error: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    target: String,
}

pub async fn move_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MoveForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered(&state, actor, id).await?;
    if !actor.may_shape_org(&org.path, org.kind()) {
        return Err(AppError::NotFound);
    }
    let target = match form.target.trim().parse::<i64>() {
        Ok(t) => orgs::get(&state.db, t).await.ok(),
        Err(_) => None,
    };
    let problem = match &target {
        None => Some("请选择新的上级组织"),
        Some(t) if !actor.administers(&t.path) => Some("请选择新的上级组织"),
        Some(t) if is_in_subtree(&t.path, &org.path) => Some("不能移动到自身或其下级组织之下"),
        Some(t) if !org.kind().may_sit_under(t.kind()) => Some("该类型的组织不能隶属于所选组织"),
        Some(t) if !actor.may_add_child(&t.path, org.kind()) || t.is_dissolved() => {
            Some("请选择新的上级组织")
        }
        Some(t) if Some(t.id) == org.parent_id => Some("已隶属于该组织"),
        Some(_) => None,
    };
    if let Some(error) = problem {
        let candidates = move_candidates(&state, actor, &org, "").await?;
        return render_invalid(&MovePage {
            page: ctx.page("调整隶属关系"),
            org,
            q: String::new(),
            candidates,
            error: error.into(),
        });
    }
    let target = target.expect("checked above");
    let mut tx = state.db.begin().await?;
    // Re-read inside the transaction: the path must not have changed since.
    let org = orgs::get_in(tx.conn(), id).await?;
    let target = orgs::get_in(tx.conn(), target.id).await?;
    orgs::move_subtree(tx.conn(), &org, &target, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "调整组织隶属",
        &format!("组织 {} {}", org.id, org.name),
        &format!("新上级：{}", target.name),
    )
    .await?;
    tx.commit().await?;
    super::dashboard::tree_changed(&state);
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{id}"),
        &format!("已将{}及其下级组织调整到{}之下", org.name, target.name),
    ))
}

pub async fn dissolve(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered(&state, actor, id).await?;
    if !actor.may_shape_org(&org.path, org.kind()) || org.is_dissolved() {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    if let Some(reason) = orgs::dissolve_blocker(tx.conn(), &org).await? {
        drop(tx);
        return Ok(flash_redirect(&state, &format!("/orgs/{id}"), &reason));
    }
    orgs::dissolve(tx.conn(), id, now_epoch()).await?;
    ctx.audit(&mut tx, "撤销组织", &format!("组织 {id} {}", org.name), "")
        .await?;
    tx.commit().await?;
    super::dashboard::tree_changed(&state);
    let back = org
        .parent_id
        .map(|p| format!("/orgs/{p}"))
        .unwrap_or("/orgs".into());
    Ok(flash_redirect(
        &state,
        &back,
        &format!("已撤销{}", org.name),
    ))
}

/// Where an administrator's pages open (党费收缴, 发展党员): the widest organization they keep.
/// An organization the actor administers (not a 党小组, which has no administrators of its
/// own); else 404.
pub(super) async fn administered_unit(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && o.kind() != OrgType::PartyGroup)
}

pub(super) async fn widest_administered(state: &AppState, actor: &Actor) -> AppResult<Org> {
    let root = actor.admin_roots().first().map(|r| r.to_string());
    let org = match root {
        Some(r) => orgs::at_roots(&state.db, &[&r]).await?.into_iter().next(),
        None => None,
    };
    org.ok_or(AppError::NotFound)
}
