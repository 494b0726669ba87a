//! The demo's year of 组织关系转接 and its 流动党员: moves between the county's towns (one
//! returned, two waiting to be accepted), letters out of the county closed by their 回执 (one
//! expired, two still out), members in from other counties' letters; about 2 % of members
//! working away, some since back, and members from elsewhere taking part in branches here.
use super::{Rng, person_name};
use crate::crypto::Keys;
use crate::domain::clock::{day_start, local_date, now_epoch};
use crate::domain::flow::{Direction as FlowDirection, Flow};
use crate::domain::member::{Education, Gender, MemberCategory, MemberRecord, MemberStatus};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::transfer::{Direction, Status};
use crate::error::AppResult;
use crate::store::transfers::{self, NewTransfer};
use crate::store::{Db, flows, members, orgs, users};
use std::collections::HashSet;
use time::{Date, Duration};

const REASONS: &[&str] = &[
    "工作调动",
    "随配偶迁居",
    "外出务工定居",
    "子女就学随迁",
    "返乡创业",
];
const PLACES: &[&str] = &[
    "浙江省宁波市北仑区",
    "江苏省苏州市工业园区",
    "广东省东莞市长安镇",
    "北京市大兴区",
    "天津市滨海新区",
    "河北省石家庄市裕华区",
    "山东省青岛市黄岛区",
    "上海市松江区",
];
const OUTSIDE: &[&str] = &[
    "中共江城市滨江区望江街道工作委员会",
    "中共临江县河口镇委员会",
    "中共石家庄市裕华区委组织部",
    "中共青岛市黄岛区长江路街道工作委员会",
    "中共沧州市运河区委组织部",
];

/// The day `days` ago, and its epoch at ten in the morning.
fn ago(today: Date, days: i64) -> (Date, i64) {
    let d = today - Duration::days(days);
    (d, day_start(d) + 10 * 3600)
}

/// Everything the demo's transfers and flows need to know of the county.
struct County {
    today: Date,
    by: i64,
    branches: Vec<orgs::Org>,
    towns: Vec<orgs::Org>,
    /// Members without an account (the demo's logins stay where they are): (member, branch).
    movable: Vec<(i64, i64)>,
    /// Every member on the roster: (member, branch).
    everyone: Vec<(i64, i64)>,
}

impl County {
    fn town_of(&self, branch_path: &str) -> Option<i64> {
        self.towns
            .iter()
            .find(|t| is_in_subtree(branch_path, &t.path))
            .map(|t| t.id)
    }

    fn branch(&self, id: i64) -> Option<&orgs::Org> {
        self.branches.iter().find(|b| b.id == id)
    }
}

/// A year of transfers and the county's flowing members; the summary line.
pub async fn transfers_demo(db: &Db, keys: &Keys, seed: u64) -> AppResult<String> {
    let mut rng = Rng(seed ^ 0x7A45_F3E2);
    let Some(root) = orgs::root(db).await? else {
        return Ok(String::new());
    };
    let Some(by) = users::admin_grants(db)
        .await?
        .into_iter()
        .min_by_key(|(_, path)| path.len())
        .map(|(user, _)| user)
    else {
        return Ok(String::new());
    };
    let accounts: HashSet<i64> = users::member_accounts(db)
        .await?
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let mut everyone: Vec<(i64, i64)> = members::placements(db)
        .await?
        .into_iter()
        .map(|(m, b, _)| (m, b))
        .collect();
    everyone.sort();
    let movable = everyone
        .iter()
        .filter(|(m, _)| !accounts.contains(m))
        .copied()
        .collect();
    let c = County {
        today: local_date(now_epoch()),
        by,
        branches: orgs::subtree(db, &root.path)
            .await?
            .into_iter()
            .filter(|o| o.kind().is_branch() && !o.is_dissolved())
            .collect(),
        towns: orgs::direct_children(db, root.id).await?,
        movable,
        everyone,
    };
    let mut used = HashSet::new();
    let within = within_county(db, &c, &mut rng, &mut used).await?;
    let out = out_of_county(db, &c, &mut rng, &mut used).await?;
    let came = into_county(db, keys, &c, &mut rng).await?;
    let (away, back, here) = flows_demo(db, keys, &c, &mut rng, &mut used).await?;
    Ok(format!(
        "组织关系转接：县内{within}人次（1次退回、2个待接收），转出县外{out}人（1封介绍信过期、2封待回执），县外转入{came}人；流动党员：流出{away}人（另有{back}人已返回），流入{here}人\n"
    ))
}

/// Picks a member from `among` not used yet.
fn pick(among: &[(i64, i64)], rng: &mut Rng, used: &mut HashSet<i64>) -> Option<(i64, i64)> {
    if among.is_empty() {
        return None;
    }
    for _ in 0..50 {
        let (m, b) = *rng.pick(among);
        if used.insert(m) {
            return Some((m, b));
        }
    }
    None
}

/// Moves between towns over the year: most accepted, one returned, two waiting.
async fn within_county(
    db: &Db,
    c: &County,
    rng: &mut Rng,
    used: &mut HashSet<i64>,
) -> AppResult<u32> {
    let mut n = 0;
    for i in 0..26 {
        let Some((member, from)) = pick(&c.movable, rng, used) else {
            break;
        };
        let Some(from_branch) = c.branch(from) else {
            continue;
        };
        let home = c.town_of(&from_branch.path);
        let to = loop {
            let b = rng.pick(&c.branches);
            if c.town_of(&b.path) != home {
                break b;
            }
        };
        let days = match i {
            0 | 1 => rng.range(2, 9),
            _ => rng.range(12, 350),
        };
        let (on, at) = ago(c.today, days);
        let status = match i {
            0 | 1 => Status::Pending,
            2 => Status::Returned,
            _ => Status::Accepted,
        };
        let reason = *rng.pick(REASONS);
        let mut tx = db.begin().await?;
        let id = transfers::start(
            tx.conn(),
            &NewTransfer {
                member_id: member,
                direction: Direction::Within,
                from_branch: Some(from),
                to_branch: Some(to.id),
                outside_org: "",
                letter_no: "",
                valid_days: 0,
                dues_paid_to: "",
                reason,
                status: Status::Pending,
                issued: on,
                by: c.by,
                now: at,
            },
        )
        .await?;
        let decided = at + rng.range(1, 6) * 86_400;
        match status {
            Status::Accepted => {
                transfers::close(tx.conn(), id, status, "", None, c.by, decided).await?;
                let m = members::get_in(tx.conn(), member).await?;
                members::transfer(tx.conn(), &m, to.id, reason, c.by, decided).await?;
            }
            Status::Returned => {
                let why = "档案材料不全，请补充入党志愿书复印件后重新发起";
                transfers::close(tx.conn(), id, status, why, None, c.by, decided).await?;
            }
            _ => {}
        }
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Letters out of the county: most receipted (the member then left), one expired, two out.
async fn out_of_county(
    db: &Db,
    c: &County,
    rng: &mut Rng,
    used: &mut HashSet<i64>,
) -> AppResult<u32> {
    let mut n = 0;
    for i in 0..12 {
        let Some((member, from)) = pick(&c.movable, rng, used) else {
            break;
        };
        let (days, valid) = match i {
            0 => (rng.range(45, 80), 30),
            1 | 2 => (rng.range(3, 20), 30),
            _ => (rng.range(40, 340), *rng.pick(&[30, 60, 90])),
        };
        let (issued, at) = ago(c.today, days);
        let outside = *rng.pick(OUTSIDE);
        let mut tx = db.begin().await?;
        let id = transfers::start(
            tx.conn(),
            &NewTransfer {
                member_id: member,
                direction: Direction::Out,
                from_branch: Some(from),
                to_branch: None,
                outside_org: outside,
                letter_no: "",
                valid_days: valid,
                dues_paid_to: "",
                reason: rng.pick::<&str>(REASONS),
                status: Status::Pending,
                issued,
                by: c.by,
                now: at,
            },
        )
        .await?;
        if i >= 3 {
            let back = issued + Duration::days(rng.range(5, valid.min(25)));
            let when = day_start(back) + 15 * 3600;
            transfers::close(tx.conn(), id, Status::Receipted, "", Some(back), c.by, when).await?;
            members::leave(
                tx.conn(),
                member,
                back,
                &format!("转出县外：{outside}"),
                when,
            )
            .await?;
        }
        tx.commit().await?;
        n += 1;
    }
    // The one past its validity is written down as the job would.
    let mut tx = db.begin().await?;
    transfers::expire_letters(tx.conn(), c.today, now_epoch()).await?;
    tx.commit().await?;
    Ok(n)
}

/// Members in from other counties' letters, registered in branches here.
async fn into_county(db: &Db, keys: &Keys, c: &County, rng: &mut Rng) -> AppResult<u32> {
    let mut n = 0;
    for i in 0..6u32 {
        let gender = if rng.chance(60) {
            Gender::Male
        } else {
            Gender::Female
        };
        let age = rng.range(26, 55) as i32;
        let birth = Date::from_calendar_date(
            c.today.year() - age,
            time::Month::try_from(rng.range(1, 12) as u8).unwrap_or(time::Month::May),
            rng.range(1, 28) as u8,
        )
        .unwrap_or(c.today);
        // Born in another province: no number of this county's roster.
        let seq = 500 + i64::from(i) * 2 + i64::from(gender == Gender::Male);
        let body = format!(
            "330206{}{seq:03}",
            crate::domain::clock::format_date(birth).replace('-', "")
        );
        let Some(check) = crate::domain::idcard::check_char(&body) else {
            continue;
        };
        let joined = Date::from_calendar_date(
            birth.year() + rng.range(22, 30) as i32,
            time::Month::July,
            1,
        )
        .unwrap_or(birth)
        .min(c.today - Duration::days(400));
        let branch = rng.pick(&c.branches);
        let (on, at) = ago(c.today, rng.range(10, 330));
        let record = MemberRecord {
            name: person_name(rng, gender),
            gender,
            ethnicity: "汉族".into(),
            birth_date: crate::domain::clock::format_date(birth),
            id_number: format!("{body}{check}"),
            phone: None,
            education: *rng.pick(&[Education::College, Education::Bachelor, Education::Senior]),
            joined_on: crate::domain::clock::format_date(joined),
            full_member_on: Some(crate::domain::clock::format_date(
                joined + Duration::days(366),
            )),
            status: MemberStatus::Full,
            category: *rng.pick(&[MemberCategory::Employed, MemberCategory::Farmer]),
            branch_id: branch.id,
            party_group_id: None,
            posts: String::new(),
            veteran: false,
        };
        let mut tx = db.begin().await?;
        let member = members::insert(tx.conn(), keys, &record, at).await?;
        let letter = format!("（{}）第{}号", on.year(), rng.range(20, 400));
        transfers::start(
            tx.conn(),
            &NewTransfer {
                member_id: member,
                direction: Direction::In,
                from_branch: None,
                to_branch: Some(branch.id),
                outside_org: rng.pick::<&str>(OUTSIDE),
                letter_no: &letter,
                valid_days: 0,
                dues_paid_to: "",
                reason: "县外转入",
                status: Status::Registered,
                issued: on,
                by: c.by,
                now: at,
            },
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// About 2 % of members working away (a few since back) and members from elsewhere here.
async fn flows_demo(
    db: &Db,
    keys: &Keys,
    c: &County,
    rng: &mut Rng,
    used: &mut HashSet<i64>,
) -> AppResult<(u32, u32, u32)> {
    let (mut away, mut back, mut here) = (0, 0, 0);
    let target = c.everyone.len() / 50;
    let mut tx = db.begin().await?;
    for i in 0..target {
        let Some((member, branch)) = pick(&c.everyone, rng, used) else {
            break;
        };
        let since = c.today - Duration::days(rng.range(190, 900));
        let flow = Flow {
            direction: FlowDirection::Out,
            member_id: Some(member),
            name: members::name_in(tx.conn(), member).await?,
            phone: Some(format!(
                "139{:08}",
                10_000_000 + i as i64 * 7919 % 89_999_999
            )),
            place: rng.pick(PLACES).to_string(),
            other_org: if rng.chance(40) {
                "当地流动党员服务站".into()
            } else {
                String::new()
            },
            since,
        };
        let id = flows::insert(tx.conn(), keys, branch, &flow, c.by, day_start(since)).await?;
        if rng.chance(10) {
            flows::end(tx.conn(), id, c.today - Duration::days(rng.range(1, 150))).await?;
            back += 1;
        } else {
            away += 1;
        }
    }
    // Members from elsewhere take part in community and enterprise branches.
    let hosts: Vec<&orgs::Org> = c
        .branches
        .iter()
        .filter(|b| b.kind() == OrgType::Branch && !b.name.contains('村'))
        .collect();
    for i in 0..hosts.len().min(30) {
        let gender = if rng.chance(55) {
            Gender::Male
        } else {
            Gender::Female
        };
        let flow = Flow {
            direction: FlowDirection::In,
            member_id: None,
            name: person_name(rng, gender),
            phone: Some(format!(
                "137{:08}",
                20_000_000 + i as i64 * 104_729 % 79_999_999
            )),
            place: String::new(),
            other_org: rng.pick(OUTSIDE).to_string(),
            since: c.today - Duration::days(rng.range(40, 700)),
        };
        let host = hosts[rng.below(hosts.len() as u64) as usize];
        flows::insert(tx.conn(), keys, host.id, &flow, c.by, day_start(flow.since)).await?;
        here += 1;
    }
    tx.commit().await?;
    Ok((away, back, here))
}
