//! The demo's 关怀与评议: about 1 % of members in hardship, visited at 春节 and 七一 under the
//! county's plans (one town behind with its 七一 visits); last year's 民主评议党员 finished in
//! nearly every branch (a handful 基本合格, one 不合格, a few branches late: 电子监察's true
//! cases) and this year's under way in some; a finished 两优一先 with its 公示 and an objection,
//! and this year's open for nominations.
use super::Rng;
use super::arena::{Picture, add_picture, demo_pictures};
use crate::crypto::Keys;
use crate::domain::appraisal::{Decision, Grade, Handling, MIN_MEMBERS, deadline};
use crate::domain::care::{Hardship, HardshipKind, Occasion, Visit};
use crate::domain::clock::{day_start, local_date, now_epoch};
use crate::domain::honour::{Category, Selection, Status};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::error::{AppError, AppResult};
use crate::store::honours::NewNomination;
use crate::store::orgs::{self, Org};
use crate::store::{Db, appraisals, care, honours, members, photos, users};
use std::collections::HashMap;
use time::{Date, Duration, Month};

const DETAILS: &[(HardshipKind, &str)] = &[
    (
        HardshipKind::Illness,
        "患尿毒症，每周透析三次，医疗费用负担重",
    ),
    (
        HardshipKind::Illness,
        "脑梗后遗症，行动不便，需家人长期照料",
    ),
    (HardshipKind::Illness, "妻子患癌症化疗，家庭积蓄已用完"),
    (HardshipKind::Disability, "肢体二级残疾，无劳动能力"),
    (HardshipKind::Disaster, "汛期房屋受损，正在修缮"),
    (HardshipKind::Elderly, "年过八旬，子女在外地，独自居住"),
    (HardshipKind::Elderly, "老伴去世，独居，患高血压"),
    (HardshipKind::Family, "独自抚养两个上学的孙子女"),
];
const GOODS: &[&str] = &[
    "米一袋、油一桶",
    "棉被一床",
    "米面油",
    "慰问品一份",
    "血压计一台",
];
const SELF_ASSESSMENTS: &[&str] = &[
    "对照党员标准，认真学习，按时参加组织生活，积极参与村里的各项工作。",
    "一年来坚持“学习强国”每日学习，带头参加人居环境整治，但联系群众还不够经常。",
    "在合作社负责技术指导，带动5户农户种植大棚蔬菜；理论学习不够系统，明年要加强。",
    "年纪大了，主要在家门口参加志愿服务和矛盾调解，按时交纳党费。",
    "外出务工期间坚持线上学习，回村后参加了主题党日和防汛值守。",
];
const VERIFIERS: &[&str] = &[
    "村委会 主任",
    "镇民政办",
    "村党支部 组织委员",
    "镇社会事务办",
];

fn day(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
}

/// Who takes part in the demo's care: the county's administrator records it.
struct Place {
    root: Org,
    by: i64,
    today: Date,
    branches: Vec<Org>,
    /// The organizations directly below the county.
    towns: Vec<Org>,
    /// Members on the roster by branch.
    people: HashMap<i64, Vec<i64>>,
}

pub async fn care_demo(
    db: &Db,
    keys: &Keys,
    files: &crate::files::Storage,
    seed: u64,
) -> AppResult<(String, u32)> {
    let Some(root) = orgs::root(db).await? else {
        return Ok((String::new(), 0));
    };
    let Some(by) = users::admin_grants(db)
        .await?
        .into_iter()
        .min_by_key(|(_, path)| path.len())
        .map(|(user, _)| user)
    else {
        return Ok((String::new(), 0));
    };
    let mut people: HashMap<i64, Vec<i64>> = HashMap::new();
    for (member, branch, _) in members::placements(db).await? {
        people.entry(branch).or_default().push(member);
    }
    let branches = orgs::subtree(db, &root.path)
        .await?
        .into_iter()
        .filter(|o| o.kind().is_branch())
        .collect();
    let towns = orgs::direct_children(db, root.id)
        .await?
        .into_iter()
        .filter(|t| t.kind() != OrgType::PartyGroup && !t.is_dissolved())
        .collect();
    let p = Place {
        towns,
        root,
        by,
        today: local_date(now_epoch()),
        branches,
        people,
    };
    let pictures = demo_pictures(files, "care", 2_000).await?;
    let hardship = hardships(db, &p, seed, &pictures).await?;
    let (appraisal, missing) = appraisals_demo(db, keys, &p, seed).await?;
    let honour = honours_demo(db, &p, seed).await?;
    Ok((format!("{hardship}\n{appraisal}\n{honour}"), missing))
}

/// Hardships and the year's 春节 and 七一 visits; the last town is behind with 七一.
async fn hardships(db: &Db, p: &Place, seed: u64, pictures: &[Picture]) -> AppResult<String> {
    let mut rng = Rng(seed ^ 0xCA4E_0001);
    let year = p.today.year();
    let now = now_epoch();
    let mut tx = db.begin().await?;
    let spring = care::insert_plan(
        tx.conn(),
        p.root.id,
        (
            Occasion::SpringFestival,
            year,
            day(year, Month::February, 12),
        ),
        p.by,
        now,
    )
    .await?;
    let july = care::insert_plan(
        tx.conn(),
        p.root.id,
        (Occasion::July, year, day(year, Month::June, 30)),
        p.by,
        now,
    )
    .await?;
    let behind = p.towns.last().map(|t| t.path.clone());
    let (mut registered, mut visits, mut money, mut with_photos) = (0, 0, 0i64, 0);
    for b in &p.branches {
        for m in p.people.get(&b.id).into_iter().flatten() {
            if !rng.chance(1) {
                continue;
            }
            let (kind, detail) = *rng.pick(DETAILS);
            let since = p.today - Duration::days(rng.range(200, 2_000));
            let h = Hardship {
                member_id: *m,
                kind,
                detail: detail.into(),
                since,
                verified_by: rng.pick(VERIFIERS).to_string(),
            };
            // Most were reviewed this year; a few are due for it.
            let reviewed = if rng.chance(8) {
                p.today - Duration::days(rng.range(370, 420))
            } else {
                p.today - Duration::days(rng.range(20, 300))
            };
            care::insert_hardship(tx.conn(), &h, reviewed, p.by, now).await?;
            registered += 1;
            let lagging = behind.as_deref().is_some_and(|t| is_in_subtree(&b.path, t));
            for (plan, on) in [
                (
                    spring,
                    day(year, Month::February, 1) + Duration::days(rng.range(0, 10)),
                ),
                (
                    july,
                    day(year, Month::June, 20) + Duration::days(rng.range(0, 9)),
                ),
            ] {
                if plan == july && lagging && rng.chance(60) {
                    continue;
                }
                let v = Visit {
                    member_id: *m,
                    plan_id: Some(plan),
                    visited_on: on,
                    visitors: format!(
                        "镇党委书记，{}党支部书记",
                        b.name.trim_end_matches("党支部")
                    ),
                    money_fen: rng.range(3, 10) * 10_000,
                    goods: rng.pick(GOODS).to_string(),
                    note: String::new(),
                };
                let id = care::insert_visit(tx.conn(), &v, p.by, now).await?;
                if rng.chance(15) {
                    add_picture(
                        &mut tx,
                        (photos::CARE_VISIT, id),
                        rng.pick(pictures),
                        0,
                        now,
                    )
                    .await?;
                    with_photos += 1;
                }
                visits += 1;
                money += v.money_fen;
            }
        }
    }
    tx.commit().await?;
    Ok(format!(
        "关怀帮扶：困难党员 {registered} 名，{year}年春节、七一慰问 {visits} 人次（{with_photos} 次附照片），慰问金 {} 元",
        crate::domain::dues::format_yuan(money)
    ))
}

/// Last year's evaluation, finished in nearly every branch, and this year's in some.
async fn appraisals_demo(db: &Db, keys: &Keys, p: &Place, seed: u64) -> AppResult<(String, u32)> {
    let mut rng = Rng(seed ^ 0x00A9_9EA1);
    let last = p.today.year() - 1;
    let due = deadline(last, 3);
    let year_end = day(last, Month::December, 31);
    let (mut done, mut missing, mut basic, mut unqualified, mut open) = (0, 0u32, 0, 0, 0);
    let mut votes = Vec::new();
    for b in &p.branches {
        let Some(members) = p.people.get(&b.id).filter(|m| m.len() >= MIN_MEMBERS) else {
            continue;
        };
        if b.is_dissolved() || local_date(b.created_at) > year_end {
            continue;
        }
        // A few branches did not finish last year's by the deadline.
        if rng.chance(3) {
            missing += 1;
        } else {
            let opened = day(last, Month::December, 1) + Duration::days(rng.range(0, 40));
            let decided = opened + Duration::days(rng.range(7, 40)).min(due - opened);
            let mut tx = db.begin().await?;
            let id = appraisals::open(
                tx.conn(),
                b.id,
                last,
                members,
                opened,
                p.by,
                day_start(opened),
            )
            .await?;
            // Each member's standing: most sound, a handful weaker, one in the county failing.
            for m in members {
                let standing = match rng.below(1000) {
                    0..=5 => Grade::Basic,
                    6 if unqualified == 0 => Grade::Unqualified,
                    _ if rng.chance(30) => Grade::Excellent,
                    _ => Grade::Qualified,
                };
                for voter in members.iter().filter(|v| *v != m) {
                    let g = match (standing, rng.below(10)) {
                        (s, 0..=7) => s,
                        (Grade::Unqualified, _) => Grade::Basic,
                        (_, 8) => Grade::Qualified,
                        (_, _) => Grade::Excellent,
                    };
                    votes.push((id, appraisals::voter_key(keys, id, *voter), *m, g));
                }
                let d = Decision {
                    grade: standing,
                    reason: match standing {
                        Grade::Unqualified => {
                            "全年无正当理由连续6个月未参加组织生活，经批评教育仍未改正".into()
                        }
                        Grade::Basic => "参加组织生活不够经常，发挥作用不明显".into(),
                        _ => String::new(),
                    },
                    handling: (standing == Grade::Unqualified).then_some(Handling::Correct),
                };
                basic += usize::from(standing == Grade::Basic);
                unqualified += usize::from(standing == Grade::Unqualified);
                appraisals::decide(tx.conn(), id, *m, &d).await?;
                let text = *rng.pick(SELF_ASSESSMENTS);
                appraisals::save_self(tx.conn(), id, *m, text, day_start(opened) + 86_400).await?;
            }
            appraisals::close(tx.conn(), id, decided, None).await?;
            tx.commit().await?;
            done += 1;
        }
        // This year's, opened in some branches in the last weeks.
        if rng.chance(15) {
            this_years(db, keys, p, &mut rng, b, members).await?;
            open += 1;
        }
    }
    let mut tx = db.begin().await?;
    appraisals::insert_votes(tx.conn(), &votes).await?;
    tx.commit().await?;
    Ok((
        format!(
            "民主评议党员：{last}年度 {done} 个支部完成（{missing} 个未按期），基本合格 {basic} 人、不合格 {unqualified} 人；{}年度 {open} 个支部进行中",
            p.today.year()
        ),
        missing,
    ))
}

/// This year's evaluation, opened in the last weeks: half the members have written and voted.
async fn this_years(
    db: &Db,
    keys: &Keys,
    p: &Place,
    rng: &mut Rng,
    b: &Org,
    members: &[i64],
) -> AppResult<()> {
    let now = now_epoch();
    let opened = p.today - Duration::days(rng.range(3, 20));
    let mut tx = db.begin().await?;
    let id = appraisals::open(
        tx.conn(),
        b.id,
        p.today.year(),
        members,
        opened,
        p.by,
        day_start(opened),
    )
    .await?;
    for m in members {
        if !rng.chance(50) {
            continue;
        }
        let text = *rng.pick(SELF_ASSESSMENTS);
        appraisals::save_self(tx.conn(), id, *m, text, now).await?;
        let others: Vec<(i64, Grade)> = members
            .iter()
            .filter(|o| *o != m)
            .map(|o| {
                (
                    *o,
                    if rng.chance(25) {
                        Grade::Excellent
                    } else {
                        Grade::Qualified
                    },
                )
            })
            .collect();
        appraisals::cast(tx.conn(), keys, id, *m, &others, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A town's nominations to last year's selection: three members put forward (the third
/// returned), a worker and a branch; how many were approved and the first of them.
async fn last_years(
    tx: &mut crate::store::WriteTx,
    p: &Place,
    rng: &mut Rng,
    past: i64,
    t: &Org,
    branches: &[&Org],
) -> AppResult<(usize, Option<i64>)> {
    let now = now_epoch();
    let (mut approved, mut first) = (0, None);
    for (i, c) in [
        Category::Member,
        Category::Member,
        Category::Member,
        Category::Worker,
        Category::Organization,
    ]
    .into_iter()
    .enumerate()
    {
        let b = *rng.pick(branches);
        let Some(member) = p
            .people
            .get(&b.id)
            .and_then(|m| m.get(i % m.len()).copied())
        else {
            continue;
        };
        let n = NewNomination {
            selection: past,
            category: c,
            member: (!c.is_org()).then_some(member),
            org: c.is_org().then_some(b.id),
            branch: b.id,
            quota_org: t.id,
            reason: "扎根基层，带领群众发展特色产业，在疫情防控和防汛救灾中冲在一线，群众认可度高。",
        };
        let id = match honours::nominate(tx.conn(), &n, p.by, now).await {
            Ok(id) => id,
            // The same member drawn twice.
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        };
        let (to, note) = if i == 2 {
            (Status::Returned, "事迹材料不够具体，请补充")
        } else {
            (Status::Approved, "")
        };
        honours::set_status(tx.conn(), id, Status::Submitted, to, note, p.by).await?;
        if to == Status::Approved {
            approved += 1;
            first.get_or_insert(id);
        }
    }
    Ok((approved, first))
}

/// Last year's 两优一先, nominated, reviewed, published with an objection and awarded; this
/// year's open for nominations.
async fn honours_demo(db: &Db, p: &Place, seed: u64) -> AppResult<String> {
    let mut rng = Rng(seed ^ 0x0040_4071);
    let now = now_epoch();
    let year = p.today.year();
    let quotas = |per: [i64; 3]| {
        p.towns
            .iter()
            .flat_map(|t| Category::ALL.iter().zip(per).map(|(c, q)| (t.id, *c, q)))
            .filter(|q| q.2 > 0)
            .collect::<Vec<_>>()
    };
    let finished = Selection {
        title: format!("{}年度“两优一先”评选表彰", year - 1),
        year: year - 1,
        nominate_until: day(year, Month::May, 31),
        publicity_days: 7,
        quotas: quotas([2, 1, 1]),
    };
    let current = Selection {
        title: format!("{year}年度“两优一先”评选表彰"),
        year,
        nominate_until: p.today + Duration::days(20),
        publicity_days: 7,
        quotas: quotas([2, 1, 1]),
    };
    let mut tx = db.begin().await?;
    let past = honours::insert(tx.conn(), p.root.id, &finished, p.by, now).await?;
    let open = honours::insert(tx.conn(), p.root.id, &current, p.by, now).await?;
    let (mut awarded, mut nominated) = (0, 0);
    let mut first_approved = None;
    for t in &p.towns {
        let branches: Vec<&Org> = p
            .branches
            .iter()
            .filter(|b| is_in_subtree(&b.path, &t.path))
            .collect();
        if branches.is_empty() {
            continue;
        }
        let (approved, first) = last_years(&mut tx, p, &mut rng, past, t, &branches).await?;
        awarded += approved;
        first_approved = first_approved.or(first);
        // This year's: a few towns have put forward their first.
        if rng.chance(40) {
            let b = *rng.pick(&branches);
            if let Some(member) = p.people.get(&b.id).and_then(|m| m.first().copied()) {
                let n = NewNomination {
                    selection: open,
                    category: Category::Member,
                    member: Some(member),
                    org: None,
                    branch: b.id,
                    quota_org: t.id,
                    reason: "担任村党支部书记八年，带领村民发展大棚蔬菜，村集体收入翻了一番。",
                };
                honours::nominate(tx.conn(), &n, p.by, now).await?;
                nominated += 1;
            }
        }
    }
    let published = day(year, Month::June, 18);
    honours::publish(tx.conn(), past, published).await?;
    if let Some(n) = first_approved {
        honours::object(
            tx.conn(),
            past,
            n,
            "反映其家属经营的农资店曾有赊销纠纷，经核实已妥善处理。",
            p.by,
            day_start(published) + 2 * 86_400,
        )
        .await?;
    }
    let s = honours::SelectionRow {
        id: past,
        org_id: p.root.id,
        org_name: p.root.name.clone(),
        org_path: p.root.path.clone(),
        title: finished.title.clone(),
        year: i64::from(finished.year),
        nominate_until: crate::domain::clock::format_date(finished.nominate_until),
        publicity_days: finished.publicity_days,
        published_on: Some(crate::domain::clock::format_date(published)),
        awarded_on: None,
    };
    honours::award(tx.conn(), &s, published + Duration::days(10), now).await?;
    tx.commit().await?;
    Ok(format!(
        "评先评优：{}年度“两优一先”表彰 {awarded} 个（公示期间收到异议1件），{year}年度推荐中（已推荐 {nominated} 名）",
        year - 1
    ))
}
