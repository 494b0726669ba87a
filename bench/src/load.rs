//! The load generator: many simulated phones sending prepared requests over kept-alive
//! connections (reqwest), and what came back: throughput, latency percentiles, errors,
//! bytes. The ceilings go through the same code, so the ratios compare the product only.
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One request as a member's phone would send it.
#[derive(Clone, Debug)]
pub struct Call {
    pub post: bool,
    pub path: String,
    pub cookie: String,
    pub form: String,
}

impl Call {
    pub fn get(path: impl Into<String>, cookie: &str) -> Self {
        Self {
            post: false,
            path: path.into(),
            cookie: cookie.to_string(),
            form: String::new(),
        }
    }
    pub fn post(path: impl Into<String>, cookie: &str, form: String) -> Self {
        Self {
            post: true,
            path: path.into(),
            cookie: cookie.to_string(),
            form,
        }
    }
}

/// What a run of calls measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    pub requests: usize,
    pub errors: usize,
    pub concurrency: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Mean body bytes as sent (compressed when the server compressed it).
    pub mean_bytes: f64,
}

impl Stats {
    pub fn summary(&self) -> String {
        format!(
            "{} requests at {} concurrent: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, {} errors",
            self.requests,
            self.concurrency,
            self.per_second,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.errors
        )
    }
}

/// The client every scenario uses: no redirects followed, no cookies kept (each call
/// carries its member's), compressed pages accepted as a phone's browser accepts them.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

/// One call as sent: its index, latency, whether its status was good, body bytes, and the
/// field picked from it.
type Sample = (usize, Duration, bool, usize, Option<String>);

/// A response: status, the cookies it set, body bytes as sent, and the body as text
/// (only for bodies that were not compressed).
pub struct Answer {
    pub status: u16,
    pub cookies: Vec<String>,
    pub bytes: usize,
    pub text: String,
}

impl Client {
    pub fn new(addr: std::net::SocketAddr, concurrency: usize) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(concurrency)
            .timeout(Duration::from_secs(120))
            .build()
            .expect("an HTTP client");
        Self {
            http,
            base: format!("http://{addr}"),
        }
    }

    pub async fn send(&self, call: &Call, compressed: bool) -> Result<Answer, String> {
        let url = format!("{}{}", self.base, call.path);
        let mut req = if call.post {
            self.http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(call.form.clone())
        } else {
            self.http.get(url)
        };
        if !call.cookie.is_empty() {
            req = req.header("cookie", &call.cookie);
        }
        if compressed {
            req = req.header("accept-encoding", "gzip, br");
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect();
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            cookies,
            bytes: body.len(),
            text: if compressed {
                String::new()
            } else {
                String::from_utf8_lossy(&body).into_owned()
            },
        })
    }

    /// Sends every call once, `concurrency` at a time; a call is an error unless its status
    /// is one of `ok`.
    pub async fn run(&self, calls: Vec<Call>, concurrency: usize, ok: &[u16]) -> Stats {
        self.run_picking(calls, concurrency, ok, None).await.0
    }

    /// People at work at once: each sends their calls `(kind, call)` one after the other,
    /// pausing `think` after each answer as a person reads the page; the figures per kind
    /// (0..kinds), each over the whole run's time.
    pub async fn run_people(
        &self,
        people: Vec<Vec<(usize, Call)>>,
        kinds: usize,
        think: Duration,
        ok: &[u16],
    ) -> Vec<Stats> {
        let concurrency = people.len();
        let started = Instant::now();
        let mut workers = Vec::new();
        for calls in people {
            let (client, ok) = (self.clone(), ok.to_vec());
            workers.push(tokio::spawn(async move {
                let mut seen = Vec::new();
                for (kind, call) in calls {
                    let t = Instant::now();
                    let answer = client.send(&call, true).await;
                    let good = answer.as_ref().is_ok_and(|a| ok.contains(&a.status));
                    let bytes = answer.as_ref().map(|a| a.bytes).unwrap_or(0);
                    seen.push((kind, (t.elapsed(), good, bytes)));
                    tokio::time::sleep(think).await;
                }
                seen
            }));
        }
        let mut per_kind = vec![Vec::new(); kinds];
        for w in workers {
            for (kind, sample) in w.await.expect("a person's worker") {
                per_kind[kind].push(sample);
            }
        }
        let took = started.elapsed();
        per_kind
            .into_iter()
            .map(|samples| stats(samples, took, concurrency))
            .collect()
    }

    /// As `run`, also picking a form field's value out of each answer (in the calls' order);
    /// pages are then asked for uncompressed, so that they can be read.
    pub async fn run_picking(
        &self,
        calls: Vec<Call>,
        concurrency: usize,
        ok: &[u16],
        pick: Option<&'static str>,
    ) -> (Stats, Vec<Option<String>>) {
        let total = calls.len();
        let (all, took) = self.drive(calls, concurrency, ok, pick).await;
        let mut picked = vec![None; total];
        let mut samples = Vec::with_capacity(total);
        for (i, t, good, bytes, value) in all {
            picked[i] = value;
            samples.push((t, good, bytes));
        }
        (stats(samples, took, concurrency), picked)
    }

    /// Sends the calls, `concurrency` at a time: each call's sample, and the whole run's time.
    async fn drive(
        &self,
        calls: Vec<Call>,
        concurrency: usize,
        ok: &[u16],
        pick: Option<&'static str>,
    ) -> (Vec<Sample>, Duration) {
        let total = calls.len();
        let calls = Arc::new(calls);
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..concurrency.max(1) {
            let (client, calls, next, ok) =
                (self.clone(), calls.clone(), next.clone(), ok.to_vec());
            workers.push(tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(call) = calls.get(i) else { break };
                    let t = Instant::now();
                    let answer = client.send(call, pick.is_none()).await;
                    let took = t.elapsed();
                    let good = answer.as_ref().is_ok_and(|a| ok.contains(&a.status));
                    let bytes = answer.as_ref().map(|a| a.bytes).unwrap_or(0);
                    let picked = pick.and_then(|name| field(&answer.ok()?.text, name));
                    seen.push((i, took, good, bytes, picked));
                }
                seen
            }));
        }
        let mut all = Vec::with_capacity(total);
        for w in workers {
            all.extend(w.await.expect("a load worker"));
        }
        (all, started.elapsed())
    }
}

fn stats(mut seen: Vec<(Duration, bool, usize)>, took: Duration, concurrency: usize) -> Stats {
    seen.sort_by_key(|s| s.0);
    let n = seen.len().max(1);
    let at = |q: f64| {
        seen.get(((n as f64 * q) as usize).min(n - 1))
            .map_or(0.0, |s| s.0.as_secs_f64() * 1e3)
    };
    Stats {
        requests: seen.len(),
        errors: seen.iter().filter(|s| !s.1).count(),
        concurrency,
        seconds: took.as_secs_f64(),
        per_second: seen.len() as f64 / took.as_secs_f64().max(1e-9),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: seen.last().map_or(0.0, |s| s.0.as_secs_f64() * 1e3),
        mean_bytes: seen.iter().map(|s| s.2 as f64).sum::<f64>() / n as f64,
    }
}

/// Several runs' figures as one: totals summed, the worst percentiles kept.
pub fn merge(runs: &[Stats]) -> Stats {
    let requests: usize = runs.iter().map(|r| r.requests).sum();
    let seconds: f64 = runs.iter().map(|r| r.seconds).sum();
    let worst = |f: fn(&Stats) -> f64| runs.iter().map(f).fold(0.0, f64::max);
    Stats {
        requests,
        errors: runs.iter().map(|r| r.errors).sum(),
        concurrency: runs.first().map_or(0, |r| r.concurrency),
        seconds,
        per_second: requests as f64 / seconds.max(1e-9),
        p50_ms: worst(|r| r.p50_ms),
        p99_ms: worst(|r| r.p99_ms),
        max_ms: worst(|r| r.max_ms),
        mean_bytes: runs
            .iter()
            .map(|r| r.mean_bytes * r.requests as f64)
            .sum::<f64>()
            / requests.max(1) as f64,
    }
}

/// The value of a hidden form field in a page (`name="csrf" value="…"`).
pub fn field(page: &str, name: &str) -> Option<String> {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_string)
}
