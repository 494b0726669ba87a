//! Building the application: keys, database, migrations, first-start bootstrap, listener.
use crate::config::Config;
use crate::crypto::{Keys, hash_password, one_time_password};
use crate::domain::org::{OrgCategory, OrgType};
use crate::error::{AppError, AppResult};
use crate::http::{self, AppState};
use crate::store::{Db, audit, orgs, schema, settings, users};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Opens the database and applies pending migrations (the command line's maintenance: a
/// backup of a damaged database may still save what it can).
pub async fn open(config: &Config) -> AppResult<(Db, Keys)> {
    open_with(config, false).await
}

/// Opens the database, first checking its files when it is to be `served`: a damaged
/// database is refused before anything reads or writes it.
async fn open_with(config: &Config, served: bool) -> AppResult<(Db, Keys)> {
    let keys = Keys::load(config.secret_key.as_deref(), &config.key_path())?;
    let db = Db::connect(&config.database_url()).await?;
    if served && let Some(report) = crate::store::archive::integrity(&db, true).await? {
        return Err(AppError::Setup(format!(
            "the database failed its integrity check and is not served: {report}. \
             Restore the last backup into a new data folder (dangjian restore FILE)."
        )));
    }
    schema::migrate(&db).await?;
    settings::settle_keys(&db, &keys, config.crypto).await?;
    Ok((db, keys))
}

/// The system administrator's login on a fresh installation.
pub const BOOTSTRAP_ADMIN_PHONE: &str = "10000000000";

/// On a database without accounts: the 系统管理员 with a one-time password, and the root
/// organization for the county administrators to rename. Returns the password to print.
pub async fn bootstrap(db: &Db, keys: &Keys) -> AppResult<Option<String>> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let password = one_time_password();
    let hash = hash_password(&password);
    let has_root = orgs::root(db).await?.is_some();
    let mut tx = db.begin().await?;
    let id = users::create(
        tx.conn(),
        keys,
        &users::NewUser {
            name: "系统管理员",
            phone: BOOTSTRAP_ADMIN_PHONE,
            password_hash: &hash,
            member_id: None,
            must_change_password: true,
        },
    )
    .await?;
    users::add_grant(
        tx.conn(),
        id,
        crate::domain::policy::Role::SystemAdmin,
        None,
        None,
    )
    .await?;
    if !has_root {
        let input = crate::domain::org::OrgRecord {
            name: "县委".into(),
            kind: OrgType::County,
            category: OrgCategory::Government,
            address: String::new(),
            sort_order: 0,
        };
        orgs::create(tx.conn(), None, &input, crate::domain::clock::now_epoch()).await?;
    }
    audit::append(
        tx.conn(),
        &audit::Actor::system(),
        "初始化",
        "系统管理员账号",
        audit::OK,
        "首次启动",
    )
    .await?;
    tx.commit().await?;
    Ok(Some(password))
}

pub struct Server {
    pub state: AppState,
    pub listener: TcpListener,
}

impl Server {
    pub async fn build(config: Config) -> AppResult<Self> {
        let (db, keys) = open_with(&config, true).await?;
        let security = settings::load_security(&db).await?;
        let listener = TcpListener::bind(&config.bind)
            .await
            .map_err(|e| AppError::Setup(format!("cannot listen on {}: {e}", config.bind)))?;
        Ok(Self {
            state: AppState::new(db, keys, config, security),
            listener,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub async fn run(self) -> std::io::Result<()> {
        let config = &self.state.config;
        let backups = config.backup_dir.clone().map(|dir| crate::jobs::Backups {
            dir,
            keep: config.backup_keep,
            files_root: config.data_dir.join("files"),
            keys: self.state.keys.clone(),
        });
        let audit = crate::jobs::AuditArchives {
            dir: crate::audit_retention::folder(&config.data_dir),
            keys: (*self.state.keys).clone(),
        };
        crate::jobs::spawn(self.state.db.clone(), backups, audit);
        tokio::spawn(crate::rotation::follow(
            self.state.db.clone(),
            (*self.state.keys).clone(),
            (**config).clone(),
        ));
        let (rankings, db) = (self.state.rankings.clone(), self.state.db.clone());
        tokio::spawn(async move {
            if let Err(e) = rankings.warm(&db).await {
                tracing::warn!(error = %e, "rankings warm-up failed");
            }
        });
        let app = http::router(self.state);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
