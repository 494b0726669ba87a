//! Every page a role may use is reachable by following links from its home page: nobody has
//! to type an address. The walk follows the links of each page it reaches (a few of each kind:
//! one member's page stands for all), as a person clicking through the menus would.
use crate::both;
use crate::support::{Client, TestApp, phone};
use dangjian::http::{Access, route_table};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The GET routes a role may use that its menus must reach: every page without a path
/// parameter, and the pages of the fixture's records named here.
fn expected(role: &str) -> BTreeSet<&'static str> {
    use Access::*;
    // Not pages: files, feeds and the machinery around them.
    let not_pages = [
        "/healthz",
        "/static/{file}",
        "/manifest.webmanifest",
        "/sw.js",
        "/login",
        "/calendar/{file}",
        "/questions/template.xlsx",
        "/dashboard/export",
    ];
    let may = |access: Access| match access {
        Public => false,
        SignedIn => true,
        Member => matches!(role, "member" | "secretary" | "town_admin" | "county_admin"),
        Applicant => role == "applicant",
        Admin => matches!(role, "secretary" | "town_admin" | "county_admin"),
        Editor => role == "county_admin",
        SystemAdmin => role == "system",
        SecurityAdmin => role == "security",
        AuditAdmin => role == "audit",
    };
    // The county's settings are the county administrator's; a branch's administrator sets no
    // organizational-life rules and sends 督促 to nobody below; the officers are not members
    // and use no member's or organization's page.
    let not_theirs: &[&str] = match role {
        "secretary" => &[
            "/points/rules",
            "/findings/settings",
            "/tiers/settings",
            "/orgs/{id}/requirements",
            "/followups/new",
            "/arena/new",
        ],
        "town_admin" => &["/points/rules", "/findings/settings", "/tiers/settings"],
        // Applicants are registered by their branch (or its town), not by the county.
        "county_admin" => &["/orgs/{id}/development/new"],
        // Nor is an applicant, yet: their own path is theirs.
        "system" | "security" | "audit" | "applicant" => &[
            "/orglife",
            "/posts",
            "/history",
            "/arena",
            "/projects",
            "/veterans",
            "/joint",
            "/vanguard",
            "/experiences",
        ],
        _ => &[],
    };
    let records: &[&str] = match role {
        "member" => &["/orgs/{id}", "/members/{id}"],
        "secretary" | "town_admin" | "county_admin" => &[
            "/orgs/{id}",
            "/orgs/{id}/daily",
            "/orgs/{id}/grid",
            "/orgs/{id}/meetings",
            "/orgs/{id}/meetings/new",
            "/orgs/{id}/requirements",
            "/members/{id}",
            "/members/{id}/edit",
            "/members/{id}/transfer",
            "/members/{id}/points",
            "/orgs/{id}/development",
            "/orgs/{id}/development/new",
        ],
        _ => &[],
    };
    route_table()
        .into_iter()
        .filter(|r| r.method == "GET" && may(r.access) && !not_pages.contains(&r.path))
        .filter(|r| !not_theirs.contains(&r.path))
        .filter(|r| !r.path.contains('{') || records.contains(&r.path))
        .map(|r| r.path)
        .collect()
}

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

/// The same-site links of a page: paths without their query or fragment.
fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

/// Follows links from "/" and returns the routes reached.
async fn walk(client: &Client) -> BTreeSet<&'static str> {
    let mut reached = BTreeSet::new();
    let mut per_route: HashMap<&'static str, usize> = HashMap::new();
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut seen = BTreeSet::new();
    while let Some(href) = queue.pop_front() {
        if !seen.insert(href.clone()) || seen.len() > 600 {
            continue;
        }
        let path = href.split(['?', '#']).next().unwrap_or("").to_string();
        let Some(route) = route_of(&path) else {
            continue;
        };
        let visits = per_route.entry(route).or_default();
        *visits += 1;
        if *visits > 3 {
            continue;
        }
        let page = client.get(&href).await;
        if page.status != 200 {
            continue;
        }
        reached.insert(route);
        for next in links(&page.body) {
            queue.push_back(next);
        }
    }
    reached
}

both!(
    every_page_a_role_may_use_is_reachable_from_its_menus,
    |app: TestApp| async move {
        let roles = [
            ("member", phone::MEMBER_A),
            ("secretary", phone::SECRETARY_A),
            ("town_admin", phone::TOWN_ADMIN),
            ("county_admin", phone::COUNTY_ADMIN),
            ("system", phone::SYSTEM),
            ("security", phone::SECURITY),
            ("audit", phone::AUDIT),
            ("applicant", phone::APPLICANT),
        ];
        app.applicant().await;
        let mut missing = Vec::new();
        for (role, login) in roles {
            let client = app.login(login).await;
            let reached = walk(&client).await;
            for path in expected(role).difference(&reached) {
                missing.push(format!("{role}: {path}"));
            }
        }
        assert!(
            missing.is_empty(),
            "not reachable from the menus:\n{}",
            missing.join("\n")
        );
    }
);
