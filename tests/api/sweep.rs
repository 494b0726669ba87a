//! The demo county as a county uses it, on both engines: the day's 电子监察 scan finds exactly
//! what the demo planted; then every GET route of the route table is asked for by every demo
//! role, many at once (twice as many requests as the pool has connections), and again with
//! hostile values in every parameter. Nothing answers 5xx, nothing drops the connection, and
//! no page carries a form's token in an address. The demo's minutes name who came.
use crate::support::{Client, Engine, TestApp};
use dangjian::demo::{DEMO_PASSWORD, LOGINS};
use dangjian::http::route_table;
use futures_util::future::join_all;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Values real browsers, old bookmarks and curious users send.
fn hostile_values() -> Vec<String> {
    [
        "99999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "-1",
        "0",
        "9999-12-31",
        "-9999-01-01",
        "2026-02-30",
        "9999-12",
        "' OR 1=1 --",
        "\"><script>alert(1)</script>",
        "%00",
        "../../etc/passwd",
        "１２３",
        "NaN",
    ]
    .into_iter()
    .map(String::from)
    // As long as an address can be (a URI holds at most 64 KB).
    .chain(["长".repeat(1_000) + &"a".repeat(52_000)])
    .collect()
}

/// Parameter names every page is tried with, besides those its own links carry.
const PARAMETERS: &[&str] = &[
    "page", "at", "period", "org", "sort", "desc", "q", "month", "status", "rule", "scope", "kind",
    "day", "t", "next", "category", "branch", "gender", "year", "role", "from", "to",
];

/// The route a path is served by.
fn route_of(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    route_table()
        .into_iter()
        .filter(|r| r.method == "GET")
        .find(|r| {
            let pattern: Vec<&str> = r.path.split('/').collect();
            pattern.len() == parts.len()
                && pattern
                    .iter()
                    .zip(&parts)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
        .map(|r| r.path)
}

fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

/// A record for each kind of path parameter, from the demo's own rows, for routes no link
/// of the role's pages reached.
async fn filled(app: &TestApp, route: &str) -> Option<String> {
    let first = |sql: &'static str| async move {
        sqlx::query_as::<_, (Option<i64>,)>(sql)
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .0
    };
    let id = match route.split('/').nth(1)? {
        "orgs" => first("SELECT MAX(id) FROM orgs WHERE kind = 'branch'").await,
        "members" => first("SELECT MIN(id) FROM members").await,
        "meetings" | "checkin" => first("SELECT MAX(id) FROM meetings").await,
        "files" => first("SELECT MIN(id) FROM meeting_files").await,
        "photos" => first("SELECT MIN(id) FROM content_photos").await,
        "articles" => first("SELECT MIN(id) FROM articles").await,
        "history" => first("SELECT MIN(id) FROM history_entries").await,
        "questions" => first("SELECT MIN(id) FROM questions").await,
        "shop" => first("SELECT MIN(id) FROM prizes").await,
        "arena" if route.starts_with("/arena/entries") => {
            first("SELECT MIN(id) FROM contest_entries").await
        }
        "arena" if route.starts_with("/arena/orgs") => {
            first("SELECT MAX(id) FROM orgs WHERE kind = 'branch'").await
        }
        "arena" => first("SELECT MIN(id) FROM contests").await,
        "projects" => first("SELECT MIN(id) FROM projects").await,
        "veterans" => first("SELECT MIN(member_id) FROM veteran_stories").await,
        "experiences" if route.contains("files") => {
            first("SELECT MIN(id) FROM experience_files").await
        }
        "experiences" => first("SELECT MIN(id) FROM experiences").await,
        "findings" => first("SELECT MIN(id) FROM findings").await,
        "reports" => first("SELECT MIN(id) FROM monthly_reports").await,
        "followups" => first("SELECT MIN(id) FROM followups").await,
        "appraisals" => first("SELECT MIN(id) FROM appraisals").await,
        "honours" => first("SELECT MIN(id) FROM selections").await,
        "care" => first("SELECT MIN(id) FROM hardships").await,
        "nominations" => first("SELECT MIN(id) FROM nominations").await,
        "daily" => {
            let yesterday =
                dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch() - 86_400);
            return Some(format!(
                "/daily/{}",
                dangjian::domain::clock::format_date(yesterday)
            ));
        }
        "roster" if route.contains("template") => {
            return Some("/roster/template/members.xlsx".into());
        }
        "roster" => return Some(format!("/roster/imports/{}", "0".repeat(32))),
        "static" => return Some("/static/nothing.css".into()),
        "calendar" => return Some("/calendar/nothing.ics".into()),
        _ => None,
    }?;
    let mut path = route.replacen("{id}", &id.to_string(), 1);
    // The second parameter of a finding's photo or file: its first.
    for second in ["{n}", "{event}"] {
        path = path.replace(second, "0");
    }
    Some(path)
}

/// A form a page offers: where it posts, its fields, its file fields.
#[derive(Clone)]
struct PageForm {
    action: String,
    fields: Vec<String>,
    files: Vec<String>,
}

/// Forms that post (never the ones that end the session or the account in use).
fn forms(body: &str) -> Vec<PageForm> {
    let attr = |tag: &str, name: &str| {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(
            tag[at..]
                .split('"')
                .next()?
                .replace("&amp;", "&")
                .replace("&#38;", "&"),
        )
    };
    let mut out = Vec::new();
    for part in body.split("<form").skip(1) {
        let inside = part.split("</form>").next().unwrap_or("");
        let head = inside.split('>').next().unwrap_or("");
        let Some(action) = attr(head, "action") else {
            continue;
        };
        let ends_session = ["/logout", "/end", "/disable", "/reset", "/me/password"]
            .iter()
            .any(|a| action.ends_with(a));
        if attr(head, "method").as_deref() != Some("post") || ends_session {
            continue;
        }
        let (mut fields, mut files) = (Vec::new(), Vec::new());
        for tag in inside.split('<').filter(|t| {
            t.starts_with("input") || t.starts_with("select") || t.starts_with("textarea")
        }) {
            match (attr(tag, "name"), attr(tag, "type").as_deref()) {
                (Some(n), _) if n == "csrf" => {}
                (Some(n), Some("file")) => files.push(n),
                (Some(n), _) => fields.push(n),
                _ => {}
            }
        }
        out.push(PageForm {
            action,
            fields,
            files,
        });
    }
    out
}

/// What a role's pages lead to: one URL per GET route, following links from home as a
/// person clicking through would, then the rest of the route table filled from the demo's
/// rows; and the forms of the pages it saw, one per route they post to.
async fn walk(app: &TestApp, client: &Client) -> (BTreeMap<&'static str, String>, Vec<PageForm>) {
    let mut found: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut posted: BTreeMap<String, PageForm> = BTreeMap::new();
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut seen = BTreeSet::new();
    while let Some(href) = queue.pop_front() {
        if !seen.insert(href.clone()) || seen.len() > 400 {
            continue;
        }
        let path = href.split(['?', '#']).next().unwrap_or("").to_string();
        let Some(route) = route_of(&path) else {
            continue;
        };
        // The first link to a route, and one with a query if there is one.
        let with_query = href.contains('?') && !found.get(route).is_some_and(|u| u.contains('?'));
        if found.contains_key(route) && !with_query {
            continue;
        }
        found.insert(route, href.clone());
        if route.contains("xlsx") || route.contains("pdf") || route.starts_with("/static") {
            continue;
        }
        let page = client.get(&href).await;
        assert!(page.status < 500, "{href} answered {}", page.status);
        for form in forms(&page.body) {
            let shape: String = form
                .action
                .split(['?', '/'])
                .map(|p| {
                    if p.bytes().all(|b| b.is_ascii_digit()) {
                        "#"
                    } else {
                        p
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            posted.entry(shape).or_insert(form);
        }
        queue.extend(links(&page.body));
    }
    for route in route_table() {
        if route.method == "GET" && !found.contains_key(route.path) {
            if !route.path.contains('{') {
                found.insert(route.path, route.path.to_string());
            } else if let Some(url) = filled(app, route.path).await {
                found.insert(route.path, url);
            }
        }
    }
    (found, posted.into_values().collect())
}

/// An address short enough for a message.
fn short(url: &str) -> String {
    match url.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &url[..at]),
        None => url.to_string(),
    }
}

/// A request as a browser makes it: the status, or what went wrong on the way.
async fn fetch(client: &Client, url: &str) -> Result<(u16, String), String> {
    let res = client
        .http
        .get(format!("{}{url}", client.base))
        .send()
        .await
        .map_err(|e| format!("{}: no answer ({e})", short(url)))?;
    let status = res.status().as_u16();
    let body = res
        .bytes()
        .await
        .map_err(|e| format!("{}: the answer broke off ({e})", short(url)))?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// `url` with every parameter (its own and the usual ones) set to `value`; a long value only
/// in its first own parameter, or the search box's (an address has room for one).
fn with_every_parameter(url: &str, names: &BTreeSet<String>, value: &str) -> String {
    let (path, own) = url.split_once('?').unwrap_or((url, ""));
    let first: BTreeSet<String> = own
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .find(|k| !k.is_empty())
        .unwrap_or("q")
        .split(' ')
        .map(String::from)
        .collect();
    let names = if value.len() > 1_000 { &first } else { names };
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let query: Vec<String> = names.iter().map(|n| format!("{n}={encoded}")).collect();
    format!("{path}?{}", query.join("&"))
}

/// `url` with each number in its path replaced by `value`.
fn with_hostile_ids(url: &str, value: &str) -> Option<String> {
    let path = url.split('?').next().unwrap_or(url);
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let parts: Vec<String> = path
        .split('/')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                encoded.clone()
            } else {
                p.to_string()
            }
        })
        .collect();
    let hostile = parts.join("/");
    (hostile != path).then_some(hostile)
}

/// Every URL asked for `burst` times at once; what answered (2xx), for the next phase.
async fn bursts(
    role: &str,
    client: &Client,
    urls: &BTreeMap<&'static str, String>,
    burst: usize,
    failures: &mut Vec<String>,
) -> Vec<(&'static str, String)> {
    let mut served = Vec::new();
    for (route, url) in urls {
        let answers = join_all((0..burst).map(|_| fetch(client, url))).await;
        let mut ok = false;
        for answer in answers {
            match answer {
                Ok((status, _)) if status >= 500 => {
                    failures.push(format!("{role} {url}: {status} at {burst} at once"));
                }
                Ok((status, body)) => {
                    if body.contains("?csrf=") || body.contains("&amp;csrf=") {
                        failures.push(format!("{role} {url}: a form's token in an address"));
                    }
                    ok |= status < 300;
                }
                Err(e) => failures.push(format!("{role} {e}")),
            }
        }
        if ok {
            served.push((*route, url.clone()));
        }
    }
    served
}

/// Each URL with hostile values in every parameter and in place of its ids.
async fn hostile_gets(
    client: &Client,
    served: &[(&'static str, String)],
    names: &BTreeSet<String>,
    failures: &mut Vec<String>,
) {
    for (route, url) in served {
        let mut asks: Vec<String> = hostile_values()
            .iter()
            .map(|v| with_every_parameter(url, names, v))
            .collect();
        asks.extend(
            hostile_values()
                .iter()
                .filter_map(|v| with_hostile_ids(url, v)),
        );
        for answer in join_all(asks.iter().map(|u| fetch(client, u))).await {
            match answer {
                Ok((status, _)) if status >= 500 => {
                    failures.push(format!("{route} with hostile values: {status}"));
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{route} with hostile values: {e}")),
            }
        }
    }
}

/// Each form posted with hostile values in every field (100 KB among them) and a file
/// that is no photo, spreadsheet or document in every file field.
async fn hostile_posts(client: &Client, forms: &[PageForm], failures: &mut Vec<String>) {
    let values: Vec<String> = hostile_values()
        .into_iter()
        .chain(["长".repeat(1_000) + &"a".repeat(97_000)])
        .collect();
    for form in forms {
        let path = form.action.split('?').next().unwrap_or(&form.action);
        for value in &values {
            let fields: Vec<(&str, &str)> = form
                .fields
                .iter()
                .map(|f| (f.as_str(), value.as_str()))
                .collect();
            let page = if form.files.is_empty() {
                client.post(path, &fields).await
            } else {
                let junk = || value.as_bytes().to_vec();
                let files = form
                    .files
                    .iter()
                    .map(|f| (f.as_str(), "x.jpg", junk()))
                    .collect();
                client.post_multipart(path, &fields, files).await
            };
            if page.status >= 500 {
                failures.push(format!(
                    "POST {} with {}: {}",
                    path,
                    short(value),
                    page.status
                ));
            }
        }
    }
}

/// A demo meeting's host and recorder are among those who checked in, and its minutes say
/// so — but for the minutes the demo planted as copied from another branch.
async fn minutes_name_who_came(app: &TestApp, built: &dangjian::demo::Built) {
    use dangjian::domain::supervision::Rule;
    use dangjian::store::{meetings, orgs};
    let copies = built
        .scan
        .iter()
        .find(|(rule, _, _)| *rule == Rule::MinutesCopied)
        .and_then(|(_, planted, _)| *planted)
        .unwrap_or(0);
    let (mut checked, mut not_theirs) = (0, 0);
    for org in orgs::meeting_holders(&app.db, false).await.unwrap() {
        for m in meetings::for_org(&app.db, org.id, 50).await.unwrap() {
            if m.minutes.is_empty() {
                continue;
            }
            let came: Vec<String> = meetings::attendance(&app.db, m.id)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.checked_in_at.is_some())
                .map(|a| a.name)
                .collect();
            let host = m.host_name.clone().expect("the host is named");
            assert!(came.contains(&host), "{} hosted {}", host, m.id);
            if let Some(recorder) = &m.recorder_name {
                assert!(came.contains(recorder), "{recorder} recorded {}", m.id);
            }
            checked += 1;
            not_theirs += u32::from(!m.minutes.contains(&host));
        }
    }
    assert!(checked > 100, "{checked} minutes");
    assert!(
        not_theirs <= copies,
        "{not_theirs} minutes name another host, {copies} copied"
    );
}

async fn the_demo_county_holds(engine: Engine) {
    let Some((app, built)) = TestApp::spawn_demo(engine, 1, 62).await else {
        return;
    };
    for (rule, planted, found) in &built.scan {
        if let Some(planted) = planted {
            assert_eq!(
                i64::from(*planted),
                *found,
                "{}: the demo planted {planted}, the scan found {found}\n{}",
                rule.label(),
                built.summary
            );
        }
    }
    minutes_name_who_came(&app, &built).await;
    let burst = 2 * app.db.engine.pool_size() as usize;
    let mut failures = Vec::new();
    let mut names: BTreeSet<String> = PARAMETERS.iter().map(|s| s.to_string()).collect();
    let mut seen = Vec::new();
    // Every demo login, and the applicant's.
    for (role, phone) in LOGINS.iter().chain([&dangjian::demo::APPLICANT_LOGIN]) {
        let mut client = app.client();
        assert_eq!(
            client.login(phone, DEMO_PASSWORD).await.status,
            303,
            "{role}"
        );
        client.refresh_csrf().await;
        let (urls, forms) = walk(&app, &client).await;
        for url in urls.values() {
            let query = url.split_once('?').map_or("", |(_, q)| q);
            names.extend(
                query
                    .split('&')
                    .filter_map(|kv| kv.split('=').next())
                    .map(String::from),
            );
        }
        let served = bursts(role, &client, &urls, burst, &mut failures).await;
        seen.push((client, served, forms));
    }
    // Each route with hostile values once, as the first role it served.
    let mut tried = BTreeSet::new();
    for (client, served, _) in &seen {
        let fresh: Vec<_> = served
            .iter()
            .filter(|(r, _)| tried.insert(*r))
            .cloned()
            .collect();
        hostile_gets(client, &fresh, &names, &mut failures).await;
    }
    let mut posted = BTreeSet::new();
    for (client, _, forms) in &seen {
        let fresh: Vec<_> = forms
            .iter()
            .filter(|f| posted.insert(f.action.clone()))
            .cloned()
            .collect();
        hostile_posts(client, &fresh, &mut failures).await;
    }
    // The server is still up and answering.
    assert_eq!(app.client().get("/healthz").await.status, 200);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_county_holds_under_load_and_odd_input_sqlite() {
    the_demo_county_holds(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_county_holds_under_load_and_odd_input_postgres() {
    the_demo_county_holds(Engine::Postgres).await;
}
