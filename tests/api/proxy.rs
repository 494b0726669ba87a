//! Behind a reverse proxy: only a configured proxy's `X-Forwarded-For` names the client in
//! the audit log (the last address it lists that is not a proxy), and only its
//! `X-Forwarded-Proto: https` turns on HSTS. Without one configured, a client's own header
//! changes nothing.
use crate::support::{Client, Engine, PASSWORD, TestApp, phone};
use reqwest::header::{HeaderMap, HeaderValue};

/// A browser whose requests carry the proxy's headers (the test's peer is 127.0.0.1).
fn through(app: &TestApp, forwarded_for: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_str(forwarded_for).unwrap(),
    );
    headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
    Client {
        base: app.base.clone(),
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap(),
        csrf: String::new(),
    }
}

async fn last_login_ip(app: &TestApp) -> String {
    let (ip,): (String,) =
        sqlx::query_as("SELECT ip FROM audit_log WHERE action = '登录' ORDER BY id DESC LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    ip
}

async fn hsts(c: &Client) -> bool {
    c.http
        .get(format!("{}/login", c.base))
        .send()
        .await
        .unwrap()
        .headers()
        .contains_key("strict-transport-security")
}

async fn proxy_walk(engine: Engine) {
    // No proxy configured: the header is the client's own word.
    let Some(plain) = TestApp::spawn_configured(engine, |_| {}).await else {
        return;
    };
    let mut c = through(&plain, "203.0.113.9");
    assert_eq!(c.login(phone::MEMBER_A, PASSWORD).await.status, 303);
    assert_eq!(last_login_ip(&plain).await, "127.0.0.1");
    assert!(!hsts(&c).await);

    // The proxy on this machine: it appended the real client after what the client wrote.
    let Some(app) = TestApp::spawn_configured(engine, |c| {
        c.trusted_proxies = dangjian::domain::proxy::loopback();
    })
    .await
    else {
        return;
    };
    let mut c = through(&app, "1.2.3.4, 203.0.113.9");
    assert_eq!(c.login(phone::MEMBER_A, PASSWORD).await.status, 303);
    assert_eq!(last_login_ip(&app).await, "203.0.113.9");
    assert!(hsts(&c).await, "https at the proxy");

    // Served over TLS: every cookie is `__Host-` (https only, this host only) and Secure.
    let Some(tls) = TestApp::spawn_configured(engine, |c| c.secure_cookies = true).await else {
        return;
    };
    let res = tls
        .client()
        .http
        .get(format!("{}/login", tls.base))
        .send()
        .await
        .unwrap();
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_string();
    let csp = header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert!(header("strict-transport-security").starts_with("max-age="));
    let cookies: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(!cookies.is_empty());
    for c in cookies {
        assert!(
            c.starts_with("__Host-dj_") && c.contains("; Secure") && c.contains("Path=/"),
            "{c}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_trusted_proxy_names_the_client_sqlite() {
    proxy_walk(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_trusted_proxy_names_the_client_postgres() {
    proxy_walk(Engine::Postgres).await;
}
