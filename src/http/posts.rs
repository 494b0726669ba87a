//! 党建新鲜事: branches post their activities; a superior reviews them (approve, or return
//! with a reason) unless it trusts the branch; members see their branch's, town's and county's
//! approved posts and like them. An approved post earns its author points.
use super::context::{Page, flash_redirect};
use super::form::{Id, Review, render};
use super::stored::{SavedPhoto, attach, check_photo, discard, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::org::{path_ids, subtree_range};
use crate::domain::points::PointRule;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::{audit, orgs, photos, points};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Post {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub author_name: String,
    pub body: String,
    pub status: String,
    pub return_reason: String,
    pub created_at: i64,
    pub likes: i64,
    pub liked: i64,
    /// Its photos' ids, in order.
    #[sqlx(skip)]
    pub photos: Vec<i64>,
}

/// Most photos on one post, as in a WeChat moment.
pub const MAX_PHOTOS: usize = 9;

/// Fills in each post's photos with one query.
async fn with_photos(state: &AppState, mut posts: Vec<Post>) -> AppResult<Vec<Post>> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    for ph in photos::of(&state.db, photos::POST, &ids).await? {
        if let Some(p) = posts.iter_mut().find(|p| p.id == ph.owner_id) {
            p.photos.push(ph.id);
        }
    }
    Ok(posts)
}

/// Whether the actor may see a post: its author, an administrator of its organization or
/// above (the reviewer), or, once approved, a member of its town or county.
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let (in_feed, involved) = access(state, ctx, id).await?;
    if in_feed || involved {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether a post is in the actor's feed (approved, from their town or the county), and
/// whether they are involved in it (its author, or an administrator of it or above).
async fn access(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(bool, bool)> {
    let actor = ctx.actor()?;
    let (author, status, path): (i64, String, String) = sqlx::query_as(
        "SELECT p.author_id, p.status, o.path FROM posts p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&state.db.pool)
    .await?;
    let branch = actor.branch_path.as_deref().unwrap_or("");
    let (ids, branch_ids) = (path_ids(&path), path_ids(branch));
    let in_feed = status == "approved"
        && match ids.len() {
            1 => branch_ids.first() == ids.first(),
            _ => branch_ids.len() > 1 && branch_ids[..2] == ids[..2],
        };
    Ok((in_feed, author == actor.user_id || actor.administers(&path)))
}

const SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, u.name AS author_name, p.body, p.status, p.return_reason, p.created_at, \
     (SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id) AS likes, \
     (SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked \
     FROM posts p JOIN orgs o ON o.id = p.org_id JOIN users u ON u.id = p.author_id";

#[derive(Template)]
#[template(path = "posts.html")]
struct FeedPage {
    page: Page,
    posts: Vec<Post>,
    mine: Vec<Post>,
    can_post: Vec<(i64, String)>,
    pending: Vec<Post>,
    error: String,
    max_photos: usize,
    draft: String,
}

impl FeedPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

async fn feed_page(state: &AppState, ctx: &Ctx, error: String) -> AppResult<FeedPage> {
    let actor = ctx.actor()?;
    let branch = actor.branch_path.clone().unwrap_or_default();
    let ids = path_ids(&branch);
    // The member's town (the county's child on the way down) and the county itself.
    let (town_lo, town_hi) = match ids.get(1) {
        Some(_) => subtree_range(&format!("/{}/{}/", ids[0], ids[1])),
        None => (String::from("~"), String::from("~")),
    };
    let county = ids.first().copied().unwrap_or(0);
    let posts: Vec<Post> = sqlx::query_as(&format!(
        "{SELECT} WHERE p.status = 'approved' AND ((o.path >= $2 AND o.path < $3) OR p.org_id = $4) ORDER BY p.id DESC LIMIT 50"
    ))
    .bind(actor.user_id)
    .bind(town_lo)
    .bind(town_hi)
    .bind(county)
    .fetch_all(&state.db.pool)
    .await?;
    let mine: Vec<Post> = sqlx::query_as(&format!(
        "{SELECT} WHERE p.author_id = $1 ORDER BY p.id DESC LIMIT 20"
    ))
    .bind(actor.user_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut can_post = Vec::new();
    for root in actor.admin_roots() {
        if let Some(id) = path_ids(root).last() {
            can_post.push((*id, orgs::get(&state.db, *id).await?.name));
        }
    }
    // Posts waiting for this administrator: below their roots, not their own root's.
    let mut pending = Vec::new();
    for root in actor.admin_roots() {
        let (lo, hi) = subtree_range(root);
        let root_id = path_ids(root).last().copied().unwrap_or(0);
        let rows: Vec<Post> = sqlx::query_as(&format!(
            "{SELECT} WHERE p.status = 'pending' AND o.path >= $2 AND o.path < $3 AND p.org_id <> $4 ORDER BY p.id LIMIT 50"
        ))
        .bind(actor.user_id)
        .bind(lo)
        .bind(hi)
        .bind(root_id)
        .fetch_all(&state.db.pool)
        .await?;
        pending.extend(rows);
    }
    Ok(FeedPage {
        page: ctx.page("党建新鲜事"),
        posts: with_photos(state, posts).await?,
        mine,
        can_post,
        pending: with_photos(state, pending).await?,
        error,
        max_photos: MAX_PHOTOS,
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
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let form = read_upload(multipart, "照片太大：每张不能超过10MB").await?;
    let org = match form.field("org").trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id)
            .await
            .ok()
            .filter(|o| actor.administers(&o.path)),
        Err(_) => None,
    };
    let pictures = form.files("photos");
    let body = text::required(form.field("body"), 2000);
    let error = match (&org, &body) {
        (None, _) => "请选择发布的组织".to_string(),
        (_, Err(_)) => "请填写动态内容（2000字以内）".to_string(),
        _ if pictures.len() > MAX_PHOTOS => format!("最多上传{MAX_PHOTOS}张照片"),
        _ => pictures
            .iter()
            .enumerate()
            .find_map(|(i, p)| {
                check_photo(p)
                    .err()
                    .map(|e| format!("第{}张照片：{e}", i + 1))
            })
            .unwrap_or_default(),
    };
    let (Some(org), Ok(body), true) = (org, body, error.is_empty()) else {
        // The text typed stays in the form; photos must be chosen again.
        let mut page = feed_page(&state, &ctx, error).await?;
        page.draft = form.field("body").to_string();
        return super::form::render_invalid(&page);
    };
    let pictures: Vec<Vec<u8>> = pictures.into_iter().map(<[u8]>::to_vec).collect();
    let saved = save_photos(&state, &format!("posts/{}", org.id), pictures).await?;
    let written = write_post(&state, &ctx, &org, &body, &saved).await;
    let direct = match written {
        Ok(direct) => direct,
        Err(e) => {
            discard(&state, &saved).await;
            return Err(e);
        }
    };
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
    org: &orgs::Org,
    body: &str,
    saved: &[SavedPhoto],
) -> AppResult<bool> {
    let actor = ctx.actor()?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let (trusted,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM trusted_orgs WHERE org_id = $1")
        .bind(org.id)
        .fetch_one(tx.conn())
        .await?;
    // The county's own posts, and trusted organizations', go out at once.
    let direct = trusted > 0 || org.parent_id.is_none();
    let (id,): (i64,) = sqlx::query_as("INSERT INTO posts (org_id, author_id, body, status, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(org.id)
        .bind(actor.user_id)
        .bind(body)
        .bind(if direct { "approved" } else { "pending" })
        .bind(now)
        .fetch_one(tx.conn())
        .await?;
    if direct && let Some(member) = actor.member_id {
        points::credit(
            tx.conn(),
            member,
            PointRule::PostApproved,
            &format!("post:{id}"),
            "党建新鲜事发布",
            now,
        )
        .await?;
    }
    attach(tx.conn(), (photos::POST, id), photos::IMAGE, 0, saved, now).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "发布党建新鲜事",
        &format!("动态 {id} {}", org.name),
        audit::OK,
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

async fn post_in_review_scope(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(i64, i64, String)> {
    let (org_id, author, path): (i64, i64, String) = sqlx::query_as("SELECT p.org_id, p.author_id, o.path FROM posts p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?;
    // A superior reviews: an administrator of a subtree strictly above the posting organization.
    let actor = ctx.actor()?;
    if !actor
        .admin_roots()
        .iter()
        .any(|r| path.starts_with(r) && path != *r)
    {
        return Err(AppError::NotFound);
    }
    Ok((org_id, author, path))
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<super::form::ReviewForm>,
) -> AppResult<Response> {
    let (_, author, _) = post_in_review_scope(&state, &ctx, id).await?;
    let Some(review) = Review::parse(&form)? else {
        return Ok(flash_redirect(&state, "/posts", "退回时请写明原因"));
    };
    let (approve, reason) = (review.approve, review.reason.clone());
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let reviewer = ctx.actor()?.user_id;
    if !review.record(tx.conn(), "posts", id, reviewer, now).await? {
        drop(tx);
        return Ok(flash_redirect(&state, "/posts", "该动态已审核"));
    }
    if approve {
        let member: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT member_id FROM users WHERE id = $1")
                .bind(author)
                .fetch_optional(tx.conn())
                .await?;
        if let Some((Some(m),)) = member {
            points::credit(
                tx.conn(),
                m,
                PointRule::PostApproved,
                &format!("post:{id}"),
                "党建新鲜事发布",
                now,
            )
            .await?;
        }
    }
    let action = if approve {
        "审核通过党建新鲜事"
    } else {
        "退回党建新鲜事"
    };
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        action,
        &format!("动态 {id}"),
        audit::OK,
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        if approve { "已通过" } else { "已退回" },
    ))
}

/// A superior trusts (or stops trusting) an organization: its posts then skip review.
pub async fn trust(State(state): State<AppState>, ctx: Ctx, Id(org_id): Id) -> AppResult<Response> {
    let org = orgs::get(&state.db, org_id).await?;
    let actor = ctx.actor()?;
    if !actor
        .admin_roots()
        .iter()
        .any(|r| org.path.starts_with(r) && org.path != *r)
    {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    let removed = crate::q!("DELETE FROM trusted_orgs WHERE org_id = $1", org_id)
        .execute(tx.conn())
        .await?;
    let trusted = removed.rows_affected() == 0;
    if trusted {
        crate::q!(
            "INSERT INTO trusted_orgs (org_id, trusted_by, trusted_at) VALUES ($1, $2, $3)",
            org_id,
            actor.user_id,
            now_epoch()
        )
        .execute(tx.conn())
        .await?;
    }
    let action = if trusted {
        "信任组织发布"
    } else {
        "取消信任组织发布"
    };
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        action,
        &org.name,
        audit::OK,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        &format!("已{action}：{}", org.name),
    ))
}

pub async fn like(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    // Only posts in the member's feed.
    if !access(&state, &ctx, id).await?.0 {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    let removed = crate::q!(
        "DELETE FROM post_likes WHERE post_id = $1 AND user_id = $2",
        id,
        actor.user_id
    )
    .execute(tx.conn())
    .await?;
    if removed.rows_affected() == 0 {
        crate::q!("INSERT INTO post_likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT (post_id, user_id) DO NOTHING", id, actor.user_id)
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/posts",
        if removed.rows_affected() == 0 {
            "已点赞"
        } else {
            "已取消点赞"
        },
    ))
}
