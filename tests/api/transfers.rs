//! 组织关系转接: within the county a transfer waits for the receiving branch, which returns
//! or accepts it; out of the county a 介绍信 is printed (read back from the PDF) and its
//! 回执 takes the member off every roster; a member arrives from another county's letter; the
//! dues must be paid up to the month of transfer; another branch's transfer is 404.
use crate::both;
use crate::support::{TestApp, id_number, pdf_text, phone};
use dangjian::domain::clock::{format_date, local_date, now_epoch};
use dangjian::domain::dues::Month;

fn today() -> String {
    format_date(local_date(now_epoch()))
}

both!(
    a_transfer_within_the_county_waits_for_the_receiving_branch,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let county = app.login(phone::COUNTY_ADMIN).await;
        let start = format!("/members/{}/transfer", ids.member_a);
        // Any branch of the county may be chosen, not only the secretary's own.
        let form = secretary.get(&format!("{start}?q=丙村")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.contains("丙村党支部") && form.contains("党费须交至转出当月"));
        let target = ids.branch_c.to_string();
        let nothing = secretary.post(&start, &[("reason", "工作调动")]).await;
        assert_eq!(nothing.status, 422);
        assert!(
            nothing.contains("id=\"direction-error\""),
            "{}",
            nothing.body
        );
        let no_reason = secretary
            .post(&start, &[("direction", "within"), ("target", &target)])
            .await;
        assert_eq!(no_reason.status, 422);
        assert!(no_reason.contains("id=\"reason-error\""));
        assert_eq!(app.count("SELECT COUNT(*) FROM transfers").await, 0);

        let within = [
            ("direction", "within"),
            ("target", target.as_str()),
            ("reason", "外出务工，随家人迁居"),
        ];
        let sent = secretary.post(&start, &within).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let page = sent.location.clone();
        // Until the receiving branch accepts, the member stays where they are.
        assert!(
            secretary
                .get(&format!("/members/{}", ids.member_a))
                .await
                .contains("甲村党支部")
        );
        assert!(secretary.get(&page).await.contains("办理中"));
        assert!(secretary.get("/").await.contains("个转出的组织关系办理中"));
        assert!(county.get("/").await.contains("个组织关系转接待接收"));
        let twice = secretary.post(&start, &within).await;
        assert_eq!(twice.status, 422);
        assert!(twice.contains("正在办理"));

        // The receiving side returns it with a reason; the sender hears of it.
        let queue = county.get("/transfers").await;
        assert!(queue.contains("待接收（1）") && queue.contains("张甲"));
        let id = page.trim_start_matches("/transfers/");
        let unexplained = county.post(&format!("/transfers/{id}/return"), &[]).await;
        assert_eq!(unexplained.status, 422);
        let returned = county
            .post(
                &format!("/transfers/{id}/return"),
                &[("reason", "请补充党员档案材料")],
            )
            .await;
        assert_eq!(returned.status, 303);
        assert!(secretary.get(&page).await.contains("请补充党员档案材料"));
        assert!(secretary.get("/notifications").await.contains("被退回"));
        // The sender cannot accept its own transfer.
        let again = secretary.post(&start, &within).await;
        let page = again.location.clone();
        let id = page.trim_start_matches("/transfers/");
        assert_eq!(
            secretary
                .post(&format!("/transfers/{id}/accept"), &[])
                .await
                .status,
            404
        );
        let accepted = county.post(&format!("/transfers/{id}/accept"), &[]).await;
        assert_eq!(accepted.status, 303);
        let profile = county.get(&format!("/members/{}", ids.member_a)).await;
        assert!(profile.contains("丙村党支部") && profile.contains("甲村党支部 → 丙村党支部"));
        // Now out of the secretary's branch: their record is another branch's.
        assert_eq!(
            secretary
                .get(&format!("/members/{}", ids.member_a))
                .await
                .status,
            404
        );
        assert!(secretary.get(&page).await.contains("已接收"));
        assert_eq!(
            county
                .post(&format!("/transfers/{id}/accept"), &[])
                .await
                .status,
            409
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM member_transfers").await, 1);
        assert!(!secretary.get("/").await.contains("组织关系办理中"));
    }
);

both!(
    a_letter_out_of_the_county_closes_with_its_receipt,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let start = format!("/members/{}/transfer", ids.member_a);
        // Dues kept here must be paid up to the month of transfer.
        let now = Month::of(local_date(now_epoch()));
        let assessed = secretary
            .post(
                &format!("/members/{}/dues/assess", ids.member_a),
                &[
                    ("from", &now.code()),
                    ("category", "employed"),
                    ("base", "4000"),
                ],
            )
            .await;
        assert_eq!(assessed.status, 303, "{}", assessed.body);
        let out = [
            ("direction", "out"),
            ("outside_org", "中共江城市滨江区望江街道工作委员会"),
            ("valid_days", "30"),
            ("reason", "工作调动"),
        ];
        let owing = secretary.post(&start, &out).await;
        assert_eq!(owing.status, 422);
        assert!(owing.contains("尚欠1个月"), "{}", owing.body);
        let paid = secretary
            .post(
                &format!("/members/{}/dues/pay", ids.member_a),
                &[
                    ("first", &now.code()),
                    ("count", "1"),
                    ("paid_on", &today()),
                    ("way", "cash"),
                ],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let mut too_long = out;
        too_long[2] = ("valid_days", "365");
        let refused = secretary.post(&start, &too_long).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("有效期须为7至90天"));
        let issued = secretary.post(&start, &out).await;
        assert_eq!(issued.status, 303, "{}", issued.body);
        let page = issued.location.clone();
        let id: i64 = page.trim_start_matches("/transfers/").parse().unwrap();
        let shown = secretary.get(&page).await;
        assert!(shown.contains("转出县外") && shown.contains("有效期30天"));

        // The letter reads back: addressee, member, dues, number and code on both halves.
        let (status, pdf) = secretary.get_bytes(&format!("{page}/letter.pdf")).await;
        assert_eq!(status, 200);
        let text = pdf_text(&app, &pdf);
        let (number, code): (String, String) = {
            let mut conn = app.db.conn().await.unwrap();
            let t = dangjian::store::transfers::get_in(&mut conn, id)
                .await
                .unwrap();
            (t.letter_text(), t.verify_code)
        };
        for expected in [
            "中国共产党党员组织关系介绍信",
            "中共江城市滨江区望江街道工作委员会",
            "张甲",
            &format!("党费已交到{}", now.label()),
            "回执",
            &number,
            &code,
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '打印组织关系介绍信'")
                .await,
            1
        );

        // A wrong code or a day in the future is refused at its field.
        let receipt = format!("{page}/receipt");
        let wrong = secretary
            .post(&receipt, &[("code", "ZZZZZZ"), ("receipt_on", &today())])
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.contains("id=\"code-error\""));
        let future = secretary
            .post(&receipt, &[("code", &code), ("receipt_on", "2999-01-01")])
            .await;
        assert!(future.contains("id=\"receipt_on-error\""));
        assert!(
            secretary
                .get("/members")
                .await
                .contains(&format!("href=\"/members/{}\"", ids.member_a))
        );
        let done = secretary
            .post(
                &receipt,
                &[("code", &code.to_lowercase()), ("receipt_on", &today())],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);

        // Off every roster and list, the record kept, the account closed.
        let row = format!("href=\"/members/{}\"", ids.member_a);
        assert!(!secretary.get("/members").await.contains(&row));
        let left = secretary.get("/members?status=left").await;
        assert!(left.contains(&row), "{}", left.body);
        let profile = secretary.get(&format!("/members/{}", ids.member_a)).await;
        assert!(profile.contains("已离开本县组织") && !profile.contains("id=\"member-transfer\""));
        assert_eq!(
            secretary
                .get(&format!("/members/{}/transfer", ids.member_a))
                .await
                .status,
            404
        );
        let mut gone = app.client();
        assert_ne!(
            gone.login(phone::MEMBER_A, crate::support::PASSWORD)
                .await
                .status,
            303
        );
        let dues = secretary.get(&format!("/orgs/{}/dues", ids.branch_a)).await;
        assert!(!dues.contains("张甲"));

        // Another county's letter brings a member in.
        let id_no = id_number("1990-05-01", 41);
        let arrived = secretary
            .post(
                &format!("/members/new?branch={}", ids.branch_a),
                &[
                    ("name", "周转入"),
                    ("gender", "male"),
                    ("ethnicity", "汉族"),
                    ("id_number", &id_no),
                    ("education", "bachelor"),
                    ("joined_on", "2015-07-01"),
                    ("full_member_on", "2016-07-01"),
                    ("status", "full"),
                    ("category", "employed"),
                    ("letter_no", "（2026）第118号"),
                    ("outside_org", ""),
                ],
            )
            .await;
        assert_eq!(arrived.status, 422);
        assert!(arrived.contains("id=\"outside_org-error\""));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM members WHERE name = '周转入'")
                .await,
            0
        );
        let arrived = secretary
            .post(
                &format!("/members/new?branch={}", ids.branch_a),
                &[
                    ("name", "周转入"),
                    ("gender", "male"),
                    ("ethnicity", "汉族"),
                    ("id_number", &id_no),
                    ("education", "bachelor"),
                    ("joined_on", "2015-07-01"),
                    ("full_member_on", "2016-07-01"),
                    ("status", "full"),
                    ("category", "employed"),
                    ("letter_no", "（2026）第118号"),
                    ("outside_org", "中共临江县委组织部"),
                ],
            )
            .await;
        assert_eq!(arrived.status, 200, "{}", arrived.body);
        let list = secretary.get("/transfers").await;
        assert!(list.contains("周转入") && list.contains("已登记转入"));
        assert!(list.contains("张甲") && list.contains("已回执"));
        // The 数据看板 counts one out of the county and one in for the branch this month.
        {
            use dangjian::domain::dashboard::PeriodKind;
            let month = PeriodKind::Month.period_of(local_date(now_epoch()));
            let store = dangjian::store::dashboard::rebuild;
            store(&app.db, PeriodKind::Month, &month, now_epoch())
                .await
                .unwrap();
            let (f, _) = dangjian::store::dashboard::with_children(
                &app.db,
                PeriodKind::Month,
                &month,
                ids.branch_a,
            )
            .await
            .unwrap();
            assert_eq!((f.transferred_out, f.transferred_in), (1, 1));
        }

        // Another branch's transfer is not there for the secretary.
        let county = app.login(phone::COUNTY_ADMIN).await;
        let other = county
            .post(
                &format!("/members/{}/transfer", ids.member_c),
                &[
                    ("direction", "out"),
                    ("outside_org", "中共某县委组织部"),
                    ("reason", "返乡"),
                ],
            )
            .await;
        assert_eq!(other.status, 303, "{}", other.body);
        for path in ["", "/letter.pdf"] {
            assert_eq!(
                secretary
                    .get(&format!("{}{path}", other.location))
                    .await
                    .status,
                404
            );
        }
        assert_eq!(
            secretary
                .post(&format!("{}/withdraw", other.location), &[])
                .await
                .status,
            404
        );
    }
);
