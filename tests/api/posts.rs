use crate::both;
use crate::support::{TestApp, phone};

both!(
    posts_are_reviewed_unless_trusted_and_liked_in_scope,
    |app: TestApp| async move {
        let branch_a = app.ids.branch_a.to_string();
        let sec = app.login(phone::SECRETARY_A).await;
        let empty = sec
            .post("/posts", &[("org", &branch_a), ("body", "")])
            .await;
        assert_eq!(empty.status, 422);
        assert_eq!(
            sec.post(
                "/posts",
                &[
                    ("org", &branch_a),
                    ("body", "甲村党支部开展人居环境整治志愿服务。")
                ]
            )
            .await
            .status,
            303
        );
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
        sec.post(
            "/posts",
            &[("org", &branch_a), ("body", "主题党日：重温入党誓词。")],
        )
        .await;
        assert!(a.get("/posts").await.contains("重温入党誓词"));
    }
);
