//! 数据看板: the figures a superior sees for every organization below it, per month, quarter
//! or year — organizational life, study and members — and how they add up a subtree.
use super::orglife::{Colour, Frequency, MeetingFacts, Period, Requirement, verdict};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

labelled_enum!(PeriodKind {
    Month => "month", "月";
    Quarter => "quarter", "季度";
    Year => "year", "年";
});

impl PeriodKind {
    fn frequency(self) -> Frequency {
        match self {
            PeriodKind::Month => Frequency::Monthly,
            PeriodKind::Quarter => Frequency::Quarterly,
            PeriodKind::Year => Frequency::Yearly,
        }
    }

    /// The period of this kind containing `date`.
    pub fn period_of(self, date: Date) -> Period {
        self.frequency().period_of(date)
    }

    /// The period before `p`.
    pub fn previous(self, p: &Period) -> Period {
        self.period_of(p.start - Duration::days(1))
    }
}

/// An organization's figures for one period. Every field adds up over disjoint
/// organizations, so a subtree's figures are its organizations' own figures summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Figures {
    /// Members registered now.
    pub members: i64,
    /// Registered during the period.
    pub new_members: i64,
    pub transferred_in: i64,
    pub transferred_out: i64,
    /// Members who answered the daily question on at least the period's threshold of days.
    pub active_answerers: i64,
    /// Members who finished reading at least one article.
    pub readers: i64,
    /// Points earned (the ledger's lifetime points).
    pub points: i64,
    /// Badges members earned.
    pub badges: i64,
    /// Required items' periods that count for this period, by colour.
    pub items_red: i64,
    pub items_yellow: i64,
    pub items_grey: i64,
    /// Of those, the ones whose period is over and that are not red.
    pub items_overdue: i64,
}

impl std::ops::AddAssign for Figures {
    fn add_assign(&mut self, o: Figures) {
        self.add(&o);
    }
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.members += o.members;
        self.new_members += o.new_members;
        self.transferred_in += o.transferred_in;
        self.transferred_out += o.transferred_out;
        self.active_answerers += o.active_answerers;
        self.readers += o.readers;
        self.points += o.points;
        self.badges += o.badges;
        self.items_red += o.items_red;
        self.items_yellow += o.items_yellow;
        self.items_grey += o.items_grey;
        self.items_overdue += o.items_overdue;
    }

    pub fn items(&self) -> i64 {
        self.items_red + self.items_yellow + self.items_grey
    }

    /// Adds one required item's period, with its colour as of `now` (a period not begun
    /// counts for nothing).
    pub fn count_item(
        &mut self,
        req: &Requirement,
        period: &Period,
        facts: &[MeetingFacts],
        today: Date,
        now: i64,
    ) {
        let colour = verdict(req, period, facts, now).colour;
        match colour {
            Colour::Red => self.items_red += 1,
            Colour::Yellow => self.items_yellow += 1,
            Colour::Grey => self.items_grey += 1,
            Colour::NotYet => return,
        }
        if colour != Colour::Red && period.end <= today {
            self.items_overdue += 1;
        }
    }
}

/// `part` of `whole` in whole percent, rounded; 0 of nothing is 0.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 200 + whole) / (whole * 2)
    }
}

/// `part` per `whole` with one decimal, as shown in a table ("3.5").
pub fn per(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "0.0".into()
    } else {
        format!("{:.1}", part as f64 / whole as f64)
    }
}

/// Daily answers per 30 days that make a member active (a third of the days).
pub const ACTIVE_DAYS_PER_30: i64 = 10;

/// How many days of answers make a member active in `p`, prorated to the days of it that
/// have begun by `today` (at least one).
pub fn active_threshold(p: &Period, today: Date) -> i64 {
    let end = if today < p.end {
        today + Duration::days(1)
    } else {
        p.end
    };
    let days = (end - p.start).whole_days().max(0);
    ((days * ACTIVE_DAYS_PER_30 + 29) / 30).max(1)
}

/// The periods of a required item of `frequency` that count for `p`: those overlapping it
/// that have begun by `today`.
pub fn item_periods(frequency: Frequency, p: &Period, today: Date) -> Vec<Period> {
    let mut out = Vec::new();
    let mut at = frequency.period_of(p.start);
    while at.start < p.end && at.start <= today {
        out.push(at);
        at = frequency.period_of(at.end);
    }
    out
}

/// Subtree totals from each organization's own: `parents` gives each organization's parent;
/// each organization's own is added into every ancestor's total.
pub fn roll_up<T: Copy + Default + std::ops::AddAssign>(
    own: &std::collections::HashMap<i64, T>,
    parents: &std::collections::HashMap<i64, Option<i64>>,
) -> std::collections::HashMap<i64, T> {
    let mut total: std::collections::HashMap<i64, T> = std::collections::HashMap::new();
    for (org, value) in own {
        let mut at = Some(*org);
        while let Some(id) = at {
            *total.entry(id).or_default() += *value;
            at = parents.get(&id).copied().flatten();
        }
    }
    total
}

/// A month as a form and a link name it: "2026-11".
pub fn month_key(month: &Period) -> String {
    super::clock::format_date(month.start)[..7].to_string()
}

/// How far back a dashboard looks: its kept figures are built for a period the first time
/// anyone opens it, so a link to any day of any century must not build them.
pub const VIEWABLE_YEARS: i32 = 10;

/// The day a dashboard view asked for, brought within what it shows: no later than today
/// and no earlier than `VIEWABLE_YEARS` back (the nearest such day otherwise); today when
/// no (readable) day was asked for.
pub fn viewable_day(asked: Option<Date>, today: Date) -> Date {
    let earliest = Date::from_calendar_date(today.year() - VIEWABLE_YEARS, time::Month::January, 1)
        .unwrap_or(today);
    asked.unwrap_or(today).clamp(earliest, today)
}

/// The period a dashboard opens on when none was asked for: the last one complete, so that
/// an officer opening it on the 4th reads November, not four days of December.
pub fn last_complete(kind: PeriodKind, today: Date) -> Period {
    kind.previous(&kind.period_of(today))
}

/// A period still under way on `today`: its figures are so far, not final.
pub fn is_partial(period: &Period, today: Date) -> bool {
    today < period.end
}

/// How a period reads on screen: "2026年11月", or "2026年12月（本月至今，截至12月4日）".
pub fn period_caption(kind: PeriodKind, period: &Period, today: Date) -> String {
    if !is_partial(period, today) {
        return period.label();
    }
    let so_far = match kind {
        PeriodKind::Month => "本月至今",
        PeriodKind::Quarter => "本季度至今",
        PeriodKind::Year => "本年至今",
    };
    format!(
        "{}（{so_far}，截至{}月{}日）",
        period.label(),
        today.month() as u8,
        today.day()
    )
}

/// The same days of the period before, beside a period under way: on 4 December, 1 to 4
/// November (the whole period before when it was shorter); `None` for a whole period.
pub fn same_days_before(kind: PeriodKind, period: &Period, today: Date) -> Option<Period> {
    if !is_partial(period, today) || today < period.start {
        return None;
    }
    let before = kind.previous(period);
    let days = (today - period.start).whole_days() + 1;
    Some(Period {
        start: before.start,
        end: (before.start + Duration::days(days)).min(before.end),
    })
}

/// How the same days before read: "上月同期（11月1日至4日）".
pub fn same_days_caption(kind: PeriodKind, window: &Period) -> String {
    let last = window.end - Duration::days(1);
    let name = match kind {
        PeriodKind::Month => "上月同期",
        PeriodKind::Quarter => "上季度同期",
        PeriodKind::Year => "上年同期",
    };
    let day = |d: Date| format!("{}月{}日", d.month() as u8, d.day());
    let year = if kind == PeriodKind::Year || window.start.year() != last.year() {
        format!("{}年", window.start.year())
    } else {
        String::new()
    };
    let to = if last.month() == window.start.month() && last.year() == window.start.year() {
        format!("{}日", last.day())
    } else {
        day(last)
    };
    format!("{name}（{year}{}至{to}）", day(window.start))
}

/// The month a form's or link's "2026-11" names.
pub fn month_of_key(key: &str) -> Option<Period> {
    super::clock::parse_date(&format!("{}-01", key.trim())).map(|d| PeriodKind::Month.period_of(d))
}

/// The last `n` complete months before the one containing `today`, oldest first.
pub fn recent_months(today: Date, n: usize) -> Vec<Period> {
    let mut p = last_complete(PeriodKind::Month, today);
    let mut out = vec![p];
    for _ in 1..n {
        p = PeriodKind::Month.previous(&p);
        out.push(p);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_opens_on_the_last_complete_period_and_names_a_partial_one() {
        let on_the_4th = date!(2026 - 12 - 04);
        let m = last_complete(PeriodKind::Month, on_the_4th);
        assert_eq!(
            (m.start, m.end),
            (date!(2026 - 11 - 01), date!(2026 - 12 - 01))
        );
        assert!(!is_partial(&m, on_the_4th));
        assert_eq!(
            period_caption(PeriodKind::Month, &m, on_the_4th),
            "2026年11月"
        );
        let q = last_complete(PeriodKind::Quarter, date!(2026 - 01 - 01));
        assert_eq!(q.start, date!(2025 - 10 - 01), "across the year boundary");
        let y = last_complete(PeriodKind::Year, date!(2024 - 02 - 29));
        assert_eq!(y.start, date!(2023 - 01 - 01));
        let now = PeriodKind::Month.period_of(on_the_4th);
        assert!(is_partial(&now, on_the_4th));
        assert_eq!(
            period_caption(PeriodKind::Month, &now, on_the_4th),
            "2026年12月（本月至今，截至12月4日）"
        );
        assert!(
            !is_partial(&now, date!(2027 - 01 - 01)),
            "once the month is over it is whole"
        );
        let months = recent_months(on_the_4th, 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months[11].start, date!(2026 - 11 - 01));
        assert_eq!(months[0].start, date!(2025 - 12 - 01));
    }

    #[test]
    fn a_period_under_way_is_set_beside_the_same_days_before() {
        let on_the_4th = date!(2026 - 12 - 04);
        let dec = PeriodKind::Month.period_of(on_the_4th);
        let w = same_days_before(PeriodKind::Month, &dec, on_the_4th).unwrap();
        assert_eq!(
            (w.start, w.end),
            (date!(2026 - 11 - 01), date!(2026 - 11 - 05))
        );
        assert_eq!(
            same_days_caption(PeriodKind::Month, &w),
            "上月同期（11月1日至4日）"
        );
        // 31 March: February had 29 days in 2024, and that is all of it.
        let march = PeriodKind::Month.period_of(date!(2024 - 03 - 31));
        let feb = same_days_before(PeriodKind::Month, &march, date!(2024 - 03 - 31)).unwrap();
        assert_eq!(
            (feb.start, feb.end),
            (date!(2024 - 02 - 01), date!(2024 - 03 - 01))
        );
        // The first days of a year reach back into the year before.
        let q1 = PeriodKind::Quarter.period_of(date!(2027 - 01 - 02));
        let q4 = same_days_before(PeriodKind::Quarter, &q1, date!(2027 - 01 - 02)).unwrap();
        assert_eq!(
            (q4.start, q4.end),
            (date!(2026 - 10 - 01), date!(2026 - 10 - 03))
        );
        assert_eq!(
            same_days_caption(
                PeriodKind::Year,
                &same_days_before(
                    PeriodKind::Year,
                    &PeriodKind::Year.period_of(date!(2026 - 12 - 04)),
                    date!(2026 - 12 - 04)
                )
                .unwrap()
            ),
            "上年同期（2025年1月1日至12月4日）"
        );
        let nov = PeriodKind::Month.period_of(date!(2026 - 11 - 01));
        assert!(
            same_days_before(PeriodKind::Month, &nov, on_the_4th).is_none(),
            "a whole month"
        );
    }

    #[test]
    fn a_month_key_names_its_month_and_back() {
        let feb = month_of_key(" 2024-02 ").unwrap();
        assert_eq!(
            feb.end,
            time::macros::date!(2024 - 03 - 01),
            "a leap February"
        );
        assert_eq!(month_key(&feb), "2024-02");
        assert!(month_of_key("2024-13").is_none());
        assert!(month_of_key("").is_none());
        assert!(month_of_key("9999-12").is_none());
        let today = time::macros::date!(2026 - 12 - 04);
        assert_eq!(viewable_day(None, today), today);
        assert_eq!(
            viewable_day(crate::domain::clock::parse_date("2999-12-31"), today),
            today
        );
        assert_eq!(
            viewable_day(Some(time::macros::date!(1990 - 05 - 01)), today),
            time::macros::date!(2016 - 01 - 01)
        );
        let march = time::macros::date!(2026 - 03 - 15);
        assert_eq!(viewable_day(Some(march), today), march);
    }
    use crate::domain::orglife::{MeetingKind, Standard};
    use time::macros::date;

    #[test]
    fn periods_step_back_across_year_ends() {
        let q1 = PeriodKind::Quarter.period_of(date!(2026 - 02 - 15));
        assert_eq!(
            (q1.start, q1.end),
            (date!(2026 - 01 - 01), date!(2026 - 04 - 01))
        );
        let q4 = PeriodKind::Quarter.previous(&q1);
        assert_eq!(q4.start, date!(2025 - 10 - 01));
        let months = recent_months(date!(2026 - 02 - 28), 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].start, date!(2025 - 02 - 01));
        assert_eq!(
            months[11].start,
            date!(2026 - 01 - 01),
            "February is not over"
        );
    }

    #[test]
    fn the_activity_threshold_grows_with_the_days_of_the_period_begun() {
        let feb = PeriodKind::Month.period_of(date!(2024 - 02 - 01));
        assert_eq!(active_threshold(&feb, date!(2024 - 02 - 01)), 1);
        assert_eq!(active_threshold(&feb, date!(2024 - 02 - 15)), 5);
        assert_eq!(active_threshold(&feb, date!(2024 - 03 - 20)), 10, "29 days");
        let year = PeriodKind::Year.period_of(date!(2024 - 06 - 01));
        assert_eq!(
            active_threshold(&year, date!(2025 - 01 - 01)),
            122,
            "366 days"
        );
    }

    #[test]
    fn item_periods_overlap_the_period_and_have_begun() {
        let nov = PeriodKind::Month.period_of(date!(2026 - 11 - 10));
        let today = date!(2026 - 11 - 28);
        assert_eq!(item_periods(Frequency::Monthly, &nov, today), vec![nov]);
        let q4 = item_periods(Frequency::Quarterly, &nov, today);
        assert_eq!(q4[0].start, date!(2026 - 10 - 01));
        let year = PeriodKind::Year.period_of(today);
        assert_eq!(item_periods(Frequency::Monthly, &year, today).len(), 11);
        assert_eq!(item_periods(Frequency::Quarterly, &year, today).len(), 4);
        let next_month = PeriodKind::Month.period_of(date!(2026 - 12 - 01));
        assert!(item_periods(Frequency::Monthly, &next_month, today).is_empty());
    }

    #[test]
    fn an_item_nobody_held_is_grey_and_overdue_once_its_period_ends() {
        let req = Requirement {
            kind: MeetingKind::BranchCommittee,
            frequency: Frequency::Monthly,
            min_count: 1,
            standard: Standard::default(),
        };
        let oct = PeriodKind::Month.period_of(date!(2026 - 10 - 01));
        let nov = PeriodKind::Month.period_of(date!(2026 - 11 - 01));
        let today = date!(2026 - 11 - 28);
        let now = 1_795_000_000;
        let mut f = Figures::default();
        f.count_item(&req, &oct, &[], today, now);
        f.count_item(&req, &nov, &[], today, now);
        assert_eq!((f.items_grey, f.items_overdue), (2, 1));
        assert_eq!(percent(f.items_red, f.items()), 0);
    }

    #[test]
    fn subtrees_sum_their_organizations() {
        use std::collections::HashMap;
        let one = |members| Figures {
            members,
            ..Default::default()
        };
        let own = HashMap::from([(1, one(1)), (2, one(2)), (3, one(4)), (4, one(8))]);
        let parents = HashMap::from([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]);
        let total = roll_up(&own, &parents);
        assert_eq!(total[&1].members, 15);
        assert_eq!(total[&2].members, 6);
        assert_eq!(total[&3].members, 4);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(per(7, 2), "3.5");
        assert_eq!(per(1, 0), "0.0");
    }
}
