//! What was seen to fail under real use, each as a user would notice it: a form with one
//! ticked box, odd values in addresses, a sign-in that tries to send elsewhere, an oversized
//! spreadsheet, a branch's answer for its party group, a member's page opened by many at once,
//! and parallel cancellations of one order on SQLite's one writer.
use crate::both;
use crate::support::{TestApp, id_number, phone};
use futures_util::future::join_all;

fn member_form(id: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "张甲"),
        ("gender", "male"),
        ("ethnicity", "汉族"),
        ("id_number", id),
        ("phone", phone::MEMBER_A),
        ("education", "bachelor"),
        ("joined_on", "2010-07-01"),
        ("full_member_on", "2011-07-01"),
        ("status", "full"),
        ("category", "employed"),
        ("party_group", ""),
    ]
}

both!(
    a_form_saves_with_one_two_or_no_boxes_ticked,
    |app: TestApp| async move {
        let town = app.login(phone::TOWN_ADMIN).await;
        let path = format!("/members/{}/edit", app.ids.member_a);
        let id = id_number("1970-05-01", 13);
        for posts in [
            vec![],
            vec!["group_leader"],
            vec!["group_leader", "organizer"],
        ] {
            let mut form = member_form(&id);
            form.extend(posts.iter().map(|p| ("posts", *p)));
            let saved = town.post(&path, &form).await;
            assert_eq!(saved.status, 303, "{posts:?}: {}", saved.body);
            let (held,): (String,) = sqlx::query_as("SELECT posts FROM members WHERE id = $1")
                .bind(app.ids.member_a)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
            for p in &posts {
                assert!(held.contains(p), "{posts:?} saved as {held:?}");
            }
            assert_eq!(held.is_empty(), posts.is_empty(), "{held:?}");
        }
        // What cannot be read at all is a sentence in Chinese, not a parser's message.
        let odd = town
            .post(
                &format!("/members/{}/points", app.ids.member_a),
                &[("amount", "-9223372036854775808"), ("reason", "x")],
            )
            .await;
        assert!(odd.status < 500, "{}", odd.status);
        let garbled = town
            .post_raw("/login", &[("csrf", &town.csrf), ("phone", "%%%")])
            .await;
        assert!(
            !garbled.contains("Failed to deserialize"),
            "{}",
            garbled.body
        );
    }
);

both!(
    odd_values_in_addresses_are_pages_not_faults,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        for path in [
            "/dashboard?at=9999-12-31",
            "/dashboard?period=year&at=9999-06-01",
            "/dashboard?at=-9999-01-01",
            "/dashboard/trend?org=1&at=9999-12-31",
            "/dashboard/export?at=9999-12-31",
            "/dashboard/wall?at=9999-12-31",
            "/reports?month=9999-12",
            "/tiers?month=9999-12",
            "/tiers?month=1900-01",
            "/findings?page=9223372036854775807",
            "/reports?page=9223372036854775807",
            "/members?page=-3",
            "/findings?page=abc",
            "/daily/9999-12-31",
            "/findings/1/photos/99999999999999999999",
        ] {
            let page = county.get(path).await;
            assert!(page.status < 500, "{path}: {}", page.status);
            assert!(!page.body.contains("Failed to"), "{path}: {}", page.body);
        }
        // A page far past the end shows the last one there is.
        let far = county.get("/findings?page=9223372036854775807").await;
        assert_eq!(far.status, 200);
        assert!(
            far.contains("第1/1页") || far.contains("暂无") || far.contains("没有"),
            "{}",
            far.body
        );
        // A day beyond any calendar shows what no day shows: the last whole month.
        let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
        let last = dangjian::domain::dashboard::last_complete(
            dangjian::domain::dashboard::PeriodKind::Month,
            today,
        );
        let label = format!("id=\"period-label\">{}</strong>", last.label());
        for path in ["/dashboard", "/dashboard?at=9999-12-31"] {
            assert!(county.get(path).await.contains(&label), "{path}: {label}");
        }
        // Tomorrow is brought back to today: this month so far.
        let tomorrow = today + time::Duration::days(1);
        let soon = county
            .get(&format!(
                "/dashboard?at={}",
                dangjian::domain::clock::format_date(tomorrow)
            ))
            .await;
        assert!(soon.contains("（本月至今，截至"), "{}", soon.body);
        // Beside it, the same days of the month before.
        let before = dangjian::domain::dashboard::same_days_before(
            dangjian::domain::dashboard::PeriodKind::Month,
            &dangjian::domain::dashboard::PeriodKind::Month.period_of(today),
            today,
        )
        .expect("a month under way");
        let caption = dangjian::domain::dashboard::same_days_caption(
            dangjian::domain::dashboard::PeriodKind::Month,
            &before,
        );
        assert!(soon.contains(&caption), "{caption}: {}", soon.body);
    }
);

both!(
    signing_in_goes_only_to_this_sites_pages,
    |app: TestApp| async move {
        for (next, to) in [
            ("/orglife", "/orglife"),
            ("/\t/evil.example/x", "/"),
            ("//evil.example/x", "/"),
            ("/\\evil.example", "/"),
            ("/a\nb", "/"),
            ("/a\rb", "/"),
            ("/a\0b", "/"),
            ("https://evil.example/", "/"),
        ] {
            let mut c = app.client();
            c.refresh_csrf().await;
            let res = c
                .post(
                    "/login",
                    &[
                        ("phone", phone::MEMBER_A),
                        ("password", crate::support::PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(res.status, 303, "{next:?}: {}", res.body);
            assert_eq!(res.location, to, "{next:?}");
        }
    }
);

both!(
    a_spreadsheet_over_the_row_limit_is_refused_with_the_limit,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let before = app.count("SELECT COUNT(*) FROM members").await;
        let page = county.get("/roster").await;
        assert!(page.contains("50000行"), "the limit is on the page");
        let mut csv = String::from("姓名,性别\n");
        for i in 0..100_000 {
            csv.push_str(&format!("党员{i},男\n"));
        }
        let refused = county
            .post_multipart(
                "/roster/check",
                &[("kind", "members")],
                vec![("file", "名册.csv", csv.into_bytes())],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.contains("表格超过50000行"), "{}", refused.body);
        // The form's token never travels in the address.
        assert!(!refused.contains("?csrf="));
        assert_eq!(app.count("SELECT COUNT(*) FROM members").await, before);
    }
);

both!(
    a_branch_answers_for_its_party_group,
    |app: TestApp| async move {
        let mut tx = app.db.begin().await.unwrap();
        let finding = dangjian::store::supervision::NewFinding {
            rule: dangjian::domain::supervision::Rule::Silent,
            org_id: app.ids.group_a,
            subject: "silent:test".into(),
            observed_on: time::macros::date!(2026 - 11 - 30),
            summary: "第一党小组60天未开展组织生活".into(),
            evidence: Default::default(),
        };
        let id = dangjian::store::supervision::insert_finding(tx.conn(), &finding, 1)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        let secretary = app.login(phone::SECRETARY_A).await;
        let page = secretary.get(&format!("/findings/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(
            page.contains("send-appeal"),
            "the branch's secretary may answer"
        );
        let sent = secretary
            .post_multipart(
                &format!("/findings/{id}/appeal"),
                &[("note", "党小组已于11月补开会议")],
                vec![],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        // The town above decides; the branch may not decide its own answer.
        assert_eq!(
            secretary
                .post(
                    &format!("/findings/{id}/decide"),
                    &[("decision", "accept"), ("note", "")]
                )
                .await
                .status,
            404
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        let decided = town
            .post(
                &format!("/findings/{id}/decide"),
                &[("decision", "accept"), ("note", "属实")],
            )
            .await;
        assert_eq!(decided.status, 303, "{}", decided.body);
    }
);

both!(
    a_members_page_opened_by_many_at_once_answers_them_all,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let member = app.login(phone::MEMBER_A).await;
        let path = format!("/members/{}", app.ids.member_a);
        let many = 4 * app.db.engine.pool_size() as usize;
        let answers = join_all((0..many).map(|i| {
            let c = if i % 2 == 0 { &county } else { &member };
            c.get(&path)
        }))
        .await;
        for a in answers {
            assert_eq!(a.status, 200, "{}", a.body);
        }
    }
);

both!(
    parallel_cancellations_of_one_order_wait_their_turn,
    |app: TestApp| async move {
        let mut tx = app.db.begin().await.unwrap();
        dangjian::store::points::correct(tx.conn(), app.ids.member_a, 50, "发放", 1, 1)
            .await
            .unwrap();
        let terms = dangjian::domain::shop::PrizeTerms {
            name: "党徽".into(),
            description: String::new(),
            price: 20,
            stock: 5,
            monthly_limit: 1,
            required_badges: 0,
            required_badge: String::new(),
            badge_price: 0,
        };
        let prize = dangjian::store::shop::create(tx.conn(), app.ids.town, &terms, 1, 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let a = app.login(phone::MEMBER_A).await;
        assert_eq!(
            a.post(&format!("/shop/{prize}/redeem"), &[]).await.status,
            303
        );
        let order = app.count("SELECT id FROM prize_orders").await;
        let path = format!("/shop/orders/{order}/cancel");
        for _ in 0..3 {
            let answers = join_all((0..20).map(|_| a.post(&path, &[]))).await;
            for res in answers {
                assert!(res.status < 500, "{}: {}", res.status, res.body);
            }
        }
        // Refunded once.
        assert_eq!(
            app.count(&format!(
                "SELECT CAST(balance AS BIGINT) FROM member_points WHERE member_id = {}",
                app.ids.member_a
            ))
            .await,
            51
        );
    }
);
