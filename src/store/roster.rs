//! What a roster import reads to plan against (the tree, the register, the phones in use)
//! and its writes: organizations with their codes, members with their accounts.
use super::{members, orgs, users};
use crate::crypto::Keys;
use crate::domain::member::{Education, Gender, MemberCategory, MemberRecord, MemberStatus};
use crate::domain::org::{OrgCategory, OrgRecord, OrgType};
use crate::domain::roster::{BranchRef, StoredMember, StoredOrg};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    code: Option<String>,
    name: String,
    kind: String,
    category: String,
    address: String,
    sort_order: i64,
}

impl OrgRow {
    fn stored(self) -> Option<StoredOrg> {
        Some(StoredOrg {
            id: self.id,
            parent_id: self.parent_id,
            path: self.path,
            code: self.code,
            record: OrgRecord {
                name: self.name,
                kind: OrgType::from_code(&self.kind)?,
                category: OrgCategory::from_code(&self.category)?,
                address: self.address,
                sort_order: self.sort_order,
            },
        })
    }
}

/// The organizations in use (not dissolved), for the planner.
pub async fn stored_orgs(db: &super::Db) -> AppResult<Vec<StoredOrg>> {
    let rows: Vec<OrgRow> = sqlx::query_as(
        "SELECT id, parent_id, path, code, name, kind, category, address, sort_order FROM orgs \
         WHERE dissolved_at IS NULL ORDER BY path",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().filter_map(OrgRow::stored).collect())
}

/// The branches a member row may name: by code, and by name (a name may be shared).
#[derive(Default)]
pub struct Branches {
    pub by_code: HashMap<String, BranchRef>,
    pub by_name: HashMap<String, Vec<BranchRef>>,
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: i64,
    parent_id: Option<i64>,
    code: Option<String>,
    name: String,
    kind: String,
}

/// The branches in use under any of `roots`, each with its party groups.
pub async fn branches(db: &super::Db, roots: &[&str]) -> AppResult<Branches> {
    let (scope, args) = orgs::scope_clause("path", roots, 1);
    let sql = format!(
        "SELECT id, parent_id, code, name, kind FROM orgs WHERE dissolved_at IS NULL AND ({scope})"
    );
    let mut query = sqlx::query_as(&sql);
    for a in &args {
        query = query.bind(a);
    }
    let rows: Vec<PlaceRow> = query.fetch_all(db.pool()).await?;
    let mut groups: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for r in &rows {
        if let (Some(parent), Some(OrgType::PartyGroup)) =
            (r.parent_id, OrgType::from_code(&r.kind))
        {
            groups
                .entry(parent)
                .or_default()
                .push((r.id, r.name.clone()));
        }
    }
    let mut found = Branches::default();
    for r in rows {
        if !OrgType::from_code(&r.kind).is_some_and(OrgType::is_branch) {
            continue;
        }
        let branch = BranchRef {
            id: r.id,
            party_groups: groups.remove(&r.id).unwrap_or_default(),
        };
        if let Some(code) = r.code {
            found.by_code.insert(code, branch.clone());
        }
        found.by_name.entry(r.name).or_default().push(branch);
    }
    Ok(found)
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    name: String,
    gender: String,
    ethnicity: String,
    birth_date: String,
    id_number_enc: String,
    phone_enc: Option<String>,
    education: String,
    joined_on: String,
    full_member_on: Option<String>,
    status: String,
    category: String,
    branch_id: i64,
    party_group_id: Option<i64>,
    posts: String,
    veteran: i64,
}

/// The whole register by ID number, decrypted, for matching rows to members.
pub async fn stored_members(
    db: &super::Db,
    keys: &Keys,
) -> AppResult<HashMap<String, StoredMember>> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT id, name, gender, ethnicity, birth_date, id_number_enc, phone_enc, education, joined_on, \
         full_member_on, status, category, branch_id, party_group_id, posts, veteran FROM members",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let (Some(id_number), Some(gender), Some(education), Some(status), Some(category)) = (
            keys.decrypt(&r.id_number_enc),
            Gender::from_code(&r.gender),
            Education::from_code(&r.education),
            MemberStatus::from_code(&r.status),
            MemberCategory::from_code(&r.category),
        ) else {
            continue;
        };
        let record = MemberRecord {
            name: r.name,
            gender,
            ethnicity: r.ethnicity,
            birth_date: r.birth_date,
            id_number: id_number.clone(),
            phone: r.phone_enc.as_deref().and_then(|p| keys.decrypt(p)),
            education,
            joined_on: r.joined_on,
            full_member_on: r.full_member_on,
            status,
            category,
            branch_id: r.branch_id,
            party_group_id: r.party_group_id,
            posts: r.posts,
            veteran: r.veteran != 0,
        };
        out.insert(id_number, StoredMember { id: r.id, record });
    }
    Ok(out)
}

/// Who uses each phone number (by its lookup hash): a member, or an account of no member.
pub async fn phone_owners(db: &super::Db) -> AppResult<HashMap<String, Option<i64>>> {
    let mut out = HashMap::new();
    let accounts: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT phone_hash, member_id FROM users")
            .fetch_all(db.pool())
            .await?;
    out.extend(accounts);
    let registered: Vec<(String, i64)> =
        sqlx::query_as("SELECT phone_hash, id FROM members WHERE phone_hash IS NOT NULL")
            .fetch_all(db.pool())
            .await?;
    out.extend(registered.into_iter().map(|(h, id)| (h, Some(id))));
    Ok(out)
}

/// Creates an organization under `parent` (none: the county) with its code.
pub async fn create_org(
    conn: &mut AnyConnection,
    parent: Option<i64>,
    record: &OrgRecord,
    code: Option<&str>,
    now: i64,
) -> AppResult<i64> {
    let parent = match parent {
        Some(id) => Some(orgs::get_in(&mut *conn, id).await?),
        None => None,
    };
    let id = orgs::create(&mut *conn, parent.as_ref(), record, now).await?;
    set_code(conn, id, code).await?;
    Ok(id)
}

/// Corrects an organization's fields and, when the row gives one, its code.
pub async fn update_org(
    conn: &mut AnyConnection,
    id: i64,
    record: &OrgRecord,
    code: Option<&str>,
    now: i64,
) -> AppResult<()> {
    orgs::update(&mut *conn, id, record, now).await?;
    set_code(conn, id, code).await
}

async fn set_code(conn: &mut AnyConnection, id: i64, code: Option<&str>) -> AppResult<()> {
    if let Some(code) = code {
        crate::q!("UPDATE orgs SET code = $1 WHERE id = $2", code, id)
            .execute(conn)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    AppError::Conflict(format!("组织编码 {code} 已被其他组织使用"))
                }
                e => e.into(),
            })?;
    }
    Ok(())
}

/// A new member, with an account whose first sign-in uses `first_code` when they have a phone.
pub async fn create_member(
    conn: &mut AnyConnection,
    keys: &Keys,
    record: &MemberRecord,
    first_code: &str,
    now: i64,
) -> AppResult<i64> {
    let id = members::insert(&mut *conn, keys, record, now).await?;
    add_account(conn, keys, id, record, first_code).await?;
    Ok(id)
}

/// The account of a member with a phone, whose first sign-in uses `first_code`.
async fn add_account(
    conn: &mut AnyConnection,
    keys: &Keys,
    member_id: i64,
    record: &MemberRecord,
    first_code: &str,
) -> AppResult<()> {
    let Some(phone) = &record.phone else {
        return Ok(());
    };
    users::create(
        conn,
        keys,
        &users::NewUser {
            name: &record.name,
            phone,
            password_hash: &keys.first_code_password(first_code),
            member_id: Some(member_id),
            must_change_password: true,
        },
    )
    .await?;
    Ok(())
}

/// An account for a member with a phone who has none yet (a corrected row that adds one).
async fn open_account(
    conn: &mut AnyConnection,
    keys: &Keys,
    member_id: i64,
    record: &MemberRecord,
    first_code: &str,
) -> AppResult<()> {
    if record.phone.is_none() || members::has_account(&mut *conn, member_id).await? {
        return Ok(());
    }
    add_account(conn, keys, member_id, record, first_code).await
}

/// Corrects a member; a move to another branch is recorded as a transfer (转接).
pub async fn update_member(
    conn: &mut AnyConnection,
    keys: &Keys,
    id: i64,
    record: &MemberRecord,
    moved_from: Option<i64>,
    first_code: &str,
    (by_user, now): (i64, i64),
) -> AppResult<()> {
    if moved_from.is_some() {
        let member = members::get_in(&mut *conn, id).await?;
        members::transfer(
            &mut *conn,
            &member,
            record.branch_id,
            "名册导入",
            by_user,
            now,
        )
        .await?;
    }
    members::update(&mut *conn, keys, id, record, now).await?;
    if let Some(phone) = &record.phone {
        users::sync_member(&mut *conn, keys, id, &record.name, phone).await?;
    }
    open_account(conn, keys, id, record, first_code).await
}

/// A branch's members with accounts, for their login letters: name, masked phone, and the
/// first code while the member has not chosen a password.
pub async fn letters(
    db: &super::Db,
    keys: &Keys,
    branch_id: i64,
) -> AppResult<Vec<(String, String, Option<String>)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT m.name, u.phone_mask, u.password_hash FROM members m JOIN users u ON u.member_id = m.id \
         WHERE m.branch_id = $1 AND u.disabled = 0 AND m.left_on IS NULL ORDER BY m.name, m.id",
    )
    .bind(branch_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, phone, stored)| (name, phone, keys.first_code(&stored)))
        .collect())
}

/// An organization as an export writes it: its parent by code, or by name without one.
#[derive(Debug, sqlx::FromRow)]
pub struct ExportedOrg {
    pub name: String,
    pub code: Option<String>,
    pub kind: String,
    pub category: String,
    pub parent: Option<String>,
    pub address: String,
    pub sort_order: i64,
}

/// The organizations in use under `root` (itself included), parents before children.
pub async fn export_orgs(db: &super::Db, root: &str) -> AppResult<Vec<ExportedOrg>> {
    let (lo, hi) = crate::domain::org::subtree_range(root);
    Ok(sqlx::query_as(
        "SELECT o.name, o.code, o.kind, o.category, COALESCE(p.code, p.name) AS parent, o.address, o.sort_order \
         FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id \
         WHERE o.dissolved_at IS NULL AND o.path >= $1 AND o.path < $2 ORDER BY o.depth, o.path",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// A request to export the register with full numbers, and what became of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Approval {
    pub id: i64,
    pub requested_by: i64,
    pub requester_name: String,
    /// The subtree paths the export covers, one per line.
    pub roots: String,
    pub reason: String,
    pub requested_at: i64,
    pub decider_name: Option<String>,
    pub decided_at: Option<i64>,
    pub approved: i64,
    pub used_at: Option<i64>,
}

impl Approval {
    pub fn roots(&self) -> Vec<&str> {
        self.roots.lines().filter(|l| !l.is_empty()).collect()
    }

    pub fn state(&self, now: i64) -> crate::domain::approval::State {
        crate::domain::approval::State::of(self.decided_at, self.approved != 0, self.used_at, now)
    }
}

const APPROVAL_COLUMNS: &str = "id, requested_by, requester_name, roots, reason, requested_at, \
     decider_name, decided_at, approved, used_at";

pub async fn request_approval(
    conn: &mut AnyConnection,
    user: (i64, &str),
    roots: &[String],
    reason: &str,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO export_approvals (requested_by, requester_name, roots, reason, requested_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.0)
    .bind(user.1)
    .bind(roots.join("\n"))
    .bind(reason)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// The latest requests: one's own, and those waiting for anyone's decision.
pub async fn approvals(db: &super::Db, user_id: i64) -> AppResult<(Vec<Approval>, Vec<Approval>)> {
    let mine = sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM export_approvals WHERE requested_by = $1 ORDER BY id DESC LIMIT 10"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let waiting = sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM export_approvals WHERE decided_at IS NULL AND requested_by <> $1 ORDER BY id LIMIT 50"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok((mine, waiting))
}

pub async fn approval(db: &super::Db, id: i64) -> AppResult<Approval> {
    Ok(sqlx::query_as(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM export_approvals WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

/// Decides a pending request; false when someone decided it first.
pub async fn decide_approval(
    conn: &mut AnyConnection,
    id: i64,
    by: (i64, &str),
    approve: bool,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE export_approvals SET decided_by = $1, decider_name = $2, decided_at = $3, approved = $4 \
         WHERE id = $5 AND decided_at IS NULL AND requested_by <> $1",
        by.0,
        by.1,
        now,
        i64::from(approve),
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends the requester's approval on one download; false when it is not theirs, not
/// approved, used, or out of its day.
pub async fn use_approval(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
    now: i64,
) -> AppResult<bool> {
    let done = crate::q!(
        "UPDATE export_approvals SET used_at = $1 WHERE id = $2 AND requested_by = $3 \
         AND approved = 1 AND used_at IS NULL AND decided_at >= $4",
        now,
        id,
        user_id,
        now - crate::domain::approval::VALID_SECONDS
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
