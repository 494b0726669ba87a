//! Signing in and out, the password, large-font mode and one's own sessions.
use super::context::{Page, SESSION_COOKIE, cookie, flash_redirect, set_cookie};
use super::form::{FieldErrors, render, render_invalid};
use super::{AppState, Ctx};
use crate::crypto::hash_password_blocking;
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::password::check_strength;
use crate::domain::points::LedgerKey;
use crate::domain::rate::Action;
use crate::domain::second_factor as sf;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::{audit, second_factor, sessions, users};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    phone: String,
    next: String,
    errors: FieldErrors,
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// Only same-site paths, so the login page cannot send anyone elsewhere.
fn safe_next(next: &str) -> String {
    crate::domain::text::same_site_path(next)
        .unwrap_or("/")
        .to_string()
}

pub async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.principal.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage {
        page: ctx.page("登录"),
        phone: String::new(),
        next: safe_next(&q.next),
        errors: FieldErrors::default(),
        message: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    phone: String,
    password: String,
    next: String,
}

/// One login attempt in the audit log, in its own transaction.
async fn audit_login(
    state: &AppState,
    actor: &audit::Actor,
    target: &str,
    result: &str,
    detail: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    audit::append(tx.conn(), actor, "登录", target, result, detail).await?;
    tx.commit().await
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    crate::http::form::Form(form): crate::http::form::Form<LoginForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let phone = errors.check("phone", text::phone(&form.phone));
    if form.password.is_empty() {
        errors.add("password", "请输入密码");
    }
    let fail = |errors: FieldErrors, message: &str| {
        render_invalid(&LoginPage {
            page: ctx.page("登录"),
            phone: form.phone.trim().to_string(),
            next: safe_next(&form.next),
            errors,
            message: message.to_string(),
        })
    };
    if !errors.is_empty() {
        return fail(errors, "");
    }
    ctx.limit(Action::Login, Some(phone.clone()))?;
    let now = now_epoch();
    let target = format!("账号 {}", text::mask_phone(&phone));
    let Some(user) = users::by_phone(&state.db, &state.keys, &phone).await? else {
        // Spend the same time as a real check, so timing does not reveal which phones exist.
        let _ = hash_password_blocking("timing".into()).await;
        let anonymous = audit::Actor {
            user_id: None,
            name: "（未登录）".into(),
            ip: ctx.ip.clone(),
        };
        audit_login(&state, &anonymous, &target, audit::FAILED, "账号不存在").await?;
        return fail(FieldErrors::default(), "手机号或密码错误");
    };
    let attempt = Attempt::new(&ctx, &user, target.clone());
    let actor = &attempt.actor;
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        audit_login(&state, actor, &target, audit::FAILED, "账号锁定中").await?;
        let message = format!("账号已锁定，请于 {} 后再试", format_minute(until));
        return fail(FieldErrors::default(), &message);
    }
    if user.disabled != 0 {
        audit_login(&state, actor, &target, audit::FAILED, "账号已停用").await?;
        return fail(FieldErrors::default(), "账号已停用，请联系管理员");
    }
    let good = (state.keys)
        .verify_login(form.password.clone(), user.password_hash.clone())
        .await?;
    if !good {
        let message = count_failure(&state, &attempt, now, Secret::Password).await?;
        return fail(FieldErrors::default(), &message);
    }
    let factor = second_factor::status(&state.db, &state.keys, user.id).await?;
    if factor.enrolled() {
        return render(&SecondStepPage {
            page: ctx.page("动态口令"),
            token: second_step_token(&state.keys, &user, now),
            next: safe_next(&form.next),
            message: String::new(),
        });
    }
    finish_login(&state, &ctx, &headers, &attempt, &form.next, "").await
}

/// Who is signing in, as the audit log names them.
struct Attempt<'a> {
    user: &'a users::LoginUser,
    actor: audit::Actor,
    target: String,
}

impl<'a> Attempt<'a> {
    fn new(ctx: &Ctx, user: &'a users::LoginUser, target: String) -> Self {
        Self {
            user,
            actor: audit::Actor {
                user_id: Some(user.id),
                name: user.name.clone(),
                ip: ctx.ip.clone(),
            },
            target,
        }
    }
}

/// How long the second step may wait after the password.
const SECOND_STEP_SECONDS: i64 = 300;

/// What carries a correct password to the second step: the account, until when, and a MAC
/// over both and the password hash (a changed password voids it).
fn second_step_token(keys: &crate::crypto::Keys, user: &users::LoginUser, now: i64) -> String {
    let until = now + SECOND_STEP_SECONDS;
    let mac = second_step_mac(keys, user.id, until, &user.password_hash);
    format!("{}.{until}.{mac}", user.id)
}

fn second_step_mac(
    keys: &crate::crypto::Keys,
    user_id: i64,
    until: i64,
    password_hash: &str,
) -> String {
    second_step_parts(user_id, until, password_hash, |parts| {
        crate::crypto::hex(&keys.mac(parts))
    })
}

/// What a second-step token's MAC covers.
fn second_step_parts<T>(
    user_id: i64,
    until: i64,
    password_hash: &str,
    f: impl FnOnce(&[&[u8]]) -> T,
) -> T {
    let (user, until) = (user_id.to_string(), until.to_string());
    f(&[
        b"login second step",
        user.as_bytes(),
        until.as_bytes(),
        password_hash.as_bytes(),
    ])
}

/// The account a second-step token stands for, while it lasts.
async fn second_step_user(
    state: &AppState,
    token: &str,
    now: i64,
) -> AppResult<Option<users::LoginUser>> {
    let mut parts = token.splitn(3, '.');
    let (Some(Ok(id)), Some(Ok(until)), Some(mac)) = (
        parts.next().map(str::parse::<i64>),
        parts.next().map(str::parse::<i64>),
        parts.next(),
    ) else {
        return Ok(None);
    };
    if until < now || until > now + SECOND_STEP_SECONDS {
        return Ok(None);
    }
    let Some(user) = users::login_user_if_any(&state.db, id).await? else {
        return Ok(None);
    };
    // Under any key of the ring: a sign-in a key rotation overtook goes on.
    let genuine = second_step_parts(id, until, &user.password_hash, |parts| {
        state.keys.any_mac(parts, |m| {
            crate::crypto::constant_time_eq(crate::crypto::hex(m).as_bytes(), mac.as_bytes())
        })
    });
    Ok(genuine.then_some(user))
}

#[derive(Template)]
#[template(path = "login_second.html")]
struct SecondStepPage {
    page: Page,
    token: String,
    next: String,
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SecondStepForm {
    token: String,
    code: String,
    next: String,
}

/// The login's second step: a code from the authenticator app, or one recovery code.
pub async fn login_second_step(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    crate::http::form::Form(form): crate::http::form::Form<SecondStepForm>,
) -> AppResult<Response> {
    let now = now_epoch();
    let again = |message: &str| {
        render_invalid(&SecondStepPage {
            page: ctx.page("动态口令"),
            token: form.token.clone(),
            next: safe_next(&form.next),
            message: message.to_string(),
        })
    };
    // Back to the password, with why.
    let restart = |message: &str| {
        render_invalid(&LoginPage {
            page: ctx.page("登录"),
            phone: String::new(),
            next: safe_next(&form.next),
            errors: FieldErrors::default(),
            message: message.to_string(),
        })
    };
    let Some(user) = second_step_user(&state, &form.token, now).await? else {
        return restart("登录已超时，请重新输入手机号和密码");
    };
    ctx.limit(Action::Login, Some(format!("user {}", user.id)))?;
    let target = format!(
        "账号 {}",
        users::account(&state.db, user.id).await?.phone_mask
    );
    let attempt = Attempt::new(&ctx, &user, target);
    if user.locked_until.is_some_and(|u| u > now) || user.disabled != 0 {
        return restart("账号已锁定或停用");
    }
    if form.code.trim().is_empty() {
        return again("请输入动态口令或恢复码");
    }
    let factor = second_factor::status(&state.db, &state.keys, user.id).await?;
    let Some(secret) = factor.secret else {
        return restart("动态口令已被重置，请重新登录");
    };
    let mut tx = state.db.begin().await?;
    let used = if second_factor::spend_code(tx.conn(), user.id, &secret, &form.code, now).await? {
        Some("动态口令")
    } else if let Some(code) = sf::normalize_recovery(&form.code) {
        second_factor::use_recovery(tx.conn(), &state.keys, user.id, &code, now)
            .await?
            .then_some("恢复码")
    } else {
        None
    };
    tx.commit().await?;
    match used {
        Some(how) => finish_login(&state, &ctx, &headers, &attempt, &form.next, how).await,
        None => {
            let message = count_failure(&state, &attempt, now, Secret::SecondFactor).await?;
            if user_locked(&state, user.id, now).await? {
                return restart(&message);
            }
            again(&message)
        }
    }
}

async fn user_locked(state: &AppState, user_id: i64, now: i64) -> AppResult<bool> {
    let user = users::login_user(&state.db, user_id).await?;
    Ok(user.locked_until.is_some_and(|u| u > now))
}

/// The password (and the second factor, where the account has one) is right: a session, and
/// where to go.
async fn finish_login(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    attempt: &Attempt<'_>,
    next: &str,
    factor: &str,
) -> AppResult<Response> {
    let user = attempt.user;
    let now = now_epoch();
    // An administrator's or officer's password lasts the county's days (等保: 定期更换).
    let max_age = state.security().await.password_max_age_days * 86_400;
    let expired = users::password_expired(&state.db, user.id, now - max_age).await?;
    let token = start_session(state, ctx, headers, attempt, expired, factor).await?;
    let to = match safe_next(next) {
        _ if user.must_change_password != 0 || expired => "/me/password".to_string(),
        // Organization administrators land on the dashboard of their subtree.
        next if next == "/" && users::administers_a_subtree(&state.db, user.id).await? => {
            "/dashboard".to_string()
        }
        next => next,
    };
    Ok((
        [
            (
                header::SET_COOKIE,
                set_cookie(state, SESSION_COOKIE, &token, None),
            ),
            (header::LOCATION, to),
        ],
        axum::http::StatusCode::SEE_OTHER,
    )
        .into_response())
}

/// Which secret was wrong.
#[derive(Clone, Copy, PartialEq)]
enum Secret {
    Password,
    SecondFactor,
}

/// Counts a wrong password or code toward the lockout; the message to show.
async fn count_failure(
    state: &AppState,
    attempt: &Attempt<'_>,
    now: i64,
    secret: Secret,
) -> AppResult<String> {
    let (user, actor, target) = (attempt.user, &attempt.actor, attempt.target.as_str());
    let security = state.security().await;
    let until = now + security.lockout_minutes * 60;
    let (what, wrong) = match secret {
        Secret::Password => ("密码", "手机号或密码错误"),
        Secret::SecondFactor => ("动态口令", "动态口令或恢复码错误，或已使用过"),
    };
    let mut tx = state.db.begin().await?;
    let locked =
        users::record_failure(tx.conn(), user.id, security.lockout_threshold, until).await?;
    let detail = if locked {
        format!("{what}错误，账号已锁定")
    } else {
        format!("{what}错误")
    };
    audit::append(tx.conn(), actor, "登录", target, audit::FAILED, &detail).await?;
    tx.commit().await?;
    Ok(if locked {
        format!(
            "{what}连续错误{}次，账号已锁定{}分钟",
            security.lockout_threshold, security.lockout_minutes
        )
    } else {
        wrong.to_string()
    })
}

/// A new session with a new id (whatever session the browser had ends), the day's login
/// point, and the audit entry; the session's token.
async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    attempt: &Attempt<'_>,
    expired: bool,
    factor: &str,
) -> AppResult<String> {
    let (user, actor, target) = (attempt.user, &attempt.actor, attempt.target.as_str());
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    users::record_success(tx.conn(), user.id).await?;
    if expired {
        users::require_password_change(tx.conn(), user.id).await?;
    }
    if let Some(old) = cookie(state, headers, SESSION_COOKIE) {
        sessions::delete(tx.conn(), &sessions::hash_token(old)).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = sessions::create(tx.conn(), user.id, &ctx.ip, ua, now).await?;
    if let Some(member) = user.member_id {
        let day = crate::domain::clock::format_date(crate::domain::clock::local_date(now));
        let key = LedgerKey::login(member, &day);
        crate::store::points::credit(tx.conn(), member, &key, "每日登录", now).await?;
    }
    let detail = match (factor, expired) {
        ("", false) => String::new(),
        ("", true) => "密码已过有效期，须修改".to_string(),
        (how, false) => format!("经{how}"),
        (how, true) => format!("经{how}；密码已过有效期，须修改"),
    };
    audit::append(tx.conn(), actor, "登录", target, audit::OK, &detail).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let mut tx = state.db.begin().await?;
    sessions::delete(tx.conn(), &p.token_hash).await?;
    ctx.audit(&mut tx, "退出登录", "本人会话", "").await?;
    tx.commit().await?;
    let mut res = flash_redirect(&state, "/login", "您已安全退出");
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", Some(0)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    page: Page,
    phone_mask: String,
    grants: Vec<users::GrantRow>,
}

pub async fn me(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let account = users::account(&state.db, p.actor.user_id).await?;
    let grants = users::grants(&state.db, p.actor.user_id).await?;
    render(&MePage {
        page: ctx.page("我的"),
        phone_mask: account.phone_mask,
        grants,
    })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    page: Page,
    forced: bool,
    errors: FieldErrors,
}

pub async fn password_page(ctx: Ctx) -> AppResult<Response> {
    let forced = ctx.principal()?.must_change_password;
    render(&PasswordPage {
        page: ctx.page("修改密码"),
        forced,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<PasswordForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let user = users::login_user(&state.db, p.actor.user_id).await?;
    let mut errors = FieldErrors::default();
    let current_ok = (state.keys)
        .verify_login(form.current.clone(), user.password_hash.clone())
        .await?;
    if !current_ok {
        errors.add("current", "当前密码不正确");
    }
    errors.check("new", check_strength(&form.new));
    if form.new == form.current && !errors.has("new") {
        errors.add("new", "新密码不能与当前密码相同");
    }
    // Nor one of the recent ones (the current one is the most recent).
    let history = state.security().await.password_history;
    if !errors.has("new") {
        for old in users::recent_password_hashes(&state.db, user.id, history - 1).await? {
            if (state.keys).verify_login(form.new.clone(), old).await? {
                errors.add(
                    "new",
                    format!("新密码不能与最近{history}次使用过的密码相同"),
                );
                break;
            }
        }
    }
    if form.confirm != form.new {
        errors.add("confirm", "两次输入的新密码不一致");
    }
    if !errors.is_empty() {
        return render_invalid(&PasswordPage {
            page: ctx.page("修改密码"),
            forced: p.must_change_password,
            errors,
        });
    }
    let hash = hash_password_blocking(form.new.clone()).await?;
    let mut tx = state.db.begin().await?;
    users::set_password(tx.conn(), p.actor.user_id, &hash, false).await?;
    // Other devices must sign in again with the new password.
    crate::q!(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        p.actor.user_id,
        &p.token_hash
    )
    .execute(tx.conn())
    .await?;
    ctx.audit(&mut tx, "修改密码", "本人账号", "").await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/", "密码已修改"))
}

pub async fn toggle_large_font(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let on = !p.large_font;
    let mut tx = state.db.begin().await?;
    users::set_large_font(tx.conn(), p.actor.user_id, on).await?;
    let action = if on {
        "开启大字模式"
    } else {
        "关闭大字模式"
    };
    ctx.audit(&mut tx, action, "本人账号", "").await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/me",
        if on {
            "已开启大字模式"
        } else {
            "已关闭大字模式"
        },
    ))
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    page: Page,
    rows: Vec<SessionRow>,
}

struct SessionRow {
    id: String,
    current: bool,
    created: String,
    last_seen: String,
    ip: String,
    device: String,
}

pub async fn sessions_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let rows = sessions::list_for(&state.db, p.actor.user_id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.token_hash == p.token_hash,
            id: s.token_hash,
            created: format_minute(s.created_at),
            last_seen: format_minute(s.last_seen_at),
            ip: s.ip,
            device: s.user_agent,
        })
        .collect();
    render(&SessionsPage {
        page: ctx.page("登录设备"),
        rows,
    })
}

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::PathText(id): crate::http::form::PathText,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let mut tx = state.db.begin().await?;
    if sessions::delete_own(tx.conn(), p.actor.user_id, &id).await? == 0 {
        return Err(AppError::NotFound);
    }
    ctx.audit(&mut tx, "结束会话", "本人会话", "").await?;
    tx.commit().await?;
    if id == p.token_hash {
        return Ok(flash_redirect(&state, "/login", "已退出当前设备"));
    }
    Ok(flash_redirect(&state, "/me/sessions", "已结束该设备的登录"))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    page: Page,
    rows: Vec<crate::store::notifications::Notification>,
}

impl NotificationsPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

pub async fn notifications(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    render(&NotificationsPage {
        page: ctx.page("通知"),
        rows: crate::store::notifications::list(&state.db, p.actor.user_id).await?,
    })
}

pub async fn read_notifications(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let mut tx = state.db.begin().await?;
    crate::store::notifications::mark_all_read(
        tx.conn(),
        p.actor.user_id,
        crate::domain::clock::now_epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/notifications", "已全部标为已读"))
}
