//! 每日一题: question kinds, checking a choice, and the text to share with the study group.
use super::clock::{format_date, parse_date};
use super::text::{FieldErrors, optional, required};

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

labelled_enum!(Difficulty {
    Easy => "1", "易";
    Medium => "2", "中";
    Hard => "3", "难";
});

impl Difficulty {
    /// From a form's code or what people type in a spreadsheet ("易", "中等", "3").
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "" | "1" | "易" | "容易" | "简单" => Some(Difficulty::Easy),
            "2" | "中" | "中等" | "一般" => Some(Difficulty::Medium),
            "3" | "难" | "困难" | "较难" => Some(Difficulty::Hard),
            _ => None,
        }
    }
    pub fn from_level(level: i64) -> Self {
        Difficulty::from_code(&level.to_string()).unwrap_or(Difficulty::Easy)
    }
    pub fn level(self) -> i64 {
        self.code().parse().unwrap_or(1)
    }
}

impl QuestionKind {
    /// From a form's code or a spreadsheet's words ("单选", "多选题", "判断").
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        Self::from_code(v).or(match v.trim_end_matches('题') {
            "单选" => Some(QuestionKind::Single),
            "多选" => Some(QuestionKind::Multiple),
            "判断" => Some(QuestionKind::Judge),
            _ => None,
        })
    }
}

/// What an editor typed for one question, from the form or a spreadsheet row.
pub struct QuestionInput<'a> {
    pub kind: &'a str,
    pub stem: &'a str,
    pub options: Vec<&'a str>,
    pub answer: &'a str,
    pub explanation: &'a str,
    pub tags: &'a str,
    pub difficulty: &'a str,
    /// `YYYY-MM-DD` the question is asked on, or empty (the form only; an import has none).
    pub pinned_day: &'a str,
}

/// A question that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidQuestion {
    pub kind: QuestionKind,
    pub stem: String,
    /// One option per line.
    pub options: String,
    pub answer: String,
    pub explanation: String,
    pub tags: String,
    pub difficulty: Difficulty,
    pub pinned_day: Option<String>,
}

pub const STEM_MAX_CHARS: usize = 300;
pub const EXPLANATION_MAX_CHARS: usize = 1000;
pub const TAGS_MAX_CHARS: usize = 100;
pub const OPTION_MAX_CHARS: usize = 200;

/// Checks a question; each problem is named at its field, in Chinese.
pub fn parse_question(input: &QuestionInput) -> Result<ValidQuestion, FieldErrors> {
    let mut errors = FieldErrors::default();
    let stem = errors.check("stem", required(input.stem, STEM_MAX_CHARS));
    let explanation = errors.check(
        "explanation",
        required(input.explanation, EXPLANATION_MAX_CHARS),
    );
    let tags = errors.check("tags", optional(input.tags, TAGS_MAX_CHARS));
    let pinned_day = match input.pinned_day.trim() {
        "" => None,
        d => {
            let day = parse_date(d).map(format_date);
            if day.is_none() {
                errors.add("pinned_day", "日期格式如 2026-07-01");
            }
            day
        }
    };
    let kind = QuestionKind::parse(input.kind);
    let difficulty = Difficulty::parse(input.difficulty);
    if kind.is_none() {
        errors.add("kind", "题型应为单选题、多选题或判断题");
    }
    if difficulty.is_none() {
        errors.add("difficulty", "难度应为易、中或难");
    }
    let options: Vec<&str> = input
        .options
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    // Spreadsheets and people write judge answers in words.
    let answer = match input.answer.trim() {
        "正确" | "对" | "是" | "√" | "✓" | "TRUE" | "true" => "T",
        "错误" | "错" | "否" | "×" | "✗" | "FALSE" | "false" => "F",
        a => a,
    };
    if let Some(k) = kind {
        match k {
            QuestionKind::Judge if !options.is_empty() => errors.add("options", "判断题不需要选项"),
            QuestionKind::Single | QuestionKind::Multiple if !(2..=6).contains(&options.len()) => {
                errors.add("options", "请填写2到6个选项")
            }
            _ => {}
        }
        if options.iter().any(|o| o.chars().count() > OPTION_MAX_CHARS) {
            errors.add("options", format!("每个选项不能超过{OPTION_MAX_CHARS}个字"));
        }
        if !valid_choice(k, options.len(), answer) {
            let message = match k {
                QuestionKind::Judge => "判断题答案填“正确”或“错误”（也可填 T 或 F）",
                QuestionKind::Single => "单选题答案填一个选项字母，如 B",
                QuestionKind::Multiple => "多选题答案填两个以上选项字母，如 AC",
            };
            errors.add("answer", message);
        }
    }
    match (kind, difficulty) {
        (Some(kind), Some(difficulty)) if errors.is_empty() => Ok(ValidQuestion {
            kind,
            stem,
            options: options.join("\n"),
            answer: normalize(answer),
            explanation,
            tags,
            difficulty,
            pinned_day,
        }),
        _ => Err(errors),
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

    fn input<'a>(kind: &'a str, options: Vec<&'a str>, answer: &'a str) -> QuestionInput<'a> {
        QuestionInput {
            kind,
            stem: "党的最高领导机关是？",
            options,
            answer,
            explanation: "党章第十条。",
            tags: "党章",
            difficulty: "",
            pinned_day: "",
        }
    }

    #[test]
    fn spreadsheet_words_are_accepted() {
        let q = parse_question(&input("单选", vec!["A 项", " ", "B 项"], "b")).unwrap();
        assert_eq!((q.kind, q.answer.as_str()), (QuestionKind::Single, "B"));
        assert_eq!(q.options, "A 项\nB 项", "blank option cells are dropped");
        assert_eq!(q.difficulty, Difficulty::Easy);
        let q = parse_question(&input("判断题", vec![], "错误")).unwrap();
        assert_eq!(q.answer, "F");
        assert_eq!(Difficulty::parse("较难"), Some(Difficulty::Hard));
    }

    #[test]
    fn each_problem_names_its_field() {
        let fields = |r: Result<ValidQuestion, FieldErrors>| {
            r.unwrap_err().iter().map(|e| e.0).collect::<Vec<_>>()
        };
        assert_eq!(
            fields(parse_question(&input("填空", vec![], "A"))),
            vec!["kind"]
        );
        assert_eq!(
            fields(parse_question(&input("单选", vec!["甲"], "B"))),
            vec!["options", "answer"]
        );
        assert_eq!(
            fields(parse_question(&input("多选", vec!["甲", "乙"], "A"))),
            vec!["answer"]
        );
        assert_eq!(
            fields(parse_question(&input("判断", vec!["甲"], "T"))),
            vec!["options"]
        );
        let mut i = input("单选", vec!["甲", "乙"], "C");
        i.stem = " ";
        i.difficulty = "极难";
        assert_eq!(
            fields(parse_question(&i)),
            vec!["stem", "difficulty", "answer"]
        );
        i.pinned_day = "2025-02-29";
        assert!(fields(parse_question(&i)).contains(&"pinned_day"));
    }
}
