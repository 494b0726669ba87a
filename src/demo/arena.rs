//! The demo's 云上擂台: a year of quarterly 擂台比武 in half the towns (the others held
//! none), with the same villages reporting figures that move from quarter to quarter; the
//! current quarter's contests under way; 书记项目 with milestones (a few truly overdue);
//! stories of 兵支书; 党员先锋岗; 好经验好做法 reviewed and marked useful; news of the
//! 联村党总支.
use super::{Rng, scenes};
use crate::domain::arena::{ContestInput, Criterion, EntryInput, Figure, ProjectInput};
use crate::domain::clock::{day_start, format_date, local_date, now_epoch};
use crate::domain::dashboard::PeriodKind;
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::points::LedgerKey;
use crate::domain::policy::Role;
use crate::domain::review::{Review, ReviewStatus};
use crate::error::{AppError, AppResult};
use crate::store::orgs::{self, Org};
use crate::store::review::{self, Submission};
use crate::store::{
    Db, WriteTx, arena, experiences, members, photos, points, projects, showcase, users,
};
use time::Duration;

/// (label, unit, base low, base high, quarterly growth high)
const FIGURES: &[(&str, &str, i64, i64, i64)] = &[
    ("村集体经济收入", "万元", 5, 30, 4),
    ("集体土地公开发包", "亩", 50, 300, 40),
    ("带动群众就业", "人", 3, 30, 8),
    ("办结群众诉求", "件", 10, 60, 15),
];

const MEASURES: &[&str] = &[
    "通过公开招标发包集体土地，合同全部上墙公示，村集体年增收13.5万元",
    "计划投资100余万元发展有机果蔬种植和采摘园，已完成土地流转",
    "组建党员志愿服务队，每周走访独居老人和留守儿童",
    "清理拖欠承包费，收回集体资金，账目每月在村务公开栏公示",
    "建成村级电商服务站，帮助农户在网上销售梨和红枣",
    "整治坑塘和残垣断壁，村内主街道硬化亮化全部完成",
    "落实“四议两公开”，村内大事党员群众一起商量",
    "成立土地股份合作社，吸纳农户入股，年底按股分红",
];

const STORIES: &[&str] = &[
    "在部队服役五年，三次获评优秀士兵。退役回村后当选党支部书记，带着党员把村里的坑塘改成了鱼塘，村集体第一次有了稳定收入。",
    "曾是工程兵，退役后在外经营建材生意。村里换届时放下生意回村，修通了三条断头路，群众都叫他“修路书记”。",
    "服役期间参加过抗洪抢险。任支部书记后坚持“有事找党员”，组建了十二人的退役军人应急分队，汛期昼夜值守。",
    "退役后在镇企业做安全员，回村担任书记以来推行“党员户挂牌”，把纪律作风带进了支部。",
    "当过炊事班长，退役后带头办起了村里的合作社食堂，解决了留守老人的吃饭难题。",
];

const EXPERIENCES: &[(&str, &str)] = &[
    (
        "“四议两公开”让村务决策更透明",
        "村里的大事先由党支部提议、村“两委”商议、党员大会审议、村民代表会议决议，决议和结果都公开。去年修路、发包土地两件大事都这样办，没有一户上访。",
    ),
    (
        "党员联系户做到“三必访”",
        "每名党员联系5到10户群众，做到红白喜事必访、生病住院必访、家庭困难必访，每月在党员大会上交流走访情况。",
    ),
    (
        "主题党日固定在每月5日",
        "把主题党日固定在每月5日，雷打不动。外出党员通过视频参加，会后在群里交学习体会，参会率从六成提高到九成以上。",
    ),
    (
        "积分超市激发群众参与",
        "群众参加环境整治、志愿服务可以攒积分，到村积分超市兑换日用品。半年下来，村里的卫生死角基本没有了。",
    ),
    (
        "会议记录“当天整理、三天上传”",
        "支部指定一名年轻党员专门整理记录，会后当天整理，三天内上传照片和记录，书记审核把关，检查时从没缺过材料。",
    ),
    (
        "用好退役军人党员的作风优势",
        "把退役军人党员编成一个党小组，承担应急值守、矛盾调解等急难险重任务，作风过硬，群众信得过。",
    ),
    (
        "小院议事会解决邻里纠纷",
        "在村民家里的小院开议事会，党员和群众围坐在一起把问题说开，一年调解纠纷二十多起，没有一起上交。",
    ),
    (
        "党建带团建，年轻人回村了",
        "支部牵头成立青年创业联盟，帮助返乡青年办电商、搞养殖，去年有11名年轻人回村创业，其中3人递交了入党申请书。",
    ),
    (
        "集体土地发包全程公开",
        "发包前在村务公开栏公示面积、底价和规则，公开招标当天邀请党员群众代表监督，合同签订后上墙，群众心服口服。",
    ),
    (
        "老党员讲党课效果好",
        "请入党五十年以上的老党员讲自己亲历的故事，年轻党员听得进、记得住，每季度一次，已经成了支部的品牌。",
    ),
    (
        "“红色代办员”跑腿办事",
        "为行动不便的老人代办社保认证、医保报销等事项，党员轮流值班，一年代办四百多件。",
    ),
    (
        "网格化管理疫情防控经验用到日常",
        "把村里划成六个网格，每格一名党员网格长，日常负责环境卫生、安全巡查和政策宣传，事事有人管。",
    ),
    (
        "支部书记述职“晒清单”",
        "每季度支部书记向党员群众述职，晒出承诺清单和完成清单，没完成的讲清原因和下一步打算，接受群众打分。",
    ),
    (
        "发展党员“三推两评一公示”",
        "入党积极分子由党员推荐、群众推荐、组织推荐，支委会和党员大会两次评议，最后在村里公示七天，程序严、群众服。",
    ),
];

const VANGUARD: &[(&str, &str, &str)] = &[
    (
        "领导管理示范岗",
        "党支部书记岗",
        "带头落实“三会一课”，支部连续三年被评为先进基层党组织。",
    ),
    (
        "后勤服务示范岗",
        "便民服务窗口",
        "窗口接待群众从不推诿，首问负责、一次告知，一年零投诉。",
    ),
    (
        "教学示范岗",
        "初三数学教研组",
        "带领教研组开展集体备课，所带班级中考成绩全县前列。",
    ),
    (
        "班级管理示范岗",
        "七年级二班班主任",
        "坚持每周家访一户，班里没有一个学生辍学。",
    ),
    (
        "后勤服务示范岗",
        "食堂管理员",
        "食材每日公示、账目每月公开，师生满意度98%。",
    ),
    (
        "领导管理示范岗",
        "车间党小组长",
        "带领党员攻克生产线技术难题，年节约成本三十多万元。",
    ),
    (
        "教学示范岗",
        "语文学科带头人",
        "开设“红色经典诵读”校本课程，辐射全镇七所学校。",
    ),
    (
        "后勤服务示范岗",
        "社区网格员",
        "负责的网格三百余户，户户建档、事事有回音。",
    ),
];

/// What the demo's 云上擂台 holds, for the summary.
#[derive(Default)]
pub struct Made {
    pub contests: usize,
    pub published: usize,
    pub entries: usize,
    pub projects: usize,
    pub overdue: usize,
    pub vanguard: usize,
    pub experiences: usize,
    pub stories: usize,
}

pub async fn arena_demo(db: &Db, files: &crate::files::Storage, seed: u64) -> AppResult<String> {
    let started = std::time::Instant::now();
    let mut rng = Rng(seed ^ 0x00A2_E4A0);
    let now = now_epoch();
    let county = orgs::root(db)
        .await?
        .ok_or_else(|| AppError::internal("the demo county has no root"))?;
    let pictures = demo_pictures(files, "arena", 1_000).await?;
    let organizer_account = users::first_with_role(db, Role::OrgAdmin)
        .await?
        .unwrap_or(0);
    let admins = arena::administrators(db).await?;
    let secretaries = users::branch_admins(db).await?;
    let towns = orgs::direct_children(db, county.id).await?;
    let subtree = orgs::subtree(db, &county.path).await?;
    let mut made = Made::default();
    let holders = vanguard_holders(db, &subtree).await?;
    let veterans = showcase::veterans(db).await?;
    let mut tx = db.begin().await?;
    let mut nth_town = 0;
    for town in &towns {
        if OrgType::from_code(&town.kind) != Some(OrgType::Committee) {
            continue;
        }
        // The town's first villages as they were founded (the demo's secretary login is in
        // the first town's first village).
        let mut villages: Vec<(&Org, i64)> = subtree
            .iter()
            .filter(|o| {
                is_in_subtree(&o.path, &town.path) && o.category == "rural" && o.kind == "branch"
            })
            .filter_map(|o| {
                secretaries
                    .iter()
                    .find(|(org, _)| *org == o.id)
                    .map(|(_, u)| (o, *u))
            })
            .collect();
        villages.sort_by_key(|(o, _)| o.id);
        villages.truncate(6);
        if villages.len() < 3 {
            continue;
        }
        nth_town += 1;
        let judges: Vec<i64> = admins
            .iter()
            .filter(|(_, _, p)| is_in_subtree(&town.path, p))
            .map(|(u, _, _)| *u)
            .collect();
        // Half the towns (the first among them) hold their contests every quarter; the
        // others have held none.
        if nth_town % 2 == 1 {
            let c = Contests {
                town,
                villages: &villages,
                judges: &judges,
                organizer: organizer_account,
                pictures: &pictures,
            };
            c.year(&mut tx, &mut rng, now, &mut made).await?;
        }
        projects_of(&mut tx, &mut rng, &villages, &pictures, now, &mut made).await?;
    }
    experiences_demo(
        &mut tx,
        &mut rng,
        &secretaries,
        organizer_account,
        &pictures,
        now,
        &mut made,
    )
    .await?;
    vanguard_demo(
        &mut tx,
        &holders,
        organizer_account,
        &pictures,
        now,
        &mut made,
    )
    .await?;
    for (i, v) in veterans.iter().take(STORIES.len()).enumerate() {
        showcase::save_story(tx.conn(), v.id, STORIES[i], organizer_account, now).await?;
        made.stories += 1;
    }
    joint_news(&mut tx, &subtree, organizer_account, now).await?;
    tx.commit().await?;
    Ok(format!(
        "云上擂台：{} 场擂台赛（已发布 {}，{} 份参赛材料），{} 个书记项目（{} 个有逾期节点），{} 个党员先锋岗，{} 条好经验好做法，{} 名兵支书事迹（用时 {:.1} 秒）\n",
        made.contests,
        made.published,
        made.entries,
        made.projects,
        made.overdue,
        made.vanguard,
        made.experiences,
        made.stories,
        started.elapsed().as_secs_f64()
    ))
}

pub(super) type Picture = (String, String);

/// Eight outdoor pictures (village, fields, volunteers), stored as `demo/<name>-<i>.jpg`: for
/// the arena (scenes unlike the meetings' and the articles') and the 慰问 visits.
pub(super) async fn demo_pictures(
    files: &crate::files::Storage,
    name: &str,
    base_seed: u64,
) -> AppResult<Vec<Picture>> {
    let mut keys = Vec::new();
    for i in 0..8u32 {
        let scene = scenes::outdoors(base_seed + u64::from(i));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&scene)
            .map_err(|e| AppError::internal(format!("demo photo: {e}")))?;
        let key = format!("demo/{name}-{i}.jpg");
        files.put(&key, jpeg).await?;
        keys.push((key.clone(), key));
    }
    Ok(keys)
}

pub(super) async fn add_picture(
    tx: &mut WriteTx,
    owner: (&'static str, i64),
    (key, thumb): &Picture,
    position: i64,
    now: i64,
) -> AppResult<()> {
    let row = photos::NewPhoto {
        owner_kind: owner.0,
        owner_id: owner.1,
        role: photos::IMAGE,
        position,
        storage_key: key,
        thumb_key: thumb,
    };
    photos::add(tx.conn(), &row, now).await?;
    Ok(())
}

struct Contests<'a> {
    town: &'a Org,
    villages: &'a [(&'a Org, i64)],
    judges: &'a [i64],
    organizer: i64,
    pictures: &'a [Picture],
}

impl Contests<'_> {
    /// The last four quarters' contests, published, and this quarter's under way.
    async fn year(
        &self,
        tx: &mut WriteTx,
        rng: &mut Rng,
        now: i64,
        made: &mut Made,
    ) -> AppResult<()> {
        let today = local_date(now);
        let mut quarter = PeriodKind::Quarter.period_of(today);
        let mut quarters = Vec::new();
        for _ in 0..4 {
            quarter = PeriodKind::Quarter.previous(&quarter);
            quarters.push(quarter);
        }
        quarters.reverse();
        // Each village starts somewhere and moves its own way; one in six slips back.
        let bases: Vec<Vec<(i64, i64)>> = self
            .villages
            .iter()
            .enumerate()
            .map(|(v, _)| {
                FIGURES
                    .iter()
                    .map(|(_, _, lo, hi, growth)| {
                        let step = if v == 5 {
                            -growth / 3
                        } else {
                            rng.range(0, *growth)
                        };
                        (rng.range(*lo, *hi), step)
                    })
                    .collect()
            })
            .collect();
        for (q, period) in quarters.iter().enumerate() {
            let held = period.end - Duration::days(rng.range(3, 8));
            let id = self
                .contest(
                    tx,
                    &period.label(),
                    held,
                    held - Duration::days(5),
                    day_start(held) - 86_400 * 10,
                )
                .await?;
            for (v, (village, author)) in self.villages.iter().enumerate() {
                let figures = figures_at(&bases[v], q as i64);
                self.entry(
                    tx,
                    rng,
                    id,
                    (village, *author),
                    &figures,
                    day_start(held) - 86_400 * 6,
                )
                .await?;
                made.entries += 1;
            }
            arena::publish(tx.conn(), id, day_start(held) + 86_400).await?;
            made.contests += 1;
            made.published += 1;
        }
        // This quarter's: entries due in ten days, some in, a few scores.
        let current = PeriodKind::Quarter.period_of(today);
        let held = today + Duration::days(14);
        let id = self
            .contest(
                tx,
                &current.label(),
                held,
                today + Duration::days(10),
                now - 86_400 * 5,
            )
            .await?;
        for (v, (village, author)) in self.villages.iter().enumerate().skip(1).take(3) {
            let figures = figures_at(&bases[v], 4);
            self.entry(
                tx,
                rng,
                id,
                (village, *author),
                &figures,
                now - 86_400 * (v as i64),
            )
            .await?;
            made.entries += 1;
        }
        made.contests += 1;
        Ok(())
    }

    async fn contest(
        &self,
        tx: &mut WriteTx,
        period: &str,
        held: time::Date,
        deadline: time::Date,
        at: i64,
    ) -> AppResult<i64> {
        let town = self.town.name.trim_end_matches("党委");
        let input = ContestInput {
            title: format!("{town}{period}党支部书记擂台赛"),
            period: period.to_string(),
            held_on: format_date(held),
            deadline: format_date(deadline),
            voting: true,
            criteria: vec![
                Criterion {
                    name: "述职报告".into(),
                    weight: 40,
                    max_score: 10,
                },
                Criterion {
                    name: "工作实绩".into(),
                    weight: 40,
                    max_score: 10,
                },
                Criterion {
                    name: "现场答辩".into(),
                    weight: 20,
                    max_score: 10,
                },
            ],
        };
        let invites: Vec<i64> = self.villages.iter().map(|(v, _)| v.id).collect();
        arena::insert_contest(
            tx.conn(),
            self.town.id,
            &input,
            self.judges,
            &invites,
            self.organizer,
            at,
        )
        .await
    }

    /// A village's entry: its report, figures and a photo, scored by every judge when the
    /// contest is over (`published`), with its members' votes.
    async fn entry(
        &self,
        tx: &mut WriteTx,
        rng: &mut Rng,
        contest: i64,
        (village, author): (&Org, i64),
        figures: &[Figure],
        at: i64,
    ) -> AppResult<()> {
        let measures: Vec<&str> = (0..3).map(|_| *rng.pick(MEASURES)).collect();
        let report = format!(
            "{}本季度述职。一组数据：{}。一张清单：一是{}；二是{}；三是{}。下一步，支部将继续把群众最关心的事办好。",
            village.name,
            figures
                .iter()
                .map(|f| format!("{}{}{}", f.label, f.value, f.unit))
                .collect::<Vec<_>>()
                .join("，"),
            measures[0],
            measures[1],
            measures[2]
        );
        let input = EntryInput {
            report,
            figures: figures.to_vec(),
            video_url: String::new(),
        };
        let entry = arena::insert_entry(tx.conn(), contest, village.id, author, &input, at).await?;
        add_picture(tx, (photos::ENTRY, entry), rng.pick(self.pictures), 0, at).await?;
        if let Some(member) = users::member_of(tx.conn(), author).await? {
            points::credit(
                tx.conn(),
                member,
                &LedgerKey::arena_entry(entry),
                "擂台比武参赛",
                at,
            )
            .await?;
        }
        let past = at < now_epoch() - 86_400 * 20;
        if past {
            let quality = rng.range(5, 9);
            for judge in self.judges {
                let scores: Vec<(i64, i64, String)> = (0..3)
                    .map(|p| (p, (quality + rng.range(-1, 1)).clamp(0, 10), String::new()))
                    .collect();
                arena::save_scores(tx.conn(), entry, *judge, &scores, at + 86_400 * 5).await?;
            }
        }
        arena::votes_from_branch(
            tx.conn(),
            contest,
            entry,
            village.id,
            rng.range(2, 5),
            at + 86_400,
        )
        .await?;
        Ok(())
    }
}

fn figures_at(bases: &[(i64, i64)], quarter: i64) -> Vec<Figure> {
    FIGURES
        .iter()
        .zip(bases)
        .map(|((label, unit, ..), (base, step))| Figure {
            label: label.to_string(),
            value: (base + step * quarter).max(0).to_string(),
            unit: unit.to_string(),
        })
        .collect()
}

/// Two villages of the town run a 书记项目 each: milestones over the year, done when their
/// day has passed — except one in four projects, whose last passed milestone is truly late.
async fn projects_of(
    tx: &mut WriteTx,
    rng: &mut Rng,
    villages: &[(&Org, i64)],
    pictures: &[Picture],
    now: i64,
    made: &mut Made,
) -> AppResult<()> {
    let today = local_date(now);
    for (village, author) in villages.iter().take(2) {
        let Some(owner) = users::member_of(tx.conn(), *author).await? else {
            continue;
        };
        let started = today - Duration::days(rng.range(120, 300));
        let (title, goal, targets) = *rng.pick(&[
            (
                "发展有机果蔬种植采摘园",
                "盘活闲置土地，带动村集体和群众增收",
                "投资100万元以上；流转土地200亩；村集体年增收13.5万元",
            ),
            (
                "村集体土地公开发包",
                "清理不规范合同，集体土地全部公开发包",
                "清理合同35份；公开发包土地200亩；合同公示率100%",
            ),
            (
                "建设村级电商服务站",
                "帮助农户把特色农产品卖出去",
                "建成服务站1个；培训电商带头人20名；年销售额50万元",
            ),
            (
                "坑塘整治与美丽乡村建设",
                "整治坑塘，改善人居环境",
                "整治坑塘6个；新增绿化面积5000平方米；群众满意率95%以上",
            ),
        ]);
        let milestones: Vec<(String, String)> = [
            "调研论证、党员大会通过",
            "完成土地流转或场地准备",
            "主体建设完成",
            "投入运营、见到效益",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                t.to_string(),
                format_date(started + Duration::days(60 * (i as i64 + 1))),
            )
        })
        .collect();
        let input = ProjectInput {
            title: title.into(),
            goal: goal.into(),
            targets: targets.into(),
            started_on: format_date(started),
            milestones,
        };
        let id = projects::insert(
            tx.conn(),
            village.id,
            owner,
            &input,
            *author,
            day_start(started),
        )
        .await?;
        let late = rng.chance(25);
        let mut passed = 0;
        for m in projects::milestones_in(tx.conn(), id).await? {
            let due = crate::domain::clock::parse_date(&m.due_on).unwrap_or(today);
            if due >= today {
                break;
            }
            passed += 1;
            if late && passed >= 2 {
                made.overdue += 1;
                break;
            }
            let done = due - Duration::days(rng.range(0, 10));
            projects::mark_done(tx.conn(), id, m.id, &format_date(done), *author).await?;
            let body = format!("“{}”已完成。{}", m.title, rng.pick(MEASURES));
            let update =
                projects::add_update(tx.conn(), id, *author, &body, day_start(done) + 36_000)
                    .await?;
            add_picture(
                tx,
                (photos::PROJECT_UPDATE, update),
                rng.pick(pictures),
                0,
                now,
            )
            .await?;
            if let Some(member) = users::member_of(tx.conn(), *author).await? {
                points::credit(
                    tx.conn(),
                    member,
                    &LedgerKey::project_update(update),
                    "书记项目进展",
                    day_start(done) + 36_000,
                )
                .await?;
            }
        }
        made.projects += 1;
    }
    Ok(())
}

/// Members share experiences; the county reviews them: most published and marked useful by
/// their town this month, two waiting, one returned.
async fn experiences_demo(
    tx: &mut WriteTx,
    rng: &mut Rng,
    secretaries: &[(i64, i64)],
    reviewer: i64,
    pictures: &[Picture],
    now: i64,
    made: &mut Made,
) -> AppResult<()> {
    let approve = Review::parse("approve", "").expect("approving needs no reason");
    let give_back =
        Review::parse("return", "请补充具体做法和取得的效果").expect("a reason is given");
    let step = (secretaries.len() / EXPERIENCES.len()).max(1);
    for (i, (title, body)) in EXPERIENCES.iter().enumerate() {
        let Some(&(branch, author)) = secretaries.get(i * step) else {
            break;
        };
        let at = now - 86_400 * rng.range(1, 40);
        let id = experiences::insert(tx.conn(), branch, author, (title, body), at).await?;
        add_picture(tx, (photos::EXPERIENCE, id), rng.pick(pictures), 0, at).await?;
        let decision = match i {
            0 | 1 => None,
            2 => Some(&give_back),
            _ => Some(&approve),
        };
        if let Some(review) = decision {
            review::record(
                tx.conn(),
                Submission::Experience,
                id,
                review,
                reviewer,
                at + 7_200,
            )
            .await?;
            if review.status() == ReviewStatus::Approved {
                if let Some(member) = users::member_of(tx.conn(), author).await? {
                    points::credit(
                        tx.conn(),
                        member,
                        &LedgerKey::experience_approved(id),
                        "好经验好做法",
                        at + 7_200,
                    )
                    .await?;
                }
                experiences::useful_by_branch(
                    tx.conn(),
                    id,
                    branch,
                    rng.range(2, 6),
                    (at + 86_400).min(now),
                )
                .await?;
            }
        }
        made.experiences += 1;
    }
    Ok(())
}

/// Who holds each vanguard post in the county's schools, hospitals, enterprises and
/// communities: (the post in `VANGUARD`, its category, branch, member). Read before the
/// arena's transaction begins.
async fn vanguard_holders<'a>(
    db: &Db,
    subtree: &'a [Org],
) -> AppResult<Vec<(usize, i64, &'a Org, i64)>> {
    let categories = showcase::categories(db).await?;
    let mut out = Vec::new();
    let branches: Vec<&Org> = subtree
        .iter()
        .filter(|o| {
            OrgType::from_code(&o.kind).is_some_and(|k| k.is_branch()) && o.category != "rural"
        })
        .collect();
    for (i, (category, _, _)) in VANGUARD.iter().enumerate() {
        let schools = category.contains("教学") || category.contains("班级");
        let Some(branch) = branches
            .iter()
            .filter(|o| (o.category == "school") == schools)
            .nth(i)
        else {
            continue;
        };
        let Some((member, _)) = members::of_org(db, branch.id, &branch.path)
            .await?
            .into_iter()
            .nth(1)
        else {
            continue;
        };
        let Some((category, _)) = categories.iter().find(|(_, n)| n == category) else {
            continue;
        };
        out.push((i, *category, *branch, member));
    }
    Ok(out)
}

/// The vanguard posts, with a picture each.
async fn vanguard_demo(
    tx: &mut WriteTx,
    holders: &[(usize, i64, &Org, i64)],
    by: i64,
    pictures: &[Picture],
    now: i64,
    made: &mut Made,
) -> AppResult<()> {
    for &(i, category, branch, member) in holders {
        let (_, title, description) = VANGUARD[i];
        let row = showcase::NewVanguard {
            category,
            member,
            org: branch.id,
            title,
            description,
        };
        let id = showcase::add_vanguard(tx.conn(), &row, by, now).await?;
        add_picture(
            tx,
            (photos::VANGUARD, id),
            &pictures[i % pictures.len()],
            0,
            now,
        )
        .await?;
        made.vanguard += 1;
    }
    Ok(())
}

/// Each 联村党总支 posts news of its villages' joint work.
async fn joint_news(tx: &mut WriteTx, subtree: &[Org], author: i64, now: i64) -> AppResult<()> {
    let approve = Review::parse("approve", "").expect("approving needs no reason");
    for (i, gb) in subtree
        .iter()
        .filter(|o| o.kind == OrgType::JointVillageGeneralBranch.code())
        .enumerate()
    {
        let body = format!(
            "{}召开成员村党支部书记联席会，{}",
            gb.name,
            [
                "商定四村联合流转土地、统一发展果蔬种植。",
                "交流集体经济发展经验，互查会议记录。",
                "组织党员志愿者联合开展环境整治。"
            ][i % 3]
        );
        let at = now - 86_400 * (i as i64 % 20 + 1);
        let id =
            crate::store::posts::insert(tx.conn(), gb.id, author, &body, ReviewStatus::Pending, at)
                .await?;
        review::record(
            tx.conn(),
            Submission::Post,
            id,
            &approve,
            author,
            at + 3_600,
        )
        .await?;
    }
    Ok(())
}
