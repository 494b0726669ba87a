//! 好经验好做法: members' experiences, their review, attachments and "useful" marks.
use super::Db;
use crate::domain::org::subtree_range;
use crate::domain::review::ReviewStatus;
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Experience {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub author_id: i64,
    pub author_name: String,
    pub title: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    pub return_reason: String,
    pub created_at: i64,
    pub useful: i64,
    pub marked: i64,
}

/// `$1` is the reader, for their own mark.
const SELECT: &str = "SELECT x.id, x.org_id, o.path AS org_path, o.name AS org_name, x.author_id, u.name AS author_name, x.title, x.body, x.status, \
     x.return_reason, x.created_at, (SELECT COUNT(*) FROM experience_useful f WHERE f.experience_id = x.id) AS useful, \
     (SELECT COUNT(*) FROM experience_useful f WHERE f.experience_id = x.id AND f.user_id = $1) AS marked \
     FROM experiences x JOIN orgs o ON o.id = x.org_id JOIN users u ON u.id = x.author_id";

pub async fn get(db: &Db, reader: i64, id: i64) -> AppResult<Experience> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE x.id = $2"))
        .bind(reader)
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// Published experiences, newest first.
pub async fn published(db: &Db, reader: i64) -> AppResult<Vec<Experience>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE x.status = $2 ORDER BY x.id DESC LIMIT 50"
    ))
    .bind(reader)
    .bind(ReviewStatus::Approved.code())
    .fetch_all(db.pool())
    .await?)
}

pub async fn by_author(db: &Db, author: i64) -> AppResult<Vec<Experience>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE x.author_id = $1 ORDER BY x.id DESC LIMIT 20"
    ))
    .bind(author)
    .fetch_all(db.pool())
    .await?)
}

/// Experiences waiting for review strictly below `root` (the root's own are its superior's).
pub async fn pending_below(db: &Db, reader: i64, root: &str) -> AppResult<Vec<Experience>> {
    let (lo, hi) = subtree_range(root);
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE x.status = $2 AND o.path >= $3 AND o.path < $4 AND o.path <> $5 ORDER BY x.id LIMIT 50"
    ))
    .bind(reader)
    .bind(ReviewStatus::Pending.code())
    .bind(lo)
    .bind(hi)
    .bind(root)
    .fetch_all(db.pool())
    .await?)
}

/// 学一学 比一比: the published experiences of a subtree marked useful most often since
/// `since`, with those marks.
pub async fn most_useful(
    db: &Db,
    path: &str,
    since: i64,
    limit: i64,
) -> AppResult<Vec<(i64, String, String, i64)>> {
    let (lo, hi) = subtree_range(path);
    Ok(sqlx::query_as(
        "SELECT x.id, x.title, o.name, COUNT(*) AS marks FROM experience_useful f JOIN experiences x ON x.id = f.experience_id \
         JOIN orgs o ON o.id = x.org_id WHERE x.status = $1 AND o.path >= $2 AND o.path < $3 AND f.marked_at >= $4 \
         GROUP BY x.id, x.title, o.name ORDER BY marks DESC, x.id DESC LIMIT $5",
    )
    .bind(ReviewStatus::Approved.code())
    .bind(lo)
    .bind(hi)
    .bind(since)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

pub async fn insert(
    conn: &mut AnyConnection,
    org: i64,
    author: i64,
    (title, body): (&str, &str),
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO experiences (org_id, author_id, title, body, status, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(org)
    .bind(author)
    .bind(title)
    .bind(body)
    .bind(ReviewStatus::Pending.code())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Marks the experience useful, or takes the mark back; whether it is marked now.
pub async fn toggle_useful(
    conn: &mut AnyConnection,
    id: i64,
    user: i64,
    now: i64,
) -> AppResult<bool> {
    super::toggle(
        conn,
        crate::q!(
            "DELETE FROM experience_useful WHERE experience_id = $1 AND user_id = $2",
            id,
            user
        ),
        crate::q!(
            "INSERT INTO experience_useful (experience_id, user_id, marked_at) VALUES ($1,$2,$3) ON CONFLICT (experience_id, user_id) DO NOTHING",
            id,
            user,
            now
        ),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub experience_id: i64,
    pub file_name: String,
    pub storage_key: String,
    pub size: i64,
}

pub async fn add_file(
    conn: &mut AnyConnection,
    experience: i64,
    file_name: &str,
    (key, size): (&str, i64),
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO experience_files (experience_id, file_name, storage_key, size, created_at) VALUES ($1,$2,$3,$4,$5)",
        experience,
        file_name,
        key,
        size,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn files(db: &Db, experience: i64) -> AppResult<Vec<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT id, experience_id, file_name, storage_key, size FROM experience_files WHERE experience_id = $1 ORDER BY id",
    )
    .bind(experience)
    .fetch_all(db.pool())
    .await?)
}

pub async fn file(db: &Db, id: i64) -> AppResult<Attachment> {
    Ok(sqlx::query_as(
        "SELECT id, experience_id, file_name, storage_key, size FROM experience_files WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

/// Every `nth` member account of a branch marks the experience useful (the demo's history).
pub async fn useful_by_branch(
    conn: &mut AnyConnection,
    id: i64,
    branch: i64,
    nth: i64,
    at: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO experience_useful (experience_id, user_id, marked_at) SELECT $1, u.id, $2 FROM users u JOIN members m ON m.id = u.member_id \
         WHERE m.branch_id = $3 AND u.id % $4 = 0 ON CONFLICT (experience_id, user_id) DO NOTHING",
        id,
        at,
        branch,
        nth
    )
    .execute(conn)
    .await?;
    Ok(())
}
