//! The `dangjian` command line.
use crate::config::{Config, Overrides};
use crate::crypto::{hash_password, one_time_password};
use crate::domain::policy::Role;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::startup;
use crate::store::{audit, sessions, users};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// 党建云 Dangjian Cloud: a self-hosted smart party-building platform.
///
/// Settings come from defaults, a TOML file (--config, DANGJIAN_CONFIG or DATA/dangjian.toml),
/// DANGJIAN_* environment variables (DANGJIAN_DATA, DANGJIAN_DATABASE_URL, DANGJIAN_BIND and
/// the rest in the README), then these options.
#[derive(Parser, Debug)]
#[command(name = "dangjian", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; every command takes these.
#[derive(Args, Debug)]
struct Common {
    /// Data folder: SQLite file, key file, uploaded files [default: ./data; env DANGJIAN_DATA]
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// postgres://… for PostgreSQL [default: DATA/dangjian.db; env DANGJIAN_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// A TOML settings file [env DANGJIAN_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the platform (applies pending migrations first).
    Serve {
        /// Listen address [default: 127.0.0.1:8080; env DANGJIAN_BIND]
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Fill an empty database with a demo county, and serve it with --serve.
    Demo(DemoArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Give an account a one-time password (its sessions end).
    ResetPassword {
        #[arg(long)]
        phone: String,
        /// Also remove the account's second factor (a lost phone; it enrols again at sign-in)
        #[arg(long)]
        second_factor: bool,
    },
    /// Create an officer (三员) or the first county administrator, with a one-time password.
    CreateAdmin {
        #[arg(long, value_enum)]
        role: AdminRole,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
        /// The organization an `org` administrator administers [default: the county]
        #[arg(long, value_name = "ID")]
        org: Option<i64>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import the organization tree (orgs) or the member register (members) from a spreadsheet
    /// (.xlsx, .xls, or .csv in UTF-8 or GBK): every row is checked first, then all or nothing.
    Import {
        #[arg(value_enum)]
        what: ImportWhat,
        file: PathBuf,
        /// Only check the file and say what it would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the whole deployment (every table and every uploaded file) to one archive file
    /// while the server runs. The key is not in it: keep secret.key apart.
    #[command(visible_alias = "export-archive")]
    Backup {
        /// The archive to write (.zip); must not exist yet.
        file: PathBuf,
    },
    /// Load an archive made by `backup` into an empty deployment (a new data folder, or an
    /// empty PostgreSQL database) on either engine, with the same key; then check it.
    #[command(visible_alias = "import-archive")]
    Restore {
        /// The archive to load.
        file: PathBuf,
    },
    /// Seal every stored secret again with a new key or other algorithms while the server
    /// runs, in batches; run again after an interruption to go on.
    RotateKeys(RotateArgs),
}

#[derive(Args, Debug)]
struct RotateArgs {
    /// Put a new random key first in the key file and write with it (the old key stays, to
    /// be read, until --retire-old)
    #[arg(long)]
    new_key: bool,
    /// The algorithms to write with [default: the configured ones, DANGJIAN_CRYPTO]
    #[arg(long, value_enum)]
    algorithms: Option<AlgorithmsArg>,
    /// Rows sealed again per transaction
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    batch: i64,
    /// After a finished rotation: remove the keys other than the writing one from the key
    /// file (backups made before then need the old key to be restored)
    #[arg(long, conflicts_with_all = ["new_key", "algorithms"])]
    retire_old: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum AlgorithmsArg {
    /// 国密: SM4-GCM, HMAC-SM3, SM3
    National,
    /// AES-256-GCM, HMAC-SHA-256, SHA-256
    International,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Seed of the generator: the same seed makes the same county.
    #[arg(long, default_value_t = 2019)]
    seed: u64,
    /// Months of organizational life to generate.
    #[arg(long, default_value_t = 12)]
    months: u32,
    /// Days of members studying to generate.
    #[arg(long, default_value_t = 60)]
    study_days: u32,
    /// Serve the demo once it is filled (or at once, when it already is).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, action = ArgAction::Set)]
    serve: bool,
    /// Listen address when serving [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain kept in the database (from the last archive on) and name the
    /// first broken link, if any.
    Verify,
    /// Check an audit archive (DATA/audit-archives/audit-….jsonl) against its signature and
    /// its own chain.
    VerifyArchive {
        /// The archive's .jsonl file (its .sig beside it).
        file: PathBuf,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ImportWhat {
    /// 组织架构: name, code, type, category, parent
    Orgs,
    /// 党员名册: the member register, with each member's branch
    Members,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum AdminRole {
    /// 系统管理员: accounts
    System,
    /// 安全管理员: role grants, security settings
    Security,
    /// 审计管理员: the audit log
    Audit,
    /// 组织管理员 of an organization's subtree
    Org,
}

impl AdminRole {
    fn role(self) -> Role {
        match self {
            AdminRole::System => Role::SystemAdmin,
            AdminRole::Security => Role::SecurityAdmin,
            AdminRole::Audit => Role::AuditAdmin,
            AdminRole::Org => Role::OrgAdmin,
        }
    }
}

impl Common {
    fn config(&self, bind: Option<String>) -> AppResult<Config> {
        Config::load(Overrides {
            config_file: self.config.clone(),
            bind,
            data_dir: self.data.clone(),
            database_url: self.database.clone(),
        })
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DANGJIAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error")),
        )
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> AppResult<()> {
    let common = &cli.common;
    match cli.command {
        Command::Serve { bind } => serve(common.config(bind)?).await,
        Command::Demo(args) => demo(common.config(args.bind.clone())?, &args).await,
        Command::Migrate => {
            startup::open(&common.config(None)?).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::ResetPassword {
            phone,
            second_factor,
        } => reset_password(&common.config(None)?, &phone, second_factor).await,
        Command::CreateAdmin {
            role,
            phone,
            name,
            org,
        } => create_admin(&common.config(None)?, role.role(), &phone, &name, org).await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let (db, _) = startup::open(&common.config(None)?).await?;
            match audit::verify(&db).await? {
                audit::Chain::Intact(n) => {
                    println!("audit chain intact: {n} entries");
                    Ok(())
                }
                audit::Chain::Broken(link) => {
                    Err(AppError::Conflict(format!("audit chain broken: {link}")))
                }
            }
        }
        Command::Audit {
            command: AuditCommand::VerifyArchive { file },
        } => {
            let config = common.config(None)?;
            let keys = crate::crypto::Keys::load(config.secret_key.as_deref(), &config.key_path())?;
            println!("{}", crate::audit_retention::verify_file(&keys, &file)?);
            Ok(())
        }
        Command::Import {
            what,
            file,
            dry_run,
        } => import(&common.config(None)?, what, &file, dry_run).await,
        Command::Backup { file } => backup(&common.config(None)?, &file).await,
        Command::Restore { file } => restore(&common.config(None)?, &file).await,
        Command::RotateKeys(args) => rotate_keys(&common.config(None)?, &args).await,
    }
}

async fn rotate_keys(config: &Config, args: &RotateArgs) -> AppResult<()> {
    let mut say = |line: String| println!("{line}");
    if args.retire_old {
        let retired = crate::rotation::retire(config, &mut say).await?;
        println!(
            "{retired} old keys removed from {}",
            config.key_path().display()
        );
        return Ok(());
    }
    let options = crate::rotation::Options {
        new_key: args.new_key,
        algorithms: args.algorithms.map(|a| match a {
            AlgorithmsArg::National => crate::crypto::Algorithms::National,
            AlgorithmsArg::International => crate::crypto::Algorithms::International,
        }),
        batch: args.batch,
        stop_after: None,
    };
    let outcome = crate::rotation::rotate(config, &options, &mut say).await?;
    if !outcome.finished {
        return Err(AppError::Conflict(format!(
            "{} values open with no key of the ring: put the missing key in the key file and \
             run rotate-keys again",
            outcome.unreadable
        )));
    }
    println!(
        "every value is sealed with key {}: {} rows sealed again, {} votes moved. \
         The old keys are still read; remove them with rotate-keys --retire-old",
        outcome.fingerprint, outcome.resealed, outcome.votes
    );
    Ok(())
}

async fn serve(config: Config) -> AppResult<()> {
    let server = startup::Server::build(config.clone()).await?;
    if let Some(pw) = startup::bootstrap(&server.state.db, &server.state.keys).await? {
        println!(
            "首次启动：已创建系统管理员账号。\n  手机号: {}\n  一次性密码: {pw}\n  首次登录须修改密码。",
            startup::BOOTSTRAP_ADMIN_PHONE
        );
    }
    tracing::info!(
        addr = %server.addr(),
        database = %crate::store::engine::redact_url(&config.database_url()),
        "党建云 listening"
    );
    println!("党建云 listening on http://{}", server.addr());
    Ok(server.run().await?)
}

/// Fills the demo county (nothing listens meanwhile), then serves it when asked.
async fn demo(config: Config, args: &DemoArgs) -> AppResult<()> {
    let (db, keys) = startup::open(&config).await?;
    if args.serve && !crate::demo::is_empty(&db).await? {
        // Serving an already filled demo is fine: run the command again after a stop.
        println!("演示数据已存在，直接启动。");
    } else {
        let files = crate::files::Storage::for_config(&config);
        let started = std::time::Instant::now();
        let built =
            crate::demo::build(&db, &keys, &files, args.seed, args.months, args.study_days).await?;
        println!("{}", built.summary);
        println!(
            "演示数据已生成（用时 {:.1} 秒）",
            started.elapsed().as_secs_f64()
        );
    }
    drop(db);
    if args.serve {
        let server = startup::Server::build(config).await?;
        println!("党建云 listening on http://{}", server.addr());
        server.run().await?;
    }
    Ok(())
}

async fn reset_password(config: &Config, phone: &str, second_factor: bool) -> AppResult<()> {
    let phone = text::phone(phone).map_err(|m| AppError::BadRequest(m.into()))?;
    let (db, keys) = startup::open(config).await?;
    let user = users::by_phone(&db, &keys, &phone)
        .await?
        .ok_or_else(|| AppError::BadRequest("no account uses that phone number".into()))?;
    let password = one_time_password();
    let hash = hash_password(&password);
    let mut tx = db.begin().await?;
    users::set_password(tx.conn(), user.id, &hash, true).await?;
    sessions::delete_all_for(tx.conn(), user.id).await?;
    if second_factor {
        crate::store::second_factor::remove(tx.conn(), user.id).await?;
    }
    let target = format!("账号 {} {}", user.id, user.name);
    let action = if second_factor {
        "重置密码和动态口令"
    } else {
        "重置密码"
    };
    audit::append(
        tx.conn(),
        &audit::Actor::console(),
        action,
        &target,
        audit::OK,
        "命令行",
    )
    .await?;
    tx.commit().await?;
    println!("{} 的一次性密码: {password}（登录后须修改）", user.name);
    Ok(())
}

async fn create_admin(
    config: &Config,
    role: Role,
    phone: &str,
    name: &str,
    org: Option<i64>,
) -> AppResult<()> {
    let bad = AppError::BadRequest;
    let phone = text::phone(phone).map_err(|m| bad(m.into()))?;
    let name = text::required(name, text::PERSON_NAME_MAX_CHARS).map_err(bad)?;
    let (db, keys) = startup::open(config).await?;
    let org = match (role, org) {
        (Role::OrgAdmin, Some(id)) => Some(crate::store::orgs::get(&db, id).await?),
        (Role::OrgAdmin, None) => crate::store::orgs::root(&db).await?,
        _ => None,
    };
    let kind = org.as_ref().map(|o| o.kind());
    crate::domain::policy::check_grant(role, false, &[], kind).map_err(|m| bad(m.into()))?;
    let password = one_time_password();
    let hash = hash_password(&password);
    let mut tx = db.begin().await?;
    let account = users::NewUser {
        name: &name,
        phone: &phone,
        password_hash: &hash,
        member_id: None,
        must_change_password: true,
    };
    let id = users::create(tx.conn(), &keys, &account).await?;
    users::add_grant(tx.conn(), id, role, org.as_ref().map(|o| o.id), None).await?;
    let target = format!("账号 {id} {name}");
    audit::append(
        tx.conn(),
        &audit::Actor::console(),
        "创建管理员",
        &target,
        audit::OK,
        role.label(),
    )
    .await?;
    tx.commit().await?;
    println!(
        "已创建{}：{name}，手机号 {phone}，一次性密码 {password}（登录后须修改）",
        role.label()
    );
    Ok(())
}

async fn import(config: &Config, what: ImportWhat, file: &Path, dry_run: bool) -> AppResult<()> {
    use crate::roster::{Importer, Kind, apply, check};
    let kind = match what {
        ImportWhat::Orgs => Kind::Orgs,
        ImportWhat::Members => Kind::Members,
    };
    let bytes = std::fs::read(file)
        .map_err(|e| AppError::BadRequest(format!("cannot read {}: {e}", file.display())))?;
    let (db, keys) = startup::open(config).await?;
    let started = std::time::Instant::now();
    let plan = match check(&db, &keys, kind, bytes, None).await? {
        Ok(plan) => plan,
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            return Err(AppError::BadRequest(format!(
                "{}有{}处问题，未导入任何数据",
                file.display(),
                problems.len()
            )));
        }
    };
    let t = plan.tally();
    println!(
        "{}：新建{}，更新{}，未变{}（核对用时 {:.1} 秒）",
        kind.label(),
        t.created,
        t.updated,
        t.unchanged,
        started.elapsed().as_secs_f64()
    );
    if dry_run || t.changes() == 0 {
        return Ok(());
    }
    let who = Importer {
        actor: audit::Actor::console(),
        user_id: 0,
    };
    let shown = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: usize, total: usize| {
        // A line at each tenth, so a long import shows it is moving.
        let tenth = done * 10 / total.max(1);
        if shown.fetch_max(tenth, std::sync::atomic::Ordering::Relaxed) < tenth {
            println!("已写入 {done}/{total}");
        }
    };
    apply(&db, &keys, &plan, &who, &progress).await?;
    println!(
        "导入完成（共用时 {:.1} 秒）",
        started.elapsed().as_secs_f64()
    );
    if kind == Kind::Members && t.created > 0 {
        println!("新党员的登录通知书（含一次性登录码）可在控制台的支部页面打印。");
    }
    Ok(())
}

async fn backup(config: &Config, file: &Path) -> AppResult<()> {
    let (db, keys) = startup::open(config).await?;
    let started = std::time::Instant::now();
    let files = config.data_dir.join("files");
    let m = crate::archive::write(&db, &keys, &files, file).await?;
    println!(
        "备份已写入 {}：{}张表 {}行，{}个文件 {:.1} MB（用时 {:.1} 秒）",
        file.display(),
        m.tables.len(),
        m.rows(),
        m.files.len(),
        m.file_bytes() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    println!(
        "身份证号和手机号在备份中是加密的，恢复时需要同一把密钥：{}（或 DANGJIAN_SECRET_KEY）。",
        config.key_path().display()
    );
    println!(
        "请把密钥与备份分开保存：只有备份没有密钥，读不出任何身份证号；两者放在一起，丢失备份即泄露名册。"
    );
    Ok(())
}

async fn restore(config: &Config, file: &Path) -> AppResult<()> {
    if config.secret_key.is_none() && !config.key_path().exists() {
        return Err(AppError::BadRequest(format!(
            "no key at {}: put the deployment's secret.key there (or set DANGJIAN_SECRET_KEY) before restoring",
            config.key_path().display()
        )));
    }
    let (db, keys) = startup::open(config).await?;
    let started = std::time::Instant::now();
    let files = config.data_dir.join("files");
    let m = crate::archive::restore(&db, &keys, &files, file).await?;
    println!(
        "已恢复 {}：{}张表 {}行，{}个文件，完整性检查通过（用时 {:.1} 秒）",
        file.display(),
        m.tables.len(),
        m.rows(),
        m.files.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_a_flag_and_still_takes_true() {
        for args in [
            &["dangjian", "demo", "--serve"][..],
            &["dangjian", "demo", "--serve", "true"],
            &[
                "dangjian", "--data", "/tmp/x", "demo", "--serve", "--months", "1",
            ],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            let Command::Demo(d) = cli.command else {
                panic!("demo")
            };
            assert!(d.serve, "{args:?}");
        }
        let cli = Cli::try_parse_from(["dangjian", "demo", "--study-days", "7"]).unwrap();
        let Command::Demo(d) = cli.command else {
            panic!("demo")
        };
        assert!(!d.serve);
        assert_eq!((d.months, d.study_days, d.seed), (12, 7, 2019));
    }

    #[test]
    fn options_go_before_or_after_the_command() {
        let cli = Cli::try_parse_from(["dangjian", "audit", "verify", "--data", "d"]).unwrap();
        assert_eq!(cli.common.data, Some(PathBuf::from("d")));
        assert!(Cli::try_parse_from(["dangjian", "create-admin", "--role", "king"]).is_err());
    }
}
