//! 党建新鲜事: posts, their review, the organizations trusted to post without review, likes.
use super::Db;
use super::photos;
use crate::domain::org::subtree_range;
use crate::domain::review::ReviewStatus;
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Post {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub author_name: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    pub return_reason: String,
    pub created_at: i64,
    pub likes: i64,
    pub liked: i64,
    /// Its photos' ids, in order.
    #[sqlx(skip)]
    pub photos: Vec<i64>,
}

/// What deciding who may see or review a post needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostScope {
    pub author_id: i64,
    #[sqlx(try_from = "String")]
    pub status: ReviewStatus,
    pub org_path: String,
}

/// Most photos on one post, as in a WeChat moment.
pub const MAX_PHOTOS: usize = 9;
/// Longest post text.
pub const BODY_MAX_CHARS: usize = 2000;

/// `$1` is the reader, for their own likes.
const SELECT: &str = "SELECT p.id, p.org_id, o.path AS org_path, o.name AS org_name, u.name AS author_name, p.body, p.status, p.return_reason, p.created_at, \
     (SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id) AS likes, \
     (SELECT COUNT(*) FROM post_likes l WHERE l.post_id = p.id AND l.user_id = $1) AS liked \
     FROM posts p JOIN orgs o ON o.id = p.org_id JOIN users u ON u.id = p.author_id";

/// Takes a pending or published post off: the author withdraws it, or a superior takes it
/// down with a reason the author reads. Nothing is deleted; points it earned stay. `false`
/// when it was already off.
pub async fn take_off(
    conn: &mut AnyConnection,
    id: i64,
    status: ReviewStatus,
    reason: &str,
    by: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE posts SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5 AND status IN ($6, $7)",
        status.code(),
        reason,
        by,
        now,
        id,
        ReviewStatus::Pending.code(),
        ReviewStatus::Approved.code()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn scope(db: &Db, id: i64) -> AppResult<PostScope> {
    Ok(sqlx::query_as(
        "SELECT p.author_id, p.status, o.path AS org_path FROM posts p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

/// Approved posts of a town's subtree and of the county itself, newest first.
pub async fn feed(
    db: &Db,
    reader: i64,
    town_path: Option<&str>,
    county_id: i64,
) -> AppResult<Vec<Post>> {
    // No town: a range that holds nothing.
    let (lo, hi) = town_path
        .map(subtree_range)
        .unwrap_or_else(|| ("~".into(), "~".into()));
    let posts = sqlx::query_as(&format!(
        "{SELECT} WHERE p.status = $2 AND ((o.path >= $3 AND o.path < $4) OR p.org_id = $5) ORDER BY p.id DESC LIMIT 50"
    ))
    .bind(reader)
    .bind(ReviewStatus::Approved.code())
    .bind(lo)
    .bind(hi)
    .bind(county_id)
    .fetch_all(db.pool())
    .await?;
    with_photos(db, posts).await
}

/// An organization's own newest approved posts (a 联村党总支's news).
pub async fn approved_of(db: &Db, reader: i64, org_id: i64, limit: i64) -> AppResult<Vec<Post>> {
    let posts = sqlx::query_as(&format!(
        "{SELECT} WHERE p.org_id = $2 AND p.status = $3 ORDER BY p.id DESC LIMIT $4"
    ))
    .bind(reader)
    .bind(org_id)
    .bind(ReviewStatus::Approved.code())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    with_photos(db, posts).await
}

/// The author's own posts, whatever their status, newest first.
pub async fn by_author(db: &Db, author: i64) -> AppResult<Vec<Post>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE p.author_id = $1 ORDER BY p.id DESC LIMIT 20"
    ))
    .bind(author)
    .fetch_all(db.pool())
    .await?)
}

/// Posts waiting for review strictly below `root` (the root's own posts are its superior's).
pub async fn pending_below(db: &Db, reader: i64, root: &str) -> AppResult<Vec<Post>> {
    let (lo, hi) = subtree_range(root);
    let posts = sqlx::query_as(&format!(
        "{SELECT} WHERE p.status = $2 AND o.path >= $3 AND o.path < $4 AND o.path <> $5 ORDER BY p.id LIMIT 50"
    ))
    .bind(reader)
    .bind(ReviewStatus::Pending.code())
    .bind(lo)
    .bind(hi)
    .bind(root)
    .fetch_all(db.pool())
    .await?;
    with_photos(db, posts).await
}

/// How many posts wait for review strictly below any of `roots`: the menu's count.
pub async fn pending_count_below(db: &Db, roots: &[&str]) -> AppResult<i64> {
    if roots.is_empty() {
        return Ok(0);
    }
    let mut binds = vec![ReviewStatus::Pending.code().to_string()];
    let mut alternatives = Vec::new();
    for root in roots {
        let (lo, hi) = subtree_range(root);
        binds.extend([lo, hi, root.to_string()]);
        let n = binds.len();
        alternatives.push(format!(
            "(o.path >= ${} AND o.path < ${} AND o.path <> ${n})",
            n - 2,
            n - 1
        ));
    }
    let sql = format!(
        "SELECT COUNT(*) FROM posts p JOIN orgs o ON o.id = p.org_id WHERE p.status = $1 AND ({})",
        alternatives.join(" OR ")
    );
    let mut q = sqlx::query_as::<_, (i64,)>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok(q.fetch_one(db.pool()).await?.0)
}

/// Fills in each post's photos with one query.
async fn with_photos(db: &Db, mut posts: Vec<Post>) -> AppResult<Vec<Post>> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    for ph in photos::of(db, photos::POST, &ids).await? {
        if let Some(p) = posts.iter_mut().find(|p| p.id == ph.owner_id) {
            p.photos.push(ph.id);
        }
    }
    Ok(posts)
}

pub async fn is_trusted(conn: &mut AnyConnection, org_id: i64) -> AppResult<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM trusted_orgs WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn insert(
    conn: &mut AnyConnection,
    org_id: i64,
    author: i64,
    body: &str,
    status: ReviewStatus,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO posts (org_id, author_id, body, status, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(author)
    .bind(body)
    .bind(status.code())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Trusts the organization, or stops trusting it; whether it is trusted now.
pub async fn toggle_trust(
    conn: &mut AnyConnection,
    org_id: i64,
    by: i64,
    now: i64,
) -> AppResult<bool> {
    super::toggle(
        conn,
        crate::q!("DELETE FROM trusted_orgs WHERE org_id = $1", org_id),
        crate::q!(
            "INSERT INTO trusted_orgs (org_id, trusted_by, trusted_at) VALUES ($1, $2, $3)",
            org_id,
            by,
            now
        ),
    )
    .await
}

/// Likes the post, or takes the like back; whether it is liked now.
pub async fn toggle_like(conn: &mut AnyConnection, post_id: i64, user_id: i64) -> AppResult<bool> {
    super::toggle(
        conn,
        crate::q!(
            "DELETE FROM post_likes WHERE post_id = $1 AND user_id = $2",
            post_id,
            user_id
        ),
        crate::q!(
            "INSERT INTO post_likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT (post_id, user_id) DO NOTHING",
            post_id,
            user_id
        ),
    )
    .await
}

/// Every member account of a branch likes the post (the demo's history).
pub async fn liked_by_branch(
    conn: &mut AnyConnection,
    post_id: i64,
    branch_id: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO post_likes (post_id, user_id) SELECT $1, u.id FROM users u JOIN members m ON m.id = u.member_id WHERE m.branch_id = $2",
        post_id,
        branch_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
