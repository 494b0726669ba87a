//! Audit retention: entries older than the county's retention (never under 180 days) go to
//! an archive file beside the data — one JSON entry per line, and a `.sig` naming the
//! stretch of the chain, the chain's head when it was made and the file's MAC under the
//! deployment's key — written durably before the entries leave the database. The kept chain
//! goes on from the archive's last hash, so `audit verify` still walks it whole, and
//! `audit verify-archive FILE` checks an archive on its own.
use crate::crypto::{Algorithms, Keys, constant_time_eq, hex, unhex};
use crate::error::{AppError, AppResult};
use crate::store::{Db, audit, settings};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Entries per archive file.
pub const ENTRIES_PER_FILE: i64 = 50_000;

/// What the `.sig` beside an archive says.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signature {
    pub first_id: i64,
    pub last_id: i64,
    pub entries: usize,
    /// The hash of the archive's last entry: the kept chain goes on from it.
    pub last_hash: String,
    /// The chain's newest entry when the archive was made.
    pub head_id: i64,
    pub head_hash: String,
    /// The key's fingerprint and the MAC's algorithms.
    pub key: String,
    pub algorithms: String,
    /// MAC over the file and every field above.
    pub mac: String,
}

impl Signature {
    fn mac_of(&self, keys: &Keys, file: &[u8]) -> [u8; 32] {
        keys.mac(
            &self
                .parts(file)
                .iter()
                .map(Vec::as_slice)
                .collect::<Vec<_>>(),
        )
    }

    fn parts(&self, file: &[u8]) -> Vec<Vec<u8>> {
        let fields = [
            self.first_id.to_string(),
            self.last_id.to_string(),
            self.entries.to_string(),
            self.last_hash.clone(),
            self.head_id.to_string(),
            self.head_hash.clone(),
            self.key.clone(),
            self.algorithms.clone(),
        ];
        let mut parts = vec![b"audit archive".to_vec(), file.to_vec()];
        parts.extend(fields.into_iter().map(String::into_bytes));
        parts
    }
}

/// Where a deployment's audit archives go.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("audit-archives")
}

/// Archives and removes the entries older than the retention; the files written.
pub async fn archive_due(db: &Db, keys: &Keys, dir: &Path, now: i64) -> AppResult<Vec<PathBuf>> {
    let days = settings::load_security(db)
        .await?
        .audit_retention_days
        .max(settings::MIN_AUDIT_DAYS);
    let before = now - days * 86_400;
    let mut written = Vec::new();
    loop {
        let entries = audit::due_for_archive(db, before, ENTRIES_PER_FILE).await?;
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(written);
        };
        // Archiving a broken stretch would put the break out of sight.
        audit::verify_entries(&entries)
            .map_err(|b| AppError::Conflict(format!("审计链断裂，未归档：{}", b.chinese())))?;
        let name = format!("audit-{:010}-{:010}.jsonl", first.id, last.id);
        let mut body = Vec::new();
        for e in &entries {
            serde_json::to_writer(&mut body, e).map_err(|e| AppError::Internal(e.into()))?;
            body.push(b'\n');
        }
        let (head_id, head_hash) = audit::head(db).await?;
        let mut signature = Signature {
            first_id: first.id,
            last_id: last.id,
            entries: entries.len(),
            last_hash: last.hash.clone(),
            head_id,
            head_hash,
            key: keys.fingerprint(),
            algorithms: keys.algorithms().code().into(),
            mac: String::new(),
        };
        signature.mac = hex(&signature.mac_of(keys, &body));
        let sig =
            serde_json::to_vec_pretty(&signature).map_err(|e| AppError::Internal(e.into()))?;
        let path = dir.join(&name);
        let files = [(path.clone(), body), (path.with_extension("sig"), sig)];
        tokio::task::spawn_blocking(move || crate::files::write_durably(&files)).await??;
        let archived = audit::Archived {
            entries: &entries,
            file: &name,
            signature: &signature.mac,
        };
        audit::prune(db, &archived, now).await?;
        written.push(path);
    }
}

/// Checks an archive against its `.sig`: the MAC under a key of the ring, and the chain
/// within. What it holds, in a line.
pub fn verify_file(keys: &Keys, path: &Path) -> AppResult<String> {
    let bad = |m: String| AppError::BadRequest(format!("{}: {m}", path.display()));
    let body = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let sig = std::fs::read(path.with_extension("sig")).map_err(|e| bad(e.to_string()))?;
    let signature: Signature = serde_json::from_slice(&sig).map_err(|e| bad(e.to_string()))?;
    let claimed = unhex(&signature.mac).unwrap_or_default();
    let parts = signature.parts(&body);
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    if !keys.any_mac(&parts, |mac| constant_time_eq(mac, &claimed)) {
        return Err(bad(
            "the signature does not match: altered, or signed with another key".into(),
        ));
    }
    let entries: Vec<audit::Entry> = body
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(serde_json::from_slice)
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    audit::verify_entries(&entries).map_err(|b| bad(b.to_string()))?;
    let ends = (
        entries.first().map(|e| e.id),
        entries.last().map(|e| &e.hash),
    );
    if entries.len() != signature.entries
        || ends != (Some(signature.first_id), Some(&signature.last_hash))
    {
        return Err(bad("the entries are not those the signature names".into()));
    }
    let algorithms = Algorithms::from_code(&signature.algorithms).map_or("?", |a| a.code());
    Ok(format!(
        "archive intact: entries {}–{} ({}), signed with key {} ({algorithms}) when the chain's head was entry {}",
        signature.first_id, signature.last_id, signature.entries, signature.key, signature.head_id
    ))
}
