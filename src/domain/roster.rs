//! The roster a county brings when it adopts the platform: its organization tree and its
//! member register (党员名册) as spreadsheet rows. Each row is checked by the same `parse`
//! rules as the forms; what the rows ask for is planned against what is already stored, so
//! that a preview can say what will be created and updated, and a second import of the same
//! file changes nothing.
use super::clock::{format_date, parse_written_date};
use super::member::{MemberEntry, MemberRecord, PersonFields, parse_member};
use super::org::{OrgEntry, OrgRecord, OrgType, parse_org};
use crate::spreadsheet::Row;
use std::collections::{HashMap, HashSet};
use time::Date;

labelled_enum!(
    /// What a roster file holds.
    Kind {
        Orgs => "orgs", "组织架构";
        Members => "members", "党员名册";
    }
);

/// The organization template's columns; a `*` marks those that must be filled.
pub const ORG_COLUMNS: &[&str] = &[
    "组织名称*",
    "组织编码",
    "组织类型*",
    "组织类别*",
    "上级组织（名称或编码）",
    "地址",
    "排序",
];

/// The member template's columns.
pub const MEMBER_COLUMNS: &[&str] = &[
    "姓名*",
    "性别*",
    "民族*",
    "身份证号*",
    "手机号",
    "学历*",
    "入党日期*",
    "转正日期",
    "党员状态*",
    "党员类别*",
    "所在支部（名称或编码）*",
    "党小组",
    "党内职务",
    "退役军人",
    "党费类别",
    "党费基数或月交纳额（元）",
];

/// The templates' example rows, in the order of the columns.
pub const ORG_EXAMPLES: &[&[&str]] = &[
    &["示范县委", "001", "县委", "机关", "", "", ""],
    &[
        "城关镇党委",
        "001001",
        "党委",
        "农村",
        "001",
        "城关镇人民路1号",
        "1",
    ],
    &[
        "红星村党支部",
        "001001001",
        "党支部",
        "农村",
        "城关镇党委",
        "",
        "1",
    ],
];
pub const MEMBER_EXAMPLES: &[&[&str]] = &[
    &[
        "张建国",
        "男",
        "汉族",
        "130984197005010134",
        "13812345678",
        "高中/中专",
        "1995.7.1",
        "1996年7月1日",
        "正式党员",
        "农牧渔民",
        "红星村党支部",
        "",
        "书记",
        "是",
        "农民党员",
        "0.5",
    ],
    &[
        "李秀英",
        "女",
        "回族",
        "130984199203150225",
        "",
        "大学本科",
        "2025/6/30",
        "",
        "预备党员",
        "在岗职工",
        "001001001",
        "",
        "",
        "",
        "在职党员",
        "4800",
    ],
];

/// A problem with one cell of the file, said the way the person will look for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: u32,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.row == 0 {
            write!(f, "{}", self.message)
        } else if self.column.is_empty() {
            write!(f, "第{}行：{}", self.row, self.message)
        } else {
            write!(f, "第{}行「{}」：{}", self.row, self.column, self.message)
        }
    }
}

fn problem(row: u32, column: &str, message: impl Into<String>) -> Problem {
    Problem {
        row,
        column: column.into(),
        message: message.into(),
    }
}

/// A heading as the template writes it, without its `*` and explanation in brackets.
fn heading(column: &str) -> &str {
    let column = column.trim().trim_end_matches('*');
    column
        .split(['（', '('])
        .next()
        .unwrap_or(column)
        .trim()
        .trim_end_matches('*')
}

/// Where each of the template's columns is in the file, found by its heading in the first
/// row, so that a county's own column order (or extra columns) does no harm.
struct Columns {
    at: HashMap<&'static str, usize>,
}

impl Columns {
    fn locate(header: &Row, template: &'static [&'static str]) -> Result<Self, Vec<Problem>> {
        let mut at = HashMap::new();
        for (i, cell) in header.cells.iter().enumerate() {
            if let Some(known) = template.iter().find(|t| heading(t) == heading(cell)) {
                at.entry(heading(known)).or_insert(i);
            }
        }
        let missing: Vec<Problem> = template
            .iter()
            .filter(|t| t.contains('*') && !at.contains_key(heading(t)))
            .map(|t| {
                problem(
                    header.number,
                    "",
                    format!("缺少“{}”列，请使用导入模板", heading(t)),
                )
            })
            .collect();
        if missing.is_empty() {
            Ok(Self { at })
        } else {
            Err(missing)
        }
    }

    fn get<'r>(&self, row: &'r Row, column: &str) -> &'r str {
        self.at.get(column).map(|i| row.cell(*i)).unwrap_or("")
    }
}

/// The header row, then the data rows; an empty file is a problem of its own.
fn split_header(rows: &[Row]) -> Result<(&Row, &[Row]), Vec<Problem>> {
    match rows.split_first() {
        Some((header, data)) if !data.is_empty() => Ok((header, data)),
        _ => Err(vec![problem(
            0,
            "",
            "文件中没有数据行，请按模板填写后再导入",
        )]),
    }
}

/// An organization as a row of the file asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub row: u32,
    pub code: Option<String>,
    /// The parent's code or name; empty for the county itself.
    pub parent: String,
    pub record: OrgRecord,
}

pub const CODE_MAX_CHARS: usize = 30;

/// Reads the organization rows, each checked by the organization form's rules.
pub fn parse_org_rows(rows: &[Row]) -> Result<Vec<OrgRow>, Vec<Problem>> {
    let (header, data) = split_header(rows)?;
    let columns = Columns::locate(header, ORG_COLUMNS)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut codes = HashSet::new();
    for row in data {
        let get = |c| columns.get(row, c);
        let Some(kind) = OrgType::from_code_or_label(get("组织类型")) else {
            problems.push(problem(
                row.number,
                "组织类型",
                "应为县委、党委、党工委、党总支、联村党总支、党支部、联合党支部、临时党支部或党小组",
            ));
            continue;
        };
        let entry = OrgEntry {
            name: get("组织名称"),
            category: get("组织类别"),
            address: get("地址"),
            sort_order: get("排序"),
        };
        let code = match get("组织编码") {
            "" => None,
            c if c.chars().count() > CODE_MAX_CHARS => {
                problems.push(problem(row.number, "组织编码", "组织编码过长"));
                None
            }
            c if !codes.insert(c.to_string()) => {
                problems.push(problem(row.number, "组织编码", "与前面的行重复"));
                None
            }
            c => Some(c.to_string()),
        };
        match parse_org(&entry, kind) {
            Ok(record) => out.push(OrgRow {
                row: row.number,
                code,
                parent: get("上级组织").to_string(),
                record,
            }),
            Err(errors) => problems.extend(errors.iter().map(|(field, message)| {
                let column = match field {
                    "name" => "组织名称",
                    "category" => "组织类别",
                    "address" => "地址",
                    _ => "排序",
                };
                problem(row.number, column, message)
            })),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// An organization already stored, as the planner needs it.
#[derive(Debug, Clone)]
pub struct StoredOrg {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub code: Option<String>,
    pub record: OrgRecord,
}

/// Where an organization goes: under a stored one, or under one an earlier row creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parent {
    Root,
    Stored(i64),
    /// The index, in the plan, of the row that creates it.
    Planned(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgChange {
    Create { parent: Parent },
    Update { id: i64 },
    Unchanged { id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrg {
    pub row: OrgRow,
    pub change: OrgChange,
}

/// A known organization during planning: stored, or created by an earlier row.
#[derive(Clone, Copy)]
struct Known {
    at: Parent,
    kind: OrgType,
}

/// Plans the rows against the stored tree. A row matches a stored organization by its code,
/// or by its name under the same parent; parents are named by code or by a name that only
/// one organization has, and come before their children in the file unless stored already.
pub fn plan_orgs(rows: Vec<OrgRow>, stored: &[StoredOrg]) -> Result<Vec<PlannedOrg>, Vec<Problem>> {
    let mut by_code: HashMap<String, Known> = HashMap::new();
    let mut by_name: HashMap<String, Vec<Known>> = HashMap::new();
    let mut children: HashMap<(Parent, String), i64> = HashMap::new();
    let mut stored_by_id = HashMap::new();
    for o in stored {
        let known = Known {
            at: Parent::Stored(o.id),
            kind: o.record.kind,
        };
        if let Some(code) = &o.code {
            by_code.insert(code.clone(), known);
        }
        by_name
            .entry(o.record.name.clone())
            .or_default()
            .push(known);
        let parent = o.parent_id.map(Parent::Stored).unwrap_or(Parent::Root);
        children.insert((parent, o.record.name.clone()), o.id);
        stored_by_id.insert(o.id, o);
    }
    let has_root = stored.iter().any(|o| o.parent_id.is_none());
    let mut problems = Vec::new();
    let mut plan = Vec::new();
    for row in rows {
        let parent = match parent_of(&row, &by_code, &by_name) {
            Ok(p) => p,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let matched = row
            .code
            .as_ref()
            .and_then(|c| by_code.get(c))
            .and_then(|k| match k.at {
                Parent::Stored(id) => Some(id),
                _ => None,
            })
            .or_else(|| children.get(&(parent, row.record.name.clone())).copied());
        let change = match matched.and_then(|id| stored_by_id.get(&id)) {
            Some(o) => {
                let placed = o.parent_id.map(Parent::Stored).unwrap_or(Parent::Root);
                if placed != parent {
                    problems.push(problem(
                        row.row,
                        "上级组织",
                        "该组织已在系统中隶属其他上级，调整隶属关系请在组织管理中操作",
                    ));
                    continue;
                }
                if o.record.kind != row.record.kind {
                    problems.push(problem(
                        row.row,
                        "组织类型",
                        format!(
                            "系统中该组织为{}，不能通过导入更改类型",
                            o.record.kind.label()
                        ),
                    ));
                    continue;
                }
                if o.record == row.record && (row.code.is_none() || o.code == row.code) {
                    OrgChange::Unchanged { id: o.id }
                } else {
                    OrgChange::Update { id: o.id }
                }
            }
            None => {
                if parent == Parent::Root && (has_root || plan.iter().any(is_planned_root)) {
                    problems.push(problem(
                        row.row,
                        "上级组织",
                        "系统中已有县委，请填写上级组织",
                    ));
                    continue;
                }
                let known = Known {
                    at: Parent::Planned(plan.len()),
                    kind: row.record.kind,
                };
                if let Some(code) = &row.code {
                    by_code.insert(code.clone(), known);
                }
                by_name
                    .entry(row.record.name.clone())
                    .or_default()
                    .push(known);
                OrgChange::Create { parent }
            }
        };
        plan.push(PlannedOrg { row, change });
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// Where a row's organization goes: the county itself, or under the one its parent column
/// names (by code, or by a name only one organization has), if its type may sit there.
fn parent_of(
    row: &OrgRow,
    by_code: &HashMap<String, Known>,
    by_name: &HashMap<String, Vec<Known>>,
) -> Result<Parent, Problem> {
    if row.parent.is_empty() {
        return if row.record.kind == OrgType::County {
            Ok(Parent::Root)
        } else {
            Err(problem(row.row, "上级组织", "请填写上级组织的名称或编码"))
        };
    }
    let found = match by_code.get(&row.parent) {
        Some(k) => *k,
        None => match by_name.get(&row.parent).map(Vec::as_slice) {
            Some([one]) => *one,
            Some([_, _, ..]) => {
                let message = format!("有多个组织名为“{}”，请改填上级组织的编码", row.parent);
                return Err(problem(row.row, "上级组织", message));
            }
            _ => {
                let message = format!(
                    "找不到“{}”：上级组织须已在系统中，或在本文件中排在前面",
                    row.parent
                );
                return Err(problem(row.row, "上级组织", message));
            }
        },
    };
    if row.record.kind.may_sit_under(found.kind) {
        Ok(found.at)
    } else {
        let (kind, parent) = (row.record.kind.label(), found.kind.label());
        Err(problem(
            row.row,
            "组织类型",
            format!("{kind}不能设在{parent}之下"),
        ))
    }
}

fn is_planned_root(p: &PlannedOrg) -> bool {
    p.change
        == (OrgChange::Create {
            parent: Parent::Root,
        })
}

/// The branch a member row names, with its party groups (id, name).
#[derive(Debug, Clone)]
pub struct BranchRef {
    pub id: i64,
    pub party_groups: Vec<(i64, String)>,
}

/// A member as a row of the file asks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub row: u32,
    pub record: MemberRecord,
    /// 党费: the category and base (or amount) the row gives, from this month on.
    pub dues: Option<crate::domain::dues::Assessment>,
}

/// The 党费 columns by heading (a column is found by its heading before any bracket).
const DUES_CATEGORY: &str = "党费类别";
const DUES_AMOUNT: &str = "党费基数或月交纳额";

/// The row's 党费 columns: nothing when both are empty; a hardship reduction is not taken
/// from a file (it needs the branch meeting's decision).
fn dues_of(
    category: &str,
    amount: &str,
    today: Date,
) -> Result<Option<crate::domain::dues::Assessment>, Vec<(&'static str, String)>> {
    use crate::domain::dues::{AssessmentEntry, DuesCategory, Month, parse_assessment};
    if category.trim().is_empty() && amount.trim().is_empty() {
        return Ok(None);
    }
    let Some(c) = DuesCategory::from_code_or_label(category) else {
        return Err(vec![(
            DUES_CATEGORY,
            "应为在职党员、离退休党员、农民党员、学生党员、下岗失业党员或享受低保党员".into(),
        )]);
    };
    if c == DuesCategory::Hardship {
        return Err(vec![(
            DUES_CATEGORY,
            "困难党员的减免须经支部党员大会决定，请在党费页登记".into(),
        )]);
    }
    let from = Month::of(today).code();
    let entry = AssessmentEntry {
        from: &from,
        category: c.code(),
        base: if c.has_base() { amount } else { "" },
        set_amount: if c.has_base() { "" } else { amount },
        decided_on: "",
    };
    parse_assessment(&entry, today).map(Some).map_err(|e| {
        e.iter()
            .map(|(_, m)| (DUES_AMOUNT, m.to_string()))
            .collect()
    })
}

fn member_column(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "gender" => "性别",
        "ethnicity" => "民族",
        "id_number" => "身份证号",
        "phone" => "手机号",
        "education" => "学历",
        "joined_on" => "入党日期",
        "full_member_on" => "转正日期",
        "status" => "党员状态",
        "category" => "党员类别",
        "party_group" => "党小组",
        _ => "党内职务",
    }
}

/// A date cell in the form's `YYYY-MM-DD` when it reads as a date; as written otherwise, so
/// that the form's rule names the problem.
fn written_date(cell: &str) -> String {
    parse_written_date(cell)
        .map(format_date)
        .unwrap_or_else(|| cell.to_string())
}

/// Reads the member rows, each checked by the member form's rules; `branch` finds a branch by
/// the code or name a row gives (or says why it cannot). A file that names the same ID or
/// phone number twice is refused at the second row.
pub fn parse_member_rows(
    rows: &[Row],
    branch: &dyn Fn(&str) -> Result<BranchRef, String>,
    today: Date,
) -> Result<Vec<MemberRow>, Vec<Problem>> {
    let (header, data) = split_header(rows)?;
    let columns = Columns::locate(header, MEMBER_COLUMNS)?;
    let mut problems = Vec::new();
    let mut out: Vec<MemberRow> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut phones: HashMap<String, u32> = HashMap::new();
    for row in data {
        let get = |c| columns.get(row, c);
        let branch = match branch(get("所在支部")) {
            Ok(b) => b,
            Err(message) => {
                problems.push(problem(row.number, "所在支部", message));
                continue;
            }
        };
        let group = get("党小组");
        let group_id = match branch.party_groups.iter().find(|(_, name)| name == group) {
            Some((id, _)) => id.to_string(),
            None => group.to_string(),
        };
        let joined_on = written_date(get("入党日期"));
        let full_member_on = written_date(get("转正日期"));
        let entry = MemberEntry {
            who: PersonFields {
                name: get("姓名"),
                gender: get("性别"),
                ethnicity: get("民族"),
                id_number: get("身份证号"),
                phone: get("手机号"),
                education: get("学历"),
            },
            joined_on: &joined_on,
            full_member_on: &full_member_on,
            status: get("党员状态"),
            category: get("党员类别"),
            party_group: &group_id,
            posts: get("党内职务")
                .split(['、', ',', '，', ';', '；', ' '])
                .filter(|p| !p.is_empty())
                .collect(),
            veteran: matches!(get("退役军人"), "是" | "退役军人" | "Y" | "y" | "1"),
        };
        let groups: Vec<i64> = branch.party_groups.iter().map(|(id, _)| *id).collect();
        match parse_member(&entry, branch.id, &groups, today) {
            Ok(record) => {
                if let Some(first) = ids.insert(record.id_number.clone(), row.number) {
                    problems.push(problem(
                        row.number,
                        "身份证号",
                        format!("与第{first}行重复"),
                    ));
                }
                if let Some(phone) = &record.phone
                    && let Some(first) = phones.insert(phone.clone(), row.number)
                {
                    problems.push(problem(row.number, "手机号", format!("与第{first}行重复")));
                }
                match dues_of(get(DUES_CATEGORY), get(DUES_AMOUNT), today) {
                    Ok(dues) => out.push(MemberRow {
                        row: row.number,
                        record,
                        dues,
                    }),
                    Err(faults) => problems.extend(
                        faults
                            .into_iter()
                            .map(|(column, message)| problem(row.number, column, message)),
                    ),
                }
            }
            Err(errors) => problems.extend(
                errors
                    .iter()
                    .map(|(field, message)| problem(row.number, member_column(field), message)),
            ),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A member already stored, as the planner needs them: matched by ID number.
#[derive(Debug, Clone)]
pub struct StoredMember {
    pub id: i64,
    pub record: MemberRecord,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// A new member; an account with a one-time code when they have a phone.
    Create,
    /// Corrected fields; `moved_from` when the row places them in another branch.
    Update {
        id: i64,
        moved_from: Option<i64>,
    },
    Unchanged {
        id: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMember {
    pub row: MemberRow,
    pub change: MemberChange,
}

/// Plans the rows against the stored register: `stored` finds a member by ID number,
/// `phone_owner` says which member (or other account, `None`) already uses a phone number.
pub fn plan_members(
    rows: Vec<MemberRow>,
    stored: &dyn Fn(&str) -> Option<StoredMember>,
    phone_owner: &dyn Fn(&str) -> Option<Option<i64>>,
) -> Result<Vec<PlannedMember>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut plan = Vec::new();
    for row in rows {
        let existing = stored(&row.record.id_number);
        if let Some(phone) = &row.record.phone
            && let Some(owner) = phone_owner(phone)
            && (owner.is_none() || owner != existing.as_ref().map(|m| m.id))
        {
            problems.push(problem(row.row, "手机号", "该手机号已被其他党员或账号使用"));
            continue;
        }
        let change = match existing {
            None => MemberChange::Create,
            Some(m) if m.record == row.record => MemberChange::Unchanged { id: m.id },
            Some(m) => MemberChange::Update {
                id: m.id,
                moved_from: (m.record.branch_id != row.record.branch_id)
                    .then_some(m.record.branch_id),
            },
        };
        plan.push(PlannedMember { row, change });
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// How many rows a plan creates, updates and leaves alone.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    pub fn of_orgs(plan: &[PlannedOrg]) -> Self {
        plan.iter().fold(Self::default(), |t, p| match p.change {
            OrgChange::Create { .. } => t.add(1, 0, 0),
            OrgChange::Update { .. } => t.add(0, 1, 0),
            OrgChange::Unchanged { .. } => t.add(0, 0, 1),
        })
    }

    pub fn of_members(plan: &[PlannedMember]) -> Self {
        plan.iter().fold(Self::default(), |t, p| match p.change {
            MemberChange::Create => t.add(1, 0, 0),
            MemberChange::Update { .. } => t.add(0, 1, 0),
            MemberChange::Unchanged { .. } => t.add(0, 0, 1),
        })
    }

    fn add(self, created: usize, updated: usize, unchanged: usize) -> Self {
        Self {
            created: self.created + created,
            updated: self.updated + updated,
            unchanged: self.unchanged + unchanged,
        }
    }

    pub fn changes(&self) -> usize {
        self.created + self.updated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::OrgCategory;

    fn rows(lines: &[&[&str]]) -> Vec<Row> {
        lines
            .iter()
            .enumerate()
            .map(|(i, cells)| Row {
                number: i as u32 + 1,
                cells: cells.iter().map(|c| c.to_string()).collect(),
            })
            .collect()
    }

    fn with_header(header: &[&'static str], data: &[&[&str]]) -> Vec<Row> {
        let mut all: Vec<&[&str]> = vec![header];
        all.extend_from_slice(data);
        rows(&all)
    }

    fn today() -> Date {
        time::macros::date!(2026 - 11 - 28)
    }

    #[test]
    fn the_template_examples_plan_as_a_new_county() {
        let orgs = parse_org_rows(&with_header(ORG_COLUMNS, ORG_EXAMPLES)).unwrap();
        let plan = plan_orgs(orgs, &[]).unwrap();
        assert_eq!(
            plan.iter().map(|p| p.change.clone()).collect::<Vec<_>>(),
            vec![
                OrgChange::Create {
                    parent: Parent::Root
                },
                OrgChange::Create {
                    parent: Parent::Planned(0)
                },
                OrgChange::Create {
                    parent: Parent::Planned(1)
                },
            ]
        );
        let branch = |r: &str| match r {
            "红星村党支部" | "001001001" => Ok(BranchRef {
                id: 7,
                party_groups: vec![],
            }),
            _ => Err("找不到".to_string()),
        };
        let members = parse_member_rows(
            &with_header(MEMBER_COLUMNS, MEMBER_EXAMPLES),
            &branch,
            today(),
        )
        .unwrap();
        assert_eq!(members.len(), 2);
        let first = &members[0].record;
        assert_eq!(
            (first.joined_on.as_str(), first.full_member_on.as_deref()),
            ("1995-07-01", Some("1996-07-01"))
        );
        assert!(first.veteran);
        assert_eq!(first.posts, "secretary");
        assert_eq!(members[1].record.joined_on, "2025-06-30");
        assert_eq!(members[1].record.phone, None);
    }

    #[test]
    fn columns_are_found_by_heading_in_any_order_and_missing_ones_are_named() {
        let header: &[&str] = &["备注", "组织类别", "组织名称", "组织类型", "上级组织"];
        let orgs = parse_org_rows(&rows(&[header, &["", "农村", "某县委", "县委", ""]])).unwrap();
        assert_eq!(orgs[0].record.name, "某县委");
        let problems =
            parse_org_rows(&rows(&[&["组织名称", "组织类型"], &["x", "县委"]])).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "第1行：缺少“组织类别”列，请使用导入模板"
        );
        let empty = parse_org_rows(&rows(&[ORG_COLUMNS])).unwrap_err();
        assert!(empty[0].to_string().contains("没有数据行"));
    }

    fn stored(
        id: i64,
        parent: Option<i64>,
        name: &str,
        kind: OrgType,
        code: Option<&str>,
    ) -> StoredOrg {
        StoredOrg {
            id,
            parent_id: parent,
            path: String::new(),
            code: code.map(str::to_string),
            record: OrgRecord {
                name: name.into(),
                kind,
                category: OrgCategory::Rural,
                address: String::new(),
                sort_order: 0,
            },
        }
    }

    #[test]
    fn organizations_match_by_code_or_name_under_their_parent() {
        let tree = [
            stored(1, None, "示范县委", OrgType::County, Some("001")),
            stored(2, Some(1), "城关镇党委", OrgType::Committee, None),
            stored(3, Some(1), "河西乡党委", OrgType::Committee, None),
            stored(4, Some(2), "第一党支部", OrgType::Branch, None),
            stored(5, Some(3), "第一党支部", OrgType::Branch, None),
        ];
        let file = |lines: &[&[&str]]| parse_org_rows(&with_header(ORG_COLUMNS, lines)).unwrap();
        let same = file(&[
            &["示范县委", "001", "县委", "农村", "", "", ""],
            &["城关镇党委", "", "党委", "农村", "001", "", ""],
            &["第二党支部", "", "党支部", "社区", "城关镇党委", "", ""],
        ]);
        let plan = plan_orgs(same, &tree).unwrap();
        assert_eq!(plan[0].change, OrgChange::Unchanged { id: 1 });
        assert_eq!(plan[1].change, OrgChange::Unchanged { id: 2 });
        assert_eq!(
            plan[2].change,
            OrgChange::Create {
                parent: Parent::Stored(2)
            }
        );
        let ambiguous = file(&[&["第一党小组", "", "党小组", "农村", "第一党支部", "", ""]]);
        let p = plan_orgs(ambiguous, &tree).unwrap_err();
        assert_eq!(
            p[0].to_string(),
            "第2行「上级组织」：有多个组织名为“第一党支部”，请改填上级组织的编码"
        );
        let misplaced = file(&[
            &["新党委", "", "党委", "农村", "第九党支部", "", ""],
            &["小组", "", "党小组", "农村", "城关镇党委", "", ""],
            &["另一个县委", "", "县委", "农村", "", "", ""],
        ]);
        let p = plan_orgs(misplaced, &tree).unwrap_err();
        assert_eq!(p.len(), 3);
        assert!(p[0].message.starts_with("找不到“第九党支部”"));
        assert_eq!(p[1].message, "党小组不能设在党委之下");
        assert_eq!(p[2].message, "系统中已有县委，请填写上级组织");
        let renamed_category = file(&[&["城关镇党委", "", "党委", "社区", "示范县委", "", ""]]);
        assert_eq!(
            plan_orgs(renamed_category, &tree).unwrap()[0].change,
            OrgChange::Update { id: 2 }
        );
    }

    #[test]
    fn a_member_file_names_each_bad_cell_and_repeated_numbers() {
        let id = MEMBER_EXAMPLES[0][3];
        let branch = |r: &str| match r {
            "红星村党支部" => Ok(BranchRef {
                id: 7,
                party_groups: vec![(9, "第一党小组".into())],
            }),
            other => Err(format!("找不到党支部“{other}”")),
        };
        let good = MEMBER_EXAMPLES[0];
        let mut wrong_date = good.to_vec();
        wrong_date[6] = "去年七月";
        let mut elsewhere = good.to_vec();
        elsewhere[10] = "不存在支部";
        let mut grouped = good.to_vec();
        grouped[11] = "第一党小组";
        grouped[4] = "";
        let lines: Vec<&[&str]> = vec![good, &wrong_date, &elsewhere, &grouped];
        let p =
            parse_member_rows(&with_header(MEMBER_COLUMNS, &lines), &branch, today()).unwrap_err();
        let said: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            said,
            vec![
                "第3行「入党日期」：请填写入党日期，格式如 2020-07-01".to_string(),
                "第4行「所在支部」：找不到党支部“不存在支部”".to_string(),
                "第5行「身份证号」：与第2行重复".to_string(),
            ]
        );
        let alone: Vec<&[&str]> = vec![&grouped];
        let ok = parse_member_rows(&with_header(MEMBER_COLUMNS, &alone), &branch, today()).unwrap();
        assert_eq!(ok[0].record.party_group_id, Some(9));
        assert_eq!(ok[0].record.id_number, id);
    }

    #[test]
    fn members_match_by_id_number_and_phones_stay_with_their_owner() {
        let branch = |_: &str| {
            Ok(BranchRef {
                id: 7,
                party_groups: vec![],
            })
        };
        let lines: Vec<&[&str]> = vec![MEMBER_EXAMPLES[0], MEMBER_EXAMPLES[1]];
        let parsed =
            parse_member_rows(&with_header(MEMBER_COLUMNS, &lines), &branch, today()).unwrap();
        let first = parsed[0].record.clone();
        let known = first.clone();
        let stored = move |id: &str| {
            (id == known.id_number).then(|| StoredMember {
                id: 40,
                record: known.clone(),
            })
        };
        let phone_owner = |p: &str| (p == "13812345678").then_some(Some(40));
        let plan = plan_members(parsed.clone(), &stored, &phone_owner).unwrap();
        assert_eq!(plan[0].change, MemberChange::Unchanged { id: 40 });
        assert_eq!(plan[1].change, MemberChange::Create);
        assert_eq!(Tally::of_members(&plan).changes(), 1);

        let moved = move |id: &str| {
            (id == first.id_number).then(|| StoredMember {
                id: 40,
                record: MemberRecord {
                    branch_id: 3,
                    ..first.clone()
                },
            })
        };
        let plan = plan_members(parsed.clone(), &moved, &phone_owner).unwrap();
        assert_eq!(
            plan[0].change,
            MemberChange::Update {
                id: 40,
                moved_from: Some(3)
            }
        );
        let taken = |p: &str| (p == "13812345678").then_some(None);
        let p = plan_members(parsed, &|_| None, &taken).unwrap_err();
        assert_eq!(
            p[0].to_string(),
            "第2行「手机号」：该手机号已被其他党员或账号使用"
        );
    }
}
