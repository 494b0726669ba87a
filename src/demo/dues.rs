//! The demo's year of 党费: every member assessed with a plausible base, a year of monthly
//! payments with the mix a county has — most on time, some paying a quarter ahead, some late
//! and then 补缴, a few 3 and 6 months behind, 代缴 for elderly members, two hardship members
//! exempt — and every branch's and town's quarterly hand-ups.
use super::Rng;
use crate::crypto::Keys;
use crate::domain::clock::{local_date, now_epoch};
use crate::domain::dues::{Assessment, DuesCategory, Fen, Month, PaymentWay};
use crate::error::AppResult;
use crate::store::Db;
use crate::store::dues::{self, NewHandup, NewPayment, Window};
use std::collections::{BTreeMap, HashMap};
use time::{Date, Duration};

/// How a member pays over the demo's year.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Habit {
    Monthly,
    QuarterAhead,
    /// Misses months now and then and pays them with a later month (补缴).
    Late,
    /// Stopped paying this many months before the last month that is over.
    Stopped(i32),
}

/// A plausible monthly income after tax and contributions, in fen.
fn base(rng: &mut Rng, category: DuesCategory) -> Fen {
    let yuan = match category {
        DuesCategory::Retired => rng.range(2_600, 7_800),
        _ => match rng.below(100) {
            0..=19 => rng.range(2_300, 3_000),
            20..=64 => rng.range(3_001, 5_000),
            65..=94 => rng.range(5_001, 10_000),
            _ => rng.range(10_001, 16_000),
        },
    };
    yuan * 100 + [0, 0, 50, rng.range(1, 99)][rng.below(4) as usize]
}

const GIVEN: &[&str] = &["红", "军", "丽", "伟", "芳", "强", "敏", "静", "磊", "燕"];

/// The months the demo covers: a year of payments up to today.
#[derive(Clone, Copy)]
struct Year {
    today: Date,
    start: Month,
    this_month: Month,
    last_closed: Month,
}

/// How a member is assessed: from the month their ledger begins, sometimes with a raise
/// during the year; `exempt_left` of the farmers in lagging branches become hardship cases.
fn assessments_of(
    rng: &mut Rng,
    y: Year,
    from: Month,
    category: DuesCategory,
    lags: bool,
    exempt_left: &mut u32,
) -> Vec<Assessment> {
    let mut mine = vec![Assessment {
        from,
        category,
        base: category.has_base().then(|| base(rng, category)),
        set_amount: (category == DuesCategory::Farmer).then(|| *rng.pick(&[20, 20, 50, 100])),
        decided_on: None,
    }];
    // An income that changed during the year applies from the month after.
    if category == DuesCategory::Employed && rng.chance(15) {
        let raise = Assessment {
            from: y.this_month.plus(-rng.range(2, 8) as i32).max(from.plus(1)),
            base: mine[0].base.map(|b| b + b * rng.range(5, 12) / 100),
            ..mine[0].clone()
        };
        if raise.from <= y.this_month {
            mine.push(raise);
        }
    }
    // Hardship, exempted by the branch meeting four months ago.
    if *exempt_left > 0 && category == DuesCategory::Farmer && lags && from < y.this_month.plus(-5)
    {
        *exempt_left -= 1;
        let decided = y.this_month.plus(-5).first_day() + Duration::days(rng.range(10, 25));
        mine.push(Assessment {
            from: y.this_month.plus(-4),
            category: DuesCategory::Hardship,
            base: None,
            set_amount: Some(0),
            decided_on: Some(decided),
        });
    }
    mine
}

fn habit(rng: &mut Rng, lags: bool) -> Habit {
    match rng.below(1000) {
        n if n < if lags { 30 } else { 4 } => Habit::Stopped(rng.range(6, 8) as i32),
        n if n < if lags { 60 } else { 10 } => Habit::Stopped(rng.range(3, 5) as i32),
        n if n < if lags { 300 } else { 60 } => Habit::Late,
        n if n < if lags { 330 } else { 140 } => Habit::QuarterAhead,
        _ => Habit::Monthly,
    }
}

/// Which months the member pays on which day, by their habit.
fn payment_days(
    rng: &mut Rng,
    y: Year,
    from: Month,
    mine: &[Assessment],
    habit: Habit,
) -> BTreeMap<Date, Vec<Month>> {
    let pay_day = rng.range(3, 25);
    let day_in = |m: Month| m.first_day() + Duration::days(pay_day.min(27) - 1);
    let mut plan: BTreeMap<Date, Vec<Month>> = BTreeMap::new();
    let mut owed_since: Option<Month> = None;
    for month in from.through(y.this_month) {
        if crate::domain::dues::in_force(mine, month).is_some_and(|a| a.exempt()) {
            continue;
        }
        match habit {
            Habit::Stopped(n) if month > y.last_closed.plus(-n) => {}
            Habit::QuarterAhead => {
                plan.entry(day_in(month.quarter_start().max(from)))
                    .or_default()
                    .push(month);
            }
            Habit::Late if rng.chance(25) && month <= y.last_closed => {
                owed_since.get_or_insert(month);
            }
            _ => {
                // 补缴 of the missed months with this one.
                if let Some(first) = owed_since.take() {
                    plan.entry(day_in(month))
                        .or_default()
                        .extend(first.through(month.plus(-1)));
                }
                plan.entry(day_in(month)).or_default().push(month);
            }
        }
    }
    plan
}

/// How a member pays (an elderly retired member's family pays on their behalf), and who.
fn way_of(rng: &mut Rng, name: &str, category: DuesCategory) -> (PaymentWay, String) {
    if category == DuesCategory::Retired && rng.chance(30) {
        let surname: String = name.chars().take(1).collect();
        (
            PaymentWay::OnBehalf,
            format!("{surname}{}（子女）", rng.pick(GIVEN)),
        )
    } else if category == DuesCategory::Employed && rng.chance(45) {
        (PaymentWay::Transfer, String::new())
    } else {
        (PaymentWay::Cash, String::new())
    }
}

/// Builds and loads the year; returns the line the demo prints.
pub async fn dues_demo(db: &Db, keys: &Keys, seed: u64) -> AppResult<String> {
    let Some(county) = crate::store::orgs::root(db).await? else {
        return Ok(String::new());
    };
    let started = std::time::Instant::now();
    let today = local_date(now_epoch());
    let this_month = Month::of(today);
    let y = Year {
        today,
        start: this_month.plus(-12),
        this_month,
        last_closed: this_month.plus(-1),
    };
    let window = Window {
        first: y.start,
        last: this_month,
        through: y.last_closed,
    };
    let people = dues::ledgers(db, &county.path, None, window, None).await?;
    let collectors: HashMap<i64, i64> = crate::store::users::branch_admins(db)
        .await?
        .into_iter()
        .collect();
    let fallback = collectors.values().copied().min().unwrap_or(1);
    // In the demo secretary's own branch one member has let the last two months slip: the
    // 补缴 a secretary records, a true case to try.
    let secretary = crate::store::users::by_phone(db, keys, super::LOGINS[1].1)
        .await?
        .and_then(|u| u.member_id);
    let demo_branch = people
        .iter()
        .find(|l| Some(l.person.id) == secretary)
        .map(|l| l.person.branch_id);
    let mut slipped = None;
    let mut rng = Rng(seed ^ 0xD0E5);
    // A few branches lag: their members pay late and stop more often.
    let mut lagging: HashMap<i64, bool> = HashMap::new();
    let mut assessments = Vec::new();
    let mut payments: Vec<NewPayment> = Vec::new();
    let mut exempt_left = 2;
    for l in &people {
        let p = &l.person;
        let lags = *lagging.entry(p.branch_id).or_insert_with(|| rng.chance(6));
        let Some(joined) = crate::domain::clock::parse_date(&p.joined_on) else {
            continue;
        };
        let from = Month::of(joined).max(y.start);
        if from > this_month {
            continue;
        }
        let category = l.category(this_month);
        let mine = assessments_of(&mut rng, y, from, category, lags, &mut exempt_left);
        let mut habit = habit(&mut rng, lags);
        if slipped.is_none()
            && Some(p.branch_id) == demo_branch
            && Some(p.id) != secretary
            && category == DuesCategory::Employed
        {
            slipped = Some(p.id);
            habit = Habit::Stopped(2);
        }
        let (way, paid_by) = way_of(&mut rng, &p.name, category);
        let collector = collectors.get(&p.branch_id).copied().unwrap_or(fallback);
        for (day, months) in payment_days(&mut rng, y, from, &mine, habit) {
            let amounts: Vec<(Month, Fen)> = months
                .into_iter()
                .filter_map(|m| Some((m, crate::domain::dues::in_force(&mine, m)?.due(m)?)))
                .filter(|(_, fen)| *fen > 0)
                .collect();
            if day > y.today || amounts.is_empty() {
                continue;
            }
            payments.push(NewPayment {
                member_id: p.id,
                branch_id: p.branch_id,
                paid_on: day,
                way,
                paid_by: paid_by.clone(),
                reference: String::new(),
                months: amounts,
                collector,
            });
        }
        assessments.extend(mine.into_iter().map(|a| (p.id, a)));
    }
    let handups = hand_ups(db, &payments, &collectors, fallback, this_month, today).await?;
    dues::load_history(db, keys, &assessments, &payments, &handups, now_epoch()).await?;
    let last = Window {
        first: y.last_closed,
        last: y.last_closed,
        through: y.last_closed,
    };
    let t = dues::tally(
        &dues::ledgers(db, &county.path, None, last, None).await?,
        y.last_closed,
    );
    Ok(format!(
        "党费：{} 笔交纳，{} 次上缴；{}全县交纳率 {}（已交 {} / 应交 {} 人，免交 {} 人），连续3个月以上未交 {} 人，其中6个月以上 {} 人（用时 {:.1} 秒）\n",
        payments.len(),
        handups.len(),
        y.last_closed.label(),
        t.rate(),
        t.paid,
        t.owed,
        t.exempt,
        t.behind3,
        t.behind6,
        started.elapsed().as_secs_f64()
    ))
}

/// Each complete quarter: every branch hands up what it took in, in the fortnight after;
/// each town passes what it received to the county. A lagging few have not yet handed up the
/// last quarter.
async fn hand_ups(
    db: &Db,
    payments: &[NewPayment],
    collectors: &HashMap<i64, i64>,
    fallback: i64,
    this_month: Month,
    today: Date,
) -> AppResult<Vec<NewHandup<'static>>> {
    let parents = crate::store::orgs::parents(db).await?;
    let current_quarter = this_month.quarter_start();
    let last_quarter = current_quarter.plus(-3);
    // Taken in per branch and quarter (by the day paid).
    let mut taken: BTreeMap<(i64, Month), Fen> = BTreeMap::new();
    for p in payments {
        let q = Month::of(p.paid_on).quarter_start();
        if q < current_quarter {
            *taken.entry((p.branch_id, q)).or_default() +=
                p.months.iter().map(|(_, f)| f).sum::<Fen>();
        }
    }
    // Level by level up the tree: what each organization received it hands on in turn.
    let mut out = Vec::new();
    let mut level = taken;
    let mut first_level = true;
    while !level.is_empty() {
        let mut received: BTreeMap<(i64, Month), Fen> = BTreeMap::new();
        for ((org, q), amount) in level {
            let Some(Some(parent)) = parents.get(&org).copied() else {
                continue;
            };
            // One branch in twenty is still to hand up the last quarter.
            if first_level && q == last_quarter && org % 20 == 7 {
                continue;
            }
            let days = if first_level { 3 + org % 12 } else { 20 };
            let handed_on = q.plus(3).first_day() + Duration::days(days);
            if handed_on > today {
                continue;
            }
            *received.entry((parent, q)).or_default() += amount;
            out.push(NewHandup {
                org_id: org,
                to_org_id: parent,
                first: q,
                last: q.plus(2),
                amount,
                handed_on,
                note: "",
                by: collectors.get(&org).copied().unwrap_or(fallback),
            });
        }
        level = received;
        first_level = false;
    }
    Ok(out)
}
