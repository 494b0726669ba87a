//! A whole deployment as one file, for backups and for moving between SQLite and PostgreSQL.
//!
//! The archive is a zip file:
//! - `manifest.json`: format and versions, when it was made, a check value of the key it was
//!   made with (never the key itself), each table with its columns and row count, and each
//!   stored file with its size and SHA-256;
//! - `tables/<table>.jsonl`: one JSON array per row, the values in the manifest's column
//!   order (integers as numbers, text as strings, NULL as null);
//! - `files/<key>`: the uploaded files (photos, materials, attachments) as stored.
//!
//! The tables are read in one snapshot while the server runs; files are copied after it, so
//! every file a row points to is there (files are written before their rows and never
//! rewritten). ID and phone numbers stay encrypted: a restore needs the same key, which is
//! kept apart from the archive.
use crate::crypto::Keys;
use crate::error::{AppError, AppResult};
use crate::store::archive::{self as store, Table};
use crate::store::{Db, audit};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

pub const FORMAT: &str = "dangjian-archive";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    /// The last migration the tables were made by; a restore needs the same.
    pub schema_version: i64,
    /// The engine it was made from ("sqlite" or "postgres"); either restores it.
    pub engine: String,
    pub created_at: i64,
    pub key_check: String,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub table: Table,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
    pub fn file_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

fn schema_version() -> i64 {
    crate::store::schema::MIGRATIONS.len() as i64
}

/// What the writing thread is handed.
enum Piece {
    /// A table's lines begin.
    Table(String),
    Lines(Vec<u8>),
    /// The tables are done: add the files under this folder, then the manifest.
    Finish(PathBuf, Box<Manifest>),
}

/// Writes the archive of the deployment to `out` (which must not exist), while it runs.
pub async fn write(db: &Db, keys: &Keys, files_root: &Path, out: &Path) -> AppResult<Manifest> {
    if out.exists() {
        return Err(AppError::BadRequest(format!(
            "{} already exists",
            out.display()
        )));
    }
    let part = out.with_extension("part");
    let file = std::fs::File::create(&part)?;
    let (tx, rx) = mpsc::channel::<Piece>(16);
    let writer = tokio::task::spawn_blocking(move || write_zip(file, rx));
    let read = read_tables(db, keys, files_root, &tx).await;
    drop(tx);
    let written = writer.await?;
    let manifest = match (read, written) {
        (Ok(()), Ok(manifest)) => manifest,
        (Err(e), _) | (_, Err(e)) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    std::fs::rename(&part, out)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(manifest)
}

async fn read_tables(
    db: &Db,
    keys: &Keys,
    files_root: &Path,
    out: &mpsc::Sender<Piece>,
) -> AppResult<()> {
    let gone = || AppError::Setup("the archive writer stopped".into());
    let mut snapshot = db.begin_snapshot().await?;
    let tables = store::tables(&mut snapshot, db.engine).await?;
    let mut entries = Vec::with_capacity(tables.len());
    for table in tables {
        out.send(Piece::Table(table.name.clone()))
            .await
            .map_err(|_| gone())?;
        let mut lines = Vec::with_capacity(1 << 16);
        let sql = store::select_sql(&table);
        let mut rows = 0;
        {
            let mut read = std::pin::pin!(store::rows(&mut snapshot, &table, &sql));
            while let Some(values) = read.try_next().await? {
                serde_json::to_writer(&mut lines, &values).map_err(AppError::internal)?;
                lines.push(b'\n');
                rows += 1;
                if lines.len() >= 1 << 16 {
                    let full = std::mem::replace(&mut lines, Vec::with_capacity(1 << 16));
                    out.send(Piece::Lines(full)).await.map_err(|_| gone())?;
                }
            }
        }
        out.send(Piece::Lines(lines)).await.map_err(|_| gone())?;
        entries.push(TableEntry { table, rows });
    }
    drop(snapshot);
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: schema_version(),
        engine: match db.engine {
            crate::store::Engine::Sqlite => "sqlite",
            crate::store::Engine::Postgres => "postgres",
        }
        .into(),
        created_at: crate::domain::clock::now_epoch(),
        key_check: keys.fingerprint(),
        tables: entries,
        files: Vec::new(),
    };
    out.send(Piece::Finish(files_root.to_path_buf(), Box::new(manifest)))
        .await
        .map_err(|_| gone())
}

fn write_zip(file: std::fs::File, mut rx: mpsc::Receiver<Piece>) -> AppResult<Manifest> {
    use zip::write::SimpleFileOptions;
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    // Photos are compressed already.
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let zerr = |e: zip::result::ZipError| AppError::Setup(format!("cannot write the archive: {e}"));
    while let Some(piece) = rx.blocking_recv() {
        match piece {
            Piece::Table(name) => zip
                .start_file(format!("tables/{name}.jsonl"), deflated)
                .map_err(zerr)?,
            Piece::Lines(bytes) => zip.write_all(&bytes)?,
            Piece::Finish(root, mut manifest) => {
                for (key, path) in stored_files(&root)? {
                    zip.start_file(format!("files/{key}"), stored)
                        .map_err(zerr)?;
                    let mut source = std::fs::File::open(&path)?;
                    let mut hash = Sha256::new();
                    let mut buf = vec![0; 1 << 16];
                    let mut bytes = 0u64;
                    loop {
                        let n = source.read(&mut buf)?;
                        if n == 0 {
                            break;
                        }
                        hash.update(&buf[..n]);
                        zip.write_all(&buf[..n])?;
                        bytes += n as u64;
                    }
                    manifest.files.push(FileEntry {
                        key,
                        bytes,
                        sha256: crate::crypto::hex(&hash.finalize()),
                    });
                }
                zip.start_file("manifest.json", deflated).map_err(zerr)?;
                serde_json::to_writer_pretty(&mut zip, &manifest).map_err(AppError::internal)?;
                let out = zip.finish().map_err(zerr)?;
                out.into_inner()
                    .map_err(|e| AppError::Setup(format!("cannot write the archive: {e}")))?
                    .sync_all()?;
                return Ok(*manifest);
            }
        }
    }
    Err(AppError::Setup("the archive was not finished".into()))
}

/// The stored files under `root` as (key, path), in key order; a folder not made yet holds
/// none. Half-written files (`.part`) are not files yet.
fn stored_files(root: &Path) -> AppResult<Vec<(String, PathBuf)>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &key, out)?;
            } else if !name.ends_with(".part") {
                out.push((key, entry.path()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if root.exists() {
        walk(root, "", &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Reads an archive's manifest.
pub fn manifest(archive: &Path) -> AppResult<Manifest> {
    let mut zip = open_zip(archive)?;
    let entry = zip.by_name("manifest.json").map_err(|_| {
        AppError::BadRequest(format!("{} is not a 党建云 archive", archive.display()))
    })?;
    let manifest: Manifest = serde_json::from_reader(entry)
        .map_err(|e| AppError::BadRequest(format!("the archive's manifest is damaged: {e}")))?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(AppError::BadRequest(format!(
            "{} is not a 党建云 archive of format version {FORMAT_VERSION}",
            archive.display()
        )));
    }
    Ok(manifest)
}

fn open_zip(archive: &Path) -> AppResult<zip::ZipArchive<std::fs::File>> {
    let file = std::fs::File::open(archive)
        .map_err(|e| AppError::BadRequest(format!("cannot open {}: {e}", archive.display())))?;
    zip::ZipArchive::new(file)
        .map_err(|_| AppError::BadRequest(format!("{} is not a 党建云 archive", archive.display())))
}

/// Loads an archive into an empty deployment (migrated, nothing in it yet): the files first,
/// written durably and checked against the manifest, then every table in one transaction,
/// then the engine's integrity check and the audit chain.
pub async fn restore(
    db: &Db,
    keys: &Keys,
    files_root: &Path,
    archive: &Path,
) -> AppResult<Manifest> {
    let path = archive.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || manifest(&path)).await??;
    if manifest.schema_version != schema_version() {
        return Err(AppError::BadRequest(format!(
            "the archive was made by schema version {}, this release has {}: restore it with the \
             release that made it, then upgrade",
            manifest.schema_version,
            schema_version()
        )));
    }
    if !keys.holds(&manifest.key_check) {
        return Err(AppError::BadRequest(
            "the key (secret.key or DANGJIAN_SECRET_KEY) is not the one the archive was made \
             with: put the deployment's key in place before restoring"
                .into(),
        ));
    }
    {
        let mut conn = db.conn().await?;
        if !store::is_empty(&mut conn).await? {
            return Err(AppError::BadRequest(
                "the deployment already holds data: restore into a new data folder (or an empty \
                 PostgreSQL database) before serving it"
                    .into(),
            ));
        }
    }
    if !stored_files(files_root)?.is_empty() {
        return Err(AppError::BadRequest(format!(
            "{} already holds files: restore into a new data folder",
            files_root.display()
        )));
    }
    let started = std::time::Instant::now();
    restore_files(archive, files_root, &manifest.files).await?;
    let files = started.elapsed().as_secs_f64();
    tracing::info!(
        files = manifest.files.len(),
        seconds = files,
        "files restored"
    );
    restore_tables(db, archive, &manifest).await?;
    let tables = started.elapsed().as_secs_f64() - files;
    tracing::info!(rows = manifest.rows(), seconds = tables, "tables loaded");
    db.refresh_statistics().await?;
    if let Some(report) = store::integrity(db, false).await? {
        return Err(AppError::Setup(format!(
            "the restored database is damaged: {report}"
        )));
    }
    if let audit::Chain::Broken(link) = audit::verify(db).await? {
        return Err(AppError::Setup(format!(
            "the restored audit chain is broken: {link}"
        )));
    }
    Ok(manifest)
}

async fn restore_files(archive: &Path, root: &Path, files: &[FileEntry]) -> AppResult<()> {
    let storage = crate::files::Storage::local(root);
    let (tx, mut rx) = mpsc::channel::<AppResult<Vec<(String, Vec<u8>)>>>(2);
    let (path, files) = (archive.to_path_buf(), files.to_vec());
    let reader = tokio::task::spawn_blocking(move || {
        let send = |batch| tx.blocking_send(batch).is_ok();
        let mut zip = match open_zip(&path) {
            Ok(z) => z,
            Err(e) => return send(Err(e)),
        };
        let mut batch = Vec::new();
        let mut size = 0;
        for f in &files {
            let read = read_file(&mut zip, f);
            let Ok(bytes) = read else {
                return send(read.map(|_| Vec::new()));
            };
            size += bytes.len();
            batch.push((f.key.clone(), bytes));
            if size > 32 << 20 || batch.len() >= 200 {
                if !send(Ok(std::mem::take(&mut batch))) {
                    return false;
                }
                size = 0;
            }
        }
        send(Ok(batch))
    });
    while let Some(batch) = rx.recv().await {
        storage.put_all(batch?).await?;
    }
    reader.await?;
    Ok(())
}

fn read_file(zip: &mut zip::ZipArchive<std::fs::File>, f: &FileEntry) -> AppResult<Vec<u8>> {
    let damaged = || {
        AppError::BadRequest(format!(
            "the archive's file {} is missing or damaged",
            f.key
        ))
    };
    let mut entry = zip
        .by_name(&format!("files/{}", f.key))
        .map_err(|_| damaged())?;
    let mut bytes = Vec::with_capacity(f.bytes as usize);
    entry.read_to_end(&mut bytes).map_err(|_| damaged())?;
    let sha = crate::crypto::hex(&Sha256::digest(&bytes));
    if bytes.len() as u64 != f.bytes || sha != f.sha256 {
        return Err(damaged());
    }
    Ok(bytes)
}

/// Rows read from the archive in batches, for one table at a time.
type Batch = AppResult<(usize, Vec<Vec<Value>>)>;

async fn restore_tables(db: &Db, archive: &Path, manifest: &Manifest) -> AppResult<()> {
    let mut conn = db.begin().await?;
    let tables: Vec<Table> = manifest.tables.iter().map(|t| t.table.clone()).collect();
    let here = store::tables(conn.conn(), db.engine).await?;
    if here != tables {
        return Err(AppError::BadRequest(
            "the archive's tables do not match this deployment's schema".into(),
        ));
    }
    store::clear(conn.conn(), &here).await?;
    let (tx, mut rx) = mpsc::channel::<Batch>(4);
    let (path, names): (PathBuf, Vec<String>) = (
        archive.to_path_buf(),
        tables.iter().map(|t| t.name.clone()).collect(),
    );
    let reader = tokio::task::spawn_blocking(move || read_rows(&path, &names, &tx));
    while let Some(batch) = rx.recv().await {
        let (index, rows) = batch?;
        store::insert_rows(conn.conn(), &tables[index], &rows).await?;
    }
    reader.await?;
    for t in &manifest.tables {
        let n = store::count(conn.conn(), &t.table.name).await?;
        if n as u64 != t.rows {
            return Err(AppError::BadRequest(format!(
                "{} holds {n} rows after loading, the archive says {}",
                t.table.name, t.rows
            )));
        }
    }
    store::reset_ids(conn.conn(), db.engine, &tables).await?;
    conn.commit().await
}

fn read_rows(path: &Path, names: &[String], tx: &mpsc::Sender<Batch>) {
    let result = (|| -> AppResult<()> {
        let mut zip = open_zip(path)?;
        for (index, name) in names.iter().enumerate() {
            let entry = zip.by_name(&format!("tables/{name}.jsonl")).map_err(|_| {
                AppError::BadRequest(format!("the archive has no rows file for {name}"))
            })?;
            let mut batch = Vec::new();
            for line in BufReader::new(entry).lines() {
                let line = line?;
                let values: Vec<Value> = serde_json::from_str(&line).map_err(|e| {
                    AppError::BadRequest(format!("a row of {name} is damaged: {e}"))
                })?;
                batch.push(values);
                if batch.len() >= 2_000
                    && tx
                        .blocking_send(Ok((index, std::mem::take(&mut batch))))
                        .is_err()
                {
                    return Ok(());
                }
            }
            if !batch.is_empty() && tx.blocking_send(Ok((index, batch))).is_err() {
                return Ok(());
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = tx.blocking_send(Err(e));
    }
}

/// The daily backup's archive for a Shanghai day: `dangjian-2026-12-02.zip`.
pub fn daily_name(day: &str) -> String {
    format!("dangjian-{day}.zip")
}

/// Which daily archives go when only the newest `keep` stay (names sort by their day).
pub fn to_prune(mut names: Vec<String>, keep: usize) -> Vec<String> {
    names.retain(|n| n.starts_with("dangjian-") && n.ends_with(".zip"));
    names.sort();
    let remove = names.len().saturating_sub(keep);
    names.truncate(remove);
    names
}

/// The daily backup into `dir`, once a day per deployment after 02:00 in Shanghai; then the
/// archives beyond `keep` are removed, oldest first. The archive written, if any.
pub async fn daily(
    db: &Db,
    keys: &Keys,
    files_root: &Path,
    (dir, keep): (&Path, usize),
    now: i64,
) -> AppResult<Option<PathBuf>> {
    let local = crate::domain::clock::local(now);
    let day = crate::domain::clock::format_date(local.date());
    if local.hour() < 2 || !crate::store::jobs::claim(db, "backup", &day, now).await? {
        return Ok(None);
    }
    let out = dir.join(daily_name(&day));
    let done = async {
        std::fs::create_dir_all(dir)?;
        write(db, keys, files_root, &out).await?;
        let names: Vec<String> = std::fs::read_dir(dir)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        for old in to_prune(names, keep) {
            std::fs::remove_file(dir.join(old))?;
        }
        Ok::<u64, AppError>(std::fs::metadata(&out)?.len())
    }
    .await;
    let finished = crate::domain::clock::now_epoch();
    match done {
        Ok(size) => {
            let outcome = format!("已写入 {}（{}）", out.display(), size_label(size));
            crate::store::jobs::finish(db, "backup", &day, finished, &outcome, false).await?;
            Ok(Some(out))
        }
        Err(e) => {
            let outcome = format!("失败：{e}");
            crate::store::jobs::finish(db, "backup", &day, finished, &outcome, true).await?;
            Err(e)
        }
    }
}

/// "12.3 MB", "850 KB".
pub fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b => format!("{} KB", b.div_ceil(1024)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_daily_archives_go_and_other_files_stay() {
        let names = vec![
            daily_name("2026-12-01"),
            "notes.txt".to_string(),
            daily_name("2026-11-29"),
            daily_name("2026-12-02"),
            daily_name("2026-11-30"),
        ];
        assert_eq!(
            to_prune(names.clone(), 2),
            vec![daily_name("2026-11-29"), daily_name("2026-11-30")]
        );
        assert!(to_prune(names, 7).is_empty());
    }
}
