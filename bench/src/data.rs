//! The data a run measures against: the demo county made by the real `dangjian demo`
//! (deterministic by seed), and for the province size a synthetic mass of organizations
//! and members beside it. Then what the scenarios need, made through the store layer:
//! sessions for members, and meetings with fresh QR codes.
use dangjian::domain::org::{OrgCategory, OrgRecord, OrgType};
use dangjian::store::{Db, orgs};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// A few branches' worth of every scenario: for CI, so the harness cannot rot.
    Smoke,
    /// The demo county: ~1,600 organizations, ~13,000 members, a year of activity.
    County,
    /// The county beside a synthetic province: 100,000 organizations, 1,000,000 members,
    /// a month of activity.
    Province,
}

/// How much of everything a size makes and sends.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub months: u32,
    pub study_days: u32,
    /// Organizations and members in all (the synthetic mass makes up the difference).
    pub province: Option<(i64, i64)>,
    pub checkins: usize,
    pub logins: usize,
    pub answers: usize,
    pub ranking_requests: usize,
    pub dashboard_requests: usize,
    pub page_requests: usize,
    pub concurrency: usize,
}

impl Size {
    pub fn plan(self) -> Plan {
        match self {
            Size::Smoke => Plan {
                months: 1,
                study_days: 2,
                province: None,
                checkins: 200,
                logins: 8,
                answers: 200,
                ranking_requests: 200,
                dashboard_requests: 20,
                page_requests: 5,
                concurrency: 8,
            },
            Size::County | Size::Province => Plan {
                months: if self == Size::County { 12 } else { 1 },
                study_days: if self == Size::County { 60 } else { 30 },
                province: (self == Size::Province).then_some((100_000, 1_000_000)),
                checkins: 10_000,
                logins: 200,
                answers: 10_000,
                ranking_requests: 20_000,
                dashboard_requests: 400,
                page_requests: 100,
                concurrency: 64,
            },
        }
    }
}

/// A database ready to serve, and how long it took to make.
pub struct Prepared {
    pub dir: PathBuf,
    pub database: Option<String>,
    pub db: Db,
    pub keys: dangjian::crypto::Keys,
    pub organizations: i64,
    pub members: i64,
    pub generation_seconds: f64,
    pub monthly_report_seconds: f64,
}

/// A new PostgreSQL database beside the one named (which is left alone); its URL.
async fn fresh_postgres(url: &str, name: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a postgres://…/database URL");
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("PostgreSQL answers");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(&sql).execute(&mut admin).await.expect(&sql);
    }
    format!("{server}/{name}")
}

/// The data of a size, made anew; or with `reuse`, the data a run kept (`--keep`), with
/// what earlier runs did to it.
pub async fn prepare(
    binary: &Path,
    (size, seed, reuse): (Size, u64, bool),
    dir: &Path,
    database: Option<&str>,
) -> Prepared {
    let plan = size.plan();
    let name = format!(
        "dj_bench_{}",
        serde_json::to_value(size).unwrap().as_str().unwrap()
    );
    if reuse && dir.join("secret.key").exists() {
        let database = database.map(|url| format!("{}/{name}", url.rsplit_once('/').unwrap().0));
        let (db, keys) = open(dir, database.as_deref()).await;
        let (members, organizations) = dangjian::store::members::counts(&db).await.expect("counts");
        println!("  reusing the data kept in {}", dir.display());
        return Prepared {
            dir: dir.to_path_buf(),
            database,
            db,
            keys,
            organizations,
            members,
            generation_seconds: 0.0,
            monthly_report_seconds: 0.0,
        };
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("the run's folder");
    let database = match database {
        Some(url) => Some(fresh_postgres(url, &name).await),
        None => None,
    };
    let started = Instant::now();
    let mut demo = std::process::Command::new(binary);
    demo.arg("--data").arg(dir);
    if let Some(url) = &database {
        demo.args(["--database", url]);
    }
    demo.args(["demo", "--seed", &seed.to_string()])
        .args(["--months", &plan.months.to_string()])
        .args(["--study-days", &plan.study_days.to_string()])
        .stdout(std::process::Stdio::null());
    let status = demo.status().expect("dangjian demo runs");
    assert!(status.success(), "dangjian demo failed");
    println!(
        "  demo county made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (db, keys) = open(dir, database.as_deref()).await;
    let now = dangjian::domain::clock::now_epoch();
    if let Some((orgs, members)) = plan.province {
        let t = Instant::now();
        add_synthetic_mass(&db, orgs, members, seed).await;
        dangjian::store::dashboard::rebuild_current(&db, now)
            .await
            .expect("the kept figures");
        println!(
            "  synthetic province added in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let generation_seconds = started.elapsed().as_secs_f64();
    let monthly_report_seconds = monthly_report(&db, now).await;
    let (members, organizations) = dangjian::store::members::counts(&db).await.expect("counts");
    Prepared {
        dir: dir.to_path_buf(),
        database,
        db,
        keys,
        organizations,
        members,
        generation_seconds,
        monthly_report_seconds,
    }
}

pub async fn open(dir: &Path, database: Option<&str>) -> (Db, dangjian::crypto::Keys) {
    let config = dangjian::config::Config {
        data_dir: dir.to_path_buf(),
        database_url: database.map(str::to_string),
        ..Default::default()
    };
    dangjian::startup::open(&config)
        .await
        .expect("the database opens")
}

/// 分级分档 and 月度通报 of last month for the whole tree, as the job makes them on the 1st;
/// the job is then marked done so that the server does not make them again under load.
async fn monthly_report(db: &Db, now: i64) -> f64 {
    use dangjian::domain::dashboard::PeriodKind;
    let month = PeriodKind::Month
        .previous(&PeriodKind::Month.period_of(dangjian::domain::clock::local_date(now)));
    let t = Instant::now();
    dangjian::reports::generate(db, &month, now)
        .await
        .expect("the monthly report");
    let took = t.elapsed().as_secs_f64();
    let key = dangjian::domain::clock::format_date(month.start);
    dangjian::store::jobs::claim(db, "report", &key, now)
        .await
        .expect("the job's claim");
    took
}

/// Synthetic 市 → counties → towns → branches under the county until `orgs` organizations,
/// with members spread over the branches until `members`, each with credits this month:
/// the province's mass, written in bulk with literal values (all made here, none from input).
async fn add_synthetic_mass(db: &Db, orgs_total: i64, members_total: i64, seed: u64) {
    let (members_now, orgs_now) = dangjian::store::members::counts(db).await.expect("counts");
    let branches = synthetic_tree(db, orgs_total - orgs_now).await;
    let per_branch = ((members_total - members_now) as usize).div_ceil(branches.len().max(1));
    let mut remaining = members_total - members_now;
    let (mut next_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM members")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut rng = seed | 1;
    let now = dangjian::domain::clock::now_epoch();
    for chunk in branches.chunks(100) {
        let (mut people, mut ledger) = (Vec::new(), Vec::new());
        for branch in chunk {
            for _ in 0..per_branch.min(remaining.max(0) as usize) {
                let id = next_id;
                next_id += 1;
                remaining -= 1;
                people.push(format!(
                    "({id}, '合成党员{id}', 'male', '汉族', '1970-01-01', 'x', '1101**********0000', 'syn{id}', '', 'junior_high', '1995-07-01', '1996-07-01', 'full', 'farmer', {branch}, {now}, {now})"
                ));
                for k in 0..2 {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let amount = 1 + rng % 20;
                    let at = now - (rng >> 20) as i64 % (25 * 86_400);
                    let day = dangjian::domain::clock::format_date(
                        dangjian::domain::clock::local_date(at),
                    );
                    ledger.push(format!(
                        "({id}, 'daily_answer', 'bench:{id}:{k}', {amount}, {amount}, '合成', '{day}', NULL, {at})"
                    ));
                }
            }
        }
        if people.is_empty() {
            break;
        }
        let mut tx = db.begin().await.unwrap();
        sqlx::query(&format!(
            "INSERT INTO members (id, name, gender, ethnicity, birth_date, id_number_enc, id_number_mask, id_number_hash, phone_mask, education, joined_on, full_member_on, status, category, branch_id, created_at, updated_at) VALUES {}",
            people.join(",")
        ))
        .execute(tx.conn())
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO points_ledger (member_id, rule, idempotency_key, lifetime_delta, balance_delta, reason, day, created_by, created_at) VALUES {}",
            ledger.join(",")
        ))
        .execute(tx.conn())
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    if db.engine == dangjian::store::engine::Engine::Postgres {
        // The id sequence must move past the ids given here.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT MAX(id) FROM members))",
        )
        .execute(db.pool())
        .await
        .unwrap();
    }
}

/// A 市 under the county with counties of ten towns of 99 branches, `n` organizations in
/// all, through the store layer; the branches' ids.
pub async fn synthetic_tree(db: &Db, mut n: i64) -> Vec<i64> {
    let root = orgs::root(db).await.unwrap().unwrap();
    let mut branches = Vec::new();
    let mut tx = db.begin().await.unwrap();
    let city = add_org(&mut tx, &root, "合成市委".into(), OrgType::Committee).await;
    n -= 1;
    let mut county_no = 0;
    while n > 0 {
        county_no += 1;
        let county = add_org(
            &mut tx,
            &city,
            format!("合成县{county_no}"),
            OrgType::Committee,
        )
        .await;
        n -= 1;
        for t in 0..10 {
            if n <= 0 {
                break;
            }
            let town = add_org(
                &mut tx,
                &county,
                format!("合成镇{county_no}-{t}"),
                OrgType::Committee,
            )
            .await;
            n -= 1;
            for b in 0..99.min(n) {
                let name = format!("合成支部{county_no}-{t}-{b}");
                branches.push(add_org(&mut tx, &town, name, OrgType::Branch).await.id);
                n -= 1;
            }
        }
        // A county at a time: one transaction of 100,000 rows outgrows SQLite's page cache.
        tx.commit().await.unwrap();
        tx = db.begin().await.unwrap();
    }
    tx.commit().await.unwrap();
    branches
}

/// A synthetic organization's record: rural, no address, in creation order.
pub fn org_record(name: String, kind: OrgType) -> OrgRecord {
    OrgRecord {
        name,
        kind,
        category: OrgCategory::Rural,
        address: String::new(),
        sort_order: 0,
    }
}

pub async fn add_org(
    tx: &mut dangjian::store::WriteTx,
    parent: &orgs::Org,
    name: String,
    kind: OrgType,
) -> orgs::Org {
    let now = dangjian::domain::clock::now_epoch();
    let id = orgs::create(tx.conn(), Some(parent), &org_record(name, kind), now)
        .await
        .unwrap();
    orgs::get_in(tx.conn(), id).await.unwrap()
}

/// A member with an account and a session made through the store layer (as if signed in).
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: i64,
    pub member_id: i64,
    pub branch_id: i64,
    pub cookie: String,
}

/// Sessions for up to `n` members with accounts, branch by branch (a whole branch at a time,
/// so that each branch's meeting has all its members); with `unanswered`, only members who
/// have not answered today's question, from the last branches.
pub async fn sessions(db: &Db, n: usize, unanswered: bool) -> Vec<Session> {
    let today = dangjian::domain::clock::format_date(dangjian::domain::clock::local_date(
        dangjian::domain::clock::now_epoch(),
    ));
    let (filter, order) = match unanswered {
        true => (
            format!(
                "AND NOT EXISTS (SELECT 1 FROM daily_answers a WHERE a.member_id = m.id AND a.day = '{today}')"
            ),
            "DESC",
        ),
        false => (String::new(), ""),
    };
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT u.id, m.id, m.branch_id FROM users u JOIN members m ON m.id = u.member_id \
         WHERE u.must_change_password = 0 {filter} ORDER BY m.branch_id {order}, m.id"
    ))
    .fetch_all(db.pool())
    .await
    .unwrap();
    let now = dangjian::domain::clock::now_epoch();
    let mut out = Vec::new();
    for chunk in rows.into_iter().take(n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = db.begin().await.unwrap();
        for &(user, member, branch) in chunk {
            let token =
                dangjian::store::sessions::create(tx.conn(), user, "127.0.0.1", "bench", now)
                    .await
                    .unwrap();
            out.push(Session {
                user_id: user,
                member_id: member,
                branch_id: branch,
                cookie: format!("{}={token}", dangjian::http::SESSION_COOKIE),
            });
        }
        tx.commit().await.unwrap();
    }
    out
}

/// A 主题党日 now for every branch of these members, through the store layer; (meeting,
/// branch) pairs.
pub async fn meetings_now(db: &Db, sessions: &[Session]) -> Vec<(i64, i64)> {
    use dangjian::domain::orglife::MeetingKind;
    let mut branches: Vec<(i64, i64)> = sessions.iter().map(|s| (s.branch_id, s.user_id)).collect();
    branches.dedup_by_key(|b| b.0);
    let now = dangjian::domain::clock::now_epoch();
    let mut out = Vec::new();
    let mut tx = db.begin().await.unwrap();
    for (branch, secretary) in branches {
        let org = orgs::get_in(tx.conn(), branch).await.unwrap();
        let m = dangjian::store::meetings::NewMeeting {
            org_id: org.id,
            org_path: org.path.clone(),
            party_group: false,
            kind: MeetingKind::ThemeDay,
            topic: "主题党日：学习贯彻全会精神".into(),
            starts_at: now - 300,
            ends_at: now + 7200,
            place: "党员活动室".into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec!["集中学习".into()],
            created_by: secretary,
        };
        let id = dangjian::store::meetings::create(tx.conn(), &m, now)
            .await
            .unwrap();
        out.push((id, branch));
    }
    tx.commit().await.unwrap();
    out
}
