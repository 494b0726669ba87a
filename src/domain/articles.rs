//! 理论自习室: what makes an article (its text fields and when it is published) and when a
//! read counts.
use super::clock::{parse_date, parse_time, shanghai_epoch};
use super::text::{FieldErrors, optional, required};

pub const TITLE_MAX_CHARS: usize = 100;
pub const SOURCE_MAX_CHARS: usize = 60;
pub const AUTHOR_MAX_CHARS: usize = 40;
pub const COLUMN_MAX_CHARS: usize = 20;
pub const TAGS_MAX_CHARS: usize = 60;
pub const BODY_MAX_CHARS: usize = 50_000;
/// Most pictures in one article's text.
pub const MAX_IMAGES: usize = 20;
/// The column a new article starts in.
pub const DEFAULT_COLUMN: &str = "理论学习";

/// What an editor typed.
pub struct ArticleInput<'a> {
    pub title: &'a str,
    pub source: &'a str,
    pub author: &'a str,
    pub column_name: &'a str,
    pub tags: &'a str,
    pub body: &'a str,
    /// `YYYY-MM-DD`, empty for now.
    pub publish_date: &'a str,
    /// `HH:MM`, empty for midnight.
    pub publish_time: &'a str,
}

/// An article's text that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleText {
    pub title: String,
    pub source: String,
    pub author: String,
    pub column_name: String,
    pub tags: String,
    pub body: String,
    pub publish_at: i64,
}

/// When an article goes out: now when no date is given, else that Shanghai date and time.
fn publish_at(date: &str, time: &str, now: i64) -> Result<i64, &'static str> {
    let bad = "发布时间格式如 2026-12-01 08:00";
    match (date.trim(), time.trim()) {
        ("", _) => Ok(now),
        (d, t) => {
            let day = parse_date(d).ok_or(bad)?;
            let at = match t {
                "" => time::Time::MIDNIGHT,
                t => parse_time(t).ok_or(bad)?,
            };
            Ok(shanghai_epoch(day, at))
        }
    }
}

pub fn parse(input: &ArticleInput, now: i64) -> Result<ArticleText, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = errors.check("title", required(input.title, TITLE_MAX_CHARS));
    let source = errors.check("source", required(input.source, SOURCE_MAX_CHARS));
    let author = errors.check("author", optional(input.author, AUTHOR_MAX_CHARS));
    let column_name = errors.check("column_name", required(input.column_name, COLUMN_MAX_CHARS));
    let tags = errors.check("tags", optional(input.tags, TAGS_MAX_CHARS));
    let body = errors.check("body", required(input.body, BODY_MAX_CHARS));
    let publish_at = errors.check(
        "publish_date",
        publish_at(input.publish_date, input.publish_time, now),
    );
    errors.or_value(|| ArticleText {
        title,
        source,
        author,
        column_name,
        tags,
        body,
        publish_at,
    })
}

/// Readers see an article from its publish time on; its editors see it before.
pub fn is_published(publish_at: i64, now: i64) -> bool {
    publish_at <= now
}

/// A read counts when "读完了" comes at least the minimum time after the page first opened.
pub fn read_long_enough(started_at: i64, now: i64, min_seconds: i64) -> bool {
    now - started_at >= min_seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(date: &'a str, time: &'a str) -> ArticleInput<'a> {
        ArticleInput {
            title: "学习党章",
            source: "党建读物",
            author: "",
            column_name: DEFAULT_COLUMN,
            tags: "",
            body: "正文",
            publish_date: date,
            publish_time: time,
        }
    }

    #[test]
    fn published_now_or_at_a_shanghai_time() {
        let now = 1_800_000_000;
        assert_eq!(parse(&input("", ""), now).unwrap().publish_at, now);
        // 2024-03-01 00:00 in Shanghai is 2024-02-29 16:00 UTC.
        let leap = parse(&input("2024-03-01", ""), now).unwrap();
        assert_eq!(leap.publish_at, 1_709_222_400);
        let eight = parse(&input("2024-03-01", "08:00"), now).unwrap();
        assert_eq!(eight.publish_at, 1_709_222_400 + 8 * 3600);
        let bad = parse(&input("2024-02-30", ""), now).unwrap_err();
        assert_eq!(bad.get("publish_date"), "发布时间格式如 2026-12-01 08:00");
        assert!(parse(&input("2024-03-01", "8点"), now).is_err());
    }

    #[test]
    fn reads_count_after_the_minimum_time() {
        assert!(!read_long_enough(100, 129, 30));
        assert!(read_long_enough(100, 130, 30));
        assert!(is_published(100, 100));
        assert!(!is_published(101, 100));
    }
}
