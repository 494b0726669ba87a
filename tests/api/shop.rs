use crate::both;
use crate::support::{TestApp, id_number, phone, testdata};
use dangjian::domain::member::MemberRecord;
use dangjian::domain::member::{Education, Gender, MemberCategory, MemberStatus};
use dangjian::domain::shop::PrizeTerms;
use dangjian::store::members;
use dangjian::store::{points, shop};

fn now() -> i64 {
    dangjian::domain::clock::now_epoch()
}

async fn prize(app: &TestApp, org: i64, price: i64, stock: i64, limit: i64) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let terms = PrizeTerms {
        name: "党徽".into(),
        description: String::new(),
        price,
        stock,
        monthly_limit: limit,
        required_badges: 0,
        required_badge: String::new(),
        badge_price: 0,
    };
    let id = shop::create(tx.conn(), org, &terms, 1, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn give(app: &TestApp, member: i64, amount: i64) {
    let mut tx = app.db.begin().await.unwrap();
    points::correct(tx.conn(), member, amount, "测试发放", 1, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

both!(
    two_hundred_members_race_for_ten_prizes,
    |app: TestApp| async move {
        let mut tx = app.db.begin().await.unwrap();
        let mut ids = Vec::new();
        for i in 0..200u32 {
            let m = MemberRecord {
                name: format!("党员{i}"),
                gender: Gender::Male,
                ethnicity: "汉族".into(),
                birth_date: "1980-01-01".into(),
                id_number: id_number("1980-01-01", 101 + i * 2),
                phone: None,
                education: Education::Senior,
                joined_on: "2005-07-01".into(),
                full_member_on: Some("2006-07-01".into()),
                status: MemberStatus::Full,
                category: MemberCategory::Farmer,
                branch_id: app.ids.branch_a,
                party_group_id: None,
                posts: String::new(),
                veteran: false,
            };
            ids.push(
                members::insert(tx.conn(), &app.keys, &m, now())
                    .await
                    .unwrap(),
            );
        }
        tx.commit().await.unwrap();
        for id in &ids {
            give(&app, *id, 100).await;
        }
        let prize_id = prize(&app, app.ids.county, 30, 10, 1).await;
        let p = shop::get(&app.db, prize_id).await.unwrap();
        let mut tasks = Vec::new();
        for id in ids.clone() {
            let (db, p) = (app.db.clone(), p.clone());
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                match shop::redeem(tx.conn(), &p, id, now()).await {
                    Ok(_) => {
                        tx.commit().await.unwrap();
                        true
                    }
                    Err(_) => false,
                }
            }));
        }
        let mut won = 0;
        for t in tasks {
            won += usize::from(t.await.unwrap());
        }
        assert_eq!(won, 10);
        assert_eq!(app.count("SELECT COUNT(*) FROM prize_orders").await, 10);
        assert_eq!(shop::get(&app.db, prize_id).await.unwrap().stock, 0);
        // Every balance equals its ledger, and none is negative.
        let mismatched = app
        .count("SELECT COUNT(*) FROM member_points mp WHERE mp.balance <> (SELECT CAST(COALESCE(SUM(balance_delta), 0) AS BIGINT) FROM points_ledger l WHERE l.member_id = mp.member_id) OR mp.balance < 0")
        .await;
        assert_eq!(mismatched, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM member_points WHERE balance = 70")
                .await,
            10
        );
        // Spending never lowers the rank points.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM member_points WHERE lifetime <> 100 AND member_id > 6")
                .await,
            0
        );
    }
);

both!(
    a_member_redeems_cancels_and_an_administrator_hands_out,
    |app: TestApp| async move {
        give(&app, app.ids.member_a, 50).await;
        let town_prize = prize(&app, app.ids.town, 20, 5, 1).await;
        let other_town_prize = prize(&app, app.ids.town2, 1, 5, 1).await;
        let a = app.login(phone::MEMBER_A).await;
        let page = a.get("/shop").await;
        assert!(page.contains("党徽") && page.contains("<strong id=\"balance\">51</strong>"));
        assert_eq!(
            a.post(&format!("/shop/{other_town_prize}/redeem"), &[])
                .await
                .status,
            404
        );
        let ok = a.post(&format!("/shop/{town_prize}/redeem"), &[]).await;
        assert_eq!(ok.status, 303);
        assert!(
            a.get("/shop")
                .await
                .contains("<strong id=\"balance\">31</strong>")
        );
        let again = a.post(&format!("/shop/{town_prize}/redeem"), &[]).await;
        assert!(
            a.get(&again.location)
                .await
                .contains("此奖品每人每月限兑1件")
        );
        let pricey = prize(&app, app.ids.town, 40, 5, 1).await;
        a.post(&format!("/shop/{pricey}/redeem"), &[]).await;
        assert!(a.get("/shop").await.contains("可用积分不足"));
        assert_eq!(app.count("SELECT COUNT(*) FROM prize_orders").await, 1);
        // Cancel: points back, stock back.
        let order = app.count("SELECT id FROM prize_orders").await;
        assert_eq!(
            a.post(&format!("/shop/orders/{order}/cancel"), &[])
                .await
                .status,
            303
        );
        assert!(
            a.get("/shop")
                .await
                .contains("<strong id=\"balance\">51</strong>")
        );
        assert_eq!(shop::get(&app.db, town_prize).await.unwrap().stock, 5);
        // Redeem again (the cancelled one does not count), and the town hands it out.
        a.post(&format!("/shop/{town_prize}/redeem"), &[]).await;
        let order = app
            .count("SELECT id FROM prize_orders WHERE status = 'pending'")
            .await;
        assert_eq!(
            a.post(&format!("/shop/orders/{order}/collect"), &[])
                .await
                .status,
            403
        );
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(
            b.post(&format!("/shop/orders/{order}/cancel"), &[])
                .await
                .status,
            404
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        let admin = town.get("/shop/admin").await;
        assert!(admin.contains("张甲") && admin.contains("登记领取"));
        assert_eq!(
            town.post(&format!("/shop/orders/{order}/collect"), &[])
                .await
                .status,
            303
        );
        assert!(a.get("/shop").await.contains("已领取"));
        // The neighbouring town's administrator does not see it.
        let county = app.login(phone::COUNTY_ADMIN).await;
        let county_id = app.ids.county.to_string();
        let bad = county
            .post_multipart(
                "/shop/admin/prizes",
                &[
                    ("org", &county_id),
                    ("name", ""),
                    ("price", "0"),
                    ("stock", "1"),
                    ("monthly_limit", "1"),
                    ("required_badges", "0"),
                ],
                vec![("photo", "奖品.jpg", b"%PDF-1.4".to_vec())],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("所需积分和所需徽章至少一项大于0") && bad.contains("此项必填"));
        assert!(bad.contains("只能上传 JPEG、PNG 或 WebP 格式的照片"));
        // With a photo, members of the county see it; an officer without a branch does not.
        let fields = [
            ("org", county_id.as_str()),
            ("name", "党徽"),
            ("price", "10"),
            ("stock", "3"),
            ("monthly_limit", "1"),
            ("required_badges", "0"),
        ];
        let photo = vec![("photo", "党徽.jpg", testdata("coffee.jpg"))];
        assert_eq!(
            county
                .post_multipart("/shop/admin/prizes", &fields, photo)
                .await
                .status,
            303
        );
        let shop = app.login(phone::MEMBER_C).await.get("/shop").await;
        let thumb = shop
            .body
            .split("class=\"prize-photo\" src=\"")
            .nth(1)
            .unwrap();
        let thumb = thumb.split('"').next().unwrap().to_string();
        let (status, jpeg) = a.get_bytes(&thumb).await;
        assert_eq!(status, 200);
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        let officer = app.login(phone::AUDIT).await;
        assert_eq!(officer.get(&thumb).await.status, 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('积分兑换', '取消兑换', '奖品领取')").await, 4);
    }
);

both!(
    a_prize_can_ask_for_a_particular_badge,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let county_id = app.ids.county.to_string();
        let form = |badge: &'static str| {
            vec![
                ("org", county_id.clone()),
                ("name", "学习标兵纪念章".to_string()),
                ("price", "1".to_string()),
                ("stock", "5".to_string()),
                ("monthly_limit", "1".to_string()),
                ("required_badges", "0".to_string()),
                ("required_badge", badge.to_string()),
            ]
        };
        let bad = form("study:nonsense");
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = county
            .post_multipart("/shop/admin/prizes", &bad, vec![])
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("请从列表中选择徽章"));
        let good = form("study:streak7");
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            county
                .post_multipart("/shop/admin/prizes", &good, vec![])
                .await
                .status,
            303
        );
        let prize = app
            .count("SELECT id FROM prizes WHERE name = '学习标兵纪念章'")
            .await;
        // Member A has a point for logging in but not the badge.
        let a = app.login(phone::MEMBER_A).await;
        assert!(a.get("/shop").await.contains("需“每日一题·连续7天”徽章"));
        let no = a.post(&format!("/shop/{prize}/redeem"), &[]).await;
        assert!(
            a.get(&no.location)
                .await
                .contains("兑换此奖品需要“每日一题·连续7天”徽章")
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM prize_orders").await, 0);
        sqlx::query("INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, 'study:streak7', '每日一题·连续7天', '连续7天答题', 0)")
            .bind(app.ids.member_a)
            .execute(app.db.pool())
            .await
            .unwrap();
        let yes = a.post(&format!("/shop/{prize}/redeem"), &[]).await;
        assert!(a.get(&yes.location).await.contains("已兑换学习标兵纪念章"));
        assert_eq!(app.count("SELECT COUNT(*) FROM prize_orders").await, 1);
    }
);

both!(
    prizes_are_edited_restocked_taken_down_and_put_back,
    |app: TestApp| async move {
        let id = prize(&app, app.ids.town, 20, 1, 1).await;
        let elsewhere = prize(&app, app.ids.town2, 20, 1, 1).await;
        let town = app.login(phone::TOWN_ADMIN).await;
        let path = format!("/shop/admin/prizes/{id}");
        assert!(
            town.get("/shop/admin")
                .await
                .contains(&format!("href=\"{path}\""))
        );
        assert!(town.get(&path).await.contains("id=\"restock\""));
        assert_eq!(
            town.get(&format!("/shop/admin/prizes/{elsewhere}"))
                .await
                .status,
            404
        );
        let terms = |price: &'static str, badges: &'static str| {
            vec![
                ("name", "党徽（新款）"),
                ("description", ""),
                ("price", price),
                ("badge_price", badges),
                ("monthly_limit", "1"),
                ("required_badges", "0"),
                ("required_badge", ""),
            ]
        };
        let free = town.post(&path, &terms("0", "0")).await;
        assert_eq!(free.status, 422);
        assert!(free.contains("price-error") && free.contains("至少一项大于0"));
        assert_eq!(shop::get(&app.db, id).await.unwrap().name, "党徽");
        assert_eq!(town.post(&path, &terms("25", "0")).await.status, 303);
        let p = shop::get(&app.db, id).await.unwrap();
        assert_eq!((p.name.as_str(), p.price, p.stock), ("党徽（新款）", 25, 1));
        // 补货.
        let restock = format!("{path}/restock");
        let bad = town.post(&restock, &[("amount", "几个")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("amount-error"));
        assert_eq!(town.post(&restock, &[("amount", "5")]).await.status, 303);
        assert_eq!(shop::get(&app.db, id).await.unwrap().stock, 6);
        // 下架: members no longer see it nor redeem it; 重新上架 brings it back.
        let active = format!("{path}/active");
        give(&app, app.ids.member_a, 100).await;
        let a = app.login(phone::MEMBER_A).await;
        town.post(&active, &[("active", "0")]).await;
        assert!(!a.get("/shop").await.contains("党徽（新款）"));
        assert_eq!(a.post(&format!("/shop/{id}/redeem"), &[]).await.status, 404);
        town.post(&active, &[("active", "1")]).await;
        assert!(a.get("/shop").await.contains("党徽（新款）"));
        assert_eq!(a.post(&format!("/shop/{id}/redeem"), &[]).await.status, 303);
        assert!(a.get("/shop").await.contains("本月已兑满"), "one a month");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('修改奖品', '奖品补货', '下架奖品', '重新上架')")
                .await,
            4
        );
        // Another town's prize is not this town's to change.
        let other = format!("/shop/admin/prizes/{elsewhere}/restock");
        assert_eq!(town.post(&other, &[("amount", "5")]).await.status, 404);
    }
);

async fn one_badge(app: &TestApp, member: i64) {
    sqlx::query("INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, 'orglife:1:theme_day:2026-03-01', '2026年3月·主题党日', '参加主题党日', 0)")
        .bind(member)
        .execute(app.db.pool())
        .await
        .unwrap();
}

both!(
    a_badge_priced_prize_spends_each_badge_once_and_a_cancel_returns_it,
    |app: TestApp| async move {
        let (ma, mb) = (app.ids.member_a, app.ids.member_b);
        let mut tx = app.db.begin().await.unwrap();
        let terms = PrizeTerms {
            name: "党徽纪念章".into(),
            description: String::new(),
            price: 10,
            stock: 10,
            monthly_limit: 5,
            required_badges: 0,
            required_badge: String::new(),
            badge_price: 1,
        };
        let id = shop::create(tx.conn(), app.ids.county, &terms, 1, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for m in [ma, mb] {
            give(&app, m, 50).await;
            one_badge(&app, m).await;
        }
        let (a, b) = (
            app.login(phone::MEMBER_A).await,
            app.login(phone::MEMBER_B).await,
        );
        let redeem = format!("/shop/{id}/redeem");
        // Both at once, and 张甲 twice: each badge is spent once, the third is refused.
        let (r1, r2, r3) = tokio::join!(
            a.post(&redeem, &[]),
            b.post(&redeem, &[]),
            a.post(&redeem, &[])
        );
        assert_eq!((r1.status, r2.status, r3.status), (303, 303, 303));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM prize_orders WHERE status = 'pending'")
                .await,
            2
        );
        for m in [ma, mb] {
            let spent = app
                .count(&format!(
                    "SELECT COUNT(*) FROM badges b JOIN prize_orders o ON o.id = b.spent_order WHERE b.holder_id = {m} AND o.member_id = {m}"
                ))
                .await;
            assert_eq!(spent, 1, "member {m} paid with their own badge");
        }
        assert_eq!(shop::get(&app.db, id).await.unwrap().stock, 8);
        let shop_a = a.get("/shop").await;
        assert!(shop_a.contains("<strong id=\"unspent-badges\">0</strong>"));
        assert!(shop_a.contains("党建徽章不足"));
        // Still shown as earned, marked as used.
        assert!(
            b.get(&format!("/members/{mb}"))
                .await
                .contains("已用于兑换")
        );
        // 张甲 cancels: the badge and the points come back.
        let order = app
            .count(&format!(
                "SELECT id FROM prize_orders WHERE member_id = {ma}"
            ))
            .await;
        assert_eq!(
            a.post(&format!("/shop/orders/{order}/cancel"), &[])
                .await
                .status,
            303
        );
        let shop_a = a.get("/shop").await;
        assert!(shop_a.contains("<strong id=\"unspent-badges\">1</strong>"));
        assert_eq!(points::totals(&app.db, ma).await.unwrap().balance, 51);
    }
);
