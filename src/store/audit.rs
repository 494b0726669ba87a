//! The audit log: append-only, each entry hashed with the previous entry's hash.
use crate::crypto::Algorithms;
use crate::error::AppResult;
use sqlx::AnyConnection;
use sqlx::Row;

/// Who acted, from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: String,
}

impl Actor {
    /// The platform itself (first start, the daily jobs).
    pub fn system() -> Self {
        Self::named("系统")
    }

    /// Whoever runs a `dangjian` command at the console.
    pub fn console() -> Self {
        Self::named("命令行")
    }

    fn named(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.into(),
            ip: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub result: String,
    pub ip: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

pub const OK: &str = "成功";
pub const FAILED: &str = "失败";

fn entry_hash(e: &Entry, algorithms: Algorithms) -> String {
    let mut buf = Vec::new();
    let fields: [&str; 10] = [
        &e.prev_hash,
        &e.id.to_string(),
        &e.at.to_string(),
        &e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        &e.actor_name,
        &e.action,
        &e.target,
        &e.result,
        &e.ip,
        &e.detail,
    ];
    for f in fields {
        buf.extend((f.len() as u64).to_be_bytes());
        buf.extend(f.as_bytes());
    }
    algorithms.chain_hash(&buf)
}

/// Appends inside the caller's transaction, so the entry commits with the change it records.
/// Taking the head row serialises appends on both engines.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    target: &str,
    result: &str,
    detail: &str,
) -> AppResult<()> {
    let at = crate::domain::clock::now_epoch();
    append_at(conn, at, actor, [action, target, result, detail]).await
}

/// `append`, dated `at` (a county's history brought in; the retention's tests).
pub async fn append_at(
    conn: &mut AnyConnection,
    at: i64,
    actor: &Actor,
    [action, target, result, detail]: [&str; 4],
) -> AppResult<()> {
    let head = sqlx::query(
        "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash, algorithm",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut e = Entry {
        id: head.try_get(0)?,
        at,
        actor_id: actor.user_id,
        actor_name: actor.name.clone(),
        action: action.into(),
        target: target.into(),
        result: result.into(),
        ip: actor.ip.clone(),
        detail: detail.into(),
        prev_hash: head.try_get(1)?,
        hash: String::new(),
    };
    let algorithms: String = head.try_get(2)?;
    let algorithms = Algorithms::from_code(&algorithms).unwrap_or(Algorithms::International);
    e.hash = entry_hash(&e, algorithms);
    crate::q!(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target, result, ip, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        e.id, e.at, e.actor_id, &e.actor_name, &e.action, &e.target, &e.result, &e.ip, &e.detail, &e.prev_hash, &e.hash
    )
    .execute(&mut *conn)
    .await?;
    crate::q!("UPDATE audit_head SET last_hash = $1 WHERE id = 1", &e.hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        result: r.try_get("result")?,
        ip: r.try_get("ip")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "id, at, actor_id, actor_name, action, target, result, ip, detail, prev_hash, hash";

#[derive(Debug, Default)]
pub struct Filter {
    pub actor: String,
    pub action: String,
    pub result: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Newest first, filtered; `before` pages by id.
pub async fn list(
    db: &super::Db,
    f: &Filter,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 = '' OR actor_name LIKE '%' || $1 || '%') \
         AND ($2 = '' OR action LIKE '%' || $2 || '%') AND ($3 = '' OR result = $3) \
         AND at >= $4 AND at < $5 AND id < $6 ORDER BY id DESC LIMIT $7"
    );
    let rows = crate::q!(
        &sql,
        &f.actor,
        &f.action,
        &f.result,
        f.from.unwrap_or(0),
        f.to.unwrap_or(i64::MAX),
        before.unwrap_or(i64::MAX),
        limit
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
}

/// The action that records a look at a member's full ID and phone numbers.
pub const VIEWED_FULL_NUMBERS: &str = "查看敏感信息";

/// The target a look at member `id`'s full numbers is recorded under.
pub fn member_target(id: i64, name: &str) -> String {
    format!("党员 {id} {name}")
}

/// Who looked at member `id`'s full numbers, newest first (for the member: PIPL).
pub async fn views_of_member(db: &super::Db, id: i64, limit: i64) -> AppResult<Vec<Entry>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE action = $1 AND target LIKE $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(VIEWED_FULL_NUMBERS)
    .bind(format!("党员 {id} %"))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chain {
    /// Every entry is there and linked: how many.
    Intact(i64),
    /// The first broken link.
    Broken(Break),
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// An entry is gone: the one expected, and the next one there.
    Missing { id: i64, next: i64 },
    /// An entry does not name the one before it.
    Unlinked(i64),
    /// An entry's content does not match its hash.
    Altered(i64),
    /// The newest entries are gone: those kept, and those the log had.
    Truncated { kept: i64, had: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Missing { id, next } => {
                write!(f, "entry {id} is missing (next present is {next})")
            }
            Break::Unlinked(id) => write!(f, "entry {id} does not link to entry {}", id - 1),
            Break::Altered(id) => write!(f, "entry {id} was altered"),
            Break::Truncated { kept, had } => {
                write!(f, "entries after {kept} are missing (the log had {had})")
            }
        }
    }
}

impl Break {
    /// The same, for the 审计管理员's page.
    pub fn chinese(&self) -> String {
        match self {
            Break::Missing { id, next } => format!("第{id}条记录缺失（其后现存的是第{next}条）"),
            Break::Unlinked(id) => format!("第{id}条记录与第{}条记录链接不上", id - 1),
            Break::Altered(id) => format!("第{id}条记录的内容被改动过"),
            Break::Truncated { kept, had } => {
                format!("第{kept}条之后的记录缺失（日志曾有{had}条）")
            }
        }
    }
}

/// Whether `e` is the entry expected after `prev` (id and hash), unaltered.
fn follows(e: &Entry, expected_id: i64, prev: &str) -> Result<(), Break> {
    if e.id != expected_id {
        return Err(Break::Missing {
            id: expected_id,
            next: e.id,
        });
    }
    if e.prev_hash != prev {
        return Err(Break::Unlinked(e.id));
    }
    if entry_hash(e, Algorithms::of_chain_hash(&e.hash)) != e.hash {
        return Err(Break::Altered(e.id));
    }
    Ok(())
}

/// Checks entries (an archive's) as one stretch of the chain, each after the one before.
pub fn verify_entries(entries: &[Entry]) -> Result<(), Break> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let mut prev = first.prev_hash.clone();
    for (i, e) in entries.iter().enumerate() {
        follows(e, first.id + i as i64, &prev)?;
        prev = e.hash.clone();
    }
    Ok(())
}

/// Where the kept chain begins: the last entry archived and pruned (id, hash), or (0, "").
async fn anchor(conn: &mut AnyConnection) -> AppResult<(i64, String)> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT last_id, last_hash FROM audit_archives ORDER BY last_id DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or((0, String::new())))
}

/// Walks the chain kept in the database, from the last archived entry's hash on.
pub async fn verify(db: &super::Db) -> AppResult<Chain> {
    let (anchor_id, mut prev) = anchor(&mut *db.conn().await?).await?;
    let mut expected_id = anchor_id + 1;
    let batch = 5000;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE id >= $1 ORDER BY id LIMIT $2"
        ))
        .bind(expected_id)
        .bind(batch)
        .fetch_all(db.pool())
        .await?;
        let n = rows.len();
        for r in &rows {
            let e = entry_from_row(r)?;
            if let Err(broken) = follows(&e, expected_id, &prev) {
                return Ok(Chain::Broken(broken));
            }
            prev = e.hash;
            expected_id += 1;
        }
        if (n as i64) < batch {
            break;
        }
    }
    let (last_id, last_hash) = head(db).await?;
    if last_id != expected_id - 1 || last_hash != prev {
        return Ok(Chain::Broken(Break::Truncated {
            kept: expected_id - 1,
            had: last_id,
        }));
    }
    Ok(Chain::Intact(last_id))
}

/// The oldest entries, up to `limit`, made before `before` and not archived yet: all of
/// them older than every entry left.
pub async fn due_for_archive(db: &super::Db, before: i64, limit: i64) -> AppResult<Vec<Entry>> {
    let mut conn = db.conn().await?;
    let (after, _) = anchor(&mut conn).await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE id > $1 \
         AND id < COALESCE((SELECT MIN(id) FROM audit_log WHERE at >= $2), \
                           (SELECT last_id + 1 FROM audit_head WHERE id = 1)) \
         ORDER BY id LIMIT $3"
    ))
    .bind(after)
    .bind(before)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
}

/// An archive file written (durably) of a stretch of the chain, and its signature.
pub struct Archived<'a> {
    pub entries: &'a [Entry],
    pub file: &'a str,
    pub signature: &'a str,
}

/// Records the archive and removes its entries from the log, logging that it did; one
/// transaction. The log's trigger refuses it for any entry under 180 days old.
pub async fn prune(db: &super::Db, archived: &Archived<'_>, now: i64) -> AppResult<()> {
    let (Some(first), Some(last)) = (archived.entries.first(), archived.entries.last()) else {
        return Ok(());
    };
    let mut tx = db.begin().await?;
    crate::q!(
        "INSERT INTO audit_archives (first_id, last_id, last_hash, file, signature, made_at) VALUES ($1,$2,$3,$4,$5,$6)",
        first.id,
        last.id,
        &last.hash,
        archived.file,
        archived.signature,
        now
    )
    .execute(tx.conn())
    .await?;
    crate::q!(
        "DELETE FROM audit_log WHERE id >= $1 AND id <= $2",
        first.id,
        last.id
    )
    .execute(tx.conn())
    .await?;
    let detail = format!(
        "第{}–{}条，共{}条，移出数据库",
        first.id,
        last.id,
        archived.entries.len()
    );
    append(
        tx.conn(),
        &Actor::system(),
        "归档审计日志",
        archived.file,
        OK,
        &detail,
    )
    .await?;
    tx.commit().await
}

/// The chain's newest entry: (id, hash).
pub async fn head(db: &super::Db) -> AppResult<(i64, String)> {
    Ok(
        sqlx::query_as("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(db.pool())
            .await?,
    )
}

/// The archives made so far, oldest first: (first id, last id, file, made at).
pub async fn archives(db: &super::Db) -> AppResult<Vec<(i64, i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT first_id, last_id, file, made_at FROM audit_archives ORDER BY last_id",
    )
    .fetch_all(db.pool())
    .await?)
}
