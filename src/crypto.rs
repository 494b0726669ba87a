//! Keys and the few primitives the app needs: field encryption for personal data,
//! keyed lookup hashes, random tokens, and MACs — by the national algorithms (SM4-GCM,
//! HMAC-SM3, SM3) or the international ones (AES-256-GCM, HMAC-SHA-256, SHA-256), one
//! setting. RustCrypto's `sm3`/`sm4` are unaudited and not constant-time (SECURITY.md): the
//! `Suite` trait is where a certified module would take their place.
use crate::error::{AppError, AppResult};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, AesGcm};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sm3::Sm3;
use sm4::Sm4;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;
type HmacSm3 = Hmac<Sm3>;
type Sm4Gcm = AesGcm<Sm4, aes_gcm::aead::consts::U12>;

/// Which algorithms protect what is stored. A database keeps the ones it began with (a
/// new one takes the configured choice, national by default; one made before the choice
/// existed is international).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithms {
    /// 国密: SM4-GCM, HMAC-SM3, SM3 (GB/T 32907, GB/T 32905).
    National,
    /// AES-256-GCM, HMAC-SHA-256, SHA-256.
    International,
}

impl Algorithms {
    pub fn code(self) -> &'static str {
        match self {
            Algorithms::National => "national",
            Algorithms::International => "international",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "national" | "sm" => Some(Algorithms::National),
            "international" | "aes" => Some(Algorithms::International),
            _ => None,
        }
    }

    /// The hash of the audit chain, as stored: SM3's tagged `sm3:`, SHA-256's bare (as it
    /// always was), so that a chain says which hash each entry used.
    pub fn chain_hash(self, data: &[u8]) -> String {
        match self {
            Algorithms::National => format!("sm3:{}", hex(&Sm3::digest(data))),
            Algorithms::International => hex(&Sha256::digest(data)),
        }
    }

    /// The algorithms of a stored chain hash.
    pub fn of_chain_hash(stored: &str) -> Self {
        if stored.starts_with("sm3:") {
            Algorithms::National
        } else {
            Algorithms::International
        }
    }
}

/// Authenticated encryption and a MAC under keys derived from the master key.
trait Suite: Send + Sync {
    fn seal(&self, nonce: &[u8; 12], plain: &[u8]) -> Vec<u8>;
    fn open(&self, nonce: &[u8; 12], sealed: &[u8]) -> Option<Vec<u8>>;
    fn mac(&self, parts: &[&[u8]]) -> [u8; 32];
}

/// Each part is length-prefixed, so that no two lists of parts MAC alike.
fn mac_parts<M: Mac>(mut m: M, parts: &[&[u8]]) -> M {
    for p in parts {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    m
}

/// An AEAD with 96-bit nonces and an HMAC: each algorithm choice is one pair of them.
struct AeadSuite<C, M> {
    cipher: C,
    mac_key: [u8; 32],
    mac: std::marker::PhantomData<fn() -> M>,
}

impl<C, M> AeadSuite<C, M> {
    fn new(cipher: C, mac_key: [u8; 32]) -> Self {
        Self {
            cipher,
            mac_key,
            mac: std::marker::PhantomData,
        }
    }
}

impl<C, M> Suite for AeadSuite<C, M>
where
    C: Aead + aes_gcm::AeadCore<NonceSize = aes_gcm::aead::consts::U12> + Send + Sync,
    M: Mac + KeyInit,
{
    fn seal(&self, nonce: &[u8; 12], plain: &[u8]) -> Vec<u8> {
        (self.cipher)
            .encrypt(nonce.into(), plain)
            .expect("encryption cannot fail for in-memory data")
    }
    fn open(&self, nonce: &[u8; 12], sealed: &[u8]) -> Option<Vec<u8>> {
        self.cipher.decrypt(nonce.into(), sealed).ok()
    }
    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let m = <M as KeyInit>::new_from_slice(&self.mac_key).expect("any key length");
        let out = mac_parts(m, parts).finalize().into_bytes();
        out.as_slice()
            .try_into()
            .expect("SM3 and SHA-256 MACs are 32 bytes")
    }
}

/// SM4-GCM and HMAC-SM3.
type NationalSuite = AeadSuite<Sm4Gcm, HmacSm3>;
/// AES-256-GCM and HMAC-SHA-256.
type InternationalSuite = AeadSuite<Aes256Gcm, HmacSha256>;

/// How a value sealed with SM4 begins; AES's are bare hex, as they always were.
const SM4_TAG: &str = "sm4:";

#[derive(Clone)]
pub struct Keys {
    national: Arc<NationalSuite>,
    international: Arc<InternationalSuite>,
    active: Algorithms,
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
        let sm3 = |label: &[u8]| -> [u8; 32] {
            let m = <HmacSm3 as Mac>::new_from_slice(master).expect("any key length");
            mac_parts(m, &[label]).finalize().into_bytes().into()
        };
        // The international keys are derived as they always were (unprefixed labels).
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut m = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
            m.update(label);
            m.finalize().into_bytes().into()
        };
        Self {
            national: Arc::new(NationalSuite::new(
                Sm4Gcm::new_from_slice(&sm3(b"dangjian sm4 field encryption v1")[..16])
                    .expect("16-byte key"),
                sm3(b"dangjian hmac-sm3 v1"),
            )),
            international: Arc::new(InternationalSuite::new(
                Aes256Gcm::new_from_slice(&derive(b"dangjian field encryption v1"))
                    .expect("32-byte key"),
                derive(b"dangjian mac v1"),
            )),
            active: Algorithms::International,
        }
    }

    /// The same keys, sealing and MACing with `algorithms` (what was sealed with either
    /// still opens).
    pub fn using(&self, algorithms: Algorithms) -> Self {
        Self {
            active: algorithms,
            ..self.clone()
        }
    }

    pub fn algorithms(&self) -> Algorithms {
        self.active
    }

    fn suite(&self) -> &dyn Suite {
        match self.active {
            Algorithms::National => self.national.as_ref(),
            Algorithms::International => self.international.as_ref(),
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

    /// `hex(nonce || ciphertext)`, tagged `sm4:` when SM4 sealed it: a fresh random nonce
    /// for every value.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce = random_bytes::<12>();
        let mut out = nonce.to_vec();
        out.extend(self.suite().seal(&nonce, plain.as_bytes()));
        match self.active {
            Algorithms::National => format!("{SM4_TAG}{}", hex(&out)),
            Algorithms::International => hex(&out),
        }
    }

    pub fn decrypt(&self, stored: &str) -> Option<String> {
        let (suite, body): (&dyn Suite, &str) = match stored.strip_prefix(SM4_TAG) {
            Some(body) => (self.national.as_ref(), body),
            None => (self.international.as_ref(), stored),
        };
        let raw = unhex(body)?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = suite.open(nonce.try_into().ok()?, ct)?;
        String::from_utf8(plain).ok()
    }

    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.suite().mac(parts)
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
    fn either_algorithms_open_what_either_sealed() {
        let intl = Keys::from_master(&[7; 32]);
        let national = intl.using(Algorithms::National);
        let a = intl.encrypt("110101199003070012");
        let b = national.encrypt("110101199003070012");
        assert!(b.starts_with("sm4:") && !a.starts_with("sm4:"));
        for k in [&intl, &national] {
            assert_eq!(k.decrypt(&a).as_deref(), Some("110101199003070012"));
            assert_eq!(k.decrypt(&b).as_deref(), Some("110101199003070012"));
        }
        // A flipped bit is caught (authenticated encryption).
        let mut bad = b.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(national.decrypt(&String::from_utf8(bad).unwrap()), None);
        assert_ne!(
            intl.lookup_hash("phone", "13800000001"),
            national.lookup_hash("phone", "13800000001")
        );
    }

    /// GB/T 32905's example: SM3("abc").
    #[test]
    fn sm3_known_answer() {
        assert_eq!(
            hex(&Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            Algorithms::National.chain_hash(b"abc"),
            "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    /// GB/T 32907's example: one block, key = plaintext = 0123456789abcdeffedcba9876543210.
    #[test]
    fn sm4_known_answer() {
        use sm4::cipher::{BlockEncrypt, KeyInit};
        let key = unhex("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(hex(&block), "681edf34d206965e86b3e94f536e4246");
    }

    /// RFC 8998 appendix A.1: SM4-GCM with associated data.
    #[test]
    fn sm4_gcm_known_answer() {
        use aes_gcm::aead::Payload;
        let cipher =
            Sm4Gcm::new_from_slice(&unhex("0123456789abcdeffedcba9876543210").unwrap()).unwrap();
        let nonce = unhex("00001234567800000000abcd").unwrap();
        let aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let plain = unhex(concat!(
            "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd",
            "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
        ))
        .unwrap();
        let sealed = cipher
            .encrypt(
                aes_gcm::Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(
            hex(&sealed),
            concat!(
                "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735",
                "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
                "83de3541e4c2b58177e065a9bf7b62ec"
            )
        );
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(&[0, 255, 16])), Some(vec![0, 255, 16]));
        assert_eq!(unhex("zz"), None);
        assert!(constant_time_eq(b"ab", b"ab"));
        assert!(!constant_time_eq(b"ab", b"ac"));
    }
}
