//! Check-in rules: the rotating QR token (made and checked only here), the time a meeting
//! accepts check-ins, the geofence distance, and the signed calendar feed address.
use crate::crypto::{Keys, constant_time_eq, hex};

/// The QR code shows a new token every this many seconds.
pub const WINDOW_SECS: i64 = 30;
/// A scanned token is accepted for this many windows after it was shown (time to log in).
pub const GRACE_WINDOWS: i64 = 4;
/// Check-in opens this long before the start.
pub const OPENS_BEFORE_SECS: i64 = 30 * 60;

pub fn window(now: i64) -> i64 {
    now.div_euclid(WINDOW_SECS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Forged,
    Expired,
}

impl TokenProblem {
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Forged => "签到二维码无效，请扫描会场屏幕上的二维码",
            TokenProblem::Expired => "签到二维码已过期，请重新扫描会场屏幕上的最新二维码",
        }
    }
}

/// `WINDOW.MAC`: a token for one 30-second window.
pub fn make_token(window: i64, mac: &str) -> String {
    format!("{window}.{mac}")
}

/// The MAC a meeting's token carries for one window: only the server can make it.
fn token_mac(keys: &Keys, meeting_id: i64, window: i64) -> String {
    token_parts(meeting_id, window, |parts| hex(&keys.mac(parts)[..10]))
}

/// What a check-in token's MAC covers.
fn token_parts<T>(meeting_id: i64, window: i64, f: impl FnOnce(&[&[u8]]) -> T) -> T {
    let (meeting, window) = (meeting_id.to_string(), window.to_string());
    f(&[b"checkin", meeting.as_bytes(), window.as_bytes()])
}

/// The check-in token of a meeting for one 30-second window (what the QR code carries).
pub fn token(keys: &Keys, meeting_id: i64, window: i64) -> String {
    make_token(window, &token_mac(keys, meeting_id, window))
}

/// Whether a scanned token is this meeting's and still fresh.
pub fn verify(keys: &Keys, meeting_id: i64, token: &str, now: i64) -> Result<(), TokenProblem> {
    // A code shown just before a key rotation still counts for its half minute.
    check_token(token, now, |w, mac| {
        token_parts(meeting_id, w, |parts| {
            keys.any_mac(parts, |m| {
                constant_time_eq(hex(&m[..10]).as_bytes(), mac.as_bytes())
            })
        })
    })
}

/// The private part of a member's calendar feed address: `MEMBER-MAC` for the first address
/// (as it always was, so that subscriptions made before renewals existed keep working), then
/// `MEMBER-VERSION-MAC` for each renewal. Only the member's current version is accepted, so a
/// renewal ends the old address at once.
pub fn calendar_token(keys: &Keys, member_id: i64, version: i64) -> String {
    calendar_parts(member_id, version, |parts| {
        calendar_address(member_id, version, &keys.mac(parts))
    })
}

/// What a calendar address's MAC covers.
fn calendar_parts<T>(member_id: i64, version: i64, f: impl FnOnce(&[&[u8]]) -> T) -> T {
    let (member, v) = (member_id.to_string(), version.to_string());
    if version == 0 {
        f(&[b"calendar", member.as_bytes()])
    } else {
        f(&[b"calendar", member.as_bytes(), v.as_bytes()])
    }
}

fn calendar_address(member_id: i64, version: i64, mac: &[u8; 32]) -> String {
    let mac = hex(&mac[..12]);
    if version == 0 {
        format!("{member_id}-{mac}")
    } else {
        format!("{member_id}-{version}-{mac}")
    }
}

/// The member a calendar token names, to look up their current version (not yet checked).
pub fn calendar_claim(token: &str) -> Option<i64> {
    token.split('-').next()?.parse().ok()
}

/// Whether a token is the member's address at their current version.
pub fn calendar_genuine(keys: &Keys, token: &str, member_id: i64, version: i64) -> bool {
    // An address made before a key rotation works until its key is retired.
    calendar_parts(member_id, version, |parts| {
        keys.any_mac(parts, |mac| {
            let address = calendar_address(member_id, version, mac);
            constant_time_eq(address.as_bytes(), token.as_bytes())
        })
    })
}

/// Whether a token is fresh and `genuine(window, mac)` takes its MAC.
pub fn check_token(
    token: &str,
    now: i64,
    genuine: impl Fn(i64, &str) -> bool,
) -> Result<(), TokenProblem> {
    let (w, mac) = token.split_once('.').ok_or(TokenProblem::Forged)?;
    let w: i64 = w.parse().map_err(|_| TokenProblem::Forged)?;
    if !genuine(w, mac) {
        return Err(TokenProblem::Forged);
    }
    let current = window(now);
    if w > current {
        return Err(TokenProblem::Forged);
    }
    if current - w > GRACE_WINDOWS {
        return Err(TokenProblem::Expired);
    }
    Ok(())
}

/// Whether a meeting takes check-ins now; the error is the message to show.
pub fn accepting(starts_at: i64, ends_at: i64, now: i64) -> Result<(), &'static str> {
    if now < starts_at - OPENS_BEFORE_SECS {
        Err("签到尚未开始（会前30分钟开放签到）")
    } else if now > ends_at {
        Err("会议已结束，签到已关闭")
    } else {
        Ok(())
    }
}

/// Great-circle distance in metres between two points given in micro-degrees.
pub fn distance_m(a: (i64, i64), b: (i64, i64)) -> f64 {
    let rad = |e6: i64| (e6 as f64 / 1e6).to_radians();
    let (lat1, lng1, lat2, lng2) = (rad(a.0), rad(a.1), rad(b.0), rad(b.1));
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(w: i64) -> String {
        format!("m{w}")
    }

    #[test]
    fn codes_and_addresses_made_before_a_key_rotation_still_count() {
        use crate::crypto::Algorithms;
        let (old, new) = ([7u8; 32], [8u8; 32]);
        let before = Keys::from_master(&old);
        let now = 1_000_000;
        let code = token(&before, 5, window(now));
        let address = calendar_token(&before, 42, 1);
        let ring = Keys::from_masters(&[old, new], Algorithms::International);
        assert!(ring.adopt(&Keys::from_master(&new).fingerprint(), Algorithms::National));
        assert_eq!(verify(&ring, 5, &code, now), Ok(()));
        assert!(calendar_genuine(&ring, &address, 42, 1));
        assert_ne!(token(&ring, 5, window(now)), code);
        // Once the old key is retired, they stop.
        let retired = Keys::from_masters(&[new], Algorithms::National);
        assert_eq!(verify(&retired, 5, &code, now), Err(TokenProblem::Forged));
        assert!(!calendar_genuine(&retired, &address, 42, 1));
    }

    #[test]
    fn tokens_expire_and_cannot_be_forged() {
        let now = 1_000_000;
        let genuine = |w: i64, m: &str| m == mac(w);
        let w = window(now);
        assert_eq!(check_token(&make_token(w, &mac(w)), now, genuine), Ok(()));
        let old = w - GRACE_WINDOWS;
        assert_eq!(
            check_token(&make_token(old, &mac(old)), now, genuine),
            Ok(())
        );
        let expired = w - GRACE_WINDOWS - 1;
        assert_eq!(
            check_token(&make_token(expired, &mac(expired)), now, genuine),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            check_token(&make_token(w, "m0"), now, genuine),
            Err(TokenProblem::Forged)
        );
        assert_eq!(
            check_token("garbage", now, genuine),
            Err(TokenProblem::Forged)
        );
        assert_eq!(
            check_token(&make_token(w + 1, &mac(w + 1)), now, genuine),
            Err(TokenProblem::Forged)
        );
    }

    #[test]
    fn meeting_tokens_and_calendar_addresses_are_signed() {
        let keys = Keys::from_master(&[7; 32]);
        let now = 1_000_000;
        let t = token(&keys, 5, window(now));
        assert_eq!(verify(&keys, 5, &t, now), Ok(()));
        assert_eq!(verify(&keys, 6, &t, now), Err(TokenProblem::Forged));
        let other = Keys::from_master(&[8; 32]);
        assert_eq!(verify(&other, 5, &t, now), Err(TokenProblem::Forged));
        let cal = calendar_token(&keys, 42, 0);
        assert_eq!(calendar_claim(&cal), Some(42));
        assert!(calendar_genuine(&keys, &cal, 42, 0));
        assert!(!calendar_genuine(
            &keys,
            &cal.replacen("42", "43", 1),
            43,
            0
        ));
        assert!(!calendar_genuine(&other, &cal, 42, 0));
        // A renewed address: the old one is no longer the current one.
        let renewed = calendar_token(&keys, 42, 1);
        assert!(renewed.starts_with("42-1-"));
        assert!(calendar_genuine(&keys, &renewed, 42, 1));
        assert!(!calendar_genuine(&keys, &cal, 42, 1));
        assert!(!calendar_genuine(&keys, &renewed, 42, 2));
    }

    #[test]
    fn check_in_opens_half_an_hour_before_and_closes_at_the_end() {
        let (start, end) = (10_000, 17_200);
        assert!(accepting(start, end, start - 1801).is_err());
        assert!(accepting(start, end, start - 1800).is_ok());
        assert!(accepting(start, end, end).is_ok());
        assert!(accepting(start, end, end + 1).is_err());
    }

    #[test]
    fn distances() {
        // Hejian to Cangzhou is about 80 km.
        let hejian = (38_446_900, 116_089_300);
        let cangzhou = (38_304_400, 116_838_700);
        let d = distance_m(hejian, cangzhou);
        assert!((60_000.0..80_000.0).contains(&d), "{d}");
        assert!(distance_m(hejian, hejian) < 0.001);
    }
}
