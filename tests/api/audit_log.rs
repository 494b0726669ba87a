use crate::both;
use crate::support::{TestApp, phone};
use dangjian::store::audit::{Break, Chain};

fn verify_cli(app: &TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .args(["audit", "verify", "--data"])
        .arg(&app.data_dir)
        .args(["--database", &app.database_url])
        .output()
        .unwrap()
}

/// What the county's administrator gets asking for the audit log's export.
async fn auditor_forbidden(app: &TestApp) -> u16 {
    let county = app.login(phone::COUNTY_ADMIN).await;
    county.get("/audit/export").await.status
}

both!(
    the_audit_chain_detects_altered_and_removed_rows,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        county
            .post(&format!("/members/{}/reveal", app.ids.member_a), &[])
            .await;
        let mut c = app.client();
        c.login(phone::MEMBER_A, "Wrong@pass1").await;
        let entries = app.count("SELECT COUNT(*) FROM audit_log").await;
        assert!(entries >= 3);
        let ok = verify_cli(&app);
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(String::from_utf8_lossy(&ok.stdout).contains(&format!("{entries} entries")));
        // The 审计管理员 does the same from the page, and takes the records away with their
        // hashes.
        let auditor = app.login(phone::AUDIT).await;
        let page = auditor.get("/audit/verify").await;
        assert!(page.contains("审计链完整"), "{}", page.body);
        let (status, book) = auditor
            .get_bytes("/audit/export?action=%E7%99%BB%E5%BD%95")
            .await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
        let logins = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%登录%'")
            .await;
        assert_eq!(
            rows.len() as i64,
            logins + 2,
            "a title, a heading and every sign-in"
        );
        assert_eq!(rows[1].cell(9), "本条哈希");
        assert!(rows[2].cell(9).starts_with("sm3:"));
        assert_eq!(auditor_forbidden(&app).await, 403);

        // The log refuses changes; with the owner's rights to drop that, the chain still
        // tells.
        for change in [
            "UPDATE audit_log SET detail = '无' WHERE id = 2",
            "DELETE FROM audit_log",
        ] {
            let refused = sqlx::query(change)
                .execute(app.db.pool())
                .await
                .unwrap_err();
            assert!(refused.to_string().contains("append-only"), "{refused}");
        }
        app.drop_audit_protection().await;
        sqlx::query("UPDATE audit_log SET detail = '无' WHERE id = 2")
            .execute(app.db.pool())
            .await
            .unwrap();
        let altered = verify_cli(&app);
        assert!(!altered.status.success());
        assert!(String::from_utf8_lossy(&altered.stderr).contains("entry 2 was altered"));
        let page = auditor.get("/audit/verify").await;
        assert!(page.contains("第2条记录的内容被改动过"), "{}", page.body);
        assert_eq!(
            dangjian::store::audit::verify(&app.db).await.unwrap(),
            Chain::Broken(Break::Altered(2))
        );
    }
);

both!(
    removing_the_newest_audit_row_is_detected,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        for _ in 0..3 {
            county
                .post(&format!("/members/{}/reveal", app.ids.member_a), &[])
                .await;
        }
        let last = app.count("SELECT MAX(id) FROM audit_log").await;
        assert_eq!(last, 4);
        app.drop_audit_protection().await;
        sqlx::query("DELETE FROM audit_log WHERE id = $1")
            .bind(last)
            .execute(app.db.pool())
            .await
            .unwrap();
        let Chain::Broken(err) = dangjian::store::audit::verify(&app.db).await.unwrap() else {
            panic!("the removed row goes unnoticed")
        };
        assert!(err.to_string().contains("missing"), "{err}");
        sqlx::query("DELETE FROM audit_log WHERE id = 2")
            .execute(app.db.pool())
            .await
            .unwrap();
        assert_eq!(
            dangjian::store::audit::verify(&app.db).await.unwrap(),
            Chain::Broken(Break::Missing { id: 2, next: 3 })
        );
    }
);

both!(
    the_auditor_reads_and_filters_the_log,
    |app: TestApp| async move {
        let mut c = app.client();
        c.login(phone::MEMBER_A, "Wrong@pass1").await;
        app.login(phone::MEMBER_B).await;
        let auditor = app.login(phone::AUDIT).await;
        let all = auditor.get("/audit").await;
        assert!(all.contains("张甲") && all.contains("王乙"));
        let failed = auditor.get("/audit?result=%E5%A4%B1%E8%B4%A5").await;
        assert!(failed.contains("张甲") && !failed.contains("王乙"));
        let bad_date = auditor.get("/audit?from=2026-13-01").await;
        assert!(bad_date.contains("开始日期格式如"));
        // The auditor has no other duty.
        assert_eq!(auditor.get("/security/grants").await.status, 403);
        assert_eq!(auditor.get("/admin/accounts").await.status, 403);
    }
);

both!(
    the_system_administrator_manages_accounts,
    |app: TestApp| async move {
        let sys = app.login(phone::SYSTEM).await;
        let dup = sys
            .post(
                "/admin/accounts",
                &[("name", "重复"), ("phone", phone::MEMBER_A)],
            )
            .await;
        assert_eq!(dup.status, 422);
        assert!(dup.contains("该手机号已被其他账号使用"));
        let created = sys
            .post(
                "/admin/accounts",
                &[("name", "组织部干事"), ("phone", "13311112222")],
            )
            .await;
        assert_eq!(created.status, 200);
        assert!(created.contains("one-time-password"));
        // Reset: a new one-time password, the lock lifted, sessions ended.
        let member = app.login(phone::MEMBER_A).await;
        let id = app
            .count("SELECT id FROM users WHERE phone_mask = '137****0001'")
            .await;
        let reset = sys.post(&format!("/admin/accounts/{id}/reset"), &[]).await;
        assert!(reset.contains("one-time-password"));
        assert_eq!(member.get("/").await.location, "/login");
        // Disabled accounts cannot sign in.
        sys.post(
            &format!(
                "/admin/accounts/{}/disable",
                app.count("SELECT id FROM users WHERE phone_mask = '137****0003'")
                    .await
            ),
            &[],
        )
        .await;
        let mut b = app.client();
        assert!(
            b.login(phone::MEMBER_B, crate::support::PASSWORD)
                .await
                .contains("账号已停用")
        );
    }
);

both!(
    the_security_officer_ends_an_accounts_sessions,
    |app: TestApp| async move {
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(town.get("/members").await.status, 200);
        let account = app
            .count("SELECT id FROM users WHERE phone_mask = '137****0004'")
            .await;
        let sec = app.login(phone::SECURITY).await;
        assert!(
            sec.get("/security/grants")
                .await
                .contains(&format!("/security/accounts/{account}/signout"))
        );
        let done = sec
            .post(&format!("/security/accounts/{account}/signout"), &[])
            .await;
        assert_eq!(done.status, 303);
        assert!(town.get("/members").await.location.starts_with("/login"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '结束账号全部登录'")
                .await,
            1
        );
        // Nobody else may.
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert_eq!(
            county
                .post(&format!("/security/accounts/{account}/signout"), &[])
                .await
                .status,
            403
        );
    }
);

/// Appends an entry made `days_ago`.
async fn entry_of(app: &TestApp, days_ago: i64, detail: &str) {
    let at = dangjian::domain::clock::now_epoch() - days_ago * 86_400;
    let actor = dangjian::store::audit::Actor {
        user_id: None,
        name: "测试".into(),
        ip: String::new(),
    };
    let mut tx = app.db.begin().await.unwrap();
    dangjian::store::audit::append_at(tx.conn(), at, &actor, ["登录", "账号", "成功", detail])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn deletable(app: &TestApp, id: i64) -> bool {
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(id)
        .execute(app.db.pool())
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_entries_leave_only_into_a_signed_archive_sqlite() {
    old_entries_leave_only_into_a_signed_archive(crate::support::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_entries_leave_only_into_a_signed_archive_postgres() {
    old_entries_leave_only_into_a_signed_archive(crate::support::Engine::Postgres).await;
}

/// Kept a year by default (never under 180 days), then archived with a signature before
/// the entries leave the database; the chain goes on from the archive, and the database
/// itself refuses to let go of anything younger or unarchived.
async fn old_entries_leave_only_into_a_signed_archive(engine: crate::support::Engine) {
    use dangjian::audit_retention::{archive_due, folder, verify_file};
    use dangjian::store::audit;
    let Some(app) = TestApp::spawn_empty(engine).await else {
        return;
    };
    for (days, n) in [(400, 5), (200, 2), (0, 3)] {
        for i in 0..n {
            entry_of(&app, days, &format!("{days}天前 #{i}")).await;
        }
    }
    let dir = folder(&app.data_dir);
    let now = dangjian::domain::clock::now_epoch();
    // Nothing under 180 days old, nor anything not archived, can be deleted.
    assert!(!deletable(&app, 10).await, "a recent entry");
    assert!(!deletable(&app, 1).await, "an old entry no archive holds");

    let files = archive_due(&app.db, &app.keys, &dir, now).await.unwrap();
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with("audit-0000000001-0000000005.jsonl"));
    assert_eq!(app.count("SELECT MIN(id) FROM audit_log").await, 6);
    assert_eq!(audit::verify(&app.db).await.unwrap(), Chain::Intact(11));
    assert!(!deletable(&app, 6).await, "200 days old, not archived");
    // A second run the same day has nothing more (a year is the default).
    assert!(
        archive_due(&app.db, &app.keys, &dir, now)
            .await
            .unwrap()
            .is_empty()
    );

    // The county keeps 180 days: the 200-day-old entries go too, in a file of their own.
    let mut tx = app.db.begin().await.unwrap();
    dangjian::store::settings::save(tx.conn(), "audit_retention_days", "180")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let more = archive_due(&app.db, &app.keys, &dir, now).await.unwrap();
    assert_eq!(more.len(), 1);
    assert_eq!(audit::verify(&app.db).await.unwrap(), Chain::Intact(12));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = '归档审计日志'")
            .await,
        2
    );
    assert!(!deletable(&app, 8).await, "recent");

    // Each archive checks on its own, at the console too; one altered byte does not.
    let said = verify_file(&app.keys, &files[0]).unwrap();
    assert!(said.contains("entries 1–5 (5)"), "{said}");
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .args(["audit", "verify-archive", "--data"])
        .arg(&app.data_dir)
        .args(["--database", &app.database_url])
        .arg(&more[0])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&cli.stdout).contains("archive intact: entries 6–7"),
        "{}{}",
        String::from_utf8_lossy(&cli.stdout),
        String::from_utf8_lossy(&cli.stderr)
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(&files[0], text.replacen("400天前 #2", "400天前 #3", 1)).unwrap();
    assert!(verify_file(&app.keys, &files[0]).is_err());
}
