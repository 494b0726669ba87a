//! 待办: what waits on an organization's administrators, counted for the home page.
use super::Db;
use crate::domain::org::{OrgType, subtree_range};
use crate::domain::supervision::FindingStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Todo {
    /// Findings on the organization or its party groups still to be dealt with (整改 or 申诉).
    pub to_answer: i64,
    /// Appeals from organizations below, waiting for this one's decision.
    pub to_decide: i64,
    /// 督促 received and not replied to.
    pub followups: i64,
    /// Its (and its groups') meetings that have ended and were not filed (归档).
    pub meetings: i64,
    /// 组织关系转接 into its subtree waiting to be accepted or returned.
    pub transfers_to_accept: i64,
    /// Transfers out of its subtree still open: not yet accepted, or letters out without
    /// their 回执.
    pub transfers_sent: i64,
    /// Its committee's term, when it ends within three months or has ended (换届), and the day.
    pub term: Option<(crate::domain::committee::TermState, time::Date)>,
}

impl Todo {
    pub fn is_empty(&self) -> bool {
        *self == Todo::default()
    }
}

/// What waits on the administrators of the organization `org_id` at `path`.
pub async fn of(db: &Db, org_id: i64, path: &str, now: i64) -> AppResult<Todo> {
    // A party group has no administrators: its branch answers for it.
    let answered_here = "(o.id = $1 OR (o.parent_id = $1 AND o.kind = $2))";
    let (to_answer,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM findings f JOIN orgs o ON o.id = f.org_id WHERE {answered_here} AND f.status = $3"
    ))
    .bind(org_id)
    .bind(OrgType::PartyGroup.code())
    .bind(FindingStatus::Open.code())
    .fetch_one(db.pool())
    .await?;
    let (lo, hi) = subtree_range(path);
    let (to_decide,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM findings f JOIN orgs o ON o.id = f.org_id \
         WHERE o.path >= $4 AND o.path < $5 AND NOT {answered_here} AND f.status = $3"
    ))
    .bind(org_id)
    .bind(OrgType::PartyGroup.code())
    .bind(FindingStatus::Appealed.code())
    .bind(lo)
    .bind(hi)
    .fetch_one(db.pool())
    .await?;
    let (followups,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM followups WHERE org_id = $1 AND answered_at IS NULL")
            .bind(org_id)
            .fetch_one(db.pool())
            .await?;
    let (meetings,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM meetings m JOIN orgs o ON o.id = m.org_id \
         WHERE {answered_here} AND m.closed_at IS NULL AND m.ends_at <= $3"
    ))
    .bind(org_id)
    .bind(OrgType::PartyGroup.code())
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    let (transfers_to_accept, transfers_sent) = super::transfers::waiting(db, path).await?;
    let today = crate::domain::clock::local_date(now);
    let term = super::committees::of_org(db, org_id)
        .await?
        .first()
        .and_then(|c| Some((c.state_on(today), c.ends()?)))
        .filter(|(s, _)| *s >= crate::domain::committee::TermState::WithinThreeMonths);
    Ok(Todo {
        to_answer,
        to_decide,
        followups,
        meetings,
        transfers_to_accept,
        transfers_sent,
        term,
    })
}
