//! 领导班子: elections recorded with their seats; an organization's committee is its latest.
use crate::domain::clock::{format_date, parse_date};
use crate::domain::committee::{Election, OFFICES, TermState, term_ends, term_state};
use crate::domain::member::{Post, parse_posts};
use crate::domain::org::subtree_range;
use crate::error::AppResult;
use sqlx::AnyConnection;
use time::Date;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Committee {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: String,
    pub elected_on: String,
    pub term_years: i64,
    pub approved_on: Option<String>,
    pub approval_ref: String,
}

impl Committee {
    pub fn ends(&self) -> Option<Date> {
        parse_date(&self.elected_on).map(|d| term_ends(d, self.term_years as i32))
    }

    pub fn ends_text(&self) -> String {
        self.ends().map(format_date).unwrap_or_default()
    }

    pub fn state_on(&self, today: Date) -> TermState {
        self.ends()
            .map_or(TermState::Running, |e| term_state(e, today))
    }
}

/// A seat: who holds which office.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Seat {
    pub committee_id: i64,
    pub member_id: i64,
    pub name: String,
    pub office: String,
}

impl Seat {
    pub fn office_label(&self) -> &'static str {
        Post::from_code(&self.office).map_or("委员", |p| p.label())
    }
}

const SELECT: &str = "SELECT c.id, c.org_id, o.name AS org_name, o.path AS org_path, c.elected_on, c.term_years, \
     c.approved_on, c.approval_ref FROM committees c JOIN orgs o ON o.id = c.org_id";

/// The latest election of each organization, as a condition on `c`.
const LATEST: &str = "c.id = (SELECT x.id FROM committees x WHERE x.org_id = c.org_id ORDER BY x.elected_on DESC, x.id DESC LIMIT 1)";

/// Records an election; a branch's members' 党内职务 follow it (its 党小组长 stay).
pub async fn record(
    conn: &mut AnyConnection,
    org_id: i64,
    is_branch: bool,
    e: &Election,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO committees (org_id, elected_on, term_years, approved_on, approval_ref, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(org_id)
    .bind(format_date(e.elected_on))
    .bind(i64::from(e.term_years))
    .bind(e.approved_on.map(format_date))
    .bind(&e.approval_ref)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (i, (member, office)) in e.seats.iter().enumerate() {
        crate::q!(
            "INSERT INTO committee_seats (committee_id, member_id, office, position) VALUES ($1,$2,$3,$4)",
            id,
            *member,
            office.code(),
            i as i64
        )
        .execute(&mut *conn)
        .await?;
    }
    if is_branch {
        sync_posts(conn, org_id, &e.seats, now).await?;
    }
    Ok(id)
}

/// The branch's members hold the offices the election gave them and no other committee
/// office; their other posts (党小组长) stay.
async fn sync_posts(
    conn: &mut AnyConnection,
    branch: i64,
    seats: &[(i64, Post)],
    now: i64,
) -> AppResult<()> {
    let members: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, posts FROM members WHERE branch_id = $1 AND left_on IS NULL")
            .bind(branch)
            .fetch_all(&mut *conn)
            .await?;
    for (id, posts) in members {
        let mut new: Vec<Post> = parse_posts(&posts)
            .into_iter()
            .filter(|p| !OFFICES.contains(p))
            .collect();
        if let Some((_, office)) = seats.iter().find(|(m, _)| *m == id) {
            new.insert(0, *office);
        }
        let codes: Vec<&str> = new.iter().map(|p| p.code()).collect();
        let codes = codes.join(",");
        if codes != posts {
            crate::q!(
                "UPDATE members SET posts = $1, updated_at = $2 WHERE id = $3",
                codes,
                now,
                id
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// An organization's elections, latest first.
pub async fn of_org(db: &super::Db, org_id: i64) -> AppResult<Vec<Committee>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.org_id = $1 ORDER BY c.elected_on DESC, c.id DESC"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// The seats of some committees, in the order elected.
pub async fn seats_of(db: &super::Db, committees: &[i64]) -> AppResult<Vec<Seat>> {
    if committees.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = committees.iter().map(i64::to_string).collect();
    Ok(sqlx::query_as(&format!(
        "SELECT s.committee_id, s.member_id, m.name, s.office FROM committee_seats s JOIN members m ON m.id = s.member_id \
         WHERE s.committee_id IN ({}) ORDER BY s.committee_id, s.position",
        ids.join(",")
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Each organization's committee now in `root`'s subtree (organizations not dissolved), by
/// path.
pub async fn current_in(db: &super::Db, root: &str) -> AppResult<Vec<Committee>> {
    let (lo, hi) = subtree_range(root);
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE o.path >= $1 AND o.path < $2 AND o.dissolved_at IS NULL AND {LATEST} ORDER BY o.path"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// The offices a member holds on committees now: (organization, office).
pub async fn offices_of_member(db: &super::Db, member_id: i64) -> AppResult<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT o.name, s.office FROM committee_seats s JOIN committees c ON c.id = s.committee_id \
         JOIN orgs o ON o.id = c.org_id WHERE s.member_id = $1 AND o.dissolved_at IS NULL AND {LATEST} ORDER BY o.path"
    ))
    .bind(member_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(org, office)| {
            let label = Post::from_code(&office).map_or("委员", |p| p.label());
            (org, label.to_string())
        })
        .collect())
}

/// The committees in a subtree whose term has ended (到期未换届) or ends within three months,
/// the longest overdue first: the one source of the dashboard's list, the reminders and the
/// 电子监察 rule.
pub async fn due_in(
    db: &super::Db,
    root: &str,
    today: Date,
) -> AppResult<Vec<(Committee, TermState)>> {
    let mut due: Vec<(Committee, TermState)> = current_in(db, root)
        .await?
        .into_iter()
        .map(|c| {
            let s = c.state_on(today);
            (c, s)
        })
        .filter(|(_, s)| *s >= TermState::WithinSixMonths)
        .collect();
    due.sort_by_key(|(c, s)| (std::cmp::Reverse(*s), c.ends()));
    Ok(due)
}
