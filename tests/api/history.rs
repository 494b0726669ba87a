use crate::both;
use crate::support::{TestApp, phone};

both!(
    members_contribute_editors_publish_and_today_shows_it,
    |app: TestApp| async move {
        let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
        let (m, d) = ((today.month() as u8).to_string(), today.day().to_string());
        let a = app.login(phone::MEMBER_A).await;
        let bad = a
            .post(
                "/history",
                &[
                    ("month", "2"),
                    ("day", "30"),
                    ("year", "1700"),
                    ("title", ""),
                    ("body", "x"),
                    ("source", "史料"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        for msg in ["请填写有效的月和日", "年份应在1800到", "此项必填"] {
            assert!(bad.contains(msg), "{msg}");
        }
        let ok = a
            .post(
                "/history",
                &[
                    ("month", &m),
                    ("day", &d),
                    ("year", "1949"),
                    ("title", "测试条目<script>alert(1)</script>"),
                    ("body", "<script>alert('x')</script>正文"),
                    ("source", "《中国共产党简史》"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        assert!(
            !a.get("/").await.contains("history-card"),
            "pending entries are not shown"
        );
        // Members do not review.
        assert_eq!(a.get("/history/review").await.status, 403);
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let id = app.count("SELECT id FROM history_entries").await;
        let no_reason = editor
            .post(&format!("/history/{id}/review"), &[("decision", "return")])
            .await;
        assert!(
            editor
                .get(&no_reason.location)
                .await
                .contains("退回时请写明原因")
        );
        assert_eq!(
            editor
                .post(&format!("/history/{id}/review"), &[("decision", "approve")])
                .await
                .status,
            303
        );
        let home = a.get("/").await;
        assert!(home.contains("history-card") && home.contains("1949年"));
        let page = a.get("/history").await;
        assert!(
            (page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"))
                && !page.contains("<script>alert"),
            "markup is shown as text"
        );
        let earned = app
        .count(&format!("SELECT CAST(COALESCE(SUM(lifetime_delta), 0) AS BIGINT) FROM points_ledger WHERE member_id = {} AND rule = 'history_approved'", app.ids.member_a))
        .await;
        assert_eq!(earned, 2);
        // Reviewing twice changes nothing.
        editor
            .post(&format!("/history/{id}/review"), &[("decision", "approve")])
            .await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'history_approved'")
                .await,
            1
        );
    }
);

both!(
    any_day_of_the_year_can_be_browsed,
    |app: TestApp| async move {
        use dangjian::domain::clock::{
            local_date, month_day, month_day_label, now_epoch, shift_month_day,
        };
        // Days relative to today, so that none of them is today whatever the date.
        let today = month_day(local_date(now_epoch()));
        let (empty, full) = (
            shift_month_day(&today, 1).unwrap(),
            shift_month_day(&today, 2).unwrap(),
        );
        sqlx::query(
            "INSERT INTO history_entries (month_day, year, title, body, source, status, created_at) \
             VALUES ($1, 1921, '示例事件', '示例内容。', '党史', 'approved', 0)",
        )
        .bind(&full)
        .execute(app.db.pool())
        .await
        .unwrap();
        let a = app.login(phone::MEMBER_A).await;
        let label = month_day_label(&full).unwrap();
        let day = a.get(&format!("/history?day={full}")).await;
        assert!(day.contains("示例事件") && day.contains(&format!("党史上的{label}")));
        assert!(day.contains(&format!("href=\"/history?day={empty}\" rel=\"prev\"")));
        // A day without entries points to the next one that has some.
        let page = a.get(&format!("/history?day={empty}")).await;
        assert!(page.contains("这一天还没有条目"));
        assert!(page.contains(&format!(
            "<a href=\"/history?day={full}\" id=\"next-with-entries\">{label}</a>"
        )));
        // Round the year, and through the leap day.
        let wrapped = a
            .get(&format!(
                "/history?day={}",
                shift_month_day(&full, 1).unwrap()
            ))
            .await;
        assert!(wrapped.contains(&format!("/history?day={full}\" id=\"next-with-entries\"")));
        assert!(
            a.get("/history?day=02-29")
                .await
                .contains("href=\"/history?day=03-01\"")
        );
        // No such day: today's page.
        assert!(a.get("/history?day=02-30").await.contains("党史上的今天"));
    }
);

both!(
    an_editor_corrects_and_takes_down_a_published_entry,
    |app: TestApp| async move {
        let a = app.login(phone::MEMBER_A).await;
        let entry = |title: &'static str| {
            [
                ("month", "7"),
                ("day", "1"),
                ("year", "1921"),
                ("title", title),
                ("body", "中国共产党成立。"),
                ("source", "《中国共产党简史》"),
            ]
        };
        assert_eq!(
            a.post("/history", &entry("中国共产党成力")).await.status,
            303
        );
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let id = app.count("SELECT id FROM history_entries").await;
        let approved = editor
            .post(&format!("/history/{id}/review"), &[("decision", "approve")])
            .await;
        editor.get(&approved.location).await;
        let day = editor.get("/history?day=07-01").await;
        assert!(day.contains("中国共产党成力") && day.contains(&format!("/history/{id}/edit")));
        assert!(
            !a.get("/history?day=07-01").await.contains("/edit\""),
            "members do not edit"
        );
        // A title left empty is refused at its field; the typo fixed, it stays published.
        let edit = format!("/history/{id}/edit");
        assert!(editor.get(&edit).await.contains("value=\"1921\""));
        let mut bad = entry("");
        bad[3] = ("title", "");
        let refused = editor.post(&edit, &bad).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("title-error"));
        assert_eq!(
            editor.post(&edit, &entry("中国共产党成立")).await.status,
            303
        );
        let fixed = a.get("/history?day=07-01").await;
        assert!(fixed.contains("中国共产党成立") && !fixed.contains("成力"));
        // Taken down: off the calendar, the contributor's point stays, audited.
        let points = format!(
            "SELECT COUNT(*) FROM points_ledger WHERE rule = 'history_approved' AND member_id = {}",
            app.ids.member_a
        );
        assert_eq!(app.count(&points).await, 1);
        assert_eq!(
            editor
                .post(&format!("/history/{id}/unpublish"), &[])
                .await
                .status,
            303
        );
        let after = a.get("/history?day=07-01").await;
        assert!(!after.contains("1921年 · 中国共产党成立"));
        assert!(
            after.contains("已撤回"),
            "the contributor sees what became of it"
        );
        assert_eq!(app.count(&points).await, 1);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('修改党史上的今天', '撤下党史上的今天')").await,
            2
        );
        assert_eq!(
            a.post(&format!("/history/{id}/unpublish"), &[])
                .await
                .status,
            403
        );
    }
);
