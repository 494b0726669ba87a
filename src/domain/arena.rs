//! 云上擂台: the rules of a secretaries' contest (擂台比武) — its criteria and their weights,
//! entries' key figures, judges' scores and the weighted result with its ranking — and of a
//! secretary project's milestones.
use super::clock::parse_date;
use super::text::{FieldErrors, optional, required};
use time::Date;

pub const TITLE_MAX_CHARS: usize = 60;
pub const PERIOD_MAX_CHARS: usize = 30;
pub const CRITERION_MAX_CHARS: usize = 20;
/// Criteria a contest may have.
pub const MAX_CRITERIA: usize = 8;
/// The highest score a criterion may allow.
pub const SCORE_CEILING: i64 = 100;
pub const REPORT_MAX_CHARS: usize = 5000;
pub const MAX_FIGURES: usize = 10;
pub const FIGURE_LABEL_MAX_CHARS: usize = 30;
pub const UNIT_MAX_CHARS: usize = 10;
pub const COMMENT_MAX_CHARS: usize = 500;
pub const VIDEO_MAX_CHARS: usize = 300;
pub const MAX_PHOTOS: usize = 6;

/// One scoring criterion: its share of the result in percent and the highest score a judge
/// may give on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub name: String,
    pub weight: i64,
    pub max_score: i64,
}

/// A contest as its organizer sets it up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContestInput {
    pub title: String,
    pub period: String,
    pub held_on: String,
    pub deadline: String,
    pub voting: bool,
    pub criteria: Vec<Criterion>,
}

/// The rows of the criteria table as typed (blank rows are left out).
#[derive(Debug, Clone, Default)]
pub struct CriterionRow {
    pub name: String,
    pub weight: String,
    pub max_score: String,
}

/// Checks a contest's form: the weights of its criteria must sum to 100 %, the entries'
/// deadline may not fall after the contest day.
pub fn parse_contest(
    title: &str,
    period: &str,
    held_on: &str,
    deadline: &str,
    voting: bool,
    rows: &[CriterionRow],
) -> Result<ContestInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        required(title, TITLE_MAX_CHARS)
            .map_err(|_| format!("请填写擂台赛名称（{TITLE_MAX_CHARS}字以内）")),
    );
    let period = errors.check(
        "period",
        required(period, PERIOD_MAX_CHARS).map_err(|_| "请填写比武期次，如“2023年第一季度”"),
    );
    let held = parse_date(held_on.trim());
    if held.is_none() {
        errors.add("held_on", "请填写比武日期");
    }
    match (parse_date(deadline.trim()), held) {
        (None, _) => errors.add("deadline", "请填写报名截止日期"),
        (Some(d), Some(h)) if d > h => errors.add("deadline", "报名截止日期不能晚于比武日期"),
        _ => {}
    }
    let criteria = parse_criteria(rows, &mut errors);
    errors.or_value(|| ContestInput {
        title,
        period,
        held_on: held_on.trim().to_string(),
        deadline: deadline.trim().to_string(),
        voting,
        criteria,
    })
}

fn parse_criteria(rows: &[CriterionRow], errors: &mut FieldErrors) -> Vec<Criterion> {
    let mut criteria = Vec::new();
    for row in rows {
        if row.name.trim().is_empty() && row.weight.trim().is_empty() {
            continue;
        }
        let n = criteria.len() + 1;
        let Ok(name) = required(&row.name, CRITERION_MAX_CHARS) else {
            errors.add(
                "criteria",
                format!("第{n}项评分标准请填写名称（{CRITERION_MAX_CHARS}字以内）"),
            );
            continue;
        };
        let Some(weight) = row
            .weight
            .trim()
            .trim_end_matches('%')
            .parse::<i64>()
            .ok()
            .filter(|w| (1..=100).contains(w))
        else {
            errors.add(
                "criteria",
                format!("“{name}”的权重应为1到100之间的整数（百分比）"),
            );
            continue;
        };
        let max = if row.max_score.trim().is_empty() {
            Ok(10)
        } else {
            row.max_score.trim().parse::<i64>()
        };
        let Some(max_score) = max.ok().filter(|m| (1..=SCORE_CEILING).contains(m)) else {
            errors.add(
                "criteria",
                format!("“{name}”的满分应为1到{SCORE_CEILING}之间的整数"),
            );
            continue;
        };
        criteria.push(Criterion {
            name,
            weight,
            max_score,
        });
    }
    if criteria.is_empty() {
        errors.add("criteria", "请至少设置一项评分标准");
    } else if criteria.len() > MAX_CRITERIA {
        errors.add("criteria", format!("评分标准最多{MAX_CRITERIA}项"));
    }
    let sum: i64 = criteria.iter().map(|c| c.weight).sum();
    if !criteria.is_empty() && sum != 100 {
        errors.add("criteria", format!("各项权重之和应为100%，现在是{sum}%"));
    }
    criteria
}

/// A key figure of an entry: 200 亩, 13.5 万元.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figure {
    pub label: String,
    /// The number as typed, normalized ("135000", "13.5").
    pub value: String,
    pub unit: String,
}

impl Figure {
    pub fn number(&self) -> f64 {
        self.value.parse().unwrap_or(0.0)
    }
}

/// What an entrant submits: the report, the figures and a video link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryInput {
    pub report: String,
    pub figures: Vec<Figure>,
    pub video_url: String,
}

/// Checks an entry: figures must be numbers, the video link a web address.
pub fn parse_entry(
    report: &str,
    figures: &[(String, String, String)],
    video_url: &str,
) -> Result<EntryInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let report = errors.check(
        "report",
        required(report, REPORT_MAX_CHARS)
            .map_err(|_| format!("请填写述职报告（{REPORT_MAX_CHARS}字以内）")),
    );
    let mut parsed = Vec::new();
    for (label, value, unit) in figures {
        if label.trim().is_empty() && value.trim().is_empty() {
            continue;
        }
        let n = parsed.len() + 1;
        let Ok(label) = required(label, FIGURE_LABEL_MAX_CHARS) else {
            errors.add("figures", format!("第{n}项数据请填写名称"));
            continue;
        };
        let Some(value) = normalize_number(value) else {
            errors.add(
                "figures",
                format!("“{label}”的数值应为数字，如 200 或 13.5"),
            );
            continue;
        };
        let Ok(unit) = optional(unit, UNIT_MAX_CHARS) else {
            errors.add("figures", format!("“{label}”的单位太长"));
            continue;
        };
        parsed.push(Figure { label, value, unit });
    }
    if parsed.len() > MAX_FIGURES {
        errors.add("figures", format!("关键数据最多{MAX_FIGURES}项"));
    }
    let video = video_url.trim();
    if !video.is_empty()
        && (video.chars().count() > VIDEO_MAX_CHARS
            || !(video.starts_with("https://") || video.starts_with("http://")))
    {
        errors.add("video_url", "视频链接应为以 http:// 或 https:// 开头的网址");
    }
    errors.or_value(|| EntryInput {
        report,
        figures: parsed,
        video_url: video.to_string(),
    })
}

/// A plain decimal number ("1,000,000" and "13.50" are taken; "十万" and "1e6" are not).
fn normalize_number(value: &str) -> Option<String> {
    let v = value.trim().replace([',', '，'], "");
    let digits = v.strip_prefix('-').unwrap_or(&v);
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.')
        && digits.len() <= 15;
    if !ok {
        return None;
    }
    let trimmed = if v.contains('.') {
        v.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        v.clone()
    };
    Some(trimmed)
}

/// How a figure moved since the organization's previous entry with the same label.
pub fn change(previous: Option<&Figure>, now: &Figure) -> Option<String> {
    let before = previous?;
    let delta = now.number() - before.number();
    let shown = format_number(delta.abs());
    Some(if delta > 0.0 {
        format!("比上次增加{shown}{}", now.unit)
    } else if delta < 0.0 {
        format!("比上次减少{shown}{}", now.unit)
    } else {
        "与上次持平".to_string()
    })
}

fn format_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A judge's score on one criterion, checked against its range.
pub fn parse_score(value: &str, criterion: &Criterion) -> Result<i64, String> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..=criterion.max_score).contains(s))
        .ok_or_else(|| {
            format!(
                "“{}”的得分应为0到{}之间的整数",
                criterion.name, criterion.max_score
            )
        })
}

/// Entries are taken until the end of the deadline day (Shanghai).
pub fn entries_open(deadline: &str, today: Date) -> bool {
    parse_date(deadline).is_some_and(|d| today <= d)
}

/// One judge's score of an entry on the criterion at `position`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub entry_id: i64,
    pub position: i64,
    pub judge_id: i64,
    pub score: i64,
}

/// An entry's result: the weighted total in hundredths of a point (out of 100.00), each
/// criterion's average score, whether every criterion has a score, and its rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub entry_id: i64,
    pub total: i64,
    pub averages: Vec<Option<f64>>,
    pub complete: bool,
    pub rank: i64,
}

impl Outcome {
    pub fn total_label(&self) -> String {
        format!("{}.{:02}", self.total / 100, self.total % 100)
    }
}

/// The weighted results, best first. A criterion's score is the average of the judges who
/// scored it (a judge who missed one does not pull it down); its share is that average over
/// the criterion's full marks, times its weight. An entry missing a criterion altogether is
/// incomplete and ranks after the complete ones. Equal totals share a rank (1, 1, 3); ties
/// keep entry order.
pub fn results(criteria: &[Criterion], entry_ids: &[i64], scores: &[Score]) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = entry_ids
        .iter()
        .map(|&entry_id| {
            let averages: Vec<Option<f64>> = (0..criteria.len())
                .map(|pos| {
                    let given: Vec<i64> = scores
                        .iter()
                        .filter(|s| s.entry_id == entry_id && s.position == pos as i64)
                        .map(|s| s.score)
                        .collect();
                    (!given.is_empty())
                        .then(|| given.iter().sum::<i64>() as f64 / given.len() as f64)
                })
                .collect();
            let weighted: f64 = criteria
                .iter()
                .zip(&averages)
                .map(|(c, a)| a.unwrap_or(0.0) / c.max_score as f64 * c.weight as f64)
                .sum();
            Outcome {
                entry_id,
                total: (weighted * 100.0).round() as i64,
                complete: averages.iter().all(Option::is_some),
                averages,
                rank: 0,
            }
        })
        .collect();
    outcomes.sort_by(|a, b| b.complete.cmp(&a.complete).then(b.total.cmp(&a.total)));
    assign_ranks(&mut outcomes, |o| (o.complete, o.total));
    outcomes
}

/// Competition ranks over a list sorted best first: equal keys share a rank.
fn assign_ranks<K: PartialEq>(items: &mut [Outcome], key: impl Fn(&Outcome) -> K) {
    for i in 0..items.len() {
        items[i].rank = if i > 0 && key(&items[i]) == key(&items[i - 1]) {
            items[i - 1].rank
        } else {
            i as i64 + 1
        };
    }
}

/// The popularity ranking: (entry, votes, rank), most votes first, ties sharing a rank.
pub fn popularity(votes: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
    let mut sorted = votes.to_vec();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.1));
    let mut ranked: Vec<(i64, i64, i64)> = Vec::new();
    for (i, (entry, n)) in sorted.iter().enumerate() {
        let rank = match ranked.last() {
            Some(&(_, prev, r)) if prev == *n => r,
            _ => i as i64 + 1,
        };
        ranked.push((*entry, *n, rank));
    }
    ranked
}

pub const PROJECT_TEXT_MAX_CHARS: usize = 2000;
pub const MAX_MILESTONES: usize = 12;

/// A secretary project as registered: goal, measurable targets, start, milestones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectInput {
    pub title: String,
    pub goal: String,
    pub targets: String,
    pub started_on: String,
    pub milestones: Vec<(String, String)>,
}

/// Checks a project: milestones need a title and a date not before the project starts.
pub fn parse_project(
    title: &str,
    goal: &str,
    targets: &str,
    started_on: &str,
    milestones: &[(String, String)],
) -> Result<ProjectInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        required(title, TITLE_MAX_CHARS)
            .map_err(|_| format!("请填写项目名称（{TITLE_MAX_CHARS}字以内）")),
    );
    let goal = errors.check(
        "goal",
        required(goal, PROJECT_TEXT_MAX_CHARS).map_err(|_| "请填写项目目标"),
    );
    let targets = errors.check(
        "targets",
        required(targets, PROJECT_TEXT_MAX_CHARS)
            .map_err(|_| "请填写可衡量的目标，如“村集体年增收13.5万元”"),
    );
    let start = parse_date(started_on.trim());
    if start.is_none() {
        errors.add("started_on", "请填写项目开始日期");
    }
    let mut parsed = Vec::new();
    for (title, due) in milestones {
        if title.trim().is_empty() && due.trim().is_empty() {
            continue;
        }
        let n = parsed.len() + 1;
        let Ok(t) = required(title, TITLE_MAX_CHARS) else {
            errors.add("milestones", format!("第{n}个节点请填写内容"));
            continue;
        };
        match (parse_date(due.trim()), start) {
            (None, _) => errors.add("milestones", format!("“{t}”请填写完成日期")),
            (Some(d), Some(s)) if d < s => {
                errors.add("milestones", format!("“{t}”的日期不能早于项目开始日期"))
            }
            _ => parsed.push((t, due.trim().to_string())),
        }
    }
    if parsed.is_empty() && !errors.has("milestones") {
        errors.add("milestones", "请至少设置一个节点");
    } else if parsed.len() > MAX_MILESTONES {
        errors.add("milestones", format!("节点最多{MAX_MILESTONES}个"));
    }
    errors.or_value(|| ProjectInput {
        title,
        goal,
        targets,
        started_on: started_on.trim().to_string(),
        milestones: parsed,
    })
}

/// A milestone not done by the end of its day is overdue.
pub fn overdue(due_on: &str, done: bool, today: Date) -> bool {
    !done && parse_date(due_on).is_some_and(|d| d < today)
}

labelled_enum!(ProjectStatus {
    Active => "active", "进行中";
    Overdue => "overdue", "有逾期";
    Done => "done", "已完成";
});

/// A project is done when every milestone is; overdue when any open one is past its date.
pub fn project_status(milestones: &[(&str, bool)], today: Date) -> ProjectStatus {
    if !milestones.is_empty() && milestones.iter().all(|(_, done)| *done) {
        ProjectStatus::Done
    } else if milestones
        .iter()
        .any(|(due, done)| overdue(due, *done, today))
    {
        ProjectStatus::Overdue
    } else {
        ProjectStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn row(name: &str, weight: &str, max: &str) -> CriterionRow {
        CriterionRow {
            name: name.into(),
            weight: weight.into(),
            max_score: max.into(),
        }
    }

    fn criteria() -> Vec<Criterion> {
        vec![
            Criterion {
                name: "述职".into(),
                weight: 60,
                max_score: 10,
            },
            Criterion {
                name: "成效".into(),
                weight: 40,
                max_score: 20,
            },
        ]
    }

    #[test]
    fn weights_must_sum_to_a_hundred_percent() {
        let ok = parse_contest(
            "擂台赛",
            "2023年第一季度",
            "2023-03-28",
            "2023-03-25",
            true,
            &[row("述职", "60", "10"), row("成效", "40%", "")],
        )
        .unwrap();
        assert_eq!(ok.criteria[1].weight, 40);
        assert_eq!(ok.criteria[1].max_score, 10);
        let e = parse_contest(
            "擂台赛",
            "一季度",
            "2023-03-28",
            "2023-03-25",
            false,
            &[row("述职", "60", "10"), row("成效", "30", "10")],
        )
        .unwrap_err();
        assert_eq!(e.get("criteria"), "各项权重之和应为100%，现在是90%");
        let e =
            parse_contest("擂台赛", "一季度", "2023-03-28", "2023-03-25", false, &[]).unwrap_err();
        assert_eq!(e.get("criteria"), "请至少设置一项评分标准");
        let e = parse_contest(
            "擂台赛",
            "一季度",
            "2023-03-28",
            "2023-03-25",
            false,
            &[row("述职", "一百", "")],
        )
        .unwrap_err();
        assert!(e.get("criteria").contains("权重"));
    }

    #[test]
    fn a_deadline_after_the_contest_day_is_refused() {
        let e = parse_contest(
            "擂台赛",
            "一季度",
            "2023-03-28",
            "2023-03-29",
            false,
            &[row("述职", "100", "")],
        )
        .unwrap_err();
        assert_eq!(e.get("deadline"), "报名截止日期不能晚于比武日期");
        assert!(entries_open("2023-03-25", date!(2023 - 03 - 25)));
        assert!(!entries_open("2023-03-25", date!(2023 - 03 - 26)));
        // A leap day is a day like any other.
        assert!(entries_open("2024-02-29", date!(2024 - 02 - 29)));
        assert!(!entries_open("2024-02-29", date!(2024 - 03 - 01)));
    }

    #[test]
    fn figures_must_be_numbers() {
        let f = |l: &str, v: &str, u: &str| (l.to_string(), v.to_string(), u.to_string());
        let ok = parse_entry(
            "报告",
            &[
                f("集体土地公开发包", "200", "亩"),
                f("集体年增收", "13.50", "万元"),
                f("", "", ""),
            ],
            "",
        )
        .unwrap();
        assert_eq!(ok.figures.len(), 2);
        assert_eq!(ok.figures[1].value, "13.5");
        let ok = parse_entry(
            "报告",
            &[f("计划投资", "1,000,000", "元")],
            "https://v.example.cn/1",
        )
        .unwrap();
        assert_eq!(ok.figures[0].value, "1000000");
        for bad in ["十万", "1e6", "12.3.4", ".5", "abc"] {
            let e = parse_entry("报告", &[f("集体年增收", bad, "万元")], "").unwrap_err();
            assert_eq!(
                e.get("figures"),
                "“集体年增收”的数值应为数字，如 200 或 13.5",
                "{bad}"
            );
        }
        let e = parse_entry("", &[], "ftp://x").unwrap_err();
        assert!(e.has("report") && e.has("video_url"));
    }

    #[test]
    fn a_figure_is_compared_with_the_previous_entry() {
        let fig = |v: &str| Figure {
            label: "集体年增收".into(),
            value: v.into(),
            unit: "万元".into(),
        };
        assert_eq!(
            change(Some(&fig("10")), &fig("13.5")).unwrap(),
            "比上次增加3.5万元"
        );
        assert_eq!(
            change(Some(&fig("13.5")), &fig("12")).unwrap(),
            "比上次减少1.5万元"
        );
        assert_eq!(change(Some(&fig("12")), &fig("12")).unwrap(), "与上次持平");
        assert_eq!(change(None, &fig("12")), None);
    }

    #[test]
    fn a_score_outside_its_range_is_refused() {
        let c = &criteria()[0];
        assert_eq!(parse_score("10", c), Ok(10));
        assert_eq!(parse_score("0", c), Ok(0));
        assert_eq!(
            parse_score("11", c).unwrap_err(),
            "“述职”的得分应为0到10之间的整数"
        );
        assert!(parse_score("-1", c).is_err());
        assert!(parse_score("8.5", c).is_err());
    }

    fn s(entry_id: i64, position: i64, judge_id: i64, score: i64) -> Score {
        Score {
            entry_id,
            position,
            judge_id,
            score,
        }
    }

    #[test]
    fn results_are_weighted_and_averaged_over_the_judges_who_scored() {
        let scores = [
            // Entry 1: 述职 (8+10)/2 = 9 of 10 → 54; 成效 15 of 20 → 30. Total 84.
            s(1, 0, 100, 8),
            s(1, 0, 101, 10),
            s(1, 1, 100, 15),
            // Entry 2: only one judge scored 述职: 10 → 60; 成效 20 → 40. Total 100.
            s(2, 0, 100, 10),
            s(2, 1, 100, 20),
            s(2, 1, 101, 20),
        ];
        let r = results(&criteria(), &[1, 2], &scores);
        assert_eq!(r[0].entry_id, 2);
        assert_eq!(r[0].total_label(), "100.00");
        assert_eq!(r[1].total, 8400);
        assert_eq!(r[1].averages, vec![Some(9.0), Some(15.0)]);
        assert_eq!((r[0].rank, r[1].rank), (1, 2));
    }

    #[test]
    fn ties_share_a_rank_and_unscored_entries_come_last() {
        let scores = [
            s(1, 0, 9, 5),
            s(1, 1, 9, 10),
            s(2, 0, 9, 5),
            s(2, 1, 9, 10),
            s(3, 0, 9, 10),
            s(4, 0, 9, 1),
            s(4, 1, 9, 1),
        ];
        let r = results(&criteria(), &[1, 2, 3, 4], &scores);
        let ranks: Vec<(i64, i64, bool)> =
            r.iter().map(|o| (o.entry_id, o.rank, o.complete)).collect();
        // 3 scored 述职 only: 60 points but incomplete, after every complete entry.
        assert_eq!(
            ranks,
            vec![(1, 1, true), (2, 1, true), (4, 3, true), (3, 4, false)]
        );
        assert_eq!(r[0].total_label(), "50.00");
        // Thirds round to the hundredth: 1/3 of 60 = 20.00, 2/3 of 40 = 26.67.
        let thirds = [
            Criterion {
                name: "a".into(),
                weight: 60,
                max_score: 3,
            },
            Criterion {
                name: "b".into(),
                weight: 40,
                max_score: 3,
            },
        ];
        let r = results(&thirds, &[7], &[s(7, 0, 1, 1), s(7, 1, 1, 2)]);
        assert_eq!(r[0].total_label(), "46.67");
        assert!(results(&criteria(), &[], &[]).is_empty());
    }

    #[test]
    fn popularity_ranks_votes_with_ties() {
        assert_eq!(
            popularity(&[(1, 3), (2, 5), (3, 3), (4, 0)]),
            vec![(2, 5, 1), (1, 3, 2), (3, 3, 2), (4, 0, 4)]
        );
    }

    #[test]
    fn a_milestone_may_not_come_before_its_project() {
        let m = |t: &str, d: &str| (t.to_string(), d.to_string());
        let ok = parse_project(
            "有机果蔬",
            "发展产业",
            "投资100万元",
            "2023-01-10",
            &[m("流转土地", "2023-03-31"), m("", "")],
        )
        .unwrap();
        assert_eq!(ok.milestones.len(), 1);
        let e = parse_project(
            "有机果蔬",
            "发展产业",
            "投资100万元",
            "2023-01-10",
            &[m("流转土地", "2023-01-09")],
        )
        .unwrap_err();
        assert_eq!(e.get("milestones"), "“流转土地”的日期不能早于项目开始日期");
        let e =
            parse_project("有机果蔬", "发展产业", "投资100万元", "2023-01-10", &[]).unwrap_err();
        assert_eq!(e.get("milestones"), "请至少设置一个节点");
    }

    #[test]
    fn a_project_is_overdue_when_an_open_milestone_has_passed() {
        let today = date!(2024 - 01 - 01);
        assert!(overdue("2023-12-31", false, today));
        assert!(!overdue("2023-12-31", true, today));
        assert!(!overdue("2024-01-01", false, today));
        assert_eq!(
            project_status(&[("2023-12-31", true), ("2024-03-01", false)], today),
            ProjectStatus::Active
        );
        assert_eq!(
            project_status(&[("2023-12-31", false), ("2024-03-01", false)], today),
            ProjectStatus::Overdue
        );
        assert_eq!(
            project_status(&[("2023-12-31", true)], today),
            ProjectStatus::Done
        );
    }
}
