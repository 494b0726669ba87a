//! The database layer: one schema and one set of queries for SQLite and PostgreSQL.
//! What differs between the engines lives in `engine`.
pub mod archive;
pub mod arena;
pub mod articles;
pub mod audit;
pub mod badges;
pub mod daily;
pub mod dashboard;
pub mod engine;
pub mod experiences;
pub mod followups;
pub mod history;
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
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod shop;
pub mod showcase;
pub mod supervision;
pub mod users;

use crate::error::AppError;
pub use engine::Engine;
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    /// SQLite allows one writer; queueing writers here avoids busy errors on lock upgrade.
    write_gate: Arc<Mutex<()>>,
}

/// A write transaction. On SQLite it also holds the process's write gate.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<(), AppError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self, AppError> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        if engine == Engine::Sqlite {
            engine::ensure_sqlite_dir(url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(engine.pool_size())
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

    pub async fn begin(&self) -> Result<WriteTx, AppError> {
        let gate = match self.engine {
            Engine::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Engine::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// A read-only transaction whose statements all see the same committed data.
    pub async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, AppError> {
        let mut tx = self.pool.begin().await?;
        if let Some(sql) = self.engine.snapshot_sql() {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    /// After a bulk load: see `Engine::statistics_sql`.
    pub async fn refresh_statistics(&self) -> Result<(), AppError> {
        if let Some(sql) = self.engine.statistics_sql() {
            sqlx::query(sql).execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
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
