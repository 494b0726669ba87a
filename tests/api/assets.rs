//! What travels over the wire: pages and styles compressed when the browser accepts it, the
//! stylesheet and script under names that change with their content, kept for a year.
use crate::both;
use crate::support::{TestApp, phone};

async fn fetch(app: &TestApp, c: &reqwest::Client, path: &str, gzip: bool) -> reqwest::Response {
    let mut req = c.get(format!("{}{path}", app.base));
    if gzip {
        req = req.header("accept-encoding", "gzip, br");
    }
    req.send().await.unwrap()
}

both!(
    pages_travel_compressed_and_assets_are_kept_a_year,
    |app: TestApp| async move {
        let member = app.login(phone::MEMBER_A).await;
        let home = fetch(&app, &member.http, "/", true).await;
        assert_eq!(home.status(), 200);
        assert!(
            home.headers().get("content-encoding").is_some(),
            "the page is compressed"
        );
        let plain = fetch(&app, &member.http, "/", false).await;
        assert!(plain.headers().get("content-encoding").is_none());
        let page = plain.text().await.unwrap();
        let link = "rel=\"stylesheet\" href=\"";
        let at = page.find(link).unwrap() + link.len();
        let css: String = page[at..].chars().take_while(|c| *c != '"').collect();
        assert!(
            css.starts_with("/static/app.")
                && css.ends_with(".css")
                && css.len() > "/static/app.css".len(),
            "{css}"
        );
        let styles = fetch(&app, &member.http, &css, true).await;
        assert_eq!(styles.status(), 200);
        assert!(
            styles.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=31536000")
        );
        let compressed = styles.bytes().await.unwrap().len();
        let raw = fetch(&app, &member.http, &css, false)
            .await
            .bytes()
            .await
            .unwrap()
            .len();
        assert!(compressed * 2 < raw, "{compressed} of {raw} bytes");
        // The plain name still answers, for an hour; a name no release had does not.
        let old = fetch(&app, &member.http, "/static/app.css", false).await;
        assert_eq!(old.status(), 200);
        assert!(
            old.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=3600")
        );
        let stale = fetch(&app, &member.http, "/static/app.0000000000.css", false).await;
        assert_eq!(stale.status(), 404);
    }
);
