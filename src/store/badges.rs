//! Badges (党建徽章): awarded once per holder and source, never taken back by a re-run.
use crate::domain::clock::{SHANGHAI, format_date, local_date};
use crate::domain::org::path_ids;
use crate::domain::orglife::{Colour, shortfalls, verdict};
use crate::error::AppResult;
use crate::store::meetings::{self, Meeting};
use crate::store::{Db, requirements};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BadgeRow {
    pub title: String,
    pub reason: String,
    pub awarded_at: i64,
    /// Spent on a prize: still earned, no longer counted for the next one.
    pub spent: i64,
}

pub async fn of(db: &Db, holder_kind: &str, holder_id: i64) -> AppResult<Vec<BadgeRow>> {
    Ok(sqlx::query_as(
        "SELECT title, reason, awarded_at, CAST(CASE WHEN spent_order IS NULL THEN 0 ELSE 1 END AS BIGINT) AS spent FROM badges WHERE holder_kind = $1 AND holder_id = $2 ORDER BY awarded_at DESC, id DESC LIMIT 200",
    )
    .bind(holder_kind)
    .bind(holder_id)
    .fetch_all(db.pool())
    .await?)
}

/// When a closed meeting completes its required item for the period to standard, the
/// organization and each member who attended a meeting that met the standard earn the
/// period's badge. The key (organization, item, period) makes it happen once.
pub async fn award(db: &Db, m: &Meeting, now: i64) -> AppResult<bool> {
    let all_rules = requirements::all(db).await?;
    let mut tx = db.begin().await?;
    let awarded = award_in(tx.conn(), &all_rules, m, now).await?;
    tx.commit().await?;
    Ok(awarded)
}

/// As `award`, inside the caller's transaction and with the rules already loaded.
pub async fn award_in(
    conn: &mut sqlx::AnyConnection,
    all_rules: &[requirements::RuleRow],
    m: &Meeting,
    now: i64,
) -> AppResult<bool> {
    let start_day = local_date(m.starts_at);
    let Some(req) = requirements::effective(all_rules, &path_ids(&m.org_path), m.kind(), start_day)
    else {
        return Ok(false);
    };
    let period = req.frequency.period_of(start_day);
    let day = |d: time::Date| d.midnight().assume_offset(SHANGHAI).unix_timestamp();
    let facts =
        meetings::facts_of_org(&mut *conn, m.org_id, day(period.start), day(period.end)).await?;
    let all: Vec<_> = facts
        .iter()
        .filter(|f| f.kind == m.kind)
        .map(|f| f.facts())
        .collect();
    if verdict(&req, &period, &all, now).colour != Colour::Red {
        return Ok(false);
    }
    let key = format!(
        "orglife:{}:{}:{}",
        m.org_id,
        req.kind.code(),
        format_date(period.start)
    );
    let title = format!("{}·{}", period.label(), req.kind.label());
    crate::q!(
        "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('org', $1, $2, $3, $4, $5) \
         ON CONFLICT (holder_kind, holder_id, source_key) DO NOTHING",
        m.org_id,
        &key,
        &title,
        format!("{}按规范完成{}", m.org_name, req.kind.label()),
        now
    )
    .execute(&mut *conn)
    .await?;
    for f in facts
        .iter()
        .filter(|f| shortfalls(&f.facts(), &req.standard, now).is_empty())
    {
        crate::q!(
            "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) \
             SELECT 'member', member_id, $1, $2, $3, $4 FROM checkins WHERE meeting_id = $5 \
             ON CONFLICT (holder_kind, holder_id, source_key) DO NOTHING",
            &key,
            &title,
            format!("参加{}", m.org_name),
            now,
            f.id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Awards the study badges the member's record now earns (daily-question streak, articles
/// read), each once. Returns the titles newly awarded.
pub async fn award_study(
    conn: &mut sqlx::AnyConnection,
    member: i64,
    now: i64,
) -> AppResult<Vec<&'static str>> {
    use crate::domain::badges::{earned, streak};
    let days: Vec<(String,)> = sqlx::query_as(
        "SELECT day FROM daily_answers WHERE member_id = $1 ORDER BY day DESC LIMIT 400",
    )
    .bind(member)
    .fetch_all(&mut *conn)
    .await?;
    let mut days: Vec<time::Date> = days
        .iter()
        .filter_map(|d| crate::domain::clock::parse_date(&d.0))
        .collect();
    days.reverse();
    let run = streak(&days, local_date(now));
    let (read,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM article_reads WHERE member_id = $1 AND completed_at IS NOT NULL",
    )
    .bind(member)
    .fetch_one(&mut *conn)
    .await?;
    let mut new = Vec::new();
    for (key, title) in earned(run, read) {
        let done = crate::q!(
            "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, $2, $3, $4, $5) \
             ON CONFLICT (holder_kind, holder_id, source_key) DO NOTHING",
            member,
            key,
            title,
            format!("学习成绩：{title}"),
            now
        )
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            new.push(title);
        }
    }
    Ok(new)
}
