use crate::both;
use crate::support::{TestApp, phone};

both!(
    one_answer_a_day_with_points_share_text_and_branch_summary,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let bad = editor
            .post(
                "/questions",
                &[
                    ("kind", "single"),
                    ("stem", ""),
                    ("options", "只有一个"),
                    ("answer", "E"),
                    ("explanation", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        for msg in ["此项必填", "请填写2到6个选项", "单选题答案填一个选项字母"]
        {
            assert!(bad.contains(msg), "{msg}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 0);
        let a = app.login(phone::MEMBER_A).await;
        assert!(a.get("/daily").await.contains("题库还没有题目"));
        let ok = editor
            .post(
                "/questions",
                &[
                    ("kind", "single"),
                    ("stem", "中国共产党第一次全国代表大会在哪一年召开？"),
                    ("options", "1919年\n1921年\n1927年\n1949年"),
                    ("answer", "b"),
                    ("explanation", "1921年7月，中共一大在上海召开。"),
                    ("tags", "党史"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        // A member answers; a second, simultaneous answer changes nothing.
        let page = a.get("/daily").await;
        assert!(page.contains("中国共产党第一次全国代表大会"));
        let (r1, r2) = tokio::join!(
            a.post("/daily", &[("choice", "B")]),
            a.post("/daily", &[("choice", "A")])
        );
        assert_eq!((r1.status, r2.status), (200, 200));
        assert_eq!(app.count("SELECT COUNT(*) FROM daily_answers").await, 1);
        let daily_points = app
        .count(&format!("SELECT CAST(COALESCE(SUM(lifetime_delta), 0) AS BIGINT) FROM points_ledger WHERE member_id = {} AND rule LIKE 'daily%'", app.ids.member_a))
        .await;
        let (choice,): (String,) = sqlx::query_as("SELECT choice FROM daily_answers")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(daily_points, if choice == "B" { 3 } else { 1 });
        let after = a.get("/daily").await;
        assert!(after.contains("正确答案：<strong id=\"daily-answer\">B</strong>"));
        assert!(after.contains("【每日一题】") && after.contains("解析：1921年7月"));
        // Invalid shapes are refused with a message.
        let b = app.login(phone::MEMBER_B).await;
        let none = b.post("/daily", &[]).await;
        assert_eq!(none.status, 422);
        assert!(none.contains("请选择一个答案"));
        // The branch secretary sees who answered and gets a summary to copy.
        let sec = app.login(phone::SECRETARY_A).await;
        let summary = sec.get(&format!("/orgs/{}/daily", app.ids.branch_a)).await;
        assert!(summary.contains("已答1人") && summary.contains("尚未作答"));
        assert_eq!(
            sec.get(&format!("/orgs/{}/daily", app.ids.branch_b))
                .await
                .status,
            404
        );
        // Members do not edit the bank.
        assert_eq!(a.get("/questions").await.status, 403);
    }
);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

both!(
    an_xlsx_with_a_bad_row_imports_nothing_and_names_the_row,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        // The template downloads as a workbook our own import accepts as it is.
        let (status, template) = editor.get_bytes("/questions/template.xlsx").await;
        assert_eq!(status, 200);
        // Written by xlsxwriter (shared strings): row 3 answers E with four options.
        let bad = editor
            .upload(
                "/questions/import",
                "file",
                "题库.xlsx",
                fixture("questions-bad-row.xlsx"),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("没有导入任何题目"));
        assert!(
            bad.contains("第3行 答案：单选题答案填一个选项字母"),
            "{}",
            bad.body
        );
        assert!(!bad.contains("第2行"), "only the bad row is named");
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 0);
        // Not a workbook at all.
        let exe = editor
            .upload(
                "/questions/import",
                "file",
                "题库.xlsx",
                b"MZ\x90\x00\x03".to_vec(),
            )
            .await;
        assert_eq!(exe.status, 422);
        assert!(exe.contains("文件不是 Excel（.xlsx、.xls）或 CSV 表格"));
        // Written by openpyxl (inline strings): all three go in, kinds and answers in words.
        let good = editor
            .upload(
                "/questions/import",
                "file",
                "题库.xlsx",
                fixture("questions-good.xlsx"),
            )
            .await;
        assert_eq!(good.status, 303);
        let list = editor.get("/questions").await;
        assert!(list.contains("已从表格导入3道题"));
        assert!(list.contains("党员的权利包括哪些？"));
        let (answer, difficulty): (String, i64) =
            sqlx::query_as("SELECT answer, difficulty FROM questions WHERE kind = 'multiple'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!((answer.as_str(), difficulty), ("ABC", 2));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM questions WHERE kind = 'judge' AND answer = 'T'")
                .await,
            1
        );
        // The same file again: every row is already in the bank, so nothing is added.
        let again = editor
            .upload(
                "/questions/import",
                "file",
                "题库.xlsx",
                fixture("questions-good.xlsx"),
            )
            .await;
        assert_eq!(again.status, 422);
        assert!(again.contains("第4行 题目：题库中已有这道题"));
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 3);
        // The template itself imports its three examples.
        let tpl = editor
            .upload("/questions/import", "file", "模板.xlsx", template)
            .await;
        assert_eq!(tpl.status, 303, "{}", tpl.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 6);
        // A member may not import.
        let member = app.login(phone::MEMBER_A).await;
        let refused = member
            .upload(
                "/questions/import",
                "file",
                "题库.xlsx",
                fixture("questions-good.xlsx"),
            )
            .await;
        assert_eq!(refused.status, 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 6);
    }
);

both!(
    a_true_or_false_answer_reads_as_words,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let ok = editor
            .post(
                "/questions",
                &[
                    ("kind", "judge"),
                    ("stem", "中国共产党第一次全国代表大会于1921年召开。"),
                    ("options", ""),
                    ("answer", "正确"),
                    ("explanation", "1921年7月，中共一大在上海召开。"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let a = app.login(phone::MEMBER_A).await;
        let answered = a.post("/daily", &[("choice", "F")]).await;
        assert_eq!(answered.status, 200);
        assert!(
            answered
                .contains("您的答案：错误　正确答案：<strong id=\"daily-answer\">正确</strong>"),
            "{}",
            answered.body
        );
        assert!(!a.get("/daily").await.contains("您的答案：F"));
    }
);

both!(
    a_question_is_flagged_corrected_and_retired_without_changing_what_was_asked,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        for (stem, answer) in [
            ("中国共产党第一次全国代表大会在哪一年召开？", "A"),
            ("党的最高领导机关是？", "B"),
        ] {
            let ok = editor
                .post(
                    "/questions",
                    &[
                        ("kind", "single"),
                        ("stem", stem),
                        ("options", "1919年\n1921年\n1927年"),
                        ("answer", answer),
                        ("explanation", "见党史。"),
                    ],
                )
                .await;
            assert_eq!(ok.status, 303);
        }
        let (first, second) = (
            app.count("SELECT MIN(id) FROM questions").await,
            app.count("SELECT MAX(id) FROM questions").await,
        );
        // Today's question has a wrong answer (A); 张甲 answers and says so.
        let a = app.login(phone::MEMBER_A).await;
        assert!(a.get("/daily").await.contains("第一次全国代表大会"));
        a.post("/daily", &[("choice", "B")]).await;
        let empty = a.post("/daily/flag", &[("reason", " ")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("reason-error") && empty.contains("请写明题目哪里有误"));
        let flagged = a
            .post("/daily/flag", &[("reason", "应为1921年，即B")])
            .await;
        assert_eq!(flagged.status, 303);
        assert!(a.get(&flagged.location).await.contains("感谢指正"));
        let twice = a.post("/daily/flag", &[("reason", "再说一次")]).await;
        assert!(a.get(&twice.location).await.contains("您已提交过"));
        let queue = editor.get("/questions").await;
        assert!(queue.contains("党员纠错（1道题）") && queue.contains("应为1921年，即B"));
        // Corrected: the queue is empty, the change audited; today keeps the question as asked.
        let edit = format!("/questions/{first}/edit");
        assert!(editor.get(&edit).await.contains("第一次全国代表大会"));
        let bad = editor
            .post(
                &edit,
                &[
                    ("kind", "single"),
                    ("stem", ""),
                    ("options", "甲\n乙"),
                    ("answer", "B"),
                    ("explanation", "x"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("stem-error"));
        let fixed = editor
            .post(
                &edit,
                &[
                    ("kind", "single"),
                    ("stem", "中共一大在哪一年召开？（已改正）"),
                    ("options", "1919年\n1921年\n1927年"),
                    ("answer", "B"),
                    ("explanation", "1921年7月，中共一大在上海召开。"),
                ],
            )
            .await;
        assert_eq!(fixed.status, 303);
        assert!(!editor.get("/questions").await.contains("党员纠错"));
        let today = a.get("/daily").await;
        assert!(today.contains("第一次全国代表大会") && !today.contains("已改正"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '修改题目'")
                .await,
            1
        );
        // The second question retired: a later day asks the corrected first one, though the
        // second was used less.
        assert_eq!(
            editor
                .post(&format!("/questions/{second}/retire"), &[])
                .await
                .status,
            303
        );
        let later = dangjian::store::daily::for_day(&app.db, "2099-01-01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(later.id, first);
        assert!(later.stem.contains("已改正"));
        assert!(editor.get("/questions").await.contains("已停用"));
        // Members do not edit the bank.
        assert_eq!(a.get(&edit).await.status, 403);
    }
);

both!(
    a_towns_editor_reads_the_county_bank_but_does_not_change_it,
    |app: TestApp| async move {
        let user = dangjian::store::users::by_phone(&app.db, &app.keys, phone::TOWN_ADMIN)
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut tx = app.db.begin().await.unwrap();
        dangjian::store::users::add_grant(
            tx.conn(),
            user,
            dangjian::domain::policy::Role::ContentEditor,
            Some(app.ids.town),
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let county = app.login(phone::COUNTY_ADMIN).await;
        county
            .post(
                "/questions",
                &[
                    ("kind", "single"),
                    ("stem", "党的最高领导机关是？"),
                    ("options", "甲\n乙"),
                    ("answer", "A"),
                    ("explanation", "见党章。"),
                ],
            )
            .await;
        let id = app.count("SELECT id FROM questions").await;
        let town = app.login(phone::TOWN_ADMIN).await;
        let bank = town.get("/questions").await;
        assert_eq!(bank.status, 200);
        assert!(bank.contains("党的最高领导机关") && bank.contains("id=\"read-only\""));
        assert!(
            !bank.contains("method=\"post\" action=\"/questions\""),
            "no form to add"
        );
        let add = [
            ("kind", "single"),
            ("stem", "镇里的题"),
            ("options", "甲\n乙"),
            ("answer", "A"),
            ("explanation", "x"),
        ];
        assert_eq!(town.post("/questions", &add).await.status, 404);
        assert_eq!(town.get(&format!("/questions/{id}/edit")).await.status, 404);
        assert_eq!(
            town.post(&format!("/questions/{id}/retire"), &[])
                .await
                .status,
            404
        );
        assert_eq!(town.get("/history/review").await.status, 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM questions").await, 1);
        // The town's editor publishes to the town.
        let form = town.get("/articles/new").await;
        assert!(form.contains(&format!("value=\"{}\"", app.ids.town)));
        assert!(!form.contains(&format!("value=\"{}\"", app.ids.county)));
    }
);

both!(
    a_past_days_question_reads_as_it_was_asked,
    |app: TestApp| async move {
        use dangjian::domain::clock::{format_date, local_date, now_epoch};
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let fields = |stem: &'static str| {
            [
                ("kind", "single"),
                ("stem", stem),
                ("options", "1919年\n1921年"),
                ("answer", "B"),
                ("explanation", "1921年7月。"),
            ]
        };
        editor
            .post("/questions", &fields("中共一大召开于哪一年（原题）？"))
            .await;
        let id = app.count("SELECT id FROM questions").await;
        let today = local_date(now_epoch());
        let yesterday = format_date(today - time::Duration::days(1));
        dangjian::store::daily::for_day(&app.db, &yesterday)
            .await
            .unwrap()
            .unwrap();
        let edited = editor
            .post(
                &format!("/questions/{id}/edit"),
                &fields("中共一大召开于哪一年（改正后）？"),
            )
            .await;
        assert_eq!(edited.status, 303);
        let a = app.login(phone::MEMBER_A).await;
        let past = a.get(&format!("/daily/{yesterday}")).await;
        assert_eq!(past.status, 200);
        assert!(past.contains("（原题）") && past.contains("当天未作答"));
        assert!(past.contains("<strong id=\"daily-answer\">B</strong>"));
        assert!(!past.contains("daily-form"), "no answering a day gone by");
        assert!(
            a.get("/daily")
                .await
                .contains(&format!("href=\"/daily/{yesterday}\""))
        );
        for day in [
            format_date(today),
            "2999-01-01".to_string(),
            "昨天".to_string(),
        ] {
            assert_eq!(a.get(&format!("/daily/{day}")).await.status, 404, "{day}");
        }
    }
);
