//! 好经验好做法: a member shares an experience (text, photos, attachments); the branch's
//! superior reviews it before it is published county-wide; members mark it useful, and
//! "学一学 比一比" lists the most useful of the reader's town this month.
use super::super::access::{Admin, Found, Member};
use super::super::context::{Page, flash_redirect};
use super::super::form::{Id, ReviewForm, render, render_invalid};
use super::super::stored::{Upload, check_photos, discard, read_upload, save_photos, send_file};
use super::super::{AppState, Ctx};
use crate::domain::clock::{format_minute, local_date, now_epoch};
use crate::domain::org::town_path;
use crate::domain::points::LedgerKey;
use crate::domain::review::{Review, ReviewProblem, ReviewStatus};
use crate::domain::text::{FieldErrors, required};
use crate::domain::upload::{self, MATERIAL_MAX_BYTES};
use crate::error::{AppError, AppResult};
use crate::store::experiences::{self as store, Attachment, Experience};
use crate::store::review::{self, Submission};
use crate::store::{orgs, photos, points, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

pub const TITLE_MAX_CHARS: usize = 40;
pub const BODY_MAX_CHARS: usize = 5000;
pub const MAX_PHOTOS: usize = 9;
pub const MAX_FILES: usize = 3;

/// Whether the actor may see an experience (and its photos and files): its author and its
/// organization's administrators always; anyone in the county once published.
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Experience> {
    let actor = ctx.actor()?;
    store::get(&state.db, actor.user_id, id)
        .await
        .found_if(|x| {
            x.author_id == actor.user_id
                || actor.administers(&x.org_path)
                || (x.status == ReviewStatus::Approved && actor.reads_showcase(&x.org_path))
        })
}

#[derive(Template)]
#[template(path = "experiences.html")]
struct ListPage {
    page: Page,
    top: Vec<(i64, String, String, i64)>,
    scope: String,
    published: Vec<Experience>,
    mine: Vec<Experience>,
    pending: Vec<Experience>,
    errors: FieldErrors,
    title: String,
    body: String,
}

impl ListPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FieldErrors,
    draft: (String, String),
) -> AppResult<ListPage> {
    let actor = ctx.actor()?;
    // 学一学 比一比 compares within the reader's town (an administrator's own subtree).
    let scope_path = actor
        .branch_path
        .as_deref()
        .map(|b| town_path(b).unwrap_or_else(|| b.to_string()))
        .or_else(|| actor.admin_roots().first().map(|r| r.to_string()));
    let mut top = vec![];
    let mut scope = String::new();
    if let Some(path) = &scope_path {
        let today = local_date(now_epoch());
        let month_start = crate::domain::clock::day_start(today.replace_day(1).unwrap_or(today));
        top = store::most_useful(&state.db, path, month_start, 10).await?;
        scope = orgs::at_roots(&state.db, &[path.as_str()])
            .await?
            .into_iter()
            .next()
            .map(|o| o.name)
            .unwrap_or_default();
    }
    let mut pending = Vec::new();
    for root in actor.admin_roots() {
        pending.extend(store::pending_below(&state.db, actor.user_id, root).await?);
    }
    Ok(ListPage {
        page: ctx.page("好经验好做法"),
        top,
        scope,
        published: store::published(&state.db, actor.user_id).await?,
        mine: store::by_author(&state.db, actor.user_id).await?,
        pending,
        errors,
        title: draft.0,
        body: draft.1,
    })
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render(&list_page(&state, &ctx, FieldErrors::default(), Default::default()).await?)
}

/// The attachments sent, with their names: PDF, Word or Excel, 20 MB each.
fn attachments(form: &Upload, errors: &mut FieldErrors) -> Vec<(String, Vec<u8>)> {
    let files: Vec<(String, Vec<u8>)> = form
        .files
        .iter()
        .filter(|(field, _, bytes)| field == "files" && !bytes.is_empty())
        .map(|(_, name, bytes)| (name.clone(), bytes.clone()))
        .collect();
    if files.len() > MAX_FILES {
        errors.add("files", format!("附件最多{MAX_FILES}个"));
    }
    for (name, bytes) in &files {
        if bytes.len() > MATERIAL_MAX_BYTES {
            errors.add("files", format!("{name}：附件不能超过20MB"));
        } else if upload::sniff(bytes, name).is_none_or(|k| k.is_image()) {
            errors.add(
                "files",
                format!("{name}：附件只能是 PDF、Word 或 Excel 文件"),
            );
        }
    }
    files
}

/// A member's experience, for review (multipart: CSRF in the address).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = read_upload(multipart, "文件太大：照片不能超过10MB，附件不能超过20MB").await?;
    let actor = ctx.actor()?;
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        required(form.field("title"), TITLE_MAX_CHARS)
            .map_err(|_| format!("请填写标题（{TITLE_MAX_CHARS}字以内）")),
    );
    let body = errors.check(
        "body",
        required(form.field("body"), BODY_MAX_CHARS)
            .map_err(|_| format!("请填写经验做法（{BODY_MAX_CHARS}字以内）")),
    );
    let pictures = form.files("photos");
    if let Err(e) = check_photos(&pictures, MAX_PHOTOS) {
        errors.add("photos", e);
    }
    let files = attachments(&form, &mut errors);
    if !errors.is_empty() {
        let draft = (
            form.field("title").to_string(),
            form.field("body").to_string(),
        );
        return render_invalid(&list_page(&state, &ctx, errors, draft).await?);
    }
    let branch = orgs::at_roots(&state.db, &[member.branch_path.as_str()])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let saved = save_photos(
        &state,
        &format!("experiences/{}", branch.id),
        pictures.into_iter().map(<[u8]>::to_vec).collect(),
    )
    .await?;
    let mut stored = Vec::new();
    let written: AppResult<()> = async {
        for (name, bytes) in &files {
            let key = format!(
                "experiences/{}/{}-{name}",
                branch.id,
                &crate::crypto::random_token()[..16]
            );
            state.files.put(&key, bytes.clone()).await?;
            stored.push((name.clone(), key, bytes.len() as i64));
        }
        let now = now_epoch();
        let mut tx = state.db.begin().await?;
        let id = store::insert(tx.conn(), branch.id, actor.user_id, (&title, &body), now).await?;
        photos::attach(
            tx.conn(),
            (photos::EXPERIENCE, id),
            photos::IMAGE,
            0,
            &saved,
            now,
        )
        .await?;
        for (name, key, size) in &stored {
            store::add_file(tx.conn(), id, name, (key, *size), now).await?;
        }
        ctx.audit(
            &mut tx,
            "提交好经验好做法",
            &format!("经验 {id} {title}"),
            &branch.name,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = written {
        discard(&state, &saved).await;
        for (_, key, _) in &stored {
            state.files.delete(key).await;
        }
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        "/experiences",
        "已提交，等待上级审核",
    ))
}

#[derive(Template)]
#[template(path = "experience_show.html")]
struct ShowPage {
    page: Page,
    x: Experience,
    photos: Vec<i64>,
    files: Vec<Attachment>,
    may_review: bool,
    may_mark: bool,
}

impl ShowPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let x = visible(&state, &ctx, id).await?;
    let photos = photos::of(&state.db, photos::EXPERIENCE, &[id])
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    render(&ShowPage {
        page: ctx.page(x.title.clone()),
        photos,
        files: store::files(&state.db, id).await?,
        may_review: x.status == ReviewStatus::Pending && actor.is_superior_of(&x.org_path),
        may_mark: x.status == ReviewStatus::Approved && actor.member_id.is_some(),
        x,
    })
}

/// An attachment, for whoever may see its experience.
pub async fn file(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let f = store::file(&state.db, id).await?;
    visible(&state, &ctx, f.experience_id).await?;
    let mime = upload::sniff(
        &state
            .files
            .get(&f.storage_key)
            .await
            .map_err(|_| AppError::NotFound)?,
        &f.file_name,
    )
    .map_or("application/octet-stream", |k| k.mime());
    send_file(&state, &f.storage_key, mime, Some(&f.file_name)).await
}

/// The superior approves (it is published, its author earns points) or returns it.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<ReviewForm>,
) -> AppResult<Response> {
    let x = visible(&state, &ctx, id)
        .await
        .found_if(|x| actor.is_superior_of(&x.org_path))?;
    let back = format!("/experiences/{id}");
    let review = match Review::parse(&form.decision, &form.reason) {
        Ok(r) => r,
        Err(p @ ReviewProblem::ReasonMissing) => {
            return Ok(flash_redirect(&state, &back, p.message()));
        }
        Err(p) => return Err(AppError::BadRequest(p.message().into())),
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    if !review::record(
        tx.conn(),
        Submission::Experience,
        id,
        &review,
        actor.user_id,
        now,
    )
    .await?
    {
        drop(tx);
        return Ok(flash_redirect(&state, &back, "该经验已审核"));
    }
    if review.approve
        && let Some(member) = users::member_of(tx.conn(), x.author_id).await?
    {
        points::credit(
            tx.conn(),
            member,
            &LedgerKey::experience_approved(id),
            "好经验好做法",
            now,
        )
        .await?;
    }
    let action = if review.approve {
        "审核通过好经验好做法"
    } else {
        "退回好经验好做法"
    };
    ctx.audit(
        &mut tx,
        action,
        &format!("经验 {id} {}", x.title),
        &review.reason,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/experiences",
        if review.approve {
            "已通过并发布"
        } else {
            "已退回"
        },
    ))
}

/// A member marks a published experience useful (有用), or takes the mark back.
pub async fn useful(
    State(state): State<AppState>,
    ctx: Ctx,
    _member: Member,
    Id(id): Id,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    visible(&state, &ctx, id)
        .await
        .found_if(|x| x.status == ReviewStatus::Approved)?;
    let mut tx = state.db.begin().await?;
    let marked = store::toggle_useful(tx.conn(), id, actor.user_id, now_epoch()).await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/experiences/{id}"),
        if marked {
            "已标记为有用"
        } else {
            "已取消标记"
        },
    ))
}
