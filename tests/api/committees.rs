//! 领导班子 and 换届: a branch records its election; its members' offices follow and a 支委会
//! invites the committee; a term ending within three months is in the branch's 待办 and the
//! bell; a term past its end is on the town's dashboard and an 电子监察 finding.
use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::clock::{add_months, format_date, local_date, now_epoch};

both!(
    a_branch_records_its_election_and_the_town_sees_terms_end,
    |app: TestApp| async move {
        let ids = &app.ids;
        let today = local_date(now_epoch());
        let secretary = app.login(phone::SECRETARY_A).await;
        let town = app.login(phone::TOWN_ADMIN).await;
        let page = format!("/orgs/{}/committee", ids.branch_a);
        let empty = secretary.get(&page).await;
        assert_eq!(empty.status, 200, "{}", empty.body);
        assert!(empty.contains("尚未记录领导班子"));
        let li = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await
            .to_string();
        let zhang = ids.member_a.to_string();
        // Elected two months short of three years ago: the term ends within three months.
        let elected = format_date(add_months(today, -34));
        let no_secretary = secretary
            .post(
                &page,
                &[
                    ("elected_on", elected.as_str()),
                    ("member", zhang.as_str()),
                    ("office", "organizer"),
                ],
            )
            .await;
        assert_eq!(no_secretary.status, 422);
        assert!(no_secretary.contains("须有一名书记"));
        assert_eq!(app.count("SELECT COUNT(*) FROM committees").await, 0);
        let saved = secretary
            .post(
                &page,
                &[
                    ("elected_on", elected.as_str()),
                    ("approved_on", ""),
                    ("approval_ref", ""),
                    ("member", li.as_str()),
                    ("office", "secretary"),
                    ("member", zhang.as_str()),
                    ("office", "organizer"),
                    ("member", ""),
                    ("office", ""),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let shown = secretary.get(&page).await;
        assert!(
            shown.contains("三个月内届满") && shown.contains("任期3年"),
            "{}",
            shown.body
        );
        assert!(shown.contains("尚未记录上级批复"));
        // The offices follow the election: 赵镇 was 宣传委员 and was not elected.
        let zhao = app
            .count("SELECT id FROM members WHERE name = '赵镇'")
            .await;
        assert!(
            !town
                .get(&format!("/members/{zhao}"))
                .await
                .contains("宣传委员")
        );
        let li_page = secretary.get(&format!("/members/{li}")).await;
        assert!(li_page.contains("甲村党支部书记"), "{}", li_page.body);

        // A 支委会 invites the committee, not the branch.
        let planned = secretary
            .post(
                &format!("/orgs/{}/meetings/new", ids.branch_a),
                &[
                    ("kind", "branch_committee"),
                    ("topic", "研究换届筹备工作"),
                    ("date", "2030-09-10"),
                    ("start", "09:00"),
                    ("end", "10:30"),
                    ("place", "村委会议室"),
                ],
            )
            .await;
        assert_eq!(planned.status, 303, "{}", planned.body);
        let meeting = app.count("SELECT MAX(id) FROM meetings").await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = {meeting}"
            ))
            .await,
            2
        );

        // In the branch's 待办, and once in the bell of the branch and the town.
        let home = secretary.get("/").await;
        assert!(
            home.contains("todo-term") && home.contains("三个月内届满"),
            "{}",
            home.body
        );
        let now = now_epoch();
        assert_eq!(dangjian::jobs::remind_terms(&app.db, now).await.unwrap(), 2);
        assert_eq!(dangjian::jobs::remind_terms(&app.db, now).await.unwrap(), 0);
        assert!(
            town.get("/notifications")
                .await
                .contains("换届提醒：甲村党支部")
        );

        // 乙村's term ended a month ago: 到期未换届 on the town's dashboard and in 电子监察.
        let b_page = format!("/orgs/{}/committee", ids.branch_b);
        assert_eq!(secretary.get(&b_page).await.status, 404);
        let wang = ids.member_b.to_string();
        let overdue = format_date(add_months(today, -37));
        let approved = format_date(add_months(today, -36));
        let saved = town
            .post(
                &b_page,
                &[
                    ("elected_on", overdue.as_str()),
                    ("approved_on", approved.as_str()),
                    ("approval_ref", "城组〔2023〕12号"),
                    ("member", wang.as_str()),
                    ("office", "secretary"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let dashboard = town.get("/dashboard").await;
        let terms = &dashboard.body[dashboard.body.find("id=\"terms-due\"").unwrap()..];
        let (first, second) = (
            terms.find("乙村党支部").unwrap(),
            terms.find("甲村党支部").unwrap(),
        );
        assert!(first < second, "the overdue one first");
        assert!(terms.contains("到期未换届"));
        dangjian::supervision::scan(&app.db, None, now)
            .await
            .unwrap();
        let findings = town.get("/findings").await;
        assert!(
            findings.contains("到期未换届") && findings.contains("至今未换届"),
            "{}",
            findings.body
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM findings WHERE rule = 'term_overdue'")
                .await,
            1
        );
        // A new election ends it: the next scan finds nothing new, the dashboard drops it.
        let renewed = town
            .post(
                &b_page,
                &[
                    ("elected_on", format_date(today).as_str()),
                    ("member", wang.as_str()),
                    ("office", "secretary"),
                ],
            )
            .await;
        assert_eq!(renewed.status, 303);
        let dashboard = town.get("/dashboard").await;
        assert!(!dashboard.contains("到期未换届"));
        assert!(town.get(&b_page).await.contains("历届班子"));
    }
);
