//! 书记项目: a secretary registers a project for their organization with measurable
//! targets and dated milestones, reports progress with photos and marks milestones done;
//! superiors comment; overdue milestones are flagged. Readable across the county.
use super::super::access::{Admin, Found};
use super::super::context::{Page, flash_redirect};
use super::super::form::{Choice, Id, Pairs, org_choices, render, render_invalid};
use super::super::stored::{check_photos, kept_if_written, read_upload, save_photos};
use super::super::{AppState, Ctx};
use crate::domain::arena::{self, MAX_MILESTONES, ProjectStatus, overdue, project_status};
use crate::domain::clock::{format_date, format_minute, local_date, now_epoch};
use crate::domain::org::{OrgType, town_or_county};
use crate::domain::points::LedgerKey;
use crate::domain::text::{FieldErrors, required};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::projects::{self as store, Milestone, Note, Project};
use crate::store::{members, orgs, photos, points, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// A project in a list: its milestones' progress and status.
pub struct ProjectItem {
    pub project: Project,
    pub done: usize,
    pub total: usize,
    pub status: ProjectStatus,
    pub next: String,
}

/// Projects with their milestones' progress and status today.
pub async fn items(state: &AppState, projects: Vec<Project>) -> AppResult<Vec<ProjectItem>> {
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let milestones = store::milestones(&state.db, &ids).await?;
    let today = local_date(now_epoch());
    Ok(projects
        .into_iter()
        .map(|project| {
            let mine: Vec<&Milestone> = milestones
                .iter()
                .filter(|m| m.project_id == project.id)
                .collect();
            let flags: Vec<(&str, bool)> = mine
                .iter()
                .map(|m| (m.due_on.as_str(), m.done_on.is_some()))
                .collect();
            ProjectItem {
                done: flags.iter().filter(|f| f.1).count(),
                total: flags.len(),
                status: project_status(&flags, today),
                next: mine
                    .iter()
                    .find(|m| m.done_on.is_none())
                    .map(|m| format!("{}（{}）", m.title, m.due_on))
                    .unwrap_or_default(),
                project,
            }
        })
        .collect())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    town: String,
    status: String,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    page: Page,
    projects: Vec<ProjectItem>,
    towns: Vec<Choice>,
    statuses: Vec<Choice>,
    /// (town, active, overdue, done) for every town with projects.
    per_town: Vec<(String, usize, usize, usize)>,
    may_register: bool,
}

/// Every project in the county by town and status.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let Some(county) = orgs::root(&state.db).await? else {
        return Err(AppError::NotFound);
    };
    let all = items(&state, store::in_subtree(&state.db, &county.path).await?).await?;
    let towns = orgs::direct_children(&state.db, county.id).await?;
    let town_of = |p: &Project| town_or_county(&p.org_path);
    let per_town = towns
        .iter()
        .map(|t| {
            let of: Vec<&ProjectItem> =
                all.iter().filter(|i| town_of(&i.project) == t.id).collect();
            let n = |s: ProjectStatus| of.iter().filter(|i| i.status == s).count();
            (
                t.name.clone(),
                n(ProjectStatus::Active),
                n(ProjectStatus::Overdue),
                n(ProjectStatus::Done),
            )
        })
        .filter(|(_, a, o, d)| a + o + d > 0)
        .collect();
    let projects = all
        .into_iter()
        .filter(|i| q.town.is_empty() || town_of(&i.project).to_string() == q.town)
        .filter(|i| q.status.is_empty() || i.status.code() == q.status)
        .collect();
    render(&ListPage {
        page: ctx.page("书记项目"),
        projects,
        towns: org_choices(&towns, &q.town),
        statuses: super::super::form::choices(
            ProjectStatus::ALL.iter().map(|s| (s.code(), s.label())),
            &q.status,
        ),
        per_town,
        may_register: actor.is_admin(),
    })
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct FormPage {
    page: Page,
    orgs: Vec<Choice>,
    owners: Vec<(i64, String, String)>,
    owner: String,
    title: String,
    goal: String,
    targets: String,
    started_on: String,
    milestones: Vec<(String, String)>,
    errors: FieldErrors,
}

/// The organizations a secretary registers projects for: the branches (and general
/// branches) they administer.
async fn own_orgs(
    state: &AppState,
    actor: &crate::domain::policy::Actor,
) -> AppResult<Vec<orgs::Org>> {
    let mut found = Vec::new();
    for root in actor.admin_roots() {
        for o in orgs::subtree(&state.db, root).await? {
            let kind = OrgType::from_code(&o.kind);
            if kind.is_some_and(|k| k.is_branch() || k.is_general_branch()) && found.len() < 500 {
                found.push(o);
            }
        }
    }
    Ok(found)
}

async fn form_page(state: &AppState, ctx: &Ctx, f: &Pairs) -> AppResult<FormPage> {
    let actor = ctx.actor()?;
    let orgs = own_orgs(state, actor).await?;
    let chosen = orgs
        .iter()
        .find(|o| o.id.to_string() == f.get("org"))
        .or(orgs.first());
    let mut owners = Vec::new();
    if let Some(o) = chosen {
        for (id, name) in members::of_org(&state.db, o.id, &o.path).await? {
            owners.push((id, name, o.id.to_string()));
        }
    }
    let mut milestones: Vec<(String, String)> = (0..MAX_MILESTONES)
        .map(|i| {
            (
                f.get(&format!("milestone_{i}")).to_string(),
                f.get(&format!("due_{i}")).to_string(),
            )
        })
        .collect();
    milestones.truncate(
        milestones
            .iter()
            .rposition(|m| !m.0.is_empty() || !m.1.is_empty())
            .map_or(0, |n| n + 1)
            .max(4),
    );
    let owner = if f.get("owner").is_empty() {
        actor.member_id.map(|m| m.to_string()).unwrap_or_default()
    } else {
        f.get("owner").to_string()
    };
    Ok(FormPage {
        page: ctx.page("登记书记项目"),
        orgs: org_choices(&orgs, &chosen.map(|o| o.id.to_string()).unwrap_or_default()),
        owners,
        owner,
        title: f.get("title").into(),
        goal: f.get("goal").into(),
        targets: f.get("targets").into(),
        started_on: f.get("started_on").into(),
        milestones,
        errors: FieldErrors::default(),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct OrgQuery {
    org: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    _admin: Admin,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    let f = Pairs(vec![("org".into(), q.org)]);
    render(&form_page(&state, &ctx, &f).await?)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Pairs(fields);
    let mut page = form_page(&state, &ctx, &f).await?;
    let org = own_orgs(&state, &actor)
        .await?
        .into_iter()
        .find(|o| o.id.to_string() == f.get("org"))
        .ok_or(AppError::NotFound)?;
    let mut parsed = arena::parse_project(
        f.get("title"),
        f.get("goal"),
        f.get("targets"),
        f.get("started_on"),
        &page.milestones,
    );
    let owner = page
        .owners
        .iter()
        .find(|(id, _, _)| id.to_string() == f.get("owner"))
        .map(|o| o.0);
    if owner.is_none() {
        let mut errors = parsed.clone().err().unwrap_or_default();
        errors.add("owner", "请选择本组织的项目负责人");
        parsed = Err(errors);
    }
    let input = match parsed {
        Ok(p) => p,
        Err(errors) => {
            page.errors = errors;
            return render_invalid(&page);
        }
    };
    // Checked above: a missing owner is an error of the form.
    let owner = owner.ok_or(AppError::NotFound)?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let id = store::insert(tx.conn(), org.id, owner, &input, actor.user_id, now).await?;
    ctx.audit(
        &mut tx,
        "登记书记项目",
        &format!("项目 {id} {}", input.title),
        &org.name,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/projects/{id}"),
        "书记项目已登记",
    ))
}

#[derive(Template)]
#[template(path = "project_show.html")]
struct ShowPage {
    page: Page,
    item: ProjectItem,
    milestones: Vec<(Milestone, bool)>,
    updates: Vec<(Note, Vec<i64>)>,
    comments: Vec<Note>,
    /// The organization's administrators report and mark milestones; superiors comment.
    may_report: bool,
    may_comment: bool,
}

impl ShowPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// Whether the actor may see a project (and its photos): anyone in the county.
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Project> {
    let actor = ctx.actor()?;
    store::get(&state.db, id)
        .await
        .found_if(|p| actor.reads_showcase(&p.org_path))
}

/// Whether the actor may see a progress update's photos.
pub async fn update_visible(state: &AppState, ctx: &Ctx, update: i64) -> AppResult<()> {
    let project = store::project_of_update(&state.db, update).await?;
    visible(state, ctx, project).await.map(|_| ())
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let project = visible(&state, &ctx, id).await?;
    let today = local_date(now_epoch());
    let milestones = store::milestones(&state.db, &[id])
        .await?
        .into_iter()
        .map(|m| {
            let late = overdue(&m.due_on, m.done_on.is_some(), today);
            (m, late)
        })
        .collect();
    let notes = store::updates(&state.db, id).await?;
    let ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
    let photos = photos::of(&state.db, photos::PROJECT_UPDATE, &ids).await?;
    let updates = notes
        .into_iter()
        .map(|n| {
            let mine = photos
                .iter()
                .filter(|p| p.owner_id == n.id)
                .map(|p| p.id)
                .collect();
            (n, mine)
        })
        .collect();
    let may_report = actor.administers(&project.org_path);
    let may_comment = actor.is_superior_of(&project.org_path);
    let item = items(&state, vec![project])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    render(&ShowPage {
        page: ctx.page(item.project.title.clone()),
        item,
        milestones,
        updates,
        comments: store::comments(&state.db, id).await?,
        may_report,
        may_comment,
    })
}

/// A progress update with photos (multipart: CSRF in the address); earns its author points.
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = read_upload(multipart, "照片太大：每张不能超过10MB").await?;
    let project = visible(&state, &ctx, id)
        .await
        .found_if(|p| actor.administers(&p.org_path))?;
    let back = format!("/projects/{id}");
    let pictures = form.files("photos");
    let body = match required(form.field("body"), arena::PROJECT_TEXT_MAX_CHARS) {
        Ok(b) => b,
        Err(_) => return Ok(flash_redirect(&state, &back, "请填写项目进展")),
    };
    if let Err(e) = check_photos(&pictures, arena::MAX_PHOTOS) {
        return Ok(flash_redirect(&state, &back, &e));
    }
    let saved = save_photos(
        &state,
        &format!("projects/{id}"),
        pictures.into_iter().map(<[u8]>::to_vec).collect(),
    )
    .await?;
    let now = now_epoch();
    let written: AppResult<()> = async {
        let mut tx = state.db.begin().await?;
        let update = store::add_update(tx.conn(), id, actor.user_id, &body, now).await?;
        photos::attach(
            tx.conn(),
            (photos::PROJECT_UPDATE, update),
            photos::IMAGE,
            0,
            &saved,
            now,
        )
        .await?;
        if let Some(member) = users::member_of(tx.conn(), actor.user_id).await? {
            points::credit(
                tx.conn(),
                member,
                &LedgerKey::project_update(update),
                "书记项目进展",
                now,
            )
            .await?;
        }
        ctx.audit(
            &mut tx,
            "发布书记项目进展",
            &format!("项目 {id} {}", project.title),
            &format!("{}张照片", saved.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    kept_if_written(&state, &saved, written).await?;
    Ok(flash_redirect(&state, &back, "进展已发布"))
}

/// Marks a milestone done today.
pub async fn milestone_done(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let project = visible(&state, &ctx, id)
        .await
        .found_if(|p| actor.administers(&p.org_path))?;
    let f = Pairs(fields);
    let milestone = store::milestones(&state.db, &[id])
        .await?
        .into_iter()
        .find(|m| m.id.to_string() == f.get("milestone"))
        .ok_or(AppError::NotFound)?;
    let day = format_date(local_date(now_epoch()));
    let mut tx = state.db.begin().await?;
    if !store::mark_done(tx.conn(), id, milestone.id, &day, actor.user_id).await? {
        drop(tx);
        return Ok(flash_redirect(
            &state,
            &format!("/projects/{id}"),
            "该节点已完成",
        ));
    }
    ctx.audit(
        &mut tx,
        "书记项目节点完成",
        &format!("项目 {id} {}", project.title),
        &milestone.title,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/projects/{id}"),
        &format!("已完成：{}", milestone.title),
    ))
}

/// A superior's comment (点评).
pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let project = visible(&state, &ctx, id)
        .await
        .found_if(|p| actor.is_superior_of(&p.org_path))?;
    let f = Pairs(fields);
    let back = format!("/projects/{id}");
    let Ok(body) = required(f.get("body"), arena::COMMENT_MAX_CHARS) else {
        return Ok(flash_redirect(
            &state,
            &back,
            &format!("请填写点评（{}字以内）", arena::COMMENT_MAX_CHARS),
        ));
    };
    let mut tx = state.db.begin().await?;
    store::add_comment(tx.conn(), id, actor.user_id, &body, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "点评书记项目",
        &format!("项目 {id} {}", project.title),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &back, "点评已发布"))
}
