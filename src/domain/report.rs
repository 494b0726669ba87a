//! 月度通报: what a month's report says to an organization with subordinates — the figures
//! of its subtree, where its organizations stand (分级分档), the organizations named with the
//! findings observed that month, those that rose a tier and those in the last one. The
//! content is the same whatever reads it (the page, the PDF, the spreadsheet) and depends
//! only on the records, so composing a month again gives the same report unless they changed.
use super::dashboard::{Figures, percent};
use super::org::{is_in_subtree, path_ids};
use super::supervision::{FindingStatus, Rule, Score, Tier};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;

/// A section names at most this many rows; the rest are in the subordinates' own reports.
pub const MAX_ROWS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportContent {
    pub title: String,
    pub summary: Vec<String>,
    pub sections: Vec<Section>,
}

/// A titled table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Rows left out past `MAX_ROWS`.
    pub more: usize,
    /// What the section says when it has no rows.
    pub empty: String,
}

impl Section {
    fn new(title: &str, headings: &[&str], empty: &str) -> Self {
        Section {
            title: title.into(),
            headings: headings.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            more: 0,
            empty: empty.into(),
        }
    }

    fn push(&mut self, row: Vec<String>) {
        if self.rows.len() < MAX_ROWS {
            self.rows.push(row);
        } else {
            self.more += 1;
        }
    }

    /// The line under a cut table.
    pub fn more_note(&self) -> Option<String> {
        (self.more > 0).then(|| format!("另有{}项未列出，详见下级组织的月度通报。", self.more))
    }
}

/// An organization as the report sees it.
#[derive(Debug, Clone)]
pub struct OrgLine {
    pub id: i64,
    pub parent: Option<i64>,
    pub name: String,
    pub path: String,
    /// Party groups are parts of their branch: not tiered, not reported to.
    pub is_group: bool,
}

/// A finding observed in the month.
#[derive(Debug, Clone)]
pub struct FindingLine {
    pub org_id: i64,
    pub rule: Rule,
    pub summary: String,
    pub status: FindingStatus,
}

/// What a month's figures count as its problems, written where they are read: the report,
/// 分级分档 and the findings list of a month all count these and only these.
pub const COUNTING_RULE: &str = "问题数统计口径：当月发生、经电子监察发现的问题（含待处理、申诉中、申诉未采纳），申诉已采纳的不计入。";

/// A finding counts in its month's figures unless its appeal was accepted.
pub fn counts(status: FindingStatus) -> bool {
    status != FindingStatus::Explained
}

/// The counted findings of each organization itself (not its subtree).
pub fn counted_per_org(findings: &[FindingLine]) -> HashMap<i64, i64> {
    let mut n: HashMap<i64, i64> = HashMap::new();
    for f in findings.iter().filter(|f| counts(f.status)) {
        *n.entry(f.org_id).or_default() += 1;
    }
    n
}

/// Everything a month's reports are made from.
pub struct MonthRecords<'a> {
    /// The month's first day.
    pub month: Date,
    /// Every organization, ordered by path (a subtree is then a run of the list).
    pub orgs: &'a [OrgLine],
    pub tiers: &'a HashMap<i64, Score>,
    /// The month before's tiers.
    pub previous: &'a HashMap<i64, Tier>,
    pub findings: &'a [FindingLine],
    /// The month's figures of each organization's subtree.
    pub figures: &'a HashMap<i64, Figures>,
    /// The month's 党费 of each organization's subtree.
    pub dues: &'a HashMap<i64, crate::domain::dues::Tally>,
}

/// A report is published to the administrators of its subtree and read by those above:
/// an administrator of `admin_root` reads the report of `report_path` when one lies in the
/// other's subtree.
pub fn reaches(report_path: &str, admin_root: &str) -> bool {
    is_in_subtree(report_path, admin_root) || is_in_subtree(admin_root, report_path)
}

/// "2026年11月".
pub fn month_label(month: Date) -> String {
    format!("{}年{}月", month.year(), u8::from(month.month()))
}

/// Every organization with subordinates other than party groups gets a report: (its id, the
/// report).
pub fn compose(r: &MonthRecords) -> Vec<(i64, ReportContent)> {
    let mut with_children: HashMap<i64, bool> = HashMap::new();
    for o in r.orgs.iter().filter(|o| !o.is_group) {
        if let Some(p) = o.parent {
            with_children.insert(p, true);
        }
    }
    let mut findings: HashMap<i64, Vec<&FindingLine>> = HashMap::new();
    for f in r.findings.iter().filter(|f| counts(f.status)) {
        findings.entry(f.org_id).or_default().push(f);
    }
    for list in findings.values_mut() {
        list.sort_by(|a, b| (a.rule, &a.summary).cmp(&(b.rule, &b.summary)));
    }
    let mut out = Vec::new();
    for (i, head) in r.orgs.iter().enumerate() {
        if !with_children.contains_key(&head.id) {
            continue;
        }
        let end = r.orgs[i..]
            .iter()
            .position(|o| !o.path.starts_with(&head.path))
            .map_or(r.orgs.len(), |n| i + n);
        out.push((head.id, report_of(r, &r.orgs[i..end], &findings)));
    }
    out
}

/// The lists a report is made of, filled walking its subtree.
struct Lists {
    /// Organizations placed in each tier, best first.
    counts: [usize; 4],
    children: Section,
    named: Section,
    improved: Section,
    lagging: Section,
    findings: usize,
    finding_orgs: usize,
}

/// The report of the subtree `subtree` (its head first).
fn report_of(
    r: &MonthRecords,
    subtree: &[OrgLine],
    findings: &HashMap<i64, Vec<&FindingLine>>,
) -> ReportContent {
    let head = &subtree[0];
    let month = month_label(r.month);
    let l = walk(r, subtree, findings);
    let placed: usize = l.counts.iter().sum();
    let mut tiers = Section::new(
        "二、分级分档",
        &["档次", "组织数", "占比"],
        "本月尚未分级分档。",
    );
    if placed > 0 {
        for (tier, n) in Tier::ALL.iter().zip(l.counts) {
            tiers.push(vec![
                tier.label().into(),
                n.to_string(),
                format!("{}%", percent(n as i64, placed as i64)),
            ]);
        }
    }
    let [good, fair, average, poor] = l.counts;
    let rises = l.improved.rows.len() + l.improved.more;
    let found = if l.findings > 0 {
        format!(
            "电子监察发现问题{}条，涉及{}个组织（申诉已采纳的不计入）",
            l.findings, l.finding_orgs
        )
    } else {
        "电子监察未发现问题".to_string()
    };
    let summary = vec![
        format!(
            "{month}，{}及下属共{placed}个组织参与分级分档：好{good}个、较好{fair}个、一般{average}个、差{poor}个。",
            head.name
        ),
        format!("{found}；{rises}个组织档次较上月提升，{poor}个组织处于“差”档。"),
        COUNTING_RULE.into(),
        dues_sentence(&month, &r.dues.get(&head.id).copied().unwrap_or_default()),
    ];
    let figures = r.figures.get(&head.id).copied().unwrap_or_default();
    ReportContent {
        title: format!("{}{month}党建工作月度通报", head.name),
        summary,
        sections: vec![
            figures_section(&figures),
            tiers,
            l.children,
            l.named,
            l.improved,
            l.lagging,
            dues_section(r, subtree),
        ],
    }
}

/// The month's 党费 in one sentence.
fn dues_sentence(month: &str, t: &crate::domain::dues::Tally) -> String {
    if t.owed == 0 {
        return format!("{month}党费：尚无应交记录。");
    }
    format!(
        "{month}党费交纳率{}（已交{}人，应交{}人，实交{}元）；截至本月连续6个月以上未交纳党费{}人。",
        t.rate(),
        t.paid,
        t.owed,
        t.paid_yuan(),
        t.behind6
    )
}

/// 七、党费交纳: each direct subordinate's 交纳率, from the same count as the dues pages.
fn dues_section(r: &MonthRecords, subtree: &[OrgLine]) -> Section {
    let head = &subtree[0];
    let mut s = Section::new(
        "七、党费交纳",
        &[
            "组织",
            "应交（人）",
            "已交（人）",
            "交纳率",
            "连续6个月以上未交（人）",
        ],
        "本月尚无党费记录。",
    );
    for o in subtree
        .iter()
        .filter(|o| o.parent == Some(head.id) && !o.is_group)
    {
        let Some(t) = r.dues.get(&o.id).filter(|t| t.members > 0) else {
            continue;
        };
        s.push(vec![
            o.name.clone(),
            t.owed.to_string(),
            t.paid.to_string(),
            t.rate(),
            t.behind6.to_string(),
        ]);
    }
    s
}

/// Walks the subtree once: its tiers, the direct subordinates, the findings named, the
/// organizations that rose a tier and those in the last one.
fn walk(
    r: &MonthRecords,
    subtree: &[OrgLine],
    findings: &HashMap<i64, Vec<&FindingLine>>,
) -> Lists {
    let head = &subtree[0];
    // The organization directly below the head that each one belongs to.
    let mut top: HashMap<i64, &str> = HashMap::new();
    for o in &subtree[1..] {
        let name = match o.parent {
            Some(p) if p == head.id => o.name.as_str(),
            Some(p) => top.get(&p).copied().unwrap_or(""),
            None => "",
        };
        top.insert(o.id, name);
    }
    let belongs = |o: &OrgLine| -> String {
        if o.id == head.id {
            "本级".into()
        } else if o.parent == Some(head.id) {
            "直属".into()
        } else {
            top.get(&o.id).copied().unwrap_or("").to_string()
        }
    };
    let tier_label = |t: Option<Tier>| t.map_or("—".to_string(), |t| t.label().to_string());
    // A subordinate's 问题数 is its subtree's: a town has few findings of its own.
    let mut in_subtree: HashMap<i64, usize> = HashMap::new();
    for o in subtree {
        let n = findings.get(&o.id).map_or(0, Vec::len);
        if n > 0 {
            for id in path_ids(&o.path) {
                *in_subtree.entry(id).or_default() += n;
            }
        }
    }
    let problems = |o: &OrgLine| in_subtree.get(&o.id).copied().unwrap_or(0);
    let mut l = Lists {
        counts: [0; 4],
        children: Section::new(
            "三、下级组织档次",
            &["组织", "得分", "档次", "上月档次", "问题数"],
            "本月尚无下级组织的档次。",
        ),
        named: Section::new(
            "四、问题通报",
            &["组织", "所属", "问题", "情况", "状态"],
            "本月电子监察未发现问题。",
        ),
        improved: Section::new(
            "五、进步组织",
            &["组织", "所属", "上月档次", "本月档次", "得分"],
            "本月没有档次提升的组织。",
        ),
        lagging: Section::new(
            "六、落后组织（“差”档）",
            &["组织", "所属", "得分", "问题数"],
            "本月没有“差”档组织。",
        ),
        findings: 0,
        finding_orgs: 0,
    };
    for o in subtree {
        if let Some(list) = findings.get(&o.id) {
            l.findings += list.len();
            l.finding_orgs += 1;
            for f in list {
                l.named.push(vec![
                    o.name.clone(),
                    belongs(o),
                    f.rule.label().into(),
                    f.summary.clone(),
                    f.status.label().into(),
                ]);
            }
        }
        if o.is_group || o.id == head.id {
            continue;
        }
        let score = r.tiers.get(&o.id);
        let before = r.previous.get(&o.id).copied();
        if o.parent == Some(head.id) {
            l.children.push(vec![
                o.name.clone(),
                score.map_or("—".into(), |s| s.total.to_string()),
                tier_label(score.map(|s| s.tier)),
                tier_label(before),
                problems(o).to_string(),
            ]);
        }
        let Some(score) = score else { continue };
        l.counts[3 - score.tier.rank() as usize] += 1;
        if before.is_some_and(|b| score.tier.rank() > b.rank()) {
            l.improved.push(vec![
                o.name.clone(),
                belongs(o),
                tier_label(before),
                score.tier.label().into(),
                score.total.to_string(),
            ]);
        }
        if score.tier == Tier::Poor {
            l.lagging.push(vec![
                o.name.clone(),
                belongs(o),
                score.total.to_string(),
                problems(o).to_string(),
            ]);
        }
    }
    l
}

/// 一、基本情况: the subtree's dashboard figures for the month.
fn figures_section(f: &Figures) -> Section {
    let mut s = Section::new("一、基本情况", &["指标", "数值"], "");
    let items = f.items_red + f.items_yellow + f.items_grey;
    for (label, value) in [
        ("党员人数", f.members.to_string()),
        ("本月新增党员", f.new_members.to_string()),
        (
            "本月转入 / 转出",
            format!("{} / {}", f.transferred_in, f.transferred_out),
        ),
        (
            "每日一题活跃党员",
            format!(
                "{}人（{}%）",
                f.active_answerers,
                percent(f.active_answerers, f.members)
            ),
        ),
        ("阅读文章党员", format!("{}人", f.readers)),
        (
            "规定事项已完成",
            format!(
                "{}/{}项（{}%）",
                f.items_red,
                items,
                percent(f.items_red, items)
            ),
        ),
        ("规定事项逾期未完成", format!("{}项", f.items_overdue)),
    ] {
        s.push(vec![label.into(), value]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn org(id: i64, parent: Option<i64>, name: &str, path: &str) -> OrgLine {
        OrgLine {
            id,
            parent,
            name: name.into(),
            path: path.into(),
            is_group: false,
        }
    }

    fn score(total: i64, tier: Tier) -> Score {
        Score {
            completion: 0,
            study: 0,
            findings: 0,
            problems: 0,
            total,
            tier,
            study_counted: true,
        }
    }

    /// A county (1) with two towns (2, 3); town 2 has two branches (4, 5) and 5 a party group.
    fn county() -> Vec<OrgLine> {
        let mut group = org(6, Some(5), "第一党小组", "/1/2/5/6/");
        group.is_group = true;
        vec![
            org(1, None, "城关县委", "/1/"),
            org(2, Some(1), "东镇党委", "/1/2/"),
            org(4, Some(2), "东村党支部", "/1/2/4/"),
            org(5, Some(2), "西村党支部", "/1/2/5/"),
            group,
            org(3, Some(1), "南镇党委", "/1/3/"),
        ]
    }

    fn compose_county(findings: &[FindingLine]) -> HashMap<i64, ReportContent> {
        let orgs = county();
        let tiers: HashMap<i64, Score> = [
            (1, score(70, Tier::Fair)),
            (2, score(60, Tier::Average)),
            (3, score(90, Tier::Good)),
            (4, score(95, Tier::Good)),
            (5, score(20, Tier::Poor)),
        ]
        .into();
        let previous: HashMap<i64, Tier> =
            [(3, Tier::Fair), (4, Tier::Good), (5, Tier::Poor)].into();
        let figures: HashMap<i64, Figures> = [(
            1,
            Figures {
                members: 40,
                active_answerers: 10,
                items_red: 3,
                items_grey: 1,
                ..Default::default()
            },
        )]
        .into();
        compose(&MonthRecords {
            month: date!(2026 - 02 - 01),
            orgs: &orgs,
            tiers: &tiers,
            previous: &previous,
            findings,
            figures: &figures,
            dues: &HashMap::new(),
        })
        .into_iter()
        .collect()
    }

    fn finding(org_id: i64, rule: Rule, status: FindingStatus) -> FindingLine {
        FindingLine {
            org_id,
            rule,
            summary: format!("{}的问题", org_id),
            status,
        }
    }

    #[test]
    fn organizations_with_subordinates_get_a_report_and_a_branch_with_only_groups_does_not() {
        let reports = compose_county(&[]);
        let mut ids: Vec<i64> = reports.keys().copied().collect();
        ids.sort();
        assert_eq!(
            ids,
            vec![1, 2],
            "not 5, whose only subordinate is a party group"
        );
        assert_eq!(reports[&1].title, "城关县委2026年2月党建工作月度通报");
    }

    #[test]
    fn the_county_report_counts_tiers_names_rises_and_the_last_tier_below_it() {
        let reports = compose_county(&[]);
        let county = &reports[&1];
        assert!(
            county.summary[0].contains("共4个组织参与分级分档：好2个、较好0个、一般1个、差1个")
        );
        let tiers = &county.sections[1];
        assert_eq!(tiers.rows[0], vec!["好", "2", "50%"]);
        let children = &county.sections[2];
        assert_eq!(children.rows.len(), 2, "the two towns, not the branches");
        assert_eq!(children.rows[1], vec!["南镇党委", "90", "好", "较好", "0"]);
        let improved = &county.sections[4];
        assert_eq!(
            improved.rows,
            vec![vec!["南镇党委", "直属", "较好", "好", "90"]]
        );
        let lagging = &county.sections[5];
        assert_eq!(
            lagging.rows,
            vec![vec!["西村党支部", "东镇党委", "20", "0"]]
        );
        assert_eq!(
            county.sections[0].rows[3],
            vec!["每日一题活跃党员", "10人（25%）"]
        );
        assert_eq!(
            county.sections[0].rows[5],
            vec!["规定事项已完成", "3/4项（75%）"]
        );
    }

    #[test]
    fn findings_are_named_in_every_report_above_them_but_not_those_explained() {
        let reports = compose_county(&[
            finding(5, Rule::PhotoReused, FindingStatus::Open),
            finding(6, Rule::Silent, FindingStatus::Upheld),
            finding(4, Rule::Silent, FindingStatus::Explained),
            finding(3, Rule::MinutesCopied, FindingStatus::Appealed),
        ]);
        let town = &reports[&2].sections[3];
        assert_eq!(
            town.rows.len(),
            2,
            "the branch's and its group's, not the explained one"
        );
        assert_eq!(town.rows[0][0], "西村党支部");
        assert_eq!(town.rows[0][1], "直属");
        assert_eq!(
            town.rows[1][1], "西村党支部",
            "a group belongs to its branch"
        );
        let county = &reports[&1];
        assert_eq!(county.sections[3].rows.len(), 3);
        assert_eq!(county.sections[3].rows[2][4], "申诉中");
        assert!(county.summary[1].contains("发现问题3条，涉及3个组织"));
        assert_eq!(county.sections[2].rows[1][4], "1", "南镇's own finding");
        assert_eq!(
            county.sections[2].rows[0][4], "2",
            "东镇 has none of its own: its branch's and the group's, not the explained one"
        );
        assert_eq!(
            county.sections[2]
                .rows
                .iter()
                .map(|r| r[4].parse::<usize>().unwrap())
                .sum::<usize>(),
            county.sections[3].rows.len(),
            "the towns' 问题数 add up to the problems named"
        );
        assert_eq!(
            counted_per_org(&[
                finding(5, Rule::PhotoReused, FindingStatus::Open),
                finding(5, Rule::Silent, FindingStatus::Explained),
            ]),
            HashMap::from([(5, 1)])
        );
        assert_eq!(county.summary[2], COUNTING_RULE);
    }

    #[test]
    fn the_same_records_compose_the_same_report_and_a_changed_one_differs() {
        let a = compose_county(&[finding(5, Rule::Silent, FindingStatus::Open)]);
        let b = compose_county(&[finding(5, Rule::Silent, FindingStatus::Open)]);
        assert_eq!(a[&1], b[&1]);
        let c = compose_county(&[finding(5, Rule::Silent, FindingStatus::Explained)]);
        assert_ne!(a[&1], c[&1]);
    }

    #[test]
    fn a_long_section_names_the_first_rows_and_counts_the_rest() {
        let findings: Vec<FindingLine> = (0..MAX_ROWS + 7)
            .map(|_| finding(4, Rule::Incomplete, FindingStatus::Open))
            .collect();
        let named = &compose_county(&findings)[&1].sections[3];
        assert_eq!(named.rows.len(), MAX_ROWS);
        assert_eq!(named.more, 7);
        assert!(named.more_note().unwrap().contains("另有7项"));
    }

    #[test]
    fn a_report_reaches_its_subtree_and_those_above_but_not_a_neighbour() {
        assert!(reaches("/1/2/", "/1/2/5/"), "a branch reads its town's");
        assert!(reaches("/1/2/", "/1/"), "the county reads the town's");
        assert!(reaches("/1/2/", "/1/2/"));
        assert!(!reaches("/1/2/", "/1/3/"), "another town does not");
        assert!(!reaches("/1/2/", "/1/22/"));
    }

    #[test]
    fn month_labels_have_no_leading_zero() {
        assert_eq!(month_label(date!(2026 - 02 - 01)), "2026年2月");
        assert_eq!(month_label(date!(2025 - 12 - 01)), "2025年12月");
    }

    #[test]
    fn the_report_carries_each_subordinates_dues_from_the_same_count() {
        use crate::domain::dues::{MonthState, Tally};
        let orgs = vec![
            org(1, None, "县委", "/1/"),
            org(2, Some(1), "东镇党委", "/1/2/"),
            org(3, Some(2), "东村党支部", "/1/2/3/"),
        ];
        let mut t = Tally::default();
        t.count(true, MonthState::Paid, 1500, 1500, 0);
        t.count(true, MonthState::Unpaid, 1500, 0, 7);
        let dues: HashMap<i64, Tally> = [(1, t), (2, t), (3, t)].into();
        let reports = compose(&MonthRecords {
            month: date!(2026 - 02 - 01),
            orgs: &orgs,
            tiers: &HashMap::new(),
            previous: &HashMap::new(),
            findings: &[],
            figures: &HashMap::new(),
            dues: &dues,
        });
        let (_, county) = reports.iter().find(|(id, _)| *id == 1).unwrap();
        assert!(
            county
                .summary
                .iter()
                .any(|s| s.contains("党费交纳率50%（已交1人，应交2人"))
        );
        let section = county
            .sections
            .iter()
            .find(|s| s.title == "七、党费交纳")
            .unwrap();
        assert_eq!(section.rows, vec![vec!["东镇党委", "2", "1", "50%", "1"]]);
    }
}
