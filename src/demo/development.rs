//! The demo's 发展党员: about three hundred people on the path across the county — more
//! applicants than activists than 发展对象 — and the paths by which the roster's recent members
//! came, to 转正 or still on probation, a few extended, one cancelled. Every step is checked
//! by the same rules as a secretary's (a step the rules refuse ends that person's path), so
//! what falls due and what is overdue is true: talks not held within the month, half-yearly
//! assessments that stopped, approvals the committee above has sat on. Applications,
//! 志愿书 and 转正申请 are scans of handwritten pages.
use super::{Rng, scenes};
use crate::crypto::Keys;
use crate::domain::clock::{add_months, format_date, local_date, now_epoch, parse_date};
use crate::domain::development::{
    self as rules, Decision, Detail, Done, History, PersonRecord, Stage, Vote, report_quarter,
};
use crate::domain::idcard::IdNumber;
use crate::domain::member::{Education, Gender, MemberCategory};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::error::{AppError, AppResult};
use crate::store::development::{self as store, NewStep};
use crate::store::{Db, members, orgs};
use std::collections::HashMap;
use time::{Date, Duration};

/// The applicant's demo login: an activist in the demo secretary's branch.
pub const APPLICANT_LOGIN: (&str, &str) = ("入党积极分子", "13800000006");

/// Fresh people (not yet members) by how far they are meant to come.
const APPLICANTS: usize = 110;
const ACTIVISTS: usize = 80;
const CANDIDATES: usize = 42;
/// Recent members whose path the demo records (of the roster's members of the last two and
/// a half years; the others joined before the county kept its paths here).
const MEMBER_PATHS: u64 = 72;

/// A step as planned: its number, date and what it records.
struct Planned {
    step: u8,
    on: Date,
    detail: Detail,
}

/// How a probation ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    OnTime,
    Extend,
    Cancel,
}

/// What a branch leaves undone: the lateness the board and the bell show.
#[derive(Clone, Copy, Default)]
struct Lapses {
    no_talk: bool,
    assessments_stop: bool,
}

/// Builds a path step by step, each checked by the rules as a secretary's would be.
struct Planner<'a> {
    rng: &'a mut Rng,
    today: Date,
    h: History,
    plan: Vec<Planned>,
    /// The branch's full members: contacts, introducers, the vote.
    full: &'a [i64],
}

impl Planner<'_> {
    fn add(&mut self, step: u8, on: Date, detail: Detail) -> bool {
        if on > self.today || rules::check(&self.h, step, on, self.today, &detail).is_err() {
            return false;
        }
        self.h.done.push(Done {
            step,
            on,
            decision: detail.decision,
        });
        self.plan.push(Planned { step, on, detail });
        true
    }

    fn plain(&mut self, step: u8, on: Date) -> bool {
        self.add(step, on, Detail::default())
    }

    fn document(&mut self, step: u8, on: Date) -> bool {
        self.add(
            step,
            on,
            Detail {
                document: true,
                ..Detail::default()
            },
        )
    }

    /// A plain step some days (`lo` to `hi`) after the last.
    fn then(&mut self, step: u8, (lo, hi): (i64, i64)) -> bool {
        let on = self.after(lo, hi);
        self.plain(step, on)
    }

    /// A step with a scanned document some days after the last.
    fn then_scan(&mut self, step: u8, (lo, hi): (i64, i64)) -> bool {
        let on = self.after(lo, hi);
        self.document(step, on)
    }

    fn last(&self) -> Date {
        self.h.done.iter().map(|d| d.on).max().unwrap_or(self.today)
    }

    fn after(&mut self, lo: i64, hi: i64) -> Date {
        self.last() + Duration::days(self.rng.range(lo, hi))
    }

    /// `n` different full members of the branch.
    fn people(&mut self, n: usize) -> Vec<(i64, bool)> {
        let mut out: Vec<(i64, bool)> = Vec::new();
        while out.len() < n.min(self.full.len()) {
            let m = *self.rng.pick(self.full);
            if !out.iter().any(|o| o.0 == m) {
                out.push((m, true));
            }
        }
        out
    }

    /// The half-yearly assessments from the last step until `until` (exclusive), or while
    /// the branch keeps them up.
    fn assess(&mut self, step: u8, until: Date, stop_after: Option<usize>) {
        let mut done = 0;
        loop {
            let next = self.after(150, 178);
            if next >= until || stop_after.is_some_and(|n| done >= n) || !self.plain(step, next) {
                return;
            }
            done += 1;
        }
    }
}

/// From application to 发展对象 (steps 1–11): as far as `until` and today allow.
fn to_candidate(p: &mut Planner, start: Date, until: u8, lapses: Lapses) -> bool {
    if !p.document(1, start) || lapses.no_talk {
        return false;
    }
    let talk = p.after(5, 25);
    if !p.plain(2, talk) || until < 3 {
        return false;
    }
    let named = p.rng.range(1, 2) as usize;
    let activist = p.after(30, 120);
    let (filed, contacts) = (
        activist + Duration::days(p.rng.range(3, 12)),
        p.people(named),
    );
    let named_on = filed + Duration::days(p.rng.range(0, 5));
    if !(p.plain(3, activist)
        && p.plain(4, filed)
        && p.add(
            5,
            named_on,
            Detail {
                people: contacts,
                ..Detail::default()
            },
        ))
    {
        return false;
    }
    let year = add_months(activist, rules::ACTIVIST_MONTHS);
    if until < 7 {
        let stop = lapses.assessments_stop.then_some(1);
        p.assess(6, p.today + Duration::days(1), stop);
        return false;
    }
    p.assess(6, year + Duration::days(30), None);
    let decided = p.last().max(year) + Duration::days(p.rng.range(0, 45));
    if !(p.plain(7, decided) && p.then(8, (3, 12))) {
        return false;
    }
    let introducers = p.people(2);
    let on = p.after(0, 6);
    let training = Detail {
        training: Some((p.rng.range(3, 5) as u32, p.rng.range(24, 40) as u32)),
        ..Detail::default()
    };
    p.add(
        9,
        on,
        Detail {
            people: introducers,
            ..Detail::default()
        },
    ) && p.then_scan(10, (10, 30))
        && {
            let on = p.after(5, 25);
            p.add(11, on, training)
        }
}

/// The branch meeting's vote: most of the full members there, nearly all in favour.
fn vote(rng: &mut Rng, eligible: u32) -> Vote {
    let present = eligible - rng.range(0, i64::from(eligible / 5)) as u32;
    let against = u32::from(rng.chance(10));
    Vote {
        eligible,
        present,
        in_favour: present - against,
        against,
        abstained: 0,
    }
}

/// 接收预备党员 (steps 12–17), the meeting on `meeting` when it is fixed (a member's 入党日期).
fn to_admission(p: &mut Planner, meeting: Option<Date>, until: u8) -> bool {
    if !(p.then(12, (5, 15))
        && until >= 13
        && p.then(13, (5, 15))
        && until >= 14
        && p.then_scan(14, (3, 10)))
    {
        return false;
    }
    let on = meeting.unwrap_or_else(|| p.after(5, 20));
    let eligible = (p.full.len() as u32).max(3);
    let voted = Detail {
        vote: Some(vote(p.rng, eligible)),
        ..Detail::default()
    };
    if until < 15 || !p.add(15, on, voted) || until < 16 {
        return false;
    }
    p.then(16, (10, 35)) && until >= 17 && p.then(17, (10, 35))
}

/// From admission to the archive (steps 18–25), ending as `outcome` says.
fn to_full(p: &mut Planner, outcome: Outcome) {
    if !(p.then(18, (3, 15)) && p.then(19, (0, 7)) && p.then(20, (0, 25))) {
        return;
    }
    let mut decision = match outcome {
        Outcome::Extend => (Decision::Extend, 6),
        Outcome::Cancel => (Decision::Cancel, 0),
        Outcome::OnTime => (Decision::OnTime, 0),
    };
    loop {
        let Some(ends) = p.h.probation_ends() else {
            return;
        };
        p.assess(21, add_months(ends, -1), None);
        let applied = add_months(ends, -1) + Duration::days(p.rng.range(0, 20));
        let decided = Detail {
            decision: Some(decision),
            ..Detail::default()
        };
        let meeting = ends + Duration::days(p.rng.range(0, 15));
        if !(p.document(22, applied) && p.add(23, meeting, decided) && p.then(24, (15, 60))) {
            return;
        }
        if decision.0 != Decision::Extend {
            break;
        }
        decision = (Decision::OnTime, 0);
    }
    p.then(25, (3, 20));
}

/// A plausible person to apply: young, of the branch's kind.
fn fresh_person(
    rng: &mut Rng,
    today: Date,
    rural: bool,
    ids: &mut std::collections::HashSet<String>,
) -> PersonRecord {
    let gender = if rng.chance(58) {
        Gender::Male
    } else {
        Gender::Female
    };
    let age = rng.range(19, 42);
    let birth = Date::from_calendar_date(
        today.year() - age as i32,
        time::Month::try_from(rng.range(1, 12) as u8).unwrap_or(time::Month::March),
        rng.range(1, 28) as u8,
    )
    .unwrap_or(today);
    let id_number = loop {
        // Born in the next county (the roster's members were born in this one, so no
        // applicant's number is a member's); the sequence is odd for a man.
        let seq = rng.range(250, 494) * 2 + i64::from(gender == Gender::Male);
        let body = format!("130981{}{seq:03}", format_date(birth).replace('-', ""));
        let Some(check) = crate::domain::idcard::check_char(&body) else {
            continue;
        };
        if let Ok(id) = IdNumber::parse(&format!("{body}{check}"))
            && ids.insert(id.as_str().to_string())
        {
            break id;
        }
    };
    PersonRecord {
        name: super::person_name(rng, gender),
        gender,
        ethnicity: if rng.chance(96) {
            "汉族".into()
        } else {
            "回族".into()
        },
        birth_date: birth,
        id_number,
        phone: None,
        education: if rural {
            *rng.pick(&[Education::Junior, Education::Senior, Education::College])
        } else {
            *rng.pick(&[
                Education::College,
                Education::Bachelor,
                Education::Bachelor,
                Education::Postgraduate,
            ])
        },
        category: if rural {
            MemberCategory::Farmer
        } else if age < 23 {
            MemberCategory::Student
        } else {
            MemberCategory::Employed
        },
    }
}

/// Someone to write into the demo: their record, branch, member record (a recent member),
/// the planned path, and their 思想汇报.
struct Walked {
    record: PersonRecord,
    branch: i64,
    branch_path: String,
    member: Option<i64>,
    plan: Vec<Planned>,
    history: History,
    reports: Vec<(Date, String, Option<String>)>,
    account: bool,
}

/// Who records a step in a branch: its secretary, the committee above it, the county.
struct Recorders(Vec<(i64, String)>);

impl Recorders {
    fn by(&self, recorder: rules::Recorder, branch_path: &str) -> i64 {
        let covering = self.0.iter().filter(|(_, p)| is_in_subtree(branch_path, p));
        let chosen = match recorder {
            rules::Recorder::Branch => covering.max_by_key(|(_, p)| p.len()),
            rules::Recorder::Above => covering
                .filter(|(_, p)| p != branch_path)
                .max_by_key(|(_, p)| p.len()),
            rules::Recorder::Department => covering.min_by_key(|(_, p)| p.len()),
        };
        chosen.or(self.0.first()).map_or(1, |(u, _)| *u)
    }
}

const REPORT_OPENINGS: &[&str] = &["敬爱的党组织：", "尊敬的党组织：", "敬爱的党支部："];
const REPORT_BODIES: &[&str] = &[
    "本季度我认真学习了党章和习近平新时代中国特色社会主义思想，对党的性质和宗旨有了更深的认识。",
    "这个季度我参加了村里的秸秆禁烧宣传和人居环境整治，在劳动中体会到党员就是要走在前面。",
    "近来我重新学习了《中国共产党发展党员工作细则》，明白了入党不仅是组织上入党，更要思想上入党。",
    "我在“学习强国”上坚持每天学习，重点学了党史中关于脚踏实地、艰苦奋斗的内容。",
    "本季度我在合作社帮着联系销路，帮助三户群众卖出了积压的苹果，感到很充实。",
    "培养联系人和我谈了两次心，指出我在发言表态上还不够主动，我会在今后改正。",
    "我参加了支部组织的主题党日活动旁听，看到老党员们认真讨论，受到很大教育。",
];
const REPORT_CLOSINGS: &[&str] = &[
    "请党组织考验我。",
    "恳请党组织给予批评和帮助。",
    "我将以党员标准严格要求自己，请党组织在实践中考察我。",
];
const COMMENTS: &[&str] = &[
    "学习认真，联系实际较好，望继续保持。",
    "能主动参加志愿服务，群众反映好；发言表态要更主动。",
    "思想汇报内容具体，下一步要加强理论学习的系统性。",
    "表现积极，建议多参加支部组织的学习活动。",
];

/// A quarter's 思想汇报 in the person's own words.
fn report_text(rng: &mut Rng) -> String {
    let mut picked: Vec<&str> = Vec::new();
    while picked.len() < 2 {
        let b = *rng.pick(REPORT_BODIES);
        if !picked.contains(&b) {
            picked.push(b);
        }
    }
    format!(
        "{}\n{}{}\n{}",
        rng.pick(REPORT_OPENINGS),
        picked[0],
        picked[1],
        rng.pick(REPORT_CLOSINGS)
    )
}

/// Quarterly reports from the activist's day (or the application) until today: most
/// quarters, and the contact's comment on most of those before this one.
fn reports_of(rng: &mut Rng, h: &History, today: Date) -> Vec<(Date, String, Option<String>)> {
    let Some(from) = h.done.first().map(|d| d.on) else {
        return vec![];
    };
    let has_contact = h.done.iter().any(|d| d.step == 5);
    let this = report_quarter(today);
    let mut q = report_quarter(from);
    let mut out = Vec::new();
    while q.start <= this.start {
        let day = (q.start + Duration::days(rng.range(20, 80))).min(today);
        if rng.chance(75) && day >= from {
            let comment = (has_contact && q.start < this.start && rng.chance(70))
                .then(|| rng.pick(COMMENTS).to_string());
            out.push((day, report_text(rng), comment));
        }
        q = report_quarter(q.end);
    }
    out
}

/// The paths by which some of the roster's members of the last two and a half years came:
/// most made full members on time; of those whose year is over, a few extended, one
/// cancelled.
fn walk_members(
    rng: &mut Rng,
    keys: &Keys,
    recent: &[members::Member],
    full: &HashMap<i64, Vec<i64>>,
    today: Date,
) -> Vec<Walked> {
    let (mut extended, mut cancelled) = (0, 0);
    let mut out = Vec::new();
    for m in recent {
        if rng.below(recent.len() as u64) >= MEMBER_PATHS {
            continue;
        }
        let (Some(joined), Some(id)) = (
            parse_date(&m.joined_on),
            keys.decrypt(&m.id_number_enc)
                .and_then(|i| IdNumber::parse(&i).ok()),
        ) else {
            continue;
        };
        let branch_full: Vec<i64> = full
            .get(&m.branch_id)
            .map(|f| f.iter().copied().filter(|x| *x != m.id).collect())
            .unwrap_or_default();
        if branch_full.len() < 2 {
            continue;
        }
        // Whose year ended more than a month ago may have been extended or cancelled.
        let over = add_months(joined, 13) < today && add_months(joined, 19) > today;
        let outcome = if over && cancelled == 0 && rng.chance(30) {
            cancelled += 1;
            Outcome::Cancel
        } else if over && extended < 3 && rng.chance(40) {
            extended += 1;
            Outcome::Extend
        } else {
            Outcome::OnTime
        };
        let birth = id.birth_date();
        for tries in 0..4 {
            let start = add_months(joined, -(26 + 3 * tries + rng.range(0, 6) as i32));
            if start < add_months(birth, 18 * 12) {
                break;
            }
            let mut p = Planner {
                rng,
                today,
                h: History {
                    birth: Some(birth),
                    done: vec![],
                },
                plan: vec![],
                full: &branch_full,
            };
            if !(to_candidate(&mut p, start, 25, Lapses::default())
                && to_admission(&mut p, Some(joined), 25))
            {
                continue;
            }
            to_full(&mut p, outcome);
            let (plan, history) = (p.plan, p.h);
            out.push(Walked {
                record: PersonRecord {
                    name: m.name.clone(),
                    gender: Gender::from_code(&m.gender).unwrap_or(Gender::Male),
                    ethnicity: m.ethnicity.clone(),
                    birth_date: birth,
                    id_number: id,
                    phone: m.phone_enc.as_deref().and_then(|p| keys.decrypt(p)),
                    education: Education::from_code(&m.education).unwrap_or(Education::Senior),
                    category: MemberCategory::from_code(&m.category)
                        .unwrap_or(MemberCategory::Farmer),
                },
                branch: m.branch_id,
                branch_path: m.branch_path.clone(),
                member: Some(m.id),
                plan,
                history,
                reports: vec![],
                account: false,
            });
            break;
        }
    }
    out
}

/// How far a fresh person is meant to come, and since when they applied.
fn aim(rng: &mut Rng, n: usize, today: Date) -> (Date, u8, Lapses) {
    let ago = |rng: &mut Rng, lo: i64, hi: i64| today - Duration::days(rng.range(lo, hi));
    if n < APPLICANTS {
        let lapses = Lapses {
            no_talk: rng.chance(12),
            ..Lapses::default()
        };
        (ago(rng, 0, 330), 2, lapses)
    } else if n < APPLICANTS + ACTIVISTS {
        let lapses = Lapses {
            assessments_stop: rng.chance(15),
            ..Lapses::default()
        };
        (ago(rng, 130, 700), 6, lapses)
    } else {
        let until = *rng.pick(&[11, 11, 12, 13, 14, 14, 15, 16]);
        (ago(rng, 520, 1000), until, Lapses::default())
    }
}

/// The people not yet members: applicants, activists and 发展对象 across the branches with
/// members enough to name contacts and introducers; the first three in `home` (the demo
/// secretary's branch), one of them the applicant's demo login.
fn walk_fresh(
    rng: &mut Rng,
    branches: &[orgs::Org],
    full: &HashMap<i64, Vec<i64>>,
    home: Option<i64>,
    today: Date,
) -> Vec<Walked> {
    let able: Vec<&orgs::Org> = branches
        .iter()
        .filter(|b| full.get(&b.id).is_some_and(|f| f.len() >= 3))
        .collect();
    if able.is_empty() {
        return vec![];
    }
    let mut ids = std::collections::HashSet::new();
    let mut out = Vec::new();
    for n in 0..APPLICANTS + ACTIVISTS + CANDIDATES {
        // The demo secretary's branch has one of each kind to try.
        let at_home = [0, APPLICANTS, APPLICANTS + ACTIVISTS].contains(&n);
        let branch = match home.and_then(|h| able.iter().find(|b| b.id == h)) {
            Some(b) if at_home => *b,
            _ => *rng.pick(&able),
        };
        let (start, until, lapses) = aim(rng, n, today);
        let rural = branch.category == "rural";
        let record = fresh_person(rng, today, rural, &mut ids);
        let branch_full = full.get(&branch.id).cloned().unwrap_or_default();
        let mut p = Planner {
            rng,
            today,
            h: History {
                birth: Some(record.birth_date),
                done: vec![],
            },
            plan: vec![],
            full: &branch_full,
        };
        if to_candidate(&mut p, start, until, lapses) && until >= 12 {
            to_admission(&mut p, None, until);
        }
        let (plan, history) = (p.plan, p.h);
        if plan.is_empty() {
            continue;
        }
        let reports = if history.stage() != Stage::Applicant && rng.chance(60) {
            reports_of(rng, &history, today)
        } else {
            vec![]
        };
        let account = at_home && n == APPLICANTS;
        out.push(Walked {
            record: PersonRecord {
                phone: account.then(|| APPLICANT_LOGIN.1.to_string()),
                ..record
            },
            branch: branch.id,
            branch_path: branch.path.clone(),
            member: None,
            plan,
            history,
            reports,
            account,
        });
    }
    out
}

/// The scans a path keeps (application, 政审 material, 志愿书, 转正申请), written durably
/// before any row points at them: (person's index, step's index) to (key, name).
async fn store_scans(
    files: &crate::files::Storage,
    walked: &[Walked],
    seed: u64,
) -> AppResult<HashMap<(usize, usize), (String, String)>> {
    let mut keys = HashMap::new();
    let mut batch = Vec::new();
    for (i, w) in walked.iter().enumerate() {
        for (j, s) in w.plan.iter().enumerate().filter(|(_, s)| s.detail.document) {
            let page = scenes::scanned_page(seed ^ ((i as u64) << 8) ^ j as u64, s.step == 14);
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 72)
                .encode_image(&page)
                .map_err(|e| AppError::internal(format!("demo scan: {e}")))?;
            let key = format!("development/demo-{i}-{j}.jpg");
            let name = match s.step {
                1 => "入党申请书.jpg",
                10 => "政治审查材料.jpg",
                14 => "入党志愿书.jpg",
                _ => "转正申请书.jpg",
            };
            keys.insert((i, j), (key.clone(), name.to_string()));
            batch.push((key, jpeg));
        }
    }
    files.put_all(batch).await?;
    Ok(keys)
}

/// Writes the people, their steps and reports in one transaction; the roster follows each
/// member's path (full from the probation's end, or still on probation).
async fn write(
    db: &Db,
    keys: &Keys,
    walked: &[Walked],
    scans: &HashMap<(usize, usize), (String, String)>,
    recorders: &Recorders,
) -> AppResult<()> {
    let now = now_epoch();
    let epoch = |d: Date| crate::domain::clock::day_start(d) + 10 * 3600;
    let password = crate::crypto::hash_password(super::DEMO_PASSWORD);
    let mut tx = db.begin().await?;
    for (i, w) in walked.iter().enumerate() {
        let by = |r| recorders.by(r, &w.branch_path);
        let person = store::insert_person(
            tx.conn(),
            keys,
            &w.record,
            w.branch,
            w.member,
            by(rules::Recorder::Branch),
            epoch(w.plan[0].on),
        )
        .await?;
        for (j, s) in w.plan.iter().enumerate() {
            let rule = rules::step_of(s.step).ok_or(AppError::NotFound)?;
            let members: Vec<i64> = s.detail.people.iter().map(|p| p.0).collect();
            let scan = scans.get(&(i, j));
            let step = NewStep {
                person_id: person,
                step: s.step,
                done_on: s.on,
                note: "",
                members: &members,
                training: s.detail.training,
                vote: s.detail.vote,
                decision: s.detail.decision,
                document: scan.map(|(k, n)| (k.as_str(), n.as_str(), "image/jpeg")),
                by: by(rule.recorder),
            };
            store::record_step(tx.conn(), &step, epoch(s.on)).await?;
        }
        let contact = w
            .plan
            .iter()
            .find(|s| s.step == 5)
            .and_then(|s| s.detail.people.first());
        for (day, body, comment) in &w.reports {
            let quarter = format_date(report_quarter(*day).start);
            let id = store::submit_report(tx.conn(), person, &quarter, body, epoch(*day)).await?;
            if let (Some(c), Some((member, _))) = (comment, contact) {
                store::comment_report(tx.conn(), id, *member, c, epoch(*day) + 5 * 86_400).await?;
            }
        }
        if let Some(member) = w.member {
            match w.history.full_member_on() {
                Some(on) => {
                    store::make_full_member(tx.conn(), member, &format_date(on), now).await?
                }
                None => {
                    store::make_probationary(tx.conn(), member, now).await?;
                    if w.history.stage() == Stage::Cancelled {
                        let on = w.history.date_of(24).unwrap_or(local_date(now));
                        members::leave(tx.conn(), member, on, "取消预备党员资格", now).await?
                    }
                }
            }
        }
        if w.account {
            let user = crate::store::users::create(
                tx.conn(),
                keys,
                &crate::store::users::NewUser {
                    name: &w.record.name,
                    phone: APPLICANT_LOGIN.1,
                    password_hash: &password,
                    member_id: None,
                    must_change_password: false,
                },
            )
            .await?;
            store::link_account(tx.conn(), user, person).await?;
        }
    }
    tx.commit().await
}

/// The demo's 发展党员, after its members and their organizational life; a line to print.
pub async fn development_demo(
    db: &Db,
    keys: &Keys,
    files: &crate::files::Storage,
    seed: u64,
) -> AppResult<String> {
    if orgs::root(db).await?.is_none() {
        return Ok(String::new());
    }
    let started = std::time::Instant::now();
    let today = local_date(now_epoch());
    let mut rng = Rng(seed ^ 0xDE7E_10B5);
    let branches = orgs::of_kind(db, OrgType::Branch).await?;
    let mut full: HashMap<i64, Vec<i64>> = HashMap::new();
    for (branch, member) in store::full_members_by_branch(db).await? {
        full.entry(branch).or_default().push(member);
    }
    let recent = members::joined_since(db, &format_date(add_months(today, -30))).await?;
    let home = match crate::store::users::by_phone(db, keys, super::LOGINS[1].1).await? {
        Some(u) => match u.member_id {
            Some(m) => Some(members::get(db, m).await?.branch_id),
            None => None,
        },
        None => None,
    };
    let mut walked = walk_members(&mut rng, keys, &recent, &full, today);
    walked.extend(walk_fresh(&mut rng, &branches, &full, home, today));
    let recorders = Recorders(crate::store::users::admin_grants(db).await?);
    let scans = store_scans(files, &walked, seed).await?;
    write(db, keys, &walked, &scans, &recorders).await?;
    let mut counts = rules::Counts::default();
    let (mut extended, mut cancelled, mut full_members) = (0, 0, 0);
    for w in &walked {
        let s = rules::standing(&w.history);
        counts.add(&s, today);
        extended += usize::from(
            w.history
                .done
                .iter()
                .any(|d| d.decision.is_some_and(|x| x.0 == Decision::Extend)),
        );
        cancelled += usize::from(s.stage == Stage::Cancelled);
        full_members += usize::from(s.stage == Stage::Full);
    }
    Ok(format!(
        "发展党员：{} 人——入党申请人 {}，入党积极分子 {}，发展对象 {}，预备党员 {}，已转正 {}（延长预备期 {}，取消预备党员资格 {}）；本月到期 {}，逾期 {}（用时 {:.1} 秒）\n入党积极分子演示账号：{}（密码同上）\n",
        walked.len(),
        counts.applicants,
        counts.activists,
        counts.candidates,
        counts.probationary,
        full_members,
        extended,
        cancelled,
        counts.due_this_month,
        counts.overdue,
        started.elapsed().as_secs_f64(),
        APPLICANT_LOGIN.1,
    ))
}
