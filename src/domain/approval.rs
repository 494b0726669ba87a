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

/// Who may decide a request over `roots`, to be told of it: every account but the
/// requester's whose grants of the right (`grants`: account, subtree path) take in every root.
pub fn approvers(grants: &[(i64, String)], roots: &[&str], requester: i64) -> Vec<i64> {
    let mut out: Vec<i64> = grants
        .iter()
        .map(|(user, _)| *user)
        .filter(|user| *user != requester)
        .filter(|user| {
            !roots.is_empty()
                && roots.iter().all(|root| {
                    grants
                        .iter()
                        .any(|(u, path)| u == user && super::org::is_in_subtree(root, path))
                })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_see_every_root_and_are_not_the_requester() {
        let grants = vec![
            (1, "/1/".to_string()),
            (2, "/1/2/".to_string()),
            (3, "/1/2/".to_string()),
            (3, "/1/5/".to_string()),
            (4, "/1/5/".to_string()),
        ];
        assert_eq!(approvers(&grants, &["/1/2/7/", "/1/5/"], 9), vec![1, 3]);
        assert_eq!(approvers(&grants, &["/1/2/7/", "/1/5/"], 1), vec![3]);
        assert_eq!(approvers(&grants, &["/1/5/"], 4), vec![1, 3]);
        assert!(approvers(&grants, &[], 9).is_empty());
    }

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
