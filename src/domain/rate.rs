//! How often one account, or one client address, may sign in, check in, answer or upload:
//! a count per minute, and how long to wait when it is used up.
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Login,
    CheckIn,
    Answer,
    Upload,
}

/// The counting window, in seconds.
pub const WINDOW: i64 = 60;

impl Action {
    /// Tries per window for one account, and for one address (a village's members may share
    /// one address, so it is the larger).
    pub fn limits(self) -> (u32, u32) {
        match self {
            Action::Login => (10, 120),
            Action::CheckIn => (10, 600),
            Action::Answer => (30, 600),
            Action::Upload => (30, 120),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Login => "登录",
            Action::CheckIn => "签到",
            Action::Answer => "答题",
            Action::Upload => "上传",
        }
    }
}

/// Who is counted: an account (its id, or the phone a login names) or a client address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Account(String),
    Address(String),
}

/// The windows under way. Old ones are dropped as new ones come, so it holds at most the
/// accounts and addresses of the last minute.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: HashMap<(Action, Who), (i64, u32)>,
    pruned_at: i64,
}

impl Limiter {
    /// Counts one try at `now`; `Err(seconds)` to wait when the window's tries are used up
    /// (the refused try is not counted).
    pub fn hit(&mut self, action: Action, who: Who, now: i64) -> Result<(), i64> {
        if now - self.pruned_at >= WINDOW {
            self.windows.retain(|_, (start, _)| now - *start < WINDOW);
            self.pruned_at = now;
        }
        let (per_account, per_address) = action.limits();
        let limit = match who {
            Who::Account(_) => per_account,
            Who::Address(_) => per_address,
        };
        let window = self.windows.entry((action, who)).or_insert((now, 0));
        if now - window.0 >= WINDOW {
            *window = (now, 0);
        }
        if window.1 >= limit {
            return Err((window.0 + WINDOW - now).max(1));
        }
        window.1 += 1;
        Ok(())
    }
}

/// What a user reads when a limit is reached.
pub fn message(action: Action, wait: i64) -> String {
    format!("{}太频繁，请{}秒后再试", action.label(), wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(s: &str) -> Who {
        Who::Account(s.into())
    }

    #[test]
    fn an_account_gets_its_tries_per_minute_then_waits() {
        let mut l = Limiter::default();
        let t = 1_800_000_000;
        for _ in 0..10 {
            assert_eq!(l.hit(Action::Login, account("13800000001"), t), Ok(()));
        }
        assert_eq!(
            l.hit(Action::Login, account("13800000001"), t + 15),
            Err(45)
        );
        // Others, and other actions, are counted apart.
        assert_eq!(l.hit(Action::Login, account("13800000002"), t + 15), Ok(()));
        assert_eq!(
            l.hit(Action::CheckIn, account("13800000001"), t + 15),
            Ok(())
        );
        // A minute on, a new window.
        assert_eq!(l.hit(Action::Login, account("13800000001"), t + 60), Ok(()));
        assert_eq!(message(Action::Login, 45), "登录太频繁，请45秒后再试");
    }

    #[test]
    fn an_address_has_the_larger_allowance_and_old_windows_go() {
        let mut l = Limiter::default();
        let t = 1_800_000_000;
        let here = || Who::Address("203.0.113.9".into());
        for _ in 0..120 {
            assert!(l.hit(Action::Upload, here(), t).is_ok());
        }
        assert_eq!(l.hit(Action::Upload, here(), t + 59), Err(1));
        for i in 0..50 {
            let _ = l.hit(Action::Answer, account(&i.to_string()), t);
        }
        let _ = l.hit(Action::Answer, account("late"), t + 61);
        assert_eq!(l.windows.len(), 1, "the old windows were dropped");
    }
}
