//! 理论自习室: articles addressed to a subtree, their reads and the reading clock.
use super::Db;
use super::photos;
use crate::domain::articles::ArticleText;
use crate::domain::org::path_ids;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

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
    /// The audience: the subtree it is addressed to.
    pub org_path: String,
    pub org_id: i64,
    pub org_name: String,
    pub withdrawn_at: Option<i64>,
    #[sqlx(skip)]
    pub cover: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.title, a.source, a.author, a.column_name, a.tags, a.body, a.publish_at, o.path AS org_path, \
     a.org_id, o.name AS org_name, a.withdrawn_at \
     FROM articles a JOIN orgs o ON o.id = a.org_id";

pub async fn get(db: &Db, id: i64) -> AppResult<Article> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// Articles published by `now` for a branch (addressed to it or any organization above),
/// by title or tag, newest first, with their covers.
pub async fn for_branch(db: &Db, branch_path: &str, q: &str, now: i64) -> AppResult<Vec<Article>> {
    let ids: Vec<String> = path_ids(branch_path).iter().map(i64::to_string).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut articles: Vec<Article> = sqlx::query_as(&format!(
        "{SELECT} WHERE a.org_id IN ({}) AND a.publish_at <= $1 AND a.withdrawn_at IS NULL AND ($2 = '' OR a.title LIKE '%' || $2 || '%' OR a.tags LIKE '%' || $2 || '%') \
         ORDER BY a.publish_at DESC LIMIT 50",
        ids.join(",")
    ))
    .bind(now)
    .bind(q)
    .fetch_all(db.pool())
    .await?;
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    for p in photos::of(db, photos::ARTICLE, &ids).await? {
        if p.role == photos::COVER
            && let Some(a) = articles.iter_mut().find(|a| a.id == p.owner_id)
        {
            a.cover = Some(p.id);
        }
    }
    Ok(articles)
}

pub async fn insert(
    conn: &mut AnyConnection,
    org_id: i64,
    a: &ArticleText,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO articles (org_id, title, source, author, column_name, tags, body, publish_at, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(org_id)
    .bind(&a.title)
    .bind(&a.source)
    .bind(&a.author)
    .bind(&a.column_name)
    .bind(&a.tags)
    .bind(&a.body)
    .bind(a.publish_at)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Corrects an article in place: its text, audience and publish time. Reads and the
/// points they earned stay as they are.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    org_id: i64,
    a: &ArticleText,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE articles SET org_id = $1, title = $2, source = $3, author = $4, column_name = $5, tags = $6, body = $7, publish_at = $8, updated_at = $9 WHERE id = $10",
        org_id,
        &a.title,
        &a.source,
        &a.author,
        &a.column_name,
        &a.tags,
        &a.body,
        a.publish_at,
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Withdraws an article (`Some(now)`) or publishes it again (`None`).
pub async fn set_withdrawn(conn: &mut AnyConnection, id: i64, at: Option<i64>) -> AppResult<()> {
    crate::q!(
        "UPDATE articles SET withdrawn_at = $1 WHERE id = $2",
        at,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An article as its editors list it: how many opened it and how many finished it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Managed {
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub publish_at: i64,
    pub withdrawn_at: Option<i64>,
    pub opened: i64,
    pub finished: i64,
}

/// The articles addressed to the editor's subtrees, newest first.
pub async fn managed(db: &Db, roots: &[&str]) -> AppResult<Vec<Managed>> {
    let (scope, args) = super::orgs::scope_clause("o.path", roots, 1);
    let sql = format!(
        "SELECT a.id, a.title, o.name AS org_name, a.publish_at, a.withdrawn_at, \
         (SELECT COUNT(*) FROM article_reads r WHERE r.article_id = a.id) AS opened, \
         (SELECT COUNT(*) FROM article_reads r WHERE r.article_id = a.id AND r.completed_at IS NOT NULL) AS finished \
         FROM articles a JOIN orgs o ON o.id = a.org_id WHERE {scope} ORDER BY a.publish_at DESC, a.id DESC LIMIT 200"
    );
    let mut q = sqlx::query_as(&sql);
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_all(db.pool()).await?)
}

/// A member's read of an article: when the page first opened, and when they finished.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Read {
    pub started_at: i64,
    pub completed_at: Option<i64>,
}

/// Starts the reading clock the first time the member opens the article (reopening does
/// not restart it); the read as it stands.
pub async fn open(
    conn: &mut AnyConnection,
    article: i64,
    member: i64,
    now: i64,
) -> AppResult<Read> {
    crate::q!(
        "INSERT INTO article_reads (article_id, member_id, started_at) VALUES ($1, $2, $3) ON CONFLICT (article_id, member_id) DO NOTHING",
        article,
        member,
        now
    )
    .execute(&mut *conn)
    .await?;
    read(conn, article, member).await?.ok_or(AppError::NotFound)
}

pub async fn read(conn: &mut AnyConnection, article: i64, member: i64) -> AppResult<Option<Read>> {
    Ok(sqlx::query_as(
        "SELECT started_at, completed_at FROM article_reads WHERE article_id = $1 AND member_id = $2",
    )
    .bind(article)
    .bind(member)
    .fetch_optional(conn)
    .await?)
}

/// Marks the read complete; `false` when it already was.
pub async fn complete(
    conn: &mut AnyConnection,
    article: i64,
    member: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE article_reads SET completed_at = $1 WHERE article_id = $2 AND member_id = $3 AND completed_at IS NULL",
        now,
        article,
        member
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Many completed reads in few statements (the demo's history):
/// (article, member, started at, completed at).
pub async fn insert_reads(
    conn: &mut AnyConnection,
    reads: &[(i64, i64, i64, i64)],
) -> AppResult<()> {
    for chunk in reads.chunks(400) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = 1 + i * 4;
                format!("(${p}, ${}, ${}, ${})", p + 1, p + 2, p + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO article_reads (article_id, member_id, started_at, completed_at) VALUES {}",
            values.join(",")
        );
        let mut query = sqlx::query(&sql);
        for (article, member, started, completed) in chunk {
            query = query
                .bind(*article)
                .bind(*member)
                .bind(*started)
                .bind(*completed);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
