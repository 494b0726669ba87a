//! 党史上的今天: what makes an entry — a day of the year (29 February included), the year
//! it happened, a title, the text and where it comes from.
use super::text::{FieldErrors, required};

pub const TITLE_MAX_CHARS: usize = 60;
pub const BODY_MAX_CHARS: usize = 2000;
pub const SOURCE_MAX_CHARS: usize = 100;
/// The earliest year an entry may name: party history begins with the founders of
/// Marxism (Marx was born in 1818).
pub const FIRST_YEAR: i64 = 1800;

/// What a member typed.
pub struct EntryInput<'a> {
    pub month: &'a str,
    pub day: &'a str,
    pub year: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub source: &'a str,
}

/// An entry that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// "MM-DD"
    pub month_day: String,
    pub year: i64,
    pub title: String,
    pub body: String,
    pub source: String,
}

/// A day of the year as "MM-DD", leap day included.
pub fn month_day(month: &str, day: &str) -> Option<String> {
    let m: u8 = month.trim().parse().ok()?;
    let d: u8 = day.trim().parse().ok()?;
    // 2024 is a leap year: every day of any year exists in it.
    time::Date::from_calendar_date(2024, time::Month::try_from(m).ok()?, d).ok()?;
    Some(format!("{m:02}-{d:02}"))
}

/// Checks an entry; `this_year` is the latest year it may name.
pub fn parse(input: &EntryInput, this_year: i64) -> Result<NewEntry, FieldErrors> {
    let mut errors = FieldErrors::default();
    let md = month_day(input.month, input.day);
    if md.is_none() {
        errors.add("day", "请填写有效的月和日");
    }
    let year = match input.year.trim().parse::<i64>() {
        Ok(y) if (FIRST_YEAR..=this_year).contains(&y) => y,
        _ => {
            errors.add("year", format!("年份应在{FIRST_YEAR}到{this_year}之间"));
            0
        }
    };
    let title = errors.check("title", required(input.title, TITLE_MAX_CHARS));
    let body = errors.check("body", required(input.body, BODY_MAX_CHARS));
    let source = errors.check("source", required(input.source, SOURCE_MAX_CHARS));
    errors.or_value(|| NewEntry {
        month_day: md.unwrap_or_default(),
        year,
        title,
        body,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(month: &'a str, day: &'a str, year: &'a str) -> EntryInput<'a> {
        EntryInput {
            month,
            day,
            year,
            title: "中国共产党成立",
            body: "中国共产党第一次全国代表大会在上海召开。",
            source: "《中国共产党简史》",
        }
    }

    #[test]
    fn any_day_of_any_year_including_the_leap_day() {
        let e = parse(&input("7", "1", "1921"), 2026).unwrap();
        assert_eq!((e.month_day.as_str(), e.year), ("07-01", 1921));
        assert_eq!(month_day("2", "29").as_deref(), Some("02-29"));
        assert_eq!(month_day("2", "30"), None);
        assert_eq!(month_day("13", "1"), None);
    }

    #[test]
    fn each_problem_is_named_at_its_field() {
        let errors = parse(&input("2", "30", "1799"), 2026).unwrap_err();
        assert_eq!(errors.get("day"), "请填写有效的月和日");
        assert_eq!(errors.get("year"), "年份应在1800到2026之间");
        assert!(
            parse(&input("5", "5", "1818"), 2026).is_ok(),
            "Marx's birthday"
        );
        let future = parse(&input("1", "1", "2027"), 2026).unwrap_err();
        assert!(future.has("year"));
        let long = "党".repeat(TITLE_MAX_CHARS + 1);
        let too_long = EntryInput {
            title: &long,
            ..input("1", "1", "1949")
        };
        assert_eq!(
            parse(&too_long, 2026).unwrap_err().get("title"),
            "不能超过60个字"
        );
    }
}
