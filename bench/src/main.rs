//! 党建云's benchmark harness: the county's rush hours, driven over real HTTP against the
//! real `dangjian serve`, each reported as a ratio to ceilings measured in the same run on
//! the same machine. Nothing here is a pass/fail timer; see bench/README.md.
mod data;
mod load;
mod micro;
mod report;
mod scenarios;
mod server;

use clap::{Parser, Subcommand, ValueEnum};
use data::Size;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "bench", version, about = "党建云's benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Only {
    Browse,
    Login,
    CheckinStorm,
    DailyQuestion,
    Ranking,
    Dashboard,
    Admin,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the data, measure the ceilings, run every scenario, write the report.
    All {
        #[command(flatten)]
        run: RunArgs,
    },
    /// One or more scenarios only (the data and the ceilings as for `all`).
    Scenario {
        #[arg(value_enum, required = true)]
        scenarios: Vec<Only>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Subtree queries over a synthetic tree of organizations.
    Tree {
        #[arg(long, default_value_t = 100_000)]
        orgs: usize,
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// The in-memory ranking boards at 10,000 and 1,000,000 members.
    Boards,
    /// 电子监察's first and daily scans and the monthly report, county and province.
    Supervision {
        #[arg(long, default_value_t = 100_000)]
        orgs: i64,
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// An existing demo's data folder: only its first scan.
        #[arg(long, value_name = "DIR")]
        data: Option<String>,
    },
    /// The ceilings' bare server (started by the bench itself).
    #[command(hide = true)]
    CeilingServer {
        #[arg(long)]
        bind: String,
        #[arg(long)]
        database: String,
    },
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// How much data and load.
    #[arg(long, value_enum, default_value = "county")]
    size: Size,
    /// A PostgreSQL server (postgres://…/db); the bench makes its own database beside `db`.
    /// Without it: SQLite.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Seed of the demo county.
    #[arg(long, default_value_t = 2019)]
    seed: u64,
    /// Where the report goes [default: target/bench in the workspace].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The `dangjian` binary to serve [default: built beside the bench].
    #[arg(long, value_name = "FILE")]
    server: Option<PathBuf>,
    /// Keep the generated data (its folder is printed), for `--reuse`.
    #[arg(long)]
    keep: bool,
    /// Run against the data an earlier `--keep` run left, as it left it (quicker, when
    /// looking into one scenario; the report then says the data took 0 s to make).
    #[arg(long)]
    reuse: bool,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::All { run } => all(run, None).await,
        Command::Scenario { scenarios, run } => all(run, Some(scenarios)).await,
        Command::Tree { orgs, database } => micro::tree(orgs, database).await,
        Command::Boards => micro::boards(),
        Command::Supervision {
            orgs,
            database,
            data,
        } => {
            tracing_subscriber::fmt().with_target(false).init();
            micro::supervision(orgs, database, data).await
        }
        Command::CeilingServer { bind, database } => server::ceiling_server(&bind, &database).await,
    }
}

async fn all(args: RunArgs, only: Option<Vec<Only>>) {
    let wanted = |s: Only| only.as_ref().is_none_or(|o| o.contains(&s));
    let binary = server::dangjian_binary(args.server.clone());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench")));
    std::fs::create_dir_all(&out).expect("the report's folder");
    let engine = if args.database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let dir =
        std::env::temp_dir().join(format!("dj-bench-{engine}-{:?}", args.size).to_lowercase());
    println!("data: {} ({engine}, {:?})", dir.display(), args.size);
    let data = data::prepare(
        &binary,
        (args.size, args.seed, args.reuse),
        &dir,
        args.database.as_deref(),
    )
    .await;
    let plan = args.size.plan();
    let ceilings = scenarios::ceilings(&data, &plan).await;
    let mut run = report::Run::new(args.size, engine, &data, &plan, &ceilings);
    let server = server::Process::dangjian(&binary, &data.dir, data.database.as_deref()).await;
    let client = load::Client::new(server.addr, plan.concurrency);
    // The first request warms what the server keeps in memory (the ranking boards).
    let crowd = data::sessions(&data.db, plan.checkins, false).await;
    let writers = plan.ranking_requests / 10;
    let answerers = data::sessions(&data.db, plan.answers + writers, true).await;
    client
        .send(&load::Call::get("/rankings", &crowd[0].cookie), false)
        .await
        .expect("the server answers");
    run.memory_after_start = server.rss_mb();
    let mut b = scenarios::Bench {
        data: &data,
        plan: &plan,
        server: &server,
        client,
        ceilings: &ceilings,
        members: crowd.iter().map(|s| (s.clone(), String::new())).collect(),
    };
    if wanted(Only::Login) {
        let phones = b.login_phones(plan.logins).await;
        run.scenarios.push(
            b.measure("login", async |b| scenarios::login(b, &phones).await)
                .await,
        );
    }
    // The storm gives every member of the crowd the CSRF token the later forms carry.
    if wanted(Only::CheckinStorm) {
        run.scenarios
            .push(b.measure("checkin-storm", scenarios::checkin_storm).await);
    } else {
        b.csrf_tokens(|_| "/me".into()).await;
    }
    if wanted(Only::Browse) {
        let pages = b.member_pages().await;
        run.scenarios.push(
            b.measure("browse", async |b| scenarios::browse(b, &pages).await)
                .await,
        );
    }
    // Those who have not answered today: most answer in the morning rush, the rest while
    // others watch the ranking.
    let answerers = b.with_csrf(&answerers).await;
    let (morning, later) =
        answerers.split_at(answerers.len().saturating_sub(writers).min(plan.answers));
    if wanted(Only::DailyQuestion) {
        run.scenarios.push(
            b.measure("daily-question", async |b| {
                scenarios::daily_question(b, morning).await
            })
            .await,
        );
    }
    if wanted(Only::Ranking) {
        run.scenarios.push(
            b.measure("ranking", async |b| scenarios::ranking(b, later).await)
                .await,
        );
    }
    if wanted(Only::Dashboard) {
        let admins = b.admin_sessions().await;
        run.scenarios.push(
            b.measure("dashboard", async |b| {
                scenarios::dashboard(b, &admins).await
            })
            .await,
        );
    }
    if wanted(Only::Admin) {
        let admins = b.admin_sessions().await;
        let pages = b.admin_pages(&admins).await;
        run.scenarios.push(
            b.measure("admin", async |b| scenarios::admin(b, &pages).await)
                .await,
        );
    }
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    run.memory_at_end = server.rss_mb();
    server.stop().await;
    let written = report::write(&out, run);
    println!("report: {}", written.display());
    if !args.keep && !args.reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
