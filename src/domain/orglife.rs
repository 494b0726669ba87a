//! Organizational life (三会一课 and the rest): required items, their periods in Shanghai
//! time, and the red / yellow / grey verdict for one organization, item and period.
use super::clock::local_date;
use super::org::OrgType;
use time::{Date, Month};

labelled_enum!(MeetingKind {
    BranchGeneral => "branch_general", "支部党员大会";
    BranchCommittee => "branch_committee", "支部委员会";
    GroupMeeting => "group_meeting", "党小组会";
    PartyLecture => "party_lecture", "党课";
    ThemeDay => "theme_day", "主题党日";
    LifeMeeting => "life_meeting", "组织生活会";
    Appraisal => "appraisal", "民主评议党员";
    GeneralBranchGeneral => "gb_general", "党总支党员大会";
    GeneralBranchLecture => "gb_lecture", "党总支党课";
    Other => "other", "其他会议";
});

labelled_enum!(Frequency {
    Monthly => "monthly", "每月";
    Quarterly => "quarterly", "每季度";
    HalfYearly => "half_yearly", "每半年";
    Yearly => "yearly", "每年";
});

/// Organizations that hold organizational life.
pub fn holds_meetings(org: OrgType) -> bool {
    org.is_branch() || org.is_general_branch() || org == OrgType::PartyGroup
}

/// Kinds that may be held by an organization of this type (required ones first).
pub fn kinds_for(org: OrgType) -> Vec<MeetingKind> {
    MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| applies_to(*k, org) || *k == MeetingKind::Other)
        .collect()
}

/// What a record must hold to count as done to standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standard {
    pub minutes: bool,
    pub photos: u32,
    /// Attended / expected, in percent.
    pub attendance_pct: u32,
}

impl Default for Standard {
    fn default() -> Self {
        Self {
            minutes: true,
            photos: 1,
            attendance_pct: 80,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub kind: MeetingKind,
    pub frequency: Frequency,
    pub min_count: u32,
    pub standard: Standard,
}

/// Which organizations a kind of meeting is required of.
pub fn applies_to(kind: MeetingKind, org: OrgType) -> bool {
    match kind {
        MeetingKind::GeneralBranchGeneral | MeetingKind::GeneralBranchLecture => {
            org.is_general_branch()
        }
        MeetingKind::GroupMeeting => org == OrgType::PartyGroup,
        MeetingKind::Other => false,
        _ => org.is_branch(),
    }
}

/// Defaults after the 2018 branch work regulations (中国共产党支部工作条例（试行））.
/// 党小组会 is required of each party group (a branch without groups is not asked for it).
pub fn default_requirements() -> Vec<Requirement> {
    use Frequency::*;
    use MeetingKind::*;
    let r = |kind, frequency| Requirement {
        kind,
        frequency,
        min_count: 1,
        standard: Standard::default(),
    };
    vec![
        r(BranchGeneral, Quarterly),
        r(BranchCommittee, Monthly),
        r(GroupMeeting, Monthly),
        r(PartyLecture, Quarterly),
        r(ThemeDay, Monthly),
        r(LifeMeeting, Yearly),
        r(Appraisal, Yearly),
        r(GeneralBranchGeneral, HalfYearly),
        r(GeneralBranchLecture, HalfYearly),
    ]
}

/// A half-open span of Shanghai calendar days `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

fn month_start(year: i32, month: u8) -> Date {
    let (y, m) = if month > 12 {
        (year + 1, month - 12)
    } else {
        (year, month)
    };
    Date::from_calendar_date(y, Month::try_from(m).expect("1..=12"), 1).expect("first of month")
}

impl Frequency {
    fn months(self) -> u8 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::HalfYearly => 6,
            Frequency::Yearly => 12,
        }
    }

    /// The period containing `date`.
    pub fn period_of(self, date: Date) -> Period {
        let len = self.months();
        let index = (date.month() as u8 - 1) / len;
        let first = index * len + 1;
        Period {
            start: month_start(date.year(), first),
            end: month_start(date.year(), first + len),
        }
    }

    /// The periods that began on or after `from` and ended by `today`, in order.
    pub fn ended_between(self, from: Date, today: Date) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = self.period_of(from);
        if p.start < from {
            p = self.period_of(p.end);
        }
        while p.end <= today {
            out.push(p);
            p = self.period_of(p.end);
        }
        out
    }

    /// Every period of a calendar year, in order.
    pub fn periods_in(self, year: i32) -> Vec<Period> {
        let len = self.months();
        (0..12 / len)
            .map(|i| self.period_of(month_start(year, i * len + 1)))
            .collect()
    }

    /// The first day of the period after the one containing `date`.
    pub fn next_start(self, date: Date) -> Date {
        self.period_of(date).end
    }
}

impl Period {
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date < self.end
    }

    /// `2026年3月`, `2026年第一季度`, `2026年上半年`, `2026年`.
    pub fn label(&self) -> String {
        let y = self.start.year();
        let m = self.start.month() as u8;
        match (self.end.year() * 12 + self.end.month() as i32) - (y * 12 + m as i32) {
            1 => format!("{y}年{m}月"),
            3 => format!(
                "{y}年第{}季度",
                ["一", "二", "三", "四"][((m - 1) / 3) as usize]
            ),
            6 => format!("{y}年{}半年", if m == 1 { "上" } else { "下" }),
            _ => format!("{y}年"),
        }
    }

    /// A short column heading: `3月`, `一季度`, `上半年`, `全年`.
    pub fn short_label(&self) -> String {
        let m = self.start.month() as u8;
        match (self.end.year() * 12 + self.end.month() as i32) - (self.start.year() * 12 + m as i32)
        {
            1 => format!("{m}月"),
            3 => format!("{}季度", ["一", "二", "三", "四"][((m - 1) / 3) as usize]),
            6 => (if m == 1 { "上半年" } else { "下半年" }).to_string(),
            _ => "全年".to_string(),
        }
    }
}

/// What the verdict needs to know about one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFacts {
    pub starts_at: i64,
    pub ends_at: i64,
    pub closed: bool,
    pub has_minutes: bool,
    pub photos: u32,
    pub expected: u32,
    pub attended: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Done to standard.
    Red,
    /// Scheduled, in progress, or done but short of the standard.
    Yellow,
    /// Not done.
    Grey,
    /// The period has not begun.
    NotYet,
}

impl Colour {
    pub fn css(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Yellow => "yellow",
            Colour::Grey => "grey",
            Colour::NotYet => "notyet",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Colour::Red => "已完成",
            Colour::Yellow => "进行中或未达标",
            Colour::Grey => "未开展",
            Colour::NotYet => "未开始",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub colour: Colour,
    /// What is missing, in words a secretary acts on.
    pub reasons: Vec<String>,
}

/// What keeps one meeting from the standard; empty when it meets it.
pub fn shortfalls(m: &MeetingFacts, s: &Standard, now: i64) -> Vec<String> {
    let mut out = Vec::new();
    if m.starts_at > now {
        out.push("已安排，尚未召开".to_string());
        return out;
    }
    if !m.closed {
        out.push(if m.ends_at > now {
            "会议进行中".to_string()
        } else {
            "会议记录尚未归档".to_string()
        });
    }
    if s.minutes && !m.has_minutes {
        out.push("缺少会议记录".to_string());
    }
    if m.photos < s.photos {
        out.push(if s.photos == 1 {
            "缺少现场照片".to_string()
        } else {
            format!("现场照片{}张，应至少{}张", m.photos, s.photos)
        });
    }
    if m.expected > 0
        && u64::from(m.attended) * 100 < u64::from(m.expected) * u64::from(s.attendance_pct)
    {
        out.push(format!(
            "出席{}/{}人（{}%），低于{}%",
            m.attended,
            m.expected,
            m.attended * 100 / m.expected,
            s.attendance_pct
        ));
    }
    out
}

/// The colour of one required item in one period, from the meetings of that kind whose start
/// falls in the period (Shanghai calendar days).
pub fn verdict(req: &Requirement, period: &Period, meetings: &[MeetingFacts], now: i64) -> Verdict {
    let today = local_date(now);
    let in_period: Vec<&MeetingFacts> = meetings
        .iter()
        .filter(|m| period.contains(local_date(m.starts_at)))
        .collect();
    let done = in_period
        .iter()
        .filter(|m| shortfalls(m, &req.standard, now).is_empty())
        .count() as u32;
    if done >= req.min_count {
        return Verdict {
            colour: Colour::Red,
            reasons: vec![],
        };
    }
    if !in_period.is_empty() {
        let mut reasons: Vec<String> = Vec::new();
        if req.min_count > 1 {
            reasons.push(format!("达标{}次，应至少{}次", done, req.min_count));
        }
        for m in &in_period {
            for r in shortfalls(m, &req.standard, now) {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
        return Verdict {
            colour: Colour::Yellow,
            reasons,
        };
    }
    if today < period.start {
        return Verdict {
            colour: Colour::NotYet,
            reasons: vec!["周期尚未开始".into()],
        };
    }
    Verdict {
        colour: Colour::Grey,
        reasons: vec![if today >= period.end {
            "本周期未开展".to_string()
        } else {
            "尚未开展".to_string()
        }],
    }
}

/// The reminder for a meeting whose record was not filed, worded from its real dates:
/// "「…」于2026-10-12结束，已过去53天，会议记录尚未归档".
pub fn unfiled_notice(topic: &str, ended_at: i64, now: i64) -> String {
    let ended = local_date(ended_at);
    let days = (local_date(now) - ended).whole_days();
    format!(
        "「{topic}」于{}结束，已过去{days}天，会议记录尚未归档",
        super::clock::format_date(ended)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfiled_reminder_says_when_the_meeting_ended() {
        // 2026-10-12 11:00 and 2026-12-04 09:00 in Shanghai.
        let ended = 1_791_774_000;
        let now = ended + 52 * 86_400 + 22 * 3600;
        assert_eq!(
            unfiled_notice("学习党的二十届四中全会精神", ended, now),
            "「学习党的二十届四中全会精神」于2026-10-12结束，已过去53天，会议记录尚未归档"
        );
    }
    use time::macros::{date, datetime};

    fn at(dt: time::PrimitiveDateTime) -> i64 {
        dt.assume_offset(super::super::clock::SHANGHAI)
            .unix_timestamp()
    }

    fn held(start: i64) -> MeetingFacts {
        MeetingFacts {
            starts_at: start,
            ends_at: start + 7200,
            closed: true,
            has_minutes: true,
            photos: 2,
            expected: 10,
            attended: 9,
        }
    }

    #[test]
    fn periods_cover_the_year_without_gaps() {
        for f in Frequency::ALL {
            let ps = f.periods_in(2026);
            assert_eq!(ps.first().unwrap().start, date!(2026 - 01 - 01));
            assert_eq!(ps.last().unwrap().end, date!(2027 - 01 - 01));
            for w in ps.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
        }
        let q4 = Frequency::Quarterly.period_of(date!(2026 - 12 - 31));
        assert_eq!(
            (q4.start, q4.end),
            (date!(2026 - 10 - 01), date!(2027 - 01 - 01))
        );
        assert_eq!(q4.label(), "2026年第四季度");
        let feb = Frequency::Monthly.period_of(date!(2024 - 02 - 29));
        assert_eq!(feb.end, date!(2024 - 03 - 01));
        assert_eq!(feb.label(), "2024年2月");
        assert_eq!(
            Frequency::HalfYearly
                .period_of(date!(2026 - 07 - 01))
                .label(),
            "2026年下半年"
        );
        assert_eq!(
            Frequency::Yearly.next_start(date!(2026 - 06 - 15)),
            date!(2027 - 01 - 01)
        );
        assert_eq!(
            Frequency::Monthly.next_start(date!(2026 - 12 - 15)),
            date!(2027 - 01 - 01)
        );
    }

    #[test]
    fn a_meeting_counts_in_its_shanghai_start_day() {
        let req = Requirement {
            kind: MeetingKind::BranchGeneral,
            frequency: Frequency::Quarterly,
            min_count: 1,
            standard: Standard::default(),
        };
        // 23:30 on 31 March in Shanghai is 15:30 UTC: the first quarter, though it ends on 1 April.
        let m = held(at(datetime!(2026-03-31 23:30)));
        let now = at(datetime!(2026-04-10 10:00));
        let q1 = Frequency::Quarterly.period_of(date!(2026 - 03 - 01));
        let q2 = Frequency::Quarterly.period_of(date!(2026 - 04 - 01));
        assert_eq!(
            verdict(&req, &q1, std::slice::from_ref(&m), now).colour,
            Colour::Red
        );
        assert_eq!(verdict(&req, &q2, &[m], now).colour, Colour::Grey);
        // 00:30 on 1 January Shanghai is still 31 December in UTC: it belongs to the new year.
        let new_year = held(at(datetime!(2027-01-01 00:30)));
        let y2027 = Frequency::Yearly.period_of(date!(2027 - 06 - 01));
        let later = at(datetime!(2027-02-01 00:00));
        let life = Requirement {
            kind: MeetingKind::LifeMeeting,
            frequency: Frequency::Yearly,
            ..req.clone()
        };
        assert_eq!(
            verdict(&life, &y2027, std::slice::from_ref(&new_year), later).colour,
            Colour::Red
        );
        let y2026 = Frequency::Yearly.period_of(date!(2026 - 06 - 01));
        assert_eq!(
            verdict(&life, &y2026, &[new_year], later).colour,
            Colour::Grey
        );
    }

    #[test]
    fn yellow_says_what_is_missing() {
        let req = default_requirements().remove(1); // 支部委员会, monthly
        let march = Frequency::Monthly.period_of(date!(2026 - 03 - 01));
        let start = at(datetime!(2026-03-10 09:00));
        let now = at(datetime!(2026-03-20 09:00));
        let mut m = held(start);
        m.photos = 0;
        m.attended = 7;
        m.has_minutes = false;
        let v = verdict(&req, &march, &[m], now);
        assert_eq!(v.colour, Colour::Yellow);
        assert_eq!(
            v.reasons,
            vec!["缺少会议记录", "缺少现场照片", "出席7/10人（70%），低于80%"]
        );
        let mut planned = held(at(datetime!(2026-03-25 09:00)));
        planned.closed = false;
        let v = verdict(&req, &march, &[planned.clone()], now);
        assert_eq!(
            (v.colour, v.reasons[0].as_str()),
            (Colour::Yellow, "已安排，尚未召开")
        );
        // Ended but not closed: the record is not filed yet.
        let v = verdict(&req, &march, &[planned], at(datetime!(2026-03-28 09:00)));
        assert!(v.reasons.contains(&"会议记录尚未归档".to_string()));
        // Exactly 80 % is enough.
        let mut eight = held(start);
        eight.attended = 8;
        assert_eq!(verdict(&req, &march, &[eight], now).colour, Colour::Red);
    }

    #[test]
    fn grey_before_and_after_and_notyet_in_the_future() {
        let req = default_requirements().remove(1);
        let now = at(datetime!(2026-03-20 09:00));
        let feb = Frequency::Monthly.period_of(date!(2026 - 02 - 01));
        let march = Frequency::Monthly.period_of(date!(2026 - 03 - 01));
        let april = Frequency::Monthly.period_of(date!(2026 - 04 - 01));
        assert_eq!(verdict(&req, &feb, &[], now).reasons, vec!["本周期未开展"]);
        assert_eq!(verdict(&req, &march, &[], now).colour, Colour::Grey);
        assert_eq!(verdict(&req, &april, &[], now).colour, Colour::NotYet);
    }

    #[test]
    fn requirements_apply_by_organization_type() {
        assert!(applies_to(
            MeetingKind::BranchCommittee,
            OrgType::JointBranch
        ));
        assert!(!applies_to(
            MeetingKind::BranchCommittee,
            OrgType::GeneralBranch
        ));
        assert!(applies_to(
            MeetingKind::GeneralBranchGeneral,
            OrgType::JointVillageGeneralBranch
        ));
        assert!(!applies_to(
            MeetingKind::GeneralBranchLecture,
            OrgType::Branch
        ));
        assert!(applies_to(MeetingKind::GroupMeeting, OrgType::PartyGroup));
        assert!(!applies_to(MeetingKind::GroupMeeting, OrgType::Branch));
    }
}
