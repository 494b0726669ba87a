use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::points::LedgerKey;
use dangjian::store::points;

fn now() -> i64 {
    dangjian::domain::clock::now_epoch()
}

async fn lifetime(app: &TestApp, member: i64) -> i64 {
    points::totals(&app.db, member).await.unwrap().lifetime
}

both!(
    logging_in_earns_a_point_once_a_day,
    |app: TestApp| async move {
        app.login(phone::MEMBER_A).await;
        app.login(phone::MEMBER_A).await;
        assert_eq!(lifetime(&app, app.ids.member_a).await, 1);
        let page = app.login(phone::MEMBER_A).await.get("/points").await;
        assert!(page.contains("<strong id=\"lifetime\">1</strong>") && page.contains("每日登录"));
        // Officers have no points page.
        assert_eq!(
            app.login(phone::SYSTEM).await.get("/points").await.status,
            403
        );
    }
);

both!(
    the_daily_cap_holds_under_concurrent_credits,
    |app: TestApp| async move {
        let member = app.ids.member_b;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                let n = points::credit(
                    tx.conn(),
                    member,
                    &LedgerKey::article_read(i, member),
                    "阅读文章",
                    now(),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                n
            }));
        }
        let mut credited = 0;
        for t in tasks {
            credited += t.await.unwrap();
        }
        assert_eq!(credited, 6);
        assert_eq!(lifetime(&app, member).await, 6);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM points_ledger WHERE member_id = {member}"
            ))
            .await,
            6
        );
        // The same key twice credits once.
        let mut tx = app.db.begin().await.unwrap();
        let a = points::credit(
            tx.conn(),
            member,
            &LedgerKey::meeting_attended(1, member),
            "会",
            now(),
        )
        .await
        .unwrap();
        let b = points::credit(
            tx.conn(),
            member,
            &LedgerKey::meeting_attended(1, member),
            "会",
            now(),
        )
        .await
        .unwrap();
        // A correction is a new negative entry; history shows running totals.
        points::correct(tx.conn(), member, -3, "重复计分更正", 1, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((a, b), (5, 0));
        assert_eq!(lifetime(&app, member).await, 8);
        let history = points::history(&app.db, member).await.unwrap();
        assert_eq!(history[0].entry.lifetime_delta, -3);
        assert_eq!(history[0].lifetime, 8);
        assert_eq!(history.last().unwrap().lifetime, 1);
    }
);

both!(
    county_administrators_set_the_rules,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert!(county.get("/points/rules").await.contains("参加组织生活"));
        let bad = county
            .post(
                "/points/rules",
                &[
                    ("rule", "login"),
                    ("amount", "500"),
                    ("daily_cap", "1"),
                    ("enabled", "1"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("分值应为0到100之间的整数"));
        assert_eq!(
            county
                .post(
                    "/points/rules",
                    &[("rule", "login"), ("amount", "1"), ("daily_cap", "1")]
                )
                .await
                .status,
            303
        );
        app.login(phone::MEMBER_C).await;
        assert_eq!(
            lifetime(&app, app.ids.member_c).await,
            0,
            "login points switched off"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '修改积分规则'")
                .await,
            1
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(town.get("/points/rules").await.status, 404);
    }
);
