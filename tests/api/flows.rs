//! 流动党员: a branch registers a member working away (they stay on the roster, are reminded
//! monthly and show on their page) and one from elsewhere taking part here (not on the
//! roster); the town counts both per branch; ending a flow takes it off the counts.
use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::clock::{format_date, local_date, now_epoch};

both!(
    a_branch_registers_members_flowing_out_and_in,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let page = format!("/orgs/{}/flows", ids.branch_a);
        let empty = secretary.get(&page).await;
        assert_eq!(empty.status, 200, "{}", empty.body);
        assert!(empty.contains("没有流出党员"));
        let member = ids.member_a.to_string();
        let out = [
            ("direction", "out"),
            ("member", member.as_str()),
            ("phone", "13912340001"),
            ("place", "浙江省宁波市北仑区"),
            ("other_org", "北仑区小港街道流动党员服务站"),
            ("since", "2026-03-01"),
        ];
        // 王乙 is 乙村's: not the secretary's to register.
        let other = ids.member_b.to_string();
        let mut wrong = out;
        wrong[1] = ("member", other.as_str());
        let refused = secretary.post(&page, &wrong).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("请选择本支部的党员"));
        assert_eq!(app.count("SELECT COUNT(*) FROM flows").await, 0);
        assert_eq!(secretary.post(&page, &out).await.status, 303);
        let twice = secretary.post(&page, &out).await;
        assert_eq!(twice.status, 422);
        assert!(twice.contains("已登记为流动党员"));
        let came = secretary
            .post(
                &page,
                &[
                    ("direction", "in"),
                    ("name", "韩流入"),
                    ("phone", "13912340002"),
                    ("other_org", "中共临江县河口镇党委"),
                    ("since", "2026-05-01"),
                ],
            )
            .await;
        assert_eq!(came.status, 303, "{}", came.body);
        let listed = secretary.get(&page).await;
        assert!(listed.contains("浙江省宁波市北仑区") && listed.contains("韩流入"));
        assert!(listed.contains("139****0001"), "phones masked");
        // The one working away stays on the roster; the one from elsewhere is not on it.
        let roster = secretary.get("/members").await;
        assert!(roster.contains(&format!("href=\"/members/{}\"", ids.member_a)));
        assert!(!roster.contains("韩流入"));
        let profile = secretary.get(&format!("/members/{}", ids.member_a)).await;
        assert!(
            profile.contains("id=\"member-flow\"") && profile.contains("外出至浙江省宁波市北仑区")
        );

        // 韩流入 takes part in a 党员大会: recorded beside, not among, the expected members.
        let planned = secretary
            .post(
                &format!("/orgs/{}/meetings/new", ids.branch_a),
                &[
                    ("kind", "branch_general"),
                    ("topic", "学习党的二十届四中全会精神"),
                    ("date", "2030-09-10"),
                    ("start", "09:00"),
                    ("end", "10:30"),
                    ("place", "村委会议室"),
                ],
            )
            .await;
        assert_eq!(planned.status, 303, "{}", planned.body);
        let meeting = planned.location.clone();
        let expected = secretary.get(&meeting).await;
        assert!(
            expected.contains("id=\"add-guest\"")
                && expected.contains("韩流入（中共临江县河口镇党委）")
        );
        let guest = app
            .count("SELECT id FROM flows WHERE name = '韩流入'")
            .await;
        let not_here = secretary
            .post(&format!("{meeting}/guests"), &[("flow", "999999")])
            .await;
        assert_eq!(not_here.status, 400);
        let added = secretary
            .post(
                &format!("{meeting}/guests"),
                &[("flow", &guest.to_string())],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
        let shown = secretary.get(&meeting).await;
        assert!(shown.contains("id=\"guests\"") && shown.contains("韩流入"));
        let expected_now = app
            .count(&format!(
                "SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = {}",
                meeting.trim_start_matches("/meetings/")
            ))
            .await;
        assert_eq!(
            expected_now,
            app.count(&format!(
                "SELECT COUNT(*) FROM members WHERE branch_id = {} AND left_on IS NULL",
                ids.branch_a
            ))
            .await,
            "the branch's own members only"
        );
        assert!(secretary.get(&page).await.contains("参加组织生活1次"));

        // Reminded once a month to study and pay from afar.
        let now = now_epoch();
        assert_eq!(
            dangjian::jobs::remind_flowing(&app.db, now).await.unwrap(),
            1
        );
        assert_eq!(
            dangjian::jobs::remind_flowing(&app.db, now).await.unwrap(),
            0
        );
        let a = app.login(phone::MEMBER_A).await;
        assert!(a.get("/notifications").await.contains("流动党员提醒"));

        // The town counts each branch's.
        let town = app.login(phone::TOWN_ADMIN).await;
        let counts = town.get(&format!("/orgs/{}/flows", ids.town)).await;
        assert!(
            counts.contains("<strong id=\"count-out\">1</strong>"),
            "{}",
            counts.body
        );
        assert!(counts.contains("<strong id=\"count-in\">1</strong>"));
        assert!(counts.contains(&format!("<tr data-org=\"{}\"><td><a href=\"/orgs/{}/flows\">甲村党支部</a></td><td data-label=\"流出\">1</td><td data-label=\"流入\">1</td>", ids.branch_a, ids.branch_a)));

        // Back home: the flow ends, the counts drop; a day before it began is refused.
        let flow = app
            .count(&format!(
                "SELECT id FROM flows WHERE member_id = {}",
                ids.member_a
            ))
            .await;
        let early = secretary
            .post(&format!("/flows/{flow}/end"), &[("ended_on", "2026-02-01")])
            .await;
        assert_eq!(early.status, 422);
        let today = format_date(local_date(now_epoch()));
        let back = secretary
            .post(
                &format!("/flows/{flow}/end"),
                &[("ended_on", today.as_str())],
            )
            .await;
        assert_eq!(back.status, 303);
        let counts = town.get(&format!("/orgs/{}/flows", ids.town)).await;
        assert!(counts.contains("<strong id=\"count-out\">0</strong>"));
        // Another branch's flows are not there for the secretary.
        assert_eq!(
            secretary
                .get(&format!("/orgs/{}/flows", ids.branch_b))
                .await
                .status,
            404
        );
    }
);
