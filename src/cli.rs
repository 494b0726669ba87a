//! The `dangjian` command line.
use crate::config::{Config, Overrides};
use crate::crypto::{hash_password, one_time_password};
use crate::domain::policy::Role;
use crate::domain::text;
use crate::startup;
use crate::store::{Engine, audit, sessions, users};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "党建云 dangjian

Usage:
  dangjian serve   [--bind ADDR] [--data DIR] [--database URL] [--config FILE]
  dangjian demo    [--data DIR] [--database URL] [--seed N] [--months 12] [--study-days 60] [--serve true] [--bind ADDR]
  dangjian migrate [--data DIR] [--database URL]
  dangjian reset-password --phone PHONE
  dangjian create-admin --role system|security|audit|org --phone PHONE --name NAME [--org ID]
  dangjian audit verify
  dangjian backup FILE            (SQLite; for PostgreSQL use pg_dump)

Every command also takes --data, --database and --config. Settings can come from
DIR/dangjian.toml and DANGJIAN_* environment variables (see README).";

struct Args {
    command: Vec<String>,
    flags: Vec<(String, String)>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut command = Vec::new();
        let mut flags = Vec::new();
        let mut it = raw.peekable();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => (
                        name.to_string(),
                        it.next().ok_or_else(|| format!("--{name} needs a value"))?,
                    ),
                };
                flags.push((name, value));
            } else {
                command.push(a);
            }
        }
        Ok(Self { command, flags })
    }

    fn get(&self, name: &str) -> Option<String> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn require(&self, name: &str) -> Result<String, String> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn check_known(&self, known: &[&str]) -> Result<(), String> {
        for (n, _) in &self.flags {
            if !known.contains(&n.as_str()) {
                return Err(format!("unknown option --{n}"));
            }
        }
        Ok(())
    }

    fn config(&self) -> Result<Config, String> {
        Config::load(Overrides {
            config_file: self.get("config").map(PathBuf::from),
            bind: self.get("bind"),
            data_dir: self.get("data").map(PathBuf::from),
            database_url: self.get("database"),
        })
    }
}

pub fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.command.is_empty() || args.command[0] == "help" || args.get("help").is_some() {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
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
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

const COMMON: &[&str] = &["data", "database", "config"];

async fn run(args: Args) -> Result<(), String> {
    let cmd: Vec<&str> = args.command.iter().map(String::as_str).collect();
    let known = |extra: &[&str]| {
        let all: Vec<&str> = COMMON.iter().chain(extra).copied().collect();
        args.check_known(&all)
    };
    match cmd.as_slice() {
        ["serve"] => {
            known(&["bind"])?;
            let config = args.config()?;
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
            server.run().await.map_err(|e| e.to_string())
        }
        ["migrate"] => {
            known(&[])?;
            let config = args.config()?;
            let (_db, _) = startup::open(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        ["demo"] => {
            known(&["seed", "serve", "bind", "months", "study-days"])?;
            let months = match args.get("months") {
                Some(m) => m.parse().map_err(|_| "--months must be a number")?,
                None => 12,
            };
            let study_days = match args.get("study-days") {
                Some(d) => d.parse().map_err(|_| "--study-days must be a number")?,
                None => 60,
            };
            let seed = match args.get("seed") {
                Some(s) => s.parse().map_err(|_| "--seed must be a number")?,
                None => 2019,
            };
            let serve = match args.get("serve").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => return Err("--serve takes true or false".into()),
            };
            let config = args.config()?;
            let server = startup::Server::build(config).await?;
            match crate::demo::generate(&server.state.db, &server.state.keys, seed).await {
                Ok(summary) => {
                    println!("{summary}");
                    let questions = crate::demo::question_bank(&server.state.db).await?;
                    println!("每日一题题库：{questions} 道题；积分商城：4 件奖品");
                    let started = std::time::Instant::now();
                    let life =
                        crate::demo::orglife(&server.state.db, &server.state.files, seed, months)
                            .await?;
                    if !life.is_empty() {
                        println!(
                            "{}（用时 {:.1} 秒）",
                            life.trim_end(),
                            started.elapsed().as_secs_f64()
                        );
                    }
                    let started = std::time::Instant::now();
                    let study =
                        crate::demo::study(&server.state.db, &server.state.files, seed, study_days)
                            .await?;
                    println!(
                        "{}（用时 {:.1} 秒）",
                        study.trim_end(),
                        started.elapsed().as_secs_f64()
                    );
                }
                // Serving an already filled demo is fine: run the command again after a stop.
                Err(e) if serve && e.contains("already holds data") => {
                    println!("演示数据已存在，直接启动。");
                }
                Err(e) => return Err(e),
            }
            if serve {
                println!("党建云 listening on http://{}", server.addr());
                server.run().await.map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        ["reset-password"] => {
            known(&["phone"])?;
            let phone = text::phone(&args.require("phone")?).map_err(String::from)?;
            let (db, keys) = startup::open(&args.config()?).await?;
            let user = users::by_phone(&db, &keys, &phone)
                .await
                .map_err(|e| format!("{e:?}"))?
                .ok_or("no account uses that phone number")?;
            let password = one_time_password();
            let hash = hash_password(&password);
            let mut tx = db.begin().await.map_err(|e| format!("{e:?}"))?;
            users::set_password(tx.conn(), user.id, &hash, true)
                .await
                .map_err(|e| format!("{e:?}"))?;
            sessions::delete_all_for(tx.conn(), user.id)
                .await
                .map_err(|e| format!("{e:?}"))?;
            audit::append(
                tx.conn(),
                &cli_actor(),
                "重置密码",
                &format!("账号 {} {}", user.id, user.name),
                audit::OK,
                "命令行",
            )
            .await
            .map_err(|e| format!("{e:?}"))?;
            tx.commit().await.map_err(|e| format!("{e:?}"))?;
            println!("{} 的一次性密码: {password}（登录后须修改）", user.name);
            Ok(())
        }
        ["create-admin"] => {
            known(&["role", "phone", "name", "org"])?;
            let role = match args.require("role")?.as_str() {
                "system" => Role::SystemAdmin,
                "security" => Role::SecurityAdmin,
                "audit" => Role::AuditAdmin,
                "org" => Role::OrgAdmin,
                other => return Err(format!("unknown role {other}")),
            };
            let phone = text::phone(&args.require("phone")?).map_err(String::from)?;
            let name = text::required(&args.require("name")?, text::PERSON_NAME_MAX_CHARS)?;
            let (db, keys) = startup::open(&args.config()?).await?;
            let e = |e: crate::error::AppError| format!("{e:?}");
            let org = match (role, args.get("org")) {
                (Role::OrgAdmin, Some(id)) => {
                    let id: i64 = id.parse().map_err(|_| "--org must be a number")?;
                    Some(crate::store::orgs::get(&db, id).await.map_err(e)?)
                }
                (Role::OrgAdmin, None) => crate::store::orgs::root(&db).await.map_err(e)?,
                _ => None,
            };
            crate::domain::policy::check_grant(role, false, &[], org.as_ref().map(|o| o.kind()))?;
            let password = one_time_password();
            let hash = hash_password(&password);
            let mut tx = db.begin().await.map_err(e)?;
            let id = users::create(
                tx.conn(),
                &keys,
                &users::NewUser {
                    name: &name,
                    phone: &phone,
                    password_hash: &hash,
                    member_id: None,
                    must_change_password: true,
                },
            )
            .await
            .map_err(e)?;
            users::add_grant(tx.conn(), id, role, org.as_ref().map(|o| o.id), None)
                .await
                .map_err(e)?;
            audit::append(
                tx.conn(),
                &cli_actor(),
                "创建管理员",
                &format!("账号 {id} {name}"),
                audit::OK,
                role.label(),
            )
            .await
            .map_err(e)?;
            tx.commit().await.map_err(e)?;
            println!(
                "已创建{}：{name}，手机号 {phone}，一次性密码 {password}（登录后须修改）",
                role.label()
            );
            Ok(())
        }
        ["audit", "verify"] => {
            known(&[])?;
            let (db, _) = startup::open(&args.config()?).await?;
            let n = audit::verify(&db)
                .await
                .map_err(|e| format!("audit chain broken: {e}"))?;
            println!("audit chain intact: {n} entries");
            Ok(())
        }
        ["backup", file] => {
            known(&[])?;
            let (db, _) = startup::open(&args.config()?).await?;
            if db.engine != Engine::Sqlite {
                return Err("for PostgreSQL use pg_dump (see README)".into());
            }
            if std::path::Path::new(file).exists() {
                return Err(format!("{file} already exists"));
            }
            sqlx::query("VACUUM INTO $1")
                .bind(*file)
                .execute(&db.pool)
                .await
                .map_err(|e| e.to_string())?;
            println!("backup written to {file}; keep the key file (secret.key) safe with it");
            Ok(())
        }
        _ => Err(format!("unknown command\n\n{USAGE}")),
    }
}

fn cli_actor() -> audit::Actor {
    audit::Actor {
        user_id: None,
        name: "命令行".into(),
        ip: String::new(),
    }
}
