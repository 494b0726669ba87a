//! 理论自习室: editors publish articles to a subtree (now or at a set time); members read
//! them, and a read earns points only when completed after the minimum time on the page,
//! as the server measured it.
use super::access::{Editor, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, org_choices, render, render_invalid};
use super::stored::{check_photo, discard, read_upload, save_photos};
use super::{AppState, Ctx};
use crate::domain::articles::{self as rules, ArticleInput, ArticleText, MAX_IMAGES};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::points::LedgerKey;
use crate::domain::policy::Actor;
use crate::error::AppResult;
use crate::files::SavedPhoto;
use crate::http::form::Query;
use crate::store::articles::{self, Article};
use crate::store::{orgs, photos, points, settings};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "articles.html")]
struct ListPage {
    page: Page,
    q: String,
    articles: Vec<Article>,
}

impl ListPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let q: String = sq.text();
    let articles = articles::for_branch(&state.db, &member.branch_path, &q, now_epoch()).await?;
    render(&ListPage {
        page: ctx.page("理论自习室"),
        q,
        articles,
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

/// Readers see a published article addressed to their branch or above, unless withdrawn.
fn readable(actor: &Actor, a: &Article) -> bool {
    rules::is_published(a.publish_at, now_epoch())
        && a.withdrawn_at.is_none()
        && actor.in_audience(&a.org_path)
}

/// Whether the actor may see the article's pictures: a reader, or an editor of its audience
/// (who sees them before the publish time too).
pub async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<()> {
    let actor = ctx.actor()?;
    articles::get(&state.db, id)
        .await
        .found_if(|a| readable(actor, a) || actor.edits(&a.org_path))?;
    Ok(())
}

/// Opening the article starts the reading clock (once; reopening does not restart it).
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mut a = articles::get(&state.db, id)
        .await
        .found_if(|a| readable(actor, a))?;
    let mut images = Vec::new();
    for p in photos::of(&state.db, photos::ARTICLE, &[id]).await? {
        match p.role.as_str() {
            photos::COVER => a.cover = Some(p.id),
            _ => images.push(format!("/photos/{}", p.id)),
        }
    }
    let mut tx = state.db.begin().await?;
    let read = articles::open(tx.conn(), id, member.id, now_epoch()).await?;
    tx.commit().await?;
    render(&ArticlePage {
        page: ctx.page(a.title.clone()),
        html: crate::domain::richtext::render_with_images(&a.body, &images),
        when: format_minute(a.publish_at),
        done: read.completed_at.is_some(),
        min_seconds: settings::min_read_seconds(&state.db).await?,
        a,
    })
}

/// "读完了": counts only after the minimum time since the page was first opened.
pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let a = articles::get(&state.db, id)
        .await
        .found_if(|a| readable(actor, a))?;
    let (member, now) = (member.id, now_epoch());
    let back = format!("/articles/{id}");
    let min_seconds = settings::min_read_seconds(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let Some(read) = articles::read(tx.conn(), id, member).await? else {
        return Ok(flash_redirect(&state, &back, "请先阅读文章"));
    };
    if read.completed_at.is_some() {
        return Ok(flash_redirect(&state, &back, "已完成阅读"));
    }
    if !rules::read_long_enough(read.started_at, now, min_seconds) {
        return Ok(flash_redirect(
            &state,
            &back,
            &format!("阅读时间不足{min_seconds}秒，请认真读完后再点"),
        ));
    }
    articles::complete(tx.conn(), id, member, now).await?;
    let key = LedgerKey::article_read(id, member);
    let reason = format!("阅读《{}》", a.title);
    let earned = points::credit(tx.conn(), member, &key, &reason, now).await?;
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
    /// The article being corrected; `None` for a new one.
    editing: Option<i64>,
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

impl ArticleForm {
    fn from_upload(upload: &super::stored::Upload) -> Self {
        let field = |name: &str| upload.field(name).to_string();
        ArticleForm {
            org: field("org"),
            title: field("title"),
            source: field("source"),
            author: field("author"),
            column_name: field("column_name"),
            tags: field("tags"),
            body: field("body"),
            publish_date: field("publish_date"),
            publish_time: field("publish_time"),
        }
    }

    fn input(&self) -> ArticleInput<'_> {
        ArticleInput {
            title: &self.title,
            source: &self.source,
            author: &self.author,
            column_name: &self.column_name,
            tags: &self.tags,
            body: &self.body,
            publish_date: &self.publish_date,
            publish_time: &self.publish_time,
        }
    }
}

/// What an editor sent: the form as typed, its pictures, and either the audience and text
/// that passed every rule or the problems.
struct Submitted {
    form: ArticleForm,
    cover: Vec<Vec<u8>>,
    images: Vec<Vec<u8>>,
    checked: Result<(orgs::Org, ArticleText), FieldErrors>,
}

/// Reads and checks the article form (multipart: a cover and pictures beside the fields).
async fn submitted(
    state: &AppState,
    editor: &Actor,
    multipart: axum::extract::Multipart,
) -> AppResult<Submitted> {
    let upload = read_upload(multipart, "图片太大：每张不能超过10MB").await?;
    let form = ArticleForm::from_upload(&upload);
    let owned =
        |name: &str| -> Vec<Vec<u8>> { upload.files(name).iter().map(|p| p.to_vec()).collect() };
    let (cover, images) = (owned("cover"), owned("images"));
    let org = audience(state, editor, &form.org).await?;
    let text = rules::parse(&form.input(), now_epoch());
    let mut errors = text.clone().err().unwrap_or_default();
    check_pictures(&mut errors, &cover, &images);
    if org.is_none() {
        errors.add("org", "请选择发布范围");
    }
    let checked = match (org, text) {
        (Some(org), Ok(text)) if errors.is_empty() => Ok((org, text)),
        _ => Err(errors),
    };
    Ok(Submitted {
        form,
        cover,
        images,
        checked,
    })
}

/// A cover and pictures that are photos, and not too many of them.
fn check_pictures(errors: &mut FieldErrors, cover: &[Vec<u8>], images: &[Vec<u8>]) {
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
}

/// The organization chosen as the audience, when the editor may publish to it.
async fn audience(state: &AppState, editor: &Actor, org: &str) -> AppResult<Option<orgs::Org>> {
    Ok(match org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id)
            .await
            .found_if(|o| editor.edits(&o.path))
            .ok(),
        Err(_) => None,
    })
}

/// The audiences an editor may publish to: the roots of their grants.
async fn editor_orgs(state: &AppState, editor: &Actor, selected: &str) -> AppResult<Vec<Choice>> {
    let orgs = orgs::at_roots(&state.db, &editor.editor_roots()).await?;
    Ok(org_choices(&orgs, selected))
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
) -> AppResult<Response> {
    render(&FormPage {
        page: ctx.page("发布文章"),
        orgs: editor_orgs(&state, &editor, "").await?,
        form: ArticleForm {
            column_name: rules::DEFAULT_COLUMN.into(),
            ..Default::default()
        },
        errors: FieldErrors::default(),
        editing: None,
    })
}

/// The form (multipart: a cover and pictures beside the fields, CSRF in the address).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let Submitted {
        form,
        cover,
        images,
        checked,
    } = submitted(&state, &editor, multipart).await?;
    let (org, text) = match checked {
        Ok(ok) => ok,
        Err(errors) => {
            return render_invalid(&FormPage {
                page: ctx.page("发布文章"),
                orgs: editor_orgs(&state, &editor, &form.org).await?,
                form,
                errors,
                editing: None,
            });
        }
    };
    // One batch, cover first: one clean-up if anything after it fails.
    let pictures = cover.iter().chain(images.iter()).cloned();
    let base = format!("articles/{}", org.id);
    let saved = save_photos(&state, &base, pictures.collect()).await?;
    let (cover, images) = saved.split_at(cover.len());
    let written = write_article(&ctx, &state, &editor, &org, &text, cover, images).await;
    if let Err(e) = written {
        discard(&state, &saved).await;
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        "/articles",
        &format!(
            "已发布《{}》（{}起可见）",
            text.title,
            format_minute(text.publish_at)
        ),
    ))
}

/// The article, its pictures' rows and the audit entry, in one transaction.
async fn write_article(
    ctx: &Ctx,
    state: &AppState,
    editor: &Actor,
    org: &orgs::Org,
    a: &ArticleText,
    cover: &[SavedPhoto],
    images: &[SavedPhoto],
) -> AppResult<()> {
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let id = articles::insert(tx.conn(), org.id, a, editor.user_id, now).await?;
    let owner = (photos::ARTICLE, id);
    photos::attach(tx.conn(), owner, photos::COVER, 0, cover, now).await?;
    photos::attach(tx.conn(), owner, photos::IMAGE, cover.len(), images, now).await?;
    ctx.audit(
        &mut tx,
        "发布文章",
        &format!("文章 {id} {}", a.title),
        &format!(
            "{}，{}，{}张图片",
            org.name,
            format_minute(a.publish_at),
            cover.len() + images.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "articles_manage.html")]
struct ManagePage {
    page: Page,
    articles: Vec<articles::Managed>,
    now: i64,
}

impl ManagePage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// 文章管理: the articles addressed to the editor's subtrees — scheduled, published or
/// withdrawn — with how many opened and finished each.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
) -> AppResult<Response> {
    render(&ManagePage {
        page: ctx.page("文章管理"),
        articles: articles::managed(&state.db, &editor.editor_roots()).await?,
        now: now_epoch(),
    })
}

/// An article the editor edits (addressed to their subtree); another's is 404.
async fn edited(state: &AppState, editor: &Actor, id: i64) -> AppResult<Article> {
    articles::get(&state.db, id)
        .await
        .found_if(|a| editor.edits(&a.org_path))
}

pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
) -> AppResult<Response> {
    let a = edited(&state, &editor, id).await?;
    let at = crate::domain::clock::format_minute(a.publish_at);
    let (date, time) = at.split_once(' ').unwrap_or((&at, ""));
    let form = ArticleForm {
        org: a.org_id.to_string(),
        title: a.title.clone(),
        source: a.source.clone(),
        author: a.author.clone(),
        column_name: a.column_name.clone(),
        tags: a.tags.clone(),
        body: a.body.clone(),
        publish_date: date.to_string(),
        publish_time: time.to_string(),
    };
    render(&FormPage {
        page: ctx.page(format!("修改文章：{}", a.title)),
        orgs: editor_orgs(&state, &editor, &form.org).await?,
        form,
        errors: FieldErrors::default(),
        editing: Some(id),
    })
}

/// Corrects an article in place, audited; who read it keeps their credit, and nobody is
/// credited twice (a read is one per member and article).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let before = edited(&state, &editor, id).await?;
    let Submitted {
        form,
        cover,
        images,
        checked,
    } = submitted(&state, &editor, multipart).await?;
    let (org, text) = match checked {
        Ok(ok) => ok,
        Err(errors) => {
            return render_invalid(&FormPage {
                page: ctx.page(format!("修改文章：{}", before.title)),
                orgs: editor_orgs(&state, &editor, &form.org).await?,
                form,
                errors,
                editing: Some(id),
            });
        }
    };
    // New pictures on disk first; the ones they replace are set aside in the same
    // transaction as the text.
    let pictures = cover.iter().chain(images.iter()).cloned();
    let saved = save_photos(&state, &format!("articles/{}", org.id), pictures.collect()).await?;
    let (new_cover, new_images) = saved.split_at(cover.len());
    let pictures = (new_cover, new_images);
    let written = rewrite_article(&ctx, &state, id, &before, &org, &text, pictures).await;
    if let Err(e) = written {
        discard(&state, &saved).await;
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        "/articles/manage",
        &format!("已修改《{}》", text.title),
    ))
}

/// The corrected text, any replaced pictures (cover, images) and the audit entry, in one
/// transaction.
async fn rewrite_article(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
    before: &Article,
    org: &orgs::Org,
    text: &ArticleText,
    (cover, images): (&[SavedPhoto], &[SavedPhoto]),
) -> AppResult<()> {
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    articles::update(tx.conn(), id, org.id, text, now).await?;
    let owner = (photos::ARTICLE, id);
    if !cover.is_empty() {
        photos::replace_role(tx.conn(), owner, photos::COVER).await?;
        photos::attach(tx.conn(), owner, photos::COVER, 0, cover, now).await?;
    }
    if !images.is_empty() {
        photos::replace_role(tx.conn(), owner, photos::IMAGE).await?;
        photos::attach(tx.conn(), owner, photos::IMAGE, 1, images, now).await?;
    }
    let renamed = if before.title == text.title {
        String::new()
    } else {
        format!("原标题《{}》，", before.title)
    };
    let pictures = match (cover.len(), images.len()) {
        (0, 0) => String::new(),
        (c, i) => format!("，更换封面{c}张、正文图片{i}张"),
    };
    ctx.audit(
        &mut tx,
        "修改文章",
        &format!("文章 {id} {}", text.title),
        &format!(
            "{renamed}{}，{}{pictures}",
            org.name,
            format_minute(text.publish_at)
        ),
    )
    .await?;
    tx.commit().await
}

/// 撤回: members no longer see the article nor its pictures; its reads and credits stay.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
) -> AppResult<Response> {
    set_withdrawn(state, ctx, editor, id, true).await
}

/// 重新发布 a withdrawn article.
pub async fn republish(
    State(state): State<AppState>,
    ctx: Ctx,
    Editor(editor): Editor,
    Id(id): Id,
) -> AppResult<Response> {
    set_withdrawn(state, ctx, editor, id, false).await
}

async fn set_withdrawn(
    state: AppState,
    ctx: Ctx,
    editor: Actor,
    id: i64,
    withdrawn: bool,
) -> AppResult<Response> {
    let a = edited(&state, &editor, id).await?;
    let mut tx = state.db.begin().await?;
    articles::set_withdrawn(tx.conn(), id, withdrawn.then(now_epoch)).await?;
    let action = if withdrawn {
        "撤回文章"
    } else {
        "重新发布文章"
    };
    ctx.audit(&mut tx, action, &format!("文章 {id} {}", a.title), "")
        .await?;
    tx.commit().await?;
    let done = if withdrawn {
        "已撤回"
    } else {
        "已重新发布"
    };
    Ok(flash_redirect(
        &state,
        "/articles/manage",
        &format!("{done}《{}》", a.title),
    ))
}
