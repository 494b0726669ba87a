//! The one points ledger. Every credit comes from a rule, carries an idempotency key, and is
//! appended; a correction is a new entry. `member_points` keeps the running totals.
use crate::domain::clock::{format_date, local_date};
use crate::domain::points::{LedgerKey, PointRule, RuleSetting, capped, default_setting};
use crate::domain::ranking::Tally;
use crate::error::AppResult;
use sqlx::AnyConnection;

pub async fn setting(conn: &mut AnyConnection, rule: PointRule) -> AppResult<RuleSetting> {
    let row: Option<(i64, Option<i64>, i64)> =
        sqlx::query_as("SELECT amount, daily_cap, enabled FROM point_rules WHERE code = $1")
            .bind(rule.code())
            .fetch_optional(conn)
            .await?;
    Ok(match row {
        Some((amount, daily_cap, enabled)) => RuleSetting {
            amount,
            daily_cap,
            enabled: enabled != 0,
        },
        None => default_setting(rule),
    })
}

pub async fn save_setting(
    conn: &mut AnyConnection,
    rule: PointRule,
    s: RuleSetting,
    by: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "INSERT INTO point_rules (code, amount, daily_cap, enabled, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5,$6) \
         ON CONFLICT (code) DO UPDATE SET amount = excluded.amount, daily_cap = excluded.daily_cap, enabled = excluded.enabled, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        rule.code(),
        s.amount,
        s.daily_cap,
        i64::from(s.enabled),
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the member's totals row, which queues this member's concurrent credits behind
/// each other (PostgreSQL row lock; SQLite has one writer anyway).
pub(super) async fn lock_member(
    conn: &mut AnyConnection,
    member_id: i64,
    now: i64,
) -> AppResult<()> {
    // One statement either way: every statement inside SQLite's one write transaction
    // holds up every other writer.
    crate::q!(
        "INSERT INTO member_points (member_id, lifetime, balance, updated_at) VALUES ($1, 0, 0, $2) \
         ON CONFLICT (member_id) DO UPDATE SET updated_at = excluded.updated_at",
        member_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One ledger entry to append.
struct NewEntry<'a> {
    member_id: i64,
    key: &'a LedgerKey,
    lifetime: i64,
    balance: i64,
    reason: &'a str,
    by: Option<i64>,
}

/// Appends once per key and moves the totals; `false` when the key was already used.
async fn append(conn: &mut AnyConnection, e: &NewEntry<'_>, now: i64) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO points_ledger (member_id, rule, idempotency_key, lifetime_delta, balance_delta, reason, day, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (idempotency_key) DO NOTHING",
        e.member_id,
        e.key.rule().code(),
        e.key.as_str(),
        e.lifetime,
        e.balance,
        e.reason,
        format_date(local_date(now)),
        e.by,
        now
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    crate::q!(
        "UPDATE member_points SET lifetime = lifetime + $1, balance = balance + $2 WHERE member_id = $3",
        e.lifetime,
        e.balance,
        e.member_id
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// Credits the points of the key's rule once per key, within the rule's daily cap
/// (Shanghai days). Returns the points credited (0 when off, capped, or already credited).
pub async fn credit(
    conn: &mut AnyConnection,
    member_id: i64,
    key: &LedgerKey,
    reason: &str,
    now: i64,
) -> AppResult<i64> {
    let rule = key.rule();
    let s = setting(conn, rule).await?;
    if !s.enabled || s.amount <= 0 {
        return Ok(0);
    }
    lock_member(conn, member_id, now).await?;
    // Looked for first although the ledger's unique key would refuse it: on PostgreSQL a
    // refused insert still uses an id, and the rankings re-read such gaps for a while.
    let (seen,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM points_ledger WHERE idempotency_key = $1")
            .bind(key.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if seen > 0 {
        return Ok(0);
    }
    let today = match s.daily_cap {
        Some(_) => {
            let (today,): (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(lifetime_delta), 0) AS BIGINT) FROM points_ledger WHERE member_id = $1 AND rule = $2 AND day = $3",
            )
            .bind(member_id)
            .bind(rule.code())
            .bind(format_date(local_date(now)))
            .fetch_one(&mut *conn)
            .await?;
            today
        }
        None => 0,
    };
    let amount = capped(s.amount, s.daily_cap, today);
    if amount == 0 {
        return Ok(0);
    }
    Ok(
        if append(
            conn,
            &NewEntry {
                member_id,
                key,
                lifetime: amount,
                balance: amount,
                reason,
                by: None,
            },
            now,
        )
        .await?
        {
            amount
        } else {
            0
        },
    )
}

/// A correction by an administrator: a new entry, positive or negative, with its reason;
/// `false` (and nothing written) when it would take the balance below zero.
pub async fn correct(
    conn: &mut AnyConnection,
    member_id: i64,
    amount: i64,
    reason: &str,
    by: i64,
    now: i64,
) -> AppResult<bool> {
    lock_member(conn, member_id, now).await?;
    let (balance,): (i64,) =
        sqlx::query_as("SELECT balance FROM member_points WHERE member_id = $1")
            .bind(member_id)
            .fetch_one(&mut *conn)
            .await?;
    if balance + amount < 0 {
        return Ok(false);
    }
    let key = LedgerKey::correction(&crate::crypto::random_token());
    append(
        conn,
        &NewEntry {
            member_id,
            key: &key,
            lifetime: amount,
            balance: amount,
            reason,
            by: Some(by),
        },
        now,
    )
    .await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub lifetime: i64,
    pub balance: i64,
}

pub async fn totals(db: &super::Db, member_id: i64) -> AppResult<Totals> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT lifetime, balance FROM member_points WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row
        .map(|(lifetime, balance)| Totals { lifetime, balance })
        .unwrap_or_default())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub rule: String,
    pub lifetime_delta: i64,
    pub balance_delta: i64,
    pub reason: String,
    pub created_at: i64,
}

pub struct HistoryRow {
    pub entry: Entry,
    pub lifetime: i64,
    pub balance: i64,
}

impl HistoryRow {
    pub fn rule_label(&self) -> &'static str {
        PointRule::from_code(&self.entry.rule)
            .map(|r| r.label())
            .unwrap_or("")
    }
}

/// A page of the member's entries, newest first, each with the running totals after it;
/// and how many there are in all.
pub async fn history(
    db: &super::Db,
    member_id: i64,
    paging: crate::domain::paging::Paging,
) -> AppResult<(Vec<HistoryRow>, i64)> {
    // In the order things happened, so the running totals only move forward in time.
    let entries: Vec<Entry> = sqlx::query_as(
        "SELECT rule, lifetime_delta, balance_delta, reason, created_at FROM points_ledger WHERE member_id = $1 ORDER BY created_at, id",
    )
    .bind(member_id)
    .fetch_all(db.pool())
    .await?;
    let total = entries.len() as i64;
    let (mut lifetime, mut balance) = (0, 0);
    let rows: Vec<HistoryRow> = entries
        .into_iter()
        .map(|entry| {
            lifetime += entry.lifetime_delta;
            balance += entry.balance_delta;
            HistoryRow {
                entry,
                lifetime,
                balance,
            }
        })
        .collect();
    Ok((
        rows.into_iter()
            .rev()
            .skip(usize::try_from(paging.offset()).unwrap_or(usize::MAX))
            .take(usize::try_from(paging.size).unwrap_or(0))
            .collect(),
        total,
    ))
}

/// Spends from the balance (a redemption of `order`); `false` when the balance is short. Lifetime
/// points, which rank, do not move.
pub async fn spend(
    conn: &mut AnyConnection,
    member_id: i64,
    amount: i64,
    order: i64,
    reason: &str,
    now: i64,
) -> AppResult<bool> {
    lock_member(conn, member_id, now).await?;
    let (balance,): (i64,) =
        sqlx::query_as("SELECT balance FROM member_points WHERE member_id = $1")
            .bind(member_id)
            .fetch_one(&mut *conn)
            .await?;
    if balance < amount {
        return Ok(false);
    }
    let entry = NewEntry {
        member_id,
        key: &LedgerKey::redemption(order),
        lifetime: 0,
        balance: -amount,
        reason,
        by: None,
    };
    append(conn, &entry, now).await
}

/// Gives the points spent on `order` back (it was cancelled), once.
pub async fn refund(
    conn: &mut AnyConnection,
    member_id: i64,
    amount: i64,
    order: i64,
    reason: &str,
    by: Option<i64>,
    now: i64,
) -> AppResult<()> {
    lock_member(conn, member_id, now).await?;
    let entry = NewEntry {
        member_id,
        key: &LedgerKey::refund(order),
        lifetime: 0,
        balance: amount,
        reason,
        by,
    };
    append(conn, &entry, now).await?;
    Ok(())
}

/// Many credits of one rule written in one statement (the demo's year of history), with
/// the keys, amounts and days a live credit would write; the totals follow.
pub struct BulkCredit<'a> {
    pub rule: PointRule,
    /// The member column.
    pub member: &'a str,
    /// The columns `LedgerKey`'s constructor for the rule takes, in its order.
    pub key_columns: &'a [&'a str],
    /// The reason, as a SQL expression.
    pub reason: &'a str,
    /// When it was earned (epoch seconds column).
    pub at: &'a str,
    /// `FROM …` (and `WHERE …`) naming the rows that earned it.
    pub from: &'a str,
}

pub async fn bulk_credit(db: &super::Db, credit: &BulkCredit<'_>, now: i64) -> AppResult<()> {
    let amount = default_setting(credit.rule).amount;
    let BulkCredit {
        rule,
        member,
        key_columns,
        reason,
        at,
        from,
    } = credit;
    let sql = format!(
        "INSERT INTO points_ledger (member_id, rule, idempotency_key, lifetime_delta, balance_delta, reason, day, created_by, created_at) \
         SELECT {member}, $1, {}, $2, $2, {reason}, {}, NULL, {at} {from} ORDER BY {at} \
         ON CONFLICT (idempotency_key) DO NOTHING",
        LedgerKey::sql(*rule, key_columns),
        db.engine.shanghai_day(at),
    );
    let mut tx = db.begin().await?;
    crate::q!(&sql, rule.code(), amount)
        .execute(tx.conn())
        .await?;
    retotal_all(tx.conn(), now).await?;
    tx.commit().await
}

/// Sets every member's running totals from the ledger, after entries were written in bulk.
async fn retotal_all(conn: &mut AnyConnection, now: i64) -> AppResult<()> {
    crate::q!(
        "INSERT INTO member_points (member_id, lifetime, balance, updated_at) \
         SELECT member_id, CAST(SUM(lifetime_delta) AS BIGINT), CAST(SUM(balance_delta) AS BIGINT), $1 FROM points_ledger GROUP BY member_id \
         ON CONFLICT (member_id) DO UPDATE SET lifetime = excluded.lifetime, balance = excluded.balance",
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Where a tally's rows are: (table, member, amount, when, member's column for the sums,
/// which rows the sums count). Badges of organizations read as amount 0 for no member, so
/// that their ids are not taken for gaps.
fn tally_source(tally: Tally) -> [&'static str; 6] {
    match tally {
        Tally::Points => [
            "points_ledger",
            "member_id",
            "lifetime_delta",
            "created_at",
            "+member_id",
            "1 = 1",
        ],
        Tally::Badges => [
            "badges",
            "CAST(CASE WHEN holder_kind = 'member' THEN holder_id ELSE 0 END AS BIGINT)",
            "CAST(CASE WHEN holder_kind = 'member' THEN 1 ELSE 0 END AS BIGINT)",
            "awarded_at",
            "+holder_id",
            "holder_kind = 'member'",
        ],
    }
}

/// A tally's rows after `last_id` and those of the `gaps` that have committed since, in id
/// order: (id, member, amount, time).
pub async fn entries_after(
    db: &super::Db,
    tally: Tally,
    after_id: i64,
    limit: usize,
) -> AppResult<Vec<(i64, i64, i64, i64)>> {
    let [table, member, amount, at, ..] = tally_source(tally);
    // One statement whatever the reader looks for (a list of ids in the text made each look
    // a new statement for PostgreSQL to plan).
    let sql = format!(
        "SELECT id, {member} AS member, {amount} AS amount, {at} AS at FROM {table} \
         WHERE id > $1 ORDER BY id LIMIT $2"
    );
    Ok(sqlx::query_as(&sql)
        .bind(after_id)
        .bind(limit as i64)
        .fetch_all(db.pool())
        .await?)
}

/// What one consistent read of a tally holds, for building the rankings.
pub struct LedgerSnapshot {
    /// The newest row's id.
    pub cut: i64,
    /// Per member: all time, and since each of the three `starts`.
    pub sums: Vec<(i64, i64, i64, i64, i64)>,
    /// The ids present within `reread` below the cut (the rest may still commit).
    pub present: std::collections::HashSet<i64>,
}

pub async fn snapshot(
    db: &super::Db,
    tally: Tally,
    starts: [i64; 3],
    reread: i64,
) -> AppResult<LedgerSnapshot> {
    let [table, _, _, at, member, counted] = tally_source(tally);
    let amount = match tally {
        Tally::Points => "lifetime_delta",
        Tally::Badges => "1",
    };
    let mut tx = db.begin_snapshot().await?;
    let (cut,): (Option<i64>,) = sqlx::query_as(&format!("SELECT MAX(id) FROM {table}"))
        .fetch_one(&mut *tx)
        .await?;
    let cut = cut.unwrap_or(0);
    // `+member_id` keeps SQLite from walking the member index with a table lookup per
    // entry (a scan is 3× faster).
    let sums = sqlx::query_as(&format!(
        "SELECT {member}, CAST(SUM({amount}) AS BIGINT), \
         CAST(SUM(CASE WHEN {at} >= $2 THEN {amount} ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN {at} >= $3 THEN {amount} ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN {at} >= $4 THEN {amount} ELSE 0 END) AS BIGINT) \
         FROM {table} WHERE id <= $1 AND {counted} GROUP BY {member}"
    ))
    .bind(cut)
    .bind(starts[0])
    .bind(starts[1])
    .bind(starts[2])
    .fetch_all(&mut *tx)
    .await?;
    let present: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT id FROM {table} WHERE id > $1 AND id <= $2"
    ))
    .bind(cut - reread)
    .bind(cut)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(LedgerSnapshot {
        cut,
        sums,
        present: present.into_iter().map(|r| r.0).collect(),
    })
}

/// The branches whose members earned points after ledger entry `after`, and the newest
/// entry's id (for the next look).
pub async fn branches_credited_since(db: &super::Db, after: i64) -> AppResult<(Vec<i64>, i64)> {
    let (newest,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM points_ledger")
        .fetch_one(db.pool())
        .await?;
    let newest = newest.unwrap_or(0);
    if newest <= after {
        return Ok((vec![], newest));
    }
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT m.branch_id FROM points_ledger l JOIN members m ON m.id = l.member_id WHERE l.id > $1 AND l.id <= $2",
    )
    .bind(after)
    .bind(newest)
    .fetch_all(db.pool())
    .await?;
    Ok((rows.into_iter().map(|r| r.0).collect(), newest))
}
