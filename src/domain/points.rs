//! Points (积分): the rules that credit them, daily caps, and rank with ties.
use super::org::labelled_enum;
use time::Date;

labelled_enum!(PointRule {
    Login => "login", "每日登录";
    ArticleRead => "article_read", "阅读文章";
    DailyAnswer => "daily_answer", "每日一题作答";
    DailyCorrect => "daily_correct", "每日一题答对";
    MeetingAttended => "meeting_attended", "参加组织生活";
    PostApproved => "post_approved", "党建新鲜事发布";
    HistoryApproved => "history_approved", "党史上的今天投稿";
    Correction => "correction", "积分更正";
    Redemption => "redemption", "积分兑换";
    Refund => "refund", "兑换退回";
});

impl PointRule {
    /// Rules that earn points (administrators set their amounts); the rest are bookkeeping.
    pub fn is_earned(self) -> bool {
        !matches!(
            self,
            PointRule::Correction | PointRule::Redemption | PointRule::Refund
        )
    }
}

/// A rule's setting: points per credit, at most this many points per day, on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    pub amount: i64,
    pub daily_cap: Option<i64>,
    pub enabled: bool,
}

/// The defaults of DESIGN.md §3, in the spirit of 学习强国.
pub fn default_setting(rule: PointRule) -> RuleSetting {
    let (amount, cap) = match rule {
        PointRule::Login => (1, Some(1)),
        PointRule::ArticleRead => (1, Some(6)),
        PointRule::DailyAnswer => (1, None),
        PointRule::DailyCorrect => (2, None),
        PointRule::MeetingAttended => (5, None),
        PointRule::PostApproved => (3, None),
        PointRule::HistoryApproved => (2, None),
        PointRule::Correction | PointRule::Redemption | PointRule::Refund => (0, None),
    };
    RuleSetting {
        amount,
        daily_cap: cap,
        enabled: true,
    }
}

/// How much of a credit fits under the day's cap, given what the rule already credited today.
pub fn capped(amount: i64, cap: Option<i64>, already_today: i64) -> i64 {
    match cap {
        Some(c) => amount.min(c - already_today).max(0),
        None => amount.max(0),
    }
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
        ORGLIFE_BADGE => held.iter().any(|k| k.starts_with("orglife:")),
        key => held.iter().any(|k| k == key),
    }
}

/// Competition ranking: equal scores share a rank, the next rank skips (1, 1, 3).
/// `higher` is how many score strictly more.
pub fn rank(higher: i64) -> i64 {
    higher + 1
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
    fn caps_hold_and_never_go_negative() {
        assert_eq!(capped(1, Some(6), 0), 1);
        assert_eq!(capped(1, Some(6), 5), 1);
        assert_eq!(capped(1, Some(6), 6), 0);
        assert_eq!(capped(3, Some(6), 5), 1);
        assert_eq!(capped(1, Some(6), 9), 0);
        assert_eq!(capped(5, None, 100), 5);
    }

    #[test]
    fn study_badges_by_criteria() {
        assert!(earned(6, 9).is_empty());
        assert_eq!(earned(7, 9), vec![("study:streak7", "每日一题·连续7天")]);
        assert_eq!(earned(30, 100).len(), 4);
    }

    #[test]
    fn ties_share_a_rank() {
        // scores 10, 10, 8: the two tens are first, the eight third.
        assert_eq!(rank(0), 1);
        assert_eq!(rank(2), 3);
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
}
