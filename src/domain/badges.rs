//! Badges (党建徽章): what earns them and how each is keyed, so that it is awarded once.
//! Organizational life earns the organization and its attendees one per item and period;
//! study milestones earn members one each.
use super::orglife::MeetingKind;
use time::Date;

labelled_enum!(Holder {
    Org => "org", "组织";
    Member => "member", "党员";
});

/// Every organizational-life badge's key starts so.
const ORGLIFE_PREFIX: &str = "orglife:";

/// The organizational-life badge of an organization's item for the period starting on `period_start`.
pub fn orglife_key(org_id: i64, kind: MeetingKind, period_start: Date) -> String {
    format!(
        "{ORGLIFE_PREFIX}{org_id}:{}:{}",
        kind.code(),
        super::clock::format_date(period_start)
    )
}

/// What earns a study badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// Answered the daily question this many days running.
    DailyStreak(u32),
    /// Completed reading this many articles.
    ArticlesRead(i64),
}

/// Study badges, as data: key (awarded once per member), title, criterion.
pub const STUDY_BADGES: &[(&str, &str, Criterion)] = &[
    (
        "study:streak7",
        "每日一题·连续7天",
        Criterion::DailyStreak(7),
    ),
    (
        "study:streak30",
        "每日一题·连续30天",
        Criterion::DailyStreak(30),
    ),
    (
        "study:read10",
        "理论自习·阅读10篇",
        Criterion::ArticlesRead(10),
    ),
    (
        "study:read100",
        "理论自习·阅读100篇",
        Criterion::ArticlesRead(100),
    ),
];

/// The study badges a member's record earns (they may hold some already).
pub fn earned(streak: u32, articles_read: i64) -> Vec<(&'static str, &'static str)> {
    STUDY_BADGES
        .iter()
        .filter(|(_, _, c)| match c {
            Criterion::DailyStreak(n) => streak >= *n,
            Criterion::ArticlesRead(n) => articles_read >= *n,
        })
        .map(|(k, t, _)| (*k, *t))
        .collect()
}

/// The badge a prize may ask for: none, a study badge, or any organizational-life badge.
pub const ORGLIFE_BADGE: &str = "orglife";

/// (code, label) of every badge a prize may ask for, "" meaning none.
pub fn prize_badge_choices() -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("", "不限")];
    out.extend(STUDY_BADGES.iter().map(|(k, t, _)| (*k, *t)));
    out.push((ORGLIFE_BADGE, "任一组织生活徽章"));
    out
}

/// How a prize's badge requirement reads, or None for none or an unknown code.
pub fn prize_badge_label(code: &str) -> Option<&'static str> {
    prize_badge_choices()
        .into_iter()
        .find(|(k, _)| !k.is_empty() && *k == code)
        .map(|(_, t)| t)
}

/// Whether badges with these keys meet a prize's requirement.
pub fn meets_badge(held: &[String], required: &str) -> bool {
    match required {
        "" => true,
        ORGLIFE_BADGE => held.iter().any(|k| k.starts_with(ORGLIFE_PREFIX)),
        key => held.iter().any(|k| k == key),
    }
}

/// Consecutive days ending today (or yesterday, when today is not yet done) in a sorted,
/// de-duplicated list of days.
pub fn streak(days: &[Date], today: Date) -> u32 {
    let mut expect = if days.last() == Some(&today) {
        today
    } else {
        today.previous_day().unwrap_or(today)
    };
    let mut n = 0;
    for d in days.iter().rev() {
        if *d == expect {
            n += 1;
            expect = match expect.previous_day() {
                Some(p) => p,
                None => break,
            };
        } else if *d < expect {
            break;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn study_badges_by_criteria() {
        assert!(earned(6, 9).is_empty());
        assert_eq!(earned(7, 9), vec![("study:streak7", "每日一题·连续7天")]);
        assert_eq!(earned(30, 100).len(), 4);
    }

    #[test]
    fn streaks_across_month_year_and_leap_day() {
        let days = [
            date!(2023 - 12 - 30),
            date!(2023 - 12 - 31),
            date!(2024 - 01 - 01),
        ];
        assert_eq!(streak(&days, date!(2024 - 01 - 01)), 3);
        assert_eq!(
            streak(&days, date!(2024 - 01 - 02)),
            3,
            "today not yet answered"
        );
        assert_eq!(streak(&days, date!(2024 - 01 - 03)), 0);
        let leap = [
            date!(2024 - 02 - 28),
            date!(2024 - 02 - 29),
            date!(2024 - 03 - 01),
        ];
        assert_eq!(streak(&leap, date!(2024 - 03 - 01)), 3);
        let gap = [date!(2024 - 02 - 27), date!(2024 - 02 - 29)];
        assert_eq!(streak(&gap, date!(2024 - 02 - 29)), 1);
        assert_eq!(streak(&[], date!(2024 - 02 - 29)), 0);
    }

    #[test]
    fn a_prize_asks_for_one_badge_or_any_orglife_badge() {
        let held = vec![
            "orglife:12:theme_day:2026-11-01".to_string(),
            "study:read10".to_string(),
        ];
        assert!(meets_badge(&held, ""));
        assert!(meets_badge(&held, "study:read10"));
        assert!(!meets_badge(&held, "study:streak7"));
        assert!(meets_badge(&held, ORGLIFE_BADGE));
        assert!(!meets_badge(&[], ORGLIFE_BADGE));
        assert_eq!(prize_badge_label("study:streak7"), Some("每日一题·连续7天"));
        assert_eq!(prize_badge_label(""), None);
    }

    #[test]
    fn orglife_keys_name_organization_item_and_period() {
        let key = orglife_key(12, MeetingKind::ThemeDay, date!(2026 - 11 - 01));
        assert_eq!(key, "orglife:12:theme_day:2026-11-01");
        assert!(meets_badge(&[key], ORGLIFE_BADGE));
    }
}
