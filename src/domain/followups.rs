//! 督促: a superior's point-to-point follow-up of an organization that falls behind — what
//! it is about, the message, and its state as the sender sees it.
use super::text::{FieldErrors, required};

labelled_enum!(Topic {
    Overdue => "overdue", "组织生活逾期";
    Study => "study", "学习参与率低";
    Records => "records", "组织生活记录不规范";
    Other => "other", "其他";
});

pub const MESSAGE_MAX_CHARS: usize = 300;
pub const ANSWER_MAX_CHARS: usize = 300;

/// A follow-up that passed the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowup {
    pub topic: Topic,
    pub message: String,
}

pub fn parse(topic: &str, message: &str) -> Result<NewFollowup, FieldErrors> {
    let mut errors = FieldErrors::default();
    let topic = Topic::from_code(topic.trim());
    if topic.is_none() {
        errors.add("topic", "请选择督促事项");
    }
    let message = errors.check("message", required(message, MESSAGE_MAX_CHARS));
    match topic {
        Some(topic) if errors.is_empty() => Ok(NewFollowup { topic, message }),
        _ => Err(errors),
    }
}

/// Where a follow-up stands, as its sender sees it.
pub fn state_label(read: bool, answered: bool) -> &'static str {
    match (read, answered) {
        (_, true) => "已回复",
        (true, false) => "已读",
        (false, false) => "未读",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_says_what_it_is_about() {
        let f = parse("overdue", "  请尽快补开支部委员会 ").unwrap();
        assert_eq!(
            (f.topic, f.message.as_str()),
            (Topic::Overdue, "请尽快补开支部委员会")
        );
        let e = parse("", "").unwrap_err();
        assert_eq!(e.get("topic"), "请选择督促事项");
        assert_eq!(e.get("message"), "此项必填");
        assert_eq!(state_label(true, true), "已回复");
        assert_eq!(state_label(false, false), "未读");
    }
}
