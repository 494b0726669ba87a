//! Small input rules shared by every form, and the messages a form shows beside its fields.

/// Messages keyed by field name, shown beside the field: the first problem found for each
/// field, in the order the rules found them. What every `parse` of user input returns.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// One message at one field (a refusal the database gave, say).
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push((field, message.into()));
        }
    }
    pub fn get(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// (field, message), in the order found.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }
    /// Keeps the value when valid; records the message and returns a default when not.
    pub fn check<T: Default, E: Into<String>>(
        &mut self,
        field: &'static str,
        r: Result<T, E>,
    ) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.add(field, e);
                T::default()
            }
        }
    }
    /// `value` when no problem was found, else the problems.
    pub fn or_value<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// Longest name of a person (a member, an account).
pub const PERSON_NAME_MAX_CHARS: usize = 30;
/// Longest text a search box takes.
pub const SEARCH_MAX_CHARS: usize = 50;

/// Where to go after signing in: only a path of this site. Browsers drop tabs and newlines
/// inside a URL and read `\\` as `/`, so `/<TAB>/evil.example` or `/\\evil.example` would
/// leave the site; anything with a control character, a backslash or a second leading
/// slash (also once percent-decoded) is refused, and so is anything long.
pub fn same_site_path(next: &str) -> Option<&str> {
    fn plain(p: &str) -> bool {
        p.starts_with('/')
            && !p[1..].starts_with(['/', '\\'])
            && !p.chars().any(|c| c.is_control() || c == '\\')
    }
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8_lossy();
    (next.len() <= 2000 && plain(next) && plain(&decoded)).then_some(next)
}

/// What was typed in a search box, trimmed, at most as long as a search box takes.
pub fn search(value: &str) -> String {
    value.trim().chars().take(SEARCH_MAX_CHARS).collect()
}

/// Trims and checks a required field's length in characters.
pub fn required(value: &str, max_chars: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("此项必填".into());
    }
    optional(v, max_chars)
}

pub fn optional(value: &str, max_chars: usize) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > max_chars {
        return Err(format!("不能超过{max_chars}个字"));
    }
    Ok(v.to_string())
}

/// A day that has come (`YYYY-MM-DD`, today at the latest) and, when `earliest` is given (the
/// day and what it is), not before it; the messages name the field as `what`.
pub fn past_date(
    value: &str,
    what: &str,
    earliest: Option<(time::Date, &str)>,
    today: time::Date,
) -> Result<time::Date, String> {
    let value = value.trim();
    match super::clock::parse_date(value) {
        None if value.is_empty() => Err(format!("请填写{what}")),
        None => Err(format!("{what}格式如 2026-03-08")),
        Some(d) if d > today => Err(format!("{what}不能晚于今天")),
        Some(d) => match earliest {
            Some((first, name)) if d < first => Err(format!(
                "{what}不能早于{name}{}",
                super::clock::format_date(first)
            )),
            _ => Ok(d),
        },
    }
}

/// Mainland mobile numbers: 11 digits starting with 1.
pub fn phone(value: &str) -> Result<String, &'static str> {
    let v: String = value
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if v.len() == 11 && v.starts_with('1') && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err("请输入11位手机号")
    }
}

/// `138****5678`
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sites_paths_are_gone_to_after_signing_in() {
        for ok in ["/", "/checkin/12?t=abc", "/members/3#x", "/a%20b"] {
            assert_eq!(same_site_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "//evil.example/x",
            "/\t/evil.example/x",
            "/\\evil.example",
            "/x\\y",
            "https://evil.example",
            "evil.example",
            "/%2F/evil.example",
            "/%5Cevil",
            "/%09/evil.example",
            "/a\nSet-Cookie: x=1",
            "/a\rb",
            "/a\0b",
            "/%0d%0a",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
        }
        assert_eq!(same_site_path(&format!("/{}", "a".repeat(3000))), None);
    }

    #[test]
    fn past_dates_are_today_at_the_latest_and_not_before_their_start() {
        use time::macros::date;
        let today = date!(2026 - 12 - 07);
        assert_eq!(
            past_date(" 2026-12-07 ", "回执日期", None, today),
            Ok(today)
        );
        assert_eq!(
            past_date("", "回执日期", None, today).unwrap_err(),
            "请填写回执日期"
        );
        assert_eq!(
            past_date("2026-13-01", "回执日期", None, today).unwrap_err(),
            "回执日期格式如 2026-03-08"
        );
        assert_eq!(
            past_date("2026-12-08", "回执日期", None, today).unwrap_err(),
            "回执日期不能晚于今天"
        );
        let issued = Some((date!(2026 - 11 - 30), "开具日期"));
        assert_eq!(
            past_date("2026-11-29", "回执日期", issued, today).unwrap_err(),
            "回执日期不能早于开具日期2026-11-30"
        );
        assert_eq!(
            past_date("2026-11-30", "回执日期", issued, today),
            Ok(date!(2026 - 11 - 30))
        );
    }

    #[test]
    fn phones() {
        assert_eq!(phone(" 138 1234-5678"), Ok("13812345678".into()));
        assert!(phone("23812345678").is_err());
        assert!(phone("1381234567").is_err());
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert_eq!(required("  党建  ", 2), Ok("党建".into()));
        assert!(required("党建云", 2).is_err());
        assert_eq!(required("   ", 5), Err("此项必填".into()));
        assert_eq!(optional("", 5), Ok(String::new()));
    }
}
