//! 每日一题: the bank, the county's question of each day, and one answer per member per day.
use crate::domain::daily::{Difficulty, QuestionKind, ValidQuestion};
use crate::error::AppResult;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub id: i64,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub answer: String,
    pub explanation: String,
    pub tags: String,
    pub pinned_day: Option<String>,
    pub times_used: i64,
    pub difficulty: i64,
    #[serde(default)]
    pub retired_at: Option<i64>,
}

impl Question {
    pub fn kind(&self) -> QuestionKind {
        QuestionKind::from_code(&self.kind).unwrap_or(QuestionKind::Single)
    }
    /// (letter, text) for each option line.
    pub fn option_list(&self) -> Vec<(String, String)> {
        self.options
            .lines()
            .filter(|l| !l.trim().is_empty())
            .zip(crate::domain::daily::LETTERS)
            .map(|(t, l)| (l.to_string(), t.trim().to_string()))
            .collect()
    }
    pub fn difficulty(&self) -> Difficulty {
        Difficulty::from_level(self.difficulty)
    }
    pub fn answer_text(&self) -> String {
        crate::domain::daily::answer_text(self.kind(), &self.answer)
    }
}

const COLUMNS: &str = "id, kind, stem, options, answer, explanation, tags, pinned_day, times_used, difficulty, retired_at";

/// Adds a checked question to the bank.
pub async fn create(
    conn: &mut AnyConnection,
    q: &ValidQuestion,
    created_by: i64,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO questions (kind, stem, options, answer, explanation, tags, difficulty, pinned_day, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(q.kind.code())
    .bind(&q.stem)
    .bind(&q.options)
    .bind(&q.answer)
    .bind(&q.explanation)
    .bind(&q.tags)
    .bind(q.difficulty.level())
    .bind(&q.pinned_day)
    .bind(created_by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Every question's stem, to refuse importing one twice.
pub async fn all_stems(db: &super::Db) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT stem FROM questions")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn list(db: &super::Db, q: &str) -> AppResult<Vec<Question>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE ($1 = '' OR stem LIKE '%' || $1 || '%' OR tags LIKE '%' || $1 || '%') ORDER BY id DESC LIMIT 200"
    ))
    .bind(q)
    .fetch_all(db.pool())
    .await?)
}

/// The question `day` asked, as it was asked (a later correction does not change it).
pub async fn asked_on(db: &super::Db, day: &str) -> AppResult<Option<Question>> {
    let row: Option<(Option<String>, i64)> =
        sqlx::query_as("SELECT asked, question_id FROM daily_schedule WHERE day = $1")
            .bind(day)
            .fetch_optional(db.pool())
            .await?;
    Ok(match row {
        None => None,
        Some((Some(json), _)) => {
            Some(serde_json::from_str(&json).map_err(crate::error::AppError::internal)?)
        }
        // Days placed before questions were kept as asked: the question as it stands.
        Some((None, id)) => Some(get(db, id).await?),
    })
}

/// Whether a question was asked on `day`.
pub async fn was_asked(db: &super::Db, day: &str) -> AppResult<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT question_id FROM daily_schedule WHERE day = $1")
            .bind(day)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.is_some())
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<Question> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM questions WHERE id = $1"))
            .bind(id)
            .fetch_one(db.pool())
            .await?,
    )
}

/// The county's question for `day`: fixed on first asking, a question pinned to the day if
/// any, otherwise the least used one, so nothing repeats until the bank is exhausted; a
/// retired question is never asked.
pub async fn for_day(db: &super::Db, day: &str) -> AppResult<Option<Question>> {
    if let Some(q) = asked_on(db, day).await? {
        return Ok(Some(q));
    }
    let mut tx = db.begin().await?;
    let pick: Option<Question> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM questions WHERE retired_at IS NULL ORDER BY (CASE WHEN pinned_day = $1 THEN 0 ELSE 1 END), \
         (CASE WHEN pinned_day IS NOT NULL AND pinned_day <> $1 THEN 1 ELSE 0 END), times_used, id LIMIT 1"
    ))
    .bind(day)
    .fetch_optional(tx.conn())
    .await?;
    let Some(q) = pick else {
        return Ok(None);
    };
    let asked = serde_json::to_string(&q).map_err(crate::error::AppError::internal)?;
    let placed = crate::q!(
        "INSERT INTO daily_schedule (day, question_id, asked) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
        day,
        q.id,
        &asked
    )
    .execute(tx.conn())
    .await?;
    if placed.rows_affected() == 1 {
        crate::q!(
            "UPDATE questions SET times_used = times_used + 1 WHERE id = $1",
            q.id
        )
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await?;
    // Another instance may have placed the day's question first: read what stands.
    asked_on(db, day).await
}

/// Corrects a question in the bank; days it was already asked keep it as it was. Its open
/// flags are resolved.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    q: &ValidQuestion,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE questions SET kind = $1, stem = $2, options = $3, answer = $4, explanation = $5, tags = $6, difficulty = $7, pinned_day = $8, updated_at = $9 WHERE id = $10",
        q.kind.code(),
        &q.stem,
        &q.options,
        &q.answer,
        &q.explanation,
        &q.tags,
        q.difficulty.level(),
        &q.pinned_day,
        now,
        id
    )
    .execute(&mut *conn)
    .await?;
    resolve_flags(conn, id, now).await
}

/// Retires a question: never asked again; what was asked and answered stays.
pub async fn retire(conn: &mut AnyConnection, id: i64, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE questions SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL",
        now,
        id
    )
    .execute(&mut *conn)
    .await?;
    resolve_flags(conn, id, now).await
}

/// Marks a question's open flags dealt with.
pub async fn resolve_flags(conn: &mut AnyConnection, id: i64, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE question_flags SET resolved_at = $1 WHERE question_id = $2 AND resolved_at IS NULL",
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A member says a question is wrong (题目有误); once per member and question.
pub async fn flag(
    conn: &mut AnyConnection,
    question: i64,
    member: i64,
    reason: &str,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO question_flags (question_id, member_id, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (question_id, member_id) DO NOTHING",
        question,
        member,
        reason,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The editors' queue: questions with open flags, and what members said.
pub async fn flagged(db: &super::Db) -> AppResult<Vec<(Question, Vec<String>)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT question_id, reason FROM question_flags WHERE resolved_at IS NULL ORDER BY question_id, id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(Question, Vec<String>)> = Vec::new();
    for (id, reason) in rows {
        match out.last_mut() {
            Some((q, reasons)) if q.id == id => reasons.push(reason),
            _ => out.push((get(db, id).await?, vec![reason])),
        }
    }
    Ok(out)
}

/// Records the day's answer; `false` when the member had already answered (nothing changes).
pub async fn answer(
    conn: &mut AnyConnection,
    day: &str,
    member: i64,
    q: &Question,
    choice: &str,
    correct: bool,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO daily_answers (day, member_id, question_id, choice, correct, answered_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (day, member_id) DO NOTHING",
        day,
        member,
        q.id,
        choice,
        i64::from(correct),
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn my_answer(
    db: &super::Db,
    day: &str,
    member: i64,
) -> AppResult<Option<(String, bool)>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT choice, correct FROM daily_answers WHERE day = $1 AND member_id = $2",
    )
    .bind(day)
    .bind(member)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(c, ok)| (c, ok != 0)))
}

/// A branch's members and how each did on the day's question.
pub async fn branch_day(
    db: &super::Db,
    branch_id: i64,
    day: &str,
) -> AppResult<Vec<(String, Option<bool>)>> {
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT m.name, a.correct FROM members m LEFT JOIN daily_answers a ON a.member_id = m.id AND a.day = $2 \
         WHERE m.branch_id = $1 AND m.left_on IS NULL ORDER BY (a.correct IS NULL), a.answered_at, m.name",
    )
    .bind(branch_id)
    .bind(day)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(n, c)| (n, c.map(|c| c != 0)))
        .collect())
}

/// Many members' answers to a day's question in few statements (the demo's history):
/// (member, choice, correct, answered at).
pub async fn insert_answers(
    conn: &mut AnyConnection,
    day: &str,
    question_id: i64,
    answers: &[(i64, String, bool, i64)],
) -> AppResult<()> {
    for chunk in answers.chunks(400) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = 3 + i * 4;
                format!("($1, ${p}, $2, ${}, ${}, ${})", p + 1, p + 2, p + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO daily_answers (day, member_id, question_id, choice, correct, answered_at) VALUES {}",
            values.join(",")
        );
        let mut query = sqlx::query(&sql).bind(day).bind(question_id);
        for (member, choice, correct, at) in chunk {
            query = query
                .bind(*member)
                .bind(choice.as_str())
                .bind(i64::from(*correct))
                .bind(*at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
