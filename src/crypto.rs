//! Keys and the few primitives the app needs: field encryption for personal data,
//! keyed lookup hashes, random tokens, and MACs.
use crate::error::{AppError, AppResult};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).expect("the OS random source");
    b
}

/// 256 random bits as 64 hex characters.
pub fn random_token() -> String {
    hex(&random_bytes::<32>())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Compares without an early exit, for secrets.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut m = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
            m.update(label);
            m.finalize().into_bytes().into()
        };
        let enc = derive(b"dangjian field encryption v1");
        Self {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32-byte key"),
            mac_key: derive(b"dangjian mac v1"),
        }
    }

    /// The key from configuration, or the key file (created with mode 0600 at first start).
    pub fn load(configured_hex: Option<&str>, key_file: &Path) -> AppResult<Self> {
        let setup = |m: String| AppError::Setup(m);
        let master: [u8; 32] = if let Some(h) = configured_hex {
            unhex(h.trim())
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| setup("the secret key must be 64 hex characters".into()))?
        } else if key_file.exists() {
            let text = std::fs::read_to_string(key_file)
                .map_err(|e| setup(format!("cannot read {}: {e}", key_file.display())))?;
            unhex(text.trim())
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| {
                    setup(format!(
                        "{} does not hold a 64-hex-character key",
                        key_file.display()
                    ))
                })?
        } else {
            let key = random_bytes::<32>();
            if let Some(dir) = key_file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts
                .open(key_file)
                .map_err(|e| setup(format!("cannot create {}: {e}", key_file.display())))?;
            f.write_all(hex(&key).as_bytes())
                .and_then(|_| f.sync_all())?;
            key
        };
        Ok(Self::from_master(&master))
    }

    /// `hex(nonce || ciphertext)`: a fresh random nonce for every value.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce = random_bytes::<12>();
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("encryption cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend(ct);
        hex(&out)
    }

    pub fn decrypt(&self, stored: &str) -> Option<String> {
        let raw = unhex(stored)?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), ct).ok()?;
        String::from_utf8(plain).ok()
    }

    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.mac_key).expect("any key length");
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// A keyed hash for equality lookups of encrypted values (phone, ID number).
    pub fn lookup_hash(&self, kind: &str, value: &str) -> String {
        hex(&self.mac(&[kind.as_bytes(), value.as_bytes()])[..16])
    }
}

/// argon2id with the crate's recommended parameters (19 MiB, 2 passes).
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes fit");
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// How a stored password begins when it is the one-time code of an account made by a roster
/// import. The code is kept encrypted rather than hashed so that the branch's login letters
/// can be printed (again) until the member signs in and chooses a password; hashing ten
/// thousand codes with argon2 would also make an import take minutes.
const FIRST_CODE: &str = "first-code:";

impl Keys {
    /// What `password_hash` holds for an account whose first sign-in uses `code`.
    pub fn first_code_password(&self, code: &str) -> String {
        format!("{FIRST_CODE}{}", self.encrypt(code))
    }

    /// The one-time code of an account that has not chosen a password yet.
    pub fn first_code(&self, stored: &str) -> Option<String> {
        self.decrypt(stored.strip_prefix(FIRST_CODE)?)
    }

    /// Checks a password against what an account stores: an argon2 hash, or a first code.
    pub async fn verify_login(
        &self,
        password: String,
        stored: String,
    ) -> Result<bool, tokio::task::JoinError> {
        match self.first_code(&stored) {
            Some(code) => Ok(constant_time_eq(code.as_bytes(), password.as_bytes())),
            None => verify_password_blocking(password, stored).await,
        }
    }
}

/// Password hashes computed at once: all cores but one, so that a morning's rush of
/// sign-ins queues here instead of starving every other request of CPU.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(crate::config::heavy_work_at_once()))
}

/// Runs argon2 off the async threads (it takes tens of milliseconds of CPU), one of the
/// `hashing_permits` at a time.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work).await
}

/// `hash_password` off the async threads.
pub async fn hash_password_blocking(password: String) -> Result<String, tokio::task::JoinError> {
    hashing(move || hash_password(&password)).await
}

/// `verify_password` off the async threads.
pub async fn verify_password_blocking(
    password: String,
    stored: String,
) -> Result<bool, tokio::task::JoinError> {
    hashing(move || verify_password(&password, &stored)).await
}

/// A readable one-time password that meets the password rules.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let r = random_bytes::<12>();
    let mut s = String::new();
    for (i, b) in r.iter().enumerate() {
        let set = [LOWER, UPPER, DIGIT][i % 3];
        s.push(set[*b as usize % set.len()] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_uses_fresh_nonces() {
        let k = Keys::from_master(&[7; 32]);
        let a = k.encrypt("13812345678");
        let b = k.encrypt("13812345678");
        assert_ne!(a, b);
        assert_eq!(k.decrypt(&a).as_deref(), Some("13812345678"));
        let other = Keys::from_master(&[8; 32]);
        assert_eq!(other.decrypt(&a), None);
        assert_eq!(k.lookup_hash("phone", "1"), k.lookup_hash("phone", "1"));
        assert_ne!(k.lookup_hash("phone", "1"), other.lookup_hash("phone", "1"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(&[0, 255, 16])), Some(vec![0, 255, 16]));
        assert_eq!(unhex("zz"), None);
        assert!(constant_time_eq(b"ab", b"ab"));
        assert!(!constant_time_eq(b"ab", b"ac"));
    }
}
