//! 发展党员: the path from application to full membership as 《中国共产党发展党员工作细则》
//! (2014) sets it — five stages, twenty-five steps, each recorded by the body the rules name,
//! in order, and not before its time. A person's history is the list of steps done; what may
//! come next, when, and what is overdue are read from it.
use super::clock::add_months;
use super::idcard::IdNumber;
use super::member::{Education, Gender, MemberCategory, PersonFields, parse_identity};
use super::orglife::{Frequency, Period};
use super::text::FieldErrors;
use time::Date;

labelled_enum!(
    /// Where a person stands on the path.
    Stage {
        Applicant => "applicant", "入党申请人";
        Activist => "activist", "入党积极分子";
        Candidate => "candidate", "发展对象";
        Probationary => "probationary", "预备党员";
        Full => "full", "正式党员";
        Cancelled => "cancelled", "取消预备党员资格";
    }
);

labelled_enum!(
    /// Who records a step: the branch (its secretary or 组织委员), the committee above it, or
    /// the organization department above that.
    Recorder {
        Branch => "branch", "党支部";
        Above => "above", "上级党委";
        Department => "department", "县委组织部";
    }
);

labelled_enum!(
    /// What the branch meeting decided when a probation ended.
    Decision {
        OnTime => "on_time", "按期转正";
        Extend => "extend", "延长预备期";
        Cancel => "cancel", "取消预备党员资格";
    }
);

/// What a step asks for beyond its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Just the date (and a note).
    Date,
    /// Members named: between `min` and `max` full members (培养联系人, 入党介绍人).
    People { min: u8, max: u8 },
    /// A document kept with the step (the application, 思想汇报, 政审 material, 志愿书).
    Document,
    /// The concentrated training's length.
    Training,
    /// A branch meeting's vote.
    Vote,
    /// The branch meeting's decision at the probation's end.
    Decision,
}

/// One of the twenty-five steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: u8,
    pub stage: Stage,
    pub name: &'static str,
    pub recorder: Recorder,
    pub need: Need,
}

const fn step(
    number: u8,
    stage: Stage,
    name: &'static str,
    recorder: Recorder,
    need: Need,
) -> Step {
    Step {
        number,
        stage,
        name,
        recorder,
        need,
    }
}

use Recorder::*;
use Stage::*;

/// The twenty-five steps, in order; a step's stage is the one it belongs to (the person
/// reaches the next stage when the stage's deciding step is done).
pub const STEPS: [Step; 25] = [
    step(1, Applicant, "递交入党申请书", Branch, Need::Document),
    step(2, Applicant, "党组织派人谈话", Branch, Need::Date),
    step(3, Activist, "推荐和确定入党积极分子", Branch, Need::Date),
    step(4, Activist, "报上级党委备案", Above, Need::Date),
    step(
        5,
        Activist,
        "指定培养联系人",
        Branch,
        Need::People { min: 1, max: 2 },
    ),
    step(6, Activist, "培养教育考察", Branch, Need::Document),
    step(7, Candidate, "确定发展对象", Branch, Need::Date),
    step(8, Candidate, "报上级党委备案", Above, Need::Date),
    step(
        9,
        Candidate,
        "确定入党介绍人",
        Branch,
        Need::People { min: 2, max: 2 },
    ),
    step(10, Candidate, "进行政治审查", Branch, Need::Document),
    step(11, Candidate, "开展集中培训", Above, Need::Training),
    step(12, Probationary, "支部委员会审查", Branch, Need::Date),
    step(13, Probationary, "上级党委预审", Above, Need::Date),
    step(14, Probationary, "填写入党志愿书", Branch, Need::Document),
    step(15, Probationary, "支部大会讨论接收", Branch, Need::Vote),
    step(16, Probationary, "上级党委派人谈话", Above, Need::Date),
    step(17, Probationary, "上级党委审批", Above, Need::Date),
    step(18, Probationary, "报县委组织部备案", Department, Need::Date),
    step(19, Full, "编入党支部和党小组", Branch, Need::Date),
    step(20, Full, "入党宣誓", Branch, Need::Date),
    step(21, Full, "继续教育考察", Branch, Need::Document),
    step(22, Full, "提出转正申请", Branch, Need::Document),
    step(23, Full, "支部大会讨论转正", Branch, Need::Decision),
    step(24, Full, "上级党委审批转正", Above, Need::Date),
    step(25, Full, "材料归档", Branch, Need::Date),
];

/// Steps recorded more than once: the half-yearly assessments of an activist and of a
/// probationary member.
pub const REPEATED: [u8; 2] = [6, 21];

pub fn step_of(number: u8) -> Option<&'static Step> {
    STEPS.get(usize::from(number).checked_sub(1)?)
}

/// A step done: its number, its date, and (step 23) the decision with any extension in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub step: u8,
    pub on: Date,
    pub decision: Option<(Decision, u8)>,
}

impl Done {
    pub fn new(step: u8, on: Date) -> Self {
        Done {
            step,
            on,
            decision: None,
        }
    }
}

/// Months an activist is trained before becoming a 发展对象, and a probation lasts.
pub const ACTIVIST_MONTHS: i32 = 12;
pub const PROBATION_MONTHS: i32 = 12;
/// Months between assessments of an activist or a probationary member.
pub const ASSESSMENT_MONTHS: i32 = 6;
/// Months the committee above has to approve a branch meeting's decision.
pub const APPROVAL_MONTHS: i32 = 3;
/// An extended probation: at least six months, at most a year, once.
pub const EXTENSION_MONTHS: (u8, u8) = (6, 12);
/// Concentrated training: at least three days or twenty-four class hours.
pub const TRAINING_DAYS: u32 = 3;
pub const TRAINING_HOURS: u32 = 24;

/// A person's path so far, in the order the steps were done.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub birth: Option<Date>,
    pub done: Vec<Done>,
}

impl History {
    fn last_of(&self, step: u8) -> Option<&Done> {
        self.done.iter().rev().find(|d| d.step == step)
    }

    /// When the step was last done.
    pub fn date_of(&self, step: u8) -> Option<Date> {
        self.last_of(step).map(|d| d.on)
    }

    fn count_of(&self, step: u8) -> usize {
        self.done.iter().filter(|d| d.step == step).count()
    }

    /// The decisions of branch meetings on the probation, in order.
    fn decisions(&self) -> impl Iterator<Item = (Decision, u8)> + '_ {
        self.done.iter().filter_map(|d| d.decision)
    }

    /// The branch meeting's last decision on the probation, with any extension in months.
    pub fn decision(&self) -> Option<(Decision, u8)> {
        self.decisions().last()
    }

    /// 入党日期: the day the branch meeting admitted them (预备期 counts from it).
    pub fn admitted_on(&self) -> Option<Date> {
        self.date_of(17).and(self.date_of(15))
    }

    /// When the probation ends: a year from admission, plus any extension.
    pub fn probation_ends(&self) -> Option<Date> {
        let admitted = self.date_of(15)?;
        let extended: i32 = self
            .decisions()
            .filter(|(d, _)| *d == Decision::Extend)
            .map(|(_, months)| i32::from(months))
            .sum();
        Some(add_months(admitted, PROBATION_MONTHS + extended))
    }

    /// 转正日期: the end of the probation, once the committee above approved it.
    pub fn full_member_on(&self) -> Option<Date> {
        let approved = self.date_of(24)?;
        let decided = self.decisions().last()?;
        (decided.0 == Decision::OnTime && approved >= self.date_of(23)?)
            .then(|| self.probation_ends())
            .flatten()
    }

    pub fn stage(&self) -> Stage {
        let cancelled = self.decisions().last().map(|d| d.0) == Some(Decision::Cancel);
        if cancelled
            && self
                .date_of(24)
                .is_some_and(|a| Some(a) >= self.date_of(23))
        {
            Cancelled
        } else if self.full_member_on().is_some() {
            Full
        } else if self.date_of(17).is_some() {
            Probationary
        } else if self.date_of(7).is_some() {
            Candidate
        } else if self.date_of(3).is_some() {
            Activist
        } else {
            Applicant
        }
    }

    /// Whether the path has ended (full member, or probation cancelled).
    pub fn ended(&self) -> bool {
        matches!(self.stage(), Full | Cancelled) && self.date_of(25).is_some()
    }
}

/// The step to be recorded next, with its earliest and latest dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    pub step: u8,
    pub earliest: Option<Date>,
    pub latest: Option<Date>,
}

impl Next {
    pub fn overdue(&self, today: Date) -> bool {
        self.latest.is_some_and(|l| today > l)
    }
    /// Due this month: its latest date falls in the month of `today`, and has not passed.
    pub fn due_in_month(&self, today: Date) -> bool {
        self.latest
            .is_some_and(|l| l >= today && (l.year(), l.month()) == (today.year(), today.month()))
    }
}

/// The next step in order, after the last one done: after a decision to extend the
/// probation, the application and the meeting come round again.
/// A repeated assessment is in the order once; the later ones come by `assessment_due`.
fn next_in_order(h: &History) -> Option<u8> {
    let last = h.done.iter().rfind(|d| !REPEATED.contains(&d.step));
    let after = match last.map(|d| d.step) {
        None => 1,
        Some(24) if h.decisions().last().map(|x| x.0) == Some(Decision::Extend) => 22,
        Some(25) => return None,
        Some(step) => step + 1,
    };
    Some(if REPEATED.contains(&after) && h.count_of(after) > 0 {
        after + 1
    } else {
        after
    })
}

/// The next step, or `None` when the path has ended.
pub fn next(h: &History) -> Option<Next> {
    let step = next_in_order(h)?;
    Some(Next {
        step,
        earliest: earliest(h, step),
        latest: latest(h, step),
    })
}

/// The repeated assessment due now, if the person is in a stage that has one: the activist's
/// half-yearly 考察 (step 6) until 发展对象, the probationary member's (step 21) until 转正.
pub fn assessment_due(h: &History) -> Option<Next> {
    let (step, since) = match h.stage() {
        Activist => (6, h.date_of(6).or(h.date_of(5))?),
        Probationary if h.date_of(20).is_some() => (21, h.date_of(21).or(h.date_of(20))?),
        _ => return None,
    };
    Some(Next {
        step,
        earliest: Some(since),
        latest: Some(add_months(since, ASSESSMENT_MONTHS)),
    })
}

fn earliest(h: &History, step: u8) -> Option<Date> {
    let previous = h.done.iter().map(|d| d.on).max();
    let rule = match step {
        7 => h.date_of(3).map(|d| add_months(d, ACTIVIST_MONTHS)),
        22 => h.probation_ends().map(|d| add_months(d, -1)),
        23 => h.probation_ends(),
        _ => None,
    };
    match (previous, rule) {
        (Some(p), Some(r)) => Some(p.max(r)),
        (p, r) => p.or(r),
    }
}

fn latest(h: &History, step: u8) -> Option<Date> {
    match step {
        2 => h.date_of(1).map(|d| add_months(d, 1)),
        16 | 17 => h.date_of(15).map(|d| add_months(d, APPROVAL_MONTHS)),
        22 => h.probation_ends(),
        23 => h.probation_ends().map(|d| add_months(d, 1)),
        24 => h.date_of(23).map(|d| add_months(d, APPROVAL_MONTHS)),
        _ => None,
    }
}

/// The branch meeting's vote on admitting someone: those with a vote (正式党员) expected and
/// present, and how they voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Vote {
    pub eligible: u32,
    pub present: u32,
    pub in_favour: u32,
    pub against: u32,
    pub abstained: u32,
}

impl Vote {
    /// The meeting could decide (more than half of those with a vote came) and more than half
    /// of all with a vote were in favour; otherwise why not.
    pub fn passed(&self) -> Result<bool, &'static str> {
        if self.eligible == 0 {
            return Err("请填写应到会有表决权的正式党员人数");
        }
        if self.present > self.eligible {
            return Err("到会人数不能多于应到人数");
        }
        if self.in_favour + self.against + self.abstained > self.present {
            return Err("赞成、反对、弃权合计不能多于到会人数");
        }
        if self.present * 2 <= self.eligible {
            return Err("到会有表决权的正式党员未超过应到人数的半数，不能讨论接收预备党员");
        }
        Ok(self.in_favour * 2 > self.eligible)
    }
}

/// What is recorded with a step besides its date.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    /// Members named (培养联系人, 入党介绍人): their ids, and whether each is a full member.
    pub people: Vec<(i64, bool)>,
    /// Concentrated training: days and class hours.
    pub training: Option<(u32, u32)>,
    pub vote: Option<Vote>,
    pub decision: Option<(Decision, u8)>,
    /// Whether a document is attached.
    pub document: bool,
}

fn date_text(d: Date) -> String {
    super::clock::format_date(d)
}

/// Whether `step` may be recorded on `on` (today being `today`) with `detail`: the next step
/// in order (or a repeated assessment in its stage), not in the future, not before its time,
/// with what it needs. The refusal says why and, where waiting helps, from when.
pub fn check(h: &History, step: u8, on: Date, today: Date, detail: &Detail) -> Result<(), String> {
    let rule = check_time(h, step, on, today)?;
    check_detail(h, rule, detail)
}

/// The half of `check` about order and time: the step that may be recorded on `on`, or why
/// not (a refusal about the date).
pub fn check_time(h: &History, step: u8, on: Date, today: Date) -> Result<&'static Step, String> {
    let Some(rule) = step_of(step) else {
        return Err("没有这一步".into());
    };
    if on > today {
        return Err("日期不能晚于今天".into());
    }
    let assessment = assessment_due(h).filter(|a| a.step == step);
    let expected = match assessment {
        Some(a) => a,
        None => {
            let Some(n) = next(h) else {
                return Err("发展程序已经完成".into());
            };
            if n.step != step {
                let want = step_of(n.step).map_or("", |s| s.name);
                return Err(format!(
                    "请按顺序办理：下一步是第{}步“{want}”，还不能办理第{step}步“{}”",
                    n.step, rule.name
                ));
            }
            n
        }
    };
    if let Some(earliest) = expected.earliest.filter(|e| on < *e) {
        return Err(match step {
            7 => format!(
                "确定为入党积极分子满一年后才能确定为发展对象，{} 起可以办理",
                date_text(earliest)
            ),
            22 => format!(
                "预备期满前一个月内提出转正申请，{} 起可以办理",
                date_text(earliest)
            ),
            23 => format!("预备期满（{}）后才能讨论转正", date_text(earliest)),
            _ => format!("日期不能早于上一步（{}）", date_text(earliest)),
        });
    }
    if rule.number == 7 && h.count_of(6) < 2 {
        return Err("培养教育考察每半年一次，确定为发展对象前应有至少两次考察记录".into());
    }
    if rule.number == 1 && h.birth.is_some_and(|birth| on < add_months(birth, 18 * 12)) {
        return Err("年满18周岁才能申请入党".into());
    }
    Ok(rule)
}

/// The half of `check` about what the step records (people, training, vote, decision,
/// document).
pub fn check_detail(h: &History, rule: &Step, detail: &Detail) -> Result<(), String> {
    match rule.need {
        Need::Date => {}
        Need::Document => {
            if !detail.document && matches!(rule.number, 1 | 14) {
                return Err(format!(
                    "请上传{}",
                    if rule.number == 1 {
                        "入党申请书"
                    } else {
                        "入党志愿书"
                    }
                ));
            }
        }
        Need::People { min, max } => {
            let n = detail.people.len();
            if n < usize::from(min) || n > usize::from(max) {
                return Err(if min == max {
                    format!("请指定{min}名正式党员")
                } else {
                    format!("请指定{min}至{max}名正式党员")
                });
            }
            if detail.people.iter().any(|(_, full)| !full) {
                return Err("只能由正式党员担任".into());
            }
            let mut ids: Vec<i64> = detail.people.iter().map(|p| p.0).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != n {
                return Err("同一名党员不能重复指定".into());
            }
        }
        Need::Training => match detail.training {
            Some((days, hours)) if days >= TRAINING_DAYS || hours >= TRAINING_HOURS => {}
            _ => {
                return Err(format!(
                    "集中培训时间一般不少于{TRAINING_DAYS}天或不少于{TRAINING_HOURS}个学时"
                ));
            }
        },
        Need::Vote => match detail.vote.map(|v| v.passed()) {
            None => return Err("请填写表决情况".into()),
            Some(Err(why)) => return Err(why.into()),
            Some(Ok(false)) => {
                return Err(
                    "赞成人数未超过应到会有表决权正式党员的半数，不能接收为预备党员".into(),
                );
            }
            Some(Ok(true)) => {}
        },
        Need::Decision => match detail.decision {
            None => return Err("请选择支部大会的决定".into()),
            Some((Decision::Extend, months)) => {
                if h.decisions().any(|d| d.0 == Decision::Extend) {
                    return Err("预备期只能延长一次".into());
                }
                if months < EXTENSION_MONTHS.0 || months > EXTENSION_MONTHS.1 {
                    return Err("延长预备期不能少于半年，最长不超过一年".into());
                }
            }
            Some(_) => {}
        },
    }
    Ok(())
}

/// Where a person stands today: their stage, the step due next in order and any half-yearly
/// assessment due. The board, the counts, the 台账 and the reminders all read this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub stage: Stage,
    pub next: Option<Next>,
    pub assessment: Option<Next>,
    pub ended: bool,
}

pub fn standing(h: &History) -> Standing {
    Standing {
        stage: h.stage(),
        next: next(h),
        assessment: assessment_due(h),
        ended: h.ended(),
    }
}

impl Standing {
    /// What is due soonest of the next step and the assessment (the one with a deadline,
    /// the earlier deadline first).
    pub fn most_urgent(&self) -> Option<Next> {
        [self.next, self.assessment]
            .into_iter()
            .flatten()
            .filter(|n| n.latest.is_some())
            .min_by_key(|n| n.latest)
    }

    pub fn overdue(&self, today: Date) -> bool {
        self.most_urgent().is_some_and(|n| n.overdue(today))
    }

    pub fn due_this_month(&self, today: Date) -> bool {
        !self.overdue(today)
            && [self.next, self.assessment]
                .into_iter()
                .flatten()
                .any(|n| n.due_in_month(today))
    }
}

/// People on the path by stage, with what is due: one organization's line of the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub applicants: usize,
    pub activists: usize,
    pub candidates: usize,
    pub probationary: usize,
    pub due_this_month: usize,
    pub overdue: usize,
}

impl Counts {
    /// Counts one person. An archived file counts nowhere; a path decided but not yet
    /// archived is in no stage, though its 归档 may be due or late.
    pub fn add(&mut self, s: &Standing, today: Date) {
        if s.ended {
            return;
        }
        match s.stage {
            Applicant => self.applicants += 1,
            Activist => self.activists += 1,
            Candidate => self.candidates += 1,
            Probationary => self.probationary += 1,
            Full | Cancelled => {}
        }
        self.overdue += usize::from(s.overdue(today));
        self.due_this_month += usize::from(s.due_this_month(today));
    }

    /// Everyone still on the path.
    pub fn on_the_path(&self) -> usize {
        self.applicants + self.activists + self.candidates + self.probationary
    }
}

/// Longest note with a step, 思想汇报 and a contact's comment.
pub const NOTE_MAX_CHARS: usize = 500;
pub const REPORT_MAX_CHARS: usize = 3000;
pub const COMMENT_MAX_CHARS: usize = 500;

/// What the branch typed for a person who applied (codes or labels for the coded fields).
#[derive(Debug, Default, Clone)]
pub struct PersonEntry<'a> {
    pub who: PersonFields<'a>,
    pub category: &'a str,
}

/// A person who passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    pub birth_date: Date,
    pub id_number: IdNumber,
    pub phone: Option<String>,
    pub education: Education,
    pub category: MemberCategory,
}

/// Checks a person as the member register checks a member (`parse_identity`); the age rule
/// waits for the application's date (step 1).
pub fn parse_person(e: &PersonEntry) -> Result<PersonRecord, FieldErrors> {
    let mut errors = FieldErrors::default();
    let who = parse_identity(&e.who, &mut errors);
    let category = MemberCategory::from_code_or_label(e.category);
    if category.is_none() {
        errors.add("category", "请选择人员类别");
    }
    match (who, category) {
        (Some(who), Some(category)) if errors.is_empty() => Ok(PersonRecord {
            name: who.name,
            gender: who.gender,
            ethnicity: who.ethnicity,
            birth_date: who.id_number.birth_date(),
            id_number: who.id_number,
            phone: who.phone,
            education: who.education,
            category,
        }),
        _ => Err(errors),
    }
}

/// The quarter a 思想汇报 belongs to (reports are quarterly).
pub fn report_quarter(on: Date) -> Period {
    Frequency::Quarterly.period_of(on)
}

/// Whether someone at this stage writes 思想汇报: from application until full membership.
pub fn reports_due(stage: Stage) -> bool {
    matches!(stage, Applicant | Activist | Candidate | Probationary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn with(h: &mut History, step: u8, on: Date, detail: &Detail, today: Date) {
        check(h, step, on, today, detail).unwrap_or_else(|e| panic!("step {step} on {on}: {e}"));
        h.done.push(Done {
            step,
            on,
            decision: detail.decision,
        });
    }

    fn plain() -> Detail {
        Detail {
            document: true,
            ..Default::default()
        }
    }

    /// Through step 14, with an activist's year and assessments.
    fn to_the_branch_meeting(today: Date) -> History {
        let mut h = History {
            birth: Some(date!(2000 - 02 - 29)),
            done: vec![],
        };
        let d = plain();
        with(&mut h, 1, date!(2024 - 03 - 01), &d, today);
        with(&mut h, 2, date!(2024 - 03 - 20), &d, today);
        with(&mut h, 3, date!(2024 - 05 - 31), &d, today);
        with(&mut h, 4, date!(2024 - 06 - 03), &d, today);
        let contacts = Detail {
            people: vec![(7, true), (8, true)],
            ..plain()
        };
        with(&mut h, 5, date!(2024 - 06 - 03), &contacts, today);
        with(&mut h, 6, date!(2024 - 11 - 30), &d, today);
        with(&mut h, 6, date!(2025 - 05 - 20), &d, today);
        with(&mut h, 7, date!(2025 - 06 - 01), &d, today);
        with(&mut h, 8, date!(2025 - 06 - 05), &d, today);
        let introducers = Detail {
            people: vec![(7, true), (9, true)],
            ..plain()
        };
        with(&mut h, 9, date!(2025 - 06 - 05), &introducers, today);
        with(&mut h, 10, date!(2025 - 07 - 10), &d, today);
        let trained = Detail {
            training: Some((3, 0)),
            ..plain()
        };
        with(&mut h, 11, date!(2025 - 08 - 01), &trained, today);
        with(&mut h, 12, date!(2025 - 08 - 10), &d, today);
        with(&mut h, 13, date!(2025 - 08 - 20), &d, today);
        with(&mut h, 14, date!(2025 - 08 - 25), &d, today);
        h
    }

    fn voted(eligible: u32, present: u32, in_favour: u32) -> Detail {
        Detail {
            vote: Some(Vote {
                eligible,
                present,
                in_favour,
                against: present - in_favour,
                abstained: 0,
            }),
            ..plain()
        }
    }

    #[test]
    fn twenty_five_steps_in_five_stages() {
        assert_eq!(STEPS.len(), 25);
        for (i, s) in STEPS.iter().enumerate() {
            assert_eq!(usize::from(s.number), i + 1);
        }
        let stages: Vec<Stage> = STEPS.iter().map(|s| s.stage).collect();
        let mut distinct = stages.clone();
        distinct.dedup();
        assert_eq!(
            distinct,
            vec![Applicant, Activist, Candidate, Probationary, Full]
        );
    }

    #[test]
    fn from_application_to_full_membership() {
        let today = date!(2026 - 12 - 07);
        let mut h = to_the_branch_meeting(today);
        assert_eq!(h.stage(), Candidate);
        with(&mut h, 15, date!(2025 - 08 - 29), &voted(20, 18, 17), today);
        with(&mut h, 16, date!(2025 - 09 - 15), &plain(), today);
        with(&mut h, 17, date!(2025 - 10 - 20), &plain(), today);
        assert_eq!(h.stage(), Probationary);
        assert_eq!(h.admitted_on(), Some(date!(2025 - 08 - 29)));
        assert_eq!(h.probation_ends(), Some(date!(2026 - 08 - 29)));
        with(&mut h, 18, date!(2025 - 10 - 25), &plain(), today);
        with(&mut h, 19, date!(2025 - 10 - 25), &plain(), today);
        with(&mut h, 20, date!(2025 - 11 - 01), &plain(), today);
        with(&mut h, 21, date!(2026 - 04 - 30), &plain(), today);
        // The application comes in the probation's last month, the meeting after its end.
        let early = check(&h, 22, date!(2026 - 07 - 28), today, &plain()).unwrap_err();
        assert!(early.contains("2026-07-29"), "{early}");
        with(&mut h, 22, date!(2026 - 08 - 01), &plain(), today);
        let decided = Detail {
            decision: Some((Decision::OnTime, 0)),
            ..plain()
        };
        let early = check(&h, 23, date!(2026 - 08 - 28), today, &decided).unwrap_err();
        assert!(early.contains("2026-08-29"), "{early}");
        with(&mut h, 23, date!(2026 - 08 - 29), &decided, today);
        assert_eq!(
            h.stage(),
            Probationary,
            "until the committee above approves"
        );
        with(&mut h, 24, date!(2026 - 10 - 10), &plain(), today);
        assert_eq!(h.stage(), Full);
        assert_eq!(h.full_member_on(), Some(date!(2026 - 08 - 29)));
        with(&mut h, 25, date!(2026 - 10 - 12), &plain(), today);
        assert!(h.ended());
        assert_eq!(next(&h), None);
    }

    #[test]
    fn steps_come_in_order_and_not_in_the_future() {
        let today = date!(2026 - 12 - 07);
        let h = History::default();
        let skipped = check(&h, 3, date!(2026 - 01 - 05), today, &plain()).unwrap_err();
        assert!(
            skipped.contains("下一步是第1步“递交入党申请书”"),
            "{skipped}"
        );
        let future = check(&h, 1, date!(2026 - 12 - 08), today, &plain()).unwrap_err();
        assert_eq!(future, "日期不能晚于今天");
        let mut h = History::default();
        with(&mut h, 1, date!(2026 - 11 - 01), &plain(), today);
        let before = check(&h, 2, date!(2026 - 10 - 31), today, &plain()).unwrap_err();
        assert!(before.contains("2026-11-01"), "{before}");
    }

    #[test]
    fn an_activist_of_less_than_a_year_is_not_yet_a_candidate() {
        let today = date!(2026 - 12 - 07);
        let mut h = History::default();
        let d = plain();
        with(&mut h, 1, date!(2024 - 01 - 10), &d, today);
        with(&mut h, 2, date!(2024 - 01 - 20), &d, today);
        // Made an activist on a leap day: a year later is 28 February.
        with(&mut h, 3, date!(2024 - 02 - 29), &d, today);
        with(&mut h, 4, date!(2024 - 03 - 01), &d, today);
        let contacts = Detail {
            people: vec![(7, true)],
            ..plain()
        };
        with(&mut h, 5, date!(2024 - 03 - 01), &contacts, today);
        let unassessed = check(&h, 7, date!(2025 - 03 - 01), today, &d).unwrap_err();
        assert!(
            unassessed.contains("下一步是第6步“培养教育考察”"),
            "{unassessed}"
        );
        with(&mut h, 6, date!(2024 - 08 - 30), &d, today);
        let once = check(&h, 7, date!(2025 - 03 - 01), today, &d).unwrap_err();
        assert!(once.contains("至少两次"), "{once}");
        with(&mut h, 6, date!(2025 - 02 - 20), &d, today);
        let too_soon = check(&h, 7, date!(2025 - 02 - 27), today, &d).unwrap_err();
        assert!(too_soon.contains("2025-02-28"), "{too_soon}");
        assert!(check(&h, 7, date!(2025 - 02 - 28), today, &d).is_ok());
    }

    #[test]
    fn the_talk_is_due_within_a_month_and_shows_overdue_after() {
        let mut h = History::default();
        h.done.push(Done::new(1, date!(2026 - 01 - 31)));
        let n = next(&h).unwrap();
        assert_eq!((n.step, n.latest), (2, Some(date!(2026 - 02 - 28))));
        assert!(!n.overdue(date!(2026 - 02 - 28)));
        assert!(n.overdue(date!(2026 - 03 - 01)));
        assert!(n.due_in_month(date!(2026 - 02 - 10)));
    }

    #[test]
    fn activists_and_probationers_are_assessed_every_half_year() {
        let mut h = History::default();
        for (s, d) in [(1, date!(2025 - 01 - 02)), (2, date!(2025 - 01 - 10))] {
            h.done.push(Done::new(s, d));
        }
        h.done.push(Done::new(3, date!(2025 - 03 - 01)));
        h.done.push(Done::new(4, date!(2025 - 03 - 05)));
        h.done.push(Done::new(5, date!(2025 - 03 - 31)));
        let due = assessment_due(&h).unwrap();
        assert_eq!((due.step, due.latest), (6, Some(date!(2025 - 09 - 30))));
        h.done.push(Done::new(6, date!(2025 - 09 - 15)));
        assert_eq!(
            assessment_due(&h).unwrap().latest,
            Some(date!(2026 - 03 - 15))
        );
        // An assessment is accepted between the steps in order.
        assert!(
            check(
                &h,
                6,
                date!(2026 - 03 - 01),
                date!(2026 - 03 - 02),
                &plain()
            )
            .is_ok()
        );
    }

    #[test]
    fn the_vote_counts_against_all_with_a_vote() {
        let v = |eligible, present, in_favour| {
            Vote {
                eligible,
                present,
                in_favour,
                against: 0,
                abstained: 0,
            }
            .passed()
        };
        assert_eq!(v(20, 11, 11), Ok(true));
        assert_eq!(v(20, 11, 10), Ok(false), "half is not more than half");
        assert!(v(20, 10, 10).is_err(), "half present cannot decide");
        assert!(v(20, 21, 15).is_err());
        let mixed = Vote {
            eligible: 9,
            present: 8,
            in_favour: 5,
            against: 2,
            abstained: 2,
        };
        assert!(mixed.passed().is_err(), "nine votes from eight present");
        let today = date!(2026 - 12 - 07);
        let h = to_the_branch_meeting(today);
        let refused = check(&h, 15, date!(2025 - 08 - 29), today, &voted(20, 12, 10)).unwrap_err();
        assert!(refused.contains("半数"), "{refused}");
    }

    #[test]
    fn approval_is_due_within_three_months_of_the_meeting() {
        let today = date!(2026 - 12 - 07);
        let mut h = to_the_branch_meeting(today);
        with(&mut h, 15, date!(2025 - 11 - 30), &voted(10, 9, 9), today);
        let n = next(&h).unwrap();
        assert_eq!((n.step, n.latest), (16, Some(date!(2026 - 02 - 28))));
    }

    #[test]
    fn a_probation_is_extended_once_then_decided_again() {
        let today = date!(2027 - 12 - 31);
        let mut h = to_the_branch_meeting(today);
        with(&mut h, 15, date!(2025 - 08 - 29), &voted(20, 18, 17), today);
        for (s, d) in [
            (16, date!(2025 - 09 - 15)),
            (17, date!(2025 - 10 - 20)),
            (18, date!(2025 - 10 - 25)),
            (19, date!(2025 - 10 - 25)),
            (20, date!(2025 - 11 - 01)),
            (21, date!(2026 - 04 - 30)),
            (22, date!(2026 - 08 - 01)),
        ] {
            with(&mut h, s, d, &plain(), today);
        }
        let extend = |months| Detail {
            decision: Some((Decision::Extend, months)),
            ..plain()
        };
        let short = check(&h, 23, date!(2026 - 08 - 30), today, &extend(3)).unwrap_err();
        assert!(short.contains("不能少于半年"), "{short}");
        with(&mut h, 23, date!(2026 - 08 - 30), &extend(6), today);
        with(&mut h, 24, date!(2026 - 09 - 20), &plain(), today);
        assert_eq!(h.stage(), Probationary);
        assert_eq!(h.probation_ends(), Some(date!(2027 - 02 - 28)));
        assert_eq!(
            next(&h).unwrap().step,
            22,
            "a new application at the new end"
        );
        with(&mut h, 22, date!(2027 - 02 - 01), &plain(), today);
        let again = check(&h, 23, date!(2027 - 03 - 01), today, &extend(6)).unwrap_err();
        assert_eq!(again, "预备期只能延长一次");
        let cancel = Detail {
            decision: Some((Decision::Cancel, 0)),
            ..plain()
        };
        with(&mut h, 23, date!(2027 - 03 - 01), &cancel, today);
        with(&mut h, 24, date!(2027 - 03 - 20), &plain(), today);
        assert_eq!(h.stage(), Cancelled);
        assert_eq!(h.full_member_on(), None);
        assert_eq!(
            next(&h).unwrap().step,
            25,
            "the file is archived all the same"
        );
    }

    #[test]
    fn what_each_step_needs() {
        let today = date!(2026 - 12 - 07);
        let mut h = History {
            birth: Some(date!(2008 - 12 - 08)),
            done: vec![],
        };
        let young = check(&h, 1, date!(2026 - 12 - 07), today, &plain()).unwrap_err();
        assert_eq!(young, "年满18周岁才能申请入党");
        h.birth = Some(date!(2008 - 12 - 07));
        assert!(check(&h, 1, date!(2026 - 12 - 07), today, &plain()).is_ok());
        let none = check(&h, 1, date!(2026 - 12 - 07), today, &Detail::default()).unwrap_err();
        assert_eq!(none, "请上传入党申请书");

        let h = to_the_branch_meeting(today);
        let mut at_9 = h.clone();
        at_9.done
            .truncate(at_9.done.iter().position(|d| d.step == 9).unwrap());
        let one = Detail {
            people: vec![(7, true)],
            ..plain()
        };
        assert_eq!(
            check(&at_9, 9, date!(2025 - 06 - 05), today, &one).unwrap_err(),
            "请指定2名正式党员"
        );
        let probationer = Detail {
            people: vec![(7, true), (11, false)],
            ..plain()
        };
        assert_eq!(
            check(&at_9, 9, date!(2025 - 06 - 05), today, &probationer).unwrap_err(),
            "只能由正式党员担任"
        );
        let twice = Detail {
            people: vec![(7, true), (7, true)],
            ..plain()
        };
        assert_eq!(
            check(&at_9, 9, date!(2025 - 06 - 05), today, &twice).unwrap_err(),
            "同一名党员不能重复指定"
        );
        let mut at_11 = h.clone();
        at_11
            .done
            .truncate(at_11.done.iter().position(|d| d.step == 11).unwrap());
        let hours = |days, hours| Detail {
            training: Some((days, hours)),
            ..plain()
        };
        assert!(check(&at_11, 11, date!(2025 - 08 - 01), today, &hours(2, 23)).is_err());
        assert!(check(&at_11, 11, date!(2025 - 08 - 01), today, &hours(2, 24)).is_ok());
    }
}
