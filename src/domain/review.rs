//! A reviewer's decision on a submission (a branch's 党建新鲜事 post, a member's 党史上的今天
//! entry): publish it, or return it with a reason.

labelled_enum!(ReviewStatus {
    Pending => "pending", "待审核";
    Approved => "approved", "已发布";
    Returned => "returned", "已退回";
    Withdrawn => "withdrawn", "已撤回";
    TakenDown => "taken_down", "已被撤下";
});

/// Longest reason for returning a submission.
pub const REASON_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub approve: bool,
    pub reason: String,
}

/// Why a review cannot be recorded as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewProblem {
    /// Neither button: a forged or broken form.
    NoDecision,
    /// Returning needs a reason the submitter can act on.
    ReasonMissing,
}

impl ReviewProblem {
    pub fn message(self) -> &'static str {
        match self {
            ReviewProblem::NoDecision => "请选择通过或退回",
            ReviewProblem::ReasonMissing => "退回时请写明原因",
        }
    }
}

impl Review {
    /// The review buttons' `decision` (approve or return) and the reason typed beside them.
    pub fn parse(decision: &str, reason: &str) -> Result<Self, ReviewProblem> {
        let approve = match decision {
            "approve" => true,
            "return" => false,
            _ => return Err(ReviewProblem::NoDecision),
        };
        let reason: String = reason.trim().chars().take(REASON_MAX_CHARS).collect();
        if !approve && reason.is_empty() {
            return Err(ReviewProblem::ReasonMissing);
        }
        Ok(Self { approve, reason })
    }

    pub fn status(&self) -> ReviewStatus {
        if self.approve {
            ReviewStatus::Approved
        } else {
            ReviewStatus::Returned
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returning_needs_a_reason_approving_does_not() {
        assert_eq!(
            Review::parse("return", "  "),
            Err(ReviewProblem::ReasonMissing)
        );
        assert_eq!(Review::parse("", "x"), Err(ReviewProblem::NoDecision));
        let approved = Review::parse("approve", "").unwrap();
        assert_eq!(approved.status(), ReviewStatus::Approved);
        let returned = Review::parse("return", " 照片不清楚 ").unwrap();
        assert_eq!(returned.reason, "照片不清楚");
        assert_eq!(returned.status(), ReviewStatus::Returned);
    }

    #[test]
    fn a_long_reason_is_cut_to_the_limit() {
        let long = "字".repeat(REASON_MAX_CHARS + 50);
        let r = Review::parse("return", &long).unwrap();
        assert_eq!(r.reason.chars().count(), REASON_MAX_CHARS);
    }
}
