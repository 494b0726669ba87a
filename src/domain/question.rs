//! 每日一题: question kinds, checking a choice, and the text to share with the study group.
use super::org::labelled_enum;

labelled_enum!(QuestionKind {
    Single => "single", "单选题";
    Multiple => "multiple", "多选题";
    Judge => "judge", "判断题";
});

/// Option letters for the lines of a question's options.
pub const LETTERS: [char; 6] = ['A', 'B', 'C', 'D', 'E', 'F'];

/// A choice as sorted, de-duplicated letters ("CA" → "AC"); judge questions take T or F.
pub fn normalize(choice: &str) -> String {
    let mut letters: Vec<char> = choice
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| LETTERS.contains(c) || *c == 'T' || *c == 'F')
        .collect();
    letters.sort_unstable();
    letters.dedup();
    letters.into_iter().collect()
}

/// Whether a choice is a valid answer shape for the kind and number of options.
pub fn valid_choice(kind: QuestionKind, options: usize, choice: &str) -> bool {
    let c = normalize(choice);
    match kind {
        QuestionKind::Judge => c == "T" || c == "F",
        QuestionKind::Single => {
            c.len() == 1 && LETTERS[..options.min(6)].contains(&c.chars().next().unwrap_or(' '))
        }
        QuestionKind::Multiple => {
            c.len() >= 2 && c.chars().all(|l| LETTERS[..options.min(6)].contains(&l))
        }
    }
}

pub fn is_correct(answer: &str, choice: &str) -> bool {
    normalize(answer) == normalize(choice)
}

/// How an answer reads to people: "B", "A、C", "正确".
pub fn answer_text(kind: QuestionKind, answer: &str) -> String {
    match kind {
        QuestionKind::Judge => (if normalize(answer) == "T" {
            "正确"
        } else {
            "错误"
        })
        .to_string(),
        _ => normalize(answer)
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join("、"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_normalize_and_check() {
        assert_eq!(normalize(" c, a "), "AC");
        assert!(is_correct("AC", "ca"));
        assert!(!is_correct("AC", "A"));
        assert!(valid_choice(QuestionKind::Single, 4, "d"));
        assert!(!valid_choice(QuestionKind::Single, 4, "E"));
        assert!(!valid_choice(QuestionKind::Single, 4, "AB"));
        assert!(valid_choice(QuestionKind::Multiple, 4, "AB"));
        assert!(!valid_choice(QuestionKind::Multiple, 4, "A"));
        assert!(valid_choice(QuestionKind::Judge, 0, "t"));
        assert!(!valid_choice(QuestionKind::Judge, 0, "A"));
        assert_eq!(answer_text(QuestionKind::Multiple, "CA"), "A、C");
        assert_eq!(answer_text(QuestionKind::Judge, "F"), "错误");
    }
}
