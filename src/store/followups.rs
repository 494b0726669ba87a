//! 督促: follow-ups sent down the tree, read and answered by the organization.
use super::Db;
use crate::domain::followups::{NewFollowup, Topic, state_label};
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Followup {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub from_user: i64,
    pub from_name: String,
    #[sqlx(try_from = "String")]
    pub topic: Topic,
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub answer: String,
    pub answered_at: Option<i64>,
}

impl Followup {
    pub fn state(&self) -> &'static str {
        state_label(self.read_at.is_some(), self.answered_at.is_some())
    }
}

const SELECT: &str = "SELECT f.id, f.org_id, o.name AS org_name, o.path AS org_path, f.from_user, u.name AS from_name, \
     f.topic, f.message, f.created_at, f.read_at, f.answer, f.answered_at \
     FROM followups f JOIN orgs o ON o.id = f.org_id JOIN users u ON u.id = f.from_user";

pub async fn create(
    conn: &mut AnyConnection,
    org_id: i64,
    from: i64,
    f: &NewFollowup,
    finding: Option<i64>,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO followups (org_id, from_user, topic, message, created_at, finding_id) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(org_id)
    .bind(from)
    .bind(f.topic.code())
    .bind(&f.message)
    .bind(now)
    .bind(finding)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> AppResult<Followup> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// What a user sent, newest first.
pub async fn sent_by(db: &Db, user: i64) -> AppResult<Vec<Followup>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE f.from_user = $1 ORDER BY f.id DESC LIMIT 200"
    ))
    .bind(user)
    .fetch_all(db.pool())
    .await?)
}

/// What an organization received, newest first.
pub async fn to_org(db: &Db, org_id: i64) -> AppResult<Vec<Followup>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE f.org_id = $1 ORDER BY f.id DESC LIMIT 50"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// The first time one of the organization's administrators opens it.
pub async fn mark_read(conn: &mut AnyConnection, id: i64, by: i64, now: i64) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE followups SET read_at = $1, read_by = $2 WHERE id = $3 AND read_at IS NULL",
        now,
        by,
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn answer(
    conn: &mut AnyConnection,
    id: i64,
    by: i64,
    text: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE followups SET answer = $1, answered_at = $2, answered_by = $3, read_at = COALESCE(read_at, $2), read_by = COALESCE(read_by, $3) WHERE id = $4",
        text,
        now,
        by,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}
