//! A county's data folder made by an earlier release is served by this one after its
//! migrations run at start, with nothing lost: the kept database (SQLite file, or a
//! PostgreSQL dump), its key and its files, as they were before the roster import arrived.
use crate::support::{Engine, TestApp, id_number, phone};

async fn nothing_is_lost(app: TestApp) {
    let latest = dangjian::store::schema::MIGRATIONS.len() as i64;
    assert_eq!(
        app.count("SELECT MAX(version) FROM schema_migrations")
            .await,
        latest,
        "every migration since the kept release ran"
    );
    // The kept accounts sign in with their passwords; encrypted numbers read with the key.
    let county = app.login(phone::COUNTY_ADMIN).await;
    let (member,): (i64,) = sqlx::query_as("SELECT id FROM members WHERE name = '张甲'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let revealed = county.post(&format!("/members/{member}/reveal"), &[]).await;
    assert_eq!(revealed.status, 200);
    assert!(revealed.contains(&id_number("1970-05-01", 13)));
    assert!(revealed.contains(phone::MEMBER_A));
    // It keeps the algorithms it began with (AES, SHA-256) until it is rotated.
    let kept = app
        .count("SELECT COUNT(*) FROM settings WHERE key = 'crypto_algorithms' AND value = 'international'")
        .await;
    assert_eq!(kept, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE hash LIKE 'sm3:%'")
            .await,
        0
    );
    // The meeting keeps its check-in and minutes; the article its cover, from the files.
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 1);
    let (meeting,): (i64,) = sqlx::query_as("SELECT id FROM meetings")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let page = county.get(&format!("/meetings/{meeting}")).await;
    assert!(page.contains("升级前的支部党员大会") && page.contains("一、传达文件精神。"));
    let member_a = app.login(phone::MEMBER_A).await;
    let (article,): (i64,) = sqlx::query_as("SELECT id FROM articles")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let page = member_a.get(&format!("/articles/{article}")).await;
    assert!(page.contains("升级前发布的文章"));
    let at = page.body.find("class=\"cover\" src=\"").expect("a cover") + 19;
    let src: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    let (status, bytes) = member_a.get_bytes(&src).await;
    assert_eq!(status, 200);
    assert!(
        bytes.starts_with(&[0xFF, 0xD8]),
        "the cover is the kept JPEG"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_sqlite_county_is_served_after_upgrading() {
    if let Some(app) = TestApp::spawn_upgraded(Engine::Sqlite).await {
        nothing_is_lost(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_postgres_county_is_served_after_upgrading() {
    if let Some(app) = TestApp::spawn_upgraded(Engine::Postgres).await {
        nothing_is_lost(app).await;
    }
}

/// A SQLite file damaged on disk is refused at start, with a message that says what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_not_served() {
    let dir = std::env::temp_dir().join(format!("dj-damaged-{}", dangjian::crypto::random_token()));
    let config = dangjian::config::Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        ..Default::default()
    };
    let server = dangjian::startup::Server::build(config.clone())
        .await
        .unwrap();
    // Records that fill pages of their own at the end of the file.
    let pool = server.state.db.pool();
    sqlx::query("CREATE TABLE scratch (x TEXT)")
        .execute(pool)
        .await
        .unwrap();
    for _ in 0..60 {
        sqlx::query("INSERT INTO scratch VALUES ($1)")
            .bind("党".repeat(1300))
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(server.state.db.pool())
        .await
        .unwrap();
    server.state.db.close().await;
    drop(server);
    // Some of those pages overwritten with noise, as a failing disk would.
    let path = dir.join("dangjian.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let end = bytes.len();
    assert!(end > 80 * 4096, "{end} bytes");
    for b in &mut bytes[end - 30 * 4096..end - 10 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let refused = dangjian::startup::Server::build(config.clone()).await;
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("integrity check"), "{message}");
    assert!(message.contains("dangjian restore"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}
