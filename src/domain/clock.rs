//! Time in the users' zone. China has used UTC+8 without daylight saving since 1991,
//! so a fixed offset is exact for Asia/Shanghai.
use time::{Date, OffsetDateTime, Time, UtcOffset, macros::format_description};

pub const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

pub fn now_epoch() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn local(epoch: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(epoch)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(SHANGHAI)
}

/// Today in Shanghai.
pub fn today() -> Date {
    local_date(now_epoch())
}

/// The calendar date in Shanghai for an instant.
pub fn local_date(epoch: i64) -> Date {
    local(epoch).date()
}

/// `2026-11-27 09:05` in Shanghai time.
pub fn format_minute(epoch: i64) -> String {
    local(epoch)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default()
}

/// `2026-11-27 09:05:07` in Shanghai time (the audit log's export).
pub fn format_second(epoch: i64) -> String {
    local(epoch)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// The same day `months` calendar months later (or earlier), or the month's last day when it
/// has no such day: 31 January + 1 month is 28 (or 29) February, 29 February + 12 is 28
/// February.
pub fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + i32::from(date.month() as u8) - 1 + months;
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// Whole years from `from` to `on` (an age, years in the party): one born on 29 February
/// has a year more on 1 March of a common year.
pub fn full_years(from: Date, on: Date) -> i32 {
    let before = (on.month() as u8, on.day()) < (from.month() as u8, from.day());
    on.year() - from.year() - i32::from(before)
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The first and last days the platform takes from anyone (a form, a link, a spreadsheet):
/// every period, span and step around them is a day the calendar can hold, so that
/// `9999-12-31` or `-9999-01-01` is refused instead of overflowing the year after.
pub const FIRST_DAY: Date = time::macros::date!(1900 - 01 - 01);
pub const LAST_DAY: Date = time::macros::date!(2999 - 12 - 31);

fn supported(d: Date) -> Option<Date> {
    (FIRST_DAY..=LAST_DAY).contains(&d).then_some(d)
}

/// Parses `YYYY-MM-DD` (a day between `FIRST_DAY` and `LAST_DAY`).
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(supported)
}

/// A date as people write it in a register: `2019-07-01`, `2019.7.1`, `2019/7/1`,
/// `2019年7月1日` or `20190701`; an Excel day number (`43647`, a date cell whose format was
/// lost) counts too.
pub fn parse_written_date(s: &str) -> Option<Date> {
    let s = s.trim().trim_end_matches('日');
    if let Ok(serial) = s.parse::<u32>() {
        let day = match serial {
            // 1900-01-01 to 2173: an Excel day number; eight digits: YYYYMMDD.
            1..=99_999 => time::macros::date!(1899 - 12 - 30)
                .checked_add(time::Duration::days(i64::from(serial))),
            10_000_000..=99_999_999 => Date::from_calendar_date(
                (serial / 10_000) as i32,
                time::Month::try_from((serial / 100 % 100) as u8).ok()?,
                (serial % 100) as u8,
            )
            .ok(),
            _ => None,
        };
        return day.and_then(supported);
    }
    let mut parts = s.split(['-', '.', '/', '年', '月']);
    let year: i32 = parts.next()?.trim().parse().ok()?;
    let month: u8 = parts.next()?.trim().parse().ok()?;
    let day: u8 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !(1900..=2999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Parses `HH:MM` (24-hour).
pub fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// The instant of a Shanghai wall-clock date and time.
pub fn shanghai_epoch(date: Date, time: Time) -> i64 {
    date.with_time(time)
        .assume_offset(SHANGHAI)
        .unix_timestamp()
}

/// The instant a Shanghai day begins.
pub fn day_start(date: Date) -> i64 {
    shanghai_epoch(date, Time::MIDNIGHT)
}

/// A day of the year as "MM-DD" (29 February included), from a date.
pub fn month_day(date: Date) -> String {
    format!("{:02}-{:02}", date.month() as u8, date.day())
}

/// "MM-DD" as a date in a leap year, so that every day of any year has one; None if no such day.
fn in_leap_year(md: &str) -> Option<Date> {
    let (m, d) = md.split_once('-')?;
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(2024, month, d.parse().ok()?).ok()
}

/// The day of the year `offset` days from "MM-DD", round the year (12-31 → 01-01).
pub fn shift_month_day(md: &str, offset: i64) -> Option<String> {
    let d = in_leap_year(md)?;
    let shifted = d + time::Duration::days(offset);
    let wrapped = match shifted.year() {
        2023 => shifted + time::Duration::days(366),
        2025 => shifted - time::Duration::days(366),
        _ => shifted,
    };
    Some(month_day(wrapped))
}

/// "11月28日"
pub fn month_day_label(md: &str) -> Option<String> {
    let d = in_leap_year(md)?;
    Some(format!("{}月{}日", d.month() as u8, d.day()))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[test]
    fn full_years_count_birthdays_passed() {
        assert_eq!(
            super::full_years(date!(1990 - 06 - 15), date!(2026 - 06 - 14)),
            35
        );
        assert_eq!(
            super::full_years(date!(1990 - 06 - 15), date!(2026 - 06 - 15)),
            36
        );
        assert_eq!(
            super::full_years(date!(2000 - 02 - 29), date!(2026 - 02 - 28)),
            25
        );
        assert_eq!(
            super::full_years(date!(2000 - 02 - 29), date!(2026 - 03 - 01)),
            26
        );
        assert_eq!(
            super::full_years(date!(2000 - 02 - 29), date!(2028 - 02 - 29)),
            28
        );
    }

    #[test]
    fn months_later_keep_the_day_or_take_the_month_s_last() {
        use time::macros::date;
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 30), 3), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 03 - 31), -1), date!(2026 - 02 - 28));
        assert_eq!(
            add_months(date!(2026 - 01 - 15), -13),
            date!(2024 - 12 - 15)
        );
        assert_eq!(
            add_months(date!(2008 - 12 - 07), 18 * 12),
            date!(2026 - 12 - 07)
        );
    }
    use super::*;

    #[test]
    fn dates_as_registers_write_them() {
        let july = time::macros::date!(2019 - 07 - 01);
        for written in [
            "2019-07-01",
            "2019.7.1",
            "2019/7/1",
            "2019年7月1日",
            " 2019年07月01日 ",
            "20190701",
            "43647",
        ] {
            assert_eq!(parse_written_date(written), Some(july), "{written}");
        }
        assert_eq!(
            parse_written_date("2024.2.29"),
            Some(time::macros::date!(2024 - 02 - 29))
        );
        for bad in [
            "2023.2.29",
            "2019.13.1",
            "7/1/2019",
            "2019-07",
            "",
            "去年",
            "1.5",
        ] {
            assert_eq!(parse_written_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn shanghai_midnight_is_previous_utc_day() {
        // 2026-12-31 16:00 UTC is 2027-01-01 00:00 in Shanghai.
        let epoch = time::macros::datetime!(2026-12-31 16:00 UTC).unix_timestamp();
        assert_eq!(local_date(epoch), date!(2027 - 01 - 01));
        assert_eq!(local_date(epoch - 1), date!(2026 - 12 - 31));
        assert_eq!(format_minute(epoch), "2027-01-01 00:00");
    }

    #[test]
    fn parses_dates_including_leap_day() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date(" 2026-01-05 "), Some(date!(2026 - 01 - 05)));
        assert_eq!(parse_date("2026/01/05"), None);
        assert_eq!(parse_date("9999-12-31"), None);
        assert_eq!(parse_date("-9999-01-01"), None);
        assert_eq!(parse_date("1899-12-31"), None);
        assert_eq!(parse_date("2999-12-31"), Some(LAST_DAY));
        assert_eq!(parse_written_date("99991231"), None);
        assert_eq!(parse_time(" 9:05 "), Time::from_hms(9, 5, 0).ok());
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("0900"), None);
        // Midnight in Shanghai is 16:00 UTC the day before.
        assert_eq!(day_start(date!(2024 - 03 - 01)), 1_709_222_400);
        assert_eq!(
            shanghai_epoch(date!(2024 - 02 - 29), Time::from_hms(8, 0, 0).unwrap()),
            1_709_164_800
        );
    }

    #[test]
    fn days_of_the_year_wrap_and_keep_the_leap_day() {
        assert_eq!(shift_month_day("12-31", 1).as_deref(), Some("01-01"));
        assert_eq!(shift_month_day("01-01", -1).as_deref(), Some("12-31"));
        assert_eq!(shift_month_day("02-28", 1).as_deref(), Some("02-29"));
        assert_eq!(shift_month_day("02-29", 1).as_deref(), Some("03-01"));
        assert_eq!(shift_month_day("02-30", 1), None);
        assert_eq!(month_day_label("07-01").as_deref(), Some("7月1日"));
        assert_eq!(month_day(time::macros::date!(2027 - 02 - 28)), "02-28");
    }
}
