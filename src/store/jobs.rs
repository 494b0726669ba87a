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
