//! Background jobs' bookkeeping: a daily job runs once per deployment, however many
//! instances share the database.
use super::Db;
use crate::error::AppResult;

/// Claims `job` for `day`; `true` for the one caller that should run it.
pub async fn claim(db: &Db, job: &str, day: &str, now: i64) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let done = crate::q!(
        "INSERT INTO job_runs (job, day, started_at) VALUES ($1, $2, $3) ON CONFLICT (job, day) DO NOTHING",
        job,
        day,
        now
    )
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Records how a claimed run ended.
pub async fn finish(
    db: &Db,
    job: &str,
    day: &str,
    now: i64,
    outcome: &str,
    failed: bool,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    crate::q!(
        "UPDATE job_runs SET finished_at = $1, outcome = $2, failed = $3 WHERE job = $4 AND day = $5",
        now,
        outcome,
        i64::from(failed),
        job,
        day
    )
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRun {
    pub job: String,
    pub day: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub failed: i64,
}

/// The newest runs of the daily jobs, newest first.
pub async fn recent(db: &Db, limit: i64) -> AppResult<Vec<JobRun>> {
    Ok(sqlx::query_as(&format!(
        "SELECT job, day, started_at, finished_at, outcome, failed FROM job_runs ORDER BY started_at DESC, job LIMIT {limit}"
    ))
    .fetch_all(db.pool())
    .await?)
}
