//! Micro-benchmarks of single parts, each as a ratio to a ceiling of the same run: the
//! organization tree's queries, the in-memory ranking boards, 电子监察's scan.
use crate::data::{open, org_record};
use dangjian::domain::org::OrgType;
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

/// Subtree queries over a tree of N organizations.
pub async fn tree(n: usize, database: Option<String>) {
    let dir = std::env::temp_dir().join(format!("dj-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url =
        database.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()));
    let db = Db::connect(&url).await.unwrap();
    schema::migrate(&db).await.unwrap();

    // Ceilings: a bare round trip and a bare insert on the same database.
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_ceiling (id BIGINT, v TEXT)")
        .execute(db.pool())
        .await
        .unwrap();
    let select_ceiling = time_n(200, || async {
        sqlx::query("SELECT 1").execute(db.pool()).await.unwrap();
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
    let now = dangjian::domain::clock::now_epoch();
    let root_id = orgs::create(
        tx.conn(),
        None,
        &org_record("县委".into(), OrgType::County),
        now,
    )
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
            &org_record(format!("镇{t}"), OrgType::Committee),
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
                &org_record(format!("总支{t}-{g}"), OrgType::GeneralBranch),
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
                    &org_record(format!("支部{t}-{g}-{b}"), OrgType::Branch),
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
                        &org_record(format!("小组{p}"), OrgType::PartyGroup),
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
pub fn boards() {
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
            db.close().await;
            std::fs::copy(from.join("dangjian.db"), to.join("dangjian.db")).unwrap();
            None
        }
        Some(url) => {
            db.close().await;
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

/// 电子监察's scan on the demo county (a year of organizational life: 32,000 photos and
/// minutes) and on a copy with a synthetic province of `--orgs` organizations beside it: the
/// first scan, which compares every photo and minutes, and the daily scan after it, which
/// compares what changed since against everything; then last month's 月度通报.
pub async fn supervision(target: i64, url: Option<String>, data: Option<String>) {
    if let Some(data) = data {
        // An existing demo's folder: its scans alone, to look at one part quickly.
        let (db, _) = open(std::path::Path::new(&data), url.as_deref()).await;
        sqlx::query("DELETE FROM supervision_runs")
            .execute(db.pool())
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
    let (db, keys) = open(&dir, url.as_deref()).await;
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
    let (db, _) = open(&dir, url.as_deref()).await;
    let (big, _) = open(&big_dir, big_url.as_deref()).await;
    crate::data::synthetic_tree(&big, target - demo_orgs).await;
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
            .execute(db.pool())
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
        dangjian::store::reports::visible(db, &[root.path.as_str()], Some(month.start), "", 1, 0)
            .await
            .unwrap();
    let content = list[0].content().unwrap();
    let t = Instant::now();
    let pdf = dangjian::pdf::report(&content, &root.name).unwrap();
    (took, reports, t.elapsed(), pdf.len())
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(db.pool()).await.unwrap();
    n
}
