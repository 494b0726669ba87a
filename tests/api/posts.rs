use crate::both;
use crate::support::{TestApp, phone, stored_files, testdata};

both!(
    posts_are_reviewed_unless_trusted_and_liked_in_scope,
    |app: TestApp| async move {
        let branch_a = app.ids.branch_a.to_string();
        let sec = app.login(phone::SECRETARY_A).await;
        let empty = sec
            .post_multipart("/posts", &[("org", &branch_a), ("body", "")], vec![])
            .await;
        assert_eq!(empty.status, 422);
        // A renamed executable among the photos: nothing is posted or stored, the text stays.
        let text = "甲村党支部开展人居环境整治志愿服务。";
        let fields = [("org", branch_a.as_str()), ("body", text)];
        let exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        let refused = sec
            .post_multipart(
                "/posts",
                &fields,
                vec![
                    ("photos", "a.jpg", testdata("cat.jpg")),
                    ("photos", "b.jpg", exe),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("第2张照片：只能上传 JPEG、PNG 或 WebP 格式的照片"));
        assert!(refused.contains(text), "the text typed is kept");
        assert_eq!(app.count("SELECT COUNT(*) FROM posts").await, 0);
        assert_eq!(stored_files(&app), 0);
        let photos = vec![
            ("photos", "1.jpg", testdata("meeting-with-exif-gps.jpg")),
            ("photos", "2.jpg", testdata("rocket.jpg")),
        ];
        assert_eq!(
            sec.post_multipart("/posts", &fields, photos).await.status,
            303
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM content_photos").await, 2);
        assert_eq!(stored_files(&app), 4, "two photos and their thumbnails");
        let photo = app.count("SELECT MIN(id) FROM content_photos").await;
        let photo = format!("/photos/{photo}");
        let a = app.login(phone::MEMBER_A).await;
        assert!(
            !a.get("/posts").await.contains("人居环境整治"),
            "pending posts wait for review"
        );
        // The branch cannot approve its own post; the town does.
        let id = app.count("SELECT id FROM posts").await;
        assert_eq!(
            sec.post(&format!("/posts/{id}/review"), &[("decision", "approve")])
                .await
                .status,
            404
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        assert!(town.get("/posts").await.contains("review-queue"));
        // The town's menu counts it, on every page; the branch's own does not.
        assert!(town.get("/orgs").await.contains("title=\"1条待审核\""));
        assert!(!sec.get("/orgs").await.contains("条待审核"));
        // While pending, the photos are the author's and the reviewer's only.
        assert_eq!(a.get(&photo).await.status, 404);
        assert_eq!(sec.get(&photo).await.status, 200);
        let (status, jpeg) = town.get_bytes(&format!("{photo}/thumb")).await;
        assert_eq!(status, 200);
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(town.get("/posts").await.contains(&format!("{photo}/thumb")));
        let no_reason = town
            .post(&format!("/posts/{id}/review"), &[("decision", "return")])
            .await;
        assert!(
            town.get(&no_reason.location)
                .await
                .contains("退回时请写明原因")
        );
        assert_eq!(
            town.post(&format!("/posts/{id}/review"), &[("decision", "approve")])
                .await
                .status,
            303
        );
        // Seen across the town, not in the neighbouring one; the author earns points once.
        assert!(a.get("/posts").await.contains("人居环境整治"));
        assert!(
            app.login(phone::MEMBER_B)
                .await
                .get("/posts")
                .await
                .contains("人居环境整治")
        );
        let c = app.login(phone::MEMBER_C).await;
        assert!(!c.get("/posts").await.contains("人居环境整治"));
        assert_eq!(a.get(&photo).await.status, 200);
        assert_eq!(c.get(&photo).await.status, 404, "another town's member");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'post_approved'")
                .await,
            1
        );
        // Likes toggle, in scope only.
        a.post(&format!("/posts/{id}/like"), &[]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM post_likes").await, 1);
        a.post(&format!("/posts/{id}/like"), &[]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM post_likes").await, 0);
        assert_eq!(c.post(&format!("/posts/{id}/like"), &[]).await.status, 404);
        // Trusted, the branch's next post goes out at once.
        assert_eq!(
            town.post(&format!("/posts/trust/{branch_a}"), &[])
                .await
                .status,
            303
        );
        sec.post_multipart(
            "/posts",
            &[("org", &branch_a), ("body", "主题党日：重温入党誓词。")],
            vec![],
        )
        .await;
        assert!(a.get("/posts").await.contains("重温入党誓词"));
    }
);

both!(
    the_author_withdraws_and_a_superior_takes_down_with_a_reason,
    |app: TestApp| async move {
        let branch_a = app.ids.branch_a.to_string();
        let sec = app.login(phone::SECRETARY_A).await;
        let post = |body: &'static str| {
            let sec = &sec;
            let branch_a = branch_a.clone();
            async move {
                sec.post_multipart(
                    "/posts",
                    &[("org", branch_a.as_str()), ("body", body)],
                    vec![],
                )
                .await
            }
        };
        assert_eq!(post("第一条：写错了，撤回。").await.status, 303);
        let first = app.count("SELECT MAX(id) FROM posts").await;
        // Pending, the author withdraws it: the town no longer has it to review.
        assert_eq!(
            sec.post(&format!("/posts/{first}/withdraw"), &[])
                .await
                .status,
            303
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        assert!(!town.get("/posts").await.contains("第一条"));
        assert!(sec.get("/posts").await.contains("已撤回"));
        // Another's post is not theirs to withdraw.
        assert_eq!(
            town.post(&format!("/posts/{first}/withdraw"), &[])
                .await
                .status,
            404
        );
        // Approved, then taken down by the town: a reason is required and the author reads it.
        assert_eq!(post("第二条：村里开展义务植树。").await.status, 303);
        let second = app.count("SELECT MAX(id) FROM posts").await;
        let approved = town
            .post(
                &format!("/posts/{second}/review"),
                &[("decision", "approve")],
            )
            .await;
        assert!(town.get(&approved.location).await.contains("已通过"));
        let member = app.login(phone::MEMBER_A).await;
        assert!(member.get("/posts").await.contains("义务植树"));
        let bare = town
            .post(&format!("/posts/{second}/take-down"), &[("reason", " ")])
            .await;
        assert!(
            town.get(&bare.location)
                .await
                .contains("撤下动态请写明原因")
        );
        assert!(member.get("/posts").await.contains("义务植树"));
        let elsewhere = app.login(phone::SECRETARY_A).await;
        assert_eq!(
            elsewhere
                .post(&format!("/posts/{second}/take-down"), &[("reason", "x")])
                .await
                .status,
            404,
            "the branch is not its own superior"
        );
        let down = town
            .post(
                &format!("/posts/{second}/take-down"),
                &[("reason", "照片含村民身份证信息")],
            )
            .await;
        assert_eq!(down.status, 303);
        assert!(!member.get("/posts").await.contains("义务植树"));
        let mine = sec.get("/posts").await;
        assert!(mine.contains("已被撤下") && mine.contains("照片含村民身份证信息"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('撤回党建新鲜事', '撤下党建新鲜事')").await,
            2
        );
        // Trust is set from the branch's page too, by its superior only.
        let page = town.get(&format!("/orgs/{}", app.ids.branch_a)).await;
        assert!(page.contains("id=\"toggle-trust\""));
        assert!(
            !sec.get(&format!("/orgs/{}", app.ids.branch_a))
                .await
                .contains("toggle-trust")
        );
    }
);
