//! 党费: what a member owes each month under the rules in force that month, and how months
//! paid, owed and exempt add up. Every amount is in integer fen (分).
//!
//! The rules are 中组部's 《关于中国共产党党费收缴、使用和管理的规定》 (2008): employed members
//! pay a share of their monthly pay after tax and personal contributions (the base), the share
//! set by the bracket the whole base falls in; retired members likewise on their pension;
//! farmers 0.2–1 yuan as the branch sets; students, the unemployed and those on 低保 0.2 yuan;
//! a member in hardship pays less or nothing by decision of the branch meeting.
use super::clock::{format_date, parse_date};
use super::text::FieldErrors;
use time::Date;

/// An amount in fen.
pub type Fen = i64;

/// A calendar month, the unit dues are owed and paid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    pub fn new(year: i32, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=2999).contains(&year))
            .then(|| Month(year * 12 + month as i32 - 1))
    }

    pub fn of(date: Date) -> Month {
        Month(date.year() * 12 + date.month() as i32 - 1)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn month(self) -> u8 {
        (self.0.rem_euclid(12) + 1) as u8
    }

    /// `2026-03`, as stored and as a form sends it.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year(), self.month())
    }

    /// `2026年3月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year(), self.month())
    }

    /// Parses `2026-03` (also `2026-3`).
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn plus(self, months: i32) -> Month {
        Month(self.0 + months)
    }

    /// Months from `self` to `later` counted both ends (`2026-01`..`2026-03` is 3); 0 when
    /// `later` is before.
    pub fn count_to(self, later: Month) -> i64 {
        (later.0 - self.0 + 1).max(0) as i64
    }

    /// `self` through `last`, in order.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.0..=last.0).map(Month)
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(
            self.year(),
            time::Month::try_from(self.month()).expect("1..=12"),
            1,
        )
        .expect("first of a month")
    }

    /// The first month of its quarter.
    pub fn quarter_start(self) -> Month {
        Month(self.0 - self.0.rem_euclid(12) % 3)
    }

    /// January through December of `year`.
    pub fn year_months(year: i32) -> impl Iterator<Item = Month> {
        (0..12).map(move |i| Month(year * 12 + i))
    }
}

labelled_enum!(DuesCategory {
    Employed => "employed", "在职党员";
    Retired => "retired", "离退休党员";
    Farmer => "farmer", "农民党员";
    Student => "student", "学生党员";
    Unemployed => "unemployed", "下岗失业党员";
    Subsistence => "subsistence", "享受低保党员";
    Hardship => "hardship", "困难党员（支部党员大会决定减免）";
});

impl DuesCategory {
    /// Pays a share of a monthly income (the base).
    pub fn has_base(self) -> bool {
        matches!(self, DuesCategory::Employed | DuesCategory::Retired)
    }

    /// Pays an amount the branch sets (a farmer's 0.2–1 yuan; a hardship member's reduced
    /// amount or nothing).
    pub fn has_set_amount(self) -> bool {
        matches!(self, DuesCategory::Farmer | DuesCategory::Hardship)
    }

    /// The category a member's register entry suggests before the branch has assessed them.
    pub fn suggested_for(member: super::member::MemberCategory) -> DuesCategory {
        use super::member::MemberCategory as M;
        match member {
            M::Employed | M::Mobile => DuesCategory::Employed,
            M::Retired => DuesCategory::Retired,
            M::Farmer => DuesCategory::Farmer,
            M::Student => DuesCategory::Student,
        }
    }
}

/// One bracket: a base up to `up_to` (inclusive; `None` above the last) pays `tenths` tenths
/// of a percent of the whole base.
#[derive(Debug, Clone, Copy)]
pub struct Bracket {
    pub up_to: Option<Fen>,
    pub tenths_of_percent: i64,
}

/// The rules in force from a month on.
#[derive(Debug)]
pub struct Rules {
    pub from: Month,
    pub name: &'static str,
    pub employed: &'static [Bracket],
    pub retired: &'static [Bracket],
    /// What a farmer may be asked to pay, in fen.
    pub farmer: (Fen, Fen),
    /// Students, the unemployed and members on 低保.
    pub flat: Fen,
}

const fn bracket(up_to_yuan: Option<i64>, tenths_of_percent: i64) -> Bracket {
    Bracket {
        up_to: match up_to_yuan {
            Some(y) => Some(y * 100),
            None => None,
        },
        tenths_of_percent,
    }
}

/// Every set of rules, oldest first. A new national rule is a new entry with the month it
/// applies from; months before it keep the rule of their time (a 补缴 pays the month's own
/// amount).
pub const RULES: &[Rules] = &[Rules {
    from: Month(2008 * 12 + 3),
    name: "《关于中国共产党党费收缴、使用和管理的规定》（中组部，2008年）",
    employed: &[
        bracket(Some(3_000), 5),
        bracket(Some(5_000), 10),
        bracket(Some(10_000), 15),
        bracket(None, 20),
    ],
    retired: &[bracket(Some(5_000), 5), bracket(None, 10)],
    farmer: (20, 100),
    flat: 20,
}];

/// The rules in force in `month` (the first set for months before it).
pub fn rules_in(month: Month) -> &'static Rules {
    RULES
        .iter()
        .rev()
        .find(|r| r.from <= month)
        .unwrap_or(&RULES[0])
}

/// How a member is assessed from a month on: the category, and the base or the amount the
/// branch set where the category has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub from: Month,
    pub category: DuesCategory,
    pub base: Option<Fen>,
    pub set_amount: Option<Fen>,
    /// The branch meeting that decided a hardship reduction or exemption.
    pub decided_on: Option<Date>,
}

fn share(brackets: &[Bracket], base: Fen) -> (Fen, i64) {
    let b = brackets
        .iter()
        .find(|b| b.up_to.is_none_or(|up| base <= up))
        .expect("the last bracket has no ceiling");
    // Rounded to the nearest fen, halves up.
    (
        (base * b.tenths_of_percent + 500) / 1000,
        b.tenths_of_percent,
    )
}

/// `0.5%`, `1%`, `1.5%`.
fn percent_label(tenths: i64) -> String {
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

impl Assessment {
    /// What the member owes for `month`, under that month's rules; `None` when the category
    /// needs a base and none is recorded.
    pub fn due(&self, month: Month) -> Option<Fen> {
        let rules = rules_in(month);
        match self.category {
            DuesCategory::Employed => self.base.map(|b| share(rules.employed, b).0),
            DuesCategory::Retired => self.base.map(|b| share(rules.retired, b).0),
            DuesCategory::Farmer => Some(self.set_amount.unwrap_or(rules.farmer.0)),
            DuesCategory::Student | DuesCategory::Unemployed | DuesCategory::Subsistence => {
                Some(rules.flat)
            }
            DuesCategory::Hardship => Some(self.set_amount.unwrap_or(0)),
        }
    }

    /// How the amount comes about, as the sheet explains it: `基数×1.5%`, `支部确定`, `免交`.
    pub fn rule_label(&self, month: Month) -> String {
        let rules = rules_in(month);
        match (self.category, self.base) {
            (DuesCategory::Employed, Some(b)) => {
                format!("基数×{}", percent_label(share(rules.employed, b).1))
            }
            (DuesCategory::Retired, Some(b)) => {
                format!("基数×{}", percent_label(share(rules.retired, b).1))
            }
            (DuesCategory::Employed | DuesCategory::Retired, None) => "待核定基数".into(),
            (DuesCategory::Farmer, _) => "支部确定".into(),
            (DuesCategory::Hardship, _) if self.set_amount.unwrap_or(0) == 0 => "免交".into(),
            (DuesCategory::Hardship, _) => "减交".into(),
            _ => "定额".into(),
        }
    }

    /// Exempt for the months this assessment covers.
    pub fn exempt(&self) -> bool {
        self.category == DuesCategory::Hardship && self.set_amount.unwrap_or(0) == 0
    }
}

/// The assessment in force in `month`: the latest one from that month or before.
pub fn in_force(assessments: &[Assessment], month: Month) -> Option<&Assessment> {
    assessments
        .iter()
        .filter(|a| a.from <= month)
        .max_by_key(|a| a.from)
}

/// The first month a member owes dues: the month they were admitted (预备党员 pay from the
/// month they were admitted).
pub fn owes_from(joined_on: Date) -> Month {
    Month::of(joined_on)
}

/// An amount as people write it: `3000`, `3,000.5`, `3000.01`, `¥15`, `15元`. Never negative,
/// never more than two decimals.
pub fn parse_yuan(s: &str) -> Result<Fen, &'static str> {
    let t: String = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Err("请填写金额");
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) {
        return Err("金额应为数字，如 3000 或 3000.50");
    }
    if frac.len() > 2 {
        return Err("金额最多到分（两位小数）");
    }
    if whole.len() > 8 {
        return Err("金额过大");
    }
    let yuan: i64 = whole.parse().map_err(|_| "金额过大")?;
    let fen: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(yuan * 100 + fen)
}

/// `3000.00`, `0.20`, `1234567.89`.
pub fn format_yuan(fen: Fen) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// What an administrator typed to assess a member.
#[derive(Debug, Default, Clone)]
pub struct AssessmentEntry<'a> {
    pub from: &'a str,
    pub category: &'a str,
    pub base: &'a str,
    pub set_amount: &'a str,
    pub decided_on: &'a str,
}

/// Checks an assessment; each fault under its field.
pub fn parse_assessment(e: &AssessmentEntry, today: Date) -> Result<Assessment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let from = Month::parse(e.from);
    if from.is_none() {
        errors.add("from", "请选择从哪个月起执行");
    }
    let category = DuesCategory::from_code_or_label(e.category);
    let Some(category) = category else {
        errors.add("category", "请选择交纳类别");
        return Err(errors);
    };
    let mut base = None;
    if category.has_base() {
        match parse_yuan(e.base) {
            Ok(0) => errors.add("base", "请填写每月工资（离退休费）收入的税后数额"),
            Ok(b) => base = Some(b),
            Err(why) => errors.add("base", why),
        }
    }
    let mut set_amount = None;
    let mut decided_on = None;
    match category {
        DuesCategory::Farmer => {
            let (low, high) = rules_in(from.unwrap_or(Month::of(today))).farmer;
            match parse_yuan(e.set_amount) {
                Ok(a) if (low..=high).contains(&a) => set_amount = Some(a),
                Ok(_) => errors.add(
                    "set_amount",
                    format!(
                        "农民党员每月交纳{}元至{}元",
                        format_yuan(low),
                        format_yuan(high)
                    ),
                ),
                Err(why) => errors.add("set_amount", why),
            }
        }
        DuesCategory::Hardship => {
            match e.set_amount.trim() {
                "" => set_amount = Some(0),
                s => match parse_yuan(s) {
                    Ok(a) => set_amount = Some(a),
                    Err(why) => errors.add("set_amount", why),
                },
            }
            match parse_date(e.decided_on) {
                Some(d) if d <= today => decided_on = Some(d),
                Some(_) => errors.add("decided_on", "支部党员大会的日期不能晚于今天"),
                None => errors.add("decided_on", "减免须经支部党员大会讨论决定，请填写会议日期"),
            }
        }
        _ => {}
    }
    match from {
        Some(from) if errors.is_empty() => Ok(Assessment {
            from,
            category,
            base,
            set_amount,
            decided_on,
        }),
        _ => Err(errors),
    }
}

/// A month of a member's dues as the ledger shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthState {
    /// Before the member was admitted, or before the ledger began.
    NotOwed,
    Exempt,
    Paid,
    Unpaid,
}

impl MonthState {
    pub fn label(self) -> &'static str {
        match self {
            MonthState::NotOwed => "—",
            MonthState::Exempt => "免交",
            MonthState::Paid => "已交",
            MonthState::Unpaid => "未交",
        }
    }

    /// The class the sheet colours it by.
    pub fn class(self) -> &'static str {
        match self {
            MonthState::NotOwed => "muted",
            MonthState::Exempt => "exempt",
            MonthState::Paid => "paid",
            MonthState::Unpaid => "unpaid",
        }
    }
}

/// The month the next yearly base check applies from: the county's check month of this year
/// when it has not passed, else of the next.
pub fn next_check(now: Month, check_month: u8) -> Month {
    let this_year = Month::new(now.year(), check_month.clamp(1, 12)).unwrap_or(now);
    if this_year >= now {
        this_year
    } else {
        this_year.plus(12)
    }
}

/// The first month a member's dues are kept for: from their admission (预备党员 pay from the
/// month they were admitted), and not before the branch first assessed them (建账) — months
/// before the ledger began are not in it. `None` until they are assessed.
pub fn first_owed(joined_on: Date, assessments: &[Assessment]) -> Option<Month> {
    let start = assessments.iter().map(|a| a.from).min()?;
    Some(owes_from(joined_on).max(start))
}

/// Consecutive months unpaid up to `through`, the number the 3- and 6-month lists go by:
/// back to the latest month paid, exempt, or before the ledger began.
pub fn months_behind(
    through: Month,
    first_owed: Month,
    last_paid: Option<Month>,
    assessments: &[Assessment],
) -> i64 {
    let mut settled = first_owed.plus(-1);
    if let Some(p) = last_paid.filter(|p| *p <= through) {
        settled = settled.max(p);
    }
    // The last month each exempt assessment covers, up to `through`.
    for a in assessments
        .iter()
        .filter(|a| a.exempt() && a.from <= through)
    {
        let next = assessments
            .iter()
            .map(|b| b.from)
            .filter(|f| *f > a.from)
            .min();
        let end = next.map(|n| n.plus(-1)).unwrap_or(through).min(through);
        settled = settled.max(end);
    }
    (through.0 - settled.0).max(0) as i64
}

/// The last month that is over on `today` (the month whose dues are late if unpaid).
pub fn last_closed_month(today: Date) -> Month {
    Month::of(today).plus(-1)
}

/// Months a payment covers, from `first` for `count` months: 补缴 (first before this
/// month), the month itself, or 预交 (months ahead). Ahead only as far as a year.
pub fn payment_months(first: &str, count: &str, today: Date) -> Result<Vec<Month>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let first = Month::parse(first);
    if first.is_none() {
        errors.add("first", "请选择从哪个月起");
    }
    let count: i32 = match count.trim().parse() {
        Ok(n) if (1..=24).contains(&n) => n,
        _ => {
            errors.add("count", "月数应为 1 至 24");
            0
        }
    };
    if let Some(f) = first
        && count > 0
        && f.plus(count - 1) > Month::of(today).plus(12)
    {
        errors.add("count", "预交最多交到一年以后的月份");
    }
    match first {
        Some(f) if errors.is_empty() => Ok((0..count).map(|i| f.plus(i)).collect()),
        _ => Err(errors),
    }
}

labelled_enum!(
    /// How a payment was made. Online ways join here when a payment gateway is connected.
    PaymentWay {
    Cash => "cash", "现金";
    Transfer => "transfer", "银行转账";
    OnBehalf => "on_behalf", "代缴";
});

/// `现金`, `代缴（李红）`.
pub fn way_label(way: &str, paid_by: &str) -> String {
    let way = PaymentWay::from_code(way).map(|w| w.label()).unwrap_or("");
    if paid_by.is_empty() {
        way.to_string()
    } else {
        format!("{way}（{paid_by}）")
    }
}

/// `2026年3月`, or `2026年1月至2026年3月`, from stored month codes.
pub fn span_label(first: &str, last: &str) -> String {
    match (Month::parse(first), Month::parse(last)) {
        (Some(a), Some(b)) if a == b => a.label(),
        (Some(a), Some(b)) => format!("{}至{}", a.label(), b.label()),
        _ => String::new(),
    }
}

/// The kind of payment a month makes it, as the ledger names it.
pub fn payment_kind(month: Month, paid_on: Date) -> &'static str {
    let paid_month = Month::of(paid_on);
    if month < paid_month {
        "补缴"
    } else if month > paid_month {
        "预交"
    } else {
        "按月交纳"
    }
}

/// Share of `paid` in `owed`, in tenths of a percent, for 交纳率; `None` with nobody owing.
pub fn rate_tenths(paid: i64, owed: i64) -> Option<i64> {
    (owed > 0).then(|| (paid * 1000 + owed / 2) / owed)
}

/// `96.5%`, or `—`.
pub fn rate_label(paid: i64, owed: i64) -> String {
    match rate_tenths(paid, owed) {
        Some(t) => percent_label(t),
        None => "—".into(),
    }
}

/// A month's figures for a set of members: one count for the 党费 pages, the dashboard, the
/// monthly report and the demo's summary. 交纳率 is paid / owed; exempt members and members
/// not yet assessed owe nothing that month.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub members: i64,
    pub unassessed: i64,
    pub exempt: i64,
    pub owed: i64,
    pub paid: i64,
    pub due: Fen,
    pub paid_amount: Fen,
    pub behind3: i64,
    pub behind6: i64,
}

impl Tally {
    /// Counts one member: assessed or not, the month's state, what it came to, and how many
    /// months in a row they are behind.
    pub fn count(&mut self, assessed: bool, state: MonthState, due: Fen, paid: Fen, behind: i64) {
        self.members += 1;
        self.unassessed += i64::from(!assessed);
        match state {
            MonthState::Paid => {
                self.owed += 1;
                self.paid += 1;
            }
            MonthState::Unpaid => self.owed += 1,
            MonthState::Exempt => self.exempt += 1,
            MonthState::NotOwed => {}
        }
        if matches!(state, MonthState::Paid | MonthState::Unpaid) {
            self.due += due;
            self.paid_amount += paid;
        }
        self.behind3 += i64::from(behind >= 3);
        self.behind6 += i64::from(behind >= 6);
    }

    pub fn merge(&mut self, o: &Tally) {
        self.members += o.members;
        self.unassessed += o.unassessed;
        self.exempt += o.exempt;
        self.owed += o.owed;
        self.paid += o.paid;
        self.due += o.due;
        self.paid_amount += o.paid_amount;
        self.behind3 += o.behind3;
        self.behind6 += o.behind6;
    }

    pub fn rate(&self) -> String {
        rate_label(self.paid, self.owed)
    }

    pub fn unpaid(&self) -> i64 {
        self.owed - self.paid
    }

    pub fn paid_yuan(&self) -> String {
        format_yuan(self.paid_amount)
    }
}

/// The day the branch meeting decided, as written on the sheet.
pub fn decided_label(a: &Assessment) -> String {
    a.decided_on
        .map(|d| format!("{}支部党员大会决定", format_date(d)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn employed(base: Fen) -> Assessment {
        Assessment {
            from: Month::new(2020, 1).unwrap(),
            category: DuesCategory::Employed,
            base: Some(base),
            set_amount: None,
            decided_on: None,
        }
    }

    #[test]
    fn each_bracket_takes_the_whole_base_at_its_ratio() {
        let m = Month::new(2026, 11).unwrap();
        // 3,000.00 is in the first bracket; one fen more is in the second.
        assert_eq!(employed(300_000).due(m), Some(1_500));
        assert_eq!(employed(300_001).due(m), Some(3_000));
        assert_eq!(employed(500_000).due(m), Some(5_000));
        assert_eq!(employed(500_001).due(m), Some(7_500));
        assert_eq!(employed(1_000_000).due(m), Some(15_000));
        assert_eq!(employed(1_000_001).due(m), Some(20_000));
        assert_eq!(employed(300_000).rule_label(m), "基数×0.5%");
        assert_eq!(employed(1_000_001).rule_label(m), "基数×2%");
        // Halves of a fen round up: 4,321.10 × 1.5 % = 64.8165 → 64.82.
        assert_eq!(employed(532_110).due(m), Some(7_982));
        let retired = |base| Assessment {
            category: DuesCategory::Retired,
            ..employed(base)
        };
        assert_eq!(retired(500_000).due(m), Some(2_500));
        assert_eq!(retired(500_001).due(m), Some(5_000));
    }

    #[test]
    fn categories_without_a_base_pay_what_the_rules_or_the_branch_set() {
        let m = Month::new(2026, 2).unwrap();
        let with = |category, set_amount| Assessment {
            category,
            base: None,
            set_amount,
            ..employed(0)
        };
        assert_eq!(with(DuesCategory::Student, None).due(m), Some(20));
        assert_eq!(with(DuesCategory::Subsistence, None).due(m), Some(20));
        assert_eq!(with(DuesCategory::Farmer, Some(50)).due(m), Some(50));
        assert_eq!(with(DuesCategory::Hardship, Some(0)).due(m), Some(0));
        assert!(with(DuesCategory::Hardship, None).exempt());
        assert_eq!(with(DuesCategory::Employed, None).due(m), None);
        assert_eq!(
            with(DuesCategory::Employed, None).rule_label(m),
            "待核定基数"
        );
    }

    #[test]
    fn a_change_applies_from_its_month_and_old_months_keep_theirs() {
        let before = employed(400_000);
        let raise = Assessment {
            from: Month::new(2026, 7).unwrap(),
            ..employed(600_000)
        };
        let all = [raise.clone(), before.clone()];
        let june = Month::new(2026, 6).unwrap();
        assert_eq!(in_force(&all, june), Some(&before));
        assert_eq!(in_force(&all, june.plus(1)), Some(&raise));
        assert_eq!(in_force(&all, Month::new(2019, 12).unwrap()), None);
        // The first rules also hold for months before them (an old 补缴 is not left at 0).
        assert_eq!(rules_in(Month::new(2001, 1).unwrap()).flat, 20);
    }

    #[test]
    fn months_cross_years_and_parse_as_forms_send_them() {
        let dec = Month::parse("2025-12").unwrap();
        assert_eq!(dec.plus(1).code(), "2026-01");
        assert_eq!(dec.plus(-12).label(), "2024年12月");
        assert_eq!(dec.count_to(Month::parse("2026-2").unwrap()), 3);
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("9999-01"), None);
        assert_eq!(owes_from(date!(2024 - 02 - 29)).code(), "2024-02");
        assert_eq!(last_closed_month(date!(2026 - 01 - 01)).code(), "2025-12");
        assert_eq!(
            Month::of(date!(2028 - 02 - 29)).first_day(),
            date!(2028 - 02 - 01)
        );
    }

    #[test]
    fn amounts_are_read_to_the_fen_and_never_as_floats() {
        assert_eq!(parse_yuan("3000"), Ok(300_000));
        assert_eq!(parse_yuan("3,000.01"), Ok(300_001));
        assert_eq!(parse_yuan("¥0.2"), Ok(20));
        assert_eq!(parse_yuan("15元"), Ok(1_500));
        assert!(parse_yuan("-5").is_err());
        assert!(parse_yuan("1.005").is_err());
        assert!(parse_yuan("1e3").is_err());
        assert!(parse_yuan("").is_err());
        assert!(parse_yuan("999999999999").is_err());
        assert_eq!(format_yuan(300_001), "3000.01");
        assert_eq!(format_yuan(20), "0.20");
    }

    #[test]
    fn an_assessment_is_checked_field_by_field() {
        let today = date!(2026 - 12 - 07);
        let e = AssessmentEntry {
            from: "2027-01",
            category: "employed",
            base: "abc",
            ..Default::default()
        };
        assert!(parse_assessment(&e, today).unwrap_err().has("base"));
        let farmer = AssessmentEntry {
            from: "2027-01",
            category: "farmer",
            set_amount: "2",
            ..Default::default()
        };
        assert!(
            parse_assessment(&farmer, today)
                .unwrap_err()
                .has("set_amount")
        );
        let hardship = AssessmentEntry {
            from: "2027-01",
            category: "hardship",
            decided_on: "2026-12-08",
            ..Default::default()
        };
        assert!(
            parse_assessment(&hardship, today)
                .unwrap_err()
                .has("decided_on")
        );
        let ok = AssessmentEntry {
            decided_on: "2026-12-01",
            ..hardship
        };
        let a = parse_assessment(&ok, today).unwrap();
        assert!(a.exempt());
        assert_eq!(decided_label(&a), "2026-12-01支部党员大会决定");
    }

    #[test]
    fn a_run_of_unpaid_months_counts_back_from_the_last_settled_month() {
        let m = |s| Month::parse(s).unwrap();
        let from = |s, category| Assessment {
            from: m(s),
            category,
            ..employed(300_000)
        };
        let plain = [from("2026-01", DuesCategory::Employed)];
        assert_eq!(
            months_behind(m("2026-11"), m("2026-01"), Some(m("2026-08")), &plain),
            3
        );
        assert_eq!(months_behind(m("2026-11"), m("2026-01"), None, &plain), 11);
        assert_eq!(months_behind(m("2026-11"), m("2026-12"), None, &plain), 0);
        // A payment ahead of `through` does not settle the months before it.
        assert_eq!(
            months_behind(m("2026-05"), m("2026-01"), Some(m("2026-11")), &plain),
            5
        );
        // Exempt from March to June: the run begins in July.
        let exempt = [
            plain[0].clone(),
            from("2026-03", DuesCategory::Hardship),
            from("2026-07", DuesCategory::Employed),
        ];
        assert_eq!(months_behind(m("2026-11"), m("2026-01"), None, &exempt), 5);
        assert_eq!(months_behind(m("2026-04"), m("2026-01"), None, &exempt), 0);
        // The ledger begins at the first assessment, not at admission decades ago.
        assert_eq!(
            first_owed(date!(1995 - 07 - 01), &exempt),
            Some(m("2026-01"))
        );
        assert_eq!(
            first_owed(date!(2026 - 05 - 20), &exempt),
            Some(m("2026-05"))
        );
        assert_eq!(first_owed(date!(2026 - 05 - 20), &[]), None);
    }

    #[test]
    fn payments_cover_months_back_and_ahead_within_limits() {
        let today = date!(2026 - 12 - 07);
        let m = payment_months("2026-10", "3", today).unwrap();
        assert_eq!(m.first().unwrap().code(), "2026-10");
        assert_eq!(m.last().unwrap().code(), "2026-12");
        assert!(
            payment_months("2027-06", "12", today)
                .unwrap_err()
                .has("count")
        );
        assert!(
            payment_months("2026-10", "0", today)
                .unwrap_err()
                .has("count")
        );
        assert!(payment_months("x", "1", today).unwrap_err().has("first"));
        assert_eq!(payment_kind(m[0], today), "补缴");
        assert_eq!(payment_kind(m[2], today), "按月交纳");
        assert_eq!(payment_kind(m[2].plus(1), today), "预交");
        assert_eq!(rate_label(193, 200), "96.5%");
        assert_eq!(rate_label(0, 0), "—");
    }
}
