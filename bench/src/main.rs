//! The benchmark harness. Results are ratios to ceilings measured in the same run on the same
//! machine, so they compare across machines; nothing here is a pass/fail timer.
//!
//!   cargo run -p bench --release -- tree [--orgs 100000] [--database postgres://…]
use dangjian::domain::org::{OrgCategory, OrgType};
use dangjian::store::orgs::{self, OrgInput};
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tree") => tree(&args).await,
        Some("ranking") => ranking(),
        _ => eprintln!("usage: bench tree [--orgs N] [--database URL] | bench ranking"),
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
    let input = |name: String, kind| OrgInput {
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
