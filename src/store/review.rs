//! Recording a reviewer's decision on a submission, whichever table it lives in.
use crate::domain::review::{Review, ReviewStatus};
use crate::error::AppResult;
use sqlx::AnyConnection;

/// What a reviewer decides on; each kind lives in its own table with the same review columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submission {
    /// 党建新鲜事, reviewed by a superior.
    Post,
    /// 党史上的今天, reviewed by a content editor.
    HistoryEntry,
    /// 好经验好做法, reviewed by the author's branch's superior.
    Experience,
}

impl Submission {
    fn table(self) -> &'static str {
        match self {
            Submission::Post => "posts",
            Submission::HistoryEntry => "history_entries",
            Submission::Experience => "experiences",
        }
    }
}

/// Records the decision on a pending submission; `false` when it was no longer pending
/// (someone decided first): nothing changes then.
pub async fn record(
    conn: &mut AnyConnection,
    what: Submission,
    id: i64,
    review: &Review,
    reviewer: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        &format!(
            "UPDATE {} SET status = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5 AND status = $6",
            what.table()
        ),
        review.status().code(),
        &review.reason,
        reviewer,
        now,
        id,
        ReviewStatus::Pending.code()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
