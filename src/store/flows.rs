//! 流动党员: flows out of and into branches, open until they end.
use crate::crypto::Keys;
use crate::domain::clock::format_date;
use crate::domain::flow::{Direction, Flow};
use crate::domain::org::subtree_range;
use crate::domain::text::mask_phone;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowRow {
    pub id: i64,
    pub direction: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub member_id: Option<i64>,
    pub name: String,
    pub phone_mask: String,
    pub place: String,
    pub other_org: String,
    pub since: String,
    pub ended_on: Option<String>,
}

impl FlowRow {
    pub fn direction(&self) -> Direction {
        Direction::from_code(&self.direction).unwrap_or(Direction::Out)
    }
}

const SELECT: &str = "SELECT f.id, f.direction, f.branch_id, b.name AS branch_name, b.path AS branch_path, \
     f.member_id, f.name, f.phone_mask, f.place, f.other_org, f.since, f.ended_on FROM flows f JOIN orgs b ON b.id = f.branch_id";

/// Registers a flow in `branch`; a member already flowing out is a conflict.
pub async fn insert(
    conn: &mut AnyConnection,
    keys: &Keys,
    branch: i64,
    f: &Flow,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    if let Some(member) = f.member_id {
        let (open,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM flows WHERE member_id = $1 AND ended_on IS NULL")
                .bind(member)
                .fetch_one(&mut *conn)
                .await?;
        if open > 0 {
            return Err(AppError::Conflict("该党员已登记为流动党员".into()));
        }
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO flows (direction, branch_id, member_id, name, phone_enc, phone_mask, place, other_org, since, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id",
    )
    .bind(f.direction.code())
    .bind(branch)
    .bind(f.member_id)
    .bind(&f.name)
    .bind(f.phone.as_deref().map(|p| keys.encrypt(p)))
    .bind(f.phone.as_deref().map(mask_phone).unwrap_or_default())
    .bind(&f.place)
    .bind(&f.other_org)
    .bind(format_date(f.since))
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<FlowRow> {
    sqlx::query_as(&format!("{SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// Ends an open flow; false when it had ended already.
pub async fn end(conn: &mut AnyConnection, id: i64, on: Date) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE flows SET ended_on = $1 WHERE id = $2 AND ended_on IS NULL",
        format_date(on),
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open flows of the branches in a subtree (and, with `ended`, the ended ones too), by
/// branch and start.
pub async fn in_subtree(db: &super::Db, root: &str, ended: bool) -> AppResult<Vec<FlowRow>> {
    let (lo, hi) = subtree_range(root);
    let open = if ended { "" } else { " AND f.ended_on IS NULL" };
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE b.path >= $1 AND b.path < $2{open} ORDER BY b.path, f.ended_on IS NOT NULL, f.since DESC, f.id"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// A member's open flow out, if any.
pub async fn open_of_member(db: &super::Db, member: i64) -> AppResult<Option<FlowRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE f.member_id = $1 AND f.ended_on IS NULL"
    ))
    .bind(member)
    .fetch_optional(db.pool())
    .await?)
}

/// Members flowing out now who have an open account: (member, account).
pub async fn out_with_accounts(db: &super::Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT f.member_id, u.id FROM flows f JOIN members m ON m.id = f.member_id JOIN users u ON u.member_id = m.id \
         WHERE f.direction = 'out' AND f.ended_on IS NULL AND m.left_on IS NULL AND u.disabled = 0 ORDER BY f.member_id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Members from elsewhere recorded at a meeting: (flow, name), by name.
pub async fn guests_of(db: &super::Db, meeting: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT f.id, f.name FROM meeting_guests g JOIN flows f ON f.id = g.flow_id WHERE g.meeting_id = $1 ORDER BY f.name, f.id",
    )
    .bind(meeting)
    .fetch_all(db.pool())
    .await?)
}

/// Records a member from elsewhere at a meeting (once).
pub async fn add_guest(
    conn: &mut AnyConnection,
    meeting: i64,
    flow: i64,
    by: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO meeting_guests (meeting_id, flow_id, by_user_id, at) VALUES ($1,$2,$3,$4) ON CONFLICT (meeting_id, flow_id) DO NOTHING",
        meeting,
        flow,
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How many meetings each of some flows' members took part in: flow → meetings.
pub async fn meetings_attended(
    db: &super::Db,
    flows: &[i64],
) -> AppResult<std::collections::HashMap<i64, i64>> {
    if flows.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = flows.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT flow_id, COUNT(*) FROM meeting_guests WHERE flow_id IN ({}) GROUP BY flow_id",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}
