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
