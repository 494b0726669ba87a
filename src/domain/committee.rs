//! 领导班子 and 换届: every organization's committee (its members and their offices) elected for
//! a term — five years for a 党委, three for a 党总支 or 党支部 — and when its end calls for the
//! next election.
use super::clock::add_months;
use super::member::Post;
use super::org::OrgType;
use super::text::{FieldErrors, optional, past_date};
use time::Date;

/// The offices a committee has (a 党小组长 is not one).
pub const OFFICES: &[Post] = super::meetings::COMMITTEE_POSTS;

/// Longest 批复文号.
pub const APPROVAL_REF_MAX_CHARS: usize = 60;
/// Most seats a form offers (a 党委 has up to eleven or so).
pub const SEATS: usize = 15;

/// A committee's term in years, by the kind of organization (党章 and the 基层组织选举工作条例).
pub fn term_years(kind: OrgType) -> Option<i32> {
    match kind {
        OrgType::County | OrgType::Committee | OrgType::WorkingCommittee => Some(5),
        OrgType::PartyGroup => None,
        _ => Some(3),
    }
}

/// The day a term elected on `elected` ends.
pub fn term_ends(elected: Date, years: i32) -> Date {
    add_months(elected, 12 * years)
}

/// Where a term stands: what the organization and the one above are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TermState {
    Running,
    /// Six months or less to go.
    WithinSixMonths,
    /// Three months or less to go.
    WithinThreeMonths,
    /// Ended without a new election: 到期未换届.
    Overdue,
}

impl TermState {
    pub fn label(self) -> &'static str {
        match self {
            TermState::Running => "任期内",
            TermState::WithinSixMonths => "半年内届满",
            TermState::WithinThreeMonths => "三个月内届满",
            TermState::Overdue => "到期未换届",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            TermState::Running => "",
            TermState::WithinSixMonths | TermState::WithinThreeMonths => "due",
            TermState::Overdue => "overdue",
        }
    }

    /// The reminder's key part and its words, when there is one to send.
    pub fn reminder(self) -> Option<(&'static str, &'static str)> {
        match self {
            TermState::Running => None,
            TermState::WithinSixMonths => Some(("6", "还有不到6个月届满，请着手换届准备")),
            TermState::WithinThreeMonths => Some(("3", "还有不到3个月届满，请按期召开换届选举")),
            TermState::Overdue => Some(("overdue", "任期已满，尚未换届，请抓紧召开换届选举")),
        }
    }
}

pub fn term_state(ends: Date, today: Date) -> TermState {
    if today >= ends {
        TermState::Overdue
    } else if today >= add_months(ends, -3) {
        TermState::WithinThreeMonths
    } else if today >= add_months(ends, -6) {
        TermState::WithinSixMonths
    } else {
        TermState::Running
    }
}

/// An election as recorded: when, for how long, the superior's approval, who holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    pub elected_on: Date,
    pub term_years: i32,
    pub approved_on: Option<Date>,
    pub approval_ref: String,
    /// (member, office), in the order written.
    pub seats: Vec<(i64, Post)>,
}

/// The form's fields as typed; `seats` pairs a member id with an office code, blank rows
/// left out by the caller or here.
pub struct ElectionEntry<'a> {
    pub elected_on: &'a str,
    pub approved_on: &'a str,
    pub approval_ref: &'a str,
    pub seats: Vec<(&'a str, &'a str)>,
}

/// Checks an election: a date not in the future, an approval not before it, members among
/// `eligible`, each once, exactly one 书记.
pub fn parse_election(
    e: &ElectionEntry,
    kind: OrgType,
    eligible: &[i64],
    today: Date,
) -> Result<Election, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(term_years) = term_years(kind) else {
        errors.add("elected_on", "党小组不设委员会");
        return Err(errors);
    };
    let elected_on = errors.check(
        "elected_on",
        past_date(e.elected_on, "选举日期", None, today).map(Some),
    );
    // Optional: not yet approved.
    let approved_on = match e.approved_on.trim() {
        "" => None,
        s => errors.check(
            "approved_on",
            past_date(s, "批复日期", elected_on.map(|d| (d, "选举日期")), today).map(Some),
        ),
    };
    let approval_ref = errors.check(
        "approval_ref",
        optional(e.approval_ref, APPROVAL_REF_MAX_CHARS).map_err(|m| format!("批复文号：{m}")),
    );
    let seats = parse_seats(&e.seats, eligible, &mut errors);
    match (elected_on, errors.is_empty()) {
        (Some(elected_on), true) => Ok(Election {
            elected_on,
            term_years,
            approved_on,
            approval_ref,
            seats,
        }),
        _ => Err(errors),
    }
}

fn parse_seats(
    rows: &[(&str, &str)],
    eligible: &[i64],
    errors: &mut FieldErrors,
) -> Vec<(i64, Post)> {
    let mut seats: Vec<(i64, Post)> = Vec::new();
    for (member, office) in rows {
        if member.trim().is_empty() && office.trim().is_empty() {
            continue;
        }
        let member = member
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|m| eligible.contains(m));
        let office = Post::from_code(office.trim()).filter(|p| OFFICES.contains(p));
        match (member, office) {
            (Some(m), Some(_)) if seats.iter().any(|(s, _)| *s == m) => {
                errors.add("seats", "同一名党员只能担任一个职务");
            }
            (Some(m), Some(o)) => seats.push((m, o)),
            (None, _) => errors.add("seats", "请从本组织党员中选择委员"),
            (_, None) => errors.add("seats", "请为每位委员选择职务"),
        }
    }
    match seats.iter().filter(|(_, o)| *o == Post::Secretary).count() {
        1 => {}
        0 => errors.add("seats", "须有一名书记"),
        _ => errors.add("seats", "书记只能有一名"),
    }
    seats
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn terms_last_by_the_kind_of_organization() {
        assert_eq!(term_years(OrgType::Committee), Some(5));
        assert_eq!(term_years(OrgType::GeneralBranch), Some(3));
        assert_eq!(term_years(OrgType::Branch), Some(3));
        assert_eq!(term_years(OrgType::PartyGroup), None);
        // Elected on 29 February: the term ends on the 28th three years on.
        assert_eq!(term_ends(date!(2024 - 02 - 29), 3), date!(2027 - 02 - 28));
    }

    #[test]
    fn reminders_come_six_and_three_months_before_and_after_the_end() {
        let ends = date!(2027 - 03 - 31);
        assert_eq!(term_state(ends, date!(2026 - 09 - 29)), TermState::Running);
        assert_eq!(
            term_state(ends, date!(2026 - 09 - 30)),
            TermState::WithinSixMonths
        );
        assert_eq!(
            term_state(ends, date!(2026 - 12 - 30)),
            TermState::WithinSixMonths
        );
        assert_eq!(
            term_state(ends, date!(2026 - 12 - 31)),
            TermState::WithinThreeMonths
        );
        assert_eq!(
            term_state(ends, date!(2027 - 03 - 30)),
            TermState::WithinThreeMonths
        );
        assert_eq!(term_state(ends, ends), TermState::Overdue);
        assert!(TermState::Running.reminder().is_none());
        assert_eq!(TermState::Overdue.reminder().unwrap().0, "overdue");
    }

    #[test]
    fn an_election_has_one_secretary_and_each_member_once() {
        let today = date!(2026 - 12 - 07);
        let entry = |seats: Vec<(&'static str, &'static str)>| ElectionEntry {
            elected_on: "2026-11-20",
            approved_on: "2026-11-30",
            approval_ref: "城组〔2026〕18号",
            seats,
        };
        let ok = parse_election(
            &entry(vec![
                ("1", "secretary"),
                ("2", "organizer"),
                ("", ""),
                ("3", "propaganda"),
            ]),
            OrgType::Branch,
            &[1, 2, 3],
            today,
        )
        .unwrap();
        assert_eq!(ok.term_years, 3);
        assert_eq!(ok.seats.len(), 3);
        let none = parse_election(
            &entry(vec![("2", "organizer")]),
            OrgType::Branch,
            &[2],
            today,
        );
        assert_eq!(none.unwrap_err().get("seats"), "须有一名书记");
        let twice = parse_election(
            &entry(vec![("1", "secretary"), ("1", "organizer")]),
            OrgType::Branch,
            &[1],
            today,
        );
        assert_eq!(
            twice.unwrap_err().get("seats"),
            "同一名党员只能担任一个职务"
        );
        let stranger = parse_election(
            &entry(vec![("9", "secretary")]),
            OrgType::Branch,
            &[1],
            today,
        );
        assert!(stranger.unwrap_err().get("seats").contains("本组织党员"));
        let leader = parse_election(
            &entry(vec![("1", "secretary"), ("2", "group_leader")]),
            OrgType::Branch,
            &[1, 2],
            today,
        );
        assert_eq!(leader.unwrap_err().get("seats"), "请为每位委员选择职务");
        let early = parse_election(
            &ElectionEntry {
                approved_on: "2026-11-01",
                ..entry(vec![("1", "secretary")])
            },
            OrgType::Committee,
            &[1],
            today,
        );
        assert!(early.unwrap_err().get("approved_on").contains("不能早于"));
        let future = parse_election(
            &ElectionEntry {
                elected_on: "2026-12-08",
                approved_on: "",
                ..entry(vec![("1", "secretary")])
            },
            OrgType::Committee,
            &[1],
            today,
        );
        assert_eq!(
            future.unwrap_err().get("elected_on"),
            "选举日期不能晚于今天"
        );
    }
}
