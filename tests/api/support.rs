//! Test support: the real server on port 0 with a fresh database (SQLite file, or a new
//! PostgreSQL database when DANGJIAN_TEST_DATABASE_URL is set), and a small county.
use dangjian::config::Config;
use dangjian::crypto::{Keys, hash_password};
use dangjian::domain::member::MemberRecord;
use dangjian::domain::member::{Education, Gender, MemberCategory, MemberStatus};
use dangjian::domain::org::OrgRecord;
use dangjian::domain::org::{OrgCategory, OrgType};
use dangjian::domain::policy::Role;
use dangjian::startup::Server;
use dangjian::store::{Db, members, orgs, users};
use reqwest::redirect::Policy;
use std::path::PathBuf;
use std::sync::OnceLock;

pub const PASSWORD: &str = "Test@12345";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs a test body on SQLite, or on PostgreSQL; skipped there without a URL unless CI=true.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) =
                    $crate::support::TestApp::spawn($crate::support::Engine::Sqlite).await
                {
                    ($body)(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::support::TestApp::spawn($crate::support::Engine::Postgres).await
                {
                    ($body)(app).await;
                }
            }
        }
    };
}

pub struct Ids {
    pub county: i64,
    pub town: i64,
    pub town2: i64,
    pub branch_a: i64,
    pub group_a: i64,
    pub branch_b: i64,
    pub branch_c: i64,
    pub member_a: i64,
    pub member_b: i64,
    pub member_c: i64,
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub keys: Keys,
    pub ids: Ids,
    pub engine: Engine,
    pub database_url: String,
    pub data_dir: PathBuf,
}

/// Fixed logins of the fixture county.
pub mod phone {
    pub const MEMBER_A: &str = "13700000001";
    pub const SECRETARY_A: &str = "13700000002";
    pub const MEMBER_B: &str = "13700000003";
    pub const TOWN_ADMIN: &str = "13700000004";
    pub const COUNTY_ADMIN: &str = "13700000005";
    pub const MEMBER_C: &str = "13700000006";
    /// An applicant in 甲村 (入党申请人), registered by `TestApp::applicant`.
    pub const APPLICANT: &str = "13700000007";
    pub const SYSTEM: &str = "13600000001";
    pub const SECURITY: &str = "13600000002";
    pub const AUDIT: &str = "13600000003";
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD))
}

/// A valid ID number for a birth date and sequence (odd = male).
pub fn id_number(birth: &str, seq: u32) -> String {
    let body = format!("130984{}{:03}", birth.replace('-', ""), seq);
    format!(
        "{body}{}",
        dangjian::domain::idcard::check_char(&body).unwrap()
    )
}

async fn fresh_database(engine: Engine) -> Option<(String, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("dj-test-{}", dangjian::crypto::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    match engine {
        Engine::Sqlite => Some((
            format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
            dir,
        )),
        Engine::Postgres => {
            let Ok(admin) = std::env::var("DANGJIAN_TEST_DATABASE_URL") else {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but DANGJIAN_TEST_DATABASE_URL is not set");
                }
                eprintln!("skipped: DANGJIAN_TEST_DATABASE_URL not set");
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
            Some((url.to_string(), dir))
        }
    }
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        let mut app = Self::spawn_empty(engine).await?;
        app.ids = fixture(&app.db, &app.keys).await;
        Some(app)
    }

    /// The server with migrations applied and nothing else.
    pub async fn spawn_empty(engine: Engine) -> Option<TestApp> {
        let (database_url, data_dir) = fresh_database(engine).await?;
        Some(Self::serve(engine, database_url, data_dir).await)
    }

    /// The fixture county served with a configuration of its own (a trusted proxy, say).
    pub async fn spawn_configured(
        engine: Engine,
        configure: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let (database_url, data_dir) = fresh_database(engine).await?;
        let mut config = Self::config(&database_url, &data_dir);
        configure(&mut config);
        let mut app = Self::serve_config(engine, database_url, data_dir, config).await;
        app.ids = fixture(&app.db, &app.keys).await;
        Some(app)
    }

    /// The demo county (`dangjian demo --months M --study-days D`), made before the server
    /// starts so that its jobs do not scan a county half made; with what the demo built.
    pub async fn spawn_demo(
        engine: Engine,
        months: u32,
        study_days: u32,
    ) -> Option<(TestApp, dangjian::demo::Built)> {
        let (database_url, data_dir) = fresh_database(engine).await?;
        let config = Self::config(&database_url, &data_dir);
        let (db, keys) = dangjian::startup::open(&config).await.unwrap();
        let files = dangjian::files::Storage::for_config(&config);
        let built = dangjian::demo::build(&db, &keys, &files, 2019, months, study_days)
            .await
            .unwrap();
        db.close().await;
        Some((Self::serve(engine, database_url, data_dir).await, built))
    }

    /// The server on a copy of a county's data made by an earlier release (the database,
    /// its key and its files, kept in `tests/fixtures/upgrade/<engine>`), migrated at start.
    pub async fn spawn_upgraded(engine: Engine) -> Option<TestApp> {
        let (database_url, data_dir) = fresh_database(engine).await?;
        let kept = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/upgrade")
            .join(match engine {
                Engine::Sqlite => "sqlite",
                Engine::Postgres => "postgres",
            });
        copy_folder(&kept.join("files"), &data_dir.join("files"));
        std::fs::copy(kept.join("secret.key"), data_dir.join("secret.key")).unwrap();
        match engine {
            Engine::Sqlite => {
                std::fs::copy(kept.join("dangjian.db"), data_dir.join("test.db")).unwrap();
            }
            Engine::Postgres => {
                let dump = std::fs::read_to_string(kept.join("dump.sql")).unwrap();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&database_url)
                    .await
                    .unwrap();
                sqlx::raw_sql(&dump).execute(&mut conn).await.unwrap();
                sqlx::Connection::close(conn).await.unwrap();
            }
        }
        Some(Self::serve(engine, database_url, data_dir).await)
    }

    /// An empty deployment on `engine` that holds `source`'s key, to restore its archive into.
    pub async fn spawn_with_key_of(engine: Engine, source: &TestApp) -> Option<TestApp> {
        let (database_url, data_dir) = fresh_database(engine).await?;
        std::fs::copy(
            source.data_dir.join("secret.key"),
            data_dir.join("secret.key"),
        )
        .unwrap();
        Some(Self::serve(engine, database_url, data_dir).await)
    }

    /// The fixture's administrators have no second factor, so the county here does not
    /// require one; the second factor's own tests turn it on (the demo's administrators have
    /// one, and sign in with it).
    fn config(database_url: &str, data_dir: &std::path::Path) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            data_dir: data_dir.to_path_buf(),
            database_url: Some(database_url.to_string()),
            second_factor_required: false,
            key_check_every: std::time::Duration::from_secs(1),
            ..Config::default()
        }
    }

    /// The configuration this server runs with (its data folder, its database): what a
    /// command run beside it reads.
    pub fn served_config(&self) -> Config {
        Self::config(&self.database_url, &self.data_dir)
    }

    async fn serve(engine: Engine, database_url: String, data_dir: PathBuf) -> TestApp {
        let config = Self::config(&database_url, &data_dir);
        Self::serve_config(engine, database_url, data_dir, config).await
    }

    async fn serve_config(
        engine: Engine,
        database_url: String,
        data_dir: PathBuf,
        config: Config,
    ) -> TestApp {
        let server = Server::build(config).await.expect("server builds");
        let base = format!("http://{}", server.addr());
        let db = server.state.db.clone();
        let keys = (*server.state.keys).clone();
        tokio::spawn(server.run());
        TestApp {
            base,
            db,
            keys,
            ids: Ids {
                county: 0,
                town: 0,
                town2: 0,
                branch_a: 0,
                group_a: 0,
                branch_b: 0,
                branch_c: 0,
                member_a: 0,
                member_b: 0,
                member_c: 0,
            },
            engine,
            database_url,
            data_dir,
        }
    }

    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            csrf: String::new(),
        }
    }

    /// A client signed in with the fixture password.
    pub async fn login(&self, phone: &str) -> Client {
        let mut c = self.client();
        let res = c.login(phone, PASSWORD).await;
        assert_eq!(res.status, 303, "login of {phone} failed: {}", res.body);
        c.refresh_csrf().await;
        c
    }

    /// Registers 何申, an applicant in 甲村 with an account, and signs them in.
    pub async fn applicant(&self) -> Client {
        use dangjian::domain::development::{PersonEntry, parse_person};
        let id = id_number("2001-09-09", 71);
        let record = parse_person(&PersonEntry {
            who: dangjian::domain::member::PersonFields {
                name: "何申",
                gender: "male",
                ethnicity: "汉族",
                id_number: &id,
                phone: phone::APPLICANT,
                education: "senior",
            },
            category: "farmer",
        })
        .unwrap();
        let mut tx = self.db.begin().await.unwrap();
        let person = dangjian::store::development::insert_person(
            tx.conn(),
            &self.keys,
            &record,
            self.ids.branch_a,
            None,
            1,
            0,
        )
        .await
        .unwrap();
        let user = users::create(
            tx.conn(),
            &self.keys,
            &users::NewUser {
                name: "何申",
                phone: phone::APPLICANT,
                password_hash: password_hash(),
                member_id: None,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        dangjian::store::development::link_account(tx.conn(), user, person)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        self.login(phone::APPLICANT).await
    }

    /// What only the tables' owner could do: drop the triggers that keep the audit log
    /// append-only (to show that the chain still catches what is done after).
    pub async fn drop_audit_protection(&self) {
        let statements: &[&str] = match self.engine {
            Engine::Sqlite => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_keep",
            ],
            Engine::Postgres => &[
                "DROP TRIGGER audit_log_keep ON audit_log",
                "DROP TRIGGER audit_log_no_truncate ON audit_log",
            ],
        };
        for s in statements {
            sqlx::query(s).execute(self.db.pool()).await.unwrap();
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(self.db.pool()).await.unwrap();
        n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Page {
    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }
}

/// The token of the login's second step, when the page is that step.
pub fn second_step_token(body: &str) -> Option<String> {
    let at = body.find("name=\"token\" value=\"")? + "name=\"token\" value=\"".len();
    Some(body[at..].split('"').next()?.to_string())
}

pub use super::codes::next_code;

pub fn csrf_of(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(body[at..].split('"').next()?.to_string())
}

impl Client {
    async fn page(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        Page {
            status,
            location,
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A download's status and bytes.
    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
    }

    /// Posts a form with this client's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn refresh_csrf(&mut self) {
        // Signed in, /login sends the user on; follow until a page with a form.
        let mut page = self.get("/login").await;
        for _ in 0..3 {
            if page.status != 303 {
                break;
            }
            let next = if page.location == "/" {
                "/me".to_string()
            } else {
                page.location.clone()
            };
            page = self.get(&next).await;
        }
        if let Some(t) = csrf_of(&page.body) {
            self.csrf = t;
        }
    }

    /// Signs in; an account with a second factor (the demo's administrators) is given the
    /// code of the demo's secret.
    pub async fn login(&mut self, phone: &str, password: &str) -> Page {
        self.refresh_csrf().await;
        let first = self
            .post(
                "/login",
                &[("phone", phone), ("password", password), ("next", "/")],
            )
            .await;
        match second_step_token(&first.body) {
            Some(token) => {
                let code = next_code(&self.base, phone, dangjian::demo::DEMO_TOTP_SECRET).await;
                self.post(
                    "/login/second",
                    &[("token", &token), ("code", &code), ("next", "/")],
                )
                .await
            }
            None => first,
        }
    }
}

pub async fn fixture(db: &Db, keys: &Keys) -> Ids {
    let now = dangjian::domain::clock::now_epoch();
    let mut tx = db.begin().await.unwrap();
    macro_rules! org {
        ($parent:expr, $name:expr, $kind:expr) => {{
            let parent = match $parent {
                Some(id) => Some(orgs::get_in(tx.conn(), id).await.unwrap()),
                None => None,
            };
            let input = OrgRecord {
                name: $name.into(),
                kind: $kind,
                category: OrgCategory::Rural,
                address: String::new(),
                sort_order: 0,
            };
            orgs::create(tx.conn(), parent.as_ref(), &input, now)
                .await
                .unwrap()
        }};
    }
    let county = org!(None::<i64>, "测试县委", OrgType::County);
    let town = org!(Some(county), "东湖镇党委", OrgType::Committee);
    let town2 = org!(Some(county), "西山乡党委", OrgType::Committee);
    let branch_a = org!(Some(town), "甲村党支部", OrgType::Branch);
    let group_a = org!(Some(branch_a), "第一党小组", OrgType::PartyGroup);
    let branch_b = org!(Some(town), "乙村党支部", OrgType::Branch);
    let branch_c = org!(Some(town2), "丙村党支部", OrgType::Branch);
    let mut seq = 10;
    let mut member = |name: &'static str, branch: i64, phone: &'static str, posts: &'static str| {
        seq += 2;
        MemberRecord {
            name: name.into(),
            gender: Gender::Male,
            ethnicity: "汉族".into(),
            birth_date: "1970-05-01".into(),
            id_number: id_number("1970-05-01", seq + 1),
            phone: Some(phone.into()),
            education: Education::Senior,
            joined_on: "1995-07-01".into(),
            full_member_on: Some("1996-07-01".into()),
            status: MemberStatus::Full,
            category: MemberCategory::Farmer,
            branch_id: branch,
            party_group_id: None,
            posts: posts.into(),
            veteran: false,
        }
    };
    let people = [
        // Each of 甲村's and 乙村's members sits on its branch committee: a 支委会 expects
        // them all.
        member("张甲", branch_a, phone::MEMBER_A, "organizer"),
        member("李书记", branch_a, phone::SECRETARY_A, "secretary"),
        member("王乙", branch_b, phone::MEMBER_B, "organizer"),
        // The town administrator happens to be registered in branch A.
        member("赵镇", branch_a, phone::TOWN_ADMIN, "propaganda"),
        member("钱县", branch_c, phone::COUNTY_ADMIN, ""),
        member("孙丙", branch_c, phone::MEMBER_C, ""),
    ];
    let mut member_ids = Vec::new();
    let mut user_ids = Vec::new();
    for p in &people {
        let id = members::insert(tx.conn(), keys, p, now).await.unwrap();
        let uid = users::create(
            tx.conn(),
            keys,
            &users::NewUser {
                name: &p.name,
                phone: p.phone.as_deref().unwrap(),
                password_hash: password_hash(),
                member_id: Some(id),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        member_ids.push(id);
        user_ids.push(uid);
    }
    users::add_grant(
        tx.conn(),
        user_ids[1],
        Role::BranchAdmin,
        Some(branch_a),
        None,
    )
    .await
    .unwrap();
    users::add_grant(tx.conn(), user_ids[3], Role::OrgAdmin, Some(town), None)
        .await
        .unwrap();
    users::add_grant(tx.conn(), user_ids[4], Role::OrgAdmin, Some(county), None)
        .await
        .unwrap();
    users::add_grant(tx.conn(), user_ids[4], Role::PiiViewer, Some(county), None)
        .await
        .unwrap();
    users::add_grant(
        tx.conn(),
        user_ids[4],
        Role::ContentEditor,
        Some(county),
        None,
    )
    .await
    .unwrap();
    for (name, phone, role) in [
        ("系统员", phone::SYSTEM, Role::SystemAdmin),
        ("安全员", phone::SECURITY, Role::SecurityAdmin),
        ("审计员", phone::AUDIT, Role::AuditAdmin),
    ] {
        let uid = users::create(
            tx.conn(),
            keys,
            &users::NewUser {
                name,
                phone,
                password_hash: password_hash(),
                member_id: None,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        users::add_grant(tx.conn(), uid, role, None, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    Ids {
        county,
        town,
        town2,
        branch_a,
        group_a,
        branch_b,
        branch_c,
        member_a: member_ids[0],
        member_b: member_ids[2],
        member_c: member_ids[5],
    }
}

impl Client {
    /// Uploads one file in field `field`, with the CSRF token in the address as the page does.
    pub async fn upload(&self, path: &str, field: &str, name: &str, bytes: Vec<u8>) -> Page {
        self.post_multipart(path, &[], vec![(field, name, bytes)])
            .await
    }

    /// Posts a multipart form (fields and files) as the pages with uploads do.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Page {
        // The token comes first, as the pages send it (never in the address).
        let mut form = reqwest::multipart::Form::new().text("csrf", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
            form = form.part(field.to_string(), part);
        }
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Files in the app's storage folder.
pub fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.data_dir.join("files"))
}

pub fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/photos")
            .join(name),
    )
    .expect("a photo in tests/fixtures/photos")
}

/// A file's text as `pdftotext` reads it: the PDF's text can be extracted.
pub fn pdf_text(app: &TestApp, pdf: &[u8]) -> String {
    let path = app.data_dir.join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
