//! Long lists a page at a time: the page asked for (`?page=`) read the same way everywhere.

/// Far beyond any list the platform shows (a county's 13,000 members are 650 pages of 20);
/// a bigger number is read as this one, so an offset can never overflow.
pub const MAX_PAGE: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: i64,
    pub size: i64,
}

impl Paging {
    /// `?page=` as sent: a whole number from 1. Empty, zero, negative or not a number is the
    /// first page; a number past `MAX_PAGE` (however long) is `MAX_PAGE`, which the list then
    /// brings back to its last page (`past_end`).
    pub fn parse(raw: &str, size: i64) -> Self {
        let raw = raw.trim();
        let page = match raw.parse::<i64>() {
            Ok(n) => n.clamp(1, MAX_PAGE),
            Err(_) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => MAX_PAGE,
            Err(_) => 1,
        };
        Paging {
            page,
            size: size.max(1),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.size
    }

    /// How many pages `total` rows fill (at least one, empty).
    pub fn pages(&self, total: i64) -> i64 {
        ((total.max(0) + self.size - 1) / self.size).max(1)
    }

    /// The last page, when this one lies past it (an old link after rows went away).
    pub fn past_end(&self, total: i64) -> Option<Paging> {
        let last = self.pages(total);
        (self.page > last).then_some(Paging {
            page: last,
            ..*self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_page_number_reads_as_a_page_that_exists() {
        let p = |raw: &str| Paging::parse(raw, 20).page;
        assert_eq!(p(""), 1);
        assert_eq!(p("3"), 3);
        assert_eq!(p(" 3 "), 3);
        assert_eq!(p("0"), 1);
        assert_eq!(p("-5"), 1);
        assert_eq!(p("abc"), 1);
        assert_eq!(p("1e3"), 1);
        assert_eq!(p("9223372036854775807"), MAX_PAGE);
        assert_eq!(p("99999999999999999999999"), MAX_PAGE);
        let far = Paging::parse("9223372036854775807", 50);
        assert_eq!(far.offset(), (MAX_PAGE - 1) * 50);
        assert_eq!(far.past_end(120), Some(Paging { page: 3, size: 50 }));
        assert_eq!(far.past_end(0), Some(Paging { page: 1, size: 50 }));
        assert_eq!(Paging::parse("2", 50).past_end(120), None);
        assert_eq!(Paging::parse("1", 50).pages(0), 1);
        assert_eq!(Paging::parse("1", 50).pages(100), 2);
        assert_eq!(Paging::parse("1", 50).pages(101), 3);
    }
}
