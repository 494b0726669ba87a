//! 兵支书 (veteran secretaries and their stories) and 党员先锋岗 (vanguard posts).
use super::Db;
use crate::error::AppResult;
use sqlx::AnyConnection;

/// A secretary who served in the army, with their branch.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Veteran {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub joined_on: String,
    pub posts: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub story: Option<String>,
}

/// Secretaries (书记) who are veterans, in branch order. The posts column lists codes
/// separated by commas.
const VETERAN: &str = "SELECT m.id, m.name, m.gender, m.joined_on, m.posts, m.branch_id, o.name AS branch_name, o.path AS branch_path, s.story \
     FROM members m JOIN orgs o ON o.id = m.branch_id LEFT JOIN veteran_stories s ON s.member_id = m.id \
     WHERE m.veteran = 1 AND (',' || m.posts || ',') LIKE '%,secretary,%' AND o.dissolved_at IS NULL AND m.left_on IS NULL";

pub async fn veterans(db: &Db) -> AppResult<Vec<Veteran>> {
    Ok(
        sqlx::query_as(&format!("{VETERAN} ORDER BY o.path, m.id LIMIT 2000"))
            .fetch_all(db.pool())
            .await?,
    )
}

pub async fn veteran(db: &Db, member: i64) -> AppResult<Veteran> {
    Ok(sqlx::query_as(&format!("{VETERAN} AND m.id = $1"))
        .bind(member)
        .fetch_one(db.pool())
        .await?)
}

pub async fn save_story(
    conn: &mut AnyConnection,
    member: i64,
    story: &str,
    by: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO veteran_stories (member_id, story, updated_by, updated_at) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (member_id) DO UPDATE SET story = excluded.story, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        member,
        story,
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn categories(db: &Db) -> AppResult<Vec<(i64, String)>> {
    Ok(
        sqlx::query_as("SELECT id, name FROM vanguard_categories ORDER BY id")
            .fetch_all(db.pool())
            .await?,
    )
}

/// Adds a category; `false` when one of that name exists.
pub async fn add_category(conn: &mut AnyConnection, name: &str, now: i64) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO vanguard_categories (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VanguardPost {
    pub id: i64,
    pub category_id: i64,
    pub category: String,
    pub member_id: i64,
    pub member_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub title: String,
    pub description: String,
    #[sqlx(skip)]
    pub photo: Option<i64>,
}

const VANGUARD: &str = "SELECT v.id, v.category_id, c.name AS category, v.member_id, m.name AS member_name, v.org_id, o.name AS org_name, o.path AS org_path, \
     v.title, v.description FROM vanguard_posts v JOIN vanguard_categories c ON c.id = v.category_id JOIN members m ON m.id = v.member_id \
     JOIN orgs o ON o.id = v.org_id WHERE v.retired_at IS NULL";

/// The posts held now, by category and organization (a county sets up a few hundred).
pub async fn vanguard_posts(db: &Db) -> AppResult<Vec<VanguardPost>> {
    let mut posts: Vec<VanguardPost> = sqlx::query_as(&format!(
        "{VANGUARD} ORDER BY v.category_id, o.path, v.id LIMIT 500"
    ))
    .fetch_all(db.pool())
    .await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    for ph in super::photos::of(db, super::photos::VANGUARD, &ids).await? {
        if let Some(p) = posts.iter_mut().find(|p| p.id == ph.owner_id) {
            p.photo.get_or_insert(ph.id);
        }
    }
    Ok(posts)
}

pub async fn vanguard_post(db: &Db, id: i64) -> AppResult<VanguardPost> {
    Ok(sqlx::query_as(&format!("{VANGUARD} AND v.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

pub struct NewVanguard<'a> {
    pub category: i64,
    pub member: i64,
    pub org: i64,
    pub title: &'a str,
    pub description: &'a str,
}

pub async fn add_vanguard(
    conn: &mut AnyConnection,
    v: &NewVanguard<'_>,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO vanguard_posts (category_id, member_id, org_id, title, description, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(v.category)
    .bind(v.member)
    .bind(v.org)
    .bind(v.title)
    .bind(v.description)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Takes a post off the showcase (the member left it); the row stays.
pub async fn retire_vanguard(conn: &mut AnyConnection, id: i64, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE vanguard_posts SET retired_at = $1 WHERE id = $2",
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}
