//! Photos that belong to an article (its cover and the pictures in its text), to a
//! 党建新鲜事 post, a prize, or to what 云上擂台 shows. The files are in storage already; these rows point at them.
use crate::error::AppResult;
use sqlx::AnyConnection;

pub const ARTICLE: &str = "article";
pub const POST: &str = "post";
pub const PRIZE: &str = "prize";
/// A 擂台比武 entry's photos.
pub const ENTRY: &str = "entry";
/// A 书记项目 progress update's photos.
pub const PROJECT_UPDATE: &str = "project_update";
pub const VANGUARD: &str = "vanguard";
/// 好经验好做法.
pub const EXPERIENCE: &str = "experience";
/// A 慰问 visit's photos.
pub const CARE_VISIT: &str = "care_visit";
pub const COVER: &str = "cover";
pub const IMAGE: &str = "image";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContentPhoto {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub role: String,
    pub position: i64,
    pub storage_key: String,
    pub thumb_key: String,
}

const COLUMNS: &str = "id, owner_kind, owner_id, role, position, storage_key, thumb_key";

pub struct NewPhoto<'a> {
    pub owner_kind: &'static str,
    pub owner_id: i64,
    pub role: &'static str,
    pub position: i64,
    pub storage_key: &'a str,
    pub thumb_key: &'a str,
}

pub async fn add(conn: &mut AnyConnection, p: &NewPhoto<'_>, now: i64) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO content_photos (owner_kind, owner_id, role, position, storage_key, thumb_key, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(p.owner_kind)
    .bind(p.owner_id)
    .bind(p.role)
    .bind(p.position)
    .bind(p.storage_key)
    .bind(p.thumb_key)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The rows for saved photos of one owner and role, in order from `first_position`.
pub async fn attach(
    conn: &mut AnyConnection,
    owner: (&'static str, i64),
    role: &'static str,
    first_position: usize,
    saved: &[crate::files::SavedPhoto],
    now: i64,
) -> AppResult<()> {
    for (i, p) in saved.iter().enumerate() {
        let row = NewPhoto {
            owner_kind: owner.0,
            owner_id: owner.1,
            role,
            position: (first_position + i) as i64,
            storage_key: &p.key,
            thumb_key: &p.thumb_key,
        };
        add(&mut *conn, &row, now).await?;
    }
    Ok(())
}

/// Sets an owner's photos of one role aside when new ones replace them: the rows and files
/// stay (nothing a record pointed at is deleted), no page shows them any more.
pub async fn replace_role(
    conn: &mut AnyConnection,
    owner: (&'static str, i64),
    role: &'static str,
) -> AppResult<()> {
    crate::q!(
        "UPDATE content_photos SET owner_kind = $1 WHERE owner_kind = $2 AND owner_id = $3 AND role = $4",
        format!("{}:replaced", owner.0),
        owner.0,
        owner.1,
        role
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The photos of several owners of one kind, in order.
pub async fn of(
    db: &super::Db,
    owner_kind: &str,
    owner_ids: &[i64],
) -> AppResult<Vec<ContentPhoto>> {
    if owner_ids.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = owner_ids.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM content_photos WHERE owner_kind = $1 AND owner_id IN ({}) ORDER BY owner_id, role, position",
        ids.join(",")
    ))
    .bind(owner_kind)
    .fetch_all(db.pool())
    .await?)
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<ContentPhoto> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM content_photos WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}
