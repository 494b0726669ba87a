//! The county's rush hours, each against the real server over real HTTP with real sessions.
use crate::data::{Plan, Prepared, Session};
use crate::load::{Call, Client, Stats};
use crate::server::{Memory, Process};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One scenario's numbers and what it checked afterwards.
#[derive(Debug, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub measures: Vec<Measure>,
    pub checks: Vec<Check>,
    pub memory: Memory,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Measure {
    pub what: String,
    pub stats: Option<Stats>,
    /// A single figure (seconds, milliseconds, bytes) where there is no load.
    pub value: Option<f64>,
    pub unit: String,
    /// Throughput as a share of the ceiling named.
    pub ceiling: Option<(String, f64)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
}

impl Measure {
    fn load(what: impl Into<String>, stats: Stats) -> Self {
        Self {
            what: what.into(),
            stats: Some(stats),
            value: None,
            unit: String::new(),
            ceiling: None,
        }
    }
    fn against(mut self, name: &'static str, ceiling: &Stats) -> Self {
        let per_second = self.stats.as_ref().map_or(0.0, |s| s.per_second);
        self.ceiling = Some((name.to_string(), per_second / ceiling.per_second.max(1e-9)));
        self
    }
    fn value(what: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Self {
            what: what.into(),
            stats: None,
            value: Some(value),
            unit: unit.to_string(),
            ceiling: None,
        }
    }
}

/// What every scenario works with.
pub struct Bench<'a> {
    pub data: &'a Prepared,
    pub plan: &'a Plan,
    pub server: &'a Process,
    pub client: Client,
    pub ceilings: &'a Ceilings,
    /// Members signed in through the store layer, with their CSRF tokens once a page gave them.
    pub members: Vec<(Session, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ceilings {
    pub http: Stats,
    pub storage: Stats,
    pub storage_engine: String,
}

impl Bench<'_> {
    /// Runs a scenario, recording the server's peak memory while it ran.
    pub async fn measure<F>(&mut self, name: &'static str, run: F) -> Scenario
    where
        F: AsyncFnOnce(&mut Self) -> (Vec<Measure>, Vec<Check>),
    {
        println!("- {name}");
        self.server.reset_peak();
        let idle_mb = self.server.rss_mb();
        let (measures, checks) = run(self).await;
        for m in &measures {
            match (&m.stats, m.value) {
                (Some(s), _) => println!("  {}: {}", m.what, s.summary()),
                (None, Some(v)) => println!("  {}: {v:.2} {}", m.what, m.unit),
                _ => {}
            }
        }
        for c in &checks {
            println!("  {} {}", if c.ok { "ok " } else { "NOT" }, c.what);
        }
        let memory = Memory {
            idle_mb,
            peak_mb: self.server.peak_mb(),
        };
        Scenario {
            name: name.to_string(),
            measures,
            checks,
            memory,
        }
    }

    fn count(&self) -> usize {
        self.plan.concurrency
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(self.data.db.pool())
            .await
            .expect(sql);
        n
    }

    /// The members' CSRF tokens, from a page each opens (what a phone does before a form).
    pub async fn csrf_tokens(&mut self, path: impl Fn(&Session) -> String) {
        let calls = self
            .members
            .iter()
            .map(|(s, _)| Call::get(path(s), &s.cookie))
            .collect();
        let (_, picked) = self
            .client
            .run_picking(calls, self.count(), &[200], Some("csrf"))
            .await;
        for ((_, csrf), token) in self.members.iter_mut().zip(picked) {
            *csrf = token.unwrap_or_default();
        }
    }
}

fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// 10,000 members check in to their branches' 主题党日 within minutes: the scan opens the
/// page, the member confirms; afterwards exactly one check-in each, and confirming again
/// changes nothing.
pub async fn checkin_storm(b: &mut Bench<'_>) -> (Vec<Measure>, Vec<Check>) {
    let meetings = crate::data::meetings_now(
        &b.data.db,
        &b.members.iter().map(|m| m.0.clone()).collect::<Vec<_>>(),
    )
    .await;
    let meeting_of = |branch: i64| {
        meetings
            .iter()
            .find(|m| m.1 == branch)
            .map(|m| m.0)
            .unwrap()
    };
    let token = |meeting: i64| {
        let now = dangjian::domain::clock::now_epoch();
        dangjian::domain::checkin::token(
            &b.data.keys,
            meeting,
            dangjian::domain::checkin::window(now),
        )
    };
    let started = Instant::now();
    let scans: Vec<Call> = b
        .members
        .iter()
        .map(|(s, _)| {
            let m = meeting_of(s.branch_id);
            Call::get(format!("/checkin/{m}?t={}", token(m)), &s.cookie)
        })
        .collect();
    let (scan, picked) = b
        .client
        .run_picking(scans, b.count(), &[200], Some("csrf"))
        .await;
    for ((_, csrf), token) in b.members.iter_mut().zip(picked) {
        *csrf = token.unwrap_or_default();
    }
    let confirm = |b: &Bench<'_>, take: usize| -> Vec<Call> {
        b.members
            .iter()
            .take(take)
            .map(|(s, csrf)| {
                let m = meeting_of(s.branch_id);
                Call::post(
                    format!("/checkin/{m}"),
                    &s.cookie,
                    format!("csrf={csrf}&t={}&lat=&lng=", token(m)),
                )
            })
            .collect()
    };
    let storm = b
        .client
        .run(confirm(b, usize::MAX), b.count(), &[200])
        .await;
    let again = b
        .client
        .run(confirm(b, b.members.len() / 10), b.count(), &[200])
        .await;
    let ids = id_list(meetings.iter().map(|m| m.0));
    let rows = b
        .scalar(&format!(
            "SELECT COUNT(*) FROM checkins WHERE meeting_id IN ({ids})"
        ))
        .await;
    let n = b.members.len() as i64;
    let measures = vec![
        Measure::value("meetings", meetings.len() as f64, "meetings"),
        Measure::load("scan: GET /checkin/{id}?t=…", scan),
        Measure::load("confirm: POST /checkin/{id}", storm).against("storage", &b.ceilings.storage),
        Measure::load("confirm again (10 %)", again),
        Measure::value(
            "whole storm, scan to last confirmation",
            started.elapsed().as_secs_f64(),
            "s",
        ),
    ];
    let checks = vec![Check {
        what: format!("exactly {n} check-ins after the storm and the repeats ({rows} found)"),
        ok: rows == n,
    }];
    (measures, checks)
}

/// The morning when every member opens 每日一题 and answers it: one credit each. The
/// answerers are members who have not answered today (the demo's members answer through
/// the day, up to the moment it was made).
pub async fn daily_question(
    b: &mut Bench<'_>,
    answerers: &[(Session, String)],
) -> (Vec<Measure>, Vec<Check>) {
    let Some((first, _)) = answerers.first() else {
        return (
            Vec::new(),
            vec![Check {
                what: "members who have not answered today".into(),
                ok: false,
            }],
        );
    };
    let probe = b
        .client
        .send(&Call::get("/daily", &first.cookie), false)
        .await
        .expect("/daily");
    let choice = answer_for(&probe.text);
    let opens: Vec<Call> = answerers
        .iter()
        .map(|(s, _)| Call::get("/daily", &s.cookie))
        .collect();
    let open = b.client.run(opens, b.count(), &[200]).await;
    let answers: Vec<Call> = answerers
        .iter()
        .map(|(s, csrf)| Call::post("/daily", &s.cookie, format!("csrf={csrf}&{choice}")))
        .collect();
    let answer = b.client.run(answers, b.count(), &[200]).await;
    let day = dangjian::domain::clock::format_date(dangjian::domain::clock::local_date(
        dangjian::domain::clock::now_epoch(),
    ));
    let ids = id_list(answerers.iter().map(|m| m.0.member_id));
    let credits = b
        .scalar(&format!(
            "SELECT COUNT(*) FROM points_ledger WHERE rule = 'daily_answer' AND day = '{day}' AND member_id IN ({ids})"
        ))
        .await;
    let answered = b
        .scalar(&format!(
            "SELECT COUNT(*) FROM daily_answers WHERE day = '{day}' AND member_id IN ({ids})"
        ))
        .await;
    let n = answerers.len() as i64;
    let measures = vec![
        Measure::value("members answering", n as f64, "members"),
        Measure::load("open: GET /daily", open),
        Measure::load("answer: POST /daily", answer).against("storage", &b.ceilings.storage),
    ];
    let checks = vec![
        Check {
            what: format!("{n} answers kept ({answered} found)"),
            ok: answered == n,
        },
        Check {
            what: format!("one 每日一题作答 credit each, none doubled ({credits} for {n} members)"),
            ok: credits == n,
        },
    ];
    (measures, checks)
}

/// The form fields of an answer to the question on a /daily page: the first option, or the
/// first two for a multiple-choice question.
fn answer_for(page: &str) -> String {
    let values: Vec<&str> = page
        .split("name=\"choice\" value=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    let multiple = page.contains("type=\"checkbox\" name=\"choice\"");
    let take = if multiple { 2 } else { 1 };
    values
        .iter()
        .take(take)
        .map(|v| format!("choice={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Everyone refreshing 排行榜 while others earn points (answering the daily question).
pub async fn ranking(
    b: &mut Bench<'_>,
    writers: &[(Session, String)],
) -> (Vec<Measure>, Vec<Check>) {
    let pages = [
        "/rankings?scope=county&period=month",
        "/rankings?scope=county&period=all",
        "/rankings?scope=town&period=week",
        "/rankings?scope=branch&period=year",
    ];
    let probe = match writers.first() {
        Some((s, _)) => b
            .client
            .send(&Call::get("/daily", &s.cookie), false)
            .await
            .map(|a| answer_for(&a.text))
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut calls = Vec::new();
    let mut writes = writers.iter();
    for i in 0..b.plan.ranking_requests {
        let (s, _) = &b.members[i % b.members.len()];
        calls.push(Call::get(pages[i % pages.len()], &s.cookie));
        if i % 10 == 9
            && let Some((w, csrf)) = writes.next()
        {
            calls.push(Call::post(
                "/daily",
                &w.cookie,
                format!("csrf={csrf}&{probe}"),
            ));
        }
    }
    let mixed = b.client.run(calls, b.count(), &[200]).await;
    // Read latency alone, one request at a time: the server's own time for the page.
    let reads: Vec<Call> = (0..b.plan.page_requests * 2)
        .map(|i| Call::get(pages[i % pages.len()], &b.members[i].0.cookie))
        .collect();
    let alone = b.client.run(reads, 1, &[200]).await;
    let measures = vec![
        Measure::value(
            "members in the county's ranking",
            b.data.members as f64,
            "members",
        ),
        Measure::value(
            "point-earning writes in the mix",
            writers.len() as f64,
            "answers",
        ),
        Measure::load("mixed reads and writes", mixed).against("http", &b.ceilings.http),
        Measure::load("ranking page read alone", alone),
    ];
    (measures, Vec::new())
}

/// The county office and the towns opening 数据看板 at once; the county's median alone.
pub async fn dashboard(
    b: &mut Bench<'_>,
    admins: &[(String, String)],
) -> (Vec<Measure>, Vec<Check>) {
    let calls: Vec<Call> = (0..b.plan.dashboard_requests)
        .map(|i| Call::get("/dashboard", &admins[i % admins.len()].1))
        .collect();
    let together = b.client.run(calls, b.count().min(16), &[200]).await;
    let county: Vec<Call> = (0..b.plan.page_requests)
        .map(|_| Call::get("/dashboard", &admins[0].1))
        .collect();
    let alone = b.client.run(county, 1, &[200]).await;
    let year: Vec<Call> = (0..b.plan.page_requests / 2 + 1)
        .map(|_| Call::get("/dashboard?period=year", &admins[0].1))
        .collect();
    let year = b.client.run(year, 1, &[200]).await;
    let measures = vec![
        Measure::value("administrators", admins.len() as f64, "sessions"),
        Measure::load("county and town dashboards together", together)
            .against("http", &b.ceilings.http),
        Measure::load("county dashboard alone (month)", alone),
        Measure::load("county dashboard alone (year)", year),
        Measure::value(
            format!(
                "月度通报 of last month for {} organizations",
                b.data.organizations
            ),
            b.data.monthly_report_seconds,
            "s",
        ),
    ];
    (measures, Vec::new())
}

/// The pages an administrator works through, with what each admin asks for under it.
pub struct AdminPage {
    pub label: &'static str,
    pub calls: Vec<Call>,
}

/// How long an administrator looks at a page before the next: brisk (a person reads for
/// seconds), so that 23 of them keep the server busy without queueing it to a standstill.
const ADMIN_THINK: std::time::Duration = std::time::Duration::from_millis(100);

/// The county's and the towns' administrators browsing their pages together — dashboards and
/// drill-downs, the 党员名册 and its search, findings, reports, member profiles, rankings,
/// tiers, each going through every page in turn as a person does — beside each page alone;
/// and a member's profile page at 2 and at full concurrency (a crowd with no pause).
pub async fn admin(b: &mut Bench<'_>, pages: &[AdminPage]) -> (Vec<Measure>, Vec<Check>) {
    let admins = pages.first().map_or(0, |p| p.calls.len());
    let mut measures = vec![Measure::value("administrators", admins as f64, "sessions")];
    let mut checks = Vec::new();
    let rounds = (b.plan.page_requests / 10).max(2);
    let people: Vec<Vec<(usize, Call)>> = (0..admins)
        .map(|a| {
            (0..rounds)
                .flat_map(|_| pages.iter().enumerate())
                .filter_map(|(kind, page)| page.calls.get(a).map(|c| (kind, c.clone())))
                .collect()
        })
        .collect();
    let together = b
        .client
        .run_people(people, pages.len(), ADMIN_THINK, &[200])
        .await;
    for (page, together) in pages.iter().zip(together) {
        let calls = (0..b.plan.page_requests)
            .map(|_| page.calls[0].clone())
            .collect();
        let alone = b.client.run(calls, 1, &[200]).await;
        checks.push(Check {
            what: format!("{}: every request answered 200", page.label),
            ok: alone.errors == 0 && together.errors == 0,
        });
        measures.push(Measure::load(format!("{} alone", page.label), alone));
        measures.push(Measure::load(format!("{} together", page.label), together));
    }
    // One member's page, as the member and their administrators open it.
    if let Some(profile) = pages.iter().find(|p| p.label == PROFILE) {
        let n = b.plan.dashboard_requests.max(b.count() * 4);
        let at = |concurrency: usize| {
            let calls = (0..n).map(|_| profile.calls[0].clone()).collect();
            b.client.run(calls, concurrency, &[200])
        };
        let two = at(2).await;
        let many = at(b.count()).await;
        measures.push(Measure::load(format!("{PROFILE} at 2 concurrent"), two));
        measures.push(Measure::load(
            format!("{PROFILE} at {} concurrent", b.count()),
            many,
        ));
    }
    (measures, checks)
}

/// The member profile page of the `admin` scenario.
pub const PROFILE: &str = "党员档案 /members/{id}";

/// One member's pages one at a time: bytes over the wire (compressed as a phone accepts) and
/// the server's time.
pub async fn browse(b: &mut Bench<'_>, pages: &[String]) -> (Vec<Measure>, Vec<Check>) {
    let mut measures = Vec::new();
    let mut checks = Vec::new();
    for path in pages {
        let calls = (0..b.plan.page_requests)
            .map(|_| Call::get(path.clone(), &b.members[0].0.cookie))
            .collect();
        let stats = b.client.run(calls, 1, &[200]).await;
        checks.push(Check {
            what: format!("{path}: every request answered 200"),
            ok: stats.errors == 0,
        });
        measures.push(Measure::load(path.clone(), stats));
    }
    (measures, checks)
}

/// The morning rush of signing in through the login form, while members already signed in
/// keep using the site.
pub async fn login(b: &mut Bench<'_>, accounts: &[String]) -> (Vec<Measure>, Vec<Check>) {
    let t = Instant::now();
    let hashes = 5;
    for _ in 0..hashes {
        dangjian::crypto::hash_password(dangjian::demo::DEMO_PASSWORD);
    }
    let one_hash_ms = t.elapsed().as_secs_f64() * 1e3 / hashes as f64;
    // Each phone's anonymous cookie and the login form's token.
    let mut forms = Vec::new();
    for phone in accounts {
        let page = b
            .client
            .send(&Call::get("/login", ""), false)
            .await
            .expect("/login");
        let csrf = crate::load::field(&page.text, "csrf").expect("the login form's token");
        let form = format!(
            "csrf={csrf}&phone={phone}&password={}",
            dangjian::demo::DEMO_PASSWORD.replace('@', "%40")
        );
        forms.push(Call::post("/login", &page.cookies.join("; "), form));
    }
    let homes = |n: usize| -> Vec<Call> {
        (0..n)
            .map(|i| Call::get("/", &b.members[i % b.members.len()].0.cookie))
            .collect()
    };
    let quiet = b.client.run(homes(b.plan.page_requests), 4, &[200]).await;
    // Members keep opening the home page, a few at a time, for as long as the rush lasts.
    let rushing = std::sync::atomic::AtomicBool::new(true);
    let logins = async {
        let stats = b.client.run(forms, b.count(), &[303]).await;
        rushing.store(false, std::sync::atomic::Ordering::Relaxed);
        stats
    };
    let during = async {
        let mut all: Vec<Stats> = Vec::new();
        while rushing.load(std::sync::atomic::Ordering::Relaxed) {
            all.push(b.client.run(homes(8), 4, &[200]).await);
        }
        all
    };
    let (logins, during) = tokio::join!(logins, during);
    let during = crate::load::merge(&during);
    let measures = vec![
        Measure::value(
            "argon2id (19 MiB, 2 passes) hash in the bench process",
            one_hash_ms,
            "ms",
        ),
        Measure::load("sign in: POST /login", logins),
        Measure::load("home page, quiet", quiet),
        Measure::load("home page, during the sign-in rush", during),
    ];
    (measures, Vec::new())
}

/// What the runs need besides members: the pages a member browses, phones to sign in
/// with, administrators' sessions.
impl Bench<'_> {
    /// A member's pages: home, the newest county article, their branch's last meeting, and
    /// the rest of the member's menu.
    pub async fn member_pages(&self) -> Vec<String> {
        let s = &self.members[0].0;
        let article = self
            .scalar(&format!(
                "SELECT COALESCE(MAX(a.id), 0) FROM articles a JOIN orgs o ON o.id = a.org_id \
                 WHERE o.parent_id IS NULL AND a.withdrawn_at IS NULL AND a.publish_at <= {}",
                dangjian::domain::clock::now_epoch()
            ))
            .await;
        let meeting = self
            .scalar(&format!(
                "SELECT COALESCE(MAX(id), 0) FROM meetings WHERE org_id = {}",
                s.branch_id
            ))
            .await;
        let mut pages: Vec<String> = [
            "/",
            "/orglife",
            "/daily",
            "/rankings",
            "/points",
            "/posts",
            "/me",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        pages.insert(1, format!("/articles/{article}"));
        pages.insert(2, format!("/meetings/{meeting}"));
        pages
    }

    /// Phones of members with accounts, read back from their encrypted numbers.
    pub async fn login_phones(&self, n: usize) -> Vec<String> {
        let rows: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT phone_enc FROM users WHERE member_id IS NOT NULL AND must_change_password = 0 \
             AND totp_secret IS NULL ORDER BY id DESC LIMIT {n}"
        ))
        .fetch_all(self.data.db.pool())
        .await
        .expect("accounts");
        rows.iter()
            .filter_map(|(enc,)| self.data.keys.decrypt(enc))
            .collect()
    }

    /// Sessions of the organization administrators of the county and of every town (a town
    /// without one gets one of its members as administrator, through the store layer, as
    /// the county would grant it), the county's first; (organization, cookie).
    pub async fn admin_sessions(&self) -> Vec<(String, String)> {
        let db = &self.data.db;
        let towns: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT o.id, o.name, o.path, CAST(COALESCE((SELECT MIN(g.user_id) FROM role_grants g \
             WHERE g.org_id = o.id AND g.role = 'org_admin'), 0) AS BIGINT) FROM orgs o \
             WHERE o.kind = 'county' OR (o.kind = 'committee' AND o.parent_id = (SELECT id FROM orgs WHERE parent_id IS NULL)) \
             ORDER BY LENGTH(o.path), o.id LIMIT 40",
        )
        .fetch_all(db.pool())
        .await
        .expect("the towns");
        let now = dangjian::domain::clock::now_epoch();
        let mut tx = db.begin().await.expect("a transaction");
        let mut out = Vec::new();
        for (org, name, path, mut user) in towns {
            if user == 0 {
                let (lo, hi) = dangjian::domain::org::subtree_range(&path);
                let found: Option<(i64,)> = sqlx::query_as(
                    "SELECT MIN(u.id) FROM users u JOIN members m ON m.id = u.member_id JOIN orgs b ON b.id = m.branch_id \
                     WHERE b.path >= $1 AND b.path < $2 HAVING MIN(u.id) IS NOT NULL",
                )
                .bind(lo)
                .bind(hi)
                .fetch_optional(tx.conn())
                .await
                .expect("a member of the town");
                let Some((member_user,)) = found else {
                    continue;
                };
                let role = dangjian::domain::policy::Role::OrgAdmin;
                dangjian::store::users::add_grant(tx.conn(), member_user, role, Some(org), None)
                    .await
                    .expect("a grant");
                user = member_user;
            }
            let token =
                dangjian::store::sessions::create(tx.conn(), user, "127.0.0.1", "bench", now)
                    .await
                    .expect("a session");
            out.push((name, format!("{}={token}", dangjian::http::SESSION_COOKIE)));
        }
        tx.commit().await.expect("commit");
        out
    }

    /// What each administrator of `admin_sessions` opens, page by page: their dashboard and
    /// its first drill-down, the register and a search in it, findings, reports, a member's
    /// profile in their subtree, 排行榜 (for administrators who are members), 分级分档.
    pub async fn admin_pages(&self, admins: &[(String, String)]) -> Vec<AdminPage> {
        let db = &self.data.db;
        struct Admin {
            cookie: String,
            child: i64,
            member: i64,
            is_member: bool,
        }
        let mut per_admin = Vec::new();
        for (_, cookie) in admins {
            let token = cookie.split_once('=').map_or("", |(_, t)| t);
            let hash = dangjian::store::sessions::hash_token(token);
            let (child, member, is_member): (i64, i64, i64) = sqlx::query_as(
                "SELECT CAST(COALESCE((SELECT MIN(c.id) FROM orgs c WHERE c.parent_id = o.id), o.id) AS BIGINT), \
                 CAST(COALESCE((SELECT MIN(m.id) FROM members m JOIN orgs b ON b.id = m.branch_id \
                 WHERE b.path >= o.path AND b.path < o.path || '~'), 0) AS BIGINT), \
                 CAST(CASE WHEN u.member_id IS NULL THEN 0 ELSE 1 END AS BIGINT) \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 JOIN role_grants g ON g.user_id = u.id AND g.role = 'org_admin' JOIN orgs o ON o.id = g.org_id \
                 WHERE s.token_hash = $1 ORDER BY LENGTH(o.path) LIMIT 1",
            )
            .bind(&hash)
            .fetch_one(db.pool())
            .await
            .expect("an administrator's organization");
            per_admin.push(Admin {
                cookie: cookie.clone(),
                child,
                member,
                is_member: is_member == 1,
            });
        }
        let page = |label: &'static str, path: &dyn Fn(&Admin) -> String| AdminPage {
            label,
            calls: per_admin
                .iter()
                .filter(|a| label != "排行榜 /rankings" || a.is_member)
                .map(|a| Call::get(path(a), &a.cookie))
                .collect(),
        };
        vec![
            page("数据看板 /dashboard", &|_| "/dashboard".into()),
            page("下钻 /dashboard?org=", &|a| {
                format!("/dashboard?org={}", a.child)
            }),
            page("党员名册 /members", &|_| "/members".into()),
            page("名册查找 /members?q=", &|_| {
                "/members?q=%E7%8E%8B".into()
            }),
            page("电子监察 /findings", &|_| "/findings".into()),
            page("月度通报 /reports", &|_| "/reports".into()),
            page(PROFILE, &|a| format!("/members/{}", a.member)),
            page("排行榜 /rankings", &|_| "/rankings".into()),
            page("分级分档 /tiers", &|_| "/tiers".into()),
        ]
        .into_iter()
        .filter(|p| !p.calls.is_empty())
        .collect()
    }

    /// Members outside the crowd, with the CSRF tokens their pages give.
    pub async fn with_csrf(&self, members: &[Session]) -> Vec<(Session, String)> {
        let calls = members
            .iter()
            .map(|s| Call::get("/me", &s.cookie))
            .collect();
        let (_, picked) = self
            .client
            .run_picking(calls, self.count(), &[200], Some("csrf"))
            .await;
        members
            .iter()
            .cloned()
            .zip(picked.into_iter().map(Option::unwrap_or_default))
            .collect()
    }
}

/// The ceilings, with the load generator and concurrency the scenarios use: a bare handler
/// answering `ok`, and a bare handler writing one row per request.
pub async fn ceilings(data: &Prepared, plan: &Plan) -> Ceilings {
    let (database, engine) = match &data.database {
        Some(url) => (url.clone(), "PostgreSQL"),
        None => (
            format!(
                "sqlite://{}?mode=rwc",
                data.dir.join("ceiling.db").display()
            ),
            "SQLite (WAL)",
        ),
    };
    let server = Process::ceiling(&database, &data.dir.join("ceiling.log")).await;
    let client = Client::new(server.addr, plan.concurrency);
    let n = plan.checkins.max(1000);
    // Once to open the connections, then measured.
    client
        .run(
            (0..200).map(|_| Call::get("/ok", "")).collect(),
            plan.concurrency,
            &[200],
        )
        .await;
    let http = client
        .run(
            (0..n * 2).map(|_| Call::get("/ok", "")).collect(),
            plan.concurrency,
            &[200],
        )
        .await;
    let storage = client
        .run(
            (0..n)
                .map(|_| Call::post("/insert", "", String::new()))
                .collect(),
            plan.concurrency,
            &[200],
        )
        .await;
    println!(
        "- ceilings\n  http: {}\n  storage ({engine}): {}",
        http.summary(),
        storage.summary()
    );
    server.stop().await;
    Ceilings {
        http,
        storage,
        storage_engine: engine.to_string(),
    }
}
