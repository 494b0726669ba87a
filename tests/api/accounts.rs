use crate::both;
use crate::support::{Client, PASSWORD, TestApp, phone};

both!(
    wrong_password_shows_a_message_and_lockout_follows,
    |app: TestApp| async move {
        let mut c = app.client();
        let page = c.login(phone::MEMBER_A, "Wrong@pass1").await;
        assert_eq!(page.status, 422);
        assert!(page.contains("手机号或密码错误"));
        assert!(
            page.contains(phone::MEMBER_A),
            "the phone is kept in the form"
        );
        for _ in 0..3 {
            c.login(phone::MEMBER_A, "Wrong@pass1").await;
        }
        let fifth = c.login(phone::MEMBER_A, "Wrong@pass1").await;
        assert!(fifth.contains("账号已锁定15分钟"), "{}", fifth.body);
        // Even the right password is refused while locked.
        let locked = c.login(phone::MEMBER_A, PASSWORD).await;
        assert_eq!(locked.status, 422);
        assert!(locked.contains("账号已锁定"));
        let failures = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = '登录' AND result = '失败'")
            .await;
        assert_eq!(failures, 6);
        // An unknown phone gets the same message, and is audited too.
        let unknown = c.login("13999999999", PASSWORD).await;
        assert!(unknown.contains("手机号或密码错误"));
        // The lock ends when its time has passed.
        sqlx::query("UPDATE users SET locked_until = 1")
            .execute(app.db.pool())
            .await
            .unwrap();
        assert_eq!(c.login(phone::MEMBER_A, PASSWORD).await.status, 303);
    }
);

both!(
    a_new_session_id_at_login_and_logout_ends_it,
    |app: TestApp| async move {
        let mut c = app.client();
        let fixed = "a".repeat(64);
        let url: reqwest::Url = app.base.parse().unwrap();
        // A session id planted before login is never adopted.
        let jar = reqwest::cookie::Jar::default();
        jar.add_cookie_str(&format!("dj_session={fixed}"), &url);
        c.http = reqwest::Client::builder()
            .cookie_provider(std::sync::Arc::new(jar))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        c.login(phone::MEMBER_A, PASSWORD).await;
        let sessions: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
        assert_eq!(sessions.len(), 1);
        assert_ne!(sessions[0].0, dangjian::store::sessions::hash_token(&fixed));
        // Logging in again gives another id and ends the first.
        let mut first = app.login(phone::MEMBER_A).await;
        first.refresh_csrf().await;
        let second = app.login(phone::MEMBER_A).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 3);
        let out = first.post("/logout", &[]).await;
        assert_eq!(out.status, 303);
        assert_eq!(first.get("/").await.location, "/login");
        assert_eq!(second.get("/").await.status, 200, "other sessions go on");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2);
    }
);

both!(idle_sessions_end, |app: TestApp| async move {
    let c = app.login(phone::MEMBER_A).await;
    assert_eq!(c.get("/").await.status, 200);
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(c.get("/").await.location, "/login");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
});

both!(
    state_changes_need_the_csrf_token,
    |app: TestApp| async move {
        let c = app.login(phone::MEMBER_A).await;
        let without = c.post_raw("/me/large-font", &[]).await;
        assert_eq!(without.status, 403);
        assert!(without.contains("页面已过期"));
        let wrong = c
            .post_raw(
                "/me/large-font",
                &[("csrf", "0123456789abcdef0123456789abcdef")],
            )
            .await;
        assert_eq!(wrong.status, 403);
        assert_eq!(
            app.count("SELECT large_font FROM users WHERE phone_mask = '137****0001'")
                .await,
            0
        );
        // The login form is protected too.
        let anon = app.client();
        let page = anon
            .post_raw(
                "/login",
                &[("phone", phone::MEMBER_A), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, 403);
        // With the token the change happens, and stays on for this user.
        assert_eq!(c.post("/me/large-font", &[]).await.status, 303);
        assert!(c.get("/me").await.contains("large-font"));
        let again = app.login(phone::MEMBER_A).await;
        assert!(again.get("/").await.contains("class=\"large-font"));
    }
);

both!(
    members_see_and_end_their_own_sessions,
    |app: TestApp| async move {
        let phone_c = app.login(phone::MEMBER_A).await;
        let pc = app.login(phone::MEMBER_A).await;
        let other = app.login(phone::MEMBER_B).await;
        let list = pc.get("/me/sessions").await;
        assert_eq!(list.body.matches("结束登录").count(), 2);
        let ids: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.token_hash, u.phone_mask FROM sessions s JOIN users u ON u.id = s.user_id ORDER BY s.created_at",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
        let b_session = ids
            .iter()
            .find(|(_, p)| p == "137****0003")
            .unwrap()
            .0
            .clone();
        // Someone else's session: not found, and it goes on.
        assert_eq!(
            pc.post(&format!("/me/sessions/{b_session}/end"), &[])
                .await
                .status,
            404
        );
        assert_eq!(other.get("/").await.status, 200);
        let first_a = ids
            .iter()
            .find(|(_, p)| p == "137****0001")
            .unwrap()
            .0
            .clone();
        assert_eq!(
            pc.post(&format!("/me/sessions/{first_a}/end"), &[])
                .await
                .status,
            303
        );
        assert_eq!(phone_c.get("/").await.location, "/login");
        assert_eq!(pc.get("/").await.status, 200);
    }
);

both!(
    first_start_admin_must_change_the_one_time_password,
    |app: TestApp| async move {
        let app = TestApp::spawn_empty(app.engine).await.unwrap();
        let password = dangjian::startup::bootstrap(&app.db, &app.keys)
            .await
            .unwrap()
            .unwrap();
        assert!(
            dangjian::startup::bootstrap(&app.db, &app.keys)
                .await
                .unwrap()
                .is_none()
        );
        let mut c = app.client();
        let res = c
            .login(dangjian::startup::BOOTSTRAP_ADMIN_PHONE, &password)
            .await;
        assert_eq!(res.location, "/me/password");
        c.refresh_csrf().await;
        assert_eq!(c.get("/admin/accounts").await.location, "/me/password");
        let weak = c
            .post(
                "/me/password",
                &[
                    ("current", &password),
                    ("new", "password"),
                    ("confirm", "password"),
                ],
            )
            .await;
        assert_eq!(weak.status, 422);
        assert!(weak.contains("密码至少8位") || weak.contains("至少三类"));
        let ok = c
            .post(
                "/me/password",
                &[
                    ("current", &password),
                    ("new", "New@Pass2026"),
                    ("confirm", "New@Pass2026"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        assert_eq!(c.get("/admin/accounts").await.status, 200);
    }
);

both!(
    malformed_ids_and_unknown_pages_are_clear_404s,
    |app: TestApp| async move {
        let c = app.login(phone::COUNTY_ADMIN).await;
        for path in [
            "/members/abc",
            "/members/-1",
            "/orgs/99999999",
            "/nowhere",
            "/members/1%27%20OR%201=1",
        ] {
            let page = c.get(path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(page.contains("未找到"), "{path}");
        }
        assert_eq!(app.client().get("/healthz").await.body, "ok");
    }
);

async fn change_password(c: &Client, current: &str, new: &str) -> crate::support::Page {
    c.post(
        "/me/password",
        &[("current", current), ("new", new), ("confirm", new)],
    )
    .await
}

async fn signed_in(app: &TestApp, phone: &str, password: &str) -> Client {
    let mut c = app.client();
    assert_eq!(c.login(phone, password).await.status, 303);
    c.refresh_csrf().await;
    c
}

both!(
    an_administrators_password_expires_and_recent_ones_are_not_reused,
    |app: TestApp| async move {
        let sec = app.login(phone::SECRETARY_A).await;
        assert_eq!(
            change_password(&sec, PASSWORD, "Second@2026").await.status,
            303
        );
        let sec = signed_in(&app, phone::SECRETARY_A, "Second@2026").await;
        assert_eq!(
            change_password(&sec, "Second@2026", "Third@2026x")
                .await
                .status,
            303
        );
        let sec = signed_in(&app, phone::SECRETARY_A, "Third@2026x").await;
        // The first again: one of the last five.
        let again = change_password(&sec, "Third@2026x", PASSWORD).await;
        assert_eq!(again.status, 422);
        assert!(again.contains("新密码不能与最近5次使用过的密码相同"));
        assert_eq!(
            change_password(&sec, "Third@2026x", "Fourth@2026y")
                .await
                .status,
            303
        );

        // Ninety-one days on, the administrator must change it before anything else; a
        // member without a role is not asked.
        let long_ago = dangjian::domain::clock::now_epoch() - 91 * 86_400;
        sqlx::query("UPDATE users SET password_changed_at = $1")
            .bind(long_ago)
            .execute(app.db.pool())
            .await
            .unwrap();
        let mut c = app.client();
        let landed = c.login(phone::SECRETARY_A, "Fourth@2026y").await;
        assert_eq!(landed.location, "/me/password");
        c.refresh_csrf().await;
        assert_eq!(c.get("/members").await.location, "/me/password");
        let mut m = app.client();
        assert_eq!(m.login(phone::MEMBER_A, PASSWORD).await.location, "/");
    }
);
