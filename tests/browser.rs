//! Real-browser tests: headless Chromium driven over WebDriver (chromium-driver, through
//! the fantoccini client), against the real server with the demo county. Screenshots go to
//! target/test-artifacts/.
#[path = "api/codes.rs"]
mod codes;

use dangjian::config::Config;
use dangjian::startup::Server;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn tools_present() -> bool {
    let present =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but Chromium or chromedriver is missing ({CHROMIUM}, {CHROMEDRIVER})");
        }
        eprintln!("skipped: Chromium or chromedriver not installed");
    }
    present
}

/// A photo from the project's own test fixtures, as a path a file picker hands over.
fn fixture_photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/photos")
        .join(name)
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Driver {
    process: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
    }
}

/// One browser session, with the steps the tests take in words a user would use.
struct Browser {
    client: Client,
    profile: PathBuf,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            process,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{}/status", driver.base)).send().await
                && r.status().is_success()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A PC's browser in the office: 1366 pixels wide.
    async fn desktop(&self) -> Browser {
        self.browser(json!({"args": ["--window-size=1366,900"]}))
            .await
    }

    /// A phone-sized browser: 360 CSS pixels wide, WeChat's user agent.
    async fn phone(&self) -> Browser {
        self.browser(json!({
            "mobileEmulation": {
                "deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0},
                "userAgent": "Mozilla/5.0 (Linux; Android 12; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
            }
        }))
        .await
    }

    /// A headless Chromium with its own profile; `extra` adds to its Chrome options.
    async fn browser(&self, extra: Value) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("dj-chrome-{}", dangjian::crypto::random_token()));
        let mut args = vec![
            json!("--headless=new"),
            json!("--no-sandbox"),
            json!("--disable-gpu"),
            json!("--disable-dev-shm-usage"),
            json!("--disable-quic"),
            json!("--no-first-run"),
            json!("--disable-background-networking"),
            json!("--disable-component-update"),
            json!("--disable-sync"),
            json!("--lang=zh-CN"),
            json!(format!("--user-data-dir={}", profile.display())),
        ];
        let mut options = json!({"binary": CHROMIUM});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                match (k.as_str(), v) {
                    ("args", Value::Array(more)) => args.extend(more),
                    (k, v) => {
                        options[k] = v;
                    }
                }
            }
        }
        options["args"] = Value::Array(args);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.base)
            .await
            .expect("a Chromium session");
        Browser { client, profile }
    }
}

impl Browser {
    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Scrolls the element to the middle first, as a thumb would, clear of the tab bar.
    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await
            .unwrap();
        e.click().await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Chooses a file in a file input, as a phone's file picker hands it over.
    async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let e = self.find(css).await;
        e.send_keys(path.to_str().unwrap()).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Waits (up to 10 s) for a navigation to land on `url`.
    async fn wait_for_url(&self, url: &str) {
        for _ in 0..100 {
            if self.url().await == url {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached {url}; at {}", self.url().await);
    }

    /// Waits (up to 10 s) for an element to appear, e.g. after a form posts back to its page.
    async fn wait_for(&self, css: &str) {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        if found.is_err() {
            panic!("{css} never appeared at {}", self.url().await);
        }
    }

    /// Waits (up to 10 s) for an element whose text contains `text`: the page after a post.
    async fn wait_for_text(&self, css: &str, text: &str) {
        let js = format!(
            "const e = document.querySelector({css:?}); return !!e && e.textContent.includes({text:?});"
        );
        self.wait_until(&js, &format!("{css} saying {text}")).await;
    }

    /// Waits (up to 10 s) for a script to return true: what the page does after it has loaded,
    /// such as pictures arriving.
    async fn wait_until(&self, js: &str, what: &str) {
        for _ in 0..100 {
            if self.script(js).await == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never saw {what} at {}", self.url().await);
    }

    async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    async fn script(&self, js: &str) -> Value {
        self.client.execute(js, vec![]).await.unwrap()
    }

    /// The page fits the phone's width: nothing scrolls sideways.
    async fn assert_fits_width(&self) {
        self.assert_fits(360).await;
    }

    /// axe-core finds no serious or critical accessibility violation on the page.
    async fn assert_accessible(&self) {
        static AXE: &str = include_str!("fixtures/axe/axe.min.js");
        self.client.execute(AXE, vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done( \
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical') \
                    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
                vec![],
            )
            .await
            .unwrap();
        let list: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        assert!(
            list.is_empty(),
            "accessibility at {}:\n{}",
            self.url().await,
            list.join("\n")
        );
    }

    /// The page fits a window `width` pixels wide: nothing scrolls sideways; and it passes
    /// axe-core.
    async fn assert_fits(&self, width: i64) {
        self.assert_accessible().await;
        let v = self
            .script("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
        let wide = self
            .script(&format!("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width}).slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + e.outerHTML.slice(0, 160));"))
            .await;
        assert_eq!(
            inner,
            width,
            "the window is {width} pixels wide at {}: {wide}",
            self.url().await
        );
        let wide = self
            .script("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + e.outerHTML.slice(0, 120));")
            .await;
        assert!(
            scroll <= inner,
            "page is {scroll}px wide on a {inner}px screen at {}: {wide}",
            self.url().await
        );
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(artifacts().join(name), png).unwrap();
    }

    /// Fills in the login form and submits it.
    /// Signs a demo account in and waits for the page it lands on.
    async fn sign_in(&self, base: &str, phone: &str, landing: &str) {
        self.submit_login(base, phone, dangjian::demo::DEMO_PASSWORD)
            .await;
        self.wait_for_url(&format!("{base}{landing}")).await;
    }

    /// An account with a second factor (the demo's administrators) is then given the
    /// code of the demo's secret, as its authenticator app would show it.
    async fn submit_login(&self, base: &str, phone: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#phone", phone).await;
        self.type_into("#password", password).await;
        self.click("#login-submit").await;
        for _ in 0..100 {
            if self.count("#second-step-submit").await > 0 {
                let code = codes::next_code(base, phone, dangjian::demo::DEMO_TOTP_SECRET).await;
                self.type_into("#code", &code).await;
                self.click("#second-step-submit").await;
                return;
            }
            let url = self.client.current_url().await.unwrap();
            if url.path() != "/login" || self.count("#login-message").await > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets a field's value directly (a `<select>` choice, say).
    async fn value(&self, css: &str, value: &str) {
        let e = serde_json::to_value(self.find(css).await).unwrap();
        self.client
            .execute("arguments[0].value = arguments[1];", vec![e, json!(value)])
            .await
            .unwrap();
    }

    async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    async fn attribute(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn quit(self) {
        self.client.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The demo county on a fresh server, with `months` of organizational life.
async fn demo_server(months: u32) -> String {
    demo_server_with_db(months).await.0
}

/// The demo server and its database, for a test that sets up what an officer would.
async fn demo_server_with_db(
    months: u32,
) -> (
    String,
    dangjian::store::Db,
    std::sync::Arc<dangjian::crypto::Keys>,
) {
    demo_server_on(None, months).await
}

/// A fresh PostgreSQL database for a browser test; `None` without one, which CI=true refuses.
async fn fresh_postgres() -> Option<String> {
    let Ok(admin) = std::env::var("DANGJIAN_TEST_DATABASE_URL") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but DANGJIAN_TEST_DATABASE_URL is not set"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("dj_test_{}", &dangjian::crypto::random_token()[..16]);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("PostgreSQL at DANGJIAN_TEST_DATABASE_URL answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    Some(url.to_string())
}

/// Makes the demo county of `months` (the register, organizational life, the day's scan,
/// the question bank) in the data folder `config` names.
async fn make_demo(
    db: &dangjian::store::Db,
    keys: &dangjian::crypto::Keys,
    files: &dangjian::files::Storage,
    months: u32,
) {
    dangjian::demo::generate(db, keys, 2019).await.unwrap();
    let (_, planted) = dangjian::demo::orglife(db, files, 2019, months)
        .await
        .unwrap();
    // The day's 电子监察 scan, as the server's job runs it.
    dangjian::demo::supervised(db, &planted, months, dangjian::domain::clock::now_epoch())
        .await
        .unwrap();
    dangjian::demo::question_bank(db).await.unwrap();
}

/// Copies a folder and everything in it.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if !name.ends_with("-wal") && !name.ends_with("-shm") {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A data folder (SQLite database, key, photos) holding the demo county of `months`: made
/// once per build of this test binary and day by the first test that needs it, and copied
/// for each test, so that the tests' minutes go to the browser rather than to making the
/// same county again.
async fn demo_data(months: u32) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let built = std::fs::metadata(&exe)
        .and_then(|m| m.modified())
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let today = dangjian::domain::clock::format_date(dangjian::domain::clock::local_date(
        dangjian::domain::clock::now_epoch(),
    ));
    let shared = std::env::temp_dir().join(format!("dj-browser-demo-{months}-{today}-{built}"));
    let ready = shared.join("ready");
    let lock = shared.with_extension("lock");
    let mine = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .is_ok();
    if mine {
        let config = Config {
            data_dir: shared.clone(),
            ..Config::default()
        };
        let (db, keys) = dangjian::startup::open(&config).await.unwrap();
        let files = dangjian::files::Storage::for_config(&config);
        make_demo(&db, &keys, &files, months).await;
        // Everything in the database file itself, and no connection left to change it.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await
            .unwrap();
        db.close().await;
        for _ in 0..100 {
            let open = ["dangjian.db-wal", "dangjian.db-shm"]
                .iter()
                .any(|f| shared.join(f).exists());
            if !open {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::fs::write(&ready, b"").unwrap();
    }
    // Another test is making it: a demo takes minutes on a busy machine.
    for _ in 0..3_600 {
        if ready.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        ready.exists(),
        "the shared demo in {} was never made",
        shared.display()
    );
    let dir = std::env::temp_dir().join(format!("dj-browser-{}", dangjian::crypto::random_token()));
    copy_dir(&shared, &dir);
    std::fs::remove_file(dir.join("ready")).unwrap();
    dir
}

/// The demo server on SQLite (`database_url` none, a copy of the shared demo) or on the given
/// database (made for the test).
async fn demo_server_on(
    database_url: Option<String>,
    months: u32,
) -> (
    String,
    dangjian::store::Db,
    std::sync::Arc<dangjian::crypto::Keys>,
) {
    let (base, db, keys, _) = demo_server_with_files(database_url, months).await;
    (base, db, keys)
}

/// `demo_server_on` with the server's file storage, for a test that adds to the demo.
async fn demo_server_with_files(
    database_url: Option<String>,
    months: u32,
) -> (
    String,
    dangjian::store::Db,
    std::sync::Arc<dangjian::crypto::Keys>,
    dangjian::files::Storage,
) {
    let fresh = database_url.is_some();
    let dir = match database_url {
        Some(_) => {
            std::env::temp_dir().join(format!("dj-browser-{}", dangjian::crypto::random_token()))
        }
        None => demo_data(months).await,
    };
    let config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir,
        database_url,
        ..Config::default()
    };
    let server = Server::build(config).await.unwrap();
    if fresh {
        make_demo(
            &server.state.db,
            &server.state.keys,
            &server.state.files,
            months,
        )
        .await;
    }
    let base = format!("http://{}", server.addr());
    let (db, keys, files) = (
        server.state.db.clone(),
        server.state.keys.clone(),
        server.state.files.clone(),
    );
    tokio::spawn(server.run());
    (base, db, keys, files)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branch_secretary_on_a_phone_finds_a_member_and_logs_out() {
    if !tools_present() {
        return;
    }
    let base = demo_server(1).await;
    let driver = Driver::start().await;
    let b = driver.phone().await;

    // A failed login says why.
    b.submit_login(&base, "13800000002", "not-the-password")
        .await;
    b.wait_for("#login-message").await;
    assert!(b.text("#login-message").await.contains("手机号或密码错误"));
    b.assert_fits_width().await;

    b.sign_in(&base, "13800000002", "/").await;
    assert!(b.text("h1.greet").await.contains("同志，您好"));
    assert_eq!(b.attribute("#arena", "href").await, "/arena");
    assert!(b.text("#arena").await.contains("擂台比武"));
    b.assert_fits_width().await;
    b.screenshot("member-home.png").await;

    // The member list, from the link on the home page.
    b.click("a.button[href='/members']").await;
    b.wait_for_url(&format!("{base}/members")).await;
    b.assert_fits_width().await;
    b.screenshot("member-list.png").await;
    let first = b.text(".member-list li .member-link").await;
    let surname: String = first.chars().take(2).collect();

    b.type_into("#member-search", &surname).await;
    b.click("#member-search-submit").await;
    let q: String = url::form_urlencoded::byte_serialize(surname.as_bytes()).collect();
    b.wait_for_url(&format!("{base}/members?q={q}&status=&category=&gender="))
        .await;
    let found = b.text(".member-list").await;
    assert!(found.contains(&first), "search for {surname} lists {first}");

    b.click(".member-list li .member-link").await;
    assert_eq!(b.text("#member-name").await, first);
    let id = b.text("#id-number").await;
    assert!(id.contains("**********"), "ID numbers are masked: {id}");
    b.assert_fits_width().await;
    b.screenshot("member-profile.png").await;

    // On the phone the secretary's tools are behind one button, all of them at once when it
    // opens; the secretary puts up a prize for the branch (a point and a badge), restocks it
    // from its page, and a member of the branch buys it with points and a badge.
    assert!(
        !b.find("nav.sidemenu a[href='/shop/admin']")
            .await
            .is_displayed()
            .await
            .unwrap(),
        "the menu is closed until asked for"
    );
    b.click("#menu-open").await;
    b.wait_until(
        "return document.querySelector('#sidemenu').getBoundingClientRect().height > 300",
        "the menu open",
    )
    .await;
    let shown = b
        .script(
            "return [...document.querySelectorAll('#sidemenu a')].filter(a => { \
             const r = a.getBoundingClientRect(); return r.width > 0 && r.right <= 360; }).length;",
        )
        .await;
    assert!(
        shown.as_u64().unwrap() >= 10,
        "every tool in view, none cut off: {shown}"
    );
    b.assert_fits_width().await;
    b.screenshot("secretary-menu-360.png").await;
    b.click("nav.sidemenu a[href='/shop/admin']").await;
    b.wait_for("#badge_price").await;
    b.script("document.querySelector('#org').selectedIndex = 1;")
        .await;
    b.type_into("#name", "支部荣誉读本").await;
    b.type_into("#price", "1").await;
    b.type_into("#badge_price", "1").await;
    b.type_into("#stock", "0").await;
    b.click("form[action^='/shop/admin/prizes'] button[type=submit]")
        .await;
    b.wait_for_text(".flash", "已上架支部荣誉读本").await;
    b.click("a[href^='/shop/admin/prizes/']").await;
    b.wait_for("#restock").await;
    b.type_into("#amount", "2").await;
    b.click("#restock").await;
    b.wait_for_text(".flash", "已补货2件").await;
    assert_eq!(b.text("#stock").await, "2");
    b.assert_fits_width().await;
    let member = driver.phone().await;
    member.sign_in(&base, "13800000001", "/").await;
    member.goto(&format!("{base}/shop")).await;
    member.wait_for("#unspent-badges").await;
    let badges: i64 = member.text("#unspent-badges").await.parse().unwrap();
    assert!(
        badges > 0,
        "the demo member of a branch that keeps its meetings has badges"
    );
    member
        .script("document.querySelectorAll('.prize').forEach(p => { if (!p.textContent.includes('支部荣誉读本')) p.remove(); });")
        .await;
    member.click(".prize button").await;
    member.wait_for_text(".flash", "已兑换支部荣誉读本").await;
    assert_eq!(
        member.text("#unspent-badges").await.parse::<i64>().unwrap(),
        badges - 1
    );
    member.screenshot("shop-badge-prize.png").await;
    member.quit().await;

    b.click("#logout").await;
    b.wait_for_url(&format!("{base}/login")).await;
    assert!(b.text(".flash").await.contains("您已安全退出"));
    b.goto(&format!("{base}/members")).await;
    assert_eq!(
        b.url().await,
        format!("{base}/login?next=%2Fmembers"),
        "after logout the list needs a login again"
    );
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_font_mode_stays_on_for_an_elderly_member() {
    if !tools_present() {
        return;
    }
    let base = demo_server(1).await;
    let driver = Driver::start().await;
    let b = driver.phone().await;
    b.sign_in(&base, "13800000001", "/").await;
    let size = "return getComputedStyle(document.body).fontSize;";
    assert_eq!(b.script(size).await, "16px");
    b.goto(&format!("{base}/me")).await;
    b.click("#large-font-toggle").await;
    b.wait_for(".flash").await;
    assert!(b.text(".flash").await.contains("已开启大字模式"));
    b.goto(&format!("{base}/")).await;
    assert_eq!(b.script(size).await, "20px");
    b.assert_fits_width().await;
    b.screenshot("member-home-large-font.png").await;
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_from_planning_to_a_red_cell() {
    if !tools_present() {
        return;
    }
    let base = demo_server(0).await;
    let driver = Driver::start().await;
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;

    // From the 三会一课 entry to the branch's meetings, then plan one that started 5 minutes ago.
    secretary.click("#orglife").await;
    secretary.wait_for_url(&format!("{base}/orglife")).await;
    secretary.click("a[href$='/meetings']").await;
    secretary.wait_for("a[href$='/meetings/new']").await;
    let meetings_url = secretary.url().await;
    secretary.click("a.button[href$='/meetings/new']").await;
    secretary.wait_for("#topic").await;
    let start = dangjian::domain::clock::local(dangjian::domain::clock::now_epoch() - 300);
    let end = start + time::Duration::hours(2);
    // A 主题党日 expects every member (a 支委会 only the committee).
    secretary.value("#kind", "theme_day").await;
    secretary.type_into("#topic", "重温入党誓词").await;
    secretary
        .value("#date", &dangjian::domain::clock::format_date(start.date()))
        .await;
    secretary
        .value(
            "#start",
            &format!("{:02}:{:02}", start.hour(), start.minute()),
        )
        .await;
    secretary
        .value("#end", &format!("{:02}:{:02}", end.hour(), end.minute()))
        .await;
    secretary.type_into("#place", "村委会会议室").await;
    secretary.type_into("#agenda", "传达上级精神").await;
    secretary.click(".primary.wide").await;
    secretary.wait_for("#show-qr").await;
    let meeting_url = secretary.url().await;
    assert!(
        meeting_url.starts_with(&format!("{base}/meetings/")),
        "{meeting_url} after {meetings_url}"
    );

    // The QR screen; the member's phone opens the address it carries.
    secretary.click("#show-qr").await;
    secretary.wait_for(".qr svg").await;
    secretary.screenshot("meeting-qr.png").await;
    let checkin_url = secretary.attribute("#checkin-url", "href").await;
    assert!(checkin_url.contains("/checkin/"), "{checkin_url}");

    let member = driver.phone().await;
    member.goto(&checkin_url).await;
    member.wait_for("#phone").await;
    member.type_into("#phone", "13800000001").await;
    member
        .type_into("#password", dangjian::demo::DEMO_PASSWORD)
        .await;
    member.click("#login-submit").await;
    member.wait_for("#confirm-checkin").await;
    member.click("#confirm-checkin").await;
    member.wait_for("#checkin-outcome").await;
    assert!(member.text("#checkin-outcome").await.contains("签到成功"));
    member.screenshot("member-checked-in.png").await;
    member.quit().await;

    // Counted in the attendance; the elderly without phones are checked in by hand.
    secretary.goto(&meeting_url).await;
    assert_eq!(secretary.text("#present").await, "1");
    let present = "const e = document.getElementById('present'); return e ? e.textContent : '';";
    while secretary
        .count("form[action$='/manual-checkin'] button")
        .await
        > 0
    {
        let before = secretary.script(present).await;
        secretary
            .click("form[action$='/manual-checkin'] button")
            .await;
        for _ in 0..50 {
            let now = secretary.script(present).await;
            if now != before && now != json!("") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(
        secretary.text("#present").await,
        secretary.text("#expected").await
    );

    // Minutes, a photo taken on the spot, then close.
    secretary
        .type_into(
            "textarea[name=minutes]",
            "一、传达上级精神。二、研究本月重点工作。",
        )
        .await;
    secretary.click("form[action$='/minutes'] button").await;
    secretary.wait_for_text(".flash", "会议记录已保存").await;
    let photo = fixture_photo("meeting-with-exif-gps.jpg");
    secretary.choose_file("#photo", &photo).await;
    secretary.click("#upload-photo").await;
    secretary.wait_for_text(".flash", "照片已上传").await;
    assert!(
        secretary
            .text("#photos")
            .await
            .contains("拍摄于 2023-03-27 09:41")
    );
    secretary.screenshot("meeting-record.png").await;
    secretary.click("#close-meeting").await;
    secretary.wait_for_text(".flash", "获得党建徽章").await;

    // The branch grid: this month's 主题党日 is red.
    let branch_grid = meetings_url.replace("/meetings", "/grid");
    secretary.goto(&branch_grid).await;
    let month = format!("{}月", start.month() as u8);
    let red = secretary
        .script(&format!(
            "return [...document.querySelectorAll('.grid-row')].filter(r => r.textContent.includes('主题党日')).flatMap(r => [...r.querySelectorAll('details.cell.red summary')]).map(s => s.textContent).includes('{month}');"
        ))
        .await;
    assert_eq!(red, json!(true), "this month's cell is red");
    secretary.assert_fits_width().await;
    secretary.screenshot("branch-grid.png").await;
    secretary.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_reads_answers_climbs_and_redeems() {
    if !tools_present() {
        return;
    }
    let base = demo_server(0).await;
    let driver = Driver::start().await;

    // The content editor publishes an article to the county.
    let editor = driver.phone().await;
    editor.sign_in(&base, "13800000005", "/").await;
    editor.goto(&format!("{base}/articles/new")).await;
    editor.wait_for("#title").await;
    let org = editor
        .script("return document.querySelector('#org option:nth-child(2)').value;")
        .await;
    editor.value("#org", org.as_str().unwrap()).await;
    editor.type_into("#title", "学习党章 践行宗旨").await;
    editor.type_into("#source", "党建读物").await;
    editor
        .type_into("#body", "全心全意为人民服务是党的根本宗旨。")
        .await;
    // A cover photo, chosen as a phone's file picker would hand it over.
    let cover = fixture_photo("galaxies.jpg");
    editor.choose_file("#cover", &cover).await;
    editor.click(".primary.wide").await;
    editor.wait_for_text(".flash", "已发布").await;
    editor.quit().await;

    // The branch secretary puts a small prize up for the branch.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.goto(&format!("{base}/shop/admin")).await;
    secretary.wait_for("#org").await;
    let branch = secretary
        .script("return document.querySelector('#org option:nth-child(2)').value;")
        .await;
    secretary.value("#org", branch.as_str().unwrap()).await;
    secretary.type_into("#name", "学习笔记本").await;
    secretary.type_into("#price", "2").await;
    secretary.type_into("#stock", "5").await;
    secretary
        .click("form[action^='/shop/admin/prizes'] button")
        .await;
    secretary.wait_for_text(".flash", "已上架").await;
    secretary.quit().await;

    // A member reads the article for the minimum time.
    let m = driver.phone().await;
    m.sign_in(&base, "13800000001", "/").await;
    m.click("#study").await;
    m.wait_for(".member-link").await;
    m.click(".member-link").await;
    m.wait_for("#finish-reading").await;
    assert_eq!(m.text("#article-title").await, "学习党章 践行宗旨");
    // The cover arrived re-encoded and shows.
    m.wait_until(
        "const i = document.querySelector('.article .cover'); return !!i && i.complete && i.naturalWidth > 0;",
        "the cover",
    )
    .await;
    m.screenshot("article.png").await;
    tokio::time::sleep(Duration::from_secs(31)).await;
    m.click("#finish-reading").await;
    m.wait_for_text(".flash", "获得1积分").await;
    let article = m.url().await;

    // The editor corrects the article from 文章管理; the member sees the fix at once.
    let editor = driver.phone().await;
    editor.sign_in(&base, "13800000005", "/").await;
    editor.click("#menu-open").await;
    editor
        .click("nav.sidemenu a[href='/articles/manage']")
        .await;
    editor.wait_for("#managed-articles").await;
    assert!(editor.text("#managed-articles").await.contains("读完 1 人"));
    editor.click("#managed-articles a[href$='/edit']").await;
    editor.wait_for("#save-article").await;
    editor
        .script("document.querySelector('#body').value = '全心全意为人民服务是党的根本宗旨，党员要时时践行。';")
        .await;
    editor.click("#save-article").await;
    editor.wait_for_text(".flash", "已修改").await;
    editor.quit().await;
    m.goto(&article).await;
    m.wait_for("#article-title").await;
    assert!(m.text("main").await.contains("党员要时时践行"));

    // Today's question: the first choice, whatever it is; the answer and explanation follow.
    m.goto(&format!("{base}/daily")).await;
    m.wait_for("#daily-submit").await;
    m.click("#daily-form input[name=choice]").await;
    m.click("#daily-submit").await;
    m.wait_for("#daily-result").await;
    assert!(!m.text("#daily-answer").await.is_empty());
    m.screenshot("daily-question.png").await;

    // The points and the rank, at once.
    m.goto(&format!("{base}/rankings?scope=branch&period=week"))
        .await;
    m.wait_for("#my-rank").await;
    assert_eq!(m.text("#my-rank").await, "第1名");
    let score: i64 = m.text("#my-score").await.parse().unwrap();
    assert!(score >= 3, "login, the article and the answer: {score}");
    m.assert_fits_width().await;
    m.screenshot("rankings.png").await;

    // And the prize.
    m.goto(&format!("{base}/shop")).await;
    m.wait_for(".prize").await;
    let before: i64 = m.text("#balance").await.parse().unwrap();
    m.script("document.querySelectorAll('.prize').forEach(p => { if (!p.textContent.includes('学习笔记本')) p.remove(); });").await;
    m.click(".prize button").await;
    m.wait_for_text(".flash", "已兑换学习笔记本").await;
    assert_eq!(m.text("#balance").await.parse::<i64>().unwrap(), before - 2);
    assert!(m.text("#my-orders").await.contains("待领取"));
    m.screenshot("shop.png").await;

    // The history: newest first, the redemption on top, fitting the phone.
    m.goto(&format!("{base}/points")).await;
    m.wait_for("#points-history").await;
    assert!(
        m.text("#points-history tbody tr:first-child")
            .await
            .contains("积分兑换")
    );
    m.assert_fits_width().await;
    let cut = m
        .script("const t = document.querySelector('#points-history'); return t.scrollWidth - t.clientWidth;")
        .await;
    assert_eq!(
        cut.as_i64(),
        Some(0),
        "nothing of the history is cut at the right"
    );
    m.screenshot("points.png").await;
    m.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_drills_down_exports_and_follows_up_a_branch_that_answers() {
    if !tools_present() {
        return;
    }
    let base = demo_server(1).await;
    let driver = Driver::start().await;

    // The branch secretary's branch, as their home page names it.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    let branch = secretary.text(".hero .muted").await;

    // The county administrator lands on the dashboard, on a PC.
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    county.wait_for("#dashboard").await;
    county.assert_fits(1366).await;
    assert!(
        county
            .text("#dashboard tr.total")
            .await
            .contains("云岭县委（合计）")
    );
    county.screenshot("dashboard-county.png").await;
    // Sorted by completion, lowest first, then highest first.
    county.click("#dashboard th:nth-child(4) a").await;
    county
        .wait_for_text("#dashboard th:nth-child(4)", "▲")
        .await;
    let ascending = county
        .script("return [...document.querySelectorAll('#dashboard tr.child td:nth-child(4)')].map(td => parseInt(td.textContent.trim())).join(',');")
        .await;
    let values: Vec<i64> = ascending
        .as_str()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    // The first town (城关镇党委), then the secretary's branch, then a member.
    county.goto(&format!("{base}/dashboard")).await;
    county.wait_for("#dashboard").await;
    let town = county
        .script("return [...document.querySelectorAll('#dashboard a.drill')].find(a => a.textContent.includes('城关镇')).getAttribute('href');")
        .await;
    county
        .goto(&format!("{base}{}", town.as_str().unwrap()))
        .await;
    county.wait_for_text("h1", "城关镇党委").await;
    // The branch may sit under a 联村党总支: found by name from the town.
    county.type_into("input[name=q]", &branch).await;
    county.click(".searchbar button").await;
    county.wait_for("#found a").await;
    county.click("#found a").await;
    county.wait_for("#member-figures").await;
    assert!(county.text("nav.crumbs").await.contains("城关镇党委"));
    let parent = county
        .script("const a = document.querySelectorAll('nav.crumbs a'); return a[a.length - 1].getAttribute('href');")
        .await;
    county.click("#member-figures tbody tr:first-child a").await;
    county.wait_for("#member-name").await;

    // The table of the branch's parent, as a spreadsheet, fetched with the browser's own
    // session.
    county
        .goto(&format!("{base}{}", parent.as_str().unwrap()))
        .await;
    county.wait_for("#export").await;
    let export = county.attribute("#export", "href").await;
    let cookies = county.client.get_all_cookies().await.unwrap();
    let cookie = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let xlsx = reqwest::Client::new()
        .get(format!("{base}{export}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let rows = dangjian::spreadsheet::read_rows(&xlsx.bytes().await.unwrap()).unwrap();
    assert!(rows[0].cell(0).contains(" 数据看板 "));
    assert!(
        rows.iter().any(|r| r.cell(0) == branch),
        "{branch} is a row"
    );

    // 督促 from the branch's row.
    let followup = county
        .script(&format!(
            "return [...document.querySelectorAll('#dashboard tr.child')].find(tr => tr.querySelector('a.drill').textContent.trim() === {branch:?}).querySelector('a.followup').getAttribute('href');"
        ))
        .await;
    county
        .goto(&format!("{base}{}", followup.as_str().unwrap()))
        .await;
    county.wait_for("#message").await;
    county.value("#topic", "overdue").await;
    county
        .type_into("#message", "本月主题党日尚未开展，请尽快安排并上传记录")
        .await;
    county.click("#send-followup").await;
    county.wait_for_text(".flash", "已向").await;
    county.screenshot("followups-sent.png").await;

    // The secretary sees it in the bell, reads it and answers, on the phone.
    secretary.goto(&format!("{base}/notifications")).await;
    secretary.wait_for_text("main", "上级督促").await;
    secretary.goto(&format!("{base}/followups")).await;
    secretary.click("#received li:first-child a").await;
    secretary.wait_for("#answer").await;
    secretary.assert_fits_width().await;
    secretary
        .type_into("#answer", "已安排本周五开展主题党日，会后上传记录")
        .await;
    secretary.click("#send-answer").await;
    secretary.wait_for_text(".flash", "已回复").await;

    // The county sees it answered.
    county.goto(&format!("{base}/followups")).await;
    county.wait_for("#sent").await;
    let sent = county.text("#sent").await;
    assert!(sent.contains("已回复") && sent.contains("已安排本周五开展主题党日"));

    // The same dashboard fits a phone.
    let phone = driver.phone().await;
    phone.sign_in(&base, "13800000004", "/dashboard").await;
    phone.assert_fits_width().await;
    phone.screenshot("dashboard-phone.png").await;
    for b in [secretary, county, phone] {
        b.quit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_sees_a_reused_photo_side_by_side_and_follows_it_up() {
    if !tools_present() {
        return;
    }
    let (base, db, keys) = demo_server_with_db(1).await;
    // The demo's badges carry the day their meeting's record was closed, not the demo's run.
    let (first, last): (i64, i64) =
        sqlx::query_as("SELECT MIN(awarded_at), MAX(awarded_at) FROM badges")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(last - first > 7 * 86_400, "badges from {first} to {last}");
    let driver = Driver::start().await;
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    // 数据预警: towns with open findings carry their count on the dashboard.
    county.wait_for("#dashboard a.warning").await;
    county.click("nav.sidemenu a[href='/findings']").await;
    county.wait_for("#findings").await;
    county.assert_fits(1366).await;
    county
        .goto(&format!("{base}/findings?rule=photo_reused"))
        .await;
    county.wait_for("#findings tbody a").await;
    county.click("#findings tbody tr:first-child a").await;
    county
        .wait_until(
            "return [...document.querySelectorAll('#evidence-photos img')].filter(i => i.complete && i.naturalWidth > 0).length == 2;",
            "both photos, side by side",
        )
        .await;
    county.screenshot("finding-reused-photo.png").await;
    let finding = county.script("return location.pathname;").await;
    // 督促 from the finding: the form already says what was found.
    county.click("#send-followup-link").await;
    county.wait_for("#send-followup").await;
    assert!(county.text("#message").await.contains("电子监察发现"));
    county.click("#send-followup").await;
    county.wait_for(".flash").await;
    assert!(county.text(".flash").await.contains("发出督促"));
    county
        .goto(&format!("{base}{}", finding.as_str().unwrap()))
        .await;
    county.wait_for_text("#finding-history", "发出督促").await;
    // The branch's secretary answers on a phone. (The demo's secretary login is made an
    // administrator of the planted branch — a party group's branch answers for it — as the
    // security administrator would grant.)
    let finding_id: i64 = finding
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let found = dangjian::store::supervision::finding(&db, finding_id)
        .await
        .unwrap();
    let branch = *dangjian::domain::org::path_ids(found.answering_path())
        .last()
        .unwrap();
    let secretary_user = dangjian::store::users::by_phone(&db, &keys, "13800000002")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut tx = db.begin().await.unwrap();
    dangjian::store::users::add_grant(
        tx.conn(),
        secretary_user,
        dangjian::domain::policy::Role::BranchAdmin,
        Some(branch),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary
        .goto(&format!("{base}{}", finding.as_str().unwrap()))
        .await;
    secretary.wait_for("#send-appeal").await;
    secretary.assert_fits(360).await;
    secretary
        .type_into("#note", "两村在镇里联合召开会议，照片为同一场合所拍")
        .await;
    secretary.click("#send-appeal").await;
    secretary
        .wait_for_text("#finding-history", "提出申诉")
        .await;
    secretary.quit().await;
    // The county accepts the answer.
    county
        .goto(&format!("{base}{}", finding.as_str().unwrap()))
        .await;
    county.wait_for("#accept-appeal").await;
    county.click("#accept-appeal").await;
    county.wait_for_text("#finding-history", "采纳申诉").await;
    // 月度通报 from the menu: last month's county report, and its PDF opens.
    county.click("nav.sidemenu a[href='/reports']").await;
    county.wait_for("#reports tbody a").await;
    county.assert_fits(1366).await;
    county
        .click("#reports tbody tr:first-child td:nth-child(2) a")
        .await;
    county.wait_for("#report-pdf").await;
    assert!(county.text("h1").await.contains("月度通报"));
    let pdf = county
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('#report-pdf').href).then(r => r.arrayBuffer().then(b => { \
               const a = new Uint8Array(b); \
               done([r.status, r.headers.get('content-type'), String.fromCharCode(...a.slice(0, 5)), a.length]); }));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(pdf[0].as_i64(), Some(200));
    assert_eq!(pdf[1].as_str(), Some("application/pdf"));
    assert_eq!(pdf[2].as_str(), Some("%PDF-"));
    assert!(pdf[3].as_i64().unwrap() > 10_000, "{pdf:?}");
    county.screenshot("monthly-report.png").await;
    county.quit().await;
}

/// Each role's menus, walked at both widths: every page they link to fits the screen and
/// passes axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_menu_page_fits_and_passes_axe_for_each_role() {
    if !tools_present() {
        return;
    }
    let base = demo_server(1).await;
    let driver = Driver::start().await;
    // (login, the width to walk at)
    let roles = [
        ("13800000001", 360),
        ("13800000002", 360),
        ("13800000003", 1366),
        ("13800000004", 1366),
        ("13800000005", 1366),
        ("13900000001", 1366),
        ("13900000002", 1366),
        ("13900000003", 1366),
    ];
    // The second step of an administrator's sign-in, on a phone.
    let phone = driver.phone().await;
    phone.goto(&format!("{base}/login")).await;
    phone.type_into("#phone", "13800000002").await;
    phone
        .type_into("#password", dangjian::demo::DEMO_PASSWORD)
        .await;
    phone.click("#login-submit").await;
    phone.wait_for("#second-step-submit").await;
    phone.assert_fits(360).await;
    phone.quit().await;
    for (login, width) in roles {
        let b = if width == 360 {
            driver.phone().await
        } else {
            driver.desktop().await
        };
        b.submit_login(&base, login, dangjian::demo::DEMO_PASSWORD)
            .await;
        b.wait_for("#logout").await;
        let links = b
            .script(
                "return [...new Set([...document.querySelectorAll('nav a[href^=\"/\"], .tiles a[href^=\"/\"]')] \
                 .map(a => a.getAttribute('href').split('#')[0]))];",
            )
            .await;
        let links: Vec<String> = serde_json::from_value(links).unwrap();
        assert!(links.len() > 1, "{login} has a menu: {links:?}");
        // And what hangs off 我的 rather than the menu: the 动态口令 page.
        for link in links
            .iter()
            .map(String::as_str)
            .chain(["/me/second-factor"])
        {
            b.goto(&format!("{base}{link}")).await;
            b.wait_for("h1").await;
            b.assert_fits(width).await;
        }
        b.quit().await;
    }
}

/// A member row for the roster CSV the county office saved from Excel (GBK, as Excel in China
/// saves CSV).
fn roster_csv(rows: &[[&str; 14]]) -> Vec<u8> {
    let mut text = dangjian::domain::roster::MEMBER_COLUMNS.join(",");
    for r in rows {
        text.push_str("\r\n");
        text.push_str(&r.join(","));
    }
    encoding_rs::GBK.encode(&text).0.into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_imports_a_roster_fixes_a_row_and_prints_letters() {
    if !tools_present() {
        return;
    }
    let (base, db, _) = demo_server_with_db(1).await;
    // A branch whose name no other organization has, as the county office would name it.
    let (branch_id, branch): (i64, String) = sqlx::query_as(
        "SELECT MIN(id), name FROM orgs WHERE kind = 'branch' GROUP BY name HAVING COUNT(*) = 1 ORDER BY MIN(id) LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let id = |body: &str| {
        format!(
            "{body}{}",
            dangjian::domain::idcard::check_char(body).unwrap()
        )
    };
    let good = id("13098419800312151");
    let second = id("13098419850620162");
    let rows = |first_id: &str| {
        roster_csv(&[
            [
                "林志强",
                "男",
                "汉族",
                first_id,
                "19912345601",
                "大专",
                "2008.7.1",
                "2009年7月1日",
                "正式党员",
                "在岗职工",
                &branch,
                "",
                "",
                "",
            ],
            [
                "何美玲",
                "女",
                "汉族",
                &second,
                "19912345602",
                "大学本科",
                "2020/6/30",
                "2021/7/1",
                "正式党员",
                "在岗职工",
                &branch,
                "",
                "",
                "",
            ],
        ])
    };
    let dir = artifacts();
    let bad_file = dir.join("roster-with-error.csv");
    std::fs::write(&bad_file, rows("1309841980031215")).unwrap();
    let fixed_file = dir.join("roster-fixed.csv");
    std::fs::write(&fixed_file, rows(&good)).unwrap();

    let driver = Driver::start().await;
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    county.click("nav.sidemenu a[href='/roster']").await;
    county.wait_for("#members-file").await;
    county.assert_fits(1366).await;
    county.choose_file("#members-file", &bad_file).await;
    county.click("#check-members").await;
    county
        .wait_for_text("#import-problems", "第2行「身份证号」")
        .await;
    county.screenshot("roster-problem.png").await;
    county.choose_file("#members-file", &fixed_file).await;
    county.click("#check-members").await;
    county.wait_for("#confirm-import").await;
    assert!(county.text("#tally").await.contains("新建 2 条"));
    county.click("#confirm-import").await;
    county.wait_for_text("#import-done", "新建 2 条").await;

    // The new member is in the register, in the branch the file named.
    county.goto(&format!("{base}/members")).await;
    county.type_into("#member-search", "林志强").await;
    county.click("#member-search-submit").await;
    county.wait_for_text(".member-list", &branch).await;
    // The branch's login letters: a PDF for the new members.
    county.goto(&format!("{base}/orgs/{branch_id}")).await;
    county.wait_for("#print-letters").await;
    let href = county.attribute("#print-letters", "href").await;
    let fetched = county
        .script(&format!(
            "const x = new XMLHttpRequest(); x.open('GET', '{href}', false); x.send(); \
             return [x.status, x.getResponseHeader('content-type')];"
        ))
        .await;
    assert_eq!(fetched, json!([200, "application/pdf"]));
    county.quit().await;
}

/// A demo secretary (branch administrator) of another village of the town the demo's
/// secretary login is in, with the phone they sign in with: (branch, phone).
async fn second_secretary(
    db: &dangjian::store::Db,
    keys: &dangjian::crypto::Keys,
    first_branch: i64,
) -> (i64, String) {
    let (branch, phone_enc): (i64, String) = sqlx::query_as(
        "SELECT o.id, u.phone_enc FROM role_grants g JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id \
         JOIN orgs f ON f.id = $1 WHERE g.role = 'branch_admin' AND o.parent_id = f.parent_id AND o.category = 'rural' \
         AND o.id <> f.id AND u.must_change_password = 0 ORDER BY o.id LIMIT 1",
    )
    .bind(first_branch)
    .fetch_one(db.pool())
    .await
    .unwrap();
    (branch, keys.decrypt(&phone_enc).unwrap())
}

/// A secretary submits their village's entry on a phone: the report, two figures, a photo.
async fn submit_entry(b: &Browser, contest: &str, branch: i64, income: &str) {
    b.goto(contest).await;
    let form = format!("#enter-{branch}");
    b.wait_for(&form).await;
    b.assert_fits(360).await;
    b.type_into(
        &format!("{form} textarea[name=report]"),
        "一组数据、一张清单：公开发包集体土地，发展果蔬采摘。",
    )
    .await;
    for (field, value) in [
        ("label_0", "集体土地公开发包"),
        ("value_0", "200"),
        ("unit_0", "亩"),
        ("label_1", "村集体年增收"),
        ("value_1", income),
        ("unit_1", "万元"),
    ] {
        b.type_into(&format!("{form} input[name={field}]"), value)
            .await;
    }
    b.choose_file(
        &format!("#photos-{branch}"),
        &fixture_photo("meeting-with-exif-gps.jpg"),
    )
    .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.wait_for_text(".flash", "参赛材料已提交").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_holds_a_contest_two_secretaries_enter_a_judge_scores_and_the_county_reads_it() {
    if !tools_present() {
        return;
    }
    let (base, db, keys) = demo_server_with_db(1).await;
    let user = |phone: &'static str| {
        let (db, keys) = (db.clone(), keys.clone());
        async move {
            dangjian::store::users::by_phone(&db, &keys, phone)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (judge, secretary) = (user("13800000003").await, user("13800000002").await);
    let (first,): (i64,) = sqlx::query_as(
        "SELECT org_id FROM role_grants WHERE user_id = $1 AND role = 'branch_admin'",
    )
    .bind(secretary)
    .fetch_one(db.pool())
    .await
    .unwrap();
    let (second, second_phone) = second_secretary(&db, &keys, first).await;
    let driver = Driver::start().await;

    // The town's organization officer sets the contest up on the office PC.
    let town = driver.desktop().await;
    town.sign_in(&base, "13800000003", "/dashboard").await;
    town.click("nav.sidemenu a[href='/arena']").await;
    town.click("#new-contest").await;
    town.wait_for("#contest-form").await;
    town.assert_fits(1366).await;
    town.type_into("#title", "城关镇第四季度党支部书记擂台赛")
        .await;
    town.type_into("#period", "第四季度").await;
    let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
    let day = |d: i64| dangjian::domain::clock::format_date(today + time::Duration::days(d));
    town.value("#held_on", &day(7)).await;
    town.value("#deadline", &day(5)).await;
    town.click(&format!("#judges input[value='{judge}']")).await;
    town.click("#create-contest").await;
    town.wait_for_text(".flash", "擂台赛已发起").await;
    let contest = town.url().await;

    // Two village secretaries enter on their phones.
    let one = driver.phone().await;
    one.sign_in(&base, "13800000002", "/").await;
    one.click("#arena").await;
    one.wait_for_text("#ongoing", "城关镇第四季度党支部书记擂台赛")
        .await;
    assert!(one.text("#ongoing").await.contains("可报名"));
    submit_entry(&one, &contest, first, "13.5").await;
    let two = driver.phone().await;
    two.sign_in(&base, &second_phone, "/").await;
    submit_entry(&two, &contest, second, "9").await;
    two.screenshot("arena-entry-phone.png").await;

    // The judge scores both; the result is published.
    town.goto(&contest).await;
    town.wait_for(".score-form").await;
    assert_eq!(town.count(".score-form").await, 2);
    // Each score form filled in and sent; the page comes back with it scored.
    for (n, scores) in [(0, ["9", "8", "9"]), (1, ["7", "8", "6"])] {
        let fill = format!(
            "const f = document.querySelectorAll('.score-form')[{n}]; {:?}.forEach((v, i) => f.querySelector('input[name=score_' + i + ']').value = v); f.querySelector('button').click(); return true;",
            scores
        );
        town.script(&fill).await;
        town.wait_until(
            &format!("const f = document.querySelectorAll('.score-form')[{n}]; return !!f && f.querySelector('button').textContent.includes('修改评分');"),
            "the entry scored",
        )
        .await;
    }
    town.click("#publish").await;
    town.wait_for_text(".flash", "结果已发布").await;

    // Anyone in the county reads it in the column, with the breakdown.
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    county.goto(&format!("{base}/arena")).await;
    county
        .wait_for_text("#published", "城关镇第四季度党支部书记擂台赛")
        .await;
    county.click("#published a").await;
    county.wait_for("#results").await;
    county.assert_fits(1366).await;
    let results = county.text("#results").await;
    // 9/10 × 40 + 8/10 × 40 + 9/10 × 20 = 86; 7, 8, 6 make 72.
    assert!(results.contains("86.00"), "{results}");
    assert!(results.contains("72.00"), "{results}");
    county.screenshot("arena-result.png").await;
    for b in [town, one, two, county] {
        b.quit().await;
    }
}

/// What was seen untrue or unusable, walked again: the county's default period and its
/// toggle, the 大屏 on one screen, the secretary's 待办 and a bell that clears, a disabled
/// button that looks it, a ledger that does not repeat itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_county_and_the_branch_read_is_true_and_fits() {
    if !tools_present() {
        return;
    }
    use dangjian::domain::dashboard::{PeriodKind, last_complete};
    let base = demo_server(1).await;
    let driver = Driver::start().await;
    let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
    let last_month = last_complete(PeriodKind::Month, today).label();

    // The county's 数据看板 opens on the last whole month, this month one tap away and
    // said to be partial.
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    assert_eq!(county.text("#period-label").await, last_month);
    assert_eq!(county.count("#partial-note").await, 0);
    county.assert_fits(1366).await;
    county.screenshot("dashboard-last-month-1366.png").await;
    county.click("#period-toggle").await;
    county.wait_for("#partial-note").await;
    assert!(county.text("#period-label").await.contains("本月至今"));
    assert!(county.text("#period-toggle").await.contains("上一月"));
    assert!(county.text("tr.before").await.starts_with("上月同期（"));
    county.screenshot("dashboard-so-far-1366.png").await;
    // The trends name their months' year and show each value.
    county.goto(&format!("{base}/dashboard/trend")).await;
    county.wait_for("svg.trend").await;
    assert!(county.count("svg.trend .trend-value").await >= 12);
    assert!(county.text(".trend-card").await.contains("年"));
    county.screenshot("trend-1366.png").await;
    county.quit().await;

    // The 大屏 fits one 1920×1080 screen with its tiers and trend.
    let wall = driver
        .browser(json!({"mobileEmulation": {"deviceMetrics": {
            "width": 1920, "height": 1080, "pixelRatio": 1.0, "mobile": false, "touch": false
        }}}))
        .await;
    wall.sign_in(&base, "13800000004", "/dashboard").await;
    wall.goto(&format!("{base}/dashboard/wall")).await;
    wall.wait_for("#wall-tiers").await;
    let size = wall
        .script("return [document.documentElement.scrollHeight, window.innerHeight, document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    let [h, inner_h, w, inner_w] = [0, 1, 2, 3].map(|i| size[i].as_i64().unwrap());
    assert_eq!((inner_w, inner_h), (1920, 1080), "a 1920×1080 screen");
    assert!(
        h <= inner_h && w <= inner_w,
        "the 大屏 is {w}×{h} on {inner_w}×{inner_h}"
    );
    assert!(wall.count(".wall-trend svg.trend").await == 1);
    wall.screenshot("wall-1920.png").await;
    wall.quit().await;

    // The secretary's home begins with what is to be done; opening a notification's page
    // reads it, and 全部已读 clears the bell.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.wait_for("#todo").await;
    let first = secretary
        .script("return [...document.querySelectorAll('main section')].find(s => !s.classList.contains('hero')).id;")
        .await;
    assert_eq!(first, json!("todo"), "待办 comes first");
    // What 待办 says of findings is what 电子监察 holds for the branch.
    let listed = secretary.count(".todo-findings").await;
    secretary.assert_fits_width().await;
    secretary.screenshot("secretary-todo-360.png").await;
    secretary.goto(&format!("{base}/findings")).await;
    let open: i64 = secretary.text("#findings-total").await.parse().unwrap();
    assert_eq!(listed > 0, open > 0, "{open} open findings");
    let before = unread(&secretary).await;
    assert!(before > 0, "the demo's secretary has notifications to read");
    secretary.goto(&format!("{base}/notifications")).await;
    let link = secretary
        .attribute("#notifications li:first-child a", "href")
        .await;
    secretary.goto(&format!("{base}{link}")).await;
    secretary.wait_for("h1").await;
    // The one opened is read (the server's reminder job may meanwhile add others).
    secretary.goto(&format!("{base}/notifications")).await;
    let still_unread = secretary
        .script(&format!(
            "return [...document.querySelectorAll('#notifications li')].filter(li => li.querySelector('a[href={link:?}]') && li.querySelector('.tag.gold')).length;"
        ))
        .await;
    assert_eq!(still_unread, json!(0), "opening {link} read it");
    secretary
        .click("form[action='/notifications/read'] button")
        .await;
    secretary.wait_for_text(".flash", "已全部标为已读").await;
    assert_eq!(unread(&secretary).await, 0);
    assert_eq!(secretary.count("#notifications .tag.gold").await, 0);
    secretary.screenshot("notifications-read-360.png").await;

    // A meeting the branch held: its host and recorder are among those who came, its minutes
    // name the host, and its photo is a picture of the room.
    secretary.goto(&format!("{base}/orglife")).await;
    let list = secretary.attribute("a[href$='/meetings']", "href").await;
    secretary.goto(&format!("{base}{list}")).await;
    let held = secretary
        .script("return [...document.querySelectorAll('.member-list li')].filter(li => li.textContent.includes('已归档')).map(li => li.querySelector('a').getAttribute('href'));")
        .await;
    let held: Vec<String> = held
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    let mut read = 0;
    for meeting in held.iter().take(6) {
        secretary.goto(&format!("{base}{meeting}")).await;
        secretary.wait_for("#attendance").await;
        let record = secretary
            .script("const field = n => [...document.querySelectorAll('dl.fields dt')].find(d => d.textContent == n).nextElementSibling.textContent.trim(); const came = [...document.querySelectorAll('#attendance li')].filter(li => li.querySelector('.tag.gold')).map(li => li.querySelector('strong').textContent); const minutes = document.querySelector('textarea[name=minutes]').value; return [field('主持人'), field('记录人'), came, minutes];")
            .await;
        let (host, recorder) = (record[0].as_str().unwrap(), record[1].as_str().unwrap());
        let came: Vec<&str> = record[2]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        let minutes = record[3].as_str().unwrap();
        assert!(
            came.contains(&host),
            "{meeting}: {host} hosted, {came:?} came"
        );
        assert!(came.contains(&recorder), "{meeting}: {recorder} recorded");
        if minutes.is_empty() {
            continue;
        }
        assert!(minutes.contains(host), "{meeting}: the minutes name {host}");
        read += 1;
        if secretary.count("#photos img").await > 0 {
            secretary.screenshot("meeting-host-360.png").await;
            secretary
                .script(
                    "document.querySelector('textarea[name=minutes]').scrollIntoView(); return 0;",
                )
                .await;
            secretary.screenshot("meeting-minutes-360.png").await;
            secretary
                .script("document.querySelector('#photos').scrollIntoView(); return 0;")
                .await;
            secretary
                .wait_until(
                    "return [...document.querySelectorAll('#photos img')].every(i => i.complete && i.naturalWidth >= 320);",
                    "the meeting's photo",
                )
                .await;
            secretary.assert_fits_width().await;
            secretary.screenshot("meeting-photo-360.png").await;
            break;
        }
    }
    assert!(read > 0, "a held meeting's minutes among {held:?}");
    secretary.quit().await;

    // A prize the member cannot afford offers a grey 兑换 with no hand; the ledger names each
    // entry once.
    let member = driver.phone().await;
    member.sign_in(&base, "13800000001", "/").await;
    member.goto(&format!("{base}/shop")).await;
    member.wait_for(".prize").await;
    let disabled = member
        .script("return [...document.querySelectorAll('.prize button[disabled]')].map(b => [getComputedStyle(b).cursor, getComputedStyle(b).backgroundColor]);")
        .await;
    let disabled = disabled.as_array().unwrap();
    assert!(!disabled.is_empty(), "the demo has a prize out of reach");
    for d in disabled {
        assert_eq!(d[0], "not-allowed");
        assert_ne!(d[1], "rgb(183, 28, 28)", "not the active red");
    }
    member.screenshot("shop-disabled-360.png").await;
    member.goto(&format!("{base}/points")).await;
    member.wait_for("#points-history").await;
    let repeated = member
        .script("return [...document.querySelectorAll('#points-history td.text')].filter(td => { const d = td.querySelector('div'); return d && td.firstChild.textContent.trim() === d.textContent.trim(); }).length;")
        .await;
    assert_eq!(repeated.as_i64(), Some(0), "no entry repeats its title");
    member.quit().await;
}

/// The bell's count of unread notifications.
async fn unread(b: &Browser) -> i64 {
    b.script("const u = document.querySelector('#unread'); return u ? Number(u.textContent) : 0;")
        .await
        .as_i64()
        .unwrap()
}

/// 党费 as the branch's 组织委员, a member and the county meet it: the month recorded for the
/// branch in one sheet, a 补缴 paid on a member's behalf, the member's own page and 党费证, the
/// county's 交纳率 by town and the 6-month list — at a phone's width and a desk's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dues_are_collected_on_a_phone_and_read_from_the_county_sqlite() {
    if tools_present() {
        dues_walk(None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dues_are_collected_on_a_phone_and_read_from_the_county_postgres() {
    if tools_present()
        && let Some(url) = fresh_postgres().await
    {
        dues_walk(Some(url)).await;
    }
}

async fn dues_walk(database_url: Option<String>) {
    // The register and a year of dues; organizational life is not needed here.
    let (base, db, keys) = demo_server_on(database_url, 0).await;
    dangjian::demo::dues_demo(&db, &keys, 2019).await.unwrap();
    let driver = Driver::start().await;

    // The secretary opens 党费收缴 from the menu on a phone and ticks who paid this month.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.click("#menu-open").await;
    secretary.click("#sidemenu a[href='/dues/manage']").await;
    secretary.wait_for("#dues-sheet").await;
    let paid_before = secretary.count("#dues-sheet .tag.paid").await;
    let payable = secretary.count("#dues-sheet input[name=member]").await;
    assert!(payable > 0, "someone is still to pay this month");
    secretary.click("#dues-sheet input[name=member]").await;
    secretary.click("#collect-submit").await;
    secretary.wait_for_text(".flash", "已登记").await;
    assert_eq!(
        secretary.count("#dues-sheet .tag.paid").await,
        paid_before + 1
    );
    assert_eq!(
        secretary.count("#dues-sheet input[name=member]").await,
        payable - 1
    );
    // Each member is a card at 360 px: the amount and state are on screen, not cut off.
    let cut = secretary
        .script("return [...document.querySelectorAll('#dues-sheet td')].filter(td => td.getBoundingClientRect().right > window.innerWidth).length;")
        .await;
    assert_eq!(cut, json!(0));
    secretary.assert_fits(360).await;
    secretary.screenshot("dues-sheet-360.png").await;

    // The member who let two months slip pays them (补缴), a relative on their behalf.
    let unpaid_member = secretary
        .attribute("#dues-sheet tr.behind td a", "href")
        .await;
    secretary.goto(&format!("{base}{unpaid_member}")).await;
    secretary.wait_for("#pay").await;
    let month = dangjian::domain::dues::Month::of(dangjian::domain::clock::local_date(
        dangjian::domain::clock::now_epoch(),
    ));
    secretary.value("#first", &month.plus(-2).code()).await;
    secretary.type_into("#count", "2").await;
    secretary.value("#way", "on_behalf").await;
    secretary.type_into("#paid_by", "张丽").await;
    secretary.click("#pay-submit").await;
    secretary.wait_for_text(".flash", "补缴").await;
    assert!(
        secretary
            .text("#dues-payments")
            .await
            .contains("代缴（张丽）")
    );
    secretary.assert_fits(360).await;
    secretary.screenshot("dues-member-360.png").await;
    secretary.quit().await;

    // The member finds 我的党费 on the home page and the 党费证 is a PDF.
    let member = driver.phone().await;
    member.sign_in(&base, "13800000001", "/").await;
    member.click("#dues").await;
    member.wait_for("#dues-months").await;
    assert!(member.text("#dues-title").await.contains("我的党费"));
    assert_eq!(member.count("#dues-months tbody tr").await, 12);
    let card = member.attribute("#dues-card", "href").await;
    let kind = member
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.headers.get('content-type')));",
            vec![json!(card)],
        )
        .await
        .unwrap();
    assert_eq!(kind, json!("application/pdf"));
    member.assert_fits(360).await;
    member.screenshot("dues-mine-360.png").await;
    member.quit().await;

    // The county reads 交纳率 by town, drills into one, and sees who is six months behind.
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    assert!(county.text("#dashboard thead").await.contains("党费交纳率"));
    county.click("a[href='/dues/manage']").await;
    county.wait_for("#dues-children").await;
    assert!(county.text("#dues-month").await.contains("月"));
    let towns = county.count("#dues-children tbody tr").await;
    assert!(towns > 10, "a row per town: {towns}");
    assert!(county.text("#dues-behind").await.contains("6个月以上"));
    county.assert_fits(1366).await;
    county.screenshot("dues-county-1366.png").await;
    // Down the tree to a branch's sheet.
    for _ in 0..4 {
        if county.count("#dues-sheet").await > 0 {
            break;
        }
        county.click("#dues-children tbody tr a").await;
        county.wait_for("#dues-org").await;
    }
    assert_eq!(county.count("#dues-sheet").await, 1);
    county.assert_fits(1366).await;
    county.screenshot("dues-branch-1366.png").await;
    // A member on the branch's sheet, at a desk's width.
    county.click("#dues-sheet tbody tr td a").await;
    county.wait_for("#dues-months").await;
    county.assert_fits(1366).await;
    county.screenshot("dues-member-1366.png").await;
    county.quit().await;

    // The town's officer reads its branches' 交纳率 on a phone: each branch a card.
    let town = driver.phone().await;
    town.sign_in(&base, "13800000003", "/dashboard").await;
    town.goto(&format!("{base}/dues/manage")).await;
    town.wait_for("#dues-children").await;
    assert!(town.count("#dues-children tbody tr").await > 5);
    town.assert_fits(360).await;
    town.screenshot("dues-town-360.png").await;
    town.quit().await;
}

/// 发展党员 as the branch, the applicant and the county meet it: the secretary registers an
/// applicant on a phone and records their application with its scan, a step recorded too
/// early is refused at its date; the activist reads their own path; the town's board and
/// the 数据看板 count the same by branch — at a phone's width and a desk's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_takes_in_an_applicant_and_the_town_counts_them_sqlite() {
    if tools_present() {
        development_walk(None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_takes_in_an_applicant_and_the_town_counts_them_postgres() {
    if tools_present()
        && let Some(url) = fresh_postgres().await
    {
        development_walk(Some(url)).await;
    }
}

/// A valid ID number for a birth date (`YYYYMMDD`) and sequence (odd for a man).
fn id_number(birth: &str, seq: u32) -> String {
    let body = format!("130984{birth}{seq:03}");
    format!(
        "{body}{}",
        dangjian::domain::idcard::check_char(&body).unwrap()
    )
}

/// The cells of an organization's row in a table, as the page shows them.
async fn row_cells(b: &Browser, table: &str, org: &str) -> Vec<String> {
    let js = format!(
        "return [...document.querySelectorAll('#{table} tr[data-org=\"{org}\"] td')].map(td => td.textContent.trim());"
    );
    serde_json::from_value(b.script(&js).await).unwrap()
}

async fn development_walk(database_url: Option<String>) {
    let (base, db, keys, files) = demo_server_with_files(database_url, 0).await;
    dangjian::demo::development_demo(&db, &keys, &files, 2019)
        .await
        .unwrap();
    let driver = Driver::start().await;

    // The secretary opens 发展党员 from the menu on a phone: the branch's board.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.click("#menu-open").await;
    secretary.click("#menu-development").await;
    secretary.wait_for("#development-counts").await;
    let applicants: usize = secretary.text("#count-applicants").await.parse().unwrap();
    assert!(applicants >= 1, "the demo has an applicant in this branch");
    secretary.assert_fits(360).await;
    secretary.screenshot("development-board-360.png").await;

    // A new applicant: registered, then the application with its scan.
    secretary.click("#register").await;
    secretary.wait_for("#save-person").await;
    secretary.type_into("#name", "吕新").await;
    secretary.value("#gender", "female").await;
    secretary
        .type_into("#id_number", &id_number("20010506", 42))
        .await;
    secretary.type_into("#phone", "13812345678").await;
    secretary.value("#education", "college").await;
    secretary.value("#category", "farmer").await;
    secretary.click("#save-person").await;
    secretary.wait_for_text(".flash", "已登记吕新").await;
    secretary
        .choose_file("#document-1", &fixture_photo("coffee.jpg"))
        .await;
    secretary.click("#step-form-1 button[type=submit]").await;
    secretary.wait_for_text(".flash", "已记录第1步").await;
    assert!(secretary.text("#step-1").await.contains("入党申请书"));
    // The talk cannot be dated before the application.
    let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
    let yesterday = dangjian::domain::clock::format_date(today - time::Duration::days(1));
    secretary.value("#done_on-2", &yesterday).await;
    secretary.click("#step-form-2 button[type=submit]").await;
    secretary.wait_for("#done_on-error").await;
    assert!(
        secretary
            .text("#done_on-error")
            .await
            .contains("不能早于上一步")
    );
    let today = dangjian::domain::clock::format_date(today);
    secretary.value("#done_on-2", &today).await;
    secretary.click("#step-form-2 button[type=submit]").await;
    secretary.wait_for_text(".flash", "已记录第2步").await;
    assert!(secretary.text("#next-step").await.contains("第3步"));
    secretary.assert_fits(360).await;
    secretary.screenshot("development-person-360.png").await;
    secretary.quit().await;

    // The activist signs in on a phone and finds their path from the home page.
    let activist = driver.phone().await;
    activist
        .sign_in(&base, dangjian::demo::APPLICANT_LOGIN.1, "/")
        .await;
    activist.click("#my-development a").await;
    activist.wait_for("#steps").await;
    assert!(
        activist
            .text("#person-stage")
            .await
            .contains("入党积极分子")
    );
    assert_eq!(activist.count("form.step-form").await, 0);
    activist.assert_fits(360).await;
    activist.screenshot("development-me-360.png").await;
    activist.quit().await;

    // The town reads its branches' counts; the 数据看板 says the same of each branch.
    let town = driver.desktop().await;
    town.sign_in(&base, "13800000003", "/dashboard").await;
    town.wait_for("#development-stages").await;
    let orgs: Vec<String> = serde_json::from_value(
        town.script("return [...document.querySelectorAll('#development-stages tr[data-org]')].map(r => r.dataset.org).slice(1);")
            .await,
    )
    .unwrap();
    assert!(orgs.len() > 3, "a row per branch: {orgs:?}");
    let on_dashboard: Vec<Vec<String>> = {
        let mut rows = Vec::new();
        for org in &orgs {
            rows.push(row_cells(&town, "development-stages", org).await);
        }
        rows
    };
    town.assert_fits(1366).await;
    town.click("#menu-development").await;
    town.wait_for("#development-orgs").await;
    for (org, dashboard) in orgs.iter().zip(&on_dashboard) {
        assert_eq!(&row_cells(&town, "development-orgs", org).await, dashboard);
    }
    town.assert_fits(1366).await;
    town.screenshot("development-town-1366.png").await;
    // A person's page at a desk's width, from the town's list.
    town.click("a[href^='/development/people/']").await;
    town.wait_for("#steps").await;
    town.assert_fits(1366).await;
    town.screenshot("development-person-1366.png").await;
    town.quit().await;
}

/// 组织关系与班子 as a branch and its town meet them: the secretary sends a member out of the
/// county with a 介绍信 and records its 回执, records the branch's election and finds the
/// coming 换届 in the 待办; a member reads their political birthday; the town sees the terms
/// ending and ended, its flowing members and the transfers done — at a phone's width and a
/// desk's. (A member in from another county's letter is registered in the API test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_transfers_a_member_and_renews_its_committee_sqlite() {
    if tools_present() {
        organization_walk(None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_transfers_a_member_and_renews_its_committee_postgres() {
    if tools_present()
        && let Some(url) = fresh_postgres().await
    {
        organization_walk(Some(url)).await;
    }
}

async fn organization_walk(database_url: Option<String>) {
    use dangjian::domain::clock::{add_months, format_date, local_date, now_epoch};
    let (base, db, keys, _files) = demo_server_with_files(database_url, 0).await;
    dangjian::demo::transfers_demo(&db, &keys, 2019)
        .await
        .unwrap();
    let today = local_date(now_epoch());
    // The demo's member joined ten years ago today.
    let member_login = dangjian::store::users::by_phone(&db, &keys, "13800000001")
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE members SET joined_on = $1 WHERE id = $2")
        .bind(format_date(add_months(today, -120)))
        .bind(member_login.member_id.unwrap())
        .execute(db.pool())
        .await
        .unwrap();
    let driver = Driver::start().await;

    // The secretary sends a member out of the county from their page.
    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.click("#menu-open").await;
    secretary.click("a[href='/members']").await;
    secretary.wait_for(".member-link").await;
    let links: Vec<String> = serde_json::from_value(
        secretary
            .script("return [...document.querySelectorAll('.member-link')].map(a => a.getAttribute('href'));")
            .await,
    )
    .unwrap();
    let me = secretary_member(&db, &keys).await;
    let leaving = links
        .iter()
        .find(|h| **h != format!("/members/{me}"))
        .expect("another member")
        .clone();
    secretary.goto(&format!("{base}{leaving}")).await;
    secretary.click("#member-transfer").await;
    secretary.wait_for("#transfer-out").await;
    secretary
        .type_into("#outside_org", "中共江城市滨江区望江街道工作委员会")
        .await;
    secretary.type_into("#out-reason", "工作调动").await;
    secretary.assert_fits(360).await;
    secretary.screenshot("transfer-new-360.png").await;
    secretary.click("#start-out").await;
    secretary.wait_for_text(".flash", "介绍信已开具").await;
    assert_eq!(secretary.count("#print-letter").await, 1);
    let id: i64 = secretary
        .url()
        .await
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut conn = db.conn().await.unwrap();
    let code = dangjian::store::transfers::get_in(&mut conn, id)
        .await
        .unwrap()
        .verify_code;
    drop(conn);
    secretary.type_into("#code", &code).await;
    secretary.click("#save-receipt").await;
    secretary.wait_for_text(".flash", "回执已登记").await;
    assert!(secretary.text("#transfer-status").await.contains("已回执"));
    secretary.assert_fits(360).await;
    secretary.screenshot("transfer-receipted-360.png").await;

    // The branch's election, two months short of three years ago: the 换届 is coming.
    let branch = secretary_branch(&db, &keys).await;
    secretary
        .goto(&format!("{base}/orgs/{branch}/committee"))
        .await;
    secretary.wait_for("#record-election").await;
    secretary
        .value("#elected_on", &format_date(add_months(today, -34)))
        .await;
    secretary
        .value("select[name=member]", &me.to_string())
        .await;
    secretary.value("select[name=office]", "secretary").await;
    secretary.click("#save-election").await;
    secretary.wait_for_text(".flash", "已记录换届选举").await;
    assert!(secretary.text("#term-state").await.contains("三个月内届满"));
    secretary.assert_fits(360).await;
    secretary.screenshot("committee-360.png").await;
    secretary.goto(&format!("{base}/")).await;
    secretary.wait_for(".todo-term").await;
    assert!(
        secretary
            .text(".todo-term")
            .await
            .contains("领导班子任期至")
    );
    secretary.quit().await;

    // The member reads their political birthday on the home page.
    let member = driver.phone().await;
    member.sign_in(&base, "13800000001", "/").await;
    member.wait_for("#political-birthday").await;
    assert!(
        member
            .text("#political-birthday")
            .await
            .contains("入党10周年")
    );
    member.assert_fits(360).await;
    member.screenshot("political-birthday-360.png").await;
    member.quit().await;

    // The town: the terms ending and ended on its dashboard (the demo's committees beside
    // the branch's own), its flowing members by branch.
    dangjian::demo::committees_demo(&db, 2019).await.unwrap();
    let town = driver.desktop().await;
    town.sign_in(&base, "13800000003", "/dashboard").await;
    town.wait_for("#terms-due").await;
    assert!(town.text("#terms-due").await.contains("三个月内届满"));
    town.assert_fits(1366).await;
    town.click("#menu-flows").await;
    town.wait_for("#count-out").await;
    let away: usize = town.text("#count-out").await.parse().unwrap();
    assert!(away > 0, "the town has members working away");
    town.assert_fits(1366).await;
    town.screenshot("flows-town-1366.png").await;
    town.click("#menu-transfers").await;
    town.wait_for("#done").await;
    assert!(town.text("#done").await.contains("已回执"));
    town.assert_fits(1366).await;
    town.screenshot("transfers-town-1366.png").await;
    town.quit().await;
}

/// The demo secretary's own member record and branch.
async fn secretary_member(db: &dangjian::store::Db, keys: &dangjian::crypto::Keys) -> i64 {
    dangjian::store::users::by_phone(db, keys, "13800000002")
        .await
        .unwrap()
        .unwrap()
        .member_id
        .unwrap()
}

async fn secretary_branch(db: &dangjian::store::Db, keys: &dangjian::crypto::Keys) -> i64 {
    let me = secretary_member(db, keys).await;
    dangjian::store::members::get(db, me)
        .await
        .unwrap()
        .branch_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_cares_evaluates_and_the_county_honours_sqlite() {
    if tools_present() {
        care_walk(None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_cares_evaluates_and_the_county_honours_postgres() {
    if tools_present()
        && let Some(url) = fresh_postgres().await
    {
        care_walk(Some(url)).await;
    }
}

/// 关怀与评议 through the pages: the secretary registers a hardship and records a 慰问 with a
/// photo, opens the year's 民主评议; the member writes and votes; the branch decides and
/// finishes; the county opens a 两优一先, the town nominates and approves, the county
/// publishes it and the member reads the 公示 from home.
async fn care_walk(database_url: Option<String>) {
    use dangjian::domain::clock::{format_date, local_date, now_epoch};
    let (base, db, keys, _files) = demo_server_with_files(database_url, 0).await;
    let today = local_date(now_epoch());
    let driver = Driver::start().await;
    let member = dangjian::store::users::by_phone(&db, &keys, "13800000001")
        .await
        .unwrap()
        .unwrap()
        .member_id
        .unwrap();

    let secretary = driver.phone().await;
    secretary.sign_in(&base, "13800000002", "/").await;
    secretary.click("#menu-open").await;
    secretary.click("#menu-care").await;
    secretary.wait_for("#register-hardship").await;
    secretary.value("#h-member", &member.to_string()).await;
    secretary.value("#kind", "elderly").await;
    secretary
        .type_into("#detail", "年过八旬，子女在外地，独自居住")
        .await;
    secretary.value("#since", "2024-05-01").await;
    secretary.type_into("#verified_by", "村委会 王主任").await;
    secretary.click("#save-hardship").await;
    secretary.wait_for_text(".flash", "为困难党员").await;
    secretary.value("#v-member", &member.to_string()).await;
    secretary.type_into("#visitors", "镇党委书记 刘明").await;
    secretary.type_into("#money", "500").await;
    secretary.type_into("#goods", "米一袋、油一桶").await;
    secretary
        .choose_file("#photos", &fixture_photo("coffee.jpg"))
        .await;
    secretary.click("#save-visit").await;
    secretary.wait_for_text(".flash", "已记录对").await;
    assert_eq!(secretary.text("#count-money").await, "500.00");
    assert_eq!(secretary.count("#visits .photos img").await, 1);
    secretary.assert_fits(360).await;
    secretary.screenshot("care-branch-360.png").await;

    // The year's 民主评议: opened from the menu.
    secretary.click("#menu-open").await;
    secretary.click("#menu-appraisals").await;
    secretary.click("#start-appraisal").await;
    secretary.wait_for_text(".flash", "民主评议").await;
    let appraisal = secretary.url().await;

    let m = driver.phone().await;
    m.sign_in(&base, "13800000001", "/").await;
    m.click("a.ask[href$='/ballot']").await;
    m.wait_for("#ballot").await;
    m.type_into("#text", "坚持学习，参加主题党日和志愿服务。")
        .await;
    m.click("#save-self").await;
    m.wait_for_text(".flash", "自我评价已保存").await;
    m.script("document.querySelectorAll('fieldset.vote input[value=qualified]').forEach(r => r.checked = true);")
        .await;
    m.click("#cast-votes").await;
    m.wait_for_text(".flash", "评价已提交").await;
    m.assert_fits(360).await;
    m.screenshot("appraisal-ballot-360.png").await;

    // The branch meeting's results, one member at a time, then finished.
    secretary.goto(&appraisal).await;
    let people = secretary.count("form.decide").await;
    for i in 0..people {
        secretary
            .script(&format!(
                "const f = document.querySelectorAll('form.decide')[{i}]; f.querySelector('select[name=grade]').value = 'qualified'; f.submit();"
            ))
            .await;
        secretary.wait_for_text(".flash", "的评议结果").await;
    }
    assert!(secretary.text("#participants").await.contains("合格"));
    secretary.click("#finish-appraisal").await;
    secretary.wait_for_text(".flash", "民主评议已完成").await;
    assert_eq!(secretary.count(".result").await, people);
    secretary.assert_fits(360).await;
    secretary.screenshot("appraisal-done-360.png").await;
    secretary.quit().await;

    // The county opens a 两优一先 with a place for the secretary's town.
    let branch = secretary_branch(&db, &keys).await;
    // The quota goes to the organization below the county that holds the branch.
    let town = dangjian::domain::org::path_ids(
        &dangjian::store::orgs::get(&db, branch).await.unwrap().path,
    )[1];
    let county = driver.desktop().await;
    county.sign_in(&base, "13800000004", "/dashboard").await;
    county.click("#menu-honours").await;
    county.type_into("#title", "两优一先评选表彰").await;
    county.value("#nominate_until", &format_date(today)).await;
    county
        .type_into(&format!("input[name=quota-{town}-member]"), "1")
        .await;
    county.click("#open-selection").await;
    county.wait_for_text(".flash", "评选已发起").await;
    let selection = county.url().await;

    let t = driver.desktop().await;
    t.sign_in(&base, "13800000003", "/dashboard").await;
    t.goto(&selection).await;
    t.value("#category", "member").await;
    t.script("const s = document.querySelector('#member'); s.value = s.options[1].value;")
        .await;
    t.type_into("#reason", "带领群众发展特色种植，热心调解邻里纠纷。")
        .await;
    t.click("#save-nomination").await;
    t.wait_for_text(".flash", "推荐已提交").await;
    t.click("button[value=approve]").await;
    t.wait_for_text(".flash", "审核通过").await;
    t.assert_fits(1366).await;
    t.quit().await;

    // Nominations close (a day on), the county publishes, the member reads it at home.
    sqlx::query("UPDATE selections SET nominate_until = $1")
        .bind(format_date(today - time::Duration::days(1)))
        .execute(db.pool())
        .await
        .unwrap();
    county.goto(&selection).await;
    county.click("#publish").await;
    county.wait_for_text(".flash", "名单已公示").await;
    assert_eq!(county.text("#phase").await, "公示中");
    county.assert_fits(1366).await;
    county.screenshot("honours-county-1366.png").await;
    county.quit().await;
    m.goto(&format!("{base}/")).await;
    m.click("a.ask[href$='/publicity']").await;
    m.wait_for("#publicity-list").await;
    assert!(
        m.text("#publicity-list")
            .await
            .contains("带领群众发展特色种植")
    );
    m.assert_fits(360).await;
    m.screenshot("honours-publicity-360.png").await;
    m.quit().await;
}
