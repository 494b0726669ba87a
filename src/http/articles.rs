//! 理论自习室: editors publish articles to a subtree (now or at a set time); members read
//! them, and a read earns points only when completed after the minimum time on the page,
//! as the server measured it.
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, render, render_invalid};
use super::stored::{SavedPhoto, attach, check_photo, discard, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::clock::{SHANGHAI, format_minute, now_epoch, parse_date};
use crate::domain::points::PointRule;
use crate::domain::policy::Role;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::{audit, orgs, photos, points, settings};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub author: String,
    pub column_name: String,
    pub tags: String,
    pub body: String,
    pub publish_at: i64,
    pub org_path: String,
    #[sqlx(skip)]
    pub cover: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.title, a.source, a.author, a.column_name, a.tags, a.body, a.publish_at, o.path AS org_path \
     FROM articles a JOIN orgs o ON o.id = a.org_id";

/// Published articles for a member's branch (any audience above it), by title or tag.
async fn for_member(state: &AppState, branch_path: &str, q: &str) -> AppResult<Vec<Article>> {
    let ids: Vec<String> = crate::domain::org::path_ids(branch_path)
        .iter()
        .map(|i| i.to_string())
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE a.org_id IN ({}) AND a.publish_at <= $1 AND ($2 = '' OR a.title LIKE '%' || $2 || '%' OR a.tags LIKE '%' || $2 || '%') \
         ORDER BY a.publish_at DESC LIMIT 50",
        ids.join(",")
    ))
    .bind(now_epoch())
    .bind(q)
    .fetch_all(&state.db.pool)
    .await?)
}

#[derive(Template)]
#[template(path = "articles.html")]
struct ListPage {
    page: Page,
    q: String,
    articles: Vec<Article>,
    editor: bool,
}

impl ListPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let q: String = sq.text(30);
    let mut articles = for_member(&state, actor.branch_path.as_deref().unwrap_or(""), &q).await?;
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    for p in photos::of(&state.db, photos::ARTICLE, &ids).await? {
        if let Some(a) = articles
            .iter_mut()
            .find(|a| a.id == p.owner_id && p.role == photos::COVER)
        {
            a.cover = Some(p.id);
        }
    }
    render(&ListPage {
        page: ctx.page("理论自习室"),
        q,
        articles,
        editor: actor.has(Role::ContentEditor),
    })
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    page: Page,
    a: Article,
    html: String,
    when: String,
    done: bool,
    min_seconds: i64,
}

async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Article> {
    let actor = ctx.actor()?;
    let a: Article = sqlx::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?;
    let branch = actor.branch_path.as_deref().unwrap_or("");
    if a.publish_at > now_epoch() || !branch.starts_with(&a.org_path) {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// Whether the actor may see the article's pictures: a reader, or an editor of its audience
/// (who sees them before the publish time too).
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    if readable(state, ctx, id).await.is_ok() {
        return Ok(());
    }
    let (path,): (String,) = sqlx::query_as(
        "SELECT o.path FROM articles a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(&state.db.pool)
    .await?;
    let editor = ctx.actor()?.grants.iter().any(|g| {
        g.role == Role::ContentEditor && g.org_path.as_deref().is_some_and(|p| path.starts_with(p))
    });
    if editor {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Opening the article starts the reading clock (once; reopening does not restart it).
pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let mut a = readable(&state, &ctx, id).await?;
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let mut images = Vec::new();
    for p in photos::of(&state.db, photos::ARTICLE, &[id]).await? {
        match p.role.as_str() {
            photos::COVER => a.cover = Some(p.id),
            _ => images.push(format!("/photos/{}", p.id)),
        }
    }
    let mut tx = state.db.begin().await?;
    crate::q!(
        "INSERT INTO article_reads (article_id, member_id, started_at) VALUES ($1, $2, $3) ON CONFLICT (article_id, member_id) DO NOTHING",
        id,
        member,
        now_epoch()
    )
    .execute(tx.conn())
    .await?;
    let (done,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM article_reads WHERE article_id = $1 AND member_id = $2 AND completed_at IS NOT NULL")
        .bind(id)
        .bind(member)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    render(&ArticlePage {
        page: ctx.page(a.title.clone()),
        html: crate::domain::richtext::render_with_images(&a.body, &images),
        when: format_minute(a.publish_at),
        done: done > 0,
        min_seconds: settings::min_read_seconds(&state.db).await?,
        a,
    })
}

/// "读完了": counts only after the minimum time since the page was first opened.
pub async fn complete(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let a = readable(&state, &ctx, id).await?;
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let started: Option<(i64, Option<i64>)> = sqlx::query_as("SELECT started_at, completed_at FROM article_reads WHERE article_id = $1 AND member_id = $2")
        .bind(id)
        .bind(member)
        .fetch_optional(tx.conn())
        .await?;
    let back = format!("/articles/{id}");
    let Some((started_at, completed)) = started else {
        return Ok(flash_redirect(&state, &back, "请先阅读文章"));
    };
    if completed.is_some() {
        return Ok(flash_redirect(&state, &back, "已完成阅读"));
    }
    let min_seconds = settings::min_read_seconds(&state.db).await?;
    if now - started_at < min_seconds {
        drop(tx);
        return Ok(flash_redirect(
            &state,
            &back,
            &format!("阅读时间不足{min_seconds}秒，请认真读完后再点"),
        ));
    }
    crate::q!("UPDATE article_reads SET completed_at = $1 WHERE article_id = $2 AND member_id = $3 AND completed_at IS NULL", now, id, member)
        .execute(tx.conn())
        .await?;
    let earned = points::credit(
        tx.conn(),
        member,
        PointRule::ArticleRead,
        &format!("article:{id}:{member}"),
        &format!("阅读《{}》", a.title),
        now,
    )
    .await?;
    let badges = crate::store::badges::award_study(tx.conn(), member, now).await?;
    tx.commit().await?;
    let badge_note = if badges.is_empty() {
        String::new()
    } else {
        format!("，获得徽章：{}", badges.join("、"))
    };
    let msg = if earned > 0 {
        format!("已完成阅读，获得{earned}积分{badge_note}")
    } else {
        format!("已完成阅读（今日阅读积分已达上限）{badge_note}")
    };
    Ok(flash_redirect(&state, &back, &msg))
}

#[derive(Template)]
#[template(path = "article_form.html")]
struct FormPage {
    page: Page,
    orgs: Vec<Choice>,
    form: ArticleForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ArticleForm {
    org: String,
    title: String,
    source: String,
    author: String,
    column_name: String,
    tags: String,
    body: String,
    publish_date: String,
    publish_time: String,
}

async fn editor_orgs(state: &AppState, ctx: &Ctx, selected: &str) -> AppResult<Vec<Choice>> {
    let mut out = Vec::new();
    for g in ctx
        .actor()?
        .grants
        .iter()
        .filter(|g| g.role == Role::ContentEditor)
    {
        if let Some(id) = g
            .org_path
            .as_deref()
            .and_then(|p| crate::domain::org::path_ids(p).last().copied())
        {
            let o = orgs::get(&state.db, id).await?;
            out.push(Choice {
                value: o.id.to_string(),
                selected: selected == o.id.to_string(),
                label: o.name,
            });
        }
    }
    Ok(out)
}

pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let orgs = editor_orgs(&state, &ctx, "").await?;
    render(&FormPage {
        page: ctx.page("发布文章"),
        orgs,
        form: ArticleForm {
            column_name: "理论学习".into(),
            ..Default::default()
        },
        errors: FieldErrors::default(),
    })
}

/// Most pictures in one article's text.
const MAX_IMAGES: usize = 20;

/// The form (multipart: a cover and pictures beside the fields, CSRF in the address).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let upload = read_upload(multipart, "图片太大：每张不能超过10MB").await?;
    let field = |name: &str| upload.field(name).to_string();
    let form = ArticleForm {
        org: field("org"),
        title: field("title"),
        source: field("source"),
        author: field("author"),
        column_name: field("column_name"),
        tags: field("tags"),
        body: field("body"),
        publish_date: field("publish_date"),
        publish_time: field("publish_time"),
    };
    let actor = ctx.actor()?;
    let mut errors = FieldErrors::default();
    let cover = upload.files("cover");
    let images = upload.files("images");
    if let Some(e) = cover.first().and_then(|c| check_photo(c).err()) {
        errors.add("cover", e);
    }
    if images.len() > MAX_IMAGES {
        errors.add("images", format!("正文图片最多{MAX_IMAGES}张"));
    } else if let Some((i, e)) = images
        .iter()
        .enumerate()
        .find_map(|(i, p)| check_photo(p).err().map(|e| (i, e)))
    {
        errors.add("images", format!("第{}张图片：{e}", i + 1));
    }
    let org = match form.org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id).await.ok().filter(|o| {
            actor.grants.iter().any(|g| {
                g.role == Role::ContentEditor
                    && g.org_path.as_deref().is_some_and(|p| o.path.starts_with(p))
            })
        }),
        Err(_) => None,
    };
    if org.is_none() {
        errors.add("org", "请选择发布范围");
    }
    let title = errors.check("title", text::required(&form.title, 100));
    let source = errors.check("source", text::required(&form.source, 60));
    let author = errors.check("author", text::optional(&form.author, 40));
    let column_name = errors.check("column_name", text::required(&form.column_name, 20));
    let tags = errors.check("tags", text::optional(&form.tags, 60));
    let body = errors.check("body", text::required(&form.body, 50_000));
    let publish_at = match (form.publish_date.trim(), form.publish_time.trim()) {
        ("", _) => now_epoch(),
        (d, t) => {
            let time = if t.is_empty() {
                Some(time::Time::MIDNIGHT)
            } else {
                t.split_once(':').and_then(|(h, m)| {
                    time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
                })
            };
            match (parse_date(d), time) {
                (Some(d), Some(t)) => d.with_time(t).assume_offset(SHANGHAI).unix_timestamp(),
                _ => {
                    errors.add("publish_date", "发布时间格式如 2026-12-01 08:00");
                    0
                }
            }
        }
    };
    let (Some(org), true) = (org, errors.is_empty()) else {
        let orgs = editor_orgs(&state, &ctx, &form.org).await?;
        return render_invalid(&FormPage {
            page: ctx.page("发布文章"),
            orgs,
            form,
            errors,
        });
    };
    let base = format!("articles/{}", org.id);
    // One batch, cover first: one clean-up if anything after it fails.
    let pictures = cover
        .iter()
        .chain(images.iter())
        .map(|p| p.to_vec())
        .collect();
    let saved = save_photos(&state, &base, pictures).await?;
    let (cover, images) = saved.split_at(cover.len());
    let article = NewArticle {
        org: &org,
        title: &title,
        source: &source,
        author: &author,
        column_name: &column_name,
        tags: &tags,
        body: &body,
        publish_at,
    };
    if let Err(e) = write_article(&ctx, &state, &article, cover, images).await {
        discard(&state, &saved).await;
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        "/articles",
        &format!("已发布《{title}》（{}起可见）", format_minute(publish_at)),
    ))
}

struct NewArticle<'a> {
    org: &'a orgs::Org,
    title: &'a str,
    source: &'a str,
    author: &'a str,
    column_name: &'a str,
    tags: &'a str,
    body: &'a str,
    publish_at: i64,
}

/// The article, its pictures' rows and the audit entry, in one transaction.
async fn write_article(
    ctx: &Ctx,
    state: &AppState,
    a: &NewArticle<'_>,
    cover: &[SavedPhoto],
    images: &[SavedPhoto],
) -> AppResult<()> {
    let (org, title, publish_at) = (a.org, a.title, a.publish_at);
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO articles (org_id, title, source, author, column_name, tags, body, publish_at, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(org.id)
    .bind(title)
    .bind(a.source)
    .bind(a.author)
    .bind(a.column_name)
    .bind(a.tags)
    .bind(a.body)
    .bind(publish_at)
    .bind(ctx.actor()?.user_id)
    .bind(now)
    .fetch_one(tx.conn())
    .await?;
    let owner = (photos::ARTICLE, id);
    attach(tx.conn(), owner, photos::COVER, 0, cover, now).await?;
    attach(tx.conn(), owner, photos::IMAGE, cover.len(), images, now).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "发布文章",
        &format!("文章 {id} {title}"),
        audit::OK,
        &format!(
            "{}，{}，{}张图片",
            org.name,
            format_minute(publish_at),
            cover.len() + images.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
