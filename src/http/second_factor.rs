//! The second factor on one's own page: enrolment with a QR code, recovery codes, turning it
//! off where it is optional; and the 安全管理员's reset of a lost phone.
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, Form, Id, render, render_invalid};
use super::{AppState, Ctx};
use crate::crypto::random_bytes;
use crate::domain::clock::now_epoch;
use crate::domain::second_factor as sf;
use crate::error::{AppError, AppResult};
use crate::store::{second_factor, sessions, users};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    page: Page,
    /// The county requires it of this account (an administrator or officer).
    required: bool,
    enrolled: bool,
    recovery_left: i64,
    /// The secret being enrolled, in groups of four, and its QR code.
    pending: Option<(String, String)>,
    /// Recovery codes just made: shown this once.
    new_codes: Vec<String>,
    errors: FieldErrors,
}

async fn page_for(
    state: &AppState,
    ctx: &Ctx,
    new_codes: Vec<String>,
    errors: FieldErrors,
) -> AppResult<SecondFactorPage> {
    let p = ctx.principal()?;
    let status = second_factor::status(&state.db, &state.keys, p.actor.user_id).await?;
    let pending = match &status.pending {
        Some(secret) if !status.enrolled() => {
            let account = users::account(&state.db, p.actor.user_id).await?;
            let uri = sf::otpauth_uri(secret, &format!("{}{}", account.name, account.phone_mask));
            let svg = qrcode::QrCode::new(uri.as_bytes())
                .map_err(AppError::internal)?
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build();
            let grouped = secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Some((grouped, svg))
        }
        _ => None,
    };
    Ok(SecondFactorPage {
        page: ctx.page("动态口令"),
        required: state.config.second_factor_required && !p.actor.grants.is_empty(),
        enrolled: status.enrolled(),
        recovery_left: status.recovery_left,
        pending,
        new_codes,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render(&page_for(&state, &ctx, Vec::new(), FieldErrors::default()).await?)
}

/// A fresh secret to scan (an unconfirmed one before it is replaced).
pub async fn begin(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.principal()?.actor.user_id;
    if second_factor::status(&state.db, &state.keys, user)
        .await?
        .enrolled()
    {
        return Ok(Redirect::to("/me/second-factor").into_response());
    }
    let secret = sf::encode_secret(&random_bytes::<20>());
    let mut tx = state.db.begin().await?;
    second_factor::begin(tx.conn(), &state.keys, user, &secret).await?;
    tx.commit().await?;
    Ok(Redirect::to("/me/second-factor#enrol").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

fn recovery_codes() -> Vec<String> {
    (0..sf::RECOVERY_CODES)
        .map(|_| sf::recovery_code(&random_bytes::<10>()))
        .collect()
}

/// The first code from the app confirms the secret; the recovery codes are shown once.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let user = ctx.principal()?.actor.user_id;
    let status = second_factor::status(&state.db, &state.keys, user).await?;
    let enrolled = status.enrolled();
    let Some(secret) = status.pending.filter(|_| !enrolled) else {
        return Ok(Redirect::to("/me/second-factor").into_response());
    };
    let bytes = sf::decode_secret(&secret).ok_or_else(|| AppError::internal("a stored secret"))?;
    let Some(step) = sf::accepted_step(&bytes, &form.code, now_epoch(), 0) else {
        let errors = FieldErrors::one(
            "code",
            "动态口令不正确：请输入验证器里“党建云”当前显示的 6 位数字，并确认手机时间准确",
        );
        return render_invalid(&page_for(&state, &ctx, Vec::new(), errors).await?);
    };
    let codes = recovery_codes();
    let mut tx = state.db.begin().await?;
    second_factor::confirm(tx.conn(), &state.keys, user, &secret, step, &codes).await?;
    ctx.audit(&mut tx, "启用动态口令", "本人账号", "").await?;
    tx.commit().await?;
    render(&page_for(&state, &ctx, codes, FieldErrors::default()).await?)
}

/// A code from the app, used up like a login's (the one that signs in next must be newer).
async fn check_code(state: &AppState, user: i64, code: &str) -> AppResult<bool> {
    let status = second_factor::status(&state.db, &state.keys, user).await?;
    let Some(secret) = status.secret else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    let fresh = second_factor::spend_code(tx.conn(), user, &secret, code, now_epoch()).await?;
    tx.commit().await?;
    Ok(fresh)
}

const WRONG_CODE: &str = "动态口令不正确或已使用过，请等下一个口令出现后再输入";

/// New recovery codes (the old ones stop), on a current code.
pub async fn renew_recovery(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let user = ctx.principal()?.actor.user_id;
    if !check_code(&state, user, &form.code).await? {
        let errors = FieldErrors::one("renew-code", WRONG_CODE);
        return render_invalid(&page_for(&state, &ctx, Vec::new(), errors).await?);
    }
    let codes = recovery_codes();
    let mut tx = state.db.begin().await?;
    second_factor::replace_recovery(tx.conn(), &state.keys, user, &codes).await?;
    ctx.audit(&mut tx, "重新生成恢复码", "本人账号", "").await?;
    tx.commit().await?;
    render(&page_for(&state, &ctx, codes, FieldErrors::default()).await?)
}

/// A member turns the optional factor off, on a current code; an administrator may not.
pub async fn turn_off(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    if state.config.second_factor_required && !p.actor.grants.is_empty() {
        return Err(AppError::Conflict(
            "管理员和工作人员须使用动态口令，不能关闭".into(),
        ));
    }
    if !check_code(&state, p.actor.user_id, &form.code).await? {
        let errors = FieldErrors::one("off-code", WRONG_CODE);
        return render_invalid(&page_for(&state, &ctx, Vec::new(), errors).await?);
    }
    let mut tx = state.db.begin().await?;
    second_factor::remove(tx.conn(), p.actor.user_id).await?;
    ctx.audit(&mut tx, "关闭动态口令", "本人账号", "").await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/me/second-factor",
        "已关闭动态口令",
    ))
}

/// The 安全管理员 resets a lost phone: the secret and recovery codes go, the account's
/// sessions end, and (an administrator) enrols again at the next sign-in.
pub async fn reset(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let account = users::account(&state.db, id).await?;
    let mut tx = state.db.begin().await?;
    second_factor::remove(tx.conn(), account.id).await?;
    sessions::delete_all_for(tx.conn(), account.id).await?;
    ctx.audit(
        &mut tx,
        "重置动态口令",
        &format!("账号 {} {}", account.id, account.name),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/security/grants",
        &format!("已重置{}的动态口令，其登录已全部结束", account.name),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PhoneForm {
    phone: String,
}

/// The same reset for an account found by its phone (a member who enrolled by choice).
pub async fn reset_by_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PhoneForm>,
) -> AppResult<Response> {
    let Ok(phone) = crate::domain::text::phone(&form.phone) else {
        return Ok(flash_redirect(
            &state,
            "/security/grants",
            "请输入正确的11位手机号",
        ));
    };
    let Some(user) = users::by_phone(&state.db, &state.keys, &phone).await? else {
        return Ok(flash_redirect(
            &state,
            "/security/grants",
            "没有这个手机号的账号",
        ));
    };
    reset(State(state), ctx, Id(user.id)).await
}
