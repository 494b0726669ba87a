//! 云上擂台: contests from invitation to published result, secretary projects, experiences,
//! veteran secretaries and vanguard posts — with the bad input each refuses.
use crate::both;
use crate::support::{Client, TestApp, phone, testdata};
use dangjian::domain::clock::{format_date, local_date, now_epoch};
use time::Duration;

fn day(offset: i64) -> String {
    format_date(local_date(now_epoch()) + Duration::days(offset))
}

async fn user_id(app: &TestApp, name: &str) -> String {
    app.count(&format!("SELECT id FROM users WHERE name = '{name}'"))
        .await
        .to_string()
}

/// The town's contest: two criteria (60 % and 40 %), the town's administrator judging,
/// branches A and B invited. Its id.
async fn contest(app: &TestApp, town: &Client, held: i64, deadline: i64) -> i64 {
    let judge = user_id(app, "赵镇").await;
    let (town_id, a, b) = (
        app.ids.town.to_string(),
        app.ids.branch_a.to_string(),
        app.ids.branch_b.to_string(),
    );
    let (held, deadline) = (day(held), day(deadline));
    let page = town
        .post(
            "/arena/new",
            &[
                ("org", &town_id),
                ("title", "东湖镇第四季度党支部书记擂台赛"),
                ("period", "第四季度"),
                ("held_on", &held),
                ("deadline", &deadline),
                ("criterion_0", "述职"),
                ("weight_0", "60"),
                ("max_0", "10"),
                ("criterion_1", "实绩"),
                ("weight_1", "40"),
                ("max_1", "10"),
                ("judge", &judge),
                ("invite", &a),
                ("invite", &b),
                ("voting", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    app.count("SELECT MAX(id) FROM contests").await
}

fn entry_fields<'a>(org: &'a str, report: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("org", org),
        ("report", report),
        ("label_0", "集体土地公开发包"),
        ("value_0", "200"),
        ("unit_0", "亩"),
        ("label_1", "村集体年增收"),
        ("value_1", value),
        ("unit_1", "万元"),
    ]
}

both!(
    a_contest_runs_from_invitation_to_a_published_result,
    |app: TestApp| async move {
        let town = app.login(phone::TOWN_ADMIN).await;
        let form = town.get("/arena/new").await;
        assert!(form.contains("甲村党支部") && form.contains("乙村党支部"));
        assert!(
            form.contains("钱县"),
            "the county's administrator may judge"
        );
        // Weights that do not sum to 100 %: the message at the criteria, nothing written.
        let refused = town
            .post(
                "/arena/new",
                &[
                    ("org", &app.ids.town.to_string()),
                    ("title", "擂台赛"),
                    ("period", "第四季度"),
                    ("held_on", &day(7)),
                    ("deadline", &day(5)),
                    ("criterion_0", "述职"),
                    ("weight_0", "60"),
                    ("criterion_1", "实绩"),
                    ("weight_1", "30"),
                    ("invite", &app.ids.branch_a.to_string()),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("各项权重之和应为100%，现在是90%"));
        assert!(refused.contains("请至少选择一位评委"));
        assert_eq!(app.count("SELECT COUNT(*) FROM contests").await, 0);
        let id = contest(&app, &town, 7, 5).await;
        let page = format!("/arena/{id}");
        // Before publication, the other town's member finds nothing and cannot vote.
        let c = app.login(phone::MEMBER_C).await;
        assert_eq!(c.get(&page).await.status, 404);
        assert!(!c.get("/arena").await.contains("东湖镇第四季度"));

        let sec = app.login(phone::SECRETARY_A).await;
        assert!(
            sec.get("/notifications")
                .await
                .contains("擂台赛邀请：东湖镇第四季度党支部书记擂台赛")
        );
        assert!(sec.get(&page).await.contains("提交参赛材料 · 甲村党支部"));
        let a = app.ids.branch_a.to_string();
        let bad = sec
            .post_multipart(
                &format!("{page}/entries"),
                &entry_fields(&a, "述职报告", "十三万"),
                vec![],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("“村集体年增收”的数值应为数字"));
        assert!(bad.contains("述职报告"), "what was typed stays");
        assert_eq!(app.count("SELECT COUNT(*) FROM contest_entries").await, 0);
        let report = "公开招标发包集体土地200亩，村集体年增收13.5万元。";
        let sent = sec
            .post_multipart(
                &format!("{page}/entries"),
                &entry_fields(&a, report, "13.5"),
                vec![("photos", "1.jpg", testdata("cat.jpg"))],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let entry = app.count("SELECT id FROM contest_entries").await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM content_photos WHERE owner_kind = 'entry'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'arena_entry'")
                .await,
            1,
            "the entry earns its secretary points"
        );

        // Only the contest's judges score; to anyone else the entry has no scoring.
        let scores = format!("/arena/entries/{entry}/scores");
        assert_eq!(
            sec.post(&scores, &[("score_0", "9"), ("score_1", "8")])
                .await
                .status,
            404
        );
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert_eq!(
            county
                .post(&scores, &[("score_0", "9"), ("score_1", "8")])
                .await
                .status,
            404
        );
        let out = town
            .post(&scores, &[("score_0", "11"), ("score_1", "8")])
            .await;
        assert_eq!(out.status, 422);
        assert!(out.contains("“述职”的得分应为0到10之间的整数"));
        assert_eq!(app.count("SELECT COUNT(*) FROM entry_scores").await, 0);
        let scored = town
            .post(
                &scores,
                &[
                    ("score_0", "9"),
                    ("score_1", "8"),
                    ("comment", "数据扎实，措施具体"),
                ],
            )
            .await;
        assert_eq!(scored.status, 303);
        // 9/10 × 60 + 8/10 × 40 = 86: the organizer sees it, a voter not yet.
        assert!(town.get(&page).await.contains("86.00"));
        let b = app.login(phone::MEMBER_B).await;
        let before = b.get(&page).await;
        assert_eq!(before.status, 200);
        assert!(!before.contains("86.00") && !before.contains("数据扎实"));

        // A hundred votes at once from one member: one vote.
        let a_member = app.login(phone::MEMBER_A).await;
        let entry_id = entry.to_string();
        let vote = format!("{page}/vote");
        let fields = [("entry", entry_id.as_str())];
        let votes = (0..100).map(|_| a_member.post(&vote, &fields));
        for v in futures_util::future::join_all(votes).await {
            assert_eq!(v.status, 303);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM contest_votes").await, 1);
        assert_eq!(c.post(&vote, &[("entry", &entry_id)]).await.status, 404);

        assert_eq!(town.post(&format!("{page}/publish"), &[]).await.status, 303);
        assert!(app.count("SELECT published_at FROM contests").await > 0);
        // Published: the whole county reads it, the result and its breakdown, not the comments.
        let column = c.get("/arena").await;
        assert!(column.contains("东湖镇第四季度党支部书记擂台赛"));
        assert!(column.contains("东湖镇党委 <strong>1</strong>场"));
        let public = c.get(&page).await;
        assert!(public.contains("86.00") && public.contains("甲村党支部"));
        assert!(!public.contains("数据扎实"));
        assert_eq!(
            c.get(&format!("/arena/orgs/{}", app.ids.branch_a))
                .await
                .status,
            200
        );

        assert!(sec.get("/notifications").await.contains("擂台赛结果已发布"));
        // An edit after publication keeps what the entry said, and the audit log says so.
        let edited = sec
            .post_multipart(
                &format!("{page}/entries"),
                &entry_fields(&a, "更正：年增收14万元。", "14"),
                vec![],
            )
            .await;
        assert_eq!(edited.status, 303);
        assert_eq!(app.count("SELECT COUNT(*) FROM entry_revisions").await, 1);
        let shown = c.get(&format!("/arena/entries/{entry}")).await;
        assert!(shown.contains("修改记录") && shown.contains(report));
        assert!(shown.contains("更正：年增收14万元。"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '修改擂台赛参赛材料' AND detail = '结果发布后修改'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'arena_entry'")
                .await,
            1,
            "an edit earns nothing more"
        );
    }
);

both!(
    an_entry_after_the_deadline_is_refused,
    |app: TestApp| async move {
        let town = app.login(phone::TOWN_ADMIN).await;
        let id = contest(&app, &town, -1, -2).await;
        let sec = app.login(phone::SECRETARY_A).await;
        let a = app.ids.branch_a.to_string();
        let late = sec
            .post_multipart(
                &format!("/arena/{id}/entries"),
                &entry_fields(&a, "述职报告", "13.5"),
                vec![],
            )
            .await;
        assert_eq!(late.status, 422);
        assert!(late.contains(&format!("报名已于{}截止", day(-2))));
        assert_eq!(app.count("SELECT COUNT(*) FROM contest_entries").await, 0);
        // Nothing to publish without entries.
        let publish = town.post(&format!("/arena/{id}/publish"), &[]).await;
        let after = town.get(&publish.location).await;
        assert!(
            after.contains("还没有参赛材料"),
            "{} {} {}",
            publish.status,
            publish.location,
            after.body
        );
    }
);

both!(
    a_secretary_project_flags_overdue_milestones_and_earns_points_for_progress,
    |app: TestApp| async move {
        let sec = app.login(phone::SECRETARY_A).await;
        let a = app.ids.branch_a.to_string();
        let member = app.ids.member_a.to_string();
        let owner = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await
            .to_string();
        let (start, early, past, later) = (day(-60), day(-61), day(-30), day(30));
        let mut fields = vec![
            ("org", a.as_str()),
            ("owner", owner.as_str()),
            ("title", "发展有机果蔬采摘园"),
            ("goal", "盘活闲置土地"),
            ("targets", "投资100万元以上"),
            ("started_on", start.as_str()),
            ("milestone_0", "流转土地"),
            ("due_0", early.as_str()),
        ];
        let refused = sec.post("/projects/new", &fields).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("“流转土地”的日期不能早于项目开始日期"));
        assert_eq!(app.count("SELECT COUNT(*) FROM projects").await, 0);
        fields[7] = ("due_0", past.as_str());
        fields.extend([("milestone_1", "建成采摘园"), ("due_1", later.as_str())]);
        fields[1] = ("owner", member.as_str());
        // Any member of the branch may be the one responsible.
        let registered = sec.post("/projects/new", &fields).await;
        assert_eq!(registered.status, 303, "{}", registered.body);
        let id = app.count("SELECT id FROM projects").await;
        let page = format!("/projects/{id}");
        let c = app.login(phone::MEMBER_C).await;
        let seen = c.get(&page).await;
        assert!(
            seen.contains("已逾期") && seen.contains("有逾期"),
            "county-wide, flagged"
        );
        assert!(
            c.get("/projects?status=overdue")
                .await
                .contains("发展有机果蔬采摘园")
        );
        assert!(
            !c.get("/projects?status=done")
                .await
                .contains("发展有机果蔬采摘园")
        );
        // Progress with a photo earns points; a member elsewhere cannot report.
        let update = sec
            .post_multipart(
                &format!("{page}/updates"),
                &[("body", "完成土地流转200亩")],
                vec![("photos", "1.jpg", testdata("rocket.jpg"))],
            )
            .await;
        assert_eq!(update.status, 303);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'project_update'")
                .await,
            1
        );
        assert!(c.get(&page).await.contains("完成土地流转200亩"));
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(
            sec.post(&format!("{page}/comments"), &[("body", "好")])
                .await
                .status,
            404
        );
        assert_eq!(
            town.post(&format!("{page}/comments"), &[("body", "进度要抓紧")])
                .await
                .status,
            303
        );
        let milestone = app
            .count("SELECT MIN(id) FROM project_milestones")
            .await
            .to_string();
        assert_eq!(
            sec.post(&format!("{page}/done"), &[("milestone", &milestone)])
                .await
                .status,
            303
        );
        let after = c.get(&page).await;
        assert!(after.contains("进度要抓紧") && !after.contains("已逾期"));
    }
);

both!(
    experiences_are_reviewed_then_marked_useful_in_the_town,
    |app: TestApp| async move {
        let a = app.login(phone::MEMBER_A).await;
        let empty = a
            .post_multipart("/experiences", &[("title", ""), ("body", "做法")], vec![])
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("请填写标题"));
        let exe = b"MZ\x90\x00".to_vec();
        let bad_file = a
            .post_multipart(
                "/experiences",
                &[("title", "四议两公开"), ("body", "村里大事一起商量")],
                vec![("files", "做法.docx", exe)],
            )
            .await;
        assert_eq!(bad_file.status, 422);
        assert!(bad_file.contains("附件只能是 PDF、Word 或 Excel 文件"));
        assert_eq!(app.count("SELECT COUNT(*) FROM experiences").await, 0);
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec();
        let sent = a
            .post_multipart(
                "/experiences",
                &[("title", "四议两公开"), ("body", "村里大事一起商量")],
                vec![
                    ("files", "做法.pdf", pdf),
                    ("photos", "1.jpg", testdata("cat.jpg")),
                ],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let id = app.count("SELECT id FROM experiences").await;
        let page = format!("/experiences/{id}");
        let c = app.login(phone::MEMBER_C).await;
        assert_eq!(c.get(&page).await.status, 404, "not published yet");
        let sec = app.login(phone::SECRETARY_A).await;
        assert_eq!(
            sec.post(&format!("{page}/review"), &[("decision", "approve")])
                .await
                .status,
            404,
            "the branch does not review its own"
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        assert!(town.get("/experiences").await.contains("review-queue"));
        assert_eq!(
            town.post(&format!("{page}/review"), &[("decision", "approve")])
                .await
                .status,
            303
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'experience_approved'")
                .await,
            1
        );
        assert_eq!(c.get(&page).await.status, 200);
        let file = app.count("SELECT id FROM experience_files").await;
        let (status, bytes) = c.get_bytes(&format!("/experiences/files/{file}")).await;
        assert_eq!(status, 200);
        assert!(bytes.starts_with(b"%PDF"));
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.post(&format!("{page}/useful"), &[]).await.status, 303);
        assert_eq!(app.count("SELECT COUNT(*) FROM experience_useful").await, 1);
        let list = b.get("/experiences").await;
        assert!(
            list.contains("甲村党支部 · 1人觉得有用"),
            "学一学 比一比 of the town"
        );
        // The other town learns from it in the county's list, not in its own town's top.
        let other = c.get("/experiences").await;
        assert!(other.contains("四议两公开") && !other.contains("甲村党支部 · 1人觉得有用"));
    }
);

both!(
    veteran_secretaries_and_vanguard_posts_are_shown_county_wide,
    |app: TestApp| async move {
        sqlx::query("UPDATE members SET veteran = 1 WHERE name = '李书记'")
            .execute(app.db.pool())
            .await
            .unwrap();
        let secretary = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await;
        let c = app.login(phone::MEMBER_C).await;
        let roster = c.get("/veterans").await;
        assert!(roster.contains("李书记") && roster.contains("东湖镇党委 <strong>1</strong>名"));
        assert!(
            !roster.contains("张甲"),
            "only veterans who are secretaries"
        );
        let sec = app.login(phone::SECRETARY_A).await;
        let story = "在部队服役五年，回村后带头修路。";
        assert_eq!(
            sec.post(&format!("/veterans/{secretary}/story"), &[("story", story)])
                .await
                .status,
            303
        );
        assert!(
            c.get(&format!("/veterans/{secretary}"))
                .await
                .contains(story)
        );
        assert_eq!(
            c.post(&format!("/veterans/{secretary}/story"), &[("story", "x")])
                .await
                .status,
            403
        );
        assert_eq!(
            c.get(&format!("/veterans/{}", app.ids.member_a))
                .await
                .status,
            404
        );

        let town = app.login(phone::TOWN_ADMIN).await;
        let category = app
            .count("SELECT id FROM vanguard_categories WHERE name = '后勤服务示范岗'")
            .await
            .to_string();
        let member = app.ids.member_a.to_string();
        let missing = town
            .post_multipart(
                "/vanguard/manage",
                &[
                    ("category", &category),
                    ("member", &member),
                    ("title", "便民服务窗口"),
                ],
                vec![],
            )
            .await;
        assert_eq!(missing.status, 422);
        assert!(missing.contains("请填写岗位职责与事迹"));
        let fields = [
            ("category", category.as_str()),
            ("member", &member),
            ("title", "便民服务窗口"),
            ("description", "首问负责，一次告知"),
        ];
        let added = town
            .post_multipart(
                "/vanguard/manage",
                &fields,
                vec![("photo", "p.jpg", testdata("cat.jpg"))],
            )
            .await;
        assert_eq!(added.status, 303);
        assert!(
            c.get(&format!("/vanguard?category={category}"))
                .await
                .contains("便民服务窗口")
        );
        let other = app
            .count("SELECT id FROM vanguard_categories WHERE name = '教学示范岗'")
            .await;
        assert!(
            !c.get(&format!("/vanguard?category={other}"))
                .await
                .contains("便民服务窗口")
        );
        // Categories are the county's to add.
        assert_eq!(
            town.post("/vanguard/categories", &[("name", "窗口示范岗")])
                .await
                .status,
            404
        );
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert_eq!(
            county
                .post("/vanguard/categories", &[("name", "窗口示范岗")])
                .await
                .status,
            303
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM vanguard_categories").await,
            5
        );
        assert_eq!(c.get("/joint").await.status, 200);
    }
);
