//! The demo's 云上讲堂: articles, 党建新鲜事 posts, 党史上的今天, and weeks of members
//! reading and answering the daily question, credited with the same ledger keys as live use.
use super::{DemoPhoto, Rng, store_demo_photos};
use crate::domain::articles::ArticleInput;
use crate::domain::clock::{format_date, local_date, now_epoch, shanghai_epoch};
use crate::domain::history::EntryInput;
use crate::domain::points::PointRule;
use crate::domain::policy::Role;
use crate::domain::review::{Review, ReviewStatus};
use crate::error::{AppError, AppResult};
use crate::store::orgs::{self, Org};
use crate::store::points::BulkCredit;
use crate::store::review::{self, Submission};
use crate::store::{Db, WriteTx, history, photos, users};
use std::collections::HashSet;
use time::Duration;

const HISTORY: &str = include_str!("history.tsv");

/// (title, column, tags, source, body) — body in the editor's markup.
const ARTICLES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "“三会一课”怎么开才不走过场",
        "组织生活",
        "三会一课,支部建设",
        "县委组织部",
        "## 一、会前要准备\n\n支部书记提前一周确定议题，听取党员意见，把村里群众最关心的事放进议程。\n\n## 二、会上要讨论\n\n每名党员都要发言，讲学习体会，也讲工作中遇到的难题。记录员如实记录，不代写、不补写。\n\n## 三、会后要落实\n\n会上定下的事项明确责任人和完成时限，下次会议通报进展。\n\n> 组织生活的质量，体现在会后群众看到的变化上。",
    ),
    (
        "学习党章：党员的八项义务",
        "党章党规",
        "党章,党员义务",
        "党章学习",
        "党章第三条规定了党员必须履行的八项义务。\n\n## 学习是第一项义务\n\n认真学习马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想，学习党的路线、方针、政策和决议。\n\n## 义务和权利相统一\n\n履行义务是行使权利的前提。每名党员都要对照义务找差距，在岗位上作表率。",
    ),
    (
        "如何写好一份会议记录",
        "组织生活",
        "会议记录,三会一课",
        "县委组织部",
        "会议记录是组织生活的凭证，也是日后查阅的依据。\n\n## 要素齐全\n\n时间、地点、主持人、记录人、应到实到人数、缺席原因、议题、发言要点、决定事项，一项不能少。\n\n## 如实简明\n\n记录发言要点而不是流水账；决定事项要写清楚谁负责、何时完成。\n\n## 及时归档\n\n会后三天内整理上传，附现场照片，支部书记审核后归档。",
    ),
    (
        "发展党员工作的五个阶段",
        "党章党规",
        "发展党员,组织建设",
        "党建知识",
        "按照《中国共产党发展党员工作细则》，发展党员分为五个阶段：入党申请人的申请和教育培养、入党积极分子的确定和培养教育、发展对象的确定和考察、预备党员的接收、预备党员的教育考察和转正。\n\n## 坚持标准\n\n把政治标准放在首位，成熟一个发展一个。\n\n## 程序严密\n\n每个环节都要有记录、有公示、有审批，经得起检查。",
    ),
    (
        "长征精神永放光芒",
        "党史学习",
        "党史,长征",
        "党史学习",
        "1934年10月，中央红军开始长征。两年间，红军爬雪山、过草地，行程二万五千里，终于在陕北胜利会师。\n\n## 理想信念是根本\n\n长征的胜利，靠的是对革命理想的坚定信念。\n\n## 群众是靠山\n\n“半条被子”的故事告诉我们：共产党人就是自己有一条被子，也要剪下半条给老百姓。\n\n> 每一代人都有每一代人的长征路。",
    ),
    (
        "村级党组织如何带领群众增收",
        "基层治理",
        "乡村振兴,集体经济",
        "县委组织部",
        "发展壮大村级集体经济，是村党组织的重要职责。\n\n## 摸清家底\n\n清查集体资产、资源，建立台账，向群众公开。\n\n## 找准路子\n\n结合本村实际，发展特色种养、乡村旅游、物业经营，不搞一刀切。\n\n## 管好收益\n\n集体收益使用经村民代表会议讨论决定，账目按月公开。",
    ),
    (
        "党员积分管理怎么用",
        "工作指南",
        "积分,党员管理",
        "县委组织部",
        "党员积分记录的是学习和参与组织生活的情况。\n\n## 怎样获得积分\n\n阅读文章、回答每日一题、参加“三会一课”、投稿党史上的今天并通过审核，都可以获得积分。\n\n## 积分有什么用\n\n积分排名按周、月、年公布；可用积分能在积分商城兑换学习用品。\n\n> 积分不是目的，学习和参与才是。",
    ),
    (
        "组织生活会和民主评议党员",
        "组织生活",
        "组织生活会,民主评议",
        "党建知识",
        "党支部每年至少召开一次组织生活会，一般安排在第四季度，也可以根据工作需要随时召开。\n\n## 会前谈心谈话\n\n支部委员之间、支部委员和党员之间、党员和党员之间要开展谈心谈话。\n\n## 会上批评和自我批评\n\n对照党章党规找差距，开展批评和自我批评，明确整改措施。\n\n## 民主评议\n\n组织生活会后，开展民主评议党员，评定等次。",
    ),
    (
        "做好新时代农村党员教育",
        "理论学习",
        "党员教育,农村",
        "县委组织部",
        "农村党员年龄偏大、居住分散，教育要因人而异。\n\n## 送学上门\n\n对年老体弱、行动不便的党员，支部安排专人送学上门。\n\n## 线上线下结合\n\n用手机学习平台推送短文章、每日一题，农闲时集中学习。\n\n## 学用结合\n\n把学习和产业发展、人居环境整治结合起来，让党员在实践中受教育。",
    ),
    (
        "从“支部建在连上”看党的组织优势",
        "党史学习",
        "党史,三湾改编",
        "党史学习",
        "1927年9月，毛泽东在江西永新三湾村对起义部队进行改编，把党的支部建在连上。\n\n## 组织优势\n\n支部建在连上，保证了党对军队的绝对领导，也为党的基层组织建设提供了宝贵经验。\n\n## 今天的启示\n\n哪里有党员，哪里就要有党的组织；哪里有党的组织，哪里就要有健全的组织生活。",
    ),
    (
        "防汛一线的党员身影",
        "先进典型",
        "先进典型,防汛",
        "县融媒体中心",
        "今年汛期，全县各村党支部组织党员突击队，巡堤查险、转移群众。\n\n## 党员冲在前\n\n在最危险的地段，党员佩戴党徽，24小时轮流值守。\n\n## 群众看得见\n\n一位老党员说：“群众看党员，党员就要站在最前面。”",
    ),
    (
        "学习贯彻党的二十大精神",
        "理论学习",
        "二十大,创新理论",
        "理论学习",
        "党的二十大是在全党全国各族人民迈上全面建设社会主义现代化国家新征程、向第二个百年奋斗目标进军的关键时刻召开的一次十分重要的大会。\n\n## 原原本本学\n\n读原文、悟原理，把握精髓要义。\n\n## 联系实际用\n\n结合本地实际，把学习成果转化为推动发展的具体举措。",
    ),
];

const POSTS: &[&str] = &[
    "今天上午，支部组织党员开展人居环境整治志愿服务，清理村道垃圾，群众纷纷点赞。",
    "主题党日活动：全体党员重温入党誓词，老党员讲述入党经历。",
    "支部书记带领党员走访慰问困难群众和老党员，送去米面油和节日祝福。",
    "党员志愿者走进田间地头，帮助群众抢收，保证颗粒归仓。",
    "支部召开党员大会，讨论村集体经济发展项目，党员踊跃发言。",
    "组织党员到红色教育基地参观学习，接受革命传统教育。",
    "开展“党员户挂牌”活动，亮身份、作表率，接受群众监督。",
    "党员先锋岗在防汛一线巡堤查险，连续值守三昼夜。",
];

/// Articles, posts, history entries and `days` days of study for the demo county.
/// Also how many branches it planted whose members stopped studying.
pub async fn study(
    db: &Db,
    files: &crate::files::Storage,
    seed: u64,
    days: u32,
) -> AppResult<(String, u32)> {
    let mut rng = Rng(seed ^ 0x0057_D1E5);
    let now = now_epoch();
    let photos = store_demo_photos(files).await?;
    let county = orgs::root(db)
        .await?
        .ok_or_else(|| AppError::internal("the demo county has no root"))?;
    let editor = users::first_with_role(db, Role::ContentEditor)
        .await?
        .unwrap_or(0);
    let prizes = crate::store::shop::managed(db, &[county.path.as_str()]).await?;
    let mut tx = db.begin().await?;
    let history = history_entries(&mut tx, editor, now).await?;
    let articles = articles(&mut tx, &county, editor, &photos, days).await?;
    prize_photos(&mut tx, &prizes, &photos).await?;
    let span = i64::from(days.max(1));
    let posts = posts(&mut tx, &mut rng, editor, &photos, span).await?;
    tx.commit().await?;
    // The scan judges whole months of study: branches stop only where it will see one, and
    // each such month is one finding per branch.
    let today = crate::domain::clock::local_date(now);
    let first_day = today - Duration::days(i64::from(days.max(1)) - 1);
    let judged = crate::domain::orglife::Frequency::Monthly
        .ended_between(first_day, today)
        .len() as u32;
    let habits = habits(db, &mut rng, judged > 0).await?;
    let stopped = habits.1 * judged;
    let (answers, reads) = activity(db, &mut rng, &articles, &habits.0, days).await?;
    let summary = format!(
        "云上讲堂：{} 篇文章，{posts} 条党建新鲜事，{history} 条党史上的今天；近{days}天 {answers} 次每日一题作答，{reads} 次文章阅读\n",
        articles.len()
    );
    Ok((summary, stopped))
}

/// 党史上的今天: entries a content editor has published; how many.
async fn history_entries(tx: &mut WriteTx, editor: i64, now: i64) -> AppResult<usize> {
    let mut n = 0;
    for line in HISTORY
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(day), Some(year), Some(title), Some(fact)) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let (month, d) = day.split_once('-').unwrap_or(("01", "01"));
        let body = format!(
            "{year}年{}月{}日，{title}。{fact}",
            month.trim_start_matches('0'),
            d.trim_start_matches('0')
        );
        // The demo's entries pass the same rules as a member's.
        let input = EntryInput {
            month,
            day: d,
            year,
            title,
            body: &body,
            source: "党史资料（演示数据）",
        };
        let this_year = i64::from(local_date(now).year());
        let entry = crate::domain::history::parse(&input, this_year)
            .map_err(|e| AppError::internal(format!("demo history entry {line}: {e:?}")))?;
        let id = history::contribute(tx.conn(), &entry, None, now).await?;
        let published = Review::parse("approve", "").expect("approving needs no reason");
        review::record(
            tx.conn(),
            Submission::HistoryEntry,
            id,
            &published,
            editor,
            now,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

/// Articles from the county, spread over `days`, half with a cover; the last one is
/// scheduled for tomorrow. (id, publish time, title) of each.
async fn articles(
    tx: &mut WriteTx,
    county: &Org,
    editor: i64,
    photos: &[DemoPhoto],
    days: u32,
) -> AppResult<Vec<(i64, i64, String)>> {
    let now = now_epoch();
    let today = local_date(now);
    let span = i64::from(days.max(1));
    let mut out = Vec::new();
    for (i, (title, column, tags, source, body)) in ARTICLES.iter().enumerate() {
        let age = span * (ARTICLES.len() - 1 - i) as i64 / ARTICLES.len() as i64;
        let day = if i + 1 == ARTICLES.len() {
            today + Duration::days(1)
        } else {
            today - Duration::days(age)
        };
        let date = format_date(day);
        // The demo's articles pass the same rules as an editor's.
        let input = ArticleInput {
            title,
            source,
            author: "",
            column_name: column,
            tags,
            body,
            publish_date: &date,
            publish_time: "08:00",
        };
        let text = crate::domain::articles::parse(&input, now)
            .map_err(|e| AppError::internal(format!("demo article {title}: {e:?}")))?;
        let id = crate::store::articles::insert(tx.conn(), county.id, &text, editor, now).await?;
        if i % 2 == 0 {
            let (key, thumb, ..) = &photos[i % photos.len()];
            let owner = (photos::ARTICLE, id);
            add_photo(tx, owner, photos::COVER, 0, (key, thumb), now).await?;
        }
        out.push((id, text.publish_at, title.to_string()));
    }
    Ok(out)
}

/// The county's prizes get a picture each.
async fn prize_photos(
    tx: &mut WriteTx,
    prizes: &[crate::store::shop::Prize],
    photos: &[DemoPhoto],
) -> AppResult<()> {
    let now = now_epoch();
    for (i, prize) in prizes.iter().rev().enumerate() {
        let (key, thumb, ..) = &photos[(i + 2) % photos.len()];
        let owner = (photos::PRIZE, prize.id);
        add_photo(tx, owner, photos::COVER, 0, (key, thumb), now).await?;
    }
    Ok(())
}

/// 党建新鲜事 from some branches, approved by the county, with photos and likes; how many.
async fn posts(
    tx: &mut WriteTx,
    rng: &mut Rng,
    editor: i64,
    photos: &[DemoPhoto],
    span: i64,
) -> AppResult<usize> {
    let now = now_epoch();
    let branches = users::first_account_per_branch(tx.conn()).await?;
    // Written oldest first, so the feed (newest id first) reads in time order.
    let mut chosen: Vec<(i64, i64, i64)> = Vec::new();
    for (branch, author) in &branches {
        if rng.chance(12) {
            chosen.push((now - rng.range(3_600, span * 86_400), *branch, *author));
        }
    }
    chosen.sort_unstable();
    let approved = Review::parse("approve", "").expect("approving needs no reason");
    for (at, branch, author) in &chosen {
        let body = *rng.pick(POSTS);
        let pending = ReviewStatus::Pending;
        let id =
            crate::store::posts::insert(tx.conn(), *branch, *author, body, pending, *at).await?;
        review::record(
            tx.conn(),
            Submission::Post,
            id,
            &approved,
            editor,
            at + 7_200,
        )
        .await?;
        for position in 0..rng.range(0, 3) {
            let (key, thumb, ..) = rng.pick(photos);
            let owner = (photos::POST, id);
            add_photo(tx, owner, photos::IMAGE, position, (key, thumb), now).await?;
        }
        crate::store::posts::liked_by_branch(tx.conn(), id, *branch).await?;
    }
    Ok(chosen.len())
}

/// A demo picture's row for an article, a post or a prize.
async fn add_photo(
    tx: &mut WriteTx,
    owner: (&'static str, i64),
    role: &'static str,
    position: i64,
    (storage_key, thumb_key): (&str, &str),
    now: i64,
) -> AppResult<()> {
    let row = photos::NewPhoto {
        owner_kind: owner.0,
        owner_id: owner.1,
        role,
        position,
        storage_key,
        thumb_key,
    };
    photos::add(tx.conn(), &row, now).await?;
    Ok(())
}

/// Branches whose members stopped studying, planted for 电子监察 to find.
const PLANT_STOPPED_STUDYING: u32 = 4;

/// Each member's habit (percent of days they answer), and how many branches stopped. In a
/// branch that studies, 55–90 % of the members answer most days (well above the threshold
/// of 电子监察), the rest now and then or rarely; in a planted few nobody does.
async fn habits(db: &Db, rng: &mut Rng, may_stop: bool) -> AppResult<(Vec<(i64, u64)>, u32)> {
    let rows = crate::store::members::with_branches(db).await?;
    let mut habits = Vec::with_capacity(rows.len());
    let mut stopped = 0;
    for branch in rows.chunk_by(|a, b| a.1 == b.1) {
        let stops = may_stop
            && stopped < PLANT_STOPPED_STUDYING
            && branch.len() >= 6
            && rng.below(120) == 0;
        stopped += u32::from(stops);
        let keen = ((branch.len() as i64 * rng.range(55, 90) + 99) / 100) as usize;
        for (i, (member, _)) in branch.iter().enumerate() {
            let habit = match (stops, i < keen) {
                (true, _) => *rng.pick(&[5, 0]),
                (false, true) => 85,
                (false, false) => *rng.pick(&[20, 5, 0]),
            };
            habits.push((*member, habit));
        }
    }
    Ok((habits, stopped))
}

/// Each member answers on a share of days that is their habit.
/// Answers and reads are written in bulk; their points are the ledger entries a live answer
/// or read makes (same rules, amounts and keys), then badges are awarded as live.
async fn activity(
    db: &Db,
    rng: &mut Rng,
    articles: &[(i64, i64, String)],
    habits: &[(i64, u64)],
    days: u32,
) -> AppResult<(usize, usize)> {
    let now = now_epoch();
    let today = local_date(now);
    let (mut answers, mut reads) = (0, 0);
    let mut read: HashSet<(i64, i64)> = HashSet::new();
    for back in (0..i64::from(days)).rev() {
        let day = today - Duration::days(back);
        let day_text = format_date(day);
        let Some(q) = crate::store::daily::for_day(db, &day_text).await? else {
            break;
        };
        let opens = shanghai_epoch(day, time::Time::from_hms(7, 0, 0).expect("07:00"));
        let mut answer_rows = Vec::new();
        let mut read_rows = Vec::new();
        for (member, habit) in habits {
            let at = (opens + rng.range(0, 15 * 3600)).min(now - 60);
            if at < opens || !rng.chance(*habit) {
                continue;
            }
            let correct = rng.chance(78);
            let choice = if correct {
                q.answer.clone()
            } else {
                wrong_choice(&q.answer)
            };
            answer_rows.push((*member, choice, correct, at));
            let available: Vec<&(i64, i64, String)> = articles
                .iter()
                .filter(|a| a.1 <= at && !read.contains(&(a.0, *member)))
                .collect();
            if !available.is_empty() && rng.chance(45) {
                let a = rng.pick(&available);
                read.insert((a.0, *member));
                read_rows.push((a.0, *member, at, (at + rng.range(40, 400)).min(now)));
            }
        }
        let mut tx = db.begin().await?;
        crate::store::daily::insert_answers(tx.conn(), &day_text, q.id, &answer_rows).await?;
        crate::store::articles::insert_reads(tx.conn(), &read_rows).await?;
        tx.commit().await?;
        answers += answer_rows.len();
        reads += read_rows.len();
    }
    // The credits a live answer or read makes, with the same keys.
    let credits = [
        BulkCredit {
            rule: PointRule::DailyAnswer,
            member: "a.member_id",
            key_columns: &["a.day", "a.member_id"],
            reason: "'每日一题作答'",
            at: "a.answered_at",
            from: "FROM daily_answers a",
        },
        BulkCredit {
            rule: PointRule::DailyCorrect,
            member: "a.member_id",
            key_columns: &["a.day", "a.member_id"],
            reason: "'每日一题答对'",
            at: "a.answered_at",
            from: "FROM daily_answers a WHERE a.correct = 1",
        },
        BulkCredit {
            rule: PointRule::ArticleRead,
            member: "r.member_id",
            key_columns: &["r.article_id", "r.member_id"],
            reason: "'阅读《' || a.title || '》'",
            at: "r.completed_at",
            from: "FROM article_reads r JOIN articles a ON a.id = r.article_id WHERE r.completed_at IS NOT NULL",
        },
    ];
    for credit in &credits {
        crate::store::points::bulk_credit(db, credit, now).await?;
    }
    let mut tx = db.begin().await?;
    // Streak and reading badges, as a live answer or read awards them.
    for (member, habit) in habits {
        if *habit > 0 {
            crate::store::badges::award_study(tx.conn(), *member, now).await?;
        }
    }
    tx.commit().await?;
    Ok((answers, reads))
}

/// A plausible wrong answer: the other judgement, or another letter.
fn wrong_choice(answer: &str) -> String {
    match answer {
        "T" => "F".into(),
        "F" => "T".into(),
        "A" => "B".into(),
        a if a.len() > 1 => a[..1].to_string(),
        _ => "A".into(),
    }
}
