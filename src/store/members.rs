//! The member register (党员名册). ID and phone numbers are stored encrypted, with a mask
//! for lists and a keyed hash for uniqueness and lookup.
use crate::crypto::Keys;
use crate::domain::member::{
    Education, Gender, MemberCategory, MemberRecord, MemberStatus, posts_label,
};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
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
    pub joined_on: String,
    pub full_member_on: Option<String>,
    pub status: String,
    pub category: String,
    pub branch_id: i64,
    pub party_group_id: Option<i64>,
    pub posts: String,
    pub veteran: i64,
    pub branch_name: String,
    /// The branch's 组织编码, when it has one (from an import).
    pub branch_code: Option<String>,
    pub branch_path: String,
    pub party_group_name: Option<String>,
    /// The day they left the county's organization (转出县外 …): kept, not on any roster.
    pub left_on: Option<String>,
    pub left_reason: String,
}

impl Member {
    pub fn gender_label(&self) -> &'static str {
        Gender::from_code(&self.gender)
            .map(|g| g.label())
            .unwrap_or("")
    }
    pub fn status_label(&self) -> &'static str {
        MemberStatus::from_code(&self.status)
            .map(|g| g.label())
            .unwrap_or("")
    }
    pub fn category_label(&self) -> &'static str {
        MemberCategory::from_code(&self.category)
            .map(|g| g.label())
            .unwrap_or("")
    }
    pub fn education_label(&self) -> &'static str {
        Education::from_code(&self.education)
            .map(|g| g.label())
            .unwrap_or("")
    }
    pub fn posts_label(&self) -> String {
        posts_label(&self.posts)
    }
    pub fn full_member_on_text(&self) -> &str {
        self.full_member_on.as_deref().unwrap_or("—")
    }
    pub fn party_group_text(&self) -> &str {
        self.party_group_name.as_deref().unwrap_or("—")
    }
}

const SELECT: &str = "SELECT m.id, m.name, m.gender, m.ethnicity, m.birth_date, m.id_number_enc, m.id_number_mask, \
     m.phone_enc, m.phone_mask, m.education, m.joined_on, m.full_member_on, m.status, m.category, m.branch_id, \
     m.party_group_id, m.posts, m.veteran, b.name AS branch_name, b.code AS branch_code, b.path AS branch_path, g.name AS party_group_name, \
     m.left_on, m.left_reason FROM members m JOIN orgs b ON b.id = m.branch_id LEFT JOIN orgs g ON g.id = m.party_group_id";

pub async fn get(db: &super::Db, id: i64) -> AppResult<Member> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

pub async fn get_in(conn: &mut AnyConnection, id: i64) -> AppResult<Member> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub q: String,
    pub branch_id: Option<i64>,
    pub status: String,
    pub category: String,
    pub gender: String,
    /// Those who left the county's organization instead of those on the roster.
    pub left: bool,
}

/// Members of any of `roots`' subtrees matching the filter, by branch then name. Only the
/// filter's set parts become conditions: `($1 = '' OR …)` for the rest would keep SQLite from
/// answering the search from the index and PostgreSQL's one plan per statement from any.
pub async fn list(
    db: &super::Db,
    roots: &[&str],
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Member>, i64)> {
    let mut conditions = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut arg = |value: String| {
        args.push(value);
        format!("${}", args.len())
    };
    let q = f.q.trim();
    if !q.is_empty() {
        let name = arg(format!("%{q}%"));
        // Four digits or fewer search the phone's tail too.
        if q.len() <= 4 && q.bytes().all(|b| b.is_ascii_digit()) {
            let tail = arg(format!("%{q}"));
            conditions.push(format!("(m.name LIKE {name} OR m.phone_mask LIKE {tail})"));
        } else {
            conditions.push(format!("m.name LIKE {name}"));
        }
    }
    for (column, value) in [
        ("m.status", &f.status),
        ("m.category", &f.category),
        ("m.gender", &f.gender),
    ] {
        if !value.is_empty() {
            conditions.push(format!("{column} = {}", arg(value.clone())));
        }
    }
    let (scope, scope_args) = super::orgs::scope_clause("b.path", roots, args.len() + 1);
    args.extend(scope_args);
    conditions.push(format!("({scope})"));
    if let Some(branch) = f.branch_id {
        conditions.push(format!("m.branch_id = {branch}"));
    }
    // Those who left are listed only when asked for.
    conditions.push(
        if f.left {
            "m.left_on IS NOT NULL"
        } else {
            "m.left_on IS NULL"
        }
        .into(),
    );
    let filter = format!("WHERE {}", conditions.join(" AND "));
    let count_sql =
        format!("SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id {filter}");
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for a in &args {
        count = count.bind(a);
    }
    let (total,) = count.fetch_one(db.pool()).await?;
    let n = args.len() + 1;
    let list_sql = format!(
        "{SELECT} {filter} ORDER BY b.path, m.name, m.id LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut list = sqlx::query_as(&list_sql);
    for a in &args {
        list = list.bind(a);
    }
    let rows = list.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    Ok((rows, total))
}

/// Which field a uniqueness conflict concerns, with its message.
pub async fn conflicts(
    conn: &mut AnyConnection,
    keys: &Keys,
    input: &MemberRecord,
    except_id: Option<i64>,
) -> AppResult<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    let except = except_id.unwrap_or(0);
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM members WHERE {} AND id <> $1",
        super::hash_in(
            "id_number_hash",
            &keys.lookup_hashes("id_number", &input.id_number)
        )
    ))
    .bind(except)
    .fetch_one(&mut *conn)
    .await?;
    if n > 0 {
        out.push(("id_number", "该身份证号已在党员名册中".to_string()));
    }
    if let Some(phone) = &input.phone {
        let hashes = super::hash_in("phone_hash", &keys.lookup_hashes("phone", phone));
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM members WHERE {hashes} AND id <> $1"
        ))
        .bind(except)
        .fetch_one(&mut *conn)
        .await?;
        let (u,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM users WHERE {hashes} AND (member_id IS NULL OR member_id <> $1)"
        ))
        .bind(except)
        .fetch_one(&mut *conn)
        .await?;
        if n + u > 0 {
            out.push(("phone", "该手机号已被其他党员或账号使用".to_string()));
        }
    }
    Ok(out)
}

pub async fn insert(
    conn: &mut AnyConnection,
    keys: &Keys,
    m: &MemberRecord,
    now: i64,
) -> AppResult<i64> {
    let id_number = crate::domain::idcard::IdNumber::parse(&m.id_number)
        .map_err(|e| AppError::BadRequest(e.into()))?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO members (name, gender, ethnicity, birth_date, id_number_enc, id_number_mask, id_number_hash, \
         phone_enc, phone_mask, phone_hash, education, joined_on, full_member_on, status, category, branch_id, \
         party_group_id, posts, veteran, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20) RETURNING id",
    )
    .bind(&m.name)
    .bind(m.gender.code())
    .bind(&m.ethnicity)
    .bind(&m.birth_date)
    .bind(keys.encrypt(id_number.as_str()))
    .bind(id_number.masked())
    .bind(keys.lookup_hash("id_number", id_number.as_str()))
    .bind(m.phone.as_deref().map(|p| keys.encrypt(p)))
    .bind(m.phone.as_deref().map(crate::domain::text::mask_phone).unwrap_or_default())
    .bind(m.phone.as_deref().map(|p| keys.lookup_hash("phone", p)))
    .bind(m.education.code())
    .bind(&m.joined_on)
    .bind(m.full_member_on.as_deref())
    .bind(m.status.code())
    .bind(m.category.code())
    .bind(m.branch_id)
    .bind(m.party_group_id)
    .bind(&m.posts)
    .bind(i64::from(m.veteran))
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut AnyConnection,
    keys: &Keys,
    id: i64,
    m: &MemberRecord,
    now: i64,
) -> AppResult<()> {
    let id_number = crate::domain::idcard::IdNumber::parse(&m.id_number)
        .map_err(|e| AppError::BadRequest(e.into()))?;
    crate::q!(
        "UPDATE members SET name=$1, gender=$2, ethnicity=$3, birth_date=$4, id_number_enc=$5, id_number_mask=$6, \
         id_number_hash=$7, phone_enc=$8, phone_mask=$9, phone_hash=$10, education=$11, joined_on=$12, \
         full_member_on=$13, status=$14, category=$15, party_group_id=$16, posts=$17, veteran=$18, updated_at=$19 WHERE id=$20",
        &m.name,
        m.gender.code(),
        &m.ethnicity,
        &m.birth_date,
        keys.encrypt(id_number.as_str()),
        id_number.masked(),
        keys.lookup_hash("id_number", id_number.as_str()),
        m.phone.as_deref().map(|p| keys.encrypt(p)),
        m.phone.as_deref().map(crate::domain::text::mask_phone).unwrap_or_default(),
        m.phone.as_deref().map(|p| keys.lookup_hash("phone", p)),
        m.education.code(),
        &m.joined_on,
        m.full_member_on.as_deref(),
        m.status.code(),
        m.category.code(),
        m.party_group_id,
        &m.posts,
        i64::from(m.veteran),
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn transfer(
    conn: &mut AnyConnection,
    member: &Member,
    to_branch: i64,
    reason: &str,
    by_user: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE members SET branch_id = $1, party_group_id = NULL, updated_at = $2 WHERE id = $3",
        to_branch,
        now,
        member.id
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "INSERT INTO member_transfers (member_id, from_branch_id, to_branch_id, reason, by_user_id, at) VALUES ($1,$2,$3,$4,$5,$6)",
        member.id,
        member.branch_id,
        to_branch,
        reason,
        by_user,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferRow {
    pub at: i64,
    pub from_name: String,
    pub to_name: String,
    pub reason: String,
}

pub async fn transfers(db: &super::Db, member_id: i64) -> AppResult<Vec<TransferRow>> {
    Ok(sqlx::query_as(
        "SELECT t.at, f.name AS from_name, o.name AS to_name, t.reason FROM member_transfers t \
         JOIN orgs f ON f.id = t.from_branch_id JOIN orgs o ON o.id = t.to_branch_id WHERE t.member_id = $1 ORDER BY t.at DESC",
    )
    .bind(member_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn has_account(conn: &mut AnyConnection, member_id: i64) -> AppResult<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE member_id = $1")
        .bind(member_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The members of an organization, for choosing a host or recorder: a party group's own
/// members, or everyone in the subtree's branches. Office holders first, then by name.
/// The members registered in a subtree, by branch: (member, name, branch, branch name); at
/// most 2,000 (a county's administrator picks from the first of them).
pub async fn in_subtree(db: &super::Db, root: &str) -> AppResult<Vec<(i64, String, i64, String)>> {
    let (lo, hi) = crate::domain::org::subtree_range(root);
    Ok(sqlx::query_as(
        "SELECT m.id, m.name, o.id, o.name FROM members m JOIN orgs o ON o.id = m.branch_id \
         WHERE o.path >= $1 AND o.path < $2 AND o.dissolved_at IS NULL AND m.left_on IS NULL ORDER BY o.path, m.id LIMIT 2000",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// SQL: the member row `alias` sits on its branch committee (one of
/// `meetings::COMMITTEE_POSTS` among its 党内职务).
pub fn on_committee_sql(alias: &str) -> String {
    let any: Vec<String> = crate::domain::meetings::COMMITTEE_POSTS
        .iter()
        .map(|p| format!("(',' || {alias}.posts || ',') LIKE '%,{},%'", p.code()))
        .collect();
    format!("({})", any.join(" OR "))
}

/// The ids of an organization's members (a party group's, or its subtree's branches') and
/// of those among them on a branch committee.
pub async fn people_of(
    db: &super::Db,
    org_id: i64,
    org_path: &str,
) -> AppResult<(Vec<i64>, Vec<i64>)> {
    let (lo, hi) = crate::domain::org::subtree_range(org_path);
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT m.id, CASE WHEN {} THEN 1 ELSE 0 END FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE ((b.path >= $1 AND b.path < $2) OR m.party_group_id = $3) AND m.left_on IS NULL",
        on_committee_sql("m")
    ))
    .bind(lo)
    .bind(hi)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?;
    let committee = rows.iter().filter(|r| r.1 == 1).map(|r| r.0).collect();
    Ok((rows.into_iter().map(|r| r.0).collect(), committee))
}

pub async fn of_org(db: &super::Db, org_id: i64, org_path: &str) -> AppResult<Vec<(i64, String)>> {
    let (lo, hi) = crate::domain::org::subtree_range(org_path);
    Ok(sqlx::query_as(
        "SELECT m.id, m.name FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE ((b.path >= $1 AND b.path < $2) OR m.party_group_id = $3) AND m.left_on IS NULL \
         ORDER BY m.posts = '', m.name LIMIT 500",
    )
    .bind(lo)
    .bind(hi)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn name_in(conn: &mut AnyConnection, id: i64) -> AppResult<String> {
    let (name,): (String,) = sqlx::query_as("SELECT name FROM members WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(name)
}

/// Names of several members, by id.
pub async fn names(
    db: &super::Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT id, name FROM members WHERE id IN ({})",
        list.join(",")
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

/// A branch's office holders (书记, 组织委员 …): (member, name, their posts' codes).
pub async fn office_holders(
    db: &super::Db,
    branch_id: i64,
) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name, posts FROM members WHERE branch_id = $1 AND posts <> '' AND left_on IS NULL ORDER BY name, id",
    )
    .bind(branch_id)
    .fetch_all(db.pool())
    .await?)
}

/// How many members (on the roster) and organizations the register holds.
pub async fn counts(db: &super::Db) -> AppResult<(i64, i64)> {
    let (members,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM members WHERE left_on IS NULL")
        .fetch_one(db.pool())
        .await?;
    let (orgs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orgs")
        .fetch_one(db.pool())
        .await?;
    Ok((members, orgs))
}

/// Every member on the roster with their branch: (member, branch), by branch.
pub async fn with_branches(db: &super::Db) -> AppResult<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, branch_id FROM members WHERE left_on IS NULL ORDER BY branch_id, id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Where a member is registered: (branch, branch path); (0, "") for one who left the
/// county's organization, who is nowhere now.
pub async fn placement(db: &super::Db, member_id: i64) -> AppResult<(i64, String)> {
    Ok(sqlx::query_as(
        "SELECT CASE WHEN m.left_on IS NULL THEN m.branch_id ELSE 0 END, \
         CASE WHEN m.left_on IS NULL THEN o.path ELSE '' END FROM members m JOIN orgs o ON o.id = m.branch_id WHERE m.id = $1",
    )
    .bind(member_id)
    .fetch_one(db.pool())
    .await?)
}

/// Where every member on the roster is registered: (member, branch, branch path).
pub async fn placements(db: &super::Db) -> AppResult<Vec<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.branch_id, o.path FROM members m JOIN orgs o ON o.id = m.branch_id WHERE m.left_on IS NULL",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Members who joined on or after `since` (`YYYY-MM-DD`), oldest first.
pub async fn joined_since(db: &super::Db, since: &str) -> AppResult<Vec<Member>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE m.joined_on >= $1 ORDER BY m.joined_on, m.id"
    ))
    .bind(since)
    .fetch_all(db.pool())
    .await?)
}

/// The member leaves the county's organization on `on`: off every roster, their account
/// closed and signed out; their record and history stay.
pub async fn leave(
    conn: &mut AnyConnection,
    member_id: i64,
    on: time::Date,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE members SET left_on = $1, left_reason = $2, updated_at = $3 WHERE id = $4",
        crate::domain::clock::format_date(on),
        reason,
        now,
        member_id
    )
    .execute(&mut *conn)
    .await?;
    let account: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE member_id = $1")
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((user,)) = account {
        super::users::set_disabled(&mut *conn, user, true).await?;
        super::sessions::delete_all_for(&mut *conn, user).await?;
    }
    Ok(())
}

/// Members on the roster with an open account who joined on one of `month_days` (`MM-DD`):
/// (member, account, joined on).
pub async fn joined_on_days(
    db: &super::Db,
    month_days: &[String],
) -> AppResult<Vec<(i64, i64, String)>> {
    let marks: Vec<String> = (1..=month_days.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT m.id, u.id, m.joined_on FROM members m JOIN users u ON u.member_id = m.id \
         WHERE m.left_on IS NULL AND u.disabled = 0 AND substr(m.joined_on, 6, 5) IN ({}) ORDER BY m.id",
        marks.join(", ")
    );
    let mut q = sqlx::query_as(&sql);
    for d in month_days {
        q = q.bind(d);
    }
    Ok(q.fetch_all(db.pool()).await?)
}

/// A branch's members on the roster who joined in `month` (1–12) of some year, by day:
/// (member, name, joined on).
pub async fn joined_in_month(
    db: &super::Db,
    branch_id: i64,
    month: u8,
) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name, joined_on FROM members WHERE branch_id = $1 AND left_on IS NULL \
         AND substr(joined_on, 6, 2) = $2 ORDER BY substr(joined_on, 9, 2), name",
    )
    .bind(branch_id)
    .bind(format!("{month:02}"))
    .fetch_all(db.pool())
    .await?)
}

/// What a member's own data download holds besides the record: the points ledger, dues
/// paid and meetings checked in to, oldest first.
#[derive(Debug, Default)]
pub struct OwnRecords {
    /// (day, reason, points)
    pub points: Vec<(String, String, i64)>,
    /// (paid on, amount in fen, how)
    pub dues: Vec<(String, i64, String)>,
    /// (meeting, its start, checked in at, how)
    pub meetings: Vec<(String, i64, i64, String)>,
}

pub async fn own_records(db: &super::Db, member: i64) -> AppResult<OwnRecords> {
    let points = sqlx::query_as(
        "SELECT day, reason, lifetime_delta FROM points_ledger WHERE member_id = $1 ORDER BY id",
    )
    .bind(member)
    .fetch_all(db.pool())
    .await?;
    let dues = sqlx::query_as(
        "SELECT paid_on, amount, way FROM dues_payments WHERE member_id = $1 ORDER BY paid_on, id",
    )
    .bind(member)
    .fetch_all(db.pool())
    .await?;
    let meetings = sqlx::query_as(
        "SELECT m.topic, m.starts_at, c.at, c.method FROM checkins c JOIN meetings m ON m.id = c.meeting_id \
         WHERE c.member_id = $1 ORDER BY m.starts_at",
    )
    .bind(member)
    .fetch_all(db.pool())
    .await?;
    Ok(OwnRecords {
        points,
        dues,
        meetings,
    })
}
