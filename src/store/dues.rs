//! 党费 records: assessments (the base encrypted), payments with the months each covers, and
//! hand-ups. What a month comes to is `domain::dues`'s; this reads and writes the rows.
use crate::crypto::Keys;
use crate::domain::clock::parse_date;
use crate::domain::dues::{
    Assessment, DuesCategory, Fen, Month, MonthState, PaymentWay, Tally, format_yuan, in_force,
};
use crate::domain::org::subtree_range;
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// A member as the dues pages list them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: String,
    pub joined_on: String,
    pub category: String,
    pub posts: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AssessmentRow {
    member_id: i64,
    from_month: String,
    category: String,
    base_enc: Option<String>,
    set_amount: Option<i64>,
    decided_on: Option<String>,
}

impl AssessmentRow {
    /// The assessment, with its base only when `keys` are given (whoever may see it).
    fn assessment(&self, keys: Option<&Keys>) -> Option<Assessment> {
        Some(Assessment {
            from: Month::parse(&self.from_month)?,
            category: DuesCategory::from_code(&self.category)?,
            base: keys
                .zip(self.base_enc.as_deref())
                .and_then(|(k, enc)| k.decrypt(enc))
                .and_then(|b| b.parse().ok()),
            set_amount: self.set_amount,
            decided_on: self.decided_on.as_deref().and_then(parse_date),
        })
    }
}

/// A month paid, with the payment that paid it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaidMonth {
    pub member_id: i64,
    pub month: String,
    pub amount: i64,
    pub payment_id: i64,
    pub paid_on: String,
    pub way: String,
    pub paid_by: String,
}

impl PaidMonth {
    pub fn way_label(&self) -> String {
        crate::domain::dues::way_label(&self.way, &self.paid_by)
    }

    pub fn kind(&self) -> &'static str {
        match (Month::parse(&self.month), parse_date(&self.paid_on)) {
            (Some(m), Some(d)) => crate::domain::dues::payment_kind(m, d),
            _ => "",
        }
    }
}

/// One member's dues over some months: who, how assessed, what was paid.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub person: Person,
    pub assessments: Vec<Assessment>,
    pub paid: BTreeMap<Month, PaidMonth>,
    /// The latest month paid up to the `through` month the ledgers were read for.
    last_paid: Option<Month>,
    through: Month,
    /// The first month the member owes (`domain::dues::first_owed`), once per ledger.
    first_owed: Option<Month>,
}

impl Ledger {
    /// The latest month paid, up to the month the ledgers were read through.
    pub fn last_paid(&self) -> Option<Month> {
        self.last_paid
    }

    pub fn first_owed(&self) -> Option<Month> {
        self.first_owed
    }

    pub fn assessment(&self, month: Month) -> Option<&Assessment> {
        in_force(&self.assessments, month)
    }

    /// What the member owes for `month`: 0 outside the ledger, `None` when a base is still to
    /// be set.
    pub fn due(&self, month: Month) -> Option<Fen> {
        match self.state(month) {
            MonthState::NotOwed | MonthState::Exempt => Some(0),
            _ => self.assessment(month).and_then(|a| a.due(month)),
        }
    }

    pub fn state(&self, month: Month) -> MonthState {
        if self.paid.contains_key(&month) {
            MonthState::Paid
        } else if self.first_owed().is_none_or(|first| month < first) {
            MonthState::NotOwed
        } else if self.assessment(month).is_some_and(|a| a.exempt()) {
            MonthState::Exempt
        } else {
            MonthState::Unpaid
        }
    }

    /// Consecutive months unpaid up to the month the ledgers were read through.
    pub fn months_behind(&self) -> i64 {
        match self.first_owed() {
            Some(first) => crate::domain::dues::months_behind(
                self.through,
                first,
                self.last_paid,
                &self.assessments,
            ),
            None => 0,
        }
    }

    /// Assessed at all (建账): until then the branch has a base or category to set.
    pub fn assessed(&self) -> bool {
        !self.assessments.is_empty()
    }

    /// The category in force in `month`, or the one the register suggests.
    pub fn category(&self, month: Month) -> DuesCategory {
        self.assessment(month)
            .or(self.assessments.first())
            .map(|a| a.category)
            .unwrap_or_else(|| {
                crate::domain::member::MemberCategory::from_code(&self.person.category)
                    .map(DuesCategory::suggested_for)
                    .unwrap_or(DuesCategory::Employed)
            })
    }
}

/// A month's tally over some ledgers (see `domain::dues::Tally`).
pub fn tally<'a>(ledgers: impl IntoIterator<Item = &'a Ledger>, month: Month) -> Tally {
    let mut t = Tally::default();
    for l in ledgers {
        l.count_into(&mut t, month);
    }
    t
}

/// A month's tally for every organization, over the members of its subtree: the one count
/// the dues pages, the dashboard and the monthly report read.
pub fn tallies_by_org(ledgers: &[Ledger], month: Month) -> HashMap<i64, Tally> {
    let mut out: HashMap<i64, Tally> = HashMap::new();
    for l in ledgers {
        let mut one = Tally::default();
        l.count_into(&mut one, month);
        for id in crate::domain::org::path_ids(&l.person.branch_path) {
            out.entry(id).or_default().merge(&one);
        }
    }
    out
}

impl Ledger {
    fn count_into(&self, t: &mut Tally, month: Month) {
        let state = self.state(month);
        let paid = self.paid.get(&month).map(|p| p.amount).unwrap_or(0);
        let due = match state {
            MonthState::Paid => paid,
            _ => self.due(month).unwrap_or(0),
        };
        t.count(self.assessed(), state, due, paid, self.months_behind());
    }
}

const PEOPLE: &str = "SELECT m.id, m.name, m.branch_id, b.name AS branch_name, b.path AS branch_path, m.joined_on, m.category, m.posts \
     FROM members m JOIN orgs b ON b.id = m.branch_id";

/// Which months a ledger is read for: the payments of `first..=last`, and how far behind each
/// member is at `through`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub first: Month,
    pub last: Month,
    pub through: Month,
}

/// The dues ledgers of the members whose branch lies in the subtree at `root` (or of one
/// member), all read from one snapshot. Bases are decrypted only when `keys` are given.
pub async fn ledgers(
    db: &super::Db,
    root: &str,
    member: Option<i64>,
    window: Window,
    keys: Option<&Keys>,
) -> AppResult<Vec<Ledger>> {
    let Window {
        first,
        last,
        through,
    } = window;
    let (lo, hi) = subtree_range(root);
    let only = if member.is_some() {
        "AND m.id = $3"
    } else {
        // A subtree's ledgers are of those on its roster; one member's, whoever they are.
        "AND $3 = 0 AND m.left_on IS NULL"
    };
    let scope = format!("b.path >= $1 AND b.path < $2 {only}");
    let mut tx = db.begin_snapshot().await?;
    let people: Vec<Person> = sqlx::query_as(&format!(
        "{PEOPLE} WHERE {scope} AND b.dissolved_at IS NULL ORDER BY b.path, m.posts = '', m.name, m.id"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(member.unwrap_or(0))
    .fetch_all(&mut *tx)
    .await?;
    // The bases are read only where they will be decrypted.
    let base = if keys.is_some() { "a.base_enc" } else { "NULL" };
    let rows: Vec<AssessmentRow> = sqlx::query_as(&format!(
        "SELECT a.member_id, a.from_month, a.category, {base} AS base_enc, a.set_amount, a.decided_on \
         FROM dues_assessments a JOIN members m ON m.id = a.member_id JOIN orgs b ON b.id = m.branch_id \
         WHERE {scope} ORDER BY a.from_month"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(member.unwrap_or(0))
    .fetch_all(&mut *tx)
    .await?;
    let paid: Vec<PaidMonth> = sqlx::query_as(&format!(
        "SELECT d.member_id, d.month, d.amount, d.payment_id, p.paid_on, p.way, p.paid_by \
         FROM dues_months d JOIN dues_payments p ON p.id = d.payment_id JOIN members m ON m.id = d.member_id \
         JOIN orgs b ON b.id = m.branch_id WHERE {scope} AND d.month >= $4 AND d.month <= $5"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(member.unwrap_or(0))
    .bind(first.code())
    .bind(last.code())
    .fetch_all(&mut *tx)
    .await?;
    let latest: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT d.member_id, MAX(d.month) FROM dues_months d JOIN members m ON m.id = d.member_id \
         JOIN orgs b ON b.id = m.branch_id WHERE {scope} AND d.month <= $4 GROUP BY d.member_id"
    ))
    .bind(&lo)
    .bind(&hi)
    .bind(member.unwrap_or(0))
    .bind(through.code())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut latest: HashMap<i64, Month> = latest
        .into_iter()
        .filter_map(|(id, m)| Some((id, Month::parse(&m)?)))
        .collect();
    let mut assessments: HashMap<i64, Vec<Assessment>> = HashMap::new();
    for r in &rows {
        if let Some(a) = r.assessment(keys) {
            assessments.entry(r.member_id).or_default().push(a);
        }
    }
    let mut months: HashMap<i64, BTreeMap<Month, PaidMonth>> = HashMap::new();
    for p in paid {
        if let Some(m) = Month::parse(&p.month) {
            months.entry(p.member_id).or_default().insert(m, p);
        }
    }
    Ok(people
        .into_iter()
        .map(|person| {
            let assessments = assessments.remove(&person.id).unwrap_or_default();
            Ledger {
                first_owed: parse_date(&person.joined_on)
                    .and_then(|joined| crate::domain::dues::first_owed(joined, &assessments)),
                assessments,
                paid: months.remove(&person.id).unwrap_or_default(),
                last_paid: latest.remove(&person.id),
                through,
                person,
            }
        })
        .collect())
}

/// How long counted ledgers are reused at most: writes of this process are seen at once,
/// those of another instance on the same database within this time.
const COUNTED_FOR: std::time::Duration = std::time::Duration::from_secs(30);
/// Subtrees whose counted ledgers are kept (a county's are a few megabytes).
const COUNTED_KEPT: usize = 8;

type CountedKey = (String, Month, Month, Month);
type Counted = (u64, std::time::Instant, std::sync::Arc<Vec<Ledger>>);

/// The ledgers of a subtree without bases, for counting (交纳率 and the months-behind lists
/// from above, the dashboard's column): reused until this process commits a write, and for
/// at most `COUNTED_FOR`, so that a county's figures are read once however many ask.
pub async fn counted_ledgers(
    db: &super::Db,
    root: &str,
    window: Window,
) -> AppResult<std::sync::Arc<Vec<Ledger>>> {
    static KEPT: std::sync::OnceLock<std::sync::Mutex<HashMap<CountedKey, Counted>>> =
        std::sync::OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    let key = (root.to_string(), window.first, window.last, window.through);
    let writes = super::committed_writes();
    if let Some((at, when, ledgers)) = kept.lock().expect("not poisoned").get(&key)
        && *at == writes
        && when.elapsed() < COUNTED_FOR
    {
        return Ok(ledgers.clone());
    }
    let ledgers = std::sync::Arc::new(ledgers(db, root, None, window, None).await?);
    let mut kept = kept.lock().expect("not poisoned");
    if kept.len() >= COUNTED_KEPT {
        kept.retain(|_, (at, when, _)| *at == writes && when.elapsed() < COUNTED_FOR);
        if kept.len() >= COUNTED_KEPT {
            kept.clear();
        }
    }
    kept.insert(key, (writes, std::time::Instant::now(), ledgers.clone()));
    Ok(ledgers)
}

/// Assesses a member from a month on (replacing an assessment from that same month).
pub async fn assess(
    conn: &mut AnyConnection,
    keys: &Keys,
    member_id: i64,
    a: &Assessment,
    by: i64,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "DELETE FROM dues_assessments WHERE member_id = $1 AND from_month = $2",
        member_id,
        a.from.code()
    )
    .execute(&mut *conn)
    .await?;
    crate::q!(
        "INSERT INTO dues_assessments (member_id, from_month, category, base_enc, set_amount, decided_on, by_user_id, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        member_id,
        a.from.code(),
        a.category.code(),
        a.base.map(|b| keys.encrypt(&b.to_string())),
        a.set_amount,
        a.decided_on.map(crate::domain::clock::format_date),
        by,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A payment to record: the months it covers, each at its own amount.
pub struct NewPayment {
    pub member_id: i64,
    pub branch_id: i64,
    pub paid_on: time::Date,
    pub way: PaymentWay,
    pub paid_by: String,
    pub reference: String,
    pub months: Vec<(Month, Fen)>,
    pub collector: i64,
}

/// Records a payment. A month already paid is refused (`Conflict`, naming it), and nothing
/// is written.
pub async fn record_payment(
    conn: &mut AnyConnection,
    p: &NewPayment,
    member_name: &str,
    now: i64,
) -> AppResult<i64> {
    let total: Fen = p.months.iter().map(|(_, fen)| fen).sum();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO dues_payments (member_id, branch_id, paid_on, amount, way, paid_by, reference, collector_user_id, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(p.member_id)
    .bind(p.branch_id)
    .bind(crate::domain::clock::format_date(p.paid_on))
    .bind(total)
    .bind(p.way.code())
    .bind(&p.paid_by)
    .bind(&p.reference)
    .bind(p.collector)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (month, fen) in &p.months {
        let done = crate::q!(
            "INSERT INTO dues_months (member_id, month, payment_id, amount) VALUES ($1,$2,$3,$4) \
             ON CONFLICT (member_id, month) DO NOTHING",
            p.member_id,
            month.code(),
            id,
            fen
        )
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::Conflict(format!(
                "{member_name}{}的党费已经交过，不能重复登记",
                month.label()
            )));
        }
    }
    Ok(id)
}

/// A payment as the member's page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Payment {
    pub id: i64,
    pub paid_on: String,
    pub amount: i64,
    pub way: String,
    pub paid_by: String,
    pub reference: String,
    pub collector: String,
    pub first_month: String,
    pub last_month: String,
    pub months: i64,
}

impl Payment {
    pub fn amount_yuan(&self) -> String {
        format_yuan(self.amount)
    }

    pub fn months_label(&self) -> String {
        crate::domain::dues::span_label(&self.first_month, &self.last_month)
    }

    pub fn way_label(&self) -> String {
        crate::domain::dues::way_label(&self.way, &self.paid_by)
    }
}

/// A member's payments, latest first.
pub async fn payments_of(db: &super::Db, member_id: i64) -> AppResult<Vec<Payment>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.paid_on, p.amount, p.way, p.paid_by, p.reference, u.name AS collector, \
         MIN(d.month) AS first_month, MAX(d.month) AS last_month, COUNT(d.month) AS months \
         FROM dues_payments p JOIN users u ON u.id = p.collector_user_id JOIN dues_months d ON d.payment_id = p.id \
         WHERE p.member_id = $1 GROUP BY p.id, p.paid_on, p.amount, p.way, p.paid_by, p.reference, u.name \
         ORDER BY p.paid_on DESC, p.id DESC LIMIT 200",
    )
    .bind(member_id)
    .fetch_all(db.pool())
    .await?)
}

/// Dues handed up from one organization to the one above.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Handup {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub to_name: String,
    pub first_month: String,
    pub last_month: String,
    pub amount: i64,
    pub handed_on: String,
    pub note: String,
    pub by_name: String,
}

impl Handup {
    pub fn months_label(&self) -> String {
        crate::domain::dues::span_label(&self.first_month, &self.last_month)
    }
}

const HANDUPS: &str = "SELECT h.id, h.org_id, o.name AS org_name, t.name AS to_name, h.first_month, h.last_month, h.amount, \
     h.handed_on, h.note, u.name AS by_name FROM dues_handups h JOIN orgs o ON o.id = h.org_id \
     JOIN orgs t ON t.id = h.to_org_id JOIN users u ON u.id = h.by_user_id";

/// What the organization handed up (`from`) or received from below (not `from`), latest
/// first.
pub async fn handups(db: &super::Db, org_id: i64, from: bool) -> AppResult<Vec<Handup>> {
    let column = if from { "h.org_id" } else { "h.to_org_id" };
    Ok(sqlx::query_as(&format!(
        "{HANDUPS} WHERE {column} = $1 ORDER BY h.handed_on DESC, h.id DESC LIMIT 200"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// What the organization took in over `first..=last`: a branch, the payments its members
/// made in those months; an organization above, what was handed up to it for them.
pub async fn collected(
    conn: &mut AnyConnection,
    org_id: i64,
    is_branch: bool,
    first: Month,
    last: Month,
) -> AppResult<Fen> {
    let (total,): (Option<i64>,) = if is_branch {
        sqlx::query_as(
            "SELECT CAST(SUM(amount) AS BIGINT) FROM dues_payments WHERE branch_id = $1 AND paid_on >= $2 AND paid_on < $3",
        )
        .bind(org_id)
        .bind(crate::domain::clock::format_date(first.first_day()))
        .bind(crate::domain::clock::format_date(last.plus(1).first_day()))
        .fetch_one(conn)
        .await?
    } else {
        sqlx::query_as(
            "SELECT CAST(SUM(amount) AS BIGINT) FROM dues_handups WHERE to_org_id = $1 AND first_month >= $2 AND last_month <= $3",
        )
        .bind(org_id)
        .bind(first.code())
        .bind(last.code())
        .fetch_one(conn)
        .await?
    };
    Ok(total.unwrap_or(0))
}

/// What the organization already handed up for months overlapping `first..=last`.
pub async fn handed_up(
    conn: &mut AnyConnection,
    org_id: i64,
    first: Month,
    last: Month,
) -> AppResult<Fen> {
    let (total,): (Option<i64>,) = sqlx::query_as(
        "SELECT CAST(SUM(amount) AS BIGINT) FROM dues_handups WHERE org_id = $1 AND last_month >= $2 AND first_month <= $3",
    )
    .bind(org_id)
    .bind(first.code())
    .bind(last.code())
    .fetch_one(conn)
    .await?;
    Ok(total.unwrap_or(0))
}

pub struct NewHandup<'a> {
    pub org_id: i64,
    pub to_org_id: i64,
    pub first: Month,
    pub last: Month,
    pub amount: Fen,
    pub handed_on: time::Date,
    pub note: &'a str,
    pub by: i64,
}

pub async fn record_handup(
    conn: &mut AnyConnection,
    h: &NewHandup<'_>,
    now: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO dues_handups (org_id, to_org_id, first_month, last_month, amount, handed_on, note, by_user_id, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(h.org_id)
    .bind(h.to_org_id)
    .bind(h.first.code())
    .bind(h.last.code())
    .bind(h.amount)
    .bind(crate::domain::clock::format_date(h.handed_on))
    .bind(h.note)
    .bind(h.by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// A table of typed columns, for loading rows in bulk.
fn bulk_table(name: &str, columns: &[(&str, super::archive::ColumnType)]) -> super::archive::Table {
    super::archive::Table {
        name: name.into(),
        columns: columns
            .iter()
            .map(|(n, kind)| super::archive::Column {
                name: n.to_string(),
                kind: *kind,
            })
            .collect(),
    }
}

/// Payments numbered from `start` and the months each pays, as rows to load.
fn payment_rows(
    payments: &[NewPayment],
    start: i64,
    now: i64,
) -> (Vec<Vec<serde_json::Value>>, Vec<Vec<serde_json::Value>>) {
    use serde_json::Value;
    let mut paid = Vec::new();
    let mut months = Vec::new();
    for (i, p) in payments.iter().enumerate() {
        let id = start + i as i64;
        paid.push(vec![
            Value::from(id),
            Value::from(p.member_id),
            Value::from(p.branch_id),
            Value::from(crate::domain::clock::format_date(p.paid_on)),
            Value::from(p.months.iter().map(|(_, f)| f).sum::<Fen>()),
            Value::from(p.way.code()),
            Value::from(p.paid_by.clone()),
            Value::from(p.reference.clone()),
            Value::from(p.collector),
            Value::from(now),
        ]);
        for (m, fen) in &p.months {
            months.push(vec![
                Value::from(p.member_id),
                Value::from(m.code()),
                Value::from(id),
                Value::from(*fen),
            ]);
        }
    }
    (paid, months)
}

/// The demo's history of dues, loaded in bulk: assessments, payments (numbered here, so the
/// months can point at them) with their months, and hand-ups.
pub async fn load_history(
    db: &super::Db,
    keys: &Keys,
    assessments: &[(i64, Assessment)],
    payments: &[NewPayment],
    handups: &[NewHandup<'_>],
    now: i64,
) -> AppResult<()> {
    use super::archive::{ColumnType, insert_rows};
    use serde_json::Value;
    let (int, text) = (ColumnType::Integer, ColumnType::Text);
    let mut tx = db.begin().await?;
    let rows: Vec<Vec<Value>> = assessments
        .iter()
        .map(|(member, a)| {
            vec![
                Value::from(*member),
                Value::from(a.from.code()),
                Value::from(a.category.code()),
                a.base
                    .map(|b| Value::from(keys.encrypt(&b.to_string())))
                    .unwrap_or(Value::Null),
                a.set_amount.map(Value::from).unwrap_or(Value::Null),
                a.decided_on
                    .map(|d| Value::from(crate::domain::clock::format_date(d)))
                    .unwrap_or(Value::Null),
                Value::from(0),
                Value::from(now),
            ]
        })
        .collect();
    let assessed = bulk_table(
        "dues_assessments",
        &[
            ("member_id", int),
            ("from_month", text),
            ("category", text),
            ("base_enc", text),
            ("set_amount", int),
            ("decided_on", text),
            ("by_user_id", int),
            ("at", int),
        ],
    );
    insert_rows(tx.conn(), &assessed, &rows).await?;
    let (start,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM dues_payments")
        .fetch_one(tx.conn())
        .await?;
    let (paid, months) = payment_rows(payments, start.unwrap_or(0) + 1, now);
    let payments_table = bulk_table(
        "dues_payments",
        &[
            ("id", int),
            ("member_id", int),
            ("branch_id", int),
            ("paid_on", text),
            ("amount", int),
            ("way", text),
            ("paid_by", text),
            ("reference", text),
            ("collector_user_id", int),
            ("at", int),
        ],
    );
    insert_rows(tx.conn(), &payments_table, &paid).await?;
    let months_table = bulk_table(
        "dues_months",
        &[
            ("member_id", int),
            ("month", text),
            ("payment_id", int),
            ("amount", int),
        ],
    );
    insert_rows(tx.conn(), &months_table, &months).await?;
    if let Some(sql) = db.engine.reset_ids_sql("dues_payments") {
        sqlx::query(&sql).execute(tx.conn()).await?;
    }
    for h in handups {
        record_handup(tx.conn(), h, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
