//! Points (积分): the rules that credit them, the ledger's idempotency keys, daily caps,
//! and rank with ties.

labelled_enum!(PointRule {
    Login => "login", "每日登录";
    ArticleRead => "article_read", "阅读文章";
    DailyAnswer => "daily_answer", "每日一题作答";
    DailyCorrect => "daily_correct", "每日一题答对";
    MeetingAttended => "meeting_attended", "参加组织生活";
    PostApproved => "post_approved", "党建新鲜事发布";
    HistoryApproved => "history_approved", "党史上的今天投稿";
    ArenaEntry => "arena_entry", "擂台比武参赛";
    ProjectUpdate => "project_update", "书记项目进展";
    ExperienceApproved => "experience_approved", "好经验好做法";
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

/// The idempotency key of a ledger entry: what it is for, so that the same thing never
/// credits twice. Made only here, for handlers and for the demo's bulk inserts alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerKey {
    rule: PointRule,
    text: String,
}

impl PointRule {
    /// How keys of this rule begin (kept as first stored: existing ledgers hold them).
    fn key_prefix(self) -> &'static str {
        match self {
            PointRule::Login => "login",
            PointRule::ArticleRead => "article",
            PointRule::DailyAnswer => "daily",
            PointRule::DailyCorrect => "daily-correct",
            PointRule::MeetingAttended => "meeting",
            PointRule::PostApproved => "post",
            PointRule::HistoryApproved => "history",
            PointRule::ArenaEntry => "arena-entry",
            PointRule::ProjectUpdate => "project-update",
            PointRule::ExperienceApproved => "experience",
            PointRule::Correction => "correction",
            PointRule::Redemption => "order",
            PointRule::Refund => "refund",
        }
    }
}

impl LedgerKey {
    fn new(rule: PointRule, parts: &[&dyn std::fmt::Display]) -> Self {
        let mut text = rule.key_prefix().to_string();
        for p in parts {
            text.push_str(&format!(":{p}"));
        }
        Self { rule, text }
    }

    /// Signing in on a Shanghai day ("YYYY-MM-DD").
    pub fn login(member: i64, day: &str) -> Self {
        Self::new(PointRule::Login, &[&member, &day])
    }
    pub fn article_read(article: i64, member: i64) -> Self {
        Self::new(PointRule::ArticleRead, &[&article, &member])
    }
    pub fn daily_answer(day: &str, member: i64) -> Self {
        Self::new(PointRule::DailyAnswer, &[&day, &member])
    }
    pub fn daily_correct(day: &str, member: i64) -> Self {
        Self::new(PointRule::DailyCorrect, &[&day, &member])
    }
    pub fn meeting_attended(meeting: i64, member: i64) -> Self {
        Self::new(PointRule::MeetingAttended, &[&meeting, &member])
    }
    pub fn post_approved(post: i64) -> Self {
        Self::new(PointRule::PostApproved, &[&post])
    }
    pub fn history_approved(entry: i64) -> Self {
        Self::new(PointRule::HistoryApproved, &[&entry])
    }
    /// An organization's entry in a contest: once, however often it is edited.
    pub fn arena_entry(entry: i64) -> Self {
        Self::new(PointRule::ArenaEntry, &[&entry])
    }
    pub fn project_update(update: i64) -> Self {
        Self::new(PointRule::ProjectUpdate, &[&update])
    }
    pub fn experience_approved(experience: i64) -> Self {
        Self::new(PointRule::ExperienceApproved, &[&experience])
    }
    pub fn redemption(order: i64) -> Self {
        Self::new(PointRule::Redemption, &[&order])
    }
    pub fn refund(order: i64) -> Self {
        Self::new(PointRule::Refund, &[&order])
    }
    /// A correction is its own event each time: `token` is random.
    pub fn correction(token: &str) -> Self {
        Self::new(PointRule::Correction, &[&token])
    }

    pub fn rule(&self) -> PointRule {
        self.rule
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The same key as a SQL expression over columns (in the order the constructor takes
    /// its arguments), for bulk inserts that credit many entries in one statement.
    pub fn sql(rule: PointRule, columns: &[&str]) -> String {
        let mut sql = format!("'{}'", rule.key_prefix());
        for c in columns {
            sql.push_str(&format!(" || ':' || CAST({c} AS TEXT)"));
        }
        sql
    }
}

/// A rule's setting: points per credit, at most this many points per day, on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    pub amount: i64,
    pub daily_cap: Option<i64>,
    pub enabled: bool,
}

/// The default amounts and daily caps, in the spirit of 学习强国.
pub fn default_setting(rule: PointRule) -> RuleSetting {
    let (amount, cap) = match rule {
        PointRule::Login => (1, Some(1)),
        PointRule::ArticleRead => (1, Some(6)),
        PointRule::DailyAnswer => (1, None),
        PointRule::DailyCorrect => (2, None),
        PointRule::MeetingAttended => (5, None),
        PointRule::PostApproved => (3, None),
        PointRule::HistoryApproved => (2, None),
        PointRule::ArenaEntry => (10, None),
        // Progress is worth reporting weekly, not hourly.
        PointRule::ProjectUpdate => (2, Some(2)),
        PointRule::ExperienceApproved => (5, None),
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

/// Competition ranking: equal scores share a rank, the next rank skips (1, 1, 3).
/// `higher` is how many score strictly more.
pub fn rank(higher: i64) -> i64 {
    higher + 1
}

/// 积分更正: how much one correction may move, and how long its reason may be.
pub const CORRECTION_MAX: i64 = 10_000;
pub const CORRECTION_REASON_MAX_CHARS: usize = 200;

/// A correction an administrator enters: points to add (or, negative, to take away) and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    pub amount: i64,
    pub reason: String,
}

impl Correction {
    pub fn parse(amount: &str, reason: &str) -> Result<Self, super::text::FieldErrors> {
        let mut errors = super::text::FieldErrors::default();
        let amount = errors.check(
            "amount",
            match amount.trim().trim_start_matches('+').parse::<i64>() {
                Err(_) => Err("请填写整数分值，加分如 5，扣分如 -5".to_string()),
                Ok(0) => Err("更正分值不能为0".to_string()),
                Ok(n) if n.unsigned_abs() > CORRECTION_MAX.unsigned_abs() => {
                    Err(format!("单次更正不超过{CORRECTION_MAX}分"))
                }
                Ok(n) => Ok(n),
            },
        );
        let reason = errors.check(
            "reason",
            super::text::required(reason, CORRECTION_REASON_MAX_CHARS).map_err(|e| {
                if e == "此项必填" {
                    "请填写更正原因".into()
                } else {
                    e
                }
            }),
        );
        errors.or_value(|| Correction { amount, reason })
    }
}

#[cfg(test)]
mod correction_tests {
    use super::*;

    #[test]
    fn a_correction_of_any_size_is_a_message_not_a_fault() {
        for huge in [
            "-9223372036854775808",
            "9223372036854775807",
            "99999999999999999999",
        ] {
            assert!(Correction::parse(huge, "原因").is_err(), "{huge}");
        }
        assert_eq!(
            Correction::parse("-5", "原因").map(|c| c.amount).ok(),
            Some(-5)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_needs_a_nonzero_whole_amount_within_bounds_and_a_reason() {
        let ok = Correction::parse(" +5 ", " 补录3月主题党日 ").unwrap();
        assert_eq!((ok.amount, ok.reason.as_str()), (5, "补录3月主题党日"));
        assert_eq!(Correction::parse("-20", "重复计分").unwrap().amount, -20);
        for bad in ["", "abc", "1.5", "0", "10001", "-10001"] {
            let e = Correction::parse(bad, "原因").unwrap_err();
            assert!(e.has("amount"), "{bad}");
        }
        let e = Correction::parse("5", "  ").unwrap_err();
        assert_eq!(e.get("reason"), "请填写更正原因");
        assert!(
            Correction::parse("5", &"长".repeat(201))
                .unwrap_err()
                .has("reason")
        );
    }

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
    fn keys_name_what_was_credited_in_rust_and_in_sql_alike() {
        assert_eq!(
            LedgerKey::login(7, "2026-02-29").as_str(),
            "login:7:2026-02-29"
        );
        assert_eq!(
            LedgerKey::daily_correct("2026-11-28", 7).as_str(),
            "daily-correct:2026-11-28:7"
        );
        assert_eq!(
            LedgerKey::meeting_attended(3, 7).rule(),
            PointRule::MeetingAttended
        );
        assert_eq!(LedgerKey::redemption(9).as_str(), "order:9");
        assert_eq!(
            LedgerKey::sql(PointRule::MeetingAttended, &["c.meeting_id", "c.member_id"]),
            "'meeting' || ':' || CAST(c.meeting_id AS TEXT) || ':' || CAST(c.member_id AS TEXT)"
        );
    }

    #[test]
    fn ties_share_a_rank() {
        // scores 10, 10, 8: the two tens are first, the eight third.
        assert_eq!(rank(0), 1);
        assert_eq!(rank(2), 3);
    }
}
