//! Settings from defaults, then a TOML file, then `DANGJIAN_*` variables, then flags.
use crate::error::{AppError, AppResult};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How many pieces of CPU-heavy work (password hashes, exports, documents) run at once: all
/// cores but one, so that a rush of them queues instead of starving every page of CPU.
pub fn heavy_work_at_once() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(1).max(1)
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; `None` means `DATA/dangjian.db`.
    pub database_url: Option<String>,
    /// Mark cookies `Secure` (set when served over TLS behind a proxy).
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` / `-Proto` are believed (the audit log's
    /// client address, the Secure cookie and HSTS depend on them); none by default.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Hex master key; when absent, the key file is used (created at first start).
    pub secret_key: Option<String>,
    pub key_file: Option<PathBuf>,
    /// Where the daily backup writes its archives; none: no daily backup.
    pub backup_dir: Option<PathBuf>,
    /// How many daily archives to keep (the oldest go first).
    pub backup_keep: usize,
    /// Whether every administrator and officer must sign in with a second factor (等保
    /// level 3); on unless the county turns it off.
    pub second_factor_required: bool,
    /// The algorithms a new database encrypts and MACs with (national: SM4/SM3 by default);
    /// a database keeps the ones it began with until `dangjian rotate-keys` moves it.
    pub crypto: crate::crypto::Algorithms,
    /// How often a server looks whether a key rotation has named a new writing key.
    pub key_check_every: std::time::Duration,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data: Option<PathBuf>,
    database: Option<String>,
    secure_cookies: Option<bool>,
    /// `true`: the proxy on this machine (loopback), as `trusted_proxies` did before it.
    trust_proxy: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    secret_key: Option<String>,
    key_file: Option<PathBuf>,
    backup_dir: Option<PathBuf>,
    backup_keep: Option<usize>,
    second_factor_required: Option<bool>,
    crypto: Option<String>,
}

/// Flags given on the command line; each overrides the rest.
#[derive(Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            second_factor_required: true,
            crypto: crate::crypto::Algorithms::National,
            key_check_every: std::time::Duration::from_secs(5),
            secret_key: None,
            key_file: None,
            backup_dir: None,
            backup_keep: 7,
        }
    }
}

impl Config {
    pub fn load(flags: Overrides) -> AppResult<Self> {
        let mut c = Config::default();
        let env = |k: &str| {
            std::env::var(format!("DANGJIAN_{k}"))
                .ok()
                .filter(|v| !v.is_empty())
        };
        let file = flags
            .config_file
            .clone()
            .or_else(|| env("CONFIG").map(PathBuf::from));
        let default_file = flags
            .data_dir
            .clone()
            .or_else(|| env("DATA").map(PathBuf::from))
            .unwrap_or_else(|| c.data_dir.clone())
            .join("dangjian.toml");
        let file = match file {
            Some(f) => Some(f),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| AppError::Setup(format!("cannot read {}: {e}", path.display())))?;
            let f: FileConfig = toml::from_str(&text)
                .map_err(|e| AppError::Setup(format!("{}: {e}", path.display())))?;
            c.apply_file(f)?;
        }
        let flag = |k: &str| -> AppResult<Option<bool>> {
            env(k)
                .map(|v| match v.as_str() {
                    "1" | "true" | "yes" => Ok(true),
                    "0" | "false" | "no" => Ok(false),
                    _ => Err(AppError::Setup(format!(
                        "DANGJIAN_{k} must be true or false"
                    ))),
                })
                .transpose()
        };
        c.apply_file(FileConfig {
            bind: env("BIND"),
            data: env("DATA").map(PathBuf::from),
            database: env("DATABASE_URL"),
            secure_cookies: flag("SECURE_COOKIES")?,
            trust_proxy: flag("TRUST_PROXY")?,
            second_factor_required: flag("SECOND_FACTOR_REQUIRED")?,
            crypto: env("CRYPTO"),
            trusted_proxies: env("TRUSTED_PROXIES").map(|v| vec![v]),
            secret_key: env("SECRET_KEY"),
            key_file: env("KEY_FILE").map(PathBuf::from),
            backup_dir: env("BACKUP_DIR").map(PathBuf::from),
            backup_keep: env("BACKUP_KEEP")
                .map(|v| match v.parse() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(AppError::Setup(
                        "DANGJIAN_BACKUP_KEEP must be a whole number above 0".into(),
                    )),
                })
                .transpose()?,
        })?;
        if let Some(b) = flags.bind {
            c.bind = b;
        }
        if let Some(d) = flags.data_dir {
            c.data_dir = d;
        }
        if let Some(u) = flags.database_url {
            c.database_url = Some(u);
        }
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) -> AppResult<()> {
        if let Some(v) = f.bind {
            self.bind = v;
        }
        if let Some(v) = f.data {
            self.data_dir = v;
        }
        if let Some(v) = f.database {
            self.database_url = Some(v);
        }
        if let Some(v) = f.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = f.trust_proxy {
            self.trusted_proxies = if v {
                crate::domain::proxy::loopback()
            } else {
                Vec::new()
            };
        }
        if let Some(v) = f.trusted_proxies {
            self.trusted_proxies = crate::domain::proxy::parse_networks(&v)
                .map_err(|e| AppError::Setup(format!("trusted_proxies: {e}")))?;
        }
        if let Some(v) = f.secret_key {
            self.secret_key = Some(v);
        }
        if let Some(v) = f.key_file {
            self.key_file = Some(v);
        }
        if let Some(v) = f.backup_dir {
            self.backup_dir = Some(v);
        }
        if let Some(v) = f.backup_keep {
            self.backup_keep = v.max(1);
        }
        if let Some(v) = f.second_factor_required {
            self.second_factor_required = v;
        }
        if let Some(v) = f.crypto {
            self.crypto = crate::crypto::Algorithms::from_code(&v).ok_or_else(|| {
                AppError::Setup(
                    "crypto must be national (SM4/SM3) or international (AES/SHA-256)".into(),
                )
            })?;
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("dangjian.db").display()
            ),
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}
