//! 电子监察: the rules that find organizations falling behind (silence, missed items,
//! irregular records, reused photos, copied minutes, members who stopped studying), the life
//! of a finding (申诉 and its decision), and 分级分档 — a monthly score and tier.
use super::clock::{format_date, parse_date};
use super::followups::Topic;
use super::orglife::{MeetingFacts, Standard};
use super::text::FieldErrors;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

labelled_enum!(Rule {
    Silent => "silent", "长期未开展组织生活";
    Missed => "missed", "规定事项未完成";
    Incomplete => "incomplete", "会议记录不全";
    LowAttendance => "attendance", "到会率不达标";
    ManualOnly => "manual", "全部为手工签到";
    PhotoReused => "photo_reused", "照片疑似重复使用";
    PhotoTime => "photo_time", "照片拍摄时间与会议不符";
    MinutesCopied => "minutes_copied", "会议记录疑似雷同";
    StudyStopped => "study", "党员学习参与率低";
    TermOverdue => "term_overdue", "到期未换届";
    AppraisalMissing => "appraisal", "未按期开展民主评议党员";
});

impl Rule {
    /// What a 督促 sent from such a finding is about.
    pub fn topic(self) -> Topic {
        match self {
            Rule::Silent | Rule::Missed | Rule::TermOverdue | Rule::AppraisalMissing => {
                Topic::Overdue
            }
            Rule::StudyStopped => Topic::Study,
            _ => Topic::Records,
        }
    }
}

labelled_enum!(FindingStatus {
    Open => "open", "待处理";
    Appealed => "appealed", "申诉中";
    Explained => "explained", "申诉已采纳";
    Upheld => "upheld", "申诉未采纳";
});

impl FindingStatus {
    /// Still to be dealt with: marks the organization on the dashboard.
    pub fn is_open(self) -> bool {
        matches!(self, FindingStatus::Open | FindingStatus::Appealed)
    }
}

labelled_enum!(EventKind {
    Found => "found", "发现问题";
    Appealed => "appeal", "提出申诉";
    Accepted => "accept", "采纳申诉";
    Rejected => "reject", "驳回申诉";
    FollowedUp => "followup", "发出督促";
});

/// The organization that answers a finding about the one at `path` (申诉): itself, or for a
/// 党小组, which has no administrators of its own, its branch.
pub fn answering_path(path: &str, kind: Option<super::org::OrgType>) -> &str {
    match kind {
        Some(super::org::OrgType::PartyGroup) => super::org::parent_path(path).unwrap_or(path),
        _ => path,
    }
}

pub const APPEAL_MAX_CHARS: usize = 500;
pub const DECISION_MAX_CHARS: usize = 300;

/// What the scan counts as falling behind; the county sets them, from the next day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Days without organizational life that make a branch silent.
    pub silence_days: i64,
    /// Percent two photos' prints must be alike to be one picture.
    pub photo_similarity: i64,
    /// Hours a photo's capture time may be from its meeting.
    pub capture_hours: i64,
    /// Percent of telling prints two minutes share to count as copied.
    pub minutes_overlap: i64,
    /// Percent of a branch's members active in the daily question below which it has stopped
    /// studying.
    pub study_pct: i64,
    /// 民主评议党员 of a year is due by the end of this month of the next year.
    pub appraisal_month: i64,
    /// Nothing before this day is looked at (the day the county began to supervise).
    #[serde(with = "day_or_none")]
    pub since: Option<Date>,
}

mod day_or_none {
    use super::{Date, format_date, parse_date};
    pub fn serialize<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.map(format_date).unwrap_or_default())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Ok(parse_date(&<String as serde::Deserialize>::deserialize(d)?))
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            silence_days: 60,
            photo_similarity: super::near_duplicates::PHOTO_SIMILARITY,
            capture_hours: 48,
            minutes_overlap: super::near_duplicates::MINUTES_OVERLAP,
            study_pct: 30,
            appraisal_month: 3,
            since: None,
        }
    }
}

/// A number a county may set: (field, label, least, most).
pub type Field = (&'static str, &'static str, i64, i64);

impl Thresholds {
    pub const FIELDS: &'static [Field] = &[
        (
            "silence_days",
            "连续多少天未开展组织生活视为长期未开展",
            15,
            365,
        ),
        (
            "photo_similarity",
            "照片相似度达到多少视为同一张（%）",
            70,
            99,
        ),
        (
            "capture_hours",
            "照片拍摄时间与会议时间最多相差（小时）",
            1,
            720,
        ),
        ("minutes_overlap", "会议记录雷同比例（%）", 30, 100),
        ("study_pct", "党员学习参与率低于（%）", 0, 100),
        (
            "appraisal_month",
            "上一年度民主评议党员最迟于次年几月底完成",
            1,
            12,
        ),
    ];

    pub fn get(&self, key: &str) -> i64 {
        match key {
            "silence_days" => self.silence_days,
            "photo_similarity" => self.photo_similarity,
            "capture_hours" => self.capture_hours,
            "minutes_overlap" => self.minutes_overlap,
            "appraisal_month" => self.appraisal_month,
            _ => self.study_pct,
        }
    }

    fn set(&mut self, key: &str, v: i64) {
        match key {
            "silence_days" => self.silence_days = v,
            "photo_similarity" => self.photo_similarity = v,
            "capture_hours" => self.capture_hours = v,
            "minutes_overlap" => self.minutes_overlap = v,
            "appraisal_month" => self.appraisal_month = v,
            _ => self.study_pct = v,
        }
    }

    /// The month of the next year by whose end a year's 民主评议党员 is due.
    pub fn appraisal_due_month(&self) -> u8 {
        self.appraisal_month.clamp(1, 12) as u8
    }

    /// The since-day as the form shows it.
    pub fn since_text(&self) -> String {
        self.since.map(format_date).unwrap_or_default()
    }

    /// From a form: every number in its range, the day a date or empty.
    pub fn parse(form: &std::collections::HashMap<String, String>) -> Result<Self, FieldErrors> {
        let mut out = Self::default();
        let mut errors = FieldErrors::default();
        parse_fields(Self::FIELDS, form, &mut errors, |k, v| out.set(k, v));
        let since = form.get("since").map(|s| s.trim()).unwrap_or("");
        if !since.is_empty() {
            match parse_date(since) {
                Some(d) => out.since = Some(d),
                None => errors.add("since", "请填写日期，如 2026-01-01"),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn parse_fields(
    fields: &[Field],
    form: &std::collections::HashMap<String, String>,
    errors: &mut FieldErrors,
    mut set: impl FnMut(&str, i64),
) {
    for (key, label, lo, hi) in fields {
        match form
            .get(*key)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| (*lo..=*hi).contains(v))
        {
            Some(v) => set(key, v),
            None => errors.add(key, format!("{label}：请填写 {lo} 到 {hi} 之间的整数")),
        }
    }
}

labelled_enum!(Tier {
    Good => "good", "好";
    Fair => "fair", "较好";
    Average => "average", "一般";
    Poor => "poor", "差";
});

impl Tier {
    pub fn css(self) -> &'static str {
        match self {
            Tier::Good => "tier-good",
            Tier::Fair => "tier-fair",
            Tier::Average => "tier-average",
            Tier::Poor => "tier-poor",
        }
    }

    /// Higher is better.
    pub fn rank(self) -> u8 {
        match self {
            Tier::Good => 3,
            Tier::Fair => 2,
            Tier::Average => 1,
            Tier::Poor => 0,
        }
    }
}

/// 分级分档: how a month's score is made and where the tiers begin; the county sets it, from
/// the next month on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierFormula {
    pub completion_weight: i64,
    pub study_weight: i64,
    pub findings_weight: i64,
    /// Points off the findings part for each finding per branch.
    pub finding_penalty: i64,
    pub good: i64,
    pub fair: i64,
    pub average: i64,
}

impl Default for TierFormula {
    fn default() -> Self {
        Self {
            completion_weight: 50,
            study_weight: 30,
            findings_weight: 20,
            finding_penalty: 25,
            good: 85,
            fair: 70,
            average: 55,
        }
    }
}

impl TierFormula {
    pub const FIELDS: &'static [Field] = &[
        ("completion_weight", "组织生活完成率权重（%）", 0, 100),
        ("study_weight", "学习参与率权重（%）", 0, 100),
        ("findings_weight", "监察问题权重（%）", 0, 100),
        ("finding_penalty", "每个支部平均每条问题扣分", 1, 100),
        ("good", "“好”的最低得分", 1, 100),
        ("fair", "“较好”的最低得分", 1, 100),
        ("average", "“一般”的最低得分", 1, 100),
    ];

    pub fn get(&self, key: &str) -> i64 {
        match key {
            "completion_weight" => self.completion_weight,
            "study_weight" => self.study_weight,
            "findings_weight" => self.findings_weight,
            "finding_penalty" => self.finding_penalty,
            "good" => self.good,
            "fair" => self.fair,
            _ => self.average,
        }
    }

    fn set(&mut self, key: &str, v: i64) {
        match key {
            "completion_weight" => self.completion_weight = v,
            "study_weight" => self.study_weight = v,
            "findings_weight" => self.findings_weight = v,
            "finding_penalty" => self.finding_penalty = v,
            "good" => self.good = v,
            "fair" => self.fair = v,
            _ => self.average = v,
        }
    }

    pub fn parse(form: &std::collections::HashMap<String, String>) -> Result<Self, FieldErrors> {
        let mut out = Self::default();
        let mut errors = FieldErrors::default();
        parse_fields(Self::FIELDS, form, &mut errors, |k, v| out.set(k, v));
        if errors.is_empty() {
            if out.completion_weight + out.study_weight + out.findings_weight != 100 {
                errors.add("completion_weight", "三项权重之和应为100");
            }
            if !(out.good > out.fair && out.fair > out.average) {
                errors.add("good", "分档线应为 好 > 较好 > 一般");
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The formula in words, as the tier page shows it.
    pub fn describe(&self) -> String {
        format!(
            "得分 = 组织生活完成率 × {}% + 学习参与率 × {}% + （100 − 每个支部平均问题数 × {}）× {}%；\
             {} 分及以上为“好”，{} 分及以上为“较好”，{} 分及以上为“一般”，其余为“差”。\
             开展每日一题之前的月份不计学习参与率，其余两项按权重折算。",
            self.completion_weight,
            self.study_weight,
            self.finding_penalty,
            self.findings_weight,
            self.good,
            self.fair,
            self.average
        )
    }

    pub fn tier(&self, score: i64) -> Tier {
        if score >= self.good {
            Tier::Good
        } else if score >= self.fair {
            Tier::Fair
        } else if score >= self.average {
            Tier::Average
        } else {
            Tier::Poor
        }
    }

    /// A month's score from an organization's (subtree's) figures and findings. A month
    /// before anyone could answer the daily question leaves study out, and the other two
    /// weigh in its place: nobody fell behind at something that did not exist yet.
    pub fn score(&self, m: &MonthFacts) -> Score {
        let completion = if m.items_due == 0 {
            100
        } else {
            m.items_done * 100 / m.items_due
        };
        let study = if m.members == 0 {
            100
        } else {
            m.studying * 100 / m.members
        };
        let per_branch_x100 = m.findings * 100 / m.branches.max(1);
        let findings = (100 - per_branch_x100 * self.finding_penalty / 100).max(0);
        let study_weight = if m.study_open { self.study_weight } else { 0 };
        let weights = self.completion_weight + study_weight + self.findings_weight;
        let total = if weights == 0 {
            100
        } else {
            (completion * self.completion_weight
                + study * study_weight
                + findings * self.findings_weight
                + weights / 2)
                / weights
        };
        Score {
            problems: m.findings,
            completion,
            study,
            findings,
            total,
            tier: self.tier(total),
            study_counted: m.study_open,
        }
    }
}

/// What a month's score is made of, for one organization and everything below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthFacts {
    /// Required items' periods done to standard, and those done or overdue by the month's end.
    pub items_done: i64,
    pub items_due: i64,
    pub members: i64,
    /// Members active in the daily question.
    pub studying: i64,
    pub findings: i64,
    /// Organizations holding meetings (branches), for findings per branch.
    pub branches: i64,
    /// Members could answer the daily question during the month.
    pub study_open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub completion: i64,
    pub study: i64,
    /// The findings part of the score (100 with none).
    pub findings: i64,
    /// The month's counted findings in the subtree (`report::counts`): the 问题数.
    #[serde(default)]
    pub problems: i64,
    pub total: i64,
    #[serde(with = "tier_code")]
    pub tier: Tier,
    /// Whether study counted (a month before the daily question began leaves it out).
    #[serde(default = "counted")]
    pub study_counted: bool,
}

fn counted() -> bool {
    true
}

mod tier_code {
    use super::Tier;
    pub fn serialize<S: serde::Serializer>(t: &Tier, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.code())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tier, D::Error> {
        let code = <String as serde::Deserialize>::deserialize(d)?;
        Tier::from_code(&code).ok_or_else(|| serde::de::Error::custom("unknown tier"))
    }
}

/// Settings take effect the day after they are saved (thresholds) or the month after
/// (the tier formula), so no day or month already begun is judged twice.
/// A county-wide setting kept by version: the form it is edited in, and when a change applies.
pub trait CountySetting: Sized + Copy + Default + Serialize + serde::de::DeserializeOwned {
    /// Its kind in storage.
    const KIND: &'static str;
    const FIELDS: &'static [Field];
    fn value(&self, key: &str) -> i64;
    fn from_form(form: &std::collections::HashMap<String, String>) -> Result<Self, FieldErrors>;
    /// The first day a change saved `today` applies.
    fn effective(today: Date) -> Date;
    /// The since-day of thresholds, as the form shows it; none for others.
    fn since(&self) -> Option<String> {
        None
    }
}

impl CountySetting for Thresholds {
    const KIND: &'static str = "thresholds";
    const FIELDS: &'static [Field] = Thresholds::FIELDS;
    fn value(&self, key: &str) -> i64 {
        self.get(key)
    }
    fn from_form(form: &std::collections::HashMap<String, String>) -> Result<Self, FieldErrors> {
        Thresholds::parse(form)
    }
    fn effective(today: Date) -> Date {
        thresholds_effective(today)
    }
    fn since(&self) -> Option<String> {
        Some(self.since_text())
    }
}

impl CountySetting for TierFormula {
    const KIND: &'static str = "tiers";
    const FIELDS: &'static [Field] = TierFormula::FIELDS;
    fn value(&self, key: &str) -> i64 {
        self.get(key)
    }
    fn from_form(form: &std::collections::HashMap<String, String>) -> Result<Self, FieldErrors> {
        TierFormula::parse(form)
    }
    fn effective(today: Date) -> Date {
        formula_effective(today)
    }
}

pub fn thresholds_effective(today: Date) -> Date {
    today + Duration::days(1)
}

pub fn formula_effective(today: Date) -> Date {
    super::orglife::Frequency::Monthly.next_start(today)
}

/// The day a branch became silent: `days` after its last organizational life (or after it
/// could first have held one), when that day has come.
pub fn silent_since(
    last_held: Option<Date>,
    active_from: Date,
    today: Date,
    days: i64,
) -> Option<Date> {
    let from = last_held.unwrap_or(active_from).max(active_from);
    let due = from + Duration::days(days);
    (due <= today).then_some(due)
}

/// What is irregular in a closed meeting's record, by rule, with the reason in words.
pub fn record_flaws(
    m: &MeetingFacts,
    standard: &Standard,
    checkins: u32,
    manual: u32,
) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    if standard.minutes && !m.has_minutes {
        missing.push("会议记录".to_string());
    }
    if m.photos < standard.photos {
        missing.push("现场照片".to_string());
    }
    if !missing.is_empty() {
        out.push((Rule::Incomplete, format!("缺少{}", missing.join("和"))));
    }
    if m.expected > 0
        && u64::from(m.attended) * 100 < u64::from(m.expected) * u64::from(standard.attendance_pct)
    {
        out.push((
            Rule::LowAttendance,
            format!(
                "出席{}/{}人（{}%），低于{}%",
                m.attended,
                m.expected,
                m.attended * 100 / m.expected,
                standard.attendance_pct
            ),
        ));
    }
    // One or two people signed in by hand is ordinary; a whole meeting so is not.
    if checkins >= MANUAL_ONLY_AT_LEAST && manual == checkins {
        out.push((Rule::ManualOnly, format!("{checkins}人签到均为手工补签")));
    }
    out
}

/// A meeting whose every check-in was entered by hand is flagged from this many check-ins.
pub const MANUAL_ONLY_AT_LEAST: u32 = 3;

/// Hours between a photo's capture and its meeting, when more than `max_hours`.
pub fn capture_off(captured_at: i64, starts_at: i64, ends_at: i64, max_hours: i64) -> Option<i64> {
    let off = if captured_at < starts_at {
        starts_at - captured_at
    } else {
        (captured_at - ends_at).max(0)
    };
    let hours = off / 3600;
    (hours > max_hours).then_some(hours)
}

/// Whether a branch's members have stopped studying: the share active below `pct`.
pub fn stopped_studying(members: i64, studying: i64, pct: i64) -> bool {
    members > 0 && studying * 100 < members * pct
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_branch_is_silent_from_the_day_its_quiet_reaches_the_threshold() {
        let today = date!(2026 - 03 - 01);
        // Last met on 31 December: the 60th day after is 1 March (2026 is no leap year).
        assert_eq!(
            silent_since(
                Some(date!(2025 - 12 - 31)),
                date!(2025 - 01 - 01),
                today,
                60
            ),
            Some(date!(2026 - 03 - 01))
        );
        assert_eq!(
            silent_since(
                Some(date!(2026 - 01 - 01)),
                date!(2025 - 01 - 01),
                today,
                60
            ),
            None
        );
        // In a leap year the same quiet ends a day earlier in the calendar.
        assert_eq!(
            silent_since(
                Some(date!(2023 - 12 - 31)),
                date!(2023 - 01 - 01),
                date!(2024 - 03 - 01),
                60
            ),
            Some(date!(2024 - 02 - 29))
        );
        // A branch that never met counts from when it could first have met.
        assert_eq!(silent_since(None, date!(2026 - 01 - 15), today, 60), None);
        assert_eq!(
            silent_since(None, date!(2025 - 12 - 15), today, 60),
            Some(date!(2026 - 02 - 13))
        );
    }

    fn facts(has_minutes: bool, photos: u32, expected: u32, attended: u32) -> MeetingFacts {
        MeetingFacts {
            starts_at: 0,
            ends_at: 5400,
            closed: true,
            has_minutes,
            photos,
            expected,
            attended,
        }
    }

    #[test]
    fn irregular_records_are_named_by_rule() {
        let s = Standard::default();
        assert!(record_flaws(&facts(true, 1, 10, 8), &s, 8, 1).is_empty());
        let flaws = record_flaws(&facts(false, 0, 10, 7), &s, 7, 0);
        assert_eq!(
            flaws,
            vec![
                (Rule::Incomplete, "缺少会议记录和现场照片".to_string()),
                (
                    Rule::LowAttendance,
                    "出席7/10人（70%），低于80%".to_string()
                ),
            ]
        );
        assert_eq!(
            record_flaws(&facts(true, 1, 5, 4), &s, 4, 4),
            vec![(Rule::ManualOnly, "4人签到均为手工补签".to_string())]
        );
        // Two members signed in by hand at a party group's meeting is ordinary.
        assert!(record_flaws(&facts(true, 1, 2, 2), &s, 2, 2).is_empty());
    }

    #[test]
    fn a_photo_taken_far_from_its_meeting_is_flagged() {
        let (start, end) = (1_000_000, 1_005_400);
        assert_eq!(capture_off(start - 3600, start, end, 48), None);
        assert_eq!(capture_off(end + 47 * 3600, start, end, 48), None);
        assert_eq!(
            capture_off(start - 400 * 86_400, start, end, 48),
            Some(9600)
        );
        assert_eq!(capture_off(end + 72 * 3600, start, end, 48), Some(72));
    }

    #[test]
    fn scores_and_tiers_follow_the_formula_shown() {
        let f = TierFormula::default();
        let good = MonthFacts {
            items_done: 9,
            items_due: 10,
            members: 20,
            studying: 18,
            findings: 0,
            branches: 1,
            study_open: true,
        };
        let s = f.score(&good);
        assert_eq!((s.completion, s.study, s.findings), (90, 90, 100));
        assert_eq!(s.total, 92);
        assert_eq!(s.tier, Tier::Good);
        // Two findings in one branch take half the findings part.
        let s = f.score(&MonthFacts {
            findings: 2,
            ..good
        });
        assert_eq!((s.findings, s.total), (50, 82));
        assert_eq!(s.tier, Tier::Fair);
        // Nothing due and nobody to study counts as complete, not as zero.
        let empty = f.score(&MonthFacts::default());
        assert_eq!(empty.total, 100);
        let poor = f.score(&MonthFacts {
            items_done: 2,
            items_due: 10,
            members: 10,
            studying: 1,
            findings: 3,
            branches: 1,
            study_open: true,
        });
        assert_eq!(poor.tier, Tier::Poor);
        assert!(f.describe().contains("× 50%"));
    }

    #[test]
    fn a_month_before_the_daily_question_leaves_study_out() {
        let f = TierFormula::default();
        let nobody_could = MonthFacts {
            items_done: 9,
            items_due: 10,
            members: 20,
            studying: 0,
            findings: 0,
            branches: 1,
            study_open: false,
        };
        let s = f.score(&nobody_could);
        // (90 × 50 + 100 × 20) / 70, rounded.
        assert_eq!((s.total, s.tier, s.study_counted), (93, Tier::Good, false));
        let nobody_did = f.score(&MonthFacts {
            study_open: true,
            ..nobody_could
        });
        assert_eq!((nobody_did.total, nobody_did.tier), (65, Tier::Average));
        // A formula that weighs study alone has nothing to judge such a month by.
        let study_only = TierFormula {
            completion_weight: 0,
            study_weight: 100,
            findings_weight: 0,
            ..f
        };
        assert_eq!(study_only.score(&nobody_could).total, 100);
        // Scores kept before study was left out read back as counted.
        let old: Score = serde_json::from_str(
            r#"{"completion":90,"study":0,"findings":100,"total":65,"tier":"average"}"#,
        )
        .unwrap();
        assert!(old.study_counted);
    }

    #[test]
    fn settings_are_checked_and_take_effect_later() {
        let form = |pairs: &[(&str, &str)]| -> std::collections::HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mut ok: Vec<(&str, &str)> = vec![
            ("silence_days", "45"),
            ("photo_similarity", "90"),
            ("capture_hours", "24"),
            ("minutes_overlap", "70"),
            ("study_pct", "25"),
            ("appraisal_month", "2"),
            ("since", "2026-01-01"),
        ];
        let t = Thresholds::parse(&form(&ok)).unwrap();
        assert_eq!((t.silence_days, t.since), (45, Some(date!(2026 - 01 - 01))));
        assert_eq!(t.appraisal_due_month(), 2);
        ok[0].1 = "5";
        let errors = Thresholds::parse(&form(&ok)).unwrap_err();
        assert!(errors.get("silence_days").contains("15 到 365"));
        let weights = form(&[
            ("completion_weight", "50"),
            ("study_weight", "30"),
            ("findings_weight", "30"),
            ("finding_penalty", "25"),
            ("good", "85"),
            ("fair", "70"),
            ("average", "55"),
        ]);
        assert!(
            TierFormula::parse(&weights)
                .unwrap_err()
                .get("completion_weight")
                .contains("100")
        );
        assert_eq!(
            thresholds_effective(date!(2026 - 12 - 31)),
            date!(2027 - 01 - 01)
        );
        assert_eq!(
            formula_effective(date!(2028 - 02 - 29)),
            date!(2028 - 03 - 01)
        );
        assert_eq!(
            formula_effective(date!(2026 - 12 - 01)),
            date!(2027 - 01 - 01)
        );
    }

    #[test]
    fn study_stops_below_the_share() {
        assert!(stopped_studying(10, 2, 30));
        assert!(!stopped_studying(10, 3, 30));
        assert!(!stopped_studying(0, 0, 30), "a branch with no members");
    }
}
