//! The second factor where the county requires it (the default): an administrator enrols
//! before anything else, signs in with a code once per code or with a recovery code once, a
//! wrong code counts toward the lockout, and the 安全管理员 resets a lost phone.
use crate::support::{Client, Engine, PASSWORD, TestApp, phone, second_step_token};
use dangjian::domain::clock::now_epoch;
use dangjian::domain::second_factor as sf;

/// The password step: the second step's token.
async fn password_step(app: &TestApp, who: &str) -> (Client, String) {
    let mut c = app.client();
    c.refresh_csrf().await;
    let page = c
        .post(
            "/login",
            &[("phone", who), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let token = second_step_token(&page.body).expect("the second step");
    (c, token)
}

async fn second_step(c: &Client, token: &str, code: &str) -> crate::support::Page {
    c.post(
        "/login/second",
        &[("token", token), ("code", code), ("next", "/")],
    )
    .await
}

async fn audited(app: &TestApp, action: &str, detail: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND detail = '{detail}'"
    ))
    .await
}

/// Enrols the signed-in account; its secret and recovery codes.
async fn enrol(c: &Client) -> (Vec<u8>, Vec<String>) {
    let page = c.get("/me/second-factor").await;
    assert!(
        page.contains("id=\"second-factor-required\""),
        "{}",
        page.body
    );
    assert_eq!(c.post("/me/second-factor/begin", &[]).await.status, 303);
    let page = c.get("/me/second-factor").await;
    let at = page.body.find("id=\"second-factor-secret\">").unwrap();
    let shown: String = page.body[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let secret = sf::decode_secret(&shown).unwrap();
    assert!(page.contains("<svg"), "a QR code to scan");
    // A wrong code is refused at its field, and nothing is enrolled.
    let wrong = c
        .post("/me/second-factor/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("动态口令不正确"));
    let code = sf::code_at(&secret, sf::step_of(now_epoch()));
    let done = c
        .post("/me/second-factor/confirm", &[("code", &code)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), sf::RECOVERY_CODES);
    (secret, codes)
}

async fn second_factor_walk(engine: Engine) {
    let Some(app) = TestApp::spawn_configured(engine, |c| c.second_factor_required = true).await
    else {
        return;
    };
    // A member is not asked; an administrator without one may only enrol.
    let member = app.login(phone::MEMBER_A).await;
    assert_eq!(member.get("/").await.status, 200);
    let admin = app.login(phone::COUNTY_ADMIN).await;
    let held = admin.get("/dashboard").await;
    assert_eq!(
        (held.status, held.location.as_str()),
        (303, "/me/second-factor")
    );
    let (secret, recovery) = enrol(&admin).await;
    assert_eq!(admin.get("/dashboard").await.status, 200);
    assert_eq!(audited(&app, "启用动态口令", "").await, 1);
    // Stored encrypted, never as the base32 an app is given.
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM users WHERE totp_secret = '{}'",
            sf::encode_secret(&secret)
        ))
        .await;
    assert_eq!(stored, 0);

    // The next sign-in asks for a code; a wrong one counts and says so.
    let (c, token) = password_step(&app, phone::COUNTY_ADMIN).await;
    let wrong = second_step(&c, &token, "123456").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("动态口令或恢复码错误"));
    let failed: i64 = app
        .count("SELECT failed_logins FROM users WHERE phone_mask = '137****0005'")
        .await;
    assert_eq!(failed, 1);
    let code = sf::code_at(&secret, sf::step_of(now_epoch()) + 1);
    let signed = second_step(&c, &token, &code).await;
    assert_eq!(
        (signed.status, signed.location.as_str()),
        (303, "/dashboard")
    );
    assert_eq!(audited(&app, "登录", "经动态口令").await, 1);
    // The same code (a shoulder-surfer, or a replay) does not sign in again.
    let (mut c2, token2) = password_step(&app, phone::COUNTY_ADMIN).await;
    assert_eq!(second_step(&c2, &token2, &code).await.status, 422);
    // A recovery code works once, however it is typed.
    let typed = recovery[0].to_lowercase().replace('-', " ");
    assert_eq!(second_step(&c2, &token2, &typed).await.status, 303);
    c2.refresh_csrf().await;
    let (c3, token3) = password_step(&app, phone::COUNTY_ADMIN).await;
    assert_eq!(second_step(&c3, &token3, &recovery[0]).await.status, 422);
    // A forged or stale token starts again from the password.
    let forged = token3.replacen('.', ".1", 1);
    let back = second_step(&c3, &forged, &recovery[1]).await;
    assert_eq!(back.status, 422);
    assert!(back.contains("登录已超时") && back.contains("id=\"password\""));

    // An administrator may not turn it off.
    let off = c2
        .post("/me/second-factor/off", &[("code", &recovery[2])])
        .await;
    assert_eq!(off.status, 409);

    // The 安全管理员 (enrolled too) resets a lost phone: the sessions end, and it is
    // enrolled afresh at the next sign-in.
    let security = app.login(phone::SECURITY).await;
    enrol(&security).await;
    let (user_id,): (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE phone_mask = '137****0005'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let reset_path = format!("/security/accounts/{user_id}/second-factor/reset");
    // Nobody else may.
    assert_eq!(member.post(&reset_path, &[]).await.status, 403);
    let reset = security.post(&reset_path, &[]).await;
    assert_eq!(reset.status, 303);
    assert_eq!(
        c2.get("/dashboard").await.location,
        "/login?next=%2Fdashboard"
    );
    assert_eq!(audited(&app, "重置动态口令", "").await, 1);
    let again = app.login(phone::COUNTY_ADMIN).await;
    assert_eq!(again.get("/dashboard").await.location, "/me/second-factor");

    // Five wrong codes lock the account like five wrong passwords.
    let (c4, token4) = password_step(&app, phone::SECURITY).await;
    let mut last = String::new();
    for _ in 0..5 {
        last = second_step(&c4, &token4, "999999").await.body;
    }
    assert!(last.contains("动态口令连续错误5次，账号已锁定"), "{last}");
    let locked = app
        .count("SELECT COUNT(*) FROM users WHERE phone_mask = '136****0002' AND locked_until IS NOT NULL")
        .await;
    assert_eq!(locked, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_signs_in_with_a_second_factor_sqlite() {
    second_factor_walk(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_signs_in_with_a_second_factor_postgres() {
    second_factor_walk(Engine::Postgres).await;
}
