//! 书记项目: projects, their milestones, progress updates and superiors' comments.
use super::Db;
use crate::domain::arena::ProjectInput;
use crate::domain::org::subtree_range;
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub owner_member_id: i64,
    pub owner_name: String,
    pub title: String,
    pub goal: String,
    pub targets: String,
    pub started_on: String,
    pub created_at: i64,
}

const PROJECT: &str = "SELECT p.id, p.org_id, o.path AS org_path, o.name AS org_name, p.owner_member_id, m.name AS owner_name, \
     p.title, p.goal, p.targets, p.started_on, p.created_at FROM projects p JOIN orgs o ON o.id = p.org_id JOIN members m ON m.id = p.owner_member_id";

pub async fn get(db: &Db, id: i64) -> AppResult<Project> {
    Ok(sqlx::query_as(&format!("{PROJECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// The projects of a subtree (the whole county with its root's path), newest first.
pub async fn in_subtree(db: &Db, path: &str) -> AppResult<Vec<Project>> {
    let (lo, hi) = subtree_range(path);
    Ok(sqlx::query_as(&format!(
        "{PROJECT} WHERE o.path >= $1 AND o.path < $2 ORDER BY p.started_on DESC, p.id DESC LIMIT 1000"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// The projects a member is responsible for.
pub async fn of_owner(db: &Db, member: i64) -> AppResult<Vec<Project>> {
    Ok(sqlx::query_as(&format!(
        "{PROJECT} WHERE p.owner_member_id = $1 ORDER BY p.started_on DESC, p.id DESC"
    ))
    .bind(member)
    .fetch_all(db.pool())
    .await?)
}

pub async fn insert(
    conn: &mut AnyConnection,
    org: i64,
    owner: i64,
    p: &ProjectInput,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO projects (org_id, owner_member_id, title, goal, targets, started_on, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(org)
    .bind(owner)
    .bind(&p.title)
    .bind(&p.goal)
    .bind(&p.targets)
    .bind(&p.started_on)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (i, (title, due)) in p.milestones.iter().enumerate() {
        crate::q!(
            "INSERT INTO project_milestones (project_id, position, title, due_on) VALUES ($1,$2,$3,$4)",
            id,
            i as i64,
            title,
            due
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Milestone {
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub due_on: String,
    pub done_on: Option<String>,
}

/// The milestones of several projects, in order.
pub async fn milestones(db: &Db, projects: &[i64]) -> AppResult<Vec<Milestone>> {
    if projects.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = projects.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!(
        "SELECT id, project_id, title, due_on, done_on FROM project_milestones WHERE project_id IN ({}) ORDER BY project_id, position",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?)
}

/// One project's milestones inside a write.
pub async fn milestones_in(conn: &mut AnyConnection, project: i64) -> AppResult<Vec<Milestone>> {
    Ok(sqlx::query_as(
        "SELECT id, project_id, title, due_on, done_on FROM project_milestones WHERE project_id = $1 ORDER BY position",
    )
    .bind(project)
    .fetch_all(conn)
    .await?)
}

/// Marks a milestone of the project done on `day`; `false` when it was done already.
pub async fn mark_done(
    conn: &mut AnyConnection,
    project: i64,
    milestone: i64,
    day: &str,
    by: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE project_milestones SET done_on = $1, done_by = $2 WHERE id = $3 AND project_id = $4 AND done_on IS NULL",
        day,
        by,
        milestone,
        project
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A progress update or a superior's comment: who wrote what, when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn add_update(
    conn: &mut AnyConnection,
    project: i64,
    author: i64,
    body: &str,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO project_updates (project_id, author_id, body, created_at) VALUES ($1,$2,$3,$4) RETURNING id",
    )
    .bind(project)
    .bind(author)
    .bind(body)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn add_comment(
    conn: &mut AnyConnection,
    project: i64,
    author: i64,
    body: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO project_comments (project_id, author_id, body, created_at) VALUES ($1,$2,$3,$4)",
        project,
        author,
        body,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A project's progress updates, newest first.
pub async fn updates(db: &Db, project: i64) -> AppResult<Vec<Note>> {
    Ok(sqlx::query_as(
        "SELECT n.id, u.name AS author_name, n.body, n.created_at FROM project_updates n JOIN users u ON u.id = n.author_id WHERE n.project_id = $1 ORDER BY n.id DESC",
    )
    .bind(project)
    .fetch_all(db.pool())
    .await?)
}

/// Superiors' comments on a project, oldest first.
pub async fn comments(db: &Db, project: i64) -> AppResult<Vec<Note>> {
    Ok(sqlx::query_as(
        "SELECT n.id, u.name AS author_name, n.body, n.created_at FROM project_comments n JOIN users u ON u.id = n.author_id WHERE n.project_id = $1 ORDER BY n.id",
    )
    .bind(project)
    .fetch_all(db.pool())
    .await?)
}

/// The project a progress update belongs to.
pub async fn project_of_update(db: &Db, update: i64) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as("SELECT project_id FROM project_updates WHERE id = $1")
        .bind(update)
        .fetch_one(db.pool())
        .await?;
    Ok(id)
}
