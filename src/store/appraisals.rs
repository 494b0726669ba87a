//! 民主评议党员: a branch's evaluation of a year, its members' self-assessments, the secret
//! votes (kept under a keyed hash of the voter) and the branch meeting's results.
use crate::crypto::Keys;
use crate::domain::appraisal::{Decision, Grade, Tally};
use crate::domain::clock::format_date;
use crate::domain::org::subtree_range;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use std::collections::HashMap;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppraisalRow {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub year: i64,
    pub opened_on: String,
    pub decided_on: Option<String>,
    pub meeting_id: Option<i64>,
}

impl AppraisalRow {
    pub fn is_open(&self) -> bool {
        self.decided_on.is_none()
    }
}

const SELECT: &str = "SELECT a.id, a.branch_id, b.name AS branch_name, b.path AS branch_path, a.year, a.opened_on, a.decided_on, a.meeting_id \
     FROM appraisals a JOIN orgs b ON b.id = a.branch_id";

/// The key a voter's votes are kept under: the same for each of their votes in one
/// evaluation, and telling nobody without the server's key who they are.
pub fn voter_key(keys: &Keys, appraisal: i64, member: i64) -> String {
    keys.lookup_hash("appraisal-voter", &format!("{appraisal}:{member}"))
}

/// Every evaluation's id (a key rotation goes through their votes).
pub async fn ids(db: &super::Db) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM appraisals ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Moves the votes of evaluation `id` kept under a replaced key to the writing key's voter
/// keys (a key rotation); how many moved. One transaction.
pub async fn rekey_votes(db: &super::Db, keys: &Keys, id: i64) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let voters: Vec<(i64,)> =
        sqlx::query_as("SELECT member_id FROM appraisal_members WHERE appraisal_id = $1")
            .bind(id)
            .fetch_all(tx.conn())
            .await?;
    let mut moved = 0;
    for (voter,) in voters {
        moved += move_votes(tx.conn(), keys, id, voter).await?;
    }
    tx.commit().await?;
    Ok(moved)
}

/// Moves a voter's votes kept under a key a rotation replaced to the writing key's voter key;
/// how many moved.
async fn move_votes(conn: &mut AnyConnection, keys: &Keys, id: i64, voter: i64) -> AppResult<u64> {
    let current = voter_key(keys, id, voter);
    let replaced: Vec<String> = voter_keys(keys, id, voter)
        .into_iter()
        .filter(|k| *k != current)
        .collect();
    if replaced.is_empty() {
        return Ok(0);
    }
    Ok(crate::q!(
        &format!(
            "UPDATE appraisal_votes SET voter_key = $1 WHERE appraisal_id = $2 AND {}",
            super::hash_in("voter_key", &replaced)
        ),
        &current,
        id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Every key a voter's votes may be kept under while a key rotation is under way.
fn voter_keys(keys: &Keys, appraisal: i64, member: i64) -> Vec<String> {
    keys.lookup_hashes("appraisal-voter", &format!("{appraisal}:{member}"))
}

/// Opens a branch's evaluation of `year` with the members taking part; the year's second is
/// a conflict.
pub async fn open(
    conn: &mut AnyConnection,
    branch: i64,
    year: i32,
    members: &[i64],
    today: Date,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (same,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM appraisals WHERE branch_id = $1 AND year = $2")
            .bind(branch)
            .bind(i64::from(year))
            .fetch_one(&mut *conn)
            .await?;
    if same > 0 {
        return Err(AppError::Conflict(format!(
            "本支部已开展{year}年度民主评议"
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO appraisals (branch_id, year, opened_on, opened_by, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(branch)
    .bind(i64::from(year))
    .bind(format_date(today))
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for m in members {
        crate::q!(
            "INSERT INTO appraisal_members (appraisal_id, member_id) VALUES ($1, $2)",
            id,
            m
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<AppraisalRow> {
    sqlx::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// The evaluations of a subtree's branches for `year`.
pub async fn in_subtree(db: &super::Db, root: &str, year: i64) -> AppResult<Vec<AppraisalRow>> {
    let (lo, hi) = subtree_range(root);
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE b.path >= $1 AND b.path < $2 AND a.year = $3 ORDER BY b.path"
    ))
    .bind(lo)
    .bind(hi)
    .bind(year)
    .fetch_all(db.pool())
    .await?)
}

/// Open evaluations a member takes part in.
pub async fn open_for_member(db: &super::Db, member: i64) -> AppResult<Vec<AppraisalRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} JOIN appraisal_members p ON p.appraisal_id = a.id WHERE p.member_id = $1 AND a.decided_on IS NULL ORDER BY a.year DESC"
    ))
    .bind(member)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Participant {
    pub member_id: i64,
    pub name: String,
    pub self_text: String,
    pub self_at: Option<i64>,
    pub voted_at: Option<i64>,
    pub grade: Option<String>,
    pub reason: String,
    pub handling: String,
}

impl Participant {
    pub fn grade(&self) -> Option<Grade> {
        self.grade.as_deref().and_then(Grade::from_code)
    }
    pub fn grade_label(&self) -> &'static str {
        self.grade().map(|g| g.label()).unwrap_or("")
    }
    pub fn handling_label(&self) -> &'static str {
        crate::domain::appraisal::Handling::from_code(&self.handling)
            .map(|h| h.label())
            .unwrap_or("")
    }
}

pub async fn participants(db: &super::Db, id: i64) -> AppResult<Vec<Participant>> {
    Ok(sqlx::query_as(
        "SELECT p.member_id, m.name, p.self_text, p.self_at, p.voted_at, p.grade, p.reason, p.handling \
         FROM appraisal_members p JOIN members m ON m.id = p.member_id WHERE p.appraisal_id = $1 ORDER BY m.posts = '', m.name, m.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

/// A participant's self-assessment; false when the member does not take part.
pub async fn save_self(
    conn: &mut AnyConnection,
    id: i64,
    member: i64,
    text: &str,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE appraisal_members SET self_text = $1, self_at = $2 WHERE appraisal_id = $3 AND member_id = $4",
        text,
        now,
        id,
        member
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A voter's votes: one per colleague, a second replacing the first; the voter is marked as
/// having voted, apart from what they voted.
pub async fn cast(
    conn: &mut AnyConnection,
    keys: &Keys,
    id: i64,
    voter: i64,
    votes: &[(i64, Grade)],
    now: i64,
) -> AppResult<()> {
    let key = voter_key(keys, id, voter);
    // Votes kept under a key a rotation has replaced move to this one first, so that a second
    // vote replaces them rather than counting beside them.
    move_votes(&mut *conn, keys, id, voter).await?;
    for (rated, grade) in votes {
        crate::q!(
            "INSERT INTO appraisal_votes (appraisal_id, voter_key, rated_member_id, grade) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (appraisal_id, voter_key, rated_member_id) DO UPDATE SET grade = excluded.grade",
            id,
            &key,
            rated,
            grade.code()
        )
        .execute(&mut *conn)
        .await?;
    }
    crate::q!(
        "UPDATE appraisal_members SET voted_at = $1 WHERE appraisal_id = $2 AND member_id = $3",
        now,
        id,
        voter
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The voter's own votes, to show them what they chose: rated member → grade.
pub async fn own_votes(
    db: &super::Db,
    keys: &Keys,
    id: i64,
    voter: i64,
) -> AppResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT rated_member_id, grade FROM appraisal_votes WHERE appraisal_id = $1 AND {}",
        super::hash_in("voter_key", &voter_keys(keys, id, voter))
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

/// The votes counted per member: counts only, never who.
pub async fn tallies(db: &super::Db, id: i64) -> AppResult<HashMap<i64, Tally>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT rated_member_id, grade, COUNT(*) FROM appraisal_votes WHERE appraisal_id = $1 GROUP BY rated_member_id, grade",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut out: HashMap<i64, Tally> = HashMap::new();
    for (member, grade, n) in rows {
        if let Some(g) = Grade::from_code(&grade) {
            out.entry(member).or_default().0[g.index()] += n;
        }
    }
    Ok(out)
}

/// The branch meeting's result for one participant; false when they do not take part.
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    member: i64,
    d: &Decision,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE appraisal_members SET grade = $1, reason = $2, handling = $3 WHERE appraisal_id = $4 AND member_id = $5",
        d.grade.code(),
        &d.reason,
        d.handling.map(|h| h.code()).unwrap_or(""),
        id,
        member
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes an evaluation whose every participant has a result: the meeting's day and, when
/// recorded here, the meeting. False when it was closed already or someone is undecided.
pub async fn close(
    conn: &mut AnyConnection,
    id: i64,
    on: Date,
    meeting: Option<i64>,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE appraisals SET decided_on = $1, meeting_id = $2 WHERE id = $3 AND decided_on IS NULL \
         AND NOT EXISTS (SELECT 1 FROM appraisal_members p WHERE p.appraisal_id = $3 AND p.grade IS NULL)",
        format_date(on),
        meeting,
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A member's results of finished evaluations: (year, branch, grade, decided on).
pub async fn results_of_member(
    db: &super::Db,
    member: i64,
) -> AppResult<Vec<(i64, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.year, b.name, p.grade, a.decided_on FROM appraisal_members p JOIN appraisals a ON a.id = p.appraisal_id \
         JOIN orgs b ON b.id = a.branch_id WHERE p.member_id = $1 AND a.decided_on IS NOT NULL AND p.grade IS NOT NULL ORDER BY a.year DESC",
    )
    .bind(member)
    .fetch_all(db.pool())
    .await?)
}

/// The results of a subtree's finished evaluations of `year`, counted per branch: (branch
/// path, grade, members). Kept while nothing was written, at most 30 s, like the dues ledgers:
/// every administrator's 数据看板 shows them, and they change once a year.
pub async fn grades_in(
    db: &super::Db,
    root: &str,
    year: i64,
) -> AppResult<std::sync::Arc<Vec<(String, String, i64)>>> {
    type Kept = (
        u64,
        std::time::Instant,
        std::sync::Arc<Vec<(String, String, i64)>>,
    );
    static KEPT: std::sync::OnceLock<std::sync::Mutex<HashMap<(String, i64), Kept>>> =
        std::sync::OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    let key = (root.to_string(), year);
    let writes = super::committed_writes();
    if let Some((at, when, grades)) = kept.lock().expect("not poisoned").get(&key)
        && *at == writes
        && when.elapsed() < std::time::Duration::from_secs(30)
    {
        return Ok(grades.clone());
    }
    let (lo, hi) = subtree_range(root);
    let grades: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT b.path, p.grade, COUNT(*) FROM appraisal_members p JOIN appraisals a ON a.id = p.appraisal_id JOIN orgs b ON b.id = a.branch_id \
         WHERE b.path >= $1 AND b.path < $2 AND a.year = $3 AND a.decided_on IS NOT NULL AND p.grade IS NOT NULL GROUP BY b.path, p.grade",
    )
    .bind(lo)
    .bind(hi)
    .bind(year)
    .fetch_all(db.pool())
    .await?;
    let grades = std::sync::Arc::new(grades);
    let mut kept = kept.lock().expect("not poisoned");
    if kept.len() >= 16 {
        kept.clear();
    }
    kept.insert(key, (writes, std::time::Instant::now(), grades.clone()));
    Ok(grades)
}

/// Many votes at once (the demo's years): (evaluation, voter key, rated member, grade).
pub async fn insert_votes(
    conn: &mut AnyConnection,
    votes: &[(i64, String, i64, Grade)],
) -> AppResult<()> {
    for chunk in votes.chunks(400) {
        // Ids, hex keys and grade codes only: nothing typed by a person.
        let values: Vec<String> = chunk
            .iter()
            .map(|(a, key, rated, g)| format!("({a}, '{key}', {rated}, '{}')", g.code()))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO appraisal_votes (appraisal_id, voter_key, rated_member_id, grade) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
