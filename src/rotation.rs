//! Key rotation while the platform serves: a new master key, or a move between the national
//! and international algorithms, or both. The database records the writing key and
//! algorithms first; every server takes them up within `key_check_every` (reading both
//! keys meanwhile); then every sealed value and lookup hash is sealed again in batches, each
//! its own transaction, so that a killed rotation run again goes on where it stopped.
use crate::config::Config;
use crate::crypto::{self, Algorithms, Keys};
use crate::error::{AppError, AppResult};
use crate::store::{self, Db, audit, settings};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Options {
    /// Put a new random key first in the key file and write with it.
    pub new_key: bool,
    /// The algorithms to write with [default: the configured ones].
    pub algorithms: Option<Algorithms>,
    /// Rows sealed again per transaction.
    pub batch: i64,
    /// Stop after this many batches, as a kill would (the tests' way to try resuming).
    pub stop_after: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            new_key: false,
            algorithms: None,
            batch: 500,
            stop_after: None,
        }
    }
}

/// What a rotation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub fingerprint: String,
    pub algorithms: Option<Algorithms>,
    /// Rows whose values were sealed again (or their lookup hashes made anew).
    pub resealed: u64,
    /// Evaluation votes moved to the new voter keys.
    pub votes: u64,
    /// Values no key opens: a key missing from the ring.
    pub unreadable: u64,
    /// Whether every value is now the writing key's (false: stopped early).
    pub finished: bool,
}

/// How long the command waits for running servers to take up the new writing key.
pub fn settling_time(config: &Config) -> Duration {
    config.key_check_every * 2 + Duration::from_secs(1)
}

/// Rotates to the first key of the ring (after `--new-key`, the new one) and the chosen
/// algorithms, then seals everything again; `say` is told the progress.
pub async fn rotate(
    config: &Config,
    options: &Options,
    say: &mut dyn FnMut(String),
) -> AppResult<Outcome> {
    if options.new_key {
        if config.secret_key.is_some() {
            return Err(AppError::Setup(
                "the key comes from DANGJIAN_SECRET_KEY: put a new key first in it (keeping the \
                 old one after a comma), restart the server, then run rotate-keys without --new-key"
                    .into(),
            ));
        }
        let fingerprint = crypto::add_key(&config.key_path())?;
        say(format!(
            "new key {fingerprint} added first to {}",
            config.key_path().display()
        ));
    }
    let target = Keys::load(config.secret_key.as_deref(), &config.key_path())?.fingerprint();
    let (db, keys) = crate::startup::open(config).await?;
    let algorithms = options.algorithms.unwrap_or(config.crypto);
    let changed = keys.fingerprint() != target || keys.algorithms() != algorithms;
    if changed {
        let mut tx = db.begin().await?;
        settings::record_writing_keys(tx.conn(), &target, algorithms).await?;
        let detail = format!(
            "写入密钥 {} → {target}，算法 {} → {}",
            keys.fingerprint(),
            keys.algorithms().code(),
            algorithms.code()
        );
        audit::append(
            tx.conn(),
            &audit::Actor::console(),
            "密钥轮换",
            "数据库",
            audit::OK,
            &detail,
        )
        .await?;
        tx.commit().await?;
        keys.adopt(&target, algorithms);
    }
    let wait = settling_time(config);
    say(format!(
        "writing with key {target} ({}); waiting {} s for running servers to take it up",
        algorithms.code(),
        wait.as_secs()
    ));
    tokio::time::sleep(wait).await;
    let mut outcome = reseal_all(&db, &keys, options, say).await?;
    outcome.fingerprint = target;
    outcome.algorithms = Some(algorithms);
    Ok(outcome)
}

/// Passes over every sealed table until one changes nothing (a server that wrote with the
/// old key just before it took up the new one is caught by the next pass).
async fn reseal_all(
    db: &Db,
    keys: &Keys,
    options: &Options,
    say: &mut dyn FnMut(String),
) -> AppResult<Outcome> {
    let mut outcome = Outcome::default();
    let mut batches = 0;
    for _pass in 0..3 {
        let (mut resealed, mut unreadable) = (0, 0);
        for table in store::rotation::TABLES {
            let mut after = 0;
            loop {
                if options.stop_after.is_some_and(|n| batches >= n) {
                    return Ok(outcome);
                }
                batches += 1;
                let batch = store::rotation::reseal(db, keys, table, after, options.batch).await?;
                resealed += batch.resealed;
                unreadable += batch.unreadable;
                outcome.resealed += batch.resealed;
                match batch.last_id {
                    Some(last) => after = last,
                    None => break,
                }
            }
            say(format!("{}: done", table.0));
        }
        let mut votes = 0;
        for id in store::appraisals::ids(db).await? {
            votes += store::appraisals::rekey_votes(db, keys, id).await?;
        }
        outcome.votes += votes;
        outcome.unreadable = unreadable;
        say(format!(
            "pass: {resealed} rows sealed again, {votes} votes moved, {unreadable} values unreadable"
        ));
        if resealed == 0 && votes == 0 {
            outcome.finished = unreadable == 0;
            return Ok(outcome);
        }
    }
    Ok(outcome)
}

/// After a finished rotation: leaves only the writing key in the key file. Refused while
/// any value still needs another key.
pub async fn retire(config: &Config, say: &mut dyn FnMut(String)) -> AppResult<usize> {
    if config.secret_key.is_some() {
        return Err(AppError::Setup(
            "the keys come from DANGJIAN_SECRET_KEY: leave only the first one there and restart"
                .into(),
        ));
    }
    let (db, keys) = crate::startup::open(config).await?;
    let check = reseal_all(&db, &keys, &Options::default(), say).await?;
    if !check.finished {
        return Err(AppError::Setup(format!(
            "not every value is sealed with the writing key yet ({} open with no key of the \
             ring): run rotate-keys again first",
            check.unreadable
        )));
    }
    let retired = crypto::retire_keys(&config.key_path(), &keys.fingerprint())?;
    let mut tx = db.begin().await?;
    let detail = format!(
        "保留写入密钥 {}，移除 {retired} 个旧密钥",
        keys.fingerprint()
    );
    audit::append(
        tx.conn(),
        &audit::Actor::console(),
        "退役旧密钥",
        "密钥文件",
        audit::OK,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(retired)
}

/// Keeps a serving process's keys on the database's writing key: a rotation run elsewhere
/// names a new one (re-reading the key file when the ring lacks it).
pub async fn follow(db: Db, keys: Keys, config: Config) {
    let mut tick = tokio::time::interval(config.key_check_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = follow_once(&db, &keys, &config).await {
            tracing::warn!(error = %e, "checking the writing key failed");
        }
    }
}

async fn follow_once(db: &Db, keys: &Keys, config: &Config) -> AppResult<()> {
    let (Some(fingerprint), Some(algorithms)) = settings::writing_keys(db).await? else {
        return Ok(());
    };
    if fingerprint == keys.fingerprint() && algorithms == keys.algorithms() {
        return Ok(());
    }
    if !keys.holds(&fingerprint) {
        keys.take_keys_of(&Keys::load(
            config.secret_key.as_deref(),
            &config.key_path(),
        )?);
    }
    if keys.adopt(&fingerprint, algorithms) {
        tracing::info!(%fingerprint, algorithms = algorithms.code(), "writing with a rotated key");
    } else {
        tracing::error!(%fingerprint, "the database names a writing key the key file lacks");
    }
    Ok(())
}
