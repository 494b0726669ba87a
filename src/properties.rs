//! Property tests of what reads untrusted input: the article renderer, the login's `next`
//! check, the check-in token and the spreadsheet importer. A few hundred random cases each,
//! so that CI stays quick; `PROPTEST_CASES` asks for more.
use crate::domain::{checkin, richtext, text};
use proptest::prelude::*;

/// The tags the article renderer writes itself.
const ARTICLE_TAGS: &[&str] = &["p", "/p", "h2", "/h2", "blockquote", "/blockquote", "br"];

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        ..ProptestConfig::default()
    }
}

/// Text with the characters markup is made of, often.
fn hostile_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        r#"([<>"'&/=\n ]|script|img|onerror|##|> |[a-z\u{4e00}-\u{4e2f}]){0,80}"#,
    )
    .expect("a valid pattern")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn article_text_never_becomes_markup(text in hostile_text()) {
        let html = richtext::render(&text);
        prop_assert!(!html.contains('"'), "{html}");
        for tag in html.split('<').skip(1) {
            let name = tag.split(['>', ' ']).next().unwrap_or("");
            prop_assert!(ARTICLE_TAGS.contains(&name), "<{name} in {html}");
        }
    }

    #[test]
    fn the_login_sends_only_to_this_sites_pages(next in r#"([/\\%2fF5cC:.a-z@]|//|%2F%2F|\t|\n){0,24}"#) {
        if let Some(path) = text::same_site_path(&next) {
            let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
            for p in [path, decoded.as_ref()] {
                prop_assert!(p.starts_with('/'));
                prop_assert!(!p.starts_with("//") && !p.starts_with("/\\"), "{p}");
                prop_assert!(!p.chars().any(|c| c.is_control() || c == '\\'), "{p:?}");
            }
        }
    }

    #[test]
    fn only_the_servers_check_in_token_is_taken(token in r"[0-9a-f.\-]{0,40}", now in 0i64..4_000_000_000) {
        let keys = crate::crypto::Keys::from_master(&[9; 32]);
        let genuine = checkin::token(&keys, 7, checkin::window(now));
        let verdict = checkin::verify(&keys, 7, &token, now);
        prop_assert_eq!(verdict.is_ok(), token == genuine);
    }

    #[test]
    fn any_bytes_are_a_spreadsheet_or_a_message(
        head in prop_oneof![Just(b"PK\x03\x04".to_vec()), Just(vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]), Just(Vec::new())],
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = head;
        bytes.extend(body);
        // Whatever it says, it says it without a panic.
        let _ = crate::spreadsheet::read_rows(&bytes);
    }
}
