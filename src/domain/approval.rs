//! Two people for a sensitive export: one asks, another with the right to see the same data
//! approves, and the approval is good for one download within a day.

/// How long an approval can be used.
pub const VALID_SECONDS: i64 = 86_400;

/// Where a request stands, for whoever reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Refused,
    /// Approved, not used, and still in its day.
    Usable,
    Used,
    Lapsed,
}

impl State {
    pub fn of(decided_at: Option<i64>, approved: bool, used_at: Option<i64>, now: i64) -> Self {
        match (decided_at, approved, used_at) {
            (None, _, _) => State::Pending,
            (Some(_), false, _) => State::Refused,
            (Some(_), true, Some(_)) => State::Used,
            (Some(at), true, None) if now - at <= VALID_SECONDS => State::Usable,
            (Some(_), true, None) => State::Lapsed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "待批准",
            State::Refused => "未批准",
            State::Usable => "已批准，可下载一次",
            State::Used => "已下载",
            State::Lapsed => "已过期",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_is_good_once_for_a_day() {
        let at = 1_800_000_000;
        assert_eq!(State::of(None, false, None, at), State::Pending);
        assert_eq!(State::of(Some(at), false, None, at), State::Refused);
        assert_eq!(
            State::of(Some(at), true, None, at + VALID_SECONDS),
            State::Usable
        );
        assert_eq!(
            State::of(Some(at), true, None, at + VALID_SECONDS + 1),
            State::Lapsed
        );
        assert_eq!(
            State::of(Some(at), true, Some(at + 5), at + 10),
            State::Used
        );
    }
}
