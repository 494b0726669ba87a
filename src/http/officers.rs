//! The three officers' pages (三员分立): accounts for the 系统管理员, role grants and security
//! settings for the 安全管理员, the audit log for the 审计管理员.
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, NoticePage, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::crypto::one_time_password;
use crate::domain::clock::{format_minute, now_epoch, parse_date};
use crate::domain::policy::{Role, check_grant};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::settings::Security;
use crate::store::users::{AccountRow, GrantRow};
use crate::store::{audit, orgs, sessions, settings, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

async fn hash_blocking(password: String) -> AppResult<String> {
    Ok(crate::crypto::hash_password_blocking(password).await?)
}

pub struct AccountView {
    pub row: AccountRow,
    pub roles: String,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    page: Page,
    q: String,
    accounts: Vec<AccountView>,
    form: NewAccountForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewAccountForm {
    name: String,
    phone: String,
}

async fn accounts_page(
    state: &AppState,
    ctx: &Ctx,
    q: String,
    form: NewAccountForm,
    errors: FieldErrors,
) -> AppResult<AccountsPage> {
    let now = now_epoch();
    let accounts = users::list_accounts(&state.db, &q, 100)
        .await?
        .into_iter()
        .map(|row| AccountView {
            roles: row
                .roles
                .split(',')
                .filter_map(Role::from_code)
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、"),
            locked: row.locked_until.is_some_and(|u| u > now),
            row,
        })
        .collect();
    Ok(AccountsPage {
        page: ctx.page("账号管理"),
        q,
        accounts,
        form,
        errors,
    })
}

pub async fn accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let q = sq.text();
    render(
        &accounts_page(
            &state,
            &ctx,
            q,
            NewAccountForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

/// A daily archive in the backup folder.
pub struct BackupFile {
    pub name: String,
    pub size: String,
    pub written: String,
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    page: Page,
    /// The folder of the daily backups, when they are on.
    dir: Option<String>,
    keep: usize,
    /// Newest first.
    files: Vec<BackupFile>,
    runs: Vec<crate::store::jobs::JobRun>,
    /// The folder could not be read: why.
    unreadable: String,
}

impl BackupsPage {
    fn time(&self, t: &i64) -> String {
        crate::domain::clock::format_minute(*t)
    }

    fn job_label(&self, job: &str) -> &'static str {
        match job {
            "backup" => "每日备份",
            "dashboard" => "数据看板重算",
            "supervision" => "电子监察检查",
            "report" => "月度通报",
            _ => "后台任务",
        }
    }
}

/// 备份状态: the last backups, their size and where they are, and the daily jobs' runs.
pub async fn backups(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let dir = state.config.backup_dir.clone();
    let (mut files, mut unreadable) = (Vec::new(), String::new());
    if let Some(d) = &dir {
        match std::fs::read_dir(d) {
            Ok(entries) => {
                let mut found: Vec<(String, u64, i64)> = entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().to_string();
                        let meta = e.metadata().ok()?;
                        let written = meta
                            .modified()
                            .ok()?
                            .duration_since(std::time::UNIX_EPOCH)
                            .ok()?
                            .as_secs() as i64;
                        (name.starts_with("dangjian-") && name.ends_with(".zip")).then_some((
                            name,
                            meta.len(),
                            written,
                        ))
                    })
                    .collect();
                found.sort_by(|a, b| b.0.cmp(&a.0));
                files = found
                    .into_iter()
                    .map(|(name, size, written)| BackupFile {
                        name,
                        size: crate::archive::size_label(size),
                        written: crate::domain::clock::format_minute(written),
                    })
                    .collect();
            }
            Err(e) => unreadable = format!("备份目录无法读取：{e}"),
        }
    }
    render(&BackupsPage {
        page: ctx.page("备份状态"),
        dir: dir.map(|d| d.display().to_string()),
        keep: state.config.backup_keep,
        files,
        runs: crate::store::jobs::recent(&state.db, 30).await?,
        unreadable,
    })
}

/// Creates a staff account (not linked to a member), with a one-time password.
pub async fn create_account(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<NewAccountForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let name = errors.check(
        "name",
        text::required(&form.name, text::PERSON_NAME_MAX_CHARS),
    );
    let phone = errors.check("phone", text::phone(&form.phone));
    let invalid = |errors| async {
        render_invalid(&accounts_page(&state, &ctx, String::new(), form.clone(), errors).await?)
    };
    if !errors.is_empty() {
        return invalid(errors).await;
    }
    let password = one_time_password();
    let hash = hash_blocking(password.clone()).await?;
    let mut tx = state.db.begin().await?;
    let created = users::create(
        tx.conn(),
        &state.keys,
        &users::NewUser {
            name: &name,
            phone: &phone,
            password_hash: &hash,
            member_id: None,
            must_change_password: true,
        },
    )
    .await;
    let id = match created {
        Ok(id) => id,
        Err(AppError::Conflict(m)) => {
            drop(tx);
            errors.add("phone", m);
            return invalid(errors).await;
        }
        Err(e) => return Err(e),
    };
    ctx.audit(&mut tx, "创建账号", &format!("账号 {id} {name}"), "")
        .await?;
    tx.commit().await?;
    render(&NoticePage {
        page: ctx.page("已创建账号"),
        message: format!(
            "已为{name}创建账号（手机号 {}）。初始密码如下，只显示这一次，首次登录须修改：",
            text::mask_phone(&phone)
        ),
        secret: password,
        link: "/admin/accounts".into(),
        link_label: "返回账号管理".into(),
    })
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let account = users::account(&state.db, id).await?;
    if Some(id) == ctx.principal.as_ref().map(|p| p.actor.user_id) {
        return Ok(flash_redirect(
            &state,
            "/admin/accounts",
            "不能重置自己的密码，请在“我的”中修改",
        ));
    }
    let password = one_time_password();
    let hash = hash_blocking(password.clone()).await?;
    let mut tx = state.db.begin().await?;
    users::set_password(tx.conn(), id, &hash, true).await?;
    sessions::delete_all_for(tx.conn(), id).await?;
    ctx.audit(
        &mut tx,
        "重置密码",
        &format!("账号 {id} {}", account.name),
        "",
    )
    .await?;
    tx.commit().await?;
    render(&NoticePage {
        page: ctx.page("已重置密码"),
        message: format!(
            "已重置{}的密码并解除锁定。新的初始密码如下，只显示这一次，登录后须修改：",
            account.name
        ),
        secret: password,
        link: "/admin/accounts".into(),
        link_label: "返回账号管理".into(),
    })
}

pub async fn toggle_disabled(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let account = users::account(&state.db, id).await?;
    if Some(id) == ctx.principal.as_ref().map(|p| p.actor.user_id) {
        return Ok(flash_redirect(
            &state,
            "/admin/accounts",
            "不能停用自己的账号",
        ));
    }
    let disable = account.disabled == 0;
    let mut tx = state.db.begin().await?;
    users::set_disabled(tx.conn(), id, disable).await?;
    if disable {
        sessions::delete_all_for(tx.conn(), id).await?;
    }
    let action = if disable {
        "停用账号"
    } else {
        "启用账号"
    };
    ctx.audit(&mut tx, action, &format!("账号 {id} {}", account.name), "")
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/admin/accounts",
        &format!("已{action}：{}", account.name),
    ))
}

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage {
    page: Page,
    /// The grants by role, in the roles' order: (role, its grants).
    groups: Vec<(&'static str, Vec<GrantView>)>,
    roles: Vec<Choice>,
    form: GrantForm,
    errors: FieldErrors,
    q: String,
    orgs: Vec<orgs::Org>,
    /// The organization picked from the search, named beside the field.
    picked: Option<orgs::Org>,
}

#[derive(Clone)]
pub struct GrantView {
    pub grant: GrantRow,
    pub account: String,
    pub phone_mask: String,
    pub second_factor: bool,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct GrantForm {
    phone: String,
    role: String,
    org: String,
}

async fn grants_page(
    state: &AppState,
    ctx: &Ctx,
    form: GrantForm,
    errors: FieldErrors,
    q: String,
) -> AppResult<GrantsPage> {
    let picked = match form.org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id).await.ok(),
        Err(_) => None,
    };
    let holders = users::grant_holders(&state.db).await?;
    let mut grants = Vec::new();
    for h in holders {
        for g in users::grants(&state.db, h.id).await? {
            grants.push(GrantView {
                grant: g,
                account: h.name.clone(),
                phone_mask: h.phone_mask.clone(),
                second_factor: h.second_factor != 0,
            });
        }
    }
    let root = orgs::root(&state.db).await?;
    let found = match (&root, q.is_empty()) {
        (Some(r), false) => orgs::search(&state.db, &[r.path.as_str()], &q, &[], 30).await?,
        _ => vec![],
    };
    let groups = Role::ALL
        .iter()
        .map(|role| {
            let mine: Vec<GrantView> = grants
                .iter()
                .filter(|g| g.grant.role() == Some(*role))
                .cloned()
                .collect();
            (role.label(), mine)
        })
        .filter(|(_, g)| !g.is_empty())
        .collect();
    Ok(GrantsPage {
        page: ctx.page("角色授权"),
        groups,
        roles: choices(Role::ALL.iter().map(|r| (r.code(), r.label())), &form.role),
        form,
        errors,
        q,
        orgs: found,
        picked,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GrantsQuery {
    /// Part of an organization's name, to find it by.
    q: String,
    /// The organization chosen among those found.
    pick: String,
}

pub async fn grants(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(gq): Query<GrantsQuery>,
) -> AppResult<Response> {
    let q = text::search(&gq.q);
    let form = GrantForm {
        org: gq
            .pick
            .trim()
            .parse::<i64>()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    render(&grants_page(&state, &ctx, form, FieldErrors::default(), q).await?)
}

/// The organization a grant's field names: its number, or a name that only one
/// organization holds (or contains).
async fn named_org(state: &AppState, typed: &str) -> AppResult<Result<orgs::Org, String>> {
    if let Ok(id) = typed.parse::<i64>() {
        return Ok(match orgs::get(&state.db, id).await {
            Ok(org) if !org.is_dissolved() => Ok(org),
            _ => Err("组织编号不存在".into()),
        });
    }
    let Some(root) = orgs::root(&state.db).await? else {
        return Ok(Err("还没有组织".into()));
    };
    let name = text::search(typed);
    let found = orgs::search(&state.db, &[root.path.as_str()], &name, &[], 50).await?;
    let exact: Vec<&orgs::Org> = found.iter().filter(|o| o.name == name).collect();
    Ok(match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Ok((*one).clone()),
        ([], [one]) => Ok(one.clone()),
        (_, []) => Err(format!("没有名称含“{name}”的组织")),
        _ => Err(format!(
            "名称含“{name}”的组织不止一个：请在下方查找后点“选择”"
        )),
    })
}

pub async fn add_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<GrantForm>,
) -> AppResult<Response> {
    let me = ctx.actor()?.user_id;
    let mut errors = FieldErrors::default();
    let phone = errors.check("phone", text::phone(&form.phone));
    let user = if errors.is_empty() {
        users::by_phone(&state.db, &state.keys, &phone).await?
    } else {
        None
    };
    if errors.is_empty() && user.is_none() {
        errors.add("phone", "没有使用该手机号的账号");
    }
    if user.as_ref().is_some_and(|u| u.id == me) {
        errors.add("phone", "不能给自己授权");
    }
    let role = Role::from_code(&form.role);
    if role.is_none() {
        errors.add("role", "请选择角色");
    }
    let org = match (role, form.org.trim()) {
        (Some(r), "") if r.is_scoped() => {
            errors.add("org", "请填写该角色管辖的组织（名称或编号）");
            None
        }
        (Some(r), _) if !r.is_scoped() => None,
        (_, o) => match named_org(&state, o).await? {
            Ok(org) => Some(org),
            Err(why) => {
                errors.add("org", why);
                None
            }
        },
    };
    if let (Some(u), Some(role)) = (&user, role)
        && errors.is_empty()
    {
        let account = users::account(&state.db, u.id).await?;
        let existing = users::grants(&state.db, u.id).await?;
        let existing_roles: Vec<Role> = existing.iter().filter_map(|g| g.role()).collect();
        if existing
            .iter()
            .any(|g| g.role() == Some(role) && g.org_id == org.as_ref().map(|o| o.id))
        {
            errors.add("role", "该账号已有此授权");
        } else if let Err(e) = check_grant(
            role,
            account.member_id.is_some(),
            &existing_roles,
            org.as_ref().map(|o| o.kind()),
        ) {
            errors.add("role", e);
        }
    }
    let (Some(user), Some(role), true) = (user, role, errors.is_empty()) else {
        return render_invalid(&grants_page(&state, &ctx, form, errors, String::new()).await?);
    };
    let mut tx = state.db.begin().await?;
    users::add_grant(
        tx.conn(),
        user.id,
        role,
        org.as_ref().map(|o| o.id),
        Some(me),
    )
    .await?;
    // A change of role ends the account's sessions: it signs in again under its new rights.
    sessions::delete_all_for(tx.conn(), user.id).await?;
    ctx.audit(
        &mut tx,
        "授予角色",
        &format!("账号 {} {}", user.id, user.name),
        &format!(
            "{}{}",
            role.label(),
            org.as_ref()
                .map(|o| format!("·{}", o.name))
                .unwrap_or_default()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/security/grants",
        &format!("已授予{}“{}”角色", user.name, role.label()),
    ))
}

pub async fn revoke_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let grant = users::grant(&state.db, id).await?;
    if grant.user_id == ctx.actor()?.user_id {
        return Ok(flash_redirect(
            &state,
            "/security/grants",
            "不能撤销自己的角色",
        ));
    }
    let account = users::account(&state.db, grant.user_id).await?;
    let mut tx = state.db.begin().await?;
    users::remove_grant(tx.conn(), id).await?;
    sessions::delete_all_for(tx.conn(), grant.user_id).await?;
    ctx.audit(
        &mut tx,
        "撤销角色",
        &format!("账号 {} {}", account.id, account.name),
        &format!(
            "{}{}",
            grant.role_label(),
            grant
                .org_name
                .as_ref()
                .map(|n| format!("·{n}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/security/grants", "已撤销该角色"))
}

/// The 安全管理员 ends all of an account's sessions (a lost phone, a suspected intrusion).
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let account = users::account(&state.db, id).await?;
    let mut tx = state.db.begin().await?;
    sessions::delete_all_for(tx.conn(), account.id).await?;
    ctx.audit(
        &mut tx,
        "结束账号全部登录",
        &format!("账号 {} {}", account.id, account.name),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/security/grants",
        &format!("已结束{}的全部登录", account.name),
    ))
}

pub struct SettingField {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub range: String,
}

#[derive(Template)]
#[template(path = "security_settings.html")]
struct SettingsPage {
    page: Page,
    fields: Vec<SettingField>,
    errors: FieldErrors,
}

fn setting_fields(values: impl Fn(&str) -> String) -> Vec<SettingField> {
    Security::FIELDS
        .iter()
        .map(|(key, label, lo, hi)| SettingField {
            key,
            label,
            value: values(key),
            range: format!("{lo}–{hi}"),
        })
        .collect()
}

pub async fn settings_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let s = settings::load_security(&state.db).await?;
    render(&SettingsPage {
        page: ctx.page("安全设置"),
        fields: setting_fields(|k| s.get(k).to_string()),
        errors: FieldErrors::default(),
    })
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<
        std::collections::HashMap<String, String>,
    >,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let mut values = Vec::new();
    for (key, label, lo, hi) in Security::FIELDS {
        match form.get(*key).and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(v) if (*lo..=*hi).contains(&v) => values.push((*key, v)),
            _ => errors.add(key, format!("{label}应为{lo}到{hi}之间的整数")),
        }
    }
    if !errors.is_empty() {
        return render_invalid(&SettingsPage {
            page: ctx.page("安全设置"),
            fields: setting_fields(|k| form.get(k).cloned().unwrap_or_default()),
            errors,
        });
    }
    let before = settings::load_security(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let mut changes = Vec::new();
    for (key, v) in &values {
        settings::save(tx.conn(), key, &v.to_string()).await?;
        if before.get(key) != *v {
            changes.push(format!("{key}: {} → {v}", before.get(key)));
        }
    }
    ctx.audit(&mut tx, "修改安全设置", "安全设置", &changes.join("；"))
        .await?;
    tx.commit().await?;
    state.set_security(settings::load_security(&state.db).await?);
    Ok(flash_redirect(
        &state,
        "/security/settings",
        "安全设置已保存",
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    result: String,
    from: String,
    to: String,
    before: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    q: AuditQuery,
    rows: Vec<audit::Entry>,
    next_before: i64,
    query_base: String,
    error: String,
    /// The chain's walk, when asked for: whether it holds, and what was found.
    chain: Option<(bool, String)>,
}

impl AuditPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// The filter the page's fields ask for, and what is wrong with the dates.
fn audit_filter(q: &AuditQuery) -> (audit::Filter, String) {
    let day_start = |s: &str| {
        parse_date(s).map(|d| {
            d.midnight()
                .assume_offset(crate::domain::clock::SHANGHAI)
                .unix_timestamp()
        })
    };
    let mut error = String::new();
    let from = match q.from.trim() {
        "" => None,
        s => day_start(s).or_else(|| {
            error = "开始日期格式如 2026-01-01".into();
            None
        }),
    };
    let to = match q.to.trim() {
        "" => None,
        s => day_start(s).map(|t| t + 86_400).or_else(|| {
            error = "结束日期格式如 2026-01-31".into();
            None
        }),
    };
    let filter = audit::Filter {
        actor: text::search(&q.actor),
        action: text::search(&q.action),
        result: match q.result.as_str() {
            audit::OK | audit::FAILED => q.result.clone(),
            _ => String::new(),
        },
        from,
        to,
    };
    (filter, error)
}

async fn audit_page(
    state: &AppState,
    ctx: &Ctx,
    q: AuditQuery,
    chain: Option<(bool, String)>,
) -> AppResult<AuditPage> {
    const PAGE: i64 = 50;
    let (filter, error) = audit_filter(&q);
    let rows = audit::list(&state.db, &filter, q.before.parse().ok(), PAGE).await?;
    let next_before = if rows.len() as i64 == PAGE {
        rows.last().map(|r| r.id).unwrap_or(0)
    } else {
        0
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let query_base = format!(
        "actor={}&action={}&result={}&from={}&to={}",
        enc(&filter.actor),
        enc(&filter.action),
        enc(&filter.result),
        enc(&q.from),
        enc(&q.to)
    );
    Ok(AuditPage {
        page: ctx.page("审计日志"),
        q,
        rows,
        next_before,
        query_base,
        error,
        chain,
    })
}

pub async fn audit_log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let page = audit_page(&state, &ctx, q, None).await?;
    // The 审计管理员's own reading is audited too (等保: 审计管理员的操作应被审计).
    ctx.audit_read(&state.db, "查阅审计日志", "审计日志", &page.query_base)
        .await?;
    render(&page)
}

/// The 审计管理员 walks the whole chain from the page, as `dangjian audit verify` does.
pub async fn verify_audit(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let archived = audit::archives(&state.db).await?;
    let chain = match audit::verify(&state.db).await? {
        audit::Chain::Intact(n) => match archived.last() {
            None => (true, format!("审计链完整：共{n}条记录，逐条核对无误。")),
            Some((_, last, _, _)) => (
                true,
                format!(
                    "审计链完整：库内第{}–{n}条逐条核对无误，且接续第1–{last}条的归档（{}个签名文件，                     在数据目录 audit-archives，可用 dangjian audit verify-archive 逐个核对）。",
                    last + 1,
                    archived.len()
                ),
            ),
        },
        audit::Chain::Broken(b) => (false, format!("审计链已断：{}。请立即报告。", b.chinese())),
    };
    ctx.audit_read(&state.db, "核验审计链", "审计日志", &chain.1)
        .await?;
    render(&audit_page(&state, &ctx, AuditQuery::default(), Some(chain)).await?)
}

/// The records the filter finds, oldest first, with each one's hashes so that the chain can
/// be checked outside the platform.
pub async fn export_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    const MOST: i64 = 200_000;
    let (filter, error) = audit_filter(&q);
    if !error.is_empty() {
        return Err(AppError::BadRequest(error));
    }
    let mut rows = audit::list(&state.db, &filter, None, MOST).await?;
    rows.reverse();
    let detail = format!("{}条", rows.len());
    ctx.audit_read(&state.db, "导出审计日志", "审计日志", &detail)
        .await?;
    let mut table = vec![
        [
            "序号",
            "时间",
            "操作人",
            "操作",
            "对象",
            "结果",
            "地址",
            "说明",
            "前一条哈希",
            "本条哈希",
        ]
        .map(String::from)
        .to_vec(),
    ];
    table.extend(rows.into_iter().map(|e| {
        vec![
            e.id.to_string(),
            crate::domain::clock::format_second(e.at),
            e.actor_name,
            e.action,
            e.target,
            e.result,
            e.ip,
            e.detail,
            e.prev_hash,
            e.hash,
        ]
    }));
    let day = crate::domain::clock::format_date(crate::domain::clock::today());
    super::stored::xlsx_response(
        "审计日志",
        "审计日志",
        &table,
        &format!("审计日志-{day}.xlsx"),
    )
}
