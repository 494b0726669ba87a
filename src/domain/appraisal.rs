//! 民主评议党员: once a year each branch evaluates its members. Each writes a self-assessment,
//! rates each colleague (one secret vote per colleague), and the branch meeting decides every
//! member's grade with the vote counts beside it; a 不合格 needs its reasons and how it is
//! handled. The county sets by when the year's evaluation must be done.
use super::clock::format_date;
use super::text::{FieldErrors, optional, past_date, required};
use time::{Date, Month};

labelled_enum!(Grade {
    Excellent => "excellent", "优秀";
    Qualified => "qualified", "合格";
    Basic => "basic", "基本合格";
    Unqualified => "unqualified", "不合格";
});

impl Grade {
    pub fn index(self) -> usize {
        Grade::ALL.iter().position(|g| *g == self).unwrap_or(1)
    }
}

labelled_enum!(Handling {
    Correct => "correct", "限期改正";
    Persuade => "persuade", "劝其退党";
    Remove => "remove", "除名";
});

pub const SELF_MAX_CHARS: usize = 1_000;
/// A branch with fewer members evaluates together with the organization above it.
pub const MIN_MEMBERS: usize = 3;
pub const REASON_MAX_CHARS: usize = 300;

/// Votes for one member, by grade in `Grade::ALL`'s order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally(pub [i64; 4]);

impl Tally {
    pub fn add(&mut self, g: Grade) {
        self.0[g.index()] += 1;
    }
    pub fn of(&self, g: Grade) -> i64 {
        self.0[g.index()]
    }
    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }
    /// "优秀3 合格5 基本合格0 不合格0".
    pub fn text(&self) -> String {
        Grade::ALL
            .iter()
            .map(|g| format!("{}{}", g.label(), self.of(*g)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A year's results counted: members decided per grade (the 数据看板's shares).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shares {
    pub grades: Tally,
    /// Branches that finished the year's evaluation, and branches in all.
    pub done: i64,
    pub branches: i64,
}

impl Shares {
    /// The share of a grade among members decided, as "12.5%" (or "—" with none decided).
    pub fn pct(&self, g: Grade) -> String {
        match self.grades.total() {
            0 => "—".into(),
            n => format!("{:.1}%", self.grades.of(g) as f64 * 100.0 / n as f64),
        }
    }
    pub fn add(&mut self, o: &Shares) {
        for g in Grade::ALL {
            self.grades.0[g.index()] += o.grades.of(*g);
        }
        self.done += o.done;
        self.branches += o.branches;
    }
}

/// The year an evaluation may be opened for: this year's, or last year's until its deadline.
pub fn may_open(year: i32, today: Date, due_month: u8) -> Result<(), String> {
    if year == today.year() || (year == today.year() - 1 && today <= deadline(year, due_month)) {
        Ok(())
    } else {
        Err(format!(
            "只能开展{}年度{}的民主评议",
            today.year(),
            if today <= deadline(today.year() - 1, due_month) {
                format!("或{}年度", today.year() - 1)
            } else {
                String::new()
            }
        ))
    }
}

/// The last day a year's evaluation may be finished: the end of `due_month` of the next
/// year (the county's setting; 3 means 31 March).
pub fn deadline(year: i32, due_month: u8) -> Date {
    let month = Month::try_from(due_month.clamp(1, 12)).unwrap_or(Month::March);
    let next = year + 1;
    Date::from_calendar_date(next, month, month.length(next)).unwrap_or(Date::MIN)
}

/// The year whose deadline has passed most recently on `today`: the one 电子监察 checks.
pub fn last_due_year(today: Date, due_month: u8) -> i32 {
    if today > deadline(today.year() - 1, due_month) {
        today.year() - 1
    } else {
        today.year() - 2
    }
}

/// The branch meeting's decision for one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub grade: Grade,
    pub reason: String,
    pub handling: Option<Handling>,
}

/// Checks a decision: a grade; a 不合格 with its reasons and how it is handled, the others
/// with neither handling nor more than a short note.
pub fn parse_decision(grade: &str, reason: &str, handling: &str) -> Result<Decision, FieldErrors> {
    let mut errors = FieldErrors::default();
    let g = Grade::from_code(grade);
    if g.is_none() {
        errors.add("grade", "请选择评议结果");
    }
    let unqualified = g == Some(Grade::Unqualified);
    let reason = if unqualified {
        errors.check(
            "reason",
            required(reason, REASON_MAX_CHARS).map_err(|m| format!("评为不合格的理由：{m}")),
        )
    } else {
        errors.check(
            "reason",
            optional(reason, REASON_MAX_CHARS).map_err(|m| format!("说明：{m}")),
        )
    };
    let handling = match (unqualified, Handling::from_code(handling.trim())) {
        (true, None) => {
            errors.add(
                "handling",
                "评为不合格的，请选择处置方式（限期改正、劝其退党或除名）",
            );
            None
        }
        (true, h) => h,
        (false, _) => None,
    };
    match g {
        Some(grade) if errors.is_empty() => Ok(Decision {
            grade,
            reason,
            handling,
        }),
        _ => Err(errors),
    }
}

/// Checks the day the branch meeting decided: come, and not before the evaluation opened.
pub fn parse_decided_on(value: &str, opened_on: Date, today: Date) -> Result<Date, String> {
    past_date(
        value,
        "评议大会日期",
        Some((opened_on, "开展评议的")),
        today,
    )
}

/// "2025年度民主评议党员（截至2026-03-31）".
pub fn title(year: i64, due_month: u8) -> String {
    format!(
        "{year}年度民主评议党员（截至{}）",
        format_date(deadline(year as i32, due_month))
    )
}

/// A self-assessment: something written, within its length.
pub fn parse_self(text: &str) -> Result<String, String> {
    required(text, SELF_MAX_CHARS).map_err(|m| format!("自我评价：{m}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_year_is_due_at_the_end_of_the_countys_month_the_next_year() {
        assert_eq!(deadline(2025, 3), date!(2026 - 03 - 31));
        assert_eq!(
            deadline(2027, 2),
            date!(2028 - 02 - 29),
            "a leap year's February"
        );
        assert_eq!(deadline(2026, 2), date!(2027 - 02 - 28));
        assert_eq!(deadline(2025, 12), date!(2026 - 12 - 31));
        assert_eq!(last_due_year(date!(2026 - 03 - 31), 3), 2024);
        assert_eq!(last_due_year(date!(2026 - 04 - 01), 3), 2025);
        assert_eq!(last_due_year(date!(2026 - 12 - 07), 3), 2025);
        assert_eq!(last_due_year(date!(2027 - 01 - 01), 3), 2025);
    }

    #[test]
    fn this_years_or_until_its_deadline_last_years_may_be_opened() {
        assert!(may_open(2026, date!(2026 - 12 - 07), 3).is_ok());
        assert!(may_open(2025, date!(2026 - 03 - 31), 3).is_ok());
        assert_eq!(
            may_open(2025, date!(2026 - 04 - 01), 3).unwrap_err(),
            "只能开展2026年度的民主评议"
        );
        assert_eq!(
            may_open(2027, date!(2026 - 02 - 01), 3).unwrap_err(),
            "只能开展2026年度或2025年度的民主评议"
        );
    }

    #[test]
    fn an_unqualified_member_needs_reasons_and_a_handling() {
        let ok = parse_decision("excellent", "", "remove").unwrap();
        assert_eq!((ok.grade, ok.handling), (Grade::Excellent, None));
        let e = parse_decision("unqualified", " ", "").unwrap_err();
        assert_eq!(e.get("reason"), "评为不合格的理由：此项必填");
        assert!(e.has("handling"));
        let u = parse_decision("unqualified", "连续六个月不参加组织生活", "correct").unwrap();
        assert_eq!(u.handling, Some(Handling::Correct));
        assert!(parse_decision("best", "", "").unwrap_err().has("grade"));
    }

    #[test]
    fn votes_are_counted_by_grade_and_shares_of_those_decided() {
        let mut t = Tally::default();
        for g in [Grade::Excellent, Grade::Excellent, Grade::Basic] {
            t.add(g);
        }
        assert_eq!(t.text(), "优秀2 合格0 基本合格1 不合格0");
        let s = Shares {
            grades: t,
            done: 1,
            branches: 2,
        };
        assert_eq!(s.pct(Grade::Excellent), "66.7%");
        assert_eq!(Shares::default().pct(Grade::Qualified), "—");
    }

    #[test]
    fn the_meeting_is_not_before_the_opening_nor_in_the_future() {
        let (opened, today) = (date!(2026 - 11 - 20), date!(2026 - 12 - 07));
        assert!(parse_decided_on("2026-12-07", opened, today).is_ok());
        assert!(parse_decided_on("2026-11-19", opened, today).is_err());
        assert!(parse_decided_on("2026-12-08", opened, today).is_err());
    }
}
