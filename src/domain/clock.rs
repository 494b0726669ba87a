//! Time in the users' zone. China has used UTC+8 without daylight saving since 1991,
//! so a fixed offset is exact for Asia/Shanghai.
use time::{Date, OffsetDateTime, UtcOffset, macros::format_description};

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

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

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
    }
}
