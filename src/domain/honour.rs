//! 两优一先 and other honours: the county or a town opens a selection with quotas for the
//! organizations directly below it; branches nominate with their reasons until a day; the
//! organizations above the branch review and may return a nomination; the organizer publishes
//! the list for 公示, reads the objections (异议), and once 公示 is over awards the honours.
use super::clock::format_date;
use super::text::{FieldErrors, required};
use time::{Date, Duration};

labelled_enum!(Category {
    Member => "member", "优秀共产党员";
    Worker => "worker", "优秀党务工作者";
    Organization => "org", "先进基层党组织";
});

impl Category {
    /// An organization is honoured, not a member.
    pub fn is_org(self) -> bool {
        self == Category::Organization
    }
}

labelled_enum!(Status {
    Submitted => "submitted", "待审核";
    Approved => "approved", "审核通过";
    Returned => "returned", "已退回";
    Withdrawn => "withdrawn", "公示后撤销";
});

labelled_enum!(Phase {
    Nominating => "nominating", "推荐中";
    Reviewing => "reviewing", "审核中";
    Publicity => "publicity", "公示中";
    Closing => "closing", "公示期满待表彰";
    Awarded => "awarded", "已表彰";
});

pub const TITLE_MAX_CHARS: usize = 60;
pub const REASON_MAX_CHARS: usize = 500;
pub const OBJECTION_MAX_CHARS: usize = 500;
pub const NOTE_MAX_CHARS: usize = 200;
/// 公示 lasts at least five days; a county seldom gives more than a month.
pub const PUBLICITY_DAYS: (i64, i64) = (5, 30);
pub const QUOTA_MAX: i64 = 99;

/// Where a selection stands on `today`.
pub fn phase(
    nominate_until: Date,
    published_on: Option<Date>,
    publicity_days: i64,
    awarded: bool,
    today: Date,
) -> Phase {
    match (awarded, published_on) {
        (true, _) => Phase::Awarded,
        (false, Some(p)) if today < publicity_ends(p, publicity_days) => Phase::Publicity,
        (false, Some(_)) => Phase::Closing,
        (false, None) if today <= nominate_until => Phase::Nominating,
        (false, None) => Phase::Reviewing,
    }
}

/// The first day after 公示: published on the 1st for 7 days, it ends on the 8th.
pub fn publicity_ends(published_on: Date, days: i64) -> Date {
    published_on + Duration::days(days)
}

/// "2027-06-20至2027-06-26".
pub fn publicity_text(published_on: Date, days: i64) -> String {
    format!(
        "{}至{}",
        format_date(published_on),
        format_date(publicity_ends(published_on, days) - Duration::days(1))
    )
}

/// A selection as its form says it; `quotas` are (organization, category, typed number) for
/// the organizations directly below the organizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub title: String,
    pub year: i32,
    pub nominate_until: Date,
    pub publicity_days: i64,
    pub quotas: Vec<(i64, Category, i64)>,
}

pub struct SelectionEntry<'a> {
    pub title: &'a str,
    pub year: &'a str,
    pub nominate_until: &'a str,
    pub publicity_days: &'a str,
    pub quotas: Vec<(i64, Category, &'a str)>,
}

/// Checks a selection: a title, this year or the last, nominations open until a day to come,
/// 公示 of 5–30 days, and quotas of 0–99 with at least one place in all.
pub fn parse_selection(e: &SelectionEntry, today: Date) -> Result<Selection, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        required(e.title, TITLE_MAX_CHARS).map_err(|m| format!("评选名称：{m}")),
    );
    let year = e
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (today.year() - 1..=today.year()).contains(y));
    if year.is_none() {
        errors.add(
            "year",
            format!("表彰年度应为{}或{}年", today.year() - 1, today.year()),
        );
    }
    let until = super::clock::parse_date(e.nominate_until.trim());
    match until {
        None => errors.add("nominate_until", "请填写推荐截止日期，如 2027-06-10"),
        Some(d) if d < today => errors.add("nominate_until", "推荐截止日期不能早于今天"),
        _ => {}
    }
    let days = e
        .publicity_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (PUBLICITY_DAYS.0..=PUBLICITY_DAYS.1).contains(d));
    if days.is_none() {
        errors.add(
            "publicity_days",
            format!("公示期应为{}至{}天", PUBLICITY_DAYS.0, PUBLICITY_DAYS.1),
        );
    }
    let mut quotas = Vec::new();
    for (org, category, typed) in &e.quotas {
        match typed.trim() {
            "" => {}
            t => match t
                .parse::<i64>()
                .ok()
                .filter(|q| (0..=QUOTA_MAX).contains(q))
            {
                Some(q) if q > 0 => quotas.push((*org, *category, q)),
                Some(_) => {}
                None => errors.add("quotas", format!("名额应为0到{QUOTA_MAX}之间的整数")),
            },
        }
    }
    if quotas.is_empty() && !errors.has("quotas") {
        errors.add("quotas", "请至少为一个下级组织分配名额");
    }
    match (year, until, days) {
        (Some(year), Some(nominate_until), Some(publicity_days)) if errors.is_empty() => {
            Ok(Selection {
                title,
                year,
                nominate_until,
                publicity_days,
                quotas,
            })
        }
        _ => Err(errors),
    }
}

/// A nomination's reasons (事迹): required, within their length.
pub fn parse_reason(value: &str) -> Result<String, String> {
    required(value, REASON_MAX_CHARS).map_err(|m| format!("推荐理由：{m}"))
}

/// Whether one more may be approved against a quota.
pub fn within_quota(approved: i64, quota: i64) -> Result<(), String> {
    if approved < quota {
        Ok(())
    } else {
        Err(format!("名额已满：分配{quota}名，已审核通过{approved}名"))
    }
}

/// The badge an honour earns, so that it is awarded once per selection and category.
pub fn badge_key(selection: i64, category: Category) -> String {
    format!("honour:{selection}:{}", category.code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_selection_moves_from_nominations_through_publicity_to_awards() {
        let until = date!(2027 - 06 - 10);
        let p = |published: Option<Date>, awarded: bool, today: Date| {
            phase(until, published, 7, awarded, today)
        };
        assert_eq!(p(None, false, date!(2027 - 06 - 10)), Phase::Nominating);
        assert_eq!(p(None, false, date!(2027 - 06 - 11)), Phase::Reviewing);
        let published = Some(date!(2027 - 06 - 20));
        assert_eq!(p(published, false, date!(2027 - 06 - 26)), Phase::Publicity);
        assert_eq!(p(published, false, date!(2027 - 06 - 27)), Phase::Closing);
        assert_eq!(p(published, true, date!(2027 - 06 - 27)), Phase::Awarded);
        assert_eq!(
            publicity_text(date!(2027 - 06 - 20), 7),
            "2027-06-20至2027-06-26"
        );
        // Over a year's end and a leap day.
        assert_eq!(
            publicity_ends(date!(2027 - 12 - 28), 7),
            date!(2028 - 01 - 04)
        );
        assert_eq!(
            publicity_ends(date!(2028 - 02 - 25), 5),
            date!(2028 - 03 - 01)
        );
    }

    #[test]
    fn a_selection_needs_its_title_a_day_to_come_publicity_and_places() {
        let today = date!(2026 - 12 - 07);
        let ok = SelectionEntry {
            title: "2026年度两优一先评选",
            year: "2026",
            nominate_until: "2026-12-20",
            publicity_days: "7",
            quotas: vec![(5, Category::Member, "3"), (6, Category::Member, "0")],
        };
        let s = parse_selection(&ok, today).unwrap();
        assert_eq!(s.quotas, vec![(5, Category::Member, 3)]);
        let bad = SelectionEntry {
            title: "",
            year: "2024",
            nominate_until: "2026-12-06",
            publicity_days: "3",
            quotas: vec![(5, Category::Member, "两")],
        };
        let e = parse_selection(&bad, today).unwrap_err();
        for f in [
            "title",
            "year",
            "nominate_until",
            "publicity_days",
            "quotas",
        ] {
            assert!(e.has(f), "{f}");
        }
        let none = SelectionEntry {
            quotas: vec![(5, Category::Member, "0")],
            ..ok
        };
        assert_eq!(
            parse_selection(&none, today).unwrap_err().get("quotas"),
            "请至少为一个下级组织分配名额"
        );
    }

    #[test]
    fn a_quota_holds_as_many_as_it_allows() {
        assert!(within_quota(2, 3).is_ok());
        assert_eq!(
            within_quota(3, 3).unwrap_err(),
            "名额已满：分配3名，已审核通过3名"
        );
        assert!(within_quota(0, 0).is_err());
    }
}
