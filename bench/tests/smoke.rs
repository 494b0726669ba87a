//! The harness at its smoke size, end to end on both engines, so that it cannot rot: every
//! scenario runs against the real server and its checks hold. The numbers are not judged.
use std::path::PathBuf;

/// The `dangjian` binary cargo built beside this test's (the workspace's tests build it).
fn server_binary() -> PathBuf {
    let me = std::env::current_exe().unwrap();
    let profile_dir = me.parent().and_then(|deps| deps.parent()).unwrap();
    let server = profile_dir.join("dangjian");
    assert!(
        server.exists(),
        "{} is missing: run the workspace's tests (cargo nextest run --workspace)",
        server.display()
    );
    server
}

fn run_smoke(database: Option<&str>) -> serde_json::Value {
    let out = tempdir();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(["all", "--size", "smoke", "--seed", "7"])
        .arg("--out")
        .arg(&out)
        .arg("--server")
        .arg(server_binary());
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let output = cmd.output().expect("the bench runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench failed:\n{text}");
    let engine = if database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let json = std::fs::read_to_string(out.join(format!("report-smoke-{engine}.json"))).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Targets") && md.contains("## checkin-storm"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&out);
    serde_json::from_str(&json).unwrap()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dj-bench-smoke-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn assert_every_scenario_ran(report: &serde_json::Value) {
    let scenarios = report["scenarios"].as_array().unwrap();
    let names: Vec<&str> = scenarios
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "login",
            "checkin-storm",
            "browse",
            "daily-question",
            "ranking",
            "dashboard",
            "admin"
        ]
    );
    for s in scenarios {
        for c in s["checks"].as_array().unwrap() {
            assert_eq!(c["ok"], true, "{}: {}", s["name"], c["what"]);
        }
        for m in s["measures"].as_array().unwrap() {
            if let Some(stats) = m["stats"].as_object() {
                assert_eq!(stats["errors"], 0, "{}: {}", s["name"], m["what"]);
                assert!(
                    stats["requests"].as_u64().unwrap() > 0,
                    "{}: {}",
                    s["name"],
                    m["what"]
                );
            }
        }
        assert!(
            s["memory"]["peak_mb"].as_f64().unwrap() > 1.0,
            "the server's memory is read"
        );
    }
    for ceiling in ["http", "storage"] {
        assert!(report["ceilings"][ceiling]["per_second"].as_f64().unwrap() > 0.0);
        assert_eq!(report["ceilings"][ceiling]["errors"], 0);
    }
}

#[test]
fn the_smoke_run_passes_every_check_on_sqlite() {
    assert_every_scenario_ran(&run_smoke(None));
}

#[test]
fn the_smoke_run_passes_every_check_on_postgres() {
    let Ok(url) = std::env::var("DANGJIAN_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: DANGJIAN_TEST_DATABASE_URL must name the PostgreSQL server"
        );
        eprintln!("skipped: DANGJIAN_TEST_DATABASE_URL is not set");
        return;
    };
    assert_every_scenario_ran(&run_smoke(Some(&url)));
}
