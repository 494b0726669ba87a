//! 党建新鲜事: branches post their activities; a superior reviews them (approve, or return
//! with a reason) unless it trusts the branch; members see their town's and county's
//! approved posts and like them. An approved post earns its author points.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Id, ReviewForm, render, render_invalid};
use super::stored::{check_photos, kept_if_written, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::points::LedgerKey;
use crate::domain::policy::Actor;
use crate::domain::review::{Review, ReviewProblem, ReviewStatus};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::files::SavedPhoto;
use crate::store::posts::{self, BODY_MAX_CHARS, MAX_PHOTOS, Post};
use crate::store::review::{self, Submission};
use crate::store::{orgs, photos, points, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// Whether the actor may see a post (and so its photos); else 404.
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let actor = ctx.actor()?;
    posts::scope(&state.db, id).await.found_if(|p| {
        actor.may_view_post(p.author_id, p.status == ReviewStatus::Approved, &p.org_path)
    })?;
    Ok(())
}

#[derive(Template)]
#[template(path = "posts.html")]
struct FeedPage {
    page: Page,
    /// The feed's posts, each with whether the reader may take it down (a superior of it).
    posts: Vec<(Post, bool)>,
    mine: Vec<Post>,
    can_post: Vec<(i64, String)>,
    pending: Vec<Post>,
    error: String,
    max_photos: usize,
    body_max: usize,
    draft: String,
}

impl FeedPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

async fn feed_page(state: &AppState, ctx: &Ctx, error: String) -> AppResult<FeedPage> {
    let actor = ctx.actor()?;
    let posts = match actor.feed() {
        Some(feed) => {
            let town = feed.town_path.as_deref();
            posts::feed(&state.db, actor.user_id, town, feed.county_id).await?
        }
        None => vec![],
    };
    let roots = actor.admin_roots();
    // Posts waiting for this administrator: below their roots, not their own root's.
    let mut pending = Vec::new();
    for root in &roots {
        pending.extend(posts::pending_below(&state.db, actor.user_id, root).await?);
    }
    let can_post = orgs::at_roots(&state.db, &roots)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let posts = posts
        .into_iter()
        .map(|p| {
            let may = actor.is_superior_of(&p.org_path);
            (p, may)
        })
        .collect();
    Ok(FeedPage {
        page: ctx.page("党建新鲜事"),
        posts,
        mine: posts::by_author(&state.db, actor.user_id).await?,
        can_post,
        pending,
        error,
        max_photos: MAX_PHOTOS,
        body_max: BODY_MAX_CHARS,
        draft: String::new(),
    })
}

pub async fn feed(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render(&feed_page(&state, &ctx, String::new()).await?)
}

/// A post: its organization, text and up to nine photos (multipart, CSRF in the address).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = read_upload(multipart, "照片太大：每张不能超过10MB").await?;
    let org = match form.field("org").trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id)
            .await
            .found_if(|o| actor.administers(&o.path))
            .ok(),
        Err(_) => None,
    };
    let pictures = form.files("photos");
    let body = text::required(form.field("body"), BODY_MAX_CHARS);
    let error = match (&org, &body) {
        (None, _) => "请选择发布的组织".to_string(),
        (_, Err(_)) => format!("请填写动态内容（{BODY_MAX_CHARS}字以内）"),
        _ => check_photos(&pictures, MAX_PHOTOS)
            .err()
            .unwrap_or_default(),
    };
    let (Some(org), Ok(body), true) = (org, body, error.is_empty()) else {
        // The text typed stays in the form; photos must be chosen again.
        let mut page = feed_page(&state, &ctx, error).await?;
        page.draft = form.field("body").to_string();
        return render_invalid(&page);
    };
    let pictures: Vec<Vec<u8>> = pictures.into_iter().map(<[u8]>::to_vec).collect();
    let saved = save_photos(&state, &format!("posts/{}", org.id), pictures).await?;
    let written = write_post(&state, &ctx, &actor, &org, &body, &saved).await;
    let direct = kept_if_written(&state, &saved, written).await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        if direct {
            "已发布"
        } else {
            "已提交，等待上级审核"
        },
    ))
}

/// The post, its photos' rows, points when it goes out at once, and the audit entry: one
/// transaction. Whether it went out without review.
async fn write_post(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    org: &orgs::Org,
    body: &str,
    saved: &[SavedPhoto],
) -> AppResult<bool> {
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    // The county's own posts, and trusted organizations', go out at once.
    let direct = org.parent_id.is_none() || posts::is_trusted(tx.conn(), org.id).await?;
    let status = if direct {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Pending
    };
    let id = posts::insert(tx.conn(), org.id, actor.user_id, body, status, now).await?;
    if direct && let Some(member) = actor.member_id {
        let key = LedgerKey::post_approved(id);
        points::credit(tx.conn(), member, &key, "党建新鲜事发布", now).await?;
    }
    photos::attach(tx.conn(), (photos::POST, id), photos::IMAGE, 0, saved, now).await?;
    ctx.audit(
        &mut tx,
        "发布党建新鲜事",
        &format!("动态 {id} {}", org.name),
        &format!(
            "{}，{}张照片",
            if direct { "直接发布" } else { "待审核" },
            saved.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(direct)
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<ReviewForm>,
) -> AppResult<Response> {
    let post = posts::scope(&state.db, id)
        .await
        .found_if(|p| actor.is_superior_of(&p.org_path))?;
    let review = match Review::parse(&form.decision, &form.reason) {
        Ok(r) => r,
        Err(p @ ReviewProblem::ReasonMissing) => {
            return Ok(flash_redirect(&state, "/posts", p.message()));
        }
        Err(p) => return Err(AppError::BadRequest(p.message().into())),
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    if !review::record(tx.conn(), Submission::Post, id, &review, actor.user_id, now).await? {
        drop(tx);
        return Ok(flash_redirect(&state, "/posts", "该动态已审核"));
    }
    if review.approve
        && let Some(member) = users::member_of(tx.conn(), post.author_id).await?
    {
        let key = LedgerKey::post_approved(id);
        points::credit(tx.conn(), member, &key, "党建新鲜事发布", now).await?;
    }
    let action = if review.approve {
        "审核通过党建新鲜事"
    } else {
        "退回党建新鲜事"
    };
    ctx.audit(&mut tx, action, &format!("动态 {id}"), &review.reason)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        if review.approve {
            "已通过"
        } else {
            "已退回"
        },
    ))
}

/// A superior trusts (or stops trusting) an organization: its posts then skip review.
pub async fn trust(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(org_id): Id,
) -> AppResult<Response> {
    let org = orgs::get(&state.db, org_id)
        .await
        .found_if(|o| actor.is_superior_of(&o.path))?;
    let mut tx = state.db.begin().await?;
    let trusted = posts::toggle_trust(tx.conn(), org_id, actor.user_id, now_epoch()).await?;
    let action = if trusted {
        "信任组织发布"
    } else {
        "取消信任组织发布"
    };
    ctx.audit(&mut tx, action, &org.name, "").await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        &format!("已{action}：{}", org.name),
    ))
}

pub async fn like(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    // Only posts in the reader's feed.
    posts::scope(&state.db, id)
        .await
        .found_if(|p| p.status == ReviewStatus::Approved && actor.sees_in_feed(&p.org_path))?;
    let mut tx = state.db.begin().await?;
    let liked = posts::toggle_like(tx.conn(), id, actor.user_id).await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        if liked {
            "已点赞"
        } else {
            "已取消点赞"
        },
    ))
}

/// The author withdraws their post, pending or published (撤回).
pub async fn withdraw(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    posts::scope(&state.db, id)
        .await
        .found_if(|p| p.author_id == actor.user_id)?;
    take_off(&state, &ctx, id, ReviewStatus::Withdrawn, "").await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TakeDownForm {
    reason: String,
}

/// A superior takes a post down (撤下) with a reason its author reads.
pub async fn take_down(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<TakeDownForm>,
) -> AppResult<Response> {
    posts::scope(&state.db, id)
        .await
        .found_if(|p| actor.is_superior_of(&p.org_path))?;
    let reason = match text::required(&form.reason, crate::domain::review::REASON_MAX_CHARS) {
        Ok(r) => r,
        Err(_) => return Ok(flash_redirect(&state, "/posts", "撤下动态请写明原因")),
    };
    take_off(&state, &ctx, id, ReviewStatus::TakenDown, &reason).await
}

async fn take_off(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: ReviewStatus,
    reason: &str,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mut tx = state.db.begin().await?;
    if !posts::take_off(tx.conn(), id, status, reason, actor.user_id, now_epoch()).await? {
        drop(tx);
        return Ok(flash_redirect(state, "/posts", "该动态已不在发布中"));
    }
    let (action, done) = if status == ReviewStatus::Withdrawn {
        ("撤回党建新鲜事", "已撤回")
    } else {
        ("撤下党建新鲜事", "已撤下，发布者会看到原因")
    };
    ctx.audit(&mut tx, action, &format!("动态 {id}"), reason)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(state, "/posts", done))
}
