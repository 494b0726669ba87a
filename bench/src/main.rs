//! The benchmark harness. Results are ratios to ceilings measured in the same run on the same
//! machine, so they compare across machines; nothing here is a pass/fail timer.
//!
//!   cargo run -p bench --release -- tree [--orgs 100000] [--database postgres://…]
//!   cargo run -p bench --release -- ranking
//!   cargo run -p bench --release -- pages [--members 1000000] [--database postgres://…]
//!   cargo run -p bench --release -- dashboard [--orgs 100000] [--database postgres://…]
//!   cargo run -p bench --release -- supervision [--orgs 100000] [--database postgres://…]
use dangjian::domain::org::OrgRecord;
use dangjian::domain::org::{OrgCategory, OrgType};
use dangjian::store::orgs;
use dangjian::store::{Db, schema};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time_n<F, Fut>(n: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    median(samples)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    // The application's own log lines (a scan's parts, say) are part of the report.
    tracing_subscriber::fmt().with_target(false).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tree") => tree(&args).await,
        Some("ranking") => ranking(),
        Some("pages") => pages(&args).await,
        Some("dashboard") => dashboard(&args).await,
        Some("supervision") => supervision(&args).await,
        _ => eprintln!(
            "usage: bench tree [--orgs N] [--database URL] | bench ranking | bench pages [--members N] [--database URL] | bench dashboard|supervision [--orgs N] [--database URL]"
        ),
    }
}

/// Subtree queries over a tree of N organizations.
async fn tree(args: &[String]) {
    let n: usize = arg(args, "--orgs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("dj-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = arg(args, "--database")
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    let db = Db::connect(&url).await.unwrap();
    schema::migrate(&db).await.unwrap();

    // Ceilings: a bare round trip and a bare insert on the same database.
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_ceiling (id BIGINT, v TEXT)")
        .execute(&db.pool)
        .await
        .unwrap();
    let select_ceiling = time_n(200, || async {
        sqlx::query("SELECT 1").execute(&db.pool).await.unwrap();
    })
    .await;
    let insert_ceiling = time_n(200, || async {
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO bench_ceiling (id, v) VALUES ($1, $2)")
            .bind(1i64)
            .bind("x")
            .execute(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    })
    .await;

    // County → towns → general branches → branches → party groups, N organizations in all.
    let started = Instant::now();
    let mut tx = db.begin().await.unwrap();
    let input = |name: String, kind| OrgRecord {
        name,
        kind,
        category: OrgCategory::Rural,
        address: String::new(),
        sort_order: 0,
    };
    let now = dangjian::domain::clock::now_epoch();
    let root_id = orgs::create(tx.conn(), None, &input("县委".into(), OrgType::County), now)
        .await
        .unwrap();
    let root = orgs::get_in(tx.conn(), root_id).await.unwrap();
    let mut made = 1;
    let towns = (n / 1000).max(1);
    let mut first_town = None;
    'outer: for t in 0..towns {
        let town_id = orgs::create(
            tx.conn(),
            Some(&root),
            &input(format!("镇{t}"), OrgType::Committee),
            now,
        )
        .await
        .unwrap();
        let town = orgs::get_in(tx.conn(), town_id).await.unwrap();
        first_town.get_or_insert(town.clone());
        made += 1;
        for g in 0..10 {
            let gb_id = orgs::create(
                tx.conn(),
                Some(&town),
                &input(format!("总支{t}-{g}"), OrgType::GeneralBranch),
                now,
            )
            .await
            .unwrap();
            let gb = orgs::get_in(tx.conn(), gb_id).await.unwrap();
            made += 1;
            for b in 0..33 {
                let br_id = orgs::create(
                    tx.conn(),
                    Some(&gb),
                    &input(format!("支部{t}-{g}-{b}"), OrgType::Branch),
                    now,
                )
                .await
                .unwrap();
                let br = orgs::get_in(tx.conn(), br_id).await.unwrap();
                made += 1;
                for p in 0..2 {
                    orgs::create(
                        tx.conn(),
                        Some(&br),
                        &input(format!("小组{p}"), OrgType::PartyGroup),
                        now,
                    )
                    .await
                    .unwrap();
                    made += 1;
                }
                if made >= n {
                    break 'outer;
                }
            }
        }
    }
    tx.commit().await.unwrap();
    let built = started.elapsed();
    let town = first_town.unwrap();

    let town_subtree = time_n(50, || async {
        orgs::subtree_counts(&db, &town.path).await.unwrap();
    })
    .await;
    let county_subtree = time_n(10, || async {
        orgs::subtree_counts(&db, &root.path).await.unwrap();
    })
    .await;
    let town_children = time_n(50, || async {
        orgs::children(&db, town.id).await.unwrap();
    })
    .await;
    let search = time_n(20, || async {
        orgs::search(&db, &[town.path.as_str()], "支部", &[OrgType::Branch], 50)
            .await
            .unwrap();
    })
    .await;

    println!(
        "engine: {:?}, organizations: {made} (built in {:.1}s)",
        db.engine,
        built.as_secs_f64()
    );
    println!(
        "ceiling  bare SELECT 1:            {:>9.1} µs",
        select_ceiling.as_secs_f64() * 1e6
    );
    println!(
        "ceiling  bare INSERT (own txn):    {:>9.1} µs",
        insert_ceiling.as_secs_f64() * 1e6
    );
    let row = |label: &str, d: Duration| {
        println!(
            "{label:<34}{:>9.1} µs  = {:>6.1} × SELECT 1, {:>5.2} × INSERT",
            d.as_secs_f64() * 1e6,
            d.as_secs_f64() / select_ceiling.as_secs_f64(),
            d.as_secs_f64() / insert_ceiling.as_secs_f64()
        );
    };
    row("town subtree counts (~1,000 orgs)", town_subtree);
    row("town children with subtree sizes", town_children);
    row("search branches in a town", search);
    row("county subtree counts (all orgs)", county_subtree);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The ranking board at a county's size and at a province's: the cost of a rank read and of
/// an update should not grow with the number of members.
fn ranking() {
    use dangjian::domain::ranking::Board;
    let mut rng: u64 = 0x2019;
    let mut next = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        rng >> 33
    };
    // Ceiling: a HashMap lookup on the same machine in the same run.
    let map: std::collections::HashMap<i64, i64> = (0..1_000_000).map(|i| (i, i)).collect();
    let ops = 200_000;
    let t = Instant::now();
    let mut sink = 0;
    for i in 0..ops {
        sink += map.get(&((i * 7919) % 1_000_000)).copied().unwrap_or(0);
    }
    let ceiling = t.elapsed().as_secs_f64() / ops as f64;
    println!(
        "ceiling  HashMap lookup:            {:>8.3} µs  (checksum {sink})",
        ceiling * 1e6
    );
    for members in [10_000i64, 1_000_000] {
        let mut board = Board::default();
        let t = Instant::now();
        for m in 0..members {
            board.add(m, (next() % 3000) as i64);
        }
        let build = t.elapsed();
        let t = Instant::now();
        let mut s = 0;
        for i in 0..ops {
            s += board.rank((i * 7919) % members).unwrap_or(0);
        }
        let read = t.elapsed().as_secs_f64() / ops as f64;
        let t = Instant::now();
        for i in 0..ops {
            board.add((i * 104729) % members, (next() % 5) as i64);
        }
        let update = t.elapsed().as_secs_f64() / ops as f64;
        let t = Instant::now();
        let top = board.top(20).len();
        let top_time = t.elapsed().as_secs_f64();
        println!(
            "{members:>9} members: build {:.2}s; rank {:.3} µs = {:.1} × ceiling; update {:.3} µs = {:.1} × ceiling; top {top} {:.1} µs  (checksum {s})",
            build.as_secs_f64(),
            read * 1e6,
            read / ceiling,
            update * 1e6,
            update / ceiling,
            top_time * 1e6
        );
    }
}

/// One HTTP/1.1 request over a fresh connection: status, cookies set, body. Small on purpose:
/// the ceiling (`/healthz`) goes through the same code, so the ratios compare pages only.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookies: &str,
    form: &str,
) -> (u16, Vec<String>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookies}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let set: Vec<String> = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next().map(str::to_string))
        .collect();
    (status, set, body.to_string())
}

/// Signs in through the login form; the cookie header of the session.
async fn sign_in(addr: std::net::SocketAddr, phone: &str, password: &str) -> String {
    let (_, set, body) = http(addr, "GET", "/login", "", "").await;
    let anon = set.join("; ");
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF field on the login page");
    let form = format!(
        "csrf={csrf}&phone={phone}&password={}",
        password.replace('@', "%40")
    );
    let (status, set, _) = http(addr, "POST", "/login", &anon, &form).await;
    assert_eq!(status, 303, "login of {phone}");
    set.join("; ")
}

/// Median render times of the ranking and daily-question pages for one signed-in member.
async fn measure_pages(addr: std::net::SocketAddr, cookies: &str, label: &str) {
    let get = |path: &'static str| {
        let cookies = cookies.to_string();
        async move {
            let (status, _, body) = http(addr, "GET", path, &cookies, "").await;
            assert_eq!(status, 200, "{path}: {body}");
        }
    };
    // Warm caches and the first request of each page before timing.
    for p in ["/healthz", "/rankings", "/daily"] {
        get(p).await;
    }
    let n = 41;
    let ceiling = time_n(n, || get("/healthz")).await;
    println!(
        "{label}: ceiling GET /healthz {:.2} ms",
        ceiling.as_secs_f64() * 1e3
    );
    for path in [
        "/rankings?scope=county&period=month",
        "/rankings?scope=county&period=all",
        "/rankings?scope=town&period=week",
        "/rankings?scope=branch&period=year",
        "/daily",
    ] {
        let d = time_n(n, || get(path)).await;
        println!(
            "{label}: {path:<40} {:>7.2} ms = {:>5.1} × ceiling",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / ceiling.as_secs_f64()
        );
    }
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts the real server on the data folder and waits until the rankings are warm.
async fn serve(dir: &std::path::Path, url: &Option<String>) -> std::net::SocketAddr {
    let config = dangjian::config::Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: url.clone(),
        ..Default::default()
    };
    let server = dangjian::startup::Server::build(config).await.unwrap();
    let addr = server.addr();
    tokio::spawn(server.run());
    addr
}

/// The demo county's ranking and daily-question pages, then the same with synthetic members
/// added until there are `--members` (default 1,000,000) in the county.
async fn pages(args: &[String]) {
    let target: i64 = arg(args, "--members")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("dj-bench-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = arg(args, "--database");
    let (db, keys) = open_at(&dir, &url).await;
    let t = Instant::now();
    dangjian::demo::generate(&db, &keys, 2019).await.unwrap();
    dangjian::demo::question_bank(&db).await.unwrap();
    let files = dangjian::files::Storage::local(dir.join("files"));
    dangjian::demo::study(&db, &files, 2019, 30).await.unwrap();
    println!(
        "demo county with 30 days of study: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (member, password) = (dangjian::demo::LOGINS[0].1, dangjian::demo::DEMO_PASSWORD);

    let addr = serve(&dir, &url).await;
    let cookies = sign_in(addr, member, password).await;
    let members = count(&db, "SELECT COUNT(*) FROM members").await;
    let entries = count(&db, "SELECT COUNT(*) FROM points_ledger").await;
    println!("demo size: {members} members, {entries} ledger entries");
    measure_pages(addr, &cookies, &format!("demo, {members} members")).await;
    println!("process RSS {:.0} MB", rss_mb());

    let t = Instant::now();
    add_synthetic_members(&db, target - members).await;
    let members = count(&db, "SELECT COUNT(*) FROM members").await;
    let entries = count(&db, "SELECT COUNT(*) FROM points_ledger").await;
    println!(
        "added synthetic members in {:.1} s: {members} members, {entries} ledger entries",
        t.elapsed().as_secs_f64()
    );
    // A fresh server, as after a restart: its warm-up reads the whole ledger.
    let t = Instant::now();
    let addr = serve(&dir, &url).await;
    let cookies = sign_in(addr, member, password).await;
    http(addr, "GET", "/rankings", &cookies, "").await;
    println!(
        "restart until the first ranking page: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    measure_pages(addr, &cookies, &format!("{members} members")).await;
    println!(
        "process RSS {:.0} MB (both servers in this process)",
        rss_mb()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db.pool).await.unwrap();
    n
}

/// Synthetic towns of 100 branches of 50 members under the county, each member with a
/// credit this week and one earlier this year, written in bulk with literal values (all
/// generated here, none from input).
async fn add_synthetic_members(db: &Db, mut remaining: i64) {
    let now = dangjian::domain::clock::now_epoch();
    let (root,): (i64,) =
        sqlx::query_as("SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let root = orgs::get(db, root).await.unwrap();
    let input = |name: String, kind| OrgRecord {
        name,
        kind,
        category: OrgCategory::Rural,
        address: String::new(),
        sort_order: 0,
    };
    let (mut next_member,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM members")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut town_no = 0;
    let mut rng: u64 = 0x1000_0000;
    while remaining > 0 {
        town_no += 1;
        let mut tx = db.begin().await.unwrap();
        let town_id = orgs::create(
            tx.conn(),
            Some(&root),
            &input(format!("合成镇{town_no}"), OrgType::Committee),
            now,
        )
        .await
        .unwrap();
        let town = orgs::get_in(tx.conn(), town_id).await.unwrap();
        for b in 0..100 {
            if remaining <= 0 {
                break;
            }
            let branch = orgs::create(
                tx.conn(),
                Some(&town),
                &input(format!("合成支部{town_no}-{b}"), OrgType::Branch),
                now,
            )
            .await
            .unwrap();
            let n = remaining.min(50);
            let mut people = Vec::new();
            let mut ledger = Vec::new();
            for _ in 0..n {
                let id = next_member;
                next_member += 1;
                people.push(format!(
                    "({id}, '合成党员{id}', 'male', '汉族', '1970-01-01', 'x', '1101**********0000', 'syn{id}', '', 'junior_high', '1995-07-01', '1996-07-01', 'full', 'farmer', {branch}, {now}, {now})"
                ));
                for (k, back) in [(0, 0), (1, 40 * 86_400)] {
                    rng = rng
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let amount = 1 + (rng >> 33) % 60;
                    let at = now - back - (rng >> 40) as i64 % 86_400;
                    let day = dangjian::domain::clock::format_date(
                        dangjian::domain::clock::local_date(at),
                    );
                    ledger.push(format!(
                        "({id}, 'daily_answer', 'bench:{id}:{k}', {amount}, {amount}, '合成', '{day}', NULL, {at})"
                    ));
                }
            }
            sqlx::query(&format!(
                "INSERT INTO members (id, name, gender, ethnicity, birth_date, id_number_enc, id_number_mask, id_number_hash, phone_mask, education, joined_on, full_member_on, status, category, branch_id, created_at, updated_at) VALUES {}",
                people.join(",")
            ))
            .execute(tx.conn())
            .await
            .unwrap();
            sqlx::query(&format!(
                "INSERT INTO points_ledger (member_id, rule, idempotency_key, lifetime_delta, balance_delta, reason, day, created_by, created_at) VALUES {}",
                ledger.join(",")
            ))
            .execute(tx.conn())
            .await
            .unwrap();
            remaining -= n;
        }
        tx.commit().await.unwrap();
    }
    // PostgreSQL's id sequence must move past the ids given here.
    if db.engine == dangjian::store::engine::Engine::Postgres {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT MAX(id) FROM members))",
        )
        .execute(&db.pool)
        .await
        .unwrap();
    }
}

/// The county administrator's and a town administrator's dashboards on the demo county with
/// a year of organizational life and 30 days of study, side by side with a copy of it that
/// has a synthetic province of `--orgs` organizations (default 100,000) beside the county's
/// own. Requests to the two servers alternate, so both are timed in the same conditions.
async fn dashboard(args: &[String]) {
    let target: i64 = arg(args, "--orgs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("dj-bench-dashboard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = arg(args, "--database");
    let (db, keys) = open_at(&dir, &url).await;
    let t = Instant::now();
    dangjian::demo::generate(&db, &keys, 2019).await.unwrap();
    dangjian::demo::question_bank(&db).await.unwrap();
    let files = dangjian::files::Storage::local(dir.join("files"));
    dangjian::demo::orglife(&db, &files, 2019, 12)
        .await
        .unwrap();
    dangjian::demo::study(&db, &files, 2019, 30).await.unwrap();
    println!(
        "demo county, 12 months of organizational life, 30 days of study: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let now = dangjian::domain::clock::now_epoch();
    let t = Instant::now();
    dangjian::jobs::nightly_figures(&db, now).await.unwrap();
    println!(
        "nightly rebuild (current and previous month, quarter, year; 12 months ensured): {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let demo_orgs = count(&db, "SELECT COUNT(*) FROM orgs").await;

    let big_dir = dir.join("province");
    let big_url = copy_database(db, &dir, &big_dir, &url).await;
    let (big, _) = open_at(&big_dir, &big_url).await;
    let t = Instant::now();
    add_synthetic_province(&big, target - demo_orgs).await;
    let big_orgs = count(&big, "SELECT COUNT(*) FROM orgs").await;
    println!(
        "added a synthetic province to a copy in {:.1} s: {big_orgs} organizations",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    dangjian::store::dashboard::rebuild_current(&big, now)
        .await
        .unwrap();
    println!(
        "rebuild of the current month, quarter and year: {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let (small, large) = (serve(&dir, &url).await, serve(&big_dir, &big_url).await);
    let password = dangjian::demo::DEMO_PASSWORD;
    for (role, login, path) in [
        (
            "county administrator",
            dangjian::demo::LOGINS[3].1,
            "/dashboard",
        ),
        (
            "county administrator",
            dangjian::demo::LOGINS[3].1,
            "/dashboard?period=year",
        ),
        (
            "town administrator",
            dangjian::demo::LOGINS[2].1,
            "/dashboard",
        ),
    ] {
        let a = sign_in(small, login, password).await;
        let b = sign_in(large, login, password).await;
        let [ceiling, demo, province] = time_alternating(
            201,
            [
                (small, "", "/healthz"),
                (small, &a, path),
                (large, &b, path),
            ],
        )
        .await;
        let kb = |addr, cookies| async move {
            http(addr, "GET", path, cookies, "").await.2.len() / 1024
        };
        let (demo_kb, province_kb) = (kb(small, &a).await, kb(large, &b).await);
        println!(
            "{role}, {path}\n  demo ({demo_orgs} organizations): {:.2} ms = {:.1} × /healthz, {demo_kb} KB\n  \
             province ({big_orgs}): {:.2} ms = {:.1} × /healthz, {province_kb} KB\n  province ÷ demo: {:.2}×",
            demo.as_secs_f64() * 1e3,
            demo.as_secs_f64() / ceiling.as_secs_f64(),
            province.as_secs_f64() * 1e3,
            province.as_secs_f64() / ceiling.as_secs_f64(),
            province.as_secs_f64() / demo.as_secs_f64(),
        );
    }
    println!("process RSS {:.0} MB", rss_mb());
    let _ = std::fs::remove_dir_all(&dir);
}

async fn open_at(dir: &std::path::Path, url: &Option<String>) -> (Db, dangjian::crypto::Keys) {
    let config = dangjian::config::Config {
        data_dir: dir.to_path_buf(),
        database_url: url.clone(),
        ..Default::default()
    };
    dangjian::startup::open(&config).await.unwrap()
}

/// Medians of GETs `(server, cookies, path)` taken in turn `n` times, so that whatever the
/// machine does meanwhile weighs on each alike.
async fn time_alternating<const N: usize>(
    n: usize,
    requests: [(std::net::SocketAddr, &str, &str); N],
) -> [Duration; N] {
    let mut samples = vec![Vec::with_capacity(n); N];
    for round in 0..n + 5 {
        for (i, (addr, cookies, path)) in requests.iter().enumerate() {
            let t = Instant::now();
            let (status, _, body) = http(*addr, "GET", path, cookies, "").await;
            assert_eq!(status, 200, "{path}: {body}");
            // The first rounds warm caches and are not counted.
            if round >= 5 {
                samples[i].push(t.elapsed());
            }
        }
    }
    samples
        .into_iter()
        .map(median)
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

/// A copy of the database in `to` (with the key its members' numbers are encrypted with);
/// its URL. `db` is closed: PostgreSQL copies only a database no one is connected to.
async fn copy_database(
    db: Db,
    from: &std::path::Path,
    to: &std::path::Path,
    url: &Option<String>,
) -> Option<String> {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(from.join("secret.key"), to.join("secret.key")).unwrap();
    match url {
        None => {
            // The last connection's close checkpoints the write-ahead log into the file.
            db.pool.close().await;
            std::fs::copy(from.join("dangjian.db"), to.join("dangjian.db")).unwrap();
            None
        }
        Some(url) => {
            db.pool.close().await;
            let (server, name) = url.rsplit_once('/').unwrap();
            let copy = format!("{name}_province");
            let mut admin =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{server}/postgres"))
                    .await
                    .unwrap();
            for sql in [
                format!("DROP DATABASE IF EXISTS {copy}"),
                format!("CREATE DATABASE {copy} TEMPLATE {name}"),
            ] {
                sqlx::query(&sql).execute(&mut admin).await.unwrap();
            }
            Some(format!("{server}/{copy}"))
        }
    }
}

/// A synthetic 市 under the county with counties of ten towns of 99 branches each, until
/// `remaining` organizations are added: the province's mass in one row of the county's
/// dashboard, as kept figures roll it up.
async fn add_synthetic_province(db: &Db, mut remaining: i64) {
    let root = orgs::root(db).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    let city = add_org(&mut tx, &root, "合成市委".into(), OrgType::Committee).await;
    remaining -= 1;
    let mut county_no = 0;
    while remaining > 0 {
        county_no += 1;
        let name = format!("合成县{county_no}");
        let county = add_org(&mut tx, &city, name, OrgType::Committee).await;
        remaining -= 1;
        for t in 0..10 {
            if remaining <= 0 {
                break;
            }
            let name = format!("合成镇{county_no}-{t}");
            let town = add_org(&mut tx, &county, name, OrgType::Committee).await;
            remaining -= 1;
            for b in 0..99.min(remaining) {
                let name = format!("合成支部{county_no}-{t}-{b}");
                add_org(&mut tx, &town, name, OrgType::Branch).await;
                remaining -= 1;
            }
        }
        // A county at a time: one transaction of 100,000 rows outgrows SQLite's page cache.
        tx.commit().await.unwrap();
        tx = db.begin().await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn add_org(
    tx: &mut dangjian::store::WriteTx,
    parent: &orgs::Org,
    name: String,
    kind: OrgType,
) -> orgs::Org {
    let record = OrgRecord {
        name,
        kind,
        category: OrgCategory::Rural,
        address: String::new(),
        sort_order: 0,
    };
    let now = dangjian::domain::clock::now_epoch();
    let id = orgs::create(tx.conn(), Some(parent), &record, now)
        .await
        .unwrap();
    orgs::get_in(tx.conn(), id).await.unwrap()
}

/// 电子监察's scan on the demo county (a year of organizational life: 32,000 photos and
/// minutes) and on a copy with a synthetic province of `--orgs` organizations beside it: the
/// first scan, which compares every photo and minutes, and the daily scan after it, which
/// compares what changed since against everything; then last month's 月度通报.
async fn supervision(args: &[String]) {
    let target: i64 = arg(args, "--orgs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let url = arg(args, "--database");
    if let Some(data) = arg(args, "--data") {
        // An existing demo's folder: its scans alone, to look at one part quickly.
        let (db, _) = open_at(std::path::Path::new(&data), &url).await;
        sqlx::query("DELETE FROM supervision_runs")
            .execute(&db.pool)
            .await
            .unwrap();
        let t = Instant::now();
        dangjian::supervision::scan(&db, None, dangjian::domain::clock::now_epoch())
            .await
            .unwrap();
        println!("first scan of {data}: {:.2} s", t.elapsed().as_secs_f64());
        return;
    }
    let dir = std::env::temp_dir().join(format!("dj-bench-supervision-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (db, keys) = open_at(&dir, &url).await;
    dangjian::demo::generate(&db, &keys, 2019).await.unwrap();
    let files = dangjian::files::Storage::local(dir.join("files"));
    let t = Instant::now();
    dangjian::demo::orglife(&db, &files, 2019, 12)
        .await
        .unwrap();
    println!(
        "demo county with 12 months of organizational life: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let now = dangjian::domain::clock::now_epoch();
    let demo_orgs = count(&db, "SELECT COUNT(*) FROM orgs").await;
    let big_dir = dir.join("province");
    let big_url = copy_database(db, &dir, &big_dir, &url).await;
    let (db, _) = open_at(&dir, &url).await;
    let (big, _) = open_at(&big_dir, &big_url).await;
    add_synthetic_province(&big, target - demo_orgs).await;
    let big_orgs = count(&big, "SELECT COUNT(*) FROM orgs").await;
    let photos = count(
        &db,
        "SELECT COUNT(*) FROM meeting_files WHERE print IS NOT NULL",
    )
    .await;
    let mut rows = Vec::new();
    for (name, db, orgs) in [
        ("demo county", &db, demo_orgs),
        ("with province", &big, big_orgs),
    ] {
        // The first scan: forget earlier runs, so every photo and minutes is compared.
        sqlx::query("DELETE FROM supervision_runs")
            .execute(&db.pool)
            .await
            .unwrap();
        let t = Instant::now();
        dangjian::supervision::scan(db, None, now).await.unwrap();
        let first = t.elapsed();
        let mut daily = Vec::new();
        for day in 1..=3 {
            let t = Instant::now();
            dangjian::supervision::scan(db, None, now + day * 86_400)
                .await
                .unwrap();
            daily.push(t.elapsed());
        }
        let (report, reports, pdf, pages) = monthly_report(db, now).await;
        rows.push((
            name,
            orgs,
            first,
            median(daily),
            report,
            reports,
            pdf,
            pages,
        ));
    }
    println!("{photos} photos with prints");
    let (base_first, base_daily, base_report) = (rows[0].2, rows[0].3, rows[0].4);
    for (name, orgs, first, daily, report, reports, pdf, bytes) in rows {
        println!(
            "{name:>14} ({orgs:>6} organizations): first scan {:>7.2} s ({:.2}×), daily scan {:>7.2} s ({:.2}×)",
            first.as_secs_f64(),
            first.as_secs_f64() / base_first.as_secs_f64(),
            daily.as_secs_f64(),
            daily.as_secs_f64() / base_daily.as_secs_f64()
        );
        println!(
            "{:>37} monthly report {:>7.2} s ({:.2}×) for {reports} organizations; the root's PDF {:.2} s, {} KB",
            "",
            report.as_secs_f64(),
            report.as_secs_f64() / base_report.as_secs_f64(),
            pdf.as_secs_f64(),
            bytes / 1024
        );
    }
}

/// 月度通报 of last month as the job makes it on the 1st (the tiers, then every report),
/// and the root's report as a PDF: (time, reports, PDF time, PDF bytes).
async fn monthly_report(db: &Db, now: i64) -> (Duration, usize, Duration, usize) {
    use dangjian::domain::dashboard::PeriodKind;
    let month = PeriodKind::Month
        .previous(&PeriodKind::Month.period_of(dangjian::domain::clock::local_date(now)));
    let t = Instant::now();
    let reports = dangjian::reports::generate(db, &month, now).await.unwrap();
    let took = t.elapsed();
    let root = orgs::root(db).await.unwrap().unwrap();
    let (list, _) =
        dangjian::store::reports::visible(db, &[root.path.as_str()], Some(month.start), 1, 0)
            .await
            .unwrap();
    let content = list[0].content().unwrap();
    let t = Instant::now();
    let pdf = dangjian::pdf::report(&content, &root.name).unwrap();
    (took, reports, t.elapsed(), pdf.len())
}
