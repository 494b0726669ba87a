//! The database layer: one schema and one set of queries for SQLite and PostgreSQL.
//! What differs between the engines lives in `engine`.
pub mod appraisals;
pub mod archive;
pub mod arena;
pub mod articles;
pub mod audit;
pub mod badges;
pub mod care;
pub mod committees;
pub mod daily;
pub mod dashboard;
pub mod development;
pub mod dues;
pub mod engine;
pub mod experiences;
pub mod flows;
pub mod followups;
pub mod history;
pub mod honours;
pub mod jobs;
pub mod meetings;
pub mod members;
pub mod notifications;
pub mod orgs;
pub mod photos;
pub mod points;
pub mod posts;
pub mod projects;
pub mod reports;
pub mod requirements;
pub mod review;
pub mod roster;
pub mod rotation;
pub mod schema;
pub mod second_factor;
pub mod sessions;
pub mod settings;
pub mod shop;
pub mod showcase;
pub mod supervision;
pub mod todo;
pub mod transfers;
pub mod users;

use crate::error::AppError;
pub use engine::Engine;

/// `column IN ('…', …)` for the lookup hashes a value may be stored under (`Keys::
/// lookup_hashes`: more than one while a key rotation is under way). Hex only, so quoting
/// them is safe.
pub fn hash_in(column: &str, hashes: &[String]) -> String {
    assert!(
        hashes
            .iter()
            .all(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit())),
        "lookup hashes are hex"
    );
    let quoted: Vec<String> = hashes.iter().map(|h| format!("'{h}'")).collect();
    format!("{column} IN ({})", quoted.join(", "))
}
use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a request waits for a connection (or SQLite's write turn) before it is told the
/// system is busy (503): never the pool's 30 s default, which froze every page behind it.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

tokio::task_local! {
    /// Connections the current request holds (see `Db::scoped`).
    static HELD: Cell<u32>;
}

/// Counts a held connection in its request for as long as it lives.
struct Hold;

impl Hold {
    fn new() -> Self {
        let _ = HELD.try_with(|n| n.set(n.get() + 1));
        Hold
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let _ = HELD.try_with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// A request that holds a connection and asks the pool for another waits for itself as soon
/// as concurrent requests outnumber the pool: all of them hold one and wait for a second.
/// Tests (debug builds) fail at the first such request, whatever the load; a release build
/// logs it.
fn check_none_held(asking: &str) {
    if HELD.try_with(|n| n.get()).unwrap_or(0) == 0 {
        return;
    }
    let why = format!(
        "{asking} while this request already holds a database connection: pass that \
         connection (or transaction) down instead of the Db"
    );
    if cfg!(debug_assertions) {
        panic!("{why}");
    }
    tracing::error!("{why}");
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    pub engine: Engine,
    /// SQLite allows one writer; queueing writers here avoids busy errors on lock upgrade.
    write_gate: Arc<Mutex<()>>,
}

/// A write transaction. On SQLite it also holds the process's write gate.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: Option<OwnedMutexGuard<()>>,
    _hold: Hold,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        COMMITTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Commits a transaction that only recorded a look (an audit entry of a read): the
    /// figures kept from the data (`committed_writes`) still hold.
    pub async fn commit_record_of_a_read(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Write transactions this process has committed: what a figure computed from many rows
/// checks to know it still holds (see `dues::counted_ledgers`).
static COMMITTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn committed_writes() -> u64 {
    COMMITTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// A read-only transaction: every statement sees the same committed data.
pub struct ReadTx {
    tx: Transaction<'static, Any>,
    _hold: Hold,
}

impl ReadTx {
    /// Ends the snapshot (dropping it does too, by rolling back).
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// One connection for several reads in a row (no transaction).
pub struct Conn {
    conn: PoolConnection<Any>,
    _hold: Hold,
}

macro_rules! derefs_to_connection {
    ($t:ty, $field:ident) => {
        impl Deref for $t {
            type Target = AnyConnection;
            fn deref(&self) -> &AnyConnection {
                &self.$field
            }
        }
        impl DerefMut for $t {
            fn deref_mut(&mut self) -> &mut AnyConnection {
                &mut self.$field
            }
        }
    };
}
derefs_to_connection!(WriteTx, tx);
derefs_to_connection!(ReadTx, tx);
derefs_to_connection!(Conn, conn);

impl Db {
    pub async fn connect(url: &str) -> Result<Self, AppError> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        if engine == Engine::Sqlite {
            engine::ensure_sqlite_dir(url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(engine.pool_size())
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    for pragma in engine.session_setup() {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(|e| AppError::Setup(format!("cannot open the database: {e}")))?;
        if engine == Engine::Sqlite {
            // Persistent for the file; not allowed inside a transaction, so done once here.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Self {
            pool,
            engine,
            write_gate: Arc::new(Mutex::new(())),
        })
    }

    /// Runs a request (or a job) so that holding one connection while asking for another is
    /// caught (see `check_none_held`).
    pub async fn scoped<F: std::future::Future>(work: F) -> F::Output {
        HELD.scope(Cell::new(0), work).await
    }

    /// The pool, for the store's one-statement reads and writes (and for tests and the
    /// bench). Nothing outside `store/` takes it: handlers go through the store's functions.
    pub fn pool(&self) -> &AnyPool {
        check_none_held("a query on the pool");
        &self.pool
    }

    pub async fn begin(&self) -> Result<WriteTx, AppError> {
        check_none_held("a write transaction");
        let gate = match self.engine {
            Engine::Sqlite => Some(
                tokio::time::timeout(ACQUIRE_TIMEOUT * 2, self.write_gate.clone().lock_owned())
                    .await
                    .map_err(|_| AppError::Busy)?,
            ),
            Engine::Postgres => None,
        };
        let tx = match self.engine.begin_write_sql() {
            Some(sql) => self.pool.begin_with(sql).await?,
            None => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _gate: gate,
            _hold: Hold::new(),
        })
    }

    /// A read-only transaction whose statements all see the same committed data.
    pub async fn begin_snapshot(&self) -> Result<ReadTx, AppError> {
        check_none_held("a read transaction");
        let mut tx = self.pool.begin().await?;
        if let Some(sql) = self.engine.snapshot_sql() {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        Ok(ReadTx {
            tx,
            _hold: Hold::new(),
        })
    }

    /// One connection for several reads that need not share a snapshot.
    pub async fn conn(&self) -> Result<Conn, AppError> {
        check_none_held("a connection");
        Ok(Conn {
            conn: self.pool.acquire().await?,
            _hold: Hold::new(),
        })
    }

    /// After a bulk load: see `Engine::statistics_sql`.
    pub async fn refresh_statistics(&self) -> Result<(), AppError> {
        if let Some(sql) = self.engine.statistics_sql() {
            sqlx::query(sql).execute(self.pool()).await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(self.pool()).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A statement on the `Any` driver, as `q!` builds it.
pub type Statement<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Takes a mark back when it is there, else makes it (a like, an 有用, a trust): whether it
/// is there now. `delete` and `insert` are the two statements on the same row.
pub async fn toggle(
    conn: &mut AnyConnection,
    delete: Statement<'_>,
    insert: Statement<'_>,
) -> crate::error::AppResult<bool> {
    if delete.execute(&mut *conn).await?.rows_affected() > 0 {
        return Ok(false);
    }
    insert.execute(conn).await?;
    Ok(true)
}

/// Binds a list of values to a query in order.
#[macro_export]
macro_rules! q {
    ($sql:expr $(, $arg:expr)* $(,)?) => {
        sqlx::query($sql)$(.bind($arg))*
    };
}
