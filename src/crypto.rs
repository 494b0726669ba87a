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

/// One master key's suites, both algorithm choices of it.
struct KeySet {
    national: NationalSuite,
    international: InternationalSuite,
    fingerprint: String,
}

impl KeySet {
    fn suite(&self, algorithms: Algorithms) -> &dyn Suite {
        match algorithms {
            Algorithms::National => &self.national,
            Algorithms::International => &self.international,
        }
    }
}

/// The keys a deployment holds: the one it writes with first, then those it still reads
/// (a rotation under way, or not yet retired).
struct Ring {
    sets: Vec<Arc<KeySet>>,
    active: Algorithms,
}

impl Ring {
    fn writer(&self) -> &KeySet {
        &self.sets[0]
    }

    /// Every suite the ring holds, the writing one first.
    fn suites(&self) -> impl Iterator<Item = &dyn Suite> {
        let other = match self.active {
            Algorithms::National => Algorithms::International,
            Algorithms::International => Algorithms::National,
        };
        self.sets
            .iter()
            .flat_map(move |set| [set.suite(self.active), set.suite(other)])
    }
}

/// The key ring, shared: a server takes up a rotation's new writing key while it runs
/// (`adopt`), and every clone of these keys sees it at once.
#[derive(Clone)]
pub struct Keys {
    ring: Arc<std::sync::RwLock<Arc<Ring>>>,
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

fn key_set(master: &[u8; 32]) -> KeySet {
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
    let international = InternationalSuite::new(
        Aes256Gcm::new_from_slice(&derive(b"dangjian field encryption v1")).expect("32-byte key"),
        derive(b"dangjian mac v1"),
    );
    // What a backup's manifest has always called its key check.
    let fingerprint = hex(&international.mac(&[b"archive", b"key check"])[..16]);
    KeySet {
        national: NationalSuite::new(
            Sm4Gcm::new_from_slice(&sm3(b"dangjian sm4 field encryption v1")[..16])
                .expect("16-byte key"),
            sm3(b"dangjian hmac-sm3 v1"),
        ),
        international,
        fingerprint,
    }
}

/// Master keys as written in the key file or DANGJIAN_SECRET_KEY: 64 hex characters each,
/// one per line (or separated by commas), `#` starting a comment.
fn parse_masters(text: &str) -> Option<Vec<[u8; 32]>> {
    let keys: Option<Vec<[u8; 32]>> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.split([',', ' ', '\t']))
        .filter(|word| !word.trim().is_empty())
        .map(|word| unhex(word.trim()).and_then(|v| v.try_into().ok()))
        .collect();
    keys.filter(|k| !k.is_empty())
}

/// Writes the key file durably, readable by its owner only.
fn write_key_file(path: &Path, masters: &[[u8; 32]]) -> AppResult<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::from(
        "# 党建云 master keys: the first seals what is written; the others are still read.\n",
    );
    for m in masters {
        text.push_str(&hex(m));
        text.push('\n');
    }
    let part = path.with_extension("part");
    let _ = std::fs::remove_file(&part);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(&part)
        .map_err(|e| AppError::Setup(format!("cannot create {}: {e}", part.display())))?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all())?;
    std::fs::rename(&part, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all())?;
    }
    Ok(())
}

fn read_key_file(path: &Path) -> AppResult<Vec<[u8; 32]>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Setup(format!("cannot read {}: {e}", path.display())))?;
    parse_masters(&text).ok_or_else(|| {
        AppError::Setup(format!(
            "{} does not hold 64-hex-character keys, one per line",
            path.display()
        ))
    })
}

/// Puts a new random key first in the key file (the others stay, to be read); its
/// fingerprint.
pub fn add_key(path: &Path) -> AppResult<String> {
    let key = random_bytes::<32>();
    let mut masters = vec![key];
    masters.extend(read_key_file(path)?);
    write_key_file(path, &masters)?;
    Ok(key_set(&key).fingerprint)
}

/// Leaves in the key file only the key of `keep`; how many were taken out.
pub fn retire_keys(path: &Path, keep: &str) -> AppResult<usize> {
    let masters = read_key_file(path)?;
    let kept: Vec<[u8; 32]> = masters
        .iter()
        .filter(|m| key_set(m).fingerprint == keep)
        .copied()
        .collect();
    if kept.is_empty() {
        return Err(AppError::Setup(format!(
            "{} does not hold the key {keep} the database writes with",
            path.display()
        )));
    }
    write_key_file(path, &kept[..1])?;
    Ok(masters.len() - 1)
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self::from_masters(&[*master], Algorithms::International)
    }

    pub(crate) fn from_masters(masters: &[[u8; 32]], active: Algorithms) -> Self {
        Self::from_ring(Ring {
            sets: masters.iter().map(|m| Arc::new(key_set(m))).collect(),
            active,
        })
    }

    fn from_ring(ring: Ring) -> Self {
        Self {
            ring: Arc::new(std::sync::RwLock::new(Arc::new(ring))),
        }
    }

    fn ring(&self) -> Arc<Ring> {
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn algorithms(&self) -> Algorithms {
        self.ring().active
    }

    /// Names the writing key without revealing it (a backup's manifest keeps it too).
    pub fn fingerprint(&self) -> String {
        self.ring().writer().fingerprint.clone()
    }

    /// Whether the ring holds the key of this fingerprint.
    pub fn holds(&self, fingerprint: &str) -> bool {
        self.ring()
            .sets
            .iter()
            .any(|s| s.fingerprint == fingerprint)
    }

    /// How many keys the ring holds (the writing one and those still read).
    pub fn count(&self) -> usize {
        self.ring().sets.len()
    }

    /// Writes from now on with the key of `fingerprint` and `algorithms` (every clone of
    /// these keys at once); false when the ring does not hold that key.
    pub fn adopt(&self, fingerprint: &str, algorithms: Algorithms) -> bool {
        let mut cell = self.ring.write().unwrap_or_else(|e| e.into_inner());
        let Some(at) = cell.sets.iter().position(|s| s.fingerprint == fingerprint) else {
            return false;
        };
        let mut sets = cell.sets.clone();
        let writer = sets.remove(at);
        sets.insert(0, writer);
        *cell = Arc::new(Ring {
            sets,
            active: algorithms,
        });
        true
    }

    /// Takes up the keys of `other` (a key file read again) beside this ring's writing key,
    /// which stays the writing one, with its algorithms.
    pub fn take_keys_of(&self, other: &Keys) {
        let (mine, theirs) = (self.ring(), other.ring());
        let mut sets = vec![mine.sets[0].clone()];
        sets.extend(
            theirs
                .sets
                .iter()
                .filter(|s| s.fingerprint != mine.sets[0].fingerprint)
                .cloned(),
        );
        *self.ring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Ring {
            sets,
            active: mine.active,
        });
    }

    /// The keys from configuration (DANGJIAN_SECRET_KEY), or the key file (created with mode
    /// 0600 at first start); the first one writes until the database names another.
    pub fn load(configured_hex: Option<&str>, key_file: &Path) -> AppResult<Self> {
        let masters = if let Some(h) = configured_hex {
            parse_masters(h).ok_or_else(|| {
                AppError::Setup(
                    "the secret key must be 64 hex characters (several: comma-separated)".into(),
                )
            })?
        } else if key_file.exists() {
            read_key_file(key_file)?
        } else {
            let key = random_bytes::<32>();
            write_key_file(key_file, &[key])?;
            vec![key]
        };
        Ok(Self::from_masters(&masters, Algorithms::International))
    }

    /// `hex(nonce || ciphertext)`, tagged `sm4:` when SM4 sealed it: a fresh random nonce
    /// for every value.
    pub fn encrypt(&self, plain: &str) -> String {
        let ring = self.ring();
        let nonce = random_bytes::<12>();
        let mut out = nonce.to_vec();
        out.extend(
            ring.writer()
                .suite(ring.active)
                .seal(&nonce, plain.as_bytes()),
        );
        match ring.active {
            Algorithms::National => format!("{SM4_TAG}{}", hex(&out)),
            Algorithms::International => hex(&out),
        }
    }

    /// Opens a value sealed by any key of the ring, with either algorithms.
    pub fn decrypt(&self, stored: &str) -> Option<String> {
        self.open(stored).map(|(plain, _)| plain)
    }

    /// The value, and whether the writing key and algorithms sealed it (else a rotation
    /// seals it again).
    pub fn open(&self, stored: &str) -> Option<(String, bool)> {
        let ring = self.ring();
        let (algorithms, body) = match stored.strip_prefix(SM4_TAG) {
            Some(body) => (Algorithms::National, body),
            None => (Algorithms::International, stored),
        };
        let raw = unhex(body)?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: &[u8; 12] = nonce.try_into().ok()?;
        ring.sets.iter().enumerate().find_map(|(i, set)| {
            let plain = set.suite(algorithms).open(nonce, ct)?;
            let current = i == 0 && algorithms == ring.active;
            String::from_utf8(plain).ok().map(|p| (p, current))
        })
    }

    /// The MAC a token is made with now.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let ring = self.ring();
        ring.writer().suite(ring.active).mac(parts)
    }

    /// Whether `accept` takes the MAC of `parts` under any key and algorithms of the ring: a
    /// token made before a rotation holds until its key is retired.
    pub fn any_mac(&self, parts: &[&[u8]], accept: impl Fn(&[u8; 32]) -> bool) -> bool {
        self.ring().suites().any(|suite| accept(&suite.mac(parts)))
    }

    /// A keyed hash for equality lookups of encrypted values (phone, ID number).
    pub fn lookup_hash(&self, kind: &str, value: &str) -> String {
        hex(&self.mac(&[kind.as_bytes(), value.as_bytes()])[..16])
    }

    /// The lookup hashes `value` may be stored under while a rotation is under way: the
    /// writing key's first.
    pub fn lookup_hashes(&self, kind: &str, value: &str) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for suite in self.ring().suites() {
            let h = hex(&suite.mac(&[kind.as_bytes(), value.as_bytes()])[..16]);
            if !all.contains(&h) {
                all.push(h);
            }
        }
        all
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
pub const FIRST_CODE: &str = "first-code:";

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
        let national = Keys::from_masters(&[[7; 32]], Algorithms::National);
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

    #[test]
    fn a_ring_reads_with_every_key_and_writes_with_its_first() {
        let (old, new) = ([7u8; 32], [8u8; 32]);
        let before = Keys::from_masters(&[old], Algorithms::International);
        let sealed = before.encrypt("13800000001");
        let token = before.mac(&[b"calendar", b"42"]);
        let ring = Keys::from_masters(&[old, new], Algorithms::International);
        assert_eq!(ring.fingerprint(), before.fingerprint());
        let new_fingerprint = Keys::from_master(&new).fingerprint();
        assert!(ring.holds(&new_fingerprint) && !before.holds(&new_fingerprint));
        assert!(ring.adopt(&new_fingerprint, Algorithms::National));
        assert!(!ring.adopt("0000", Algorithms::National));
        // Old values open, and say they are due for sealing again; new ones do not.
        assert_eq!(ring.open(&sealed), Some(("13800000001".into(), false)));
        let resealed = ring.encrypt("13800000001");
        assert!(resealed.starts_with("sm4:"));
        assert_eq!(ring.open(&resealed), Some(("13800000001".into(), true)));
        assert_eq!(before.decrypt(&resealed), None);
        // Lookups find a value under either key, the writing key's hash first.
        let hashes = ring.lookup_hashes("phone", "13800000001");
        assert_eq!(hashes.len(), 4);
        assert_eq!(hashes[0], ring.lookup_hash("phone", "13800000001"));
        assert!(hashes.contains(&before.lookup_hash("phone", "13800000001")));
        assert!(ring.any_mac(&[b"calendar", b"42"], |m| *m == token));
        assert!(!ring.any_mac(&[b"calendar", b"43"], |m| *m == token));
        // A clone follows the ring it came from.
        let clone = ring.clone();
        assert!(ring.adopt(&before.fingerprint(), Algorithms::International));
        assert_eq!(clone.fingerprint(), before.fingerprint());
    }

    #[test]
    fn key_files_add_and_retire_keys() {
        let dir = std::env::temp_dir().join(format!("dj-keys-{}", random_token()));
        let file = dir.join("secret.key");
        let first = Keys::load(None, &file).unwrap();
        assert_eq!(first.count(), 1);
        let added = add_key(&file).unwrap();
        let ring = Keys::load(None, &file).unwrap();
        assert_eq!((ring.count(), ring.fingerprint()), (2, added.clone()));
        assert!(ring.holds(&first.fingerprint()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(retire_keys(&file, "not a key").is_err());
        assert_eq!(retire_keys(&file, &added).unwrap(), 1);
        let left = Keys::load(None, &file).unwrap();
        assert_eq!((left.count(), left.fingerprint()), (1, added));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keys_are_written_one_per_line_or_comma_separated() {
        let (a, b) = (hex(&[1; 32]), hex(&[2; 32]));
        assert_eq!(
            parse_masters(&format!("# keys\n{a}\n\n{b} # old\n")),
            Some(vec![[1; 32], [2; 32]])
        );
        assert_eq!(
            parse_masters(&format!("{a},{b}")),
            Some(vec![[1; 32], [2; 32]])
        );
        assert_eq!(parse_masters(&format!("{a},zz")), None);
        assert_eq!(parse_masters("# none\n"), None);
        assert_eq!(parse_masters(&a[..62]), None);
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
