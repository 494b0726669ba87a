//! A key rotation while the county is served (密评: keys can be changed): a new key and the
//! national algorithms, interrupted and run again; members sign in, vote and are found by
//! their numbers throughout; afterwards a server holding only the new key reads everything.
use crate::support::{Client, Engine, PASSWORD, TestApp, phone, second_step_token};
use dangjian::crypto::{Algorithms, Keys};
use dangjian::domain::appraisal::Grade;
use dangjian::domain::clock::{local_date, now_epoch};
use dangjian::rotation::{self, Options};
use dangjian::store::{appraisals, second_factor};

const FIRST_CODE: &str = "Kx7mPq2wRt";

/// What a county's database holds sealed beyond the fixture's members and accounts: an
/// applicant, a 流动党员's phone, a dues base, a first-login code, an authenticator with
/// recovery codes, and an evaluation's votes. The evaluation's id.
async fn sealed_everywhere(app: &TestApp) -> (i64, Vec<String>) {
    app.applicant().await;
    let now = now_epoch();
    let keys = &app.keys;
    let ids = &app.ids;
    let user_of = |phone: &str| {
        let hash = keys.lookup_hash("phone", phone);
        async move {
            app.count(&format!("SELECT id FROM users WHERE phone_hash = '{hash}'"))
                .await
        }
    };
    let (member_b_user, admin) = (
        user_of(phone::MEMBER_B).await,
        user_of(phone::COUNTY_ADMIN).await,
    );
    let mut tx = app.db.begin().await.unwrap();
    for sql in [
        format!(
            "INSERT INTO flows (direction, branch_id, member_id, name, phone_enc, since, created_by, created_at) \
             VALUES ('in', {}, NULL, '外来党员', '{}', '2026-01-05', {admin}, {now})",
            ids.branch_a,
            keys.encrypt("13900000088")
        ),
        format!(
            "INSERT INTO dues_assessments (member_id, from_month, category, base_enc, by_user_id, at) \
             VALUES ({}, '2026-01', 'employed', '{}', {admin}, {now})",
            ids.member_a,
            keys.encrypt("650000")
        ),
        format!(
            "UPDATE users SET password_hash = '{}' WHERE id = {member_b_user}",
            keys.first_code_password(FIRST_CODE)
        ),
    ] {
        sqlx::query(&sql).execute(tx.conn()).await.unwrap();
    }
    let secret = dangjian::domain::second_factor::encode_secret(&[7; 20]);
    let recovery: Vec<String> = (0..3u8)
        .map(|i| dangjian::domain::second_factor::recovery_code(&[i; 10]))
        .collect();
    second_factor::confirm(tx.conn(), keys, admin, &secret, 0, &recovery)
        .await
        .unwrap();
    let members = [ids.member_a, ids.member_b, ids.member_c];
    let today = local_date(now);
    let appraisal = appraisals::open(tx.conn(), ids.branch_a, 2026, &members, today, admin, now)
        .await
        .unwrap();
    appraisals::cast(
        tx.conn(),
        keys,
        appraisal,
        ids.member_a,
        &[(ids.member_b, Grade::Excellent)],
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (appraisal, recovery)
}

/// Signs in with the password and, for the enrolled administrator, a recovery code.
async fn signs_in(c: &mut Client, who: &str, password: &str, recovery: Option<&str>) {
    c.refresh_csrf().await;
    let page = c
        .post(
            "/login",
            &[("phone", who), ("password", password), ("next", "/")],
        )
        .await;
    let Some(code) = recovery else {
        assert_eq!(page.status, 303, "{who}: {}", page.body);
        return;
    };
    let token = second_step_token(&page.body).expect("the second step");
    let done = c
        .post(
            "/login/second",
            &[("token", &token), ("code", code), ("next", "/")],
        )
        .await;
    assert_eq!(done.status, 303, "recovery code {code}: {}", done.body);
}

/// The county's sealed values, none of them under another key or algorithm.
async fn all_national(app: &TestApp) -> i64 {
    let mut left = 0;
    for (table, columns) in dangjian::store::rotation::TABLES {
        for c in columns.iter() {
            left += app
                .count(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE {0} LIKE '{1}%' AND {0} NOT LIKE '{1}sm4:%'",
                    c.column, c.prefix
                ))
                .await;
        }
    }
    left
}

/// A county on the international algorithms moves to the national ones and a new key.
async fn rotation_while_serving(engine: Engine) {
    let Some(app) =
        TestApp::spawn_configured(engine, |c| c.crypto = Algorithms::International).await
    else {
        return;
    };
    let (appraisal, recovery) = sealed_everywhere(&app).await;
    let config = app.served_config();
    let before = app.keys.fingerprint();
    assert!(
        all_national(&app).await > 0,
        "the fixture's database is international"
    );
    let sealed_rows = app.count("SELECT COUNT(*) FROM members").await
        + app.count("SELECT COUNT(*) FROM users").await
        + 1 // the applicant
        + 1 // the flow
        + 1 // the dues base
        + recovery.len() as i64;

    // Killed after three batches of two rows: some values new, most old.
    let mut quiet = |_: String| {};
    let first = rotation::rotate(
        &config,
        &Options {
            new_key: true,
            algorithms: Some(Algorithms::National),
            batch: 2,
            stop_after: Some(3),
        },
        &mut quiet,
    )
    .await
    .unwrap();
    assert!(!first.finished);
    assert_eq!(first.resealed, 6);
    assert_ne!(first.fingerprint, before);
    // The server took up the new key by then (every clone of its keys follows).
    assert_eq!(app.keys.fingerprint(), first.fingerprint);

    // Half way: members sign in by phone, the first-login code still works, a second vote
    // replaces the first rather than counting beside it, and the register finds numbers.
    let mut member = app.client();
    signs_in(&mut member, phone::MEMBER_A, PASSWORD, None).await;
    signs_in(&mut app.client(), phone::MEMBER_B, FIRST_CODE, None).await;
    signs_in(
        &mut app.client(),
        phone::COUNTY_ADMIN,
        PASSWORD,
        Some(&recovery[0]),
    )
    .await;
    let mut tx = app.db.begin().await.unwrap();
    let votes = [(app.ids.member_b, Grade::Qualified)];
    appraisals::cast(
        tx.conn(),
        &app.keys,
        appraisal,
        app.ids.member_a,
        &votes,
        now_epoch(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM appraisal_votes WHERE appraisal_id = {appraisal}"
        ))
        .await,
        1
    );

    // Run again, at the console: it goes on, and seals only what was left.
    let (data, database) = (app.data_dir.clone(), app.database_url.clone());
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dangjian"))
            .args(["rotate-keys", "--batch", "3", "--data"])
            .arg(&data)
            .args(["--database", &database])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        run.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let resealed: u64 = said
        .split("every value is sealed with key ")
        .nth(1)
        .and_then(|rest| rest.strip_prefix(&format!("{}: ", first.fingerprint)))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert_eq!((first.resealed + resealed) as i64, sealed_rows);
    assert_eq!(all_national(&app).await, 0);
    let own = appraisals::own_votes(&app.db, &app.keys, appraisal, app.ids.member_a)
        .await
        .unwrap();
    assert_eq!(
        own.get(&app.ids.member_b).map(String::as_str),
        Some("qualified")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = '密钥轮换'")
            .await,
        1
    );

    // The old key leaves the key file; a server with only the new one serves the county.
    assert_eq!(rotation::retire(&config, &mut quiet).await.unwrap(), 1);
    let ring = Keys::load(None, &config.key_path()).unwrap();
    assert_eq!(
        (ring.count(), ring.fingerprint()),
        (1, first.fingerprint.clone())
    );
    let server = dangjian::startup::Server::build(config.clone())
        .await
        .unwrap();
    let mut fresh = Client {
        base: format!("http://{}", server.addr()),
        ..app.client()
    };
    tokio::spawn(server.run());
    signs_in(&mut fresh, phone::MEMBER_A, PASSWORD, None).await;
    let (status, book) = fresh.get_bytes("/me/data").await;
    assert_eq!(status, 200);
    let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
    assert!(
        rows.iter().any(|r| r.cell(1) == phone::MEMBER_A),
        "the phone opens"
    );
    let mut admin = Client {
        base: fresh.base.clone(),
        ..app.client()
    };
    signs_in(
        &mut admin,
        phone::COUNTY_ADMIN,
        PASSWORD,
        Some(&recovery[1]),
    )
    .await;

    // A key file that lacks the database's key is refused, not served unreadable.
    std::fs::write(config.key_path(), dangjian::crypto::random_token()).unwrap();
    let refused = dangjian::startup::Server::build(config.clone()).await.err();
    assert!(
        refused.is_some_and(|e| e.to_string().contains(&first.fingerprint)),
        "a server without the writing key does not start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_while_the_county_is_served_sqlite() {
    rotation_while_serving(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_while_the_county_is_served_postgres() {
    rotation_while_serving(Engine::Postgres).await;
}
