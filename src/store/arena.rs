//! 擂台比武: contests, their criteria, judges and invited organizations, entries with their
//! figures and edit history, judges' scores and members' votes.
use super::Db;
use crate::domain::arena::{ContestInput, Criterion, EntryInput, Figure, Score};
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contest {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub title: String,
    pub period: String,
    pub held_on: String,
    pub deadline: String,
    pub voting: i64,
    pub published_at: Option<i64>,
    pub created_at: i64,
    /// Entries submitted so far.
    pub entries: i64,
}

impl Contest {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }
}

const CONTEST: &str = "SELECT c.id, c.org_id, o.path AS org_path, o.name AS org_name, c.title, c.period, c.held_on, c.deadline, c.voting, c.published_at, c.created_at, \
     (SELECT COUNT(*) FROM contest_entries e WHERE e.contest_id = c.id) AS entries FROM contests c JOIN orgs o ON o.id = c.org_id";

pub async fn contest(db: &Db, id: i64) -> AppResult<Contest> {
    Ok(sqlx::query_as(&format!("{CONTEST} WHERE c.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

/// Published contests, newest first.
pub async fn published(db: &Db, limit: i64) -> AppResult<Vec<Contest>> {
    Ok(sqlx::query_as(&format!(
        "{CONTEST} WHERE c.published_at IS NOT NULL ORDER BY c.held_on DESC, c.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// Contests not yet published (a county holds a few dozen a year): the page keeps those
/// the reader may see.
pub async fn unpublished(db: &Db) -> AppResult<Vec<Contest>> {
    Ok(sqlx::query_as(&format!(
        "{CONTEST} WHERE c.published_at IS NULL ORDER BY c.held_on DESC, c.id DESC LIMIT 500"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// The paths of the organizers of contests published in a year ("2023"), one per contest.
pub async fn organizers_in_year(db: &Db, year: &str) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT o.path FROM contests c JOIN orgs o ON o.id = c.org_id WHERE c.published_at IS NOT NULL AND c.held_on >= $1 AND c.held_on < $2",
    )
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-32"))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// A new contest with its criteria, judges and invited organizations.
pub async fn insert_contest(
    conn: &mut AnyConnection,
    org_id: i64,
    c: &ContestInput,
    judges: &[i64],
    invites: &[i64],
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO contests (org_id, title, period, held_on, deadline, voting, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(org_id)
    .bind(&c.title)
    .bind(&c.period)
    .bind(&c.held_on)
    .bind(&c.deadline)
    .bind(i64::from(c.voting))
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (i, cr) in c.criteria.iter().enumerate() {
        crate::q!(
            "INSERT INTO contest_criteria (contest_id, position, name, weight, max_score) VALUES ($1,$2,$3,$4,$5)",
            id,
            i as i64,
            &cr.name,
            cr.weight,
            cr.max_score
        )
        .execute(&mut *conn)
        .await?;
    }
    for judge in judges {
        crate::q!(
            "INSERT INTO contest_judges (contest_id, user_id) VALUES ($1,$2)",
            id,
            judge
        )
        .execute(&mut *conn)
        .await?;
    }
    for org in invites {
        crate::q!(
            "INSERT INTO contest_invites (contest_id, org_id) VALUES ($1,$2)",
            id,
            org
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn criteria(db: &Db, contest: i64) -> AppResult<Vec<Criterion>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT name, weight, max_score FROM contest_criteria WHERE contest_id = $1 ORDER BY position",
    )
    .bind(contest)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, weight, max_score)| Criterion {
            name,
            weight,
            max_score,
        })
        .collect())
}

/// The contest's judges: (account, name).
pub async fn judges(db: &Db, contest: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name FROM contest_judges j JOIN users u ON u.id = j.user_id WHERE j.contest_id = $1 ORDER BY u.id",
    )
    .bind(contest)
    .fetch_all(db.pool())
    .await?)
}

/// The organizations invited: (id, path, name).
pub async fn invites(db: &Db, contest: i64) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.path, o.name FROM contest_invites i JOIN orgs o ON o.id = i.org_id WHERE i.contest_id = $1 ORDER BY o.sort_order, o.id",
    )
    .bind(contest)
    .fetch_all(db.pool())
    .await?)
}

/// The accounts administering an invited organization directly (its secretary): who the
/// invitation and the result are told to.
pub async fn invited_admins(conn: &mut AnyConnection, contest: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT g.user_id FROM contest_invites i JOIN role_grants g ON g.org_id = i.org_id \
         WHERE i.contest_id = $1 AND g.role IN ('branch_admin', 'org_admin') ORDER BY g.user_id",
    )
    .bind(contest)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Accounts holding an organization administrator's grant, with their grant's path: the
/// judges an organizer may pick from are those at or above the contest.
pub async fn administrators(db: &Db) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, o.path FROM role_grants g JOIN users u ON u.id = g.user_id JOIN orgs o ON o.id = g.org_id \
         WHERE g.role = 'org_admin' AND u.disabled = 0 ORDER BY u.id",
    )
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub contest_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub org_name: String,
    pub author_id: i64,
    pub author_name: String,
    pub report: String,
    pub video_url: String,
    pub submitted_at: i64,
    pub updated_at: i64,
    /// The contest's, for an organization's list across contests.
    pub contest_title: String,
    pub held_on: String,
    pub published_at: Option<i64>,
}

const ENTRY: &str = "SELECT e.id, e.contest_id, e.org_id, o.path AS org_path, o.name AS org_name, e.author_id, u.name AS author_name, \
     e.report, e.video_url, e.submitted_at, e.updated_at, c.title AS contest_title, c.held_on, c.published_at \
     FROM contest_entries e JOIN orgs o ON o.id = e.org_id JOIN users u ON u.id = e.author_id JOIN contests c ON c.id = e.contest_id";

pub async fn entry(db: &Db, id: i64) -> AppResult<Entry> {
    Ok(sqlx::query_as(&format!("{ENTRY} WHERE e.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

pub async fn entries(db: &Db, contest: i64) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "{ENTRY} WHERE e.contest_id = $1 ORDER BY e.submitted_at, e.id"
    ))
    .bind(contest)
    .fetch_all(db.pool())
    .await?)
}

/// An organization's entries across contests, oldest first (progress over the quarters).
pub async fn entries_of_org(db: &Db, org: i64) -> AppResult<Vec<Entry>> {
    Ok(sqlx::query_as(&format!(
        "{ENTRY} WHERE e.org_id = $1 ORDER BY c.held_on, c.id"
    ))
    .bind(org)
    .fetch_all(db.pool())
    .await?)
}

/// The entries of these organizations, newest first.
pub async fn entries_by_orgs(db: &Db, orgs: &[i64]) -> AppResult<Vec<Entry>> {
    if orgs.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = orgs.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!(
        "{ENTRY} WHERE e.org_id IN ({}) ORDER BY c.held_on DESC, c.id DESC",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?)
}

/// The organization's entry in the latest contest held before `held_on`, if any.
pub async fn previous_entry(
    db: &Db,
    org: i64,
    held_on: &str,
    contest: i64,
) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT e.id FROM contest_entries e JOIN contests c ON c.id = e.contest_id \
         WHERE e.org_id = $1 AND c.id <> $2 AND c.held_on <= $3 ORDER BY c.held_on DESC, c.id DESC LIMIT 1",
    )
    .bind(org)
    .bind(contest)
    .bind(held_on)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(id,)| id))
}

/// The figures of several entries: (entry, figure), in order.
pub async fn figures(db: &Db, entries: &[i64]) -> AppResult<Vec<(i64, Figure)>> {
    if entries.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = entries.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
        "SELECT entry_id, label, value, unit FROM entry_figures WHERE entry_id IN ({}) ORDER BY entry_id, position",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(e, label, value, unit)| (e, Figure { label, value, unit }))
        .collect())
}

/// The organization's entry id in the contest, when it has one.
pub async fn entry_of(conn: &mut AnyConnection, contest: i64, org: i64) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM contest_entries WHERE contest_id = $1 AND org_id = $2")
            .bind(contest)
            .bind(org)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn insert_entry(
    conn: &mut AnyConnection,
    contest: i64,
    org: i64,
    author: i64,
    e: &EntryInput,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO contest_entries (contest_id, org_id, author_id, report, video_url, submitted_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) RETURNING id",
    )
    .bind(contest)
    .bind(org)
    .bind(author)
    .bind(&e.report)
    .bind(&e.video_url)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    write_figures(conn, id, &e.figures).await?;
    Ok(id)
}

/// Replaces an entry's text and figures, keeping what it said before as a revision.
pub async fn update_entry(
    conn: &mut AnyConnection,
    id: i64,
    e: &EntryInput,
    by: i64,
    now: i64,
) -> AppResult<()> {
    let (report, video): (String, String) =
        sqlx::query_as("SELECT report, video_url FROM contest_entries WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    let before: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT label, value, unit FROM entry_figures WHERE entry_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let figures: Vec<String> = before
        .iter()
        .map(|(l, v, u)| format!("{l} {v}{u}"))
        .collect();
    crate::q!(
        "INSERT INTO entry_revisions (entry_id, report, figures, video_url, edited_by, edited_at) VALUES ($1,$2,$3,$4,$5,$6)",
        id,
        report,
        figures.join("；"),
        video,
        by,
        now
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "UPDATE contest_entries SET report = $1, video_url = $2, updated_at = $3 WHERE id = $4",
        &e.report,
        &e.video_url,
        now,
        id
    )
    .execute(&mut *conn)
    .await?;
    crate::q!("DELETE FROM entry_figures WHERE entry_id = $1", id)
        .execute(&mut *conn)
        .await?;
    write_figures(conn, id, &e.figures).await
}

async fn write_figures(conn: &mut AnyConnection, entry: i64, figures: &[Figure]) -> AppResult<()> {
    for (i, f) in figures.iter().enumerate() {
        crate::q!(
            "INSERT INTO entry_figures (entry_id, position, label, value, unit) VALUES ($1,$2,$3,$4,$5)",
            entry,
            i as i64,
            &f.label,
            &f.value,
            &f.unit
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub report: String,
    pub figures: String,
    pub video_url: String,
    pub editor_name: String,
    pub edited_at: i64,
}

/// What an entry said before each edit, newest first.
pub async fn revisions(db: &Db, entry: i64) -> AppResult<Vec<Revision>> {
    Ok(sqlx::query_as(
        "SELECT r.report, r.figures, r.video_url, u.name AS editor_name, r.edited_at FROM entry_revisions r JOIN users u ON u.id = r.edited_by \
         WHERE r.entry_id = $1 ORDER BY r.id DESC",
    )
    .bind(entry)
    .fetch_all(db.pool())
    .await?)
}

/// A judge's scores of one entry: (criterion position, score, comment); replaces earlier ones.
pub async fn save_scores(
    conn: &mut AnyConnection,
    entry: i64,
    judge: i64,
    scores: &[(i64, i64, String)],
    now: i64,
) -> AppResult<()> {
    for (position, score, comment) in scores {
        crate::q!(
            "INSERT INTO entry_scores (entry_id, position, judge_id, score, comment, scored_at) VALUES ($1,$2,$3,$4,$5,$6) \
             ON CONFLICT (entry_id, position, judge_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, scored_at = excluded.scored_at",
            entry,
            position,
            judge,
            score,
            comment,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A score with its judge's name and comment, for the organizer's breakdown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    pub entry_id: i64,
    pub position: i64,
    pub judge_id: i64,
    pub judge_name: String,
    pub score: i64,
    pub comment: String,
}

impl ScoreRow {
    pub fn score(&self) -> Score {
        Score {
            entry_id: self.entry_id,
            position: self.position,
            judge_id: self.judge_id,
            score: self.score,
        }
    }
}

pub async fn scores(db: &Db, contest: i64) -> AppResult<Vec<ScoreRow>> {
    Ok(sqlx::query_as(
        "SELECT s.entry_id, s.position, s.judge_id, u.name AS judge_name, s.score, s.comment FROM entry_scores s \
         JOIN contest_entries e ON e.id = s.entry_id JOIN users u ON u.id = s.judge_id WHERE e.contest_id = $1 ORDER BY s.entry_id, s.position, s.judge_id",
    )
    .bind(contest)
    .fetch_all(db.pool())
    .await?)
}

/// Publishes the contest; `false` when it already was.
pub async fn publish(conn: &mut AnyConnection, contest: i64, now: i64) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE contests SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
        now,
        contest
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One vote per member per contest: `false` when they had voted already.
pub async fn vote(
    conn: &mut AnyConnection,
    contest: i64,
    user: i64,
    entry: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO contest_votes (contest_id, user_id, entry_id, voted_at) VALUES ($1,$2,$3,$4) ON CONFLICT (contest_id, user_id) DO NOTHING",
        contest,
        user,
        entry,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Votes per entry, and the entry this user voted for.
pub async fn votes(db: &Db, contest: i64, user: i64) -> AppResult<(Vec<(i64, i64)>, Option<i64>)> {
    let counts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT entry_id, COUNT(*) FROM contest_votes WHERE contest_id = $1 GROUP BY entry_id",
    )
    .bind(contest)
    .fetch_all(db.pool())
    .await?;
    let mine: Option<(i64,)> =
        sqlx::query_as("SELECT entry_id FROM contest_votes WHERE contest_id = $1 AND user_id = $2")
            .bind(contest)
            .bind(user)
            .fetch_optional(db.pool())
            .await?;
    Ok((counts, mine.map(|(e,)| e)))
}

/// Every `nth` member account of a branch votes for the entry (the demo's history).
pub async fn votes_from_branch(
    conn: &mut AnyConnection,
    contest: i64,
    entry: i64,
    branch: i64,
    nth: i64,
    at: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO contest_votes (contest_id, user_id, entry_id, voted_at) SELECT $1, u.id, $2, $3 FROM users u JOIN members m ON m.id = u.member_id \
         WHERE m.branch_id = $4 AND u.id % $5 = 0 ON CONFLICT (contest_id, user_id) DO NOTHING",
        contest,
        entry,
        at,
        branch,
        nth
    )
    .execute(conn)
    .await?;
    Ok(())
}
