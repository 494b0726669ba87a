//! Planning and recording a meeting: what a plan must hold, the statuses of leave,
//! check-ins and files, and the limits of what is typed.
use super::clock::{parse_date, parse_time, shanghai_epoch};
use super::member::Post;
use super::orglife::MeetingKind;
use super::text::{FieldErrors, optional, required};

pub const TOPIC_MAX_CHARS: usize = 100;
pub const PLACE_MAX_CHARS: usize = 100;
pub const AGENDA_MAX_ITEMS: usize = 30;
pub const AGENDA_ITEM_MAX_CHARS: usize = 200;
pub const MINUTES_MAX_CHARS: usize = 20_000;
pub const LEAVE_REASON_MAX_CHARS: usize = 200;
/// The longest meeting: a full day of a 组织生活会 with breaks.
pub const MAX_HOURS: i64 = 12;

labelled_enum!(LeaveStatus {
    Pending => "pending", "请假待批";
    Approved => "approved", "已准假";
    Refused => "refused", "未准假";
});

labelled_enum!(CheckinMethod {
    Qr => "qr", "扫码签到";
    Manual => "manual", "代签到";
});

labelled_enum!(FileKind {
    Photo => "photo", "照片";
    Material => "material", "材料";
});

/// What a secretary typed to plan a meeting.
#[derive(Default)]
pub struct PlanInput<'a> {
    pub kind: &'a str,
    pub topic: &'a str,
    /// `YYYY-MM-DD`
    pub date: &'a str,
    /// `HH:MM`
    pub start: &'a str,
    pub end: &'a str,
    pub place: &'a str,
    /// Decimal degrees, both or neither.
    pub lat: &'a str,
    pub lng: &'a str,
    /// Member ids, or empty.
    pub host: &'a str,
    pub recorder: &'a str,
    /// One item per line.
    pub agenda: &'a str,
}

/// A plan that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub kind: MeetingKind,
    pub topic: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    /// Latitude and longitude in micro-degrees.
    pub point_e6: Option<(i64, i64)>,
    pub host: Option<i64>,
    pub recorder: Option<i64>,
    pub agenda: Vec<String>,
}

/// Decimal degrees within ±`limit` as micro-degrees; empty is none.
fn parse_coordinate(s: &str, limit: f64) -> Result<Option<i64>, &'static str> {
    match s.trim() {
        "" => Ok(None),
        v => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= limit => Ok(Some((x * 1e6).round() as i64)),
            _ => Err(POINT_PROBLEM),
        },
    }
}

const POINT_PROBLEM: &str = "请同时填写有效的纬度和经度，或都不填";

/// A latitude and longitude typed or sent by a phone: both, or neither.
pub fn parse_point(lat: &str, lng: &str) -> Result<Option<(i64, i64)>, &'static str> {
    match (parse_coordinate(lat, 90.0)?, parse_coordinate(lng, 180.0)?) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        _ => Err(POINT_PROBLEM),
    }
}

/// When a meeting on a Shanghai date runs; an end before the start runs past midnight.
fn times(input: &PlanInput, errors: &mut FieldErrors) -> (i64, i64) {
    let date = parse_date(input.date);
    if date.is_none() {
        errors.add("date", "请填写日期，格式如 2026-03-28");
    }
    let start = parse_time(input.start);
    if start.is_none() {
        errors.add("start", "请填写开始时间，格式如 09:00");
    }
    let end = parse_time(input.end);
    if end.is_none() {
        errors.add("end", "请填写结束时间，格式如 11:00");
    }
    let (Some(d), Some(s), Some(e)) = (date, start, end) else {
        return (0, 0);
    };
    let starts_at = shanghai_epoch(d, s);
    let mut ends_at = shanghai_epoch(d, e);
    if ends_at <= starts_at {
        ends_at += 86_400;
    }
    if ends_at - starts_at > MAX_HOURS * 3600 {
        errors.add("end", format!("会议时长不能超过{MAX_HOURS}小时"));
    }
    (starts_at, ends_at)
}

/// Who a meeting expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Every member of the organization (a party group's, or the subtree's branches').
    Members,
    /// The branch committee: 书记, 副书记 and 委员, from the members' 党内职务.
    Committee,
}

impl Expected {
    pub fn of(kind: MeetingKind) -> Expected {
        match kind {
            MeetingKind::BranchCommittee => Expected::Committee,
            _ => Expected::Members,
        }
    }
}

/// The 党内职务 that sit on a branch committee (a 党小组长 does not).
pub const COMMITTEE_POSTS: &[Post] = &[
    Post::Secretary,
    Post::DeputySecretary,
    Post::Organizer,
    Post::Propaganda,
    Post::Discipline,
    Post::Youth,
    Post::Women,
    Post::CommitteeMember,
];

/// The organization's people a plan may expect: every member, and the committee among them.
pub struct People<'a> {
    pub members: &'a [i64],
    pub committee: &'a [i64],
}

/// Checks a plan. `kinds` are those the organization may hold; the host and recorder are
/// chosen among those the kind expects.
pub fn parse_plan(
    input: &PlanInput,
    kinds: &[MeetingKind],
    people: &People,
) -> Result<Plan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = MeetingKind::from_code(input.kind).filter(|k| kinds.contains(k));
    if kind.is_none() {
        errors.add("kind", "请选择会议类型");
    }
    let expected = kind.map_or(Expected::Members, Expected::of);
    let (members, whom) = match expected {
        Expected::Committee => (people.committee, "支部委员"),
        Expected::Members => (people.members, "本组织党员"),
    };
    if expected == Expected::Committee && members.is_empty() {
        errors.add(
            "kind",
            "本支部尚未登记支部委员：请先在党员档案的“党内职务”中登记书记、委员",
        );
    }
    let topic = errors.check("topic", required(input.topic, TOPIC_MAX_CHARS));
    let place = errors.check("place", required(input.place, PLACE_MAX_CHARS));
    let (starts_at, ends_at) = times(input, &mut errors);
    let point = errors.check("lat", parse_point(input.lat, input.lng));
    let mut pick = |field: &'static str, v: &str| match v.trim() {
        "" => None,
        s => {
            let id = s.parse::<i64>().ok().filter(|i| members.contains(i));
            if id.is_none() {
                errors.add(field, format!("请从{whom}中选择（须为应到人员）"));
            }
            id
        }
    };
    let host = pick("host", input.host);
    let recorder = pick("recorder", input.recorder);
    let agenda: Vec<String> = input
        .agenda
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if agenda.len() > AGENDA_MAX_ITEMS {
        errors.add("agenda", format!("议程最多{AGENDA_MAX_ITEMS}项"));
    }
    if agenda
        .iter()
        .any(|a| optional(a, AGENDA_ITEM_MAX_CHARS).is_err())
    {
        errors.add(
            "agenda",
            format!("每项议程不能超过{AGENDA_ITEM_MAX_CHARS}个字"),
        );
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(Plan {
            kind,
            topic,
            starts_at,
            ends_at,
            place,
            point_e6: point,
            host,
            recorder,
            agenda,
        }),
        _ => Err(errors),
    }
}

/// A planned meeting moved (改期): its new times and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
}

/// Checks a move of a meeting that starts at `starts_at`: only one not begun by `now` moves,
/// and never into the past.
pub fn parse_move(
    date: &str,
    start: &str,
    end: &str,
    place: &str,
    starts_at: i64,
    now: i64,
) -> Result<Move, FieldErrors> {
    let mut errors = FieldErrors::default();
    if starts_at <= now {
        errors.add("date", "会议已经开始，不能再改期");
        return Err(errors);
    }
    let input = PlanInput {
        date,
        start,
        end,
        ..Default::default()
    };
    let (new_start, new_end) = times(&input, &mut errors);
    let place = errors.check("place", required(place, PLACE_MAX_CHARS));
    if errors.is_empty() && new_start <= now {
        errors.add("date", "新的时间已经过去，请选择今后的时间");
    }
    if errors.is_empty() {
        Ok(Move {
            starts_at: new_start,
            ends_at: new_end,
            place,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(date: &'a str, start: &'a str, end: &'a str) -> PlanInput<'a> {
        PlanInput {
            kind: "branch_committee",
            topic: "研究本月重点工作",
            date,
            start,
            end,
            place: "村委会议室",
            host: "7",
            agenda: "传达上级精神\n\n研究重点工作",
            ..Default::default()
        }
    }

    const KINDS: &[MeetingKind] = &[MeetingKind::BranchCommittee, MeetingKind::Other];
    const SEVEN: People = People {
        members: &[7],
        committee: &[7],
    };

    #[test]
    fn a_plan_in_shanghai_time_past_midnight_and_across_the_leap_day() {
        let p = parse_plan(&input("2024-02-29", "20:00", "01:00"), KINDS, &SEVEN).unwrap();
        // 2024-02-29 20:00 in Shanghai is 12:00 UTC.
        assert_eq!(p.starts_at, 1_709_208_000);
        assert_eq!(p.ends_at - p.starts_at, 5 * 3600, "ends on 1 March");
        assert_eq!(p.host, Some(7));
        assert_eq!(p.agenda, vec!["传达上级精神", "研究重点工作"]);
    }

    #[test]
    fn a_meeting_moves_only_before_it_begins_and_only_ahead() {
        // 2026-03-28 09:00 in Shanghai.
        let planned = 1_774_659_600;
        let now = planned - 86_400;
        let moved = parse_move("2026-03-29", "14:30", "16:00", "村委会议室", planned, now).unwrap();
        assert_eq!(moved.starts_at, planned + 86_400 + 5 * 3600 + 1800);
        assert_eq!(moved.ends_at - moved.starts_at, 5400);
        let begun = parse_move(
            "2026-03-29",
            "14:30",
            "16:00",
            "村委会议室",
            planned,
            planned,
        );
        assert!(begun.unwrap_err().get("date").contains("已经开始"));
        let past = parse_move("2026-03-01", "09:00", "10:00", "村委会议室", planned, now);
        assert!(past.unwrap_err().get("date").contains("已经过去"));
        assert!(
            parse_move("2026-03-29", "14:30", "16:00", " ", planned, now)
                .unwrap_err()
                .has("place")
        );
    }

    #[test]
    fn each_problem_at_its_field() {
        let long = parse_plan(&input("2026-03-28", "08:00", "21:00"), KINDS, &SEVEN).unwrap_err();
        assert_eq!(long.get("end"), "会议时长不能超过12小时");
        let eight = People {
            members: &[7, 8],
            committee: &[8],
        };
        let stranger = parse_plan(&input("2026-03-28", "09:00", "11:00"), KINDS, &eight);
        assert_eq!(
            stranger.unwrap_err().get("host"),
            "请从支部委员中选择（须为应到人员）",
            "a 支委会's host sits on the committee"
        );
        let other = PlanInput {
            kind: "other",
            ..input("2026-03-28", "09:00", "11:00")
        };
        assert!(
            parse_plan(&other, KINDS, &eight).is_ok(),
            "any member hosts the rest"
        );
        let no_committee = People {
            members: &[7],
            committee: &[],
        };
        assert!(
            parse_plan(&input("2026-03-28", "09:00", "11:00"), KINDS, &no_committee)
                .unwrap_err()
                .get("kind")
                .contains("尚未登记支部委员")
        );
        assert_eq!(Expected::of(MeetingKind::GroupMeeting), Expected::Members);
        let lecture = PlanInput {
            kind: "party_lecture",
            ..input("2026-03-28", "09:00", "11:00")
        };
        assert!(parse_plan(&lecture, KINDS, &SEVEN).unwrap_err().has("kind"));
        let half_point = PlanInput {
            lat: "38.4",
            ..input("2026-03-28", "09:00", "11:00")
        };
        assert!(
            parse_plan(&half_point, KINDS, &SEVEN)
                .unwrap_err()
                .has("lat")
        );
        assert_eq!(
            parse_point("38.4469", "116.0893"),
            Ok(Some((38_446_900, 116_089_300)))
        );
        assert!(parse_point("91", "116").is_err());
    }
}
