//! Codes of an authenticator app, for signing in the demo's administrators (shared with the
//! browser tests).
use dangjian::domain::second_factor as sf;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A code of `secret` not used yet by `phone` on the server at `base`: a code signs in only
/// once, so a test signing in again within half a minute takes the next step's (the server
/// accepts a step either side), or waits for it.
pub async fn next_code(base: &str, phone: &str, secret: &str) -> String {
    static LAST: OnceLock<Mutex<HashMap<(String, String), i64>>> = OnceLock::new();
    let bytes = sf::decode_secret(secret).expect("a base32 secret");
    let step = {
        let mut last = LAST.get_or_init(Default::default).lock().unwrap();
        let epoch = dangjian::domain::clock::now_epoch();
        let now = sf::step_of(epoch);
        // The step behind stays good only while the server is still in this one.
        let lowest = if epoch.rem_euclid(sf::PERIOD) < sf::PERIOD - 5 {
            now - 1
        } else {
            now
        };
        let used = last
            .entry((base.to_string(), phone.to_string()))
            .or_insert(0);
        *used = lowest.max(*used + 1);
        *used
    };
    while step > sf::step_of(dangjian::domain::clock::now_epoch()) + 1 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    sf::code_at(&bytes, step)
}
