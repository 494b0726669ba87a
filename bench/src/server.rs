//! The processes under load: the real `dangjian serve`, and the bench's own bare server for
//! the ceilings. Each runs as its own process so that its memory can be read and the load
//! generator's work is never counted as the server's.
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub struct Process {
    child: tokio::process::Child,
    pub addr: SocketAddr,
}

/// Resident memory of a server process, in MB.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Memory {
    pub idle_mb: f64,
    pub peak_mb: f64,
}

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port on loopback");
    l.local_addr().expect("its address")
}

/// The workspace's `dangjian` binary, built with the bench's profile when cargo runs the
/// bench (building the whole workspace's binaries keeps the dependencies' features as
/// `cargo run -p bench` built them, so nothing is rebuilt twice).
pub fn dangjian_binary(given: Option<PathBuf>) -> PathBuf {
    if let Some(path) = given {
        return path;
    }
    let me = std::env::current_exe().expect("the bench's own path");
    let beside = me.with_file_name("dangjian");
    if let Ok(cargo) = std::env::var("CARGO") {
        let mut build = std::process::Command::new(cargo);
        build.args(["build", "--workspace", "--bins", "--quiet"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        build.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the dangjian binary failed");
    }
    assert!(
        beside.exists(),
        "{} is missing: build it with `cargo build --release --workspace` or pass --server",
        beside.display()
    );
    beside
}

impl Process {
    /// `dangjian serve` on the data folder (and PostgreSQL database, if given).
    pub async fn dangjian(binary: &Path, data: &Path, database: Option<&str>) -> Self {
        let addr = free_port();
        let mut cmd = tokio::process::Command::new(binary);
        cmd.arg("--data").arg(data);
        if let Some(url) = database {
            cmd.args(["--database", url]);
        }
        cmd.args(["serve", "--bind", &addr.to_string()]);
        Self::start(cmd, addr, &data.join("server.log")).await
    }

    /// The bench's bare server (`bench ceiling-server`) writing to `database`.
    pub async fn ceiling(database: &str, log: &Path) -> Self {
        let addr = free_port();
        let me = std::env::current_exe().expect("the bench's own path");
        let mut cmd = tokio::process::Command::new(me);
        cmd.args([
            "ceiling-server",
            "--bind",
            &addr.to_string(),
            "--database",
            database,
        ]);
        Self::start(cmd, addr, log).await
    }

    async fn start(mut cmd: tokio::process::Command, addr: SocketAddr, log: &Path) -> Self {
        let out = std::fs::File::create(log).expect("a log file");
        cmd.stdout(out.try_clone().expect("the log file"))
            .stderr(out)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let child = cmd.spawn().expect("the server starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "the server did not answer within 10 minutes; see {}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child, addr }
    }

    fn status_kb(&self, field: &str) -> f64 {
        let pid = self.child.id().unwrap_or(0);
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0.0)
    }

    /// Resident memory now, in MB.
    pub fn rss_mb(&self) -> f64 {
        self.status_kb("VmRSS:") / 1024.0
    }

    /// The highest resident memory since the last `reset_peak`, in MB.
    pub fn peak_mb(&self) -> f64 {
        self.status_kb("VmHWM:") / 1024.0
    }

    /// Starts a new peak from the memory in use now (Linux: `clear_refs` 5).
    pub fn reset_peak(&self) {
        let pid = self.child.id().unwrap_or(0);
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The ceilings' server: `GET /ok` answers `ok`; `POST /insert` writes one row in its own
/// transaction through the product's database handle (SQLite in WAL mode, with the same
/// settings and write queue as the product's; or PostgreSQL).
pub async fn ceiling_server(bind: &str, database: &str) {
    use axum::routing::{get, post};
    let db = dangjian::store::Db::connect(database)
        .await
        .expect("the ceiling's database");
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_ceiling (v TEXT NOT NULL, at BIGINT NOT NULL)")
        .execute(db.pool())
        .await
        .expect("the ceiling's table");
    let insert = move || {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.expect("a transaction");
            sqlx::query("INSERT INTO bench_ceiling (v, at) VALUES ($1, $2)")
                .bind("签到")
                .bind(dangjian::domain::clock::now_epoch())
                .execute(tx.conn())
                .await
                .expect("an insert");
            tx.commit().await.expect("a commit");
            "ok"
        }
    };
    let app = axum::Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/insert", post(insert));
    let listener = tokio::net::TcpListener::bind(bind).await.expect("the port");
    axum::serve(listener, app).await.expect("serving");
}
