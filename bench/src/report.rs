//! The report: one JSON file per (size, engine) run, and `report.md` putting every run in
//! the folder side by side, with a line per target saying met or not met.
use crate::data::{Plan, Prepared, Size};
use crate::scenarios::{Ceilings, Scenario};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub size: String,
    pub engine: String,
    pub machine: String,
    pub finished_at: String,
    pub organizations: i64,
    pub members: i64,
    pub generation_seconds: f64,
    pub concurrency: usize,
    pub ceilings: Ceilings,
    pub scenarios: Vec<Scenario>,
    pub memory_after_start: f64,
    pub memory_at_end: f64,
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    let mem_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} cores ({cpu}), {mem_gb:.0} GiB, {}",
        std::env::consts::OS
    )
}

impl Run {
    pub fn new(
        size: Size,
        engine: &str,
        data: &Prepared,
        plan: &Plan,
        ceilings: &Ceilings,
    ) -> Self {
        Self {
            size: serde_json::to_value(size)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string(),
            engine: engine.to_string(),
            machine: machine(),
            finished_at: String::new(),
            organizations: data.organizations,
            members: data.members,
            generation_seconds: data.generation_seconds,
            concurrency: plan.concurrency,
            ceilings: ceilings.clone(),
            scenarios: Vec::new(),
            memory_after_start: 0.0,
            memory_at_end: 0.0,
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.size, self.engine)
    }

    fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    fn stats(&self, scenario: &str, what: &str) -> Option<&crate::load::Stats> {
        self.scenario(scenario)?
            .measures
            .iter()
            .find(|m| m.what == what)?
            .stats
            .as_ref()
    }
}

/// Writes this run's JSON beside the others and rewrites report.md from all of them.
pub fn write(out: &Path, mut run: Run) -> PathBuf {
    run.finished_at = dangjian::domain::clock::format_minute(dangjian::domain::clock::now_epoch());
    let json = out.join(format!("report-{}-{}.json", run.size, run.engine));
    std::fs::write(&json, serde_json::to_string_pretty(&run).unwrap()).expect("the JSON report");
    let mut runs: Vec<Run> = std::fs::read_dir(out)
        .expect("the report's folder")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?.to_string();
            (name.starts_with("report-") && name.ends_with(".json"))
                .then(|| serde_json::from_str(&std::fs::read_to_string(&p).ok()?).ok())?
        })
        .collect();
    let order = |r: &Run| {
        (
            ["smoke", "county", "province"]
                .iter()
                .position(|s| *s == r.size),
            r.engine != "sqlite",
        )
    };
    runs.sort_by_key(order);
    let md = out.join("report.md");
    std::fs::write(&md, markdown(&runs)).expect("the report");
    md
}

fn markdown(runs: &[Run]) -> String {
    let mut md = String::from("# 党建云 benchmark report\n\n");
    let _ = writeln!(md, "Machine: {}\n", runs.first().map_or("", |r| &r.machine));
    md.push_str("| run | finished | organizations | members | data made in | concurrency | server memory after start / at end |\n|---|---|---|---|---|---|---|\n");
    for r in runs {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.0} s | {} | {:.0} MB / {:.0} MB |",
            r.label(),
            r.finished_at,
            r.organizations,
            r.members,
            r.generation_seconds,
            r.concurrency,
            r.memory_after_start,
            r.memory_at_end
        );
    }
    md.push_str("\n## Ceilings\n\nThe same load generator and concurrency against a bare handler answering `ok` (HTTP) and a bare handler writing one row per request in its own transaction (storage).\n\n");
    table_header(&mut md, runs);
    row(&mut md, "HTTP ceiling", runs, |r| {
        Some(cell(&r.ceilings.http, None))
    });
    row(&mut md, "storage ceiling", runs, |r| {
        Some(format!(
            "{} ({})",
            cell(&r.ceilings.storage, None),
            r.ceilings.storage_engine
        ))
    });
    let mut names: Vec<&str> = Vec::new();
    for r in runs {
        for s in &r.scenarios {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
    }
    for name in names {
        let _ = writeln!(md, "\n## {name}\n");
        table_header(&mut md, runs);
        let mut whats: Vec<&str> = Vec::new();
        for r in runs {
            for m in r.scenario(name).map_or(&[][..], |s| &s.measures[..]) {
                if !whats.contains(&m.what.as_str()) {
                    whats.push(&m.what);
                }
            }
        }
        for what in whats {
            row(&mut md, what, runs, |r| {
                let m = r.scenario(name)?.measures.iter().find(|m| m.what == what)?;
                Some(match (&m.stats, m.value) {
                    (Some(s), _) => cell(s, m.ceiling.as_ref()),
                    (None, Some(v)) => format!("{v:.2} {}", m.unit),
                    _ => String::new(),
                })
            });
        }
        row(&mut md, "server memory before / peak", runs, |r| {
            let m = r.scenario(name)?.memory;
            Some(format!("{:.0} MB / {:.0} MB", m.idle_mb, m.peak_mb))
        });
        row(&mut md, "checks", runs, |r| {
            let s = r.scenario(name)?;
            Some(
                s.checks
                    .iter()
                    .map(|c| format!("{} {}", if c.ok { "✔" } else { "✘" }, c.what))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            )
        });
    }
    md.push_str("\n## Targets\n\n");
    for line in crate::report::targets(runs) {
        let _ = writeln!(md, "- {line}");
    }
    md
}

fn table_header(md: &mut String, runs: &[Run]) {
    let _ = writeln!(
        md,
        "| | {} |",
        runs.iter().map(Run::label).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(md, "|---|{}", "---|".repeat(runs.len()));
}

fn row(md: &mut String, label: &str, runs: &[Run], cell: impl Fn(&Run) -> Option<String>) {
    let cells: Vec<String> = runs
        .iter()
        .map(|r| cell(r).unwrap_or_else(|| "–".into()))
        .collect();
    let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
}

fn cell(s: &crate::load::Stats, ceiling: Option<&(String, f64)>) -> String {
    let mut c = format!(
        "{:.0}/s · p50 {:.2} ms · p99 {:.2} ms · max {:.0} ms",
        s.per_second, s.p50_ms, s.p99_ms, s.max_ms
    );
    // Pages' weight; a ceiling's `ok` weighs nothing worth a column.
    if s.mean_bytes >= 100.0 {
        let _ = write!(c, " · {:.1} KB", s.mean_bytes / 1024.0);
    }
    if s.errors > 0 {
        let _ = write!(c, " · **{} errors**", s.errors);
    }
    if let Some((name, ratio)) = ceiling {
        let _ = write!(c, " · {ratio:.2} × {name} ceiling");
    }
    c
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**not met**" }
}

/// A line per target of bench/README.md, from whichever runs measured it.
pub fn targets(runs: &[Run]) -> Vec<String> {
    let mut out = Vec::new();
    for r in runs {
        let l = r.label();
        if let Some(s) = r.stats("checkin-storm", "confirm: POST /checkin/{id}") {
            let ratio = s.per_second / r.ceilings.storage.per_second.max(1e-9);
            let rows_ok = r
                .scenario("checkin-storm")
                .is_some_and(|s| s.checks.iter().all(|c| c.ok));
            let ok = s.per_second >= 10_000.0
                && ratio >= 0.4
                && s.p99_ms <= 50.0
                && s.errors == 0
                && rows_ok;
            out.push(format!(
                "{l} · checkin-storm ≥ 10,000/s, ≥ 0.4 × storage ceiling, p99 ≤ 50 ms, no errors, exact rows: {:.0}/s, {ratio:.2} ×, p99 {:.1} ms, {} errors, rows {}: {}",
                s.per_second, s.p99_ms, s.errors, if rows_ok { "exact" } else { "WRONG" }, verdict(ok)
            ));
        }
        if let Some(s) = r.stats("daily-question", "answer: POST /daily") {
            let credits_ok = r
                .scenario("daily-question")
                .is_some_and(|s| s.checks.iter().all(|c| c.ok));
            out.push(format!(
                "{l} · daily-question ≥ 5,000 answers/s, no double credit: {:.0}/s, credits {}: {}",
                s.per_second,
                if credits_ok { "one each" } else { "WRONG" },
                verdict(s.per_second >= 5000.0 && credits_ok && s.errors == 0)
            ));
        }
        if let Some(s) = r.stats("ranking", "ranking page read alone") {
            out.push(format!(
                "{l} · ranking read p99 ≤ 10 ms ({} members): {:.2} ms: {}",
                r.members,
                s.p99_ms,
                verdict(s.p99_ms <= 10.0)
            ));
        }
        if let Some(s) = r.stats("dashboard", "county dashboard alone (month)") {
            out.push(format!(
                "{l} · county dashboard median ≤ 50 ms: {:.1} ms: {}",
                s.p50_ms,
                verdict(s.p50_ms <= 50.0)
            ));
        }
        if r.size == "province"
            && let Some(m) = r
                .scenario("dashboard")
                .and_then(|s| s.measures.iter().find(|m| m.what.starts_with("月度通报")))
        {
            let v = m.value.unwrap_or(f64::MAX);
            out.push(format!(
                "{l} · 月度通报 for {} organizations ≤ 30 s: {v:.1} s: {}",
                r.organizations,
                verdict(v <= 30.0)
            ));
        }
        if let Some(s) = r.scenario("browse") {
            let worst_kb = s
                .measures
                .iter()
                .filter_map(|m| m.stats.as_ref())
                .map(|s| s.mean_bytes / 1024.0)
                .fold(0.0, f64::max);
            let worst_ms = s
                .measures
                .iter()
                .filter_map(|m| m.stats.as_ref())
                .map(|s| s.p50_ms)
                .fold(0.0, f64::max);
            out.push(format!(
                "{l} · browse: every member page ≤ 50 KB and median ≤ 5 ms: largest {worst_kb:.1} KB, slowest median {worst_ms:.2} ms: {}",
                verdict(worst_kb <= 50.0 && worst_ms <= 5.0)
            ));
        }
        if let Some(s) = r.scenario("admin") {
            out.push(admin_target(&l, s));
        }
        if r.size != "smoke" {
            let peak = r
                .scenarios
                .iter()
                .map(|s| s.memory.peak_mb)
                .fold(0.0, f64::max);
            let idle = r.memory_after_start.max(r.memory_at_end);
            out.push(format!(
                "{l} · memory ≤ 100 MB idle, ≤ 300 MB peak: idle {:.0} MB after start, {:.0} MB at the end; peak {peak:.0} MB: {}",
                r.memory_after_start, r.memory_at_end, verdict(idle <= 100.0 && peak <= 300.0)
            ));
        }
    }
    out.extend(across_runs(runs));
    out
}

/// The `admin` scenario's target: every page's median with everyone at once within 3 × its
/// median alone, no errors, and the member page at full concurrency serving at least half
/// of what it serves at 2.
fn admin_target(l: &str, s: &crate::scenarios::Scenario) -> String {
    let stats = |what: &str| {
        s.measures
            .iter()
            .find(|m| m.what == what)
            .and_then(|m| m.stats.as_ref())
    };
    let mut worst = (String::new(), 0.0);
    for m in s.measures.iter().filter(|m| m.what.ends_with(" alone")) {
        let page = m.what.trim_end_matches(" alone");
        if let (Some(alone), Some(together)) =
            (m.stats.as_ref(), stats(&format!("{page} together")))
        {
            let ratio = together.p50_ms / alone.p50_ms.max(1e-9);
            if ratio > worst.1 {
                worst = (page.to_string(), ratio);
            }
        }
    }
    let errors: usize = s
        .measures
        .iter()
        .filter_map(|m| m.stats.as_ref())
        .map(|s| s.errors)
        .sum();
    let profile = crate::scenarios::PROFILE;
    let two = stats(&format!("{profile} at 2 concurrent"));
    let many = s
        .measures
        .iter()
        .find(|m| {
            m.what.starts_with(profile)
                && m.what.ends_with(" concurrent")
                && !m.what.ends_with(" 2 concurrent")
        })
        .and_then(|m| m.stats.as_ref());
    let scaling = match (two, many) {
        (Some(a), Some(b)) => b.per_second / a.per_second.max(1e-9),
        _ => 0.0,
    };
    format!(
        "{l} · admin: every page's median together ≤ 3 × alone, no errors, the member page at full concurrency ≥ 0.5 × its throughput at 2: worst {} at {:.2} ×, {errors} errors, member page {scaling:.2} ×: {}",
        worst.0,
        worst.1,
        verdict(worst.1 <= 3.0 && errors == 0 && scaling >= 0.5)
    )
}

/// Targets that compare runs: the province's ranking against the county's, PostgreSQL's
/// pages against SQLite's at the same size.
fn across_runs(runs: &[Run]) -> Vec<String> {
    let mut out = Vec::new();
    let find =
        |size: &str, engine: &str| runs.iter().find(|r| r.size == size && r.engine == engine);
    for engine in ["sqlite", "postgres"] {
        if let (Some(c), Some(p)) = (find("county", engine), find("province", engine))
            && let (Some(a), Some(b)) = (
                c.stats("ranking", "ranking page read alone"),
                p.stats("ranking", "ranking page read alone"),
            )
        {
            let ratio = b.p99_ms / a.p99_ms.max(1e-9);
            out.push(format!("{engine} · ranking province ÷ county p99 ≤ 2: {:.2} ms ÷ {:.2} ms = {ratio:.2}: {}", b.p99_ms, a.p99_ms, verdict(ratio <= 2.0)));
        }
    }
    for size in ["smoke", "county", "province"] {
        let (Some(lite), Some(pg)) = (find(size, "sqlite"), find(size, "postgres")) else {
            continue;
        };
        for scenario in ["browse", "admin"] {
            let (Some(a), Some(b)) = (lite.scenario(scenario), pg.scenario(scenario)) else {
                continue;
            };
            out.push(pg_beside_sqlite(size, scenario, a, b));
        }
    }
    out
}

/// PostgreSQL's median of each page (alone) beside SQLite's.
fn pg_beside_sqlite(
    size: &str,
    scenario: &str,
    a: &crate::scenarios::Scenario,
    b: &crate::scenarios::Scenario,
) -> String {
    let mut worst = (String::new(), 0.0);
    let pages = a
        .measures
        .iter()
        .filter(|m| scenario == "browse" || m.what.ends_with(" alone"));
    for m in pages {
        if let (Some(x), Some(y)) = (
            m.stats.as_ref(),
            b.measures
                .iter()
                .find(|n| n.what == m.what)
                .and_then(|n| n.stats.as_ref()),
        ) {
            let ratio = y.p50_ms / x.p50_ms.max(1e-9);
            if ratio > worst.1 {
                worst = (m.what.clone(), ratio);
            }
        }
    }
    format!(
        "{size} · {scenario}: PostgreSQL every page's median ≤ 2 × SQLite's: worst {} at {:.2} ×: {}",
        worst.0,
        worst.1,
        verdict(worst.1 <= 2.0)
    )
}
