use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::clock::{SHANGHAI, day_start};
use dangjian::domain::daily::{QuestionInput, parse_question};
use dangjian::domain::dashboard::{Figures, PeriodKind};
use dangjian::domain::orglife::MeetingKind;
use dangjian::domain::points::LedgerKey;
use dangjian::store::{daily, dashboard, meetings, members, orgs, points};
use std::collections::HashMap;
use time::macros::{date, datetime};

/// 2026-03-20 12:00 in Shanghai: "now" for these tests, so thresholds and colours are fixed.
fn march_20() -> i64 {
    datetime!(2026-03-20 12:00)
        .assume_offset(SHANGHAI)
        .unix_timestamp()
}

fn march() -> dangjian::domain::orglife::Period {
    PeriodKind::Month.period_of(date!(2026 - 03 - 01))
}

/// Answers on the given days of March 2026.
async fn answers(app: &TestApp, member: i64, days: &[u8]) {
    let mut tx = app.db.begin().await.unwrap();
    let q = parse_question(&QuestionInput {
        kind: "判断",
        stem: &format!("测试题{member}-{days:?}"),
        options: vec![],
        answer: "正确",
        explanation: "说明",
        tags: "",
        difficulty: "",
        pinned_day: "",
    })
    .unwrap();
    let question = daily::create(tx.conn(), &q, 1, march_20()).await.unwrap();
    for d in days {
        let day = format!("2026-03-{d:02}");
        let at = day_start(dangjian::domain::clock::parse_date(&day).unwrap()) + 3600;
        daily::insert_answers(tx.conn(), &day, question, &[(member, "T".into(), true, at)])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Every kept figure of a period, by organization.
async fn kept(app: &TestApp) -> HashMap<i64, Figures> {
    let mut out = HashMap::new();
    for id in [
        app.ids.county,
        app.ids.town,
        app.ids.town2,
        app.ids.branch_a,
        app.ids.group_a,
        app.ids.branch_b,
        app.ids.branch_c,
    ] {
        let (total, _) = dashboard::with_children(&app.db, PeriodKind::Month, &march(), id)
            .await
            .unwrap();
        out.insert(id, total);
    }
    out
}

/// A month of records in the fixture county: answers, a read, points, a badge, a transfer
/// and a 支部委员会 held without minutes.
async fn records(app: &TestApp) {
    let now = march_20();
    answers(app, app.ids.member_a, &[1, 2, 3, 4, 5, 6, 7, 8]).await;
    answers(app, app.ids.member_b, &[2, 3]).await;
    let mut tx = app.db.begin().await.unwrap();
    let in_march = day_start(date!(2026 - 03 - 10));
    let in_feb = day_start(date!(2026 - 02 - 10));
    points::credit(
        tx.conn(),
        app.ids.member_a,
        &LedgerKey::meeting_attended(1, app.ids.member_a),
        "参加组织生活",
        now,
    )
    .await
    .unwrap();
    points::credit(
        tx.conn(),
        app.ids.member_b,
        &LedgerKey::daily_answer("2026-03-02", app.ids.member_b),
        "每日一题作答",
        now,
    )
    .await
    .unwrap();
    dangjian::q!(
        "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, 'study:read10', 't', 'r', $2)",
        app.ids.member_b,
        in_march
    )
    .execute(tx.conn())
    .await
    .unwrap();
    let b = members::get_in(tx.conn(), app.ids.member_b).await.unwrap();
    members::transfer(tx.conn(), &b, app.ids.branch_c, "外出务工", 1, in_march)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A read completed in March by member A, another in February by member C.
    let county = orgs::get(&app.db, app.ids.county).await.unwrap();
    let text = dangjian::domain::articles::parse(
        &dangjian::domain::articles::ArticleInput {
            title: "学习",
            source: "县委组织部",
            author: "",
            column_name: "理论学习",
            tags: "",
            body: "正文",
            publish_date: "2026-01-01",
            publish_time: "",
        },
        now,
    )
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id = dangjian::store::articles::insert(tx.conn(), county.id, &text, 1, now)
        .await
        .unwrap();
    dangjian::store::articles::insert_reads(
        tx.conn(),
        &[
            (id, app.ids.member_a, in_march - 600, in_march),
            (id, app.ids.member_c, in_feb - 600, in_feb),
        ],
    )
    .await
    .unwrap();
    let branch = orgs::get_in(tx.conn(), app.ids.branch_a).await.unwrap();
    meetings::create(
        tx.conn(),
        &meetings::NewMeeting {
            org_id: branch.id,
            org_path: branch.path.clone(),
            party_group: false,
            kind: MeetingKind::BranchCommittee,
            topic: "研究本月工作".into(),
            starts_at: in_march,
            ends_at: in_march + 3600,
            place: "村委会".into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec![],
            created_by: 1,
        },
        in_march - 86_400,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both!(
    kept_figures_match_counts_by_hand_and_refresh_matches_a_rebuild,
    |app: TestApp| async move {
        records(&app).await;
        let now = march_20();
        dashboard::rebuild(&app.db, PeriodKind::Month, &march(), now)
            .await
            .unwrap();
        let f = kept(&app).await;
        let (a, b, c) = (
            f[&app.ids.branch_a],
            f[&app.ids.branch_b],
            f[&app.ids.branch_c],
        );
        // Members as registered now: B moved to C in March.
        assert_eq!((a.members, b.members, c.members), (3, 0, 3));
        assert_eq!((b.transferred_out, c.transferred_in), (1, 1));
        // 20 days of March begun: 7 days of answers make a member active.
        assert_eq!((a.active_answerers, c.active_answerers), (1, 0));
        assert_eq!((a.readers, c.readers), (1, 0), "C read in February");
        assert_eq!((a.points, c.points), (5, 1), "B's point went with B");
        assert_eq!((a.badges, c.badges), (0, 1));
        // Branch A's six items for March (the 支部委员会 held but short: yellow) and its
        // party group's 党小组会.
        assert_eq!((a.items_red, a.items_yellow, a.items_grey), (0, 1, 6));
        assert_eq!(a.items_overdue, 0);
        let group = f[&app.ids.group_a];
        assert_eq!(group.items_grey, 1, "the party group's 党小组会");
        let town = f[&app.ids.town];
        assert_eq!(town.members, 3);
        assert_eq!(town.items(), 6 + 1 + 6);
        assert_eq!(town.items_yellow, 1);
        let county = f[&app.ids.county];
        assert_eq!(county.members, 6);
        assert_eq!(county.points, 6);
        // The county's children are its two towns.
        let (_, children) =
            dashboard::with_children(&app.db, PeriodKind::Month, &march(), app.ids.county)
                .await
                .unwrap();
        let mut ids: Vec<i64> = children.iter().map(|c| c.0).collect();
        ids.sort();
        assert_eq!(ids, vec![app.ids.town, app.ids.town2]);

        // More records, kept incrementally for the two branches they touch...
        answers(&app, app.ids.member_c, &[1, 2, 3, 4, 5, 6, 7, 9, 10]).await;
        let mut tx = app.db.begin().await.unwrap();
        let m = meetings::for_org(&app.db, app.ids.branch_a, 10)
            .await
            .unwrap()[0]
            .clone();
        meetings::set_minutes(tx.conn(), m.id, "会议记录", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for branch in [app.ids.branch_a, app.ids.branch_c] {
            let org = orgs::get(&app.db, branch).await.unwrap();
            dashboard::refresh(&app.db, &org, now).await.unwrap();
        }
        let incremental = kept(&app).await;
        assert_eq!(incremental[&app.ids.branch_c].active_answerers, 1);
        assert_eq!(incremental[&app.ids.county].active_answerers, 2);
        // ...equal a month rebuilt from scratch.
        dashboard::rebuild(&app.db, PeriodKind::Month, &march(), now)
            .await
            .unwrap();
        assert_eq!(kept(&app).await, incremental);

        // A branch's own page: its members' figures.
        let rows = dashboard::members_of(&app.db, app.ids.branch_a, &march())
            .await
            .unwrap();
        let zhang = rows.iter().find(|r| r.id == app.ids.member_a).unwrap();
        assert_eq!((zhang.answer_days, zhang.reads, zhang.points), (8, 1, 5));
    }
);

both!(
    the_daily_rebuild_runs_once_however_many_instances_ask,
    |app: TestApp| async move {
        records(&app).await;
        let now = march_20();
        // Three instances sharing the database wake at the same minute.
        let run = || dangjian::jobs::nightly_figures(&app.db, now);
        let (a, b, c) = tokio::join!(run(), run(), run());
        let ran = [a, b, c]
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
        assert_eq!(ran, 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM job_runs WHERE job = 'dashboard'")
                .await,
            1
        );
        // The day's run kept March (and February, the previous month) for every organization.
        assert_eq!(kept(&app).await[&app.ids.branch_a].points, 5);
        let orgs = app.count("SELECT COUNT(*) FROM orgs").await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM org_figures WHERE period = 'month' AND period_start = '2026-02-01'")
                .await,
            orgs
        );
        // The next day runs again.
        assert!(
            dangjian::jobs::nightly_figures(&app.db, now + 86_400)
                .await
                .unwrap()
        );
    }
);

/// Rows of the dashboard table, as (name, the row's cells' text).
fn row_names(body: &str) -> Vec<String> {
    body.split("<tr class=\"child\">")
        .skip(1)
        .map(|row| {
            let cell = row.split("</td>").next().unwrap_or("");
            let text: String = cell
                .split('>')
                .filter_map(|part| part.split('<').next())
                .collect();
            text.trim().to_string()
        })
        .collect()
}

both!(
    superiors_land_on_the_dashboard_sort_drill_down_and_export,
    |app: TestApp| async move {
        let mut c = app.client();
        let landing = c.login(phone::COUNTY_ADMIN, crate::support::PASSWORD).await;
        assert_eq!(
            landing.location, "/dashboard",
            "an organization administrator"
        );
        let mut s = app.client();
        let branch = s.login(phone::SECRETARY_A, crate::support::PASSWORD).await;
        assert_eq!(
            branch.location, "/",
            "a branch administrator keeps the home page"
        );
        let county = app.login(phone::COUNTY_ADMIN).await;
        let page = county.get("/dashboard").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("测试县委（合计）"));
        assert_eq!(row_names(&page.body), vec!["东湖镇党委", "西山乡党委"]);
        // Sorting by members, most first: 东湖 has 4, 西山 2.
        let by_members = county
            .get(&format!(
                "/dashboard?org={}&sort=members&desc=1",
                app.ids.county
            ))
            .await;
        assert_eq!(
            row_names(&by_members.body),
            vec!["东湖镇党委", "西山乡党委"]
        );
        let fewest = county
            .get(&format!("/dashboard?org={}&sort=members", app.ids.county))
            .await;
        assert_eq!(row_names(&fewest.body), vec!["西山乡党委", "东湖镇党委"]);
        // Down a level: the town's branches; then a branch's members.
        let town = county
            .get(&format!("/dashboard?org={}", app.ids.town))
            .await;
        assert_eq!(
            row_names(&town.body),
            vec!["甲村党支部", "乙村党支部"],
            "tree order"
        );
        assert!(
            town.contains("全县平均"),
            "the county's average for comparison"
        );
        let branch = county
            .get(&format!("/dashboard?org={}", app.ids.branch_a))
            .await;
        assert!(branch.contains("id=\"member-figures\"") && branch.contains("张甲"));
        assert!(
            branch.contains("东湖镇党委</a> ›"),
            "a breadcrumb leads back up"
        );
        // A quarter and a year; trends over twelve months.
        for period in ["quarter", "year"] {
            let p = county.get(&format!("/dashboard?period={period}")).await;
            assert_eq!(p.status, 200, "{period}");
        }
        let trend = county
            .get(&format!("/dashboard/trend?org={}", app.ids.town))
            .await;
        assert_eq!(trend.status, 200);
        assert_eq!(trend.body.matches("<svg class=\"trend\"").count(), 7);
        // The table as a spreadsheet: title with the period, the same rows.
        let (status, bytes) = county
            .get_bytes(&format!("/dashboard/export?org={}", app.ids.county))
            .await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&bytes).unwrap();
        assert!(rows[0].cell(0).starts_with("测试县委 数据看板"));
        assert_eq!(rows[1].cell(0), "组织");
        assert_eq!(
            (rows[2].cell(0), rows[2].cell(1)),
            ("测试县委（合计）", "6")
        );
        let names: Vec<&str> = rows[3..].iter().map(|r| r.cell(0)).collect();
        assert_eq!(names, vec!["东湖镇党委", "西山乡党委"]);
        // The wall display reloads itself.
        let wall = county.get("/dashboard/wall").await;
        assert!(wall.contains("data-refresh=\"60\""));
    }
);

both!(
    another_towns_dashboard_and_follow_ups_are_not_found,
    |app: TestApp| async move {
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(town.get("/dashboard").await.status, 200);
        for path in [
            format!("/dashboard?org={}", app.ids.town2),
            format!("/dashboard/trend?org={}", app.ids.town2),
            format!("/dashboard/export?org={}", app.ids.town2),
            format!("/dashboard/wall?org={}", app.ids.town2),
            format!("/dashboard?org={}", app.ids.county),
            format!("/followups/new?org={}", app.ids.branch_c),
        ] {
            assert_eq!(town.get(&path).await.status, 404, "{path}");
        }
        // The county follows up branch C; the town cannot see it.
        let county = app.login(phone::COUNTY_ADMIN).await;
        let sent = county
            .post(
                "/followups",
                &[
                    ("org", &app.ids.branch_c.to_string()),
                    ("topic", "study"),
                    ("message", "本月答题参与率偏低，请组织党员按时答题"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303);
        let id = app.count("SELECT MAX(id) FROM followups").await;
        assert_eq!(town.get(&format!("/followups/{id}")).await.status, 404);
        let answered = town
            .post(&format!("/followups/{id}/answer"), &[("answer", "收到")])
            .await;
        assert_eq!(answered.status, 404);
        // A branch never sends upward, nor to itself.
        let secretary = app.login(phone::SECRETARY_A).await;
        for org in [app.ids.town, app.ids.branch_a, app.ids.county] {
            let up = secretary
                .post(
                    "/followups",
                    &[
                        ("org", &org.to_string()),
                        ("topic", "other"),
                        ("message", "请上级关注"),
                    ],
                )
                .await;
            assert_eq!(up.status, 404, "org {org}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM followups").await, 1);
        // Members have no dashboard.
        let member = app.login(phone::MEMBER_A).await;
        assert_eq!(member.get("/dashboard").await.status, 403);
    }
);

both!(
    a_follow_up_is_read_and_answered_and_the_sender_sees_it,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let form = county
            .get(&format!("/followups/new?org={}", app.ids.branch_a))
            .await;
        assert!(form.contains("督促 · 甲村党支部"));
        let empty = county
            .post("/followups", &[("org", &app.ids.branch_a.to_string())])
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("请选择督促事项"));
        county
            .post(
                "/followups",
                &[
                    ("org", &app.ids.branch_a.to_string()),
                    ("topic", "overdue"),
                    ("message", "十月主题党日未开展，请说明情况"),
                ],
            )
            .await;
        let id = app.count("SELECT MAX(id) FROM followups").await;
        assert!(county.get("/followups").await.contains("未读"));
        // The branch secretary: the bell, then the follow-up, which marks it read.
        let secretary = app.login(phone::SECRETARY_A).await;
        let bell = secretary.get("/notifications").await;
        assert!(bell.contains("上级督促：组织生活逾期（甲村党支部）"));
        let shown = secretary.get(&format!("/followups/{id}")).await;
        assert!(shown.contains("十月主题党日未开展"));
        assert!(county.get("/followups").await.contains("已读"));
        assert!(
            secretary
                .get("/followups")
                .await
                .contains("十月主题党日未开展")
        );
        let blank = secretary
            .post(&format!("/followups/{id}/answer"), &[("answer", "  ")])
            .await;
        assert_eq!(blank.status, 422);
        assert!(blank.contains("此项必填"));
        assert!(county.get("/followups").await.contains("已读"));
        let answered = secretary
            .post(
                &format!("/followups/{id}/answer"),
                &[("answer", "已于11月3日补开，记录已上传")],
            )
            .await;
        assert_eq!(answered.status, 303);
        let list = county.get("/followups").await;
        assert!(list.contains("已回复") && list.contains("已于11月3日补开"));
        assert!(
            county
                .get("/notifications")
                .await
                .contains("甲村党支部已回复督促")
        );
        assert!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('发出督促', '回复督促')")
                .await
                == 2
        );
    }
);

both!(
    members_see_their_towns_colours_and_remind_each_other_once_a_day,
    |app: TestApp| async move {
        let a = app.login(phone::MEMBER_A).await;
        let town = a.get("/town").await;
        assert_eq!(town.status, 200);
        assert!(town.contains("甲村党支部") && town.contains("乙村党支部"));
        assert!(!town.contains("丙村党支部"), "another town");
        assert!(!town.contains("王乙"), "no names from other branches");
        let secretary = app
            .count(&format!(
                "SELECT id FROM members WHERE branch_id = {} AND posts = 'secretary'",
                app.ids.branch_a
            ))
            .await
            .to_string();
        let first = a
            .post(
                "/town/remind",
                &[("member", &secretary), ("topic", "daily")],
            )
            .await;
        assert_eq!(first.status, 303);
        let again = a
            .post(
                "/town/remind",
                &[("member", &secretary), ("topic", "meeting")],
            )
            .await;
        assert_eq!(again.status, 303);
        let sec = app.login(phone::SECRETARY_A).await;
        let bell = sec.get("/notifications").await;
        assert_eq!(bell.body.matches("张甲提醒您").count(), 1, "once a day");
        let other = a
            .post(
                "/town/remind",
                &[
                    ("member", &app.ids.member_b.to_string()),
                    ("topic", "daily"),
                ],
            )
            .await;
        assert_eq!(other.status, 404, "only one's own branch");
    }
);
