//! Personal data at rest: no phone or ID number of the county can be read off the database
//! (its files on SQLite, every text column on PostgreSQL); a new database seals them with
//! SM4 and chains its audit log with SM3; an old one keeps what it began with.
use crate::support::{Engine, TestApp, id_number, phone};

/// Every text value of every table (PostgreSQL), as one string to search.
async fn every_text_value(app: &TestApp) -> String {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let mut all = String::new();
    for (table, column) in columns {
        let values: Vec<(Option<String>,)> =
            sqlx::query_as(&format!("SELECT \"{column}\" FROM \"{table}\""))
                .fetch_all(app.db.pool())
                .await
                .unwrap();
        for v in values.into_iter().filter_map(|(v,)| v) {
            all.push_str(&v);
            all.push('\n');
        }
    }
    all
}

/// The database's files (SQLite: the file and its write-ahead log), as bytes to search.
fn database_files(app: &TestApp) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["test.db", "test.db-wal"] {
        if let Ok(bytes) = std::fs::read(app.data_dir.join(name)) {
            all.extend(bytes);
        }
    }
    assert!(all.len() > 10_000, "the database files were read");
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn nothing_personal_in_the_clear(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    // Something written through the pages too: a member's sign-in and a look at the register.
    let secretary = app.login(phone::SECRETARY_A).await;
    assert_eq!(secretary.get("/members").await.status, 200);
    let stored = match engine {
        Engine::Sqlite => database_files(&app),
        Engine::Postgres => every_text_value(&app).await.into_bytes(),
    };
    for p in [
        phone::MEMBER_A,
        phone::SECRETARY_A,
        phone::COUNTY_ADMIN,
        phone::SYSTEM,
    ] {
        assert!(!holds(&stored, p), "phone {p} in the clear");
    }
    for seq in 1..=6 {
        let id = id_number("1970-05-01", seq);
        assert!(!holds(&stored, &id), "ID number {id} in the clear");
    }
    // A new database keeps the national algorithms.
    let sealed = app
        .count("SELECT COUNT(*) FROM members WHERE id_number_enc LIKE 'sm4:%'")
        .await;
    let all = app.count("SELECT COUNT(*) FROM members").await;
    assert!(
        all >= 6 && sealed == all,
        "{sealed} of {all} sealed with SM4"
    );
    let chained = app
        .count("SELECT COUNT(*) FROM audit_log WHERE hash LIKE 'sm3:%'")
        .await;
    assert_eq!(chained, app.count("SELECT COUNT(*) FROM audit_log").await);
    assert!(chained > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_phone_or_id_number_is_stored_in_the_clear_sqlite() {
    nothing_personal_in_the_clear(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_phone_or_id_number_is_stored_in_the_clear_postgres() {
    nothing_personal_in_the_clear(Engine::Postgres).await;
}
