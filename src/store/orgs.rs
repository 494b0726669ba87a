//! Organizations and subtree queries over the materialized path.
use crate::domain::org::{
    OrgCategory, OrgRecord, OrgType, child_path, path_ids, root_path, subtree_range,
};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i64,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub sort_order: i64,
    pub address: String,
    pub dissolved_at: Option<i64>,
    pub created_at: i64,
}

impl Org {
    pub fn kind(&self) -> OrgType {
        OrgType::from_code(&self.kind).unwrap_or(OrgType::Branch)
    }
    pub fn kind_label(&self) -> &'static str {
        self.kind().label()
    }
    pub fn category_label(&self) -> &'static str {
        OrgCategory::from_code(&self.category)
            .map(|c| c.label())
            .unwrap_or("")
    }
    pub fn is_dissolved(&self) -> bool {
        self.dissolved_at.is_some()
    }
}

const COLUMNS: &str = "id, parent_id, path, depth, name, kind, category, sort_order, address, dissolved_at, created_at";

/// `column IN ('branch', …)`: the organization types a domain rule accepts, as SQL, so that
/// lists of type codes are never written by hand.
/// SQL: the name of the organization `org` as `domain::org::full_name` gives it, its parent
/// joined as `parent` (a LEFT JOIN: the root has none).
pub fn full_name_sql(org: &str, parent: &str) -> String {
    format!(
        "CASE WHEN {org}.kind = '{}' AND {parent}.name IS NOT NULL THEN {parent}.name || ' · ' || {org}.name ELSE {org}.name END",
        OrgType::PartyGroup.code()
    )
}

pub fn kinds_sql(column: &str, accepts: impl Fn(OrgType) -> bool) -> String {
    let codes: Vec<String> = OrgType::ALL
        .iter()
        .filter(|t| accepts(**t))
        .map(|t| format!("'{}'", t.code()))
        .collect();
    format!("{column} IN ({})", codes.join(", "))
}

/// The organizations of one type in force, in tree order.
pub async fn of_kind(db: &super::Db, kind: OrgType) -> AppResult<Vec<Org>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE kind = $1 AND dissolved_at IS NULL ORDER BY path LIMIT 2000"
    ))
    .bind(kind.code())
    .fetch_all(db.pool())
    .await?)
}

/// Organizations that hold organizational life, by id; with `dissolved`, those dissolved
/// since too (their past meetings still count).
pub async fn meeting_holders(db: &super::Db, dissolved: bool) -> AppResult<Vec<Org>> {
    let kinds = kinds_sql("kind", crate::domain::orglife::holds_meetings);
    let active = if dissolved {
        ""
    } else {
        "AND dissolved_at IS NULL"
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE {kinds} {active} ORDER BY id"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// Dates every organization's founding back to `at`: the demo's history begins before today.
pub async fn set_founded(db: &super::Db, at: i64) -> AppResult<()> {
    crate::q!("UPDATE orgs SET created_at = $1", at)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Every organization's parent (none for the root).
pub async fn parents(db: &super::Db) -> AppResult<std::collections::HashMap<i64, Option<i64>>> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, parent_id FROM orgs")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().collect())
}

/// The organizations of a subtree that are not dissolved, in path order (the root first).
pub async fn subtree(db: &super::Db, path: &str) -> AppResult<Vec<Org>> {
    let (lo, hi) = subtree_range(path);
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE path >= $1 AND path < $2 AND dissolved_at IS NULL ORDER BY path"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?)
}

/// The paths of a subtree's branches that are not dissolved (to count them per organization).
pub async fn branch_paths(db: &super::Db, path: &str) -> AppResult<Vec<String>> {
    let (lo, hi) = subtree_range(path);
    let branches = kinds_sql("kind", OrgType::is_branch);
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT path FROM orgs WHERE path >= $1 AND path < $2 AND dissolved_at IS NULL AND {branches}"
    ))
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A branch of a town's ranking: its members and the badges it holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BranchTally {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub badges: i64,
}

/// Every branch of a subtree with its member and badge counts.
pub async fn branch_tallies(db: &super::Db, path: &str) -> AppResult<Vec<BranchTally>> {
    let (lo, hi) = subtree_range(path);
    let branches = kinds_sql("o.kind", OrgType::is_branch);
    Ok(sqlx::query_as(&format!(
        "SELECT o.id, o.name, (SELECT COUNT(*) FROM members m WHERE m.branch_id = o.id AND m.left_on IS NULL) AS members, \
         (SELECT COUNT(*) FROM badges b WHERE b.holder_kind = $3 AND b.holder_id = o.id) AS badges \
         FROM orgs o WHERE o.path >= $1 AND o.path < $2 AND o.dissolved_at IS NULL AND {branches}"
    ))
    .bind(lo)
    .bind(hi)
    .bind(crate::domain::badges::Holder::Org.code())
    .fetch_all(db.pool())
    .await?)
}

pub async fn get(db: &super::Db, id: i64) -> AppResult<Org> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"))
            .bind(id)
            .fetch_one(db.pool())
            .await?,
    )
}

pub async fn get_in(conn: &mut AnyConnection, id: i64) -> AppResult<Org> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn root(db: &super::Db) -> AppResult<Option<Org>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE parent_id IS NULL AND dissolved_at IS NULL ORDER BY id LIMIT 1"
    ))
    .fetch_optional(db.pool())
    .await?)
}

/// The organizations at the roots of a user's subtrees, in the order given.
pub async fn at_roots(db: &super::Db, roots: &[&str]) -> AppResult<Vec<Org>> {
    let mut out = Vec::new();
    for root in roots {
        if let Some(id) = path_ids(root).last() {
            out.push(get(db, *id).await?);
        }
    }
    Ok(out)
}

/// The organizations with these ids, by id.
pub async fn by_ids(db: &super::Db, ids: &[i64]) -> AppResult<std::collections::HashMap<i64, Org>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let rows: Vec<Org> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM orgs WHERE id IN ({})",
            list.join(",")
        ))
        .fetch_all(db.pool())
        .await?;
        out.extend(rows.into_iter().map(|o| (o.id, o)));
    }
    Ok(out)
}

/// The organizations along `path`, root first (breadcrumbs).
pub async fn ancestors(db: &super::Db, path: &str) -> AppResult<Vec<Org>> {
    let ids = path_ids(path);
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut rows: Vec<Org> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM orgs WHERE id IN ({list})"))
            .fetch_all(db.pool())
            .await?;
    rows.sort_by_key(|o| o.depth);
    Ok(rows)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChildSummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub org_count: i64,
    pub member_count: i64,
}

impl ChildSummary {
    pub fn kind_label(&self) -> &'static str {
        OrgType::from_code(&self.kind)
            .map(|k| k.label())
            .unwrap_or("")
    }
    pub fn category_label(&self) -> &'static str {
        OrgCategory::from_code(&self.category)
            .map(|c| c.label())
            .unwrap_or("")
    }
}

/// The organizations directly below one, not dissolved, in their order.
pub async fn direct_children(db: &super::Db, id: i64) -> AppResult<Vec<Org>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE parent_id = $1 AND dissolved_at IS NULL ORDER BY sort_order, id"
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

/// Active children with the size of each one's subtree.
pub async fn children(db: &super::Db, id: i64) -> AppResult<Vec<ChildSummary>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.name, c.kind, c.category, \
         (SELECT COUNT(*) FROM orgs d WHERE d.path >= c.path AND d.path < substr(c.path, 1, length(c.path) - 1) || '0' AND d.dissolved_at IS NULL) AS org_count, \
         (SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id WHERE b.path >= c.path AND b.path < substr(c.path, 1, length(c.path) - 1) || '0' AND m.left_on IS NULL) AS member_count \
         FROM orgs c WHERE c.parent_id = $1 AND c.dissolved_at IS NULL ORDER BY c.sort_order, c.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SubtreeCounts {
    pub orgs: i64,
    pub branches: i64,
    pub members: i64,
}

pub async fn subtree_counts(db: &super::Db, path: &str) -> AppResult<SubtreeCounts> {
    let (lo, hi) = subtree_range(path);
    let (orgs, branches): (i64, i64) = sqlx::query_as(
        &format!("SELECT COUNT(*), COALESCE(CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT), CAST(0 AS BIGINT)) \
         FROM orgs WHERE path >= $1 AND path < $2 AND dissolved_at IS NULL", kinds_sql("kind", OrgType::is_branch)),
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_one(db.pool())
    .await?;
    let (members,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id WHERE b.path >= $1 AND b.path < $2 AND m.left_on IS NULL",
    )
    .bind(&lo)
    .bind(&hi)
    .fetch_one(db.pool())
    .await?;
    Ok(SubtreeCounts {
        orgs,
        branches,
        members,
    })
}

/// Organizations inside any of `roots` whose name contains `q`, optionally of the given kinds.
pub async fn search(
    db: &super::Db,
    roots: &[&str],
    q: &str,
    kinds: &[OrgType],
    limit: i64,
) -> AppResult<Vec<Org>> {
    if roots.is_empty() {
        return Ok(vec![]);
    }
    let (scope, mut args) = scope_clause("path", roots, 3);
    let kinds_sql = if kinds.is_empty() {
        String::new()
    } else {
        format!(" AND {}", kinds_sql("kind", |t| kinds.contains(&t)))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM orgs WHERE ({scope}) AND dissolved_at IS NULL AND ($1 = '' OR name LIKE '%' || $1 || '%'){kinds_sql} ORDER BY path LIMIT $2"
    );
    let mut query = sqlx::query_as(&sql).bind(q.trim()).bind(limit);
    for a in args.drain(..) {
        query = query.bind(a);
    }
    Ok(query.fetch_all(db.pool()).await?)
}

/// `(col >= $n AND col < $n+1) OR …` for each root, with the values to bind in order.
pub fn scope_clause(column: &str, roots: &[&str], first_param: usize) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        let (lo, hi) = subtree_range(root);
        let n = first_param + i * 2;
        parts.push(format!("({column} >= ${n} AND {column} < ${})", n + 1));
        args.push(lo);
        args.push(hi);
    }
    if parts.is_empty() {
        parts.push("1 = 0".into());
    }
    (parts.join(" OR "), args)
}

/// Creates the root (no parent) or a child; the path is filled in from the new id.
pub async fn create(
    conn: &mut AnyConnection,
    parent: Option<&Org>,
    input: &OrgRecord,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO orgs (parent_id, path, depth, name, kind, category, sort_order, address, created_at, updated_at) \
         VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(parent.map(|p| p.depth + 1).unwrap_or(0))
    .bind(&input.name)
    .bind(input.kind.code())
    .bind(input.category.code())
    .bind(input.sort_order)
    .bind(&input.address)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let path = match parent {
        Some(p) => child_path(&p.path, id),
        None => root_path(id),
    };
    crate::q!("UPDATE orgs SET path = $1 WHERE id = $2", path, id)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    input: &OrgRecord,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE orgs SET name = $1, category = $2, address = $3, sort_order = $4, updated_at = $5 WHERE id = $6",
        &input.name,
        input.category.code(),
        &input.address,
        input.sort_order,
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves `org` and its whole subtree under `new_parent` in one statement.
pub async fn move_subtree(
    conn: &mut AnyConnection,
    org: &Org,
    new_parent: &Org,
    now: i64,
) -> AppResult<()> {
    if new_parent.path.starts_with(&org.path) {
        return Err(AppError::BadRequest(
            "不能移动到自身或其下级组织之下".into(),
        ));
    }
    let new_path = child_path(&new_parent.path, org.id);
    let depth_shift = new_parent.depth + 1 - org.depth;
    let (lo, hi) = subtree_range(&org.path);
    crate::q!(
        "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3, updated_at = $4 WHERE path >= $5 AND path < $6",
        &new_path,
        org.path.len() as i64 + 1,
        depth_shift,
        now,
        lo,
        hi
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "UPDATE orgs SET parent_id = $1 WHERE id = $2",
        new_parent.id,
        org.id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Why an organization cannot be dissolved yet, if anything stops it.
pub async fn dissolve_blocker(conn: &mut AnyConnection, org: &Org) -> AppResult<Option<String>> {
    let (children,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND dissolved_at IS NULL")
            .bind(org.id)
            .fetch_one(&mut *conn)
            .await?;
    if children > 0 {
        return Ok(Some(format!(
            "该组织还有{children}个下级组织，请先撤销或移走下级组织"
        )));
    }
    let (members,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM members WHERE (branch_id = $1 OR party_group_id = $1) AND left_on IS NULL")
            .bind(org.id)
            .fetch_one(&mut *conn)
            .await?;
    if members > 0 {
        return Ok(Some(format!(
            "该组织还有{members}名党员，请先将党员转接到其他组织"
        )));
    }
    Ok(None)
}

pub async fn rename(conn: &mut AnyConnection, id: i64, name: &str, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE orgs SET name = $1, updated_at = $2 WHERE id = $3",
        name,
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn dissolve(conn: &mut AnyConnection, id: i64, now: i64) -> AppResult<()> {
    crate::q!(
        "UPDATE orgs SET dissolved_at = $1, updated_at = $1 WHERE id = $2",
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Party groups of a branch, for member forms.
pub async fn party_groups(db: &super::Db, branch_id: i64) -> AppResult<Vec<Org>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM orgs WHERE parent_id = $1 AND kind = $2 AND dissolved_at IS NULL ORDER BY sort_order, id"
    ))
    .bind(branch_id)
    .bind(OrgType::PartyGroup.code())
    .fetch_all(db.pool())
    .await?)
}
