//! Crash safety: the real server (the `dangjian` binary, on SQLite) takes check-ins and daily
//! answers from several members at once and is killed with SIGKILL at random moments, again
//! and again. Every write it acknowledged is there afterwards, nothing is doubled, and the
//! database file passes `PRAGMA integrity_check`. A backup taken during the load restores to
//! a sound database whose photos all open.
use crate::support::{PASSWORD, fixture, phone, testdata};
use dangjian::crypto::Keys;
use dangjian::domain::daily::{QuestionInput, parse_question};
use dangjian::domain::orglife::MeetingKind;
use dangjian::store::{Db, daily, meetings, orgs};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: usize = 50;
/// More check-ins than the rounds can take: every kill lands while writes are in flight.
const MEETINGS: usize = 3_000;
const BIN: &str = env!("CARGO_BIN_EXE_dangjian");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `dangjian serve` on the data folder; the address it answers on once it does.
async fn serve(dir: &Path) -> (Child, String) {
    let port = free_port();
    let child = Command::new(BIN)
        .arg("--data")
        .arg(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DANGJIAN_LOG", "error")
        // The fixture's administrators have no second factor.
        .env("DANGJIAN_SECOND_FACTOR_REQUIRED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..400 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    kill(child);
    panic!("the server never answered on {base}");
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// The fixture county, a question for today, and meetings of branch A under way.
async fn prepare(dir: &Path) -> (Keys, Vec<i64>) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("dangjian.db").display());
    let keys = Keys::load(None, &dir.join("secret.key")).unwrap();
    let db = Db::connect(&url).await.unwrap();
    dangjian::store::schema::migrate(&db).await.unwrap();
    let ids = fixture(&db, &keys).await;
    let now = dangjian::domain::clock::now_epoch();
    let branch = orgs::get(&db, ids.branch_a).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let question = parse_question(&QuestionInput {
        kind: "判断",
        stem: "“三会一课”中的“一课”是指党课。",
        options: vec![],
        answer: "正确",
        explanation: "“一课”即按时上好党课。",
        tags: "",
        difficulty: "",
        pinned_day: "",
    })
    .unwrap();
    daily::create(tx.conn(), &question, 1, now).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..MEETINGS {
        let id = meetings::create(
            tx.conn(),
            &meetings::NewMeeting {
                org_id: branch.id,
                org_path: branch.path.clone(),
                party_group: false,
                kind: MeetingKind::BranchCommittee,
                topic: format!("第{i}次支委会"),
                starts_at: now - 600,
                ends_at: now + 7200,
                place: "村委会".into(),
                point_e6: None,
                host_member_id: None,
                recorder_member_id: None,
                agenda: vec![],
                created_by: 1,
            },
            now,
        )
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    db.close().await;
    (keys, ids)
}

/// A member's browser: signed in once (sessions outlive the server's crashes).
async fn signed_in(base: &str, phone: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let csrf = crate::support::csrf_of(&page.text().await.unwrap()).unwrap();
    let res = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("phone", phone),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    http
}

async fn csrf(http: &reqwest::Client, base: &str) -> Option<String> {
    let page = http.get(format!("{base}/me")).send().await.ok()?;
    crate::support::csrf_of(&page.text().await.ok()?)
}

type Acknowledged = Arc<Mutex<BTreeSet<(usize, i64)>>>;

/// Checks member `who` in to the meetings not yet acknowledged, and answers today's
/// question, until the server goes away.
async fn drive(
    http: reqwest::Client,
    base: String,
    keys: Arc<Keys>,
    who: usize,
    meetings: Arc<Vec<i64>>,
    done: Acknowledged,
    answered: Arc<Mutex<BTreeSet<usize>>>,
) {
    let Some(csrf) = csrf(&http, &base).await else {
        return;
    };
    if !answered.lock().unwrap().contains(&who) {
        let Ok(res) = http
            .post(format!("{base}/daily"))
            .form(&[("csrf", csrf.as_str()), ("choice", "A")])
            .send()
            .await
        else {
            return;
        };
        if res.status() == 200 && res.text().await.is_ok_and(|t| t.contains("daily-result")) {
            answered.lock().unwrap().insert(who);
        }
    }
    for &id in meetings.iter() {
        if done.lock().unwrap().contains(&(who, id)) {
            continue;
        }
        let window = dangjian::domain::checkin::window(dangjian::domain::clock::now_epoch());
        let token = dangjian::domain::checkin::token(&keys, id, window);
        let Ok(res) = http
            .post(format!("{base}/checkin/{id}"))
            .form(&[("csrf", csrf.as_str()), ("t", token.as_str())])
            .send()
            .await
        else {
            return;
        };
        let ok = res.status() == 200;
        let Ok(text) = res.text().await else {
            return;
        };
        if ok && (text.contains("签到成功") || text.contains("已签到")) {
            done.lock().unwrap().insert((who, id));
        }
    }
}

fn random_below(n: u64) -> u64 {
    u64::from_le_bytes(dangjian::crypto::random_bytes::<8>()) % n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_and_a_backup_under_load_restores() {
    let dir = std::env::temp_dir().join(format!("dj-crash-{}", dangjian::crypto::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    let (keys, meeting_ids) = prepare(&dir).await;
    let (keys, meeting_ids) = (Arc::new(keys), Arc::new(meeting_ids));
    let members = [phone::MEMBER_A, phone::SECRETARY_A, phone::TOWN_ADMIN];
    let (child, base) = serve(&dir).await;
    let mut clients = Vec::new();
    for p in members {
        clients.push(signed_in(&base, p).await);
    }
    let secretary = clients[1].clone();
    kill(child);
    let done: Acknowledged = Arc::default();
    let answered: Arc<Mutex<BTreeSet<usize>>> = Arc::default();
    let backup = dir.join("under-load.zip");
    for round in 0..KILLS {
        let (child, base) = serve(&dir).await;
        let mut load = Vec::new();
        for (who, http) in clients.iter().enumerate() {
            load.push(tokio::spawn(drive(
                http.clone(),
                base.clone(),
                keys.clone(),
                who,
                meeting_ids.clone(),
                done.clone(),
                answered.clone(),
            )));
        }
        if round == KILLS / 2 {
            // Photos arrive while a backup is taken.
            let uploads = {
                let (http, base, id) = (secretary.clone(), base.clone(), meeting_ids[0]);
                tokio::spawn(async move {
                    let token = csrf(&http, &base).await.unwrap();
                    for name in ["coffee.jpg", "rocket.jpg", "galaxies.jpg"] {
                        let part = reqwest::multipart::Part::bytes(testdata(name)).file_name(name);
                        let form = reqwest::multipart::Form::new()
                            .text("csrf", token.clone())
                            .part("photo", part);
                        let res = http
                            .post(format!("{base}/meetings/{id}/files"))
                            .multipart(form)
                            .send()
                            .await
                            .unwrap();
                        assert!(res.status().is_redirection() || res.status().is_success());
                    }
                })
            };
            let status = tokio::task::spawn_blocking({
                let (dir, backup) = (dir.clone(), backup.clone());
                move || {
                    Command::new(BIN)
                        .arg("--data")
                        .arg(&dir)
                        .arg("backup")
                        .arg(&backup)
                        .stdout(Stdio::null())
                        .status()
                        .unwrap()
                }
            })
            .await
            .unwrap();
            assert!(status.success(), "the backup under load");
            uploads.await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20 + random_below(300))).await;
        kill(child);
        for l in load {
            l.await.unwrap();
        }
    }
    let acknowledged = done.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 100 && acknowledged.len() < 3 * MEETINGS,
        "the load ran through every kill: {} check-ins acknowledged",
        acknowledged.len()
    );
    eprintln!(
        "{} check-ins acknowledged across {KILLS} kills",
        acknowledged.len()
    );

    // The server starts again (its quick check passes) and has every acknowledged write.
    let (child, _) = serve(&dir).await;
    kill(child);
    let url = format!("sqlite://{}", dir.join("dangjian.db").display());
    let db = Db::connect(&url).await.unwrap();
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT meeting_id, member_id FROM checkins")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let stored: BTreeSet<(i64, i64)> = rows.iter().copied().collect();
    assert_eq!(stored.len(), rows.len(), "no check-in doubled");
    let by_name: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, id FROM members WHERE name IN ('张甲', '李书记', '赵镇')")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(by_name.len(), 3);
    let id_of = |who: usize| {
        let name = ["张甲", "李书记", "赵镇"][who];
        by_name.iter().find(|(n, _)| n == name).unwrap().1
    };
    for (who, meeting) in &acknowledged {
        assert!(
            stored.contains(&(*meeting, id_of(*who))),
            "acknowledged check-in of member {who} to meeting {meeting} is missing"
        );
    }
    let (answers, credits): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM daily_answers), (SELECT COUNT(*) FROM points_ledger WHERE rule = 'daily_answer')",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(answers >= answered.lock().unwrap().len() as i64);
    assert_eq!(answers, credits, "one credit for each answer");
    let report = dangjian::store::archive::integrity(&db, false)
        .await
        .unwrap();
    assert_eq!(report, None, "PRAGMA integrity_check");
    db.close().await;

    // The backup taken under load restores, whole, and its photos open.
    let restored = dir.join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(dir.join("secret.key"), restored.join("secret.key")).unwrap();
    let status = Command::new(BIN)
        .arg("--data")
        .arg(&restored)
        .arg("restore")
        .arg(&backup)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the restore");
    let db = Db::connect(&format!(
        "sqlite://{}",
        restored.join("dangjian.db").display()
    ))
    .await
    .unwrap();
    let files: Vec<(String,)> = sqlx::query_as("SELECT storage_key FROM meeting_files")
        .fetch_all(db.pool())
        .await
        .unwrap();
    for (key,) in &files {
        let bytes = std::fs::read(restored.join("files").join(key)).unwrap();
        assert!(image::load_from_memory(&bytes).is_ok(), "{key} opens");
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
