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
