//! 发展党员 records: the people on the path, the steps done (a correction voids a step, never
//! deletes it), the members a step names, 思想汇报 and their contacts' comments.
use crate::crypto::Keys;
use crate::domain::clock::parse_date;
use crate::domain::development::{Decision, Done, History, PersonRecord, Vote};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub ethnicity: String,
    pub birth_date: String,
    pub id_number_enc: String,
    pub id_number_mask: String,
    pub phone_enc: Option<String>,
    pub phone_mask: String,
    pub education: String,
    pub category: String,
    pub branch_id: i64,
    pub member_id: Option<i64>,
    pub branch_name: String,
    pub branch_path: String,
}

const PERSON: &str = "SELECT p.id, p.name, p.gender, p.ethnicity, p.birth_date, p.id_number_enc, p.id_number_mask, \
     p.phone_enc, p.phone_mask, p.education, p.category, p.branch_id, p.member_id, \
     b.name AS branch_name, b.path AS branch_path \
     FROM development_people p JOIN orgs b ON b.id = p.branch_id";

/// A step as recorded, voided or not.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub id: i64,
    pub person_id: i64,
    pub step: i64,
    pub done_on: String,
    pub note: String,
    pub training_days: Option<i64>,
    pub training_hours: Option<i64>,
    pub vote_eligible: Option<i64>,
    pub vote_present: Option<i64>,
    pub vote_for: Option<i64>,
    pub vote_against: Option<i64>,
    pub vote_abstained: Option<i64>,
    pub decision: Option<String>,
    pub extension_months: Option<i64>,
    pub doc_key: Option<String>,
    pub doc_name: Option<String>,
    pub doc_mime: Option<String>,
    pub by_name: String,
    pub at: i64,
    pub voided_at: Option<i64>,
    pub voided_by_name: Option<String>,
    pub void_reason: Option<String>,
}

const STEP: &str = "SELECT s.id, s.person_id, s.step, s.done_on, s.note, s.training_days, s.training_hours, \
     s.vote_eligible, s.vote_present, s.vote_for, s.vote_against, s.vote_abstained, s.decision, s.extension_months, \
     s.doc_key, s.doc_name, s.doc_mime, u.name AS by_name, s.at, s.voided_at, v.name AS voided_by_name, s.void_reason \
     FROM development_steps s JOIN users u ON u.id = s.by_user_id LEFT JOIN users v ON v.id = s.voided_by";

impl StepRow {
    pub fn decision(&self) -> Option<(Decision, u8)> {
        let d = Decision::from_code(self.decision.as_deref()?)?;
        let months = self
            .extension_months
            .and_then(|m| u8::try_from(m).ok())
            .unwrap_or(0);
        Some((d, months))
    }

    /// The step as the rules read it; a voided step is not part of the path.
    pub fn done(&self) -> Option<Done> {
        if self.voided_at.is_some() {
            return None;
        }
        Some(Done {
            step: u8::try_from(self.step).ok()?,
            on: parse_date(&self.done_on)?,
            decision: self.decision(),
        })
    }

    pub fn vote(&self) -> Option<Vote> {
        let n = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        self.vote_eligible.map(|_| Vote {
            eligible: n(self.vote_eligible),
            present: n(self.vote_present),
            in_favour: n(self.vote_for),
            against: n(self.vote_against),
            abstained: n(self.vote_abstained),
        })
    }
}

/// The path of a person from their steps (in the order recorded).
pub fn history_of(person: &Person, steps: &[StepRow]) -> History {
    History {
        birth: parse_date(&person.birth_date),
        done: steps.iter().filter_map(StepRow::done).collect(),
    }
}

/// Registers a person on the path; `member` is set only for a member whose path is
/// recorded after the fact (the demo's recent members), otherwise a member's ID is refused.
pub async fn insert_person(
    conn: &mut AnyConnection,
    keys: &Keys,
    p: &PersonRecord,
    branch_id: i64,
    member: Option<i64>,
    by: i64,
    now: i64,
) -> AppResult<i64> {
    let id_hashes = super::hash_in(
        "id_number_hash",
        &keys.lookup_hashes("id_number", p.id_number.as_str()),
    );
    let known: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT id FROM development_people WHERE {id_hashes}"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    if known.is_some() {
        return Err(AppError::Conflict(
            "该身份证号已在发展党员名单中，请勿重复登记".into(),
        ));
    }
    let registered: Option<(i64,)> =
        sqlx::query_as(&format!("SELECT id FROM members WHERE {id_hashes}"))
            .fetch_optional(&mut *conn)
            .await?;
    if registered.is_some_and(|r| Some(r.0) != member) {
        return Err(AppError::Conflict(
            "该身份证号已是党员，不能再登记为入党申请人".into(),
        ));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO development_people (name, gender, ethnicity, birth_date, id_number_enc, id_number_mask, \
         id_number_hash, phone_enc, phone_mask, education, category, branch_id, member_id, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
    )
    .bind(&p.name)
    .bind(p.gender.code())
    .bind(&p.ethnicity)
    .bind(crate::domain::clock::format_date(p.birth_date))
    .bind(keys.encrypt(p.id_number.as_str()))
    .bind(p.id_number.masked())
    .bind(keys.lookup_hash("id_number", p.id_number.as_str()))
    .bind(p.phone.as_deref().map(|ph| keys.encrypt(ph)))
    .bind(
        p.phone
            .as_deref()
            .map(crate::domain::text::mask_phone)
            .unwrap_or_default(),
    )
    .bind(p.education.code())
    .bind(p.category.code())
    .bind(branch_id)
    .bind(member)
    .bind(by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn person(db: &super::Db, id: i64) -> AppResult<Person> {
    person_in(&mut *db.conn().await?, id).await
}

pub async fn person_in(conn: &mut AnyConnection, id: i64) -> AppResult<Person> {
    sqlx::query_as(&format!("{PERSON} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Everyone on the path in a subtree, with their steps (not voided), by branch and name;
/// with `archived`, also those whose file is archived (step 25: a county's years of them).
pub async fn paths_in(
    db: &super::Db,
    root: &str,
    archived: bool,
) -> AppResult<Vec<(Person, History)>> {
    let (lo, hi) = crate::domain::org::subtree_range(root);
    let open = if archived {
        ""
    } else {
        " AND NOT EXISTS (SELECT 1 FROM development_steps z WHERE z.person_id = p.id AND z.step = 25 AND z.voided_at IS NULL)"
    };
    let mut conn = db.conn().await?;
    let people: Vec<Person> = sqlx::query_as(&format!(
        "{PERSON} WHERE b.path >= $1 AND b.path < $2{open} ORDER BY b.path, p.name, p.id"
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(&mut *conn)
    .await?;
    let steps: Vec<StepRow> = sqlx::query_as(&format!(
        "{STEP} JOIN development_people p ON p.id = s.person_id JOIN orgs b ON b.id = p.branch_id \
         WHERE b.path >= $1 AND b.path < $2 AND s.voided_at IS NULL{open} ORDER BY s.person_id, s.id"
    ))
    .bind(&lo)
    .bind(&hi)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_person: std::collections::HashMap<i64, Vec<StepRow>> = Default::default();
    for s in steps {
        by_person.entry(s.person_id).or_default().push(s);
    }
    Ok(people
        .into_iter()
        .map(|p| {
            let h = history_of(&p, by_person.get(&p.id).map_or(&[][..], Vec::as_slice));
            (p, h)
        })
        .collect())
}

/// A person's steps as recorded, voided ones too, in order.
pub async fn steps_of(conn: &mut AnyConnection, person_id: i64) -> AppResult<Vec<StepRow>> {
    Ok(
        sqlx::query_as(&format!("{STEP} WHERE s.person_id = $1 ORDER BY s.id"))
            .bind(person_id)
            .fetch_all(conn)
            .await?,
    )
}

/// The members a person's steps name (not voided): (step, member, name).
pub async fn named_members(
    conn: &mut AnyConnection,
    person_id: i64,
) -> AppResult<Vec<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT s.step, m.id, m.name FROM development_step_members sm \
         JOIN development_steps s ON s.id = sm.step_id JOIN members m ON m.id = sm.member_id \
         WHERE s.person_id = $1 AND s.voided_at IS NULL ORDER BY s.id, m.id",
    )
    .bind(person_id)
    .fetch_all(conn)
    .await?)
}

/// The members the steps of everyone in a subtree name (not voided): (person, step, name).
pub async fn named_in(db: &super::Db, root: &str) -> AppResult<Vec<(i64, i64, String)>> {
    let (lo, hi) = crate::domain::org::subtree_range(root);
    Ok(sqlx::query_as(
        "SELECT s.person_id, s.step, m.name FROM development_step_members sm \
         JOIN development_steps s ON s.id = sm.step_id JOIN members m ON m.id = sm.member_id \
         JOIN development_people p ON p.id = s.person_id JOIN orgs b ON b.id = p.branch_id \
         WHERE b.path >= $1 AND b.path < $2 AND s.voided_at IS NULL ORDER BY s.person_id, s.id, m.id",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// A step to record: the rules' detail in stored form.
pub struct NewStep<'a> {
    pub person_id: i64,
    pub step: u8,
    pub done_on: time::Date,
    pub note: &'a str,
    pub members: &'a [i64],
    pub training: Option<(u32, u32)>,
    pub vote: Option<Vote>,
    pub decision: Option<(Decision, u8)>,
    /// Stored document: key, file name, type.
    pub document: Option<(&'a str, &'a str, &'a str)>,
    pub by: i64,
}

pub async fn record_step(conn: &mut AnyConnection, s: &NewStep<'_>, now: i64) -> AppResult<i64> {
    let vote = s.vote.unwrap_or_default();
    let voted = s.vote.is_some();
    let n = |v: u32| voted.then_some(i64::from(v));
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO development_steps (person_id, step, done_on, note, training_days, training_hours, \
         vote_eligible, vote_present, vote_for, vote_against, vote_abstained, decision, extension_months, \
         doc_key, doc_name, doc_mime, by_user_id, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING id",
    )
    .bind(s.person_id)
    .bind(i64::from(s.step))
    .bind(crate::domain::clock::format_date(s.done_on))
    .bind(s.note)
    .bind(s.training.map(|t| i64::from(t.0)))
    .bind(s.training.map(|t| i64::from(t.1)))
    .bind(n(vote.eligible))
    .bind(n(vote.present))
    .bind(n(vote.in_favour))
    .bind(n(vote.against))
    .bind(n(vote.abstained))
    .bind(s.decision.map(|d| d.0.code()))
    .bind(s.decision.map(|d| i64::from(d.1)))
    .bind(s.document.map(|d| d.0))
    .bind(s.document.map(|d| d.1))
    .bind(s.document.map(|d| d.2))
    .bind(s.by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for m in s.members {
        crate::q!(
            "INSERT INTO development_step_members (step_id, member_id) VALUES ($1, $2)",
            id,
            m
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Voids a step (a correction): it stays, marked with who voided it, when and why.
pub async fn void_step(
    conn: &mut AnyConnection,
    step_id: i64,
    by: i64,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE development_steps SET voided_at = $1, voided_by = $2, void_reason = $3 WHERE id = $4 AND voided_at IS NULL",
        now,
        by,
        reason,
        step_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_member(conn: &mut AnyConnection, person_id: i64, member_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE development_people SET member_id = $1 WHERE id = $2",
        member_id,
        person_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The people whose 培养联系人 or 入党介绍人 this member is (not voided).
pub async fn people_of_contact(db: &super::Db, member_id: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT s.person_id FROM development_step_members sm JOIN development_steps s ON s.id = sm.step_id \
         WHERE sm.member_id = $1 AND s.voided_at IS NULL ORDER BY s.person_id",
    )
    .bind(member_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    pub person_id: i64,
    pub quarter: String,
    pub body: String,
    pub submitted_at: i64,
    pub comment: Option<String>,
    pub commented_by_name: Option<String>,
    pub commented_at: Option<i64>,
}

pub async fn reports_of(conn: &mut AnyConnection, person_id: i64) -> AppResult<Vec<Report>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.person_id, r.quarter, r.body, r.submitted_at, r.comment, m.name AS commented_by_name, r.commented_at \
         FROM development_reports r LEFT JOIN members m ON m.id = r.commented_by \
         WHERE r.person_id = $1 ORDER BY r.quarter DESC",
    )
    .bind(person_id)
    .fetch_all(conn)
    .await?)
}

/// A quarter's 思想汇报; a second one in the same quarter is a `Conflict`.
pub async fn submit_report(
    conn: &mut AnyConnection,
    person_id: i64,
    quarter: &str,
    body: &str,
    now: i64,
) -> AppResult<i64> {
    let done: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO development_reports (person_id, quarter, body, submitted_at) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (person_id, quarter) DO NOTHING RETURNING id",
    )
    .bind(person_id)
    .bind(quarter)
    .bind(body)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    done.map(|r| r.0)
        .ok_or_else(|| AppError::Conflict("本季度的思想汇报已经提交".into()))
}

pub async fn report(conn: &mut AnyConnection, id: i64) -> AppResult<Report> {
    sqlx::query_as(
        "SELECT r.id, r.person_id, r.quarter, r.body, r.submitted_at, r.comment, m.name AS commented_by_name, r.commented_at \
         FROM development_reports r LEFT JOIN members m ON m.id = r.commented_by WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn comment_report(
    conn: &mut AnyConnection,
    report_id: i64,
    member_id: i64,
    comment: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE development_reports SET comment = $1, commented_by = $2, commented_at = $3 WHERE id = $4",
        comment,
        member_id,
        now,
        report_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The account of a person on the path, if they have one.
pub async fn account_of(conn: &mut AnyConnection, person_id: i64) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE applicant_id = $1")
        .bind(person_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn link_account(conn: &mut AnyConnection, user_id: i64, person_id: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET applicant_id = $1 WHERE id = $2",
        person_id,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Once admitted, the account is the member's: it follows the member record.
pub async fn account_becomes_member(
    conn: &mut AnyConnection,
    person_id: i64,
    member_id: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE users SET member_id = $1 WHERE applicant_id = $2 AND member_id IS NULL",
        member_id,
        person_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The branch's full members, who may be named 培养联系人 or 入党介绍人: (id, name).
pub async fn full_members_of(
    conn: &mut AnyConnection,
    branch_id: i64,
) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name FROM members WHERE branch_id = $1 AND status = 'full' AND left_on IS NULL ORDER BY name, id",
    )
    .bind(branch_id)
    .fetch_all(conn)
    .await?)
}

/// 转正: the member record becomes a full member's, from the probation's end.
pub async fn make_full_member(
    conn: &mut AnyConnection,
    member_id: i64,
    on: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE members SET status = 'full', full_member_on = $1, updated_at = $2 WHERE id = $3",
        on,
        now,
        member_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The 发展党员 path a member came by, if they did: (person, stage as the rules read it).
pub async fn person_of_member(db: &super::Db, member_id: i64) -> AppResult<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM development_people WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|r| r.0))
}

/// The person a step belongs to.
pub async fn person_of_step(conn: &mut AnyConnection, step_id: i64) -> AppResult<i64> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT person_id FROM development_steps WHERE id = $1")
            .bind(step_id)
            .fetch_optional(conn)
            .await?;
    row.map(|r| r.0).ok_or(AppError::NotFound)
}

/// Every branch's full members: (branch, member).
pub async fn full_members_by_branch(db: &super::Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT branch_id, id FROM members WHERE status = 'full' AND left_on IS NULL ORDER BY branch_id, id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// A member whose path shows them still on probation (the roster follows the path).
pub async fn make_probationary(
    conn: &mut AnyConnection,
    member_id: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE members SET status = 'probationary', full_member_on = NULL, updated_at = $1 WHERE id = $2",
        now,
        member_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
