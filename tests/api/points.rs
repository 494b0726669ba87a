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
        let (history, total) = points::history(
            &app.db,
            member,
            dangjian::domain::paging::Paging::parse("", 50),
        )
        .await
        .unwrap();
        assert_eq!(total as usize, history.len());
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

fn rank_on(page: &crate::support::Page) -> String {
    let at = page.body.find("id=\"county-rank\">").expect("a rank") + "id=\"county-rank\">".len();
    page.body[at..].split('<').next().unwrap().to_string()
}

both!(
    an_organization_administrator_corrects_a_members_points_with_a_reason,
    |app: TestApp| async move {
        let (a, c) = (app.ids.member_a, app.ids.member_c);
        let mut tx = app.db.begin().await.unwrap();
        points::correct(tx.conn(), app.ids.member_b, 5, "测试发放", 1, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let member = app.login(phone::MEMBER_A).await;
        assert_eq!(rank_on(&member.get("/points").await), "2");
        let start = lifetime(&app, a).await; // a point for logging in
        let town = app.login(phone::TOWN_ADMIN).await;
        let path = format!("/members/{a}/points");
        let page = town.get(&path).await;
        assert!(page.contains("id=\"correct-points\""));
        // Bad input is refused at its field and nothing is written.
        let entries = || app.count("SELECT COUNT(*) FROM points_ledger");
        let before = entries().await;
        let bad = town.post(&path, &[("amount", "五"), ("reason", "")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("amount-error") && bad.contains("reason-error"));
        assert!(bad.contains("请填写更正原因"));
        let below = town
            .post(&path, &[("amount", "-1000"), ("reason", "重复计分")])
            .await;
        assert_eq!(below.status, 422);
        assert!(below.contains("可用积分将小于0"));
        assert_eq!(entries().await, before);
        // The correction: a new entry with its reason, audited, the member told, ranked at once.
        let done = town
            .post(
                &path,
                &[("amount", "+7"), ("reason", "补记3月主题党日签到积分")],
            )
            .await;
        assert_eq!(done.status, 303);
        assert_eq!(lifetime(&app, a).await, start + 7);
        let mine = member.get("/points").await;
        assert!(mine.contains("积分更正") && mine.contains("补记3月主题党日签到积分"));
        assert_eq!(rank_on(&mine), "1", "above 王乙's 5 at once");
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = '积分更正' AND detail LIKE '%+7分%'"
            )
            .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM notifications WHERE title = '您的积分已更正：+7分：补记3月主题党日签到积分'")
                .await,
            1
        );
        // Another town's member is not the town's (404); a branch's own administrator sees
        // the points but does not correct them.
        let elsewhere = town
            .post(
                &format!("/members/{c}/points"),
                &[("amount", "1"), ("reason", "x")],
            )
            .await;
        assert_eq!(elsewhere.status, 404);
        assert_eq!(town.get(&format!("/members/{c}/points")).await.status, 404);
        let secretary = app.login(phone::SECRETARY_A).await;
        let seen = secretary.get(&path).await;
        assert_eq!(seen.status, 200);
        assert!(!seen.contains("id=\"correct-points\""));
        let own = secretary
            .post(&path, &[("amount", "1"), ("reason", "x")])
            .await;
        assert_eq!(own.status, 404);
        assert_eq!(lifetime(&app, a).await, start + 7);
    }
);

both!(
    a_long_history_is_paged_newest_first,
    |app: TestApp| async move {
        let a = app.ids.member_a;
        let mut tx = app.db.begin().await.unwrap();
        for n in 1..=65 {
            points::correct(tx.conn(), a, 1, &format!("第{n}条"), 1, now() - 1000 + n)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let member = app.login(phone::MEMBER_A).await;
        let first = member.get("/points").await;
        assert!(first.contains("第65条<") && !first.contains("第36条<"));
        assert!(first.contains("第1/3页") && first.contains("href=\"/points?page=2\""));
        let last = member.get("/points?page=3").await;
        // 66 entries with today's login point: the third page holds the oldest six.
        assert!(last.contains("第1条<") && last.contains("第6条<") && !last.contains("第7条<"));
    }
);
