use crate::both;
use crate::support::{TestApp, phone, testdata};

both!(
    a_read_counts_only_after_the_minimum_time,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let county = app.ids.county.to_string();
        let bad = editor
            .post_multipart(
                "/articles/new",
                &[
                    ("org", &county),
                    ("title", ""),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("body", ""),
                ],
                vec![("cover", "封面.jpg", b"GIF89a".to_vec())],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("此项必填"));
        assert!(bad.contains("只能上传 JPEG、PNG 或 WebP 格式的照片"));
        let later = editor
            .post_multipart(
                "/articles/new",
                &[
                    ("org", &county),
                    ("title", "明年的文章"),
                    ("source", "求是"),
                    ("column_name", "理论学习"),
                    ("body", "正文"),
                    ("publish_date", "2099-01-01"),
                    ("publish_time", "08:00"),
                ],
                vec![("cover", "封面.jpg", testdata("coffee.jpg"))],
            )
            .await;
        assert_eq!(later.status, 303);
        let ok = editor
            .post_multipart(
                "/articles/new",
                &[
                    ("org", &county),
                    ("title", "深入学习贯彻党的创新理论"),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("tags", "创新理论"),
                    (
                        "body",
                        "## 一、要义\n\n第一段。<script>alert(1)</script>\n\n[图1]\n\n> 引文",
                    ),
                ],
                vec![
                    ("cover", "封面.jpg", testdata("galaxies.jpg")),
                    ("images", "插图.jpg", testdata("rocket.jpg")),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        let a = app.login(phone::MEMBER_A).await;
        let list = a.get("/articles").await;
        assert!(
            list.contains("深入学习贯彻党的创新理论") && !list.contains("明年的文章"),
            "scheduled articles wait"
        );
        assert!(a.get("/articles?q=创新理论").await.contains("深入学习"));
        let later_id = app
            .count("SELECT id FROM articles WHERE title = '明年的文章'")
            .await;
        assert_eq!(a.get(&format!("/articles/{later_id}")).await.status, 404);
        // The scheduled article's cover: its editor sees it, members not yet.
        let later_cover = app
            .count(&format!("SELECT id FROM content_photos WHERE owner_kind = 'article' AND owner_id = {later_id}"))
            .await;
        assert_eq!(a.get(&format!("/photos/{later_cover}")).await.status, 404);
        assert_eq!(
            editor.get(&format!("/photos/{later_cover}")).await.status,
            200
        );
        let id = app
            .count("SELECT id FROM articles WHERE title = '深入学习贯彻党的创新理论'")
            .await;
        let page = a.get(&format!("/articles/{id}")).await;
        assert!(
            page.contains("<h2>一、要义</h2>")
                && page.contains("&lt;script&gt;")
                && !page.contains("<script>alert")
        );
        // The cover on top; the picture where the text names it, before the quote.
        let figure = page
            .body
            .find("<figure><img src=\"/photos/")
            .expect("a picture in the text");
        assert!(figure < page.body.find("<blockquote>").unwrap());
        assert!(page.contains("class=\"cover\""));
        assert!(list.contains("class=\"cover-thumb\""));
        let c = app.login(phone::MEMBER_C).await;
        let pictures = app
            .count(&format!("SELECT COUNT(*) FROM content_photos WHERE owner_kind = 'article' AND owner_id = {id}"))
            .await;
        assert_eq!(pictures, 2);
        let image = app
            .count(&format!(
                "SELECT id FROM content_photos WHERE owner_id = {id} AND role = 'image'"
            ))
            .await;
        assert_eq!(a.get(&format!("/photos/{image}")).await.status, 200);
        assert_eq!(
            c.get(&format!("/photos/{image}")).await.status,
            200,
            "county-wide article"
        );
        // Completed 2 seconds after opening: nothing.
        let early = a.post(&format!("/articles/{id}/done"), &[]).await;
        assert!(a.get(&early.location).await.contains("阅读时间不足"));
        let read_points = format!(
            "SELECT COUNT(*) FROM points_ledger WHERE rule = 'article_read' AND member_id = {}",
            app.ids.member_a
        );
        assert_eq!(app.count(&read_points).await, 0);
        // The county sets the minimum to 45 seconds (3 is refused, nothing changes).
        let bad = editor.post("/points/read-time", &[("seconds", "3")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("最少阅读时间应为5到600之间的整数"));
        let set = editor.post("/points/read-time", &[("seconds", "45")]).await;
        assert_eq!(set.status, 303);
        assert!(
            a.get(&format!("/articles/{id}"))
                .await
                .contains("认真阅读45秒")
        );
        // Reopening does not restart the clock; 40 seconds are not 45.
        sqlx::query("UPDATE article_reads SET started_at = started_at - 40")
            .execute(app.db.pool())
            .await
            .unwrap();
        a.get(&format!("/articles/{id}")).await;
        let short = a.post(&format!("/articles/{id}/done"), &[]).await;
        assert!(a.get(&short.location).await.contains("阅读时间不足45秒"));
        assert_eq!(app.count(&read_points).await, 0);
        // After the minimum time it counts, once.
        sqlx::query("UPDATE article_reads SET started_at = started_at - 10")
            .execute(app.db.pool())
            .await
            .unwrap();
        let done = a.post(&format!("/articles/{id}/done"), &[]).await;
        assert!(a.get(&done.location).await.contains("获得1积分"));
        a.post(&format!("/articles/{id}/done"), &[]).await;
        assert_eq!(app.count(&read_points).await, 1);
        // Members do not publish.
        assert_eq!(a.get("/articles/new").await.status, 403);
    }
);

both!(
    study_milestones_earn_badges_once,
    |app: TestApp| async move {
        let member = app.ids.member_a;
        // Six days of answers before today.
        let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
        let editor = app.login(phone::COUNTY_ADMIN).await;
        editor
            .post(
                "/questions",
                &[
                    ("kind", "judge"),
                    ("stem", "党的全国代表大会每五年举行一次。"),
                    ("answer", "T"),
                    ("explanation", "党章规定。"),
                ],
            )
            .await;
        let q = app.count("SELECT id FROM questions").await;
        for back in 1..=6 {
            let day = dangjian::domain::clock::format_date(today - time::Duration::days(back));
            sqlx::query("INSERT INTO daily_answers (day, member_id, question_id, choice, correct, answered_at) VALUES ($1, $2, $3, 'T', 1, 0)")
            .bind(day)
            .bind(member)
            .bind(q)
            .execute(app.db.pool())
            .await
            .unwrap();
        }
        let a = app.login(phone::MEMBER_A).await;
        a.post("/daily", &[("choice", "T")]).await;
        let profile = a.get(&format!("/members/{member}")).await;
        assert!(profile.contains("每日一题·连续7天"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM badges WHERE source_key = 'study:streak7'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM badges WHERE source_key = 'study:streak30'")
                .await,
            0
        );
    }
);

both!(
    an_article_is_corrected_withdrawn_and_published_again_keeping_its_readers_credits,
    |app: TestApp| async move {
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let county = app.ids.county.to_string();
        let created = [
            ("org", county.as_str()),
            ("title", "学习党张"),
            ("source", "人民日报"),
            ("column_name", "理论学习"),
            ("body", "第一段有错别字：党张。"),
        ];
        let ok = editor
            .post_multipart(
                "/articles/new",
                &created,
                vec![("cover", "封面.jpg", testdata("galaxies.jpg"))],
            )
            .await;
        assert_eq!(ok.status, 303);
        let id = app.count("SELECT id FROM articles").await;
        // 张甲 reads it to the end and is credited once.
        let a = app.login(phone::MEMBER_A).await;
        a.get(&format!("/articles/{id}")).await;
        sqlx::query("UPDATE article_reads SET started_at = started_at - 120")
            .execute(app.db.pool())
            .await
            .unwrap();
        a.post(&format!("/articles/{id}/done"), &[]).await;
        let credits = format!(
            "SELECT COUNT(*) FROM points_ledger WHERE rule = 'article_read' AND member_id = {}",
            app.ids.member_a
        );
        assert_eq!(app.count(&credits).await, 1);
        // The list shows who opened and finished it.
        let manage = editor.get("/articles/manage").await;
        assert!(manage.contains("学习党张") && manage.contains("读完 1 人"));
        // A title left empty is refused at its field and nothing changes.
        let edit = format!("/articles/{id}/edit");
        let bad = editor
            .post_multipart(
                &edit,
                &[
                    ("org", &county),
                    ("title", ""),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("body", "x"),
                ],
                vec![],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("title-error"));
        // The typo fixed: the member sees the fix, keeps the credit, is not credited again.
        let fixed = editor
            .post_multipart(
                &edit,
                &[
                    ("org", &county),
                    ("title", "学习党章"),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("body", "第一段已改正：党章。"),
                ],
                vec![],
            )
            .await;
        assert_eq!(fixed.status, 303);
        let page = a.get(&format!("/articles/{id}")).await;
        assert!(
            page.contains("学习党章") && page.contains("第一段已改正") && !page.contains("党张")
        );
        a.post(&format!("/articles/{id}/done"), &[]).await;
        assert_eq!(app.count(&credits).await, 1);
        // A new cover replaces the old: the old one is shown to nobody, the file kept.
        let old_cover = app
            .count(&format!("SELECT id FROM content_photos WHERE owner_kind = 'article' AND owner_id = {id} AND role = 'cover'"))
            .await;
        let recovered = editor
            .post_multipart(
                &edit,
                &[
                    ("org", &county),
                    ("title", "学习党章"),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("body", "第一段已改正：党章。"),
                ],
                vec![("cover", "新封面.jpg", testdata("rocket.jpg"))],
            )
            .await;
        assert_eq!(recovered.status, 303);
        let new_cover = app
            .count(&format!("SELECT id FROM content_photos WHERE owner_kind = 'article' AND owner_id = {id} AND role = 'cover'"))
            .await;
        assert_ne!(new_cover, old_cover);
        assert_eq!(a.get(&format!("/photos/{old_cover}")).await.status, 404);
        assert_eq!(
            editor.get(&format!("/photos/{old_cover}")).await.status,
            404
        );
        assert_eq!(a.get(&format!("/photos/{new_cover}")).await.status, 200);
        assert!(
            a.get(&format!("/articles/{id}"))
                .await
                .contains(&format!("/photos/{new_cover}"))
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '修改文章' AND detail LIKE '%原标题《学习党张》%'").await,
            1
        );
        // Withdrawn: gone from the list, the page and its cover 404 to members; the credit stays.
        let cover = app
            .count(&format!(
                "SELECT id FROM content_photos WHERE owner_kind = 'article' AND owner_id = {id}"
            ))
            .await;
        assert_eq!(
            editor
                .post(&format!("/articles/{id}/withdraw"), &[])
                .await
                .status,
            303
        );
        assert!(!a.get("/articles").await.contains("学习党章"));
        assert_eq!(a.get(&format!("/articles/{id}")).await.status, 404);
        assert_eq!(a.get(&format!("/photos/{cover}")).await.status, 404);
        assert_eq!(editor.get(&format!("/photos/{cover}")).await.status, 200);
        assert!(editor.get("/articles/manage").await.contains("已撤回"));
        assert_eq!(app.count(&credits).await, 1);
        // Published again.
        assert_eq!(
            editor
                .post(&format!("/articles/{id}/republish"), &[])
                .await
                .status,
            303
        );
        assert!(a.get("/articles").await.contains("学习党章"));
        // Members neither edit nor withdraw.
        assert_eq!(a.get(&edit).await.status, 403);
        assert_eq!(
            a.post(&format!("/articles/{id}/withdraw"), &[])
                .await
                .status,
            403
        );
    }
);
