//! 兵支书 (veteran secretaries), 联村党总支 (joint-village general branches) and 党员先锋岗
//! (vanguard posts): what the county shows of its people and organizations.
use super::super::access::{Admin, Found};
use super::super::context::{Page, flash_redirect};
use super::super::dashboard::Row;
use super::super::form::{Choice, Id, Pairs, id_choices, org_choices, render};
use super::super::stored::{check_photo, kept_if_written, read_upload, save_photo};
use super::super::{AppState, Ctx};
use super::contests::EntryView;
use super::projects::ProjectItem;
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::dashboard::PeriodKind;
use crate::domain::member::posts_label;
use crate::domain::org::{OrgType, town_or_county};
use crate::domain::text::{optional, required};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::posts::Post;
use crate::store::showcase::{self as store, NewVanguard, VanguardPost, Veteran};
use crate::store::{arena, dashboard, members, orgs, photos, posts, projects};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

pub const STORY_MAX_CHARS: usize = 2000;
pub const VANGUARD_TEXT_MAX_CHARS: usize = 500;

#[derive(Template)]
#[template(path = "veterans.html")]
struct VeteransPage {
    page: Page,
    veterans: Vec<(Veteran, String)>,
    per_town: Vec<(String, usize)>,
}

/// 兵支书: every secretary who served in the army, with the count per town.
pub async fn veterans(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.actor()?;
    let veterans = store::veterans(&state.db).await?;
    let ids: Vec<i64> = veterans
        .iter()
        .map(|v| town_or_county(&v.branch_path))
        .collect();
    let towns = orgs::by_ids(&state.db, &ids).await?;
    let mut per_town: Vec<(String, usize)> = Vec::new();
    let mut listed = Vec::new();
    for v in veterans {
        let town = towns
            .get(&town_or_county(&v.branch_path))
            .map(|t| t.name.clone())
            .unwrap_or_default();
        match per_town.iter_mut().find(|(t, _)| *t == town) {
            Some(c) => c.1 += 1,
            None => per_town.push((town.clone(), 1)),
        }
        listed.push((v, town));
    }
    render(&VeteransPage {
        page: ctx.page("兵支书"),
        veterans: listed,
        per_town,
    })
}

#[derive(Template)]
#[template(path = "veteran_show.html")]
struct VeteranPage {
    page: Page,
    veteran: Veteran,
    posts: String,
    projects: Vec<ProjectItem>,
    entries: Vec<EntryView>,
    may_edit: bool,
}

/// One veteran secretary's showcase: profile, story, projects and contest entries.
pub async fn veteran(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let veteran = store::veteran(&state.db, id)
        .await
        .found_if(|v| actor.reads_showcase(&v.branch_path))?;
    let projects = super::projects::items(&state, projects::of_owner(&state.db, id).await?).await?;
    let mut entries = Vec::new();
    for e in arena::entries_by_orgs(&state.db, &[veteran.branch_id]).await? {
        if e.published_at.is_some() {
            entries.push(e);
        }
    }
    render(&VeteranPage {
        page: ctx.page(format!("兵支书 · {}", veteran.name)),
        posts: posts_label(&veteran.posts),
        projects,
        entries: super::contests::entry_views(&state, entries).await?,
        may_edit: actor.administers(&veteran.branch_path),
        veteran,
    })
}

/// The story on a veteran's page, written by their organization's administrators.
pub async fn save_story(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let veteran = store::veteran(&state.db, id)
        .await
        .found_if(|v| actor.administers(&v.branch_path))?;
    let back = format!("/veterans/{id}");
    let Ok(story) = optional(Pairs(fields).get("story"), STORY_MAX_CHARS) else {
        return Ok(flash_redirect(
            &state,
            &back,
            &format!("事迹不能超过{STORY_MAX_CHARS}字"),
        ));
    };
    let mut tx = state.db.begin().await?;
    store::save_story(tx.conn(), id, &story, actor.user_id, now_epoch()).await?;
    ctx.audit(&mut tx, "编辑兵支书事迹", &veteran.name, "")
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &back, "事迹已保存"))
}

/// A joint-village general branch with its villages' colours this month and its news.
pub struct Joint {
    pub org: orgs::Org,
    pub rows: Vec<Row>,
    pub news: Vec<Post>,
}

#[derive(Template)]
#[template(path = "joint.html")]
struct JointPage {
    page: Page,
    period: String,
    joints: Vec<Joint>,
}

/// 联村党总支: each with its member villages' branches and its own news.
pub async fn joint(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let now = now_epoch();
    let p = PeriodKind::Month.period_of(local_date(now));
    dashboard::ensure(&state.db, PeriodKind::Month, &p, now).await?;
    let orgs = orgs::of_kind(&state.db, OrgType::JointVillageGeneralBranch).await?;
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let mut branches = dashboard::branches_under(&state.db, PeriodKind::Month, &p, &ids).await?;
    let mut joints = Vec::new();
    for org in orgs {
        let rows = branches
            .extract_if(.., |b| b.0 == org.id)
            .map(|(_, id, name, f)| Row {
                id,
                name,
                drill: false,
                f,
                open_findings: 0,
                dues: Default::default(),
            })
            .collect();
        let news = posts::approved_of(&state.db, actor.user_id, org.id, 3).await?;
        joints.push(Joint { org, rows, news });
    }
    render(&JointPage {
        page: ctx.page("联村党总支"),
        period: p.label(),
        joints,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct VanguardQuery {
    category: String,
    org: String,
}

#[derive(Template)]
#[template(path = "vanguard.html")]
struct VanguardPage {
    page: Page,
    categories: Vec<Choice>,
    orgs: Vec<Choice>,
    posts: Vec<VanguardPost>,
}

/// 党员先锋岗: the posts held now, filtered by category and organization.
pub async fn vanguard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VanguardQuery>,
) -> AppResult<Response> {
    ctx.actor()?;
    let category = q.category.parse().unwrap_or(0);
    let org = q.org.parse().unwrap_or(0);
    let all = store::vanguard_posts(&state.db).await?;
    let ids: Vec<i64> = all.iter().map(|p| p.org_id).collect();
    let mut holders: Vec<orgs::Org> = orgs::by_ids(&state.db, &ids).await?.into_values().collect();
    holders.sort_by(|a, b| a.path.cmp(&b.path));
    let cats = store::categories(&state.db).await?;
    render(&VanguardPage {
        page: ctx.page("党员先锋岗"),
        categories: id_choices(&cats, &q.category),
        orgs: org_choices(&holders, &q.org),
        posts: all
            .into_iter()
            .filter(|p| {
                (category == 0 || p.category_id == category) && (org == 0 || p.org_id == org)
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "vanguard_manage.html")]
struct ManagePage {
    page: Page,
    categories: Vec<(i64, String)>,
    members: Vec<(i64, String)>,
    posts: Vec<VanguardPost>,
    may_add_category: bool,
    error: String,
}

/// Members an administrator may place on a post: those of the branches they administer.
async fn placeable(
    state: &AppState,
    actor: &crate::domain::policy::Actor,
) -> AppResult<Vec<(i64, String, i64)>> {
    let mut found = Vec::new();
    for root in actor.admin_roots() {
        for (id, name, branch, branch_name) in members::in_subtree(&state.db, root).await? {
            found.push((id, format!("{name}（{branch_name}）"), branch));
        }
    }
    Ok(found)
}

async fn manage_page(state: &AppState, ctx: &Ctx, error: String) -> AppResult<ManagePage> {
    let actor = ctx.actor()?;
    let posts = store::vanguard_posts(&state.db)
        .await?
        .into_iter()
        .filter(|p| actor.administers(&p.org_path))
        .collect();
    Ok(ManagePage {
        page: ctx.page("党员先锋岗管理"),
        categories: store::categories(&state.db).await?,
        members: placeable(state, actor)
            .await?
            .into_iter()
            .map(|(id, n, _)| (id, n))
            .collect(),
        posts,
        may_add_category: actor.administers_county(),
        error,
    })
}

pub async fn manage(State(state): State<AppState>, ctx: Ctx, _admin: Admin) -> AppResult<Response> {
    render(&manage_page(&state, &ctx, String::new()).await?)
}

/// A new post with its holder, description and a photo (multipart: CSRF in the address).
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = read_upload(multipart, "照片太大：不能超过10MB").await?;
    let member = placeable(&state, &actor)
        .await?
        .into_iter()
        .find(|(id, _, _)| id.to_string() == form.field("member"));
    let categories = store::categories(&state.db).await?;
    let category = categories
        .iter()
        .find(|(id, _)| id.to_string() == form.field("category"));
    let title = required(form.field("title"), crate::domain::arena::TITLE_MAX_CHARS);
    let description = required(form.field("description"), VANGUARD_TEXT_MAX_CHARS);
    let photo = form.files("photo").into_iter().next();
    let error = match (&member, category, &title, &description) {
        (None, ..) => "请选择党员".to_string(),
        (_, None, ..) => "请选择先锋岗类别".to_string(),
        (_, _, Err(_), _) => "请填写岗位名称".to_string(),
        (_, _, _, Err(_)) => format!("请填写岗位职责与事迹（{VANGUARD_TEXT_MAX_CHARS}字以内）"),
        _ => photo.and_then(|p| check_photo(p).err()).unwrap_or_default(),
    };
    let (Some((member, name, org)), Some((category, _)), Ok(title), Ok(description), true) =
        (member, category, title, description, error.is_empty())
    else {
        return super::super::form::render_invalid(&manage_page(&state, &ctx, error).await?);
    };
    let saved = match photo {
        Some(p) => vec![save_photo(&state, "vanguard", p.to_vec()).await?],
        None => vec![],
    };
    let now = now_epoch();
    let written: AppResult<()> = async {
        let mut tx = state.db.begin().await?;
        let row = NewVanguard {
            category: *category,
            member,
            org,
            title: &title,
            description: &description,
        };
        let id = store::add_vanguard(tx.conn(), &row, actor.user_id, now).await?;
        photos::attach(
            tx.conn(),
            (photos::VANGUARD, id),
            photos::IMAGE,
            0,
            &saved,
            now,
        )
        .await?;
        ctx.audit(&mut tx, "设立党员先锋岗", &title, &name).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    kept_if_written(&state, &saved, written).await?;
    Ok(flash_redirect(&state, "/vanguard/manage", "先锋岗已设立"))
}

/// Whether the actor may see a vanguard post's photo: anyone in the county.
pub async fn vanguard_visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let actor = ctx.actor()?;
    store::vanguard_post(&state.db, id)
        .await
        .found_if(|p| actor.reads_showcase(&p.org_path))
        .map(|_| ())
}

pub async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let post = store::vanguard_post(&state.db, id)
        .await
        .found_if(|p| actor.administers(&p.org_path))?;
    let mut tx = state.db.begin().await?;
    store::retire_vanguard(tx.conn(), id, now_epoch()).await?;
    ctx.audit(&mut tx, "撤销党员先锋岗", &post.title, &post.member_name)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/vanguard/manage", "已撤销该先锋岗"))
}

/// A category the county adds to the four it starts with.
pub async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !actor.administers_county() {
        return Err(AppError::NotFound);
    }
    let Ok(name) = required(Pairs(fields).get("name"), 20) else {
        return Ok(flash_redirect(
            &state,
            "/vanguard/manage",
            "请填写类别名称（20字以内）",
        ));
    };
    let mut tx = state.db.begin().await?;
    if !store::add_category(tx.conn(), &name, now_epoch()).await? {
        drop(tx);
        return Ok(flash_redirect(&state, "/vanguard/manage", "已有同名类别"));
    }
    ctx.audit(&mut tx, "新增先锋岗类别", &name, "").await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/vanguard/manage",
        &format!("已新增类别：{name}"),
    ))
}
