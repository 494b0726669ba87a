//! The second factor: time-based one-time passwords (RFC 6238, what every authenticator app
//! speaks) and the recovery codes that stand in for a lost phone.
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds one code lasts (RFC 6238's recommendation, and every app's default).
pub const PERIOD: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Recovery codes given at enrolment; each works once.
pub const RECOVERY_CODES: usize = 10;
/// The letters recovery codes are written in: no 0/O or 1/I/L to misread.
const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn totp(secret: &[u8], digits: usize) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, digits, 1, PERIOD as u64, secret.to_vec())
}

/// The base32 text an app is given (160 random bits in, 32 letters out).
pub fn encode_secret(raw: &[u8]) -> String {
    Secret::Raw(raw.to_vec()).to_encoded().to_string()
}

/// The bytes of a base32 secret; `None` when it is not base32 or shorter than 128 bits.
pub fn decode_secret(base32: &str) -> Option<Vec<u8>> {
    let bytes = Secret::Encoded(base32.trim().to_ascii_uppercase())
        .to_bytes()
        .ok()?;
    (bytes.len() >= 16).then_some(bytes)
}

/// The time step an instant falls in.
pub fn step_of(epoch: i64) -> i64 {
    epoch.div_euclid(PERIOD)
}

/// The code of `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    totp(secret, DIGITS).generate((step.max(0) * PERIOD) as u64)
}

/// The step whose code `code` is, if it is this step's or a neighbour's (a phone's clock may
/// be half a minute off) and later than `last_used`: a code that has signed in once never
/// signs in again (RFC 6238 §5.2).
pub fn accepted_step(secret: &[u8], code: &str, now: i64, last_used: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now_step = step_of(now);
    (now_step - 1..=now_step + 1)
        .filter(|s| *s > last_used)
        .find(|s| crate::crypto::constant_time_eq(code_at(secret, *s).as_bytes(), code.as_bytes()))
}

/// What an authenticator app scans: `otpauth://totp/党建云:<account>?secret=…&issuer=党建云`.
pub fn otpauth_uri(base32: &str, account: &str) -> String {
    let label: String =
        url::form_urlencoded::byte_serialize(format!("党建云:{account}").as_bytes())
            .collect::<String>()
            .replace('+', "%20");
    let issuer: String = url::form_urlencoded::byte_serialize("党建云".as_bytes()).collect();
    format!(
        "otpauth://totp/{label}?secret={base32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={PERIOD}"
    )
}

/// A recovery code from ten random bytes: `XXXXX-XXXXX`.
pub fn recovery_code(random: &[u8; 10]) -> String {
    let letters: String = random
        .iter()
        .map(|b| RECOVERY_ALPHABET[*b as usize % RECOVERY_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// A recovery code as typed, made comparable: spaces and dashes dropped, upper case.
/// `None` when it cannot be one.
pub fn normalize_recovery(typed: &str) -> Option<String> {
    let s: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == 10 && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, with the RFC's 8 digits.
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        let eight = totp(secret, 8);
        for (time, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(eight.generate(time), code, "at {time}");
        }
        // Six digits are the last six of the eight.
        assert_eq!(code_at(secret, step_of(59)), "287082");
    }

    #[test]
    fn a_code_works_for_its_step_and_the_neighbours_once() {
        let secret = decode_secret("DANGJIANYUNDEMOSECRETONLYFORDEMO").unwrap();
        let now = 1_800_000_015;
        let step = step_of(now);
        let code = code_at(&secret, step);
        assert_eq!(accepted_step(&secret, &code, now, 0), Some(step));
        // Used once: refused after.
        assert_eq!(accepted_step(&secret, &code, now, step), None);
        // A phone half a minute behind or ahead.
        let behind = code_at(&secret, step - 1);
        assert_eq!(accepted_step(&secret, &behind, now, 0), Some(step - 1));
        let ahead = code_at(&secret, step + 1);
        assert_eq!(accepted_step(&secret, &ahead, now, step), Some(step + 1));
        // Two steps off is too far.
        assert_eq!(
            accepted_step(&secret, &code_at(&secret, step + 2), now, 0),
            None
        );
        assert_eq!(accepted_step(&secret, "12345", now, 0), None);
        assert_eq!(accepted_step(&secret, "abcdef", now, 0), None);
    }

    #[test]
    fn secrets_round_trip_and_short_ones_are_refused() {
        let raw = [7u8; 20];
        let text = encode_secret(&raw);
        assert_eq!(text.len(), 32);
        assert_eq!(decode_secret(&text.to_lowercase()), Some(raw.to_vec()));
        assert_eq!(decode_secret("ABCDEFGH"), None);
        assert_eq!(decode_secret("not base32!"), None);
        let uri = otpauth_uri(&text, "张三");
        assert!(uri.starts_with("otpauth://totp/%E5%85%9A%E5%BB%BA%E4%BA%91%3A"));
        assert!(uri.contains(&format!("secret={text}")));
    }

    #[test]
    fn recovery_codes_read_back_however_typed() {
        let code = recovery_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 250]);
        assert_eq!(code.len(), 11);
        let plain = code.replace('-', "");
        assert_eq!(normalize_recovery(&code), Some(plain.clone()));
        assert_eq!(
            normalize_recovery(&format!(" {} ", code.to_lowercase())),
            Some(plain)
        );
        assert_eq!(normalize_recovery("123456"), None);
        assert_eq!(normalize_recovery("OOOOO-OOOOO"), None);
    }
}
