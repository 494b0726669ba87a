//! 党费: a secretary assesses members, records a month for the branch in one sheet, a 补缴
//! and a 代缴; the member sees their dues and prints a 党费证; the town sees 交纳率 and who
//! is months behind; bases stay with those who may read them.
use crate::both;
use crate::support::{TestApp, pdf_text, phone};
use dangjian::domain::clock::{format_date, local_date, now_epoch};
use dangjian::domain::dues::Month;

fn this_month() -> Month {
    Month::of(local_date(now_epoch()))
}

fn today() -> String {
    format_date(local_date(now_epoch()))
}

both!(
    a_branch_collects_a_month_and_the_town_sees_it,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let now = this_month();
        let sheet = secretary.get(&format!("/orgs/{}/dues", ids.branch_a)).await;
        assert_eq!(sheet.status, 200, "{}", sheet.body);
        assert!(sheet.contains("张甲") && sheet.contains("待核定"));

        // A base that is not an amount is refused at its field, and nothing is kept.
        let bad = secretary
            .post(
                &format!("/members/{}/dues/assess", ids.member_a),
                &[
                    ("from", &now.code()),
                    ("category", "employed"),
                    ("base", "三千"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("id=\"base-error\""), "{}", bad.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM dues_assessments").await, 0);

        // 3,000.01 a month is in the second bracket: 1 %, 30.00 a month.
        let ok = secretary
            .post(
                &format!("/members/{}/dues/assess", ids.member_a),
                &[
                    ("from", &now.code()),
                    ("category", "employed"),
                    ("base", "3000.01"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let sheet = secretary.get(&format!("/orgs/{}/dues", ids.branch_a)).await;
        assert!(sheet.contains("30.00") && sheet.contains("基数×1%"));
        assert!(
            sheet.contains("3000.01"),
            "the branch's secretary reads the base"
        );

        // The month for the branch in one sheet.
        let collected = secretary
            .post(
                &format!("/orgs/{}/dues/collect", ids.branch_a),
                &[
                    ("month", &now.code()),
                    ("member", &ids.member_a.to_string()),
                    ("paid_on", &today()),
                    ("way", "cash"),
                ],
            )
            .await;
        assert_eq!(collected.status, 303, "{}", collected.body);
        let sheet = secretary.get(&format!("/orgs/{}/dues", ids.branch_a)).await;
        assert!(sheet.contains("id=\"dues-rate\">100%"), "{}", sheet.body);
        // Twice is refused, and the month stays paid once.
        let again = secretary
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
        assert_eq!(again.status, 422);
        assert!(again.contains("已经交过"));
        assert_eq!(app.count("SELECT COUNT(*) FROM dues_months").await, 1);

        // The member reads their own dues and base, and prints the 党费证.
        let member = app.login(phone::MEMBER_A).await;
        let mine = member.get("/dues").await;
        assert_eq!(mine.status, 200);
        assert!(mine.contains("id=\"due-now\">30.00") && mine.contains("3000.01"));
        let (status, pdf) = member
            .get_bytes(&format!(
                "/members/{}/dues/card.pdf?year={}",
                ids.member_a,
                now.year()
            ))
            .await;
        assert_eq!(status, 200);
        let text = pdf_text(&app, &pdf);
        assert!(
            text.contains("年度党费证") && text.contains("30.00"),
            "{text}"
        );
        // Another branch's member does not find it.
        let other = app.login(phone::MEMBER_B).await;
        assert_eq!(
            other
                .get(&format!("/members/{}/dues", ids.member_a))
                .await
                .status,
            404
        );

        // The town administrator sees 交纳率 by branch, and amounts but not incomes.
        let town = app.login(phone::TOWN_ADMIN).await;
        let overview = town
            .get(&format!("/orgs/{}/dues?month={}", ids.town, now.code()))
            .await;
        assert!(overview.contains("甲村党支部") && overview.contains("100%"));
        let sheet = town.get(&format!("/orgs/{}/dues", ids.branch_a)).await;
        assert!(sheet.contains("30.00") && !sheet.contains("3000.01"));
        assert_eq!(
            town.post(
                &format!("/members/{}/dues/assess", ids.member_a),
                &[
                    ("from", &now.code()),
                    ("category", "employed"),
                    ("base", "9000")
                ],
            )
            .await
            .status,
            403
        );
    }
);

both!(
    back_pay_on_behalf_and_the_six_month_list,
    |app: TestApp| async move {
        let ids = &app.ids;
        let county = app.login(phone::COUNTY_ADMIN).await;
        let now = this_month();
        let seven_ago = now.plus(-7);
        // 王乙 is a farmer paying 0.50 a month since seven months ago and has paid nothing.
        let r = county
            .post(
                &format!("/members/{}/dues/assess", ids.member_b),
                &[
                    ("from", &seven_ago.code()),
                    ("category", "farmer"),
                    ("set_amount", "0.5"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let town = app.login(phone::TOWN_ADMIN).await;
        let overview = town.get(&format!("/orgs/{}/dues", ids.town)).await;
        assert!(
            overview.contains("王乙") && overview.contains("7个月"),
            "{}",
            overview.body
        );
        assert!(overview.contains("6个月以上</span>"));

        // A 补缴 of the first three months, paid by his daughter on his behalf.
        let paid = county
            .post(
                &format!("/members/{}/dues/pay", ids.member_b),
                &[
                    ("first", &seven_ago.code()),
                    ("count", "3"),
                    ("paid_on", &today()),
                    ("way", "on_behalf"),
                    ("paid_by", "王小红"),
                ],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let page = county.get(&format!("/members/{}/dues", ids.member_b)).await;
        assert!(
            page.contains("代缴（王小红）") && page.contains("1.50元"),
            "{}",
            page.body
        );
        // Four months behind now: on the 3-month list, off the 6-month one.
        let overview = town.get(&format!("/orgs/{}/dues", ids.town)).await;
        assert!(overview.contains("4个月") && !overview.contains("6个月以上</span>"));
        // 代缴 without a name is refused at the field.
        let nameless = county
            .post(
                &format!("/members/{}/dues/pay", ids.member_b),
                &[
                    ("first", &now.plus(-4).code()),
                    ("count", "1"),
                    ("paid_on", &today()),
                    ("way", "on_behalf"),
                ],
            )
            .await;
        assert_eq!(nameless.status, 422);
        assert!(nameless.contains("id=\"paid_by-error\""));

        // The branch hands up what it took in; the town sees it received.
        let handed = county
            .post(
                &format!("/orgs/{}/dues/handups", ids.branch_b),
                &[
                    ("first", &now.code()),
                    ("last", &now.code()),
                    ("amount", "1.50"),
                    ("handed_on", &today()),
                ],
            )
            .await;
        assert_eq!(handed.status, 303, "{}", handed.body);
        let received = town.get(&format!("/orgs/{}/dues", ids.town)).await;
        assert!(received.contains("乙村党支部</strong>") && received.contains("1.50元"));
        let own = county.get(&format!("/orgs/{}/dues", ids.branch_b)).await;
        assert!(
            own.contains("收缴 <strong>1.50</strong> 元，已上缴 <strong>1.50</strong> 元"),
            "{}",
            own.body
        );

        // The branch's year as a 台账 with a row per member; the town's month by branch.
        let (status, xlsx) = town
            .get_bytes(&format!(
                "/orgs/{}/dues.xlsx?year={}",
                ids.branch_b,
                now.year()
            ))
            .await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&xlsx).unwrap();
        assert!(rows.iter().any(|r| r.cell(0) == "王乙"), "{rows:?}");
        let (status, xlsx) = town
            .get_bytes(&format!(
                "/orgs/{}/dues.xlsx?month={}",
                ids.town,
                now.plus(-1).code()
            ))
            .await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&xlsx).unwrap();
        assert!(
            rows.iter()
                .any(|r| r.cell(0) == "乙村党支部" && r.cell(4) == "0%"),
            "{rows:?}"
        );
    }
);

both!(
    the_yearly_base_check_keeps_what_did_not_change,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let form = secretary
            .get(&format!("/orgs/{}/dues/bases", ids.branch_a))
            .await;
        assert_eq!(form.status, 200);
        let from = this_month().plus(1).code();
        let a = ids.member_a.to_string();
        let fields = |base: &'static str| {
            vec![
                ("from".to_string(), from.clone()),
                (format!("category_{a}"), "employed".to_string()),
                (format!("base_{a}"), base.to_string()),
            ]
        };
        let send = |f: Vec<(String, String)>| {
            let secretary = &secretary;
            async move {
                let pairs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                secretary
                    .post(&format!("/orgs/{}/dues/bases", ids.branch_a), &pairs)
                    .await
            }
        };
        let bad = send(fields("-1")).await;
        assert_eq!(bad.status, 422);
        assert_eq!(app.count("SELECT COUNT(*) FROM dues_assessments").await, 0);
        assert_eq!(send(fields("6000")).await.status, 303);
        let n = app.count("SELECT COUNT(*) FROM dues_assessments").await;
        assert!(n >= 1);
        // Sent again unchanged: nothing new is written.
        assert_eq!(send(fields("6000")).await.status, 303);
        assert_eq!(app.count("SELECT COUNT(*) FROM dues_assessments").await, n);
        // The base is encrypted at rest.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM dues_assessments WHERE base_enc LIKE '%600000%'")
                .await,
            0
        );
    }
);

both!(
    members_who_have_not_paid_by_the_countys_day_are_reminded_once,
    |app: TestApp| async move {
        let ids = &app.ids;
        let county = app.login(phone::COUNTY_ADMIN).await;
        let now = this_month();
        // A day the county chooses; outside 1–28 is refused at the field.
        let bad = county
            .post(
                "/dues/settings",
                &[("remind_day", "31"), ("check_month", "1")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("id=\"remind_day-error\""));
        let saved = county
            .post(
                "/dues/settings",
                &[("remind_day", "1"), ("check_month", "3")],
            )
            .await;
        assert_eq!(saved.status, 303);
        // The yearly base check now applies from the county's month.
        let check = dangjian::domain::dues::next_check(now, 3);
        let secretary = app.login(phone::SECRETARY_A).await;
        let form = secretary
            .get(&format!("/orgs/{}/dues/bases", ids.branch_a))
            .await;
        assert!(
            form.contains(&format!("value=\"{}\"", check.code())),
            "{}",
            form.body
        );
        // The town's administrator does not set the county's rules.
        let town = app.login(phone::TOWN_ADMIN).await;
        let refused = town
            .post(
                "/dues/settings",
                &[("remind_day", "5"), ("check_month", "1")],
            )
            .await;
        assert_eq!(refused.status, 404);
        for member in [ids.member_a, ids.member_b] {
            let r = county
                .post(
                    &format!("/members/{member}/dues/assess"),
                    &[("from", &now.code()), ("category", "student")],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        // 王乙 pays; 张甲 does not and is reminded, once however often the job runs.
        let paid = county
            .post(
                &format!("/members/{}/dues/pay", ids.member_b),
                &[
                    ("first", &now.code()),
                    ("count", "1"),
                    ("paid_on", &today()),
                    ("way", "cash"),
                ],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let at = now_epoch();
        assert_eq!(dangjian::jobs::remind_dues(&app.db, at).await.unwrap(), 1);
        assert_eq!(dangjian::jobs::remind_dues(&app.db, at).await.unwrap(), 0);
        let member = app.login(phone::MEMBER_A).await;
        let bell = member.get("/notifications").await;
        assert!(
            bell.contains("党费提醒") && bell.contains(&now.label()),
            "{}",
            bell.body
        );
        let other = app.login(phone::MEMBER_B).await;
        assert!(!other.get("/notifications").await.contains("党费提醒"));
    }
);
