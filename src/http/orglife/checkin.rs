//! Check-in: the rotating QR code on the secretary's screen, what a scan opens, the
//! member's confirmation (with the county's geofence when set), and manual check-in for
//! members without a phone. Attending earns the meeting's points.
use super::super::access::{Admin, Member};
use super::super::context::{Page, flash_redirect};
use super::super::form::{Id, render, render_invalid};
use super::super::{AppState, Ctx};
use crate::domain::checkin;
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::meetings::{CheckinMethod, parse_point};
use crate::domain::points::LedgerKey;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::WriteTx;
use crate::store::meetings::{self, CheckIn, Meeting, Summary};
use crate::store::{audit, points};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;

/// The address members' phones open: from the request's host, as the secretary's screen sees it.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "meeting_qr.html")]
struct QrPage {
    m: Meeting,
    url: String,
    svg: String,
    summary: Summary,
    message: String,
}

pub async fn qr(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Id(id): Id,
    headers: HeaderMap,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    let now = now_epoch();
    let url = format!(
        "{}/checkin/{id}?t={}",
        public_base(&state, &headers),
        checkin::token(&state.keys, id, checkin::window(now))
    );
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(AppError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(280, 280)
        .build();
    let summary = meetings::summarize(&meetings::attendance(&state.db, id).await?);
    render(&QrPage {
        message: checkin::accepting(m.starts_at, m.ends_at, now)
            .err()
            .unwrap_or_default()
            .to_string(),
        m,
        url,
        svg,
        summary,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    t: String,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    page: Page,
    m: Meeting,
    token: String,
    outcome: String,
    ok: bool,
    can_confirm: bool,
    /// The page asks the browser for the location before confirming.
    fence: bool,
}

/// Why this member cannot check in with this token now, if anything.
async fn checkin_problem(
    state: &AppState,
    m: &Meeting,
    member_id: Option<i64>,
    token: &str,
    now: i64,
) -> AppResult<Option<String>> {
    if let Err(p) = checkin::verify(&state.keys, m.id, token, now) {
        return Ok(Some(p.message().to_string()));
    }
    if let Err(msg) = checkin::accepting(m.starts_at, m.ends_at, now) {
        return Ok(Some(msg.to_string()));
    }
    let Some(member) = member_id else {
        return Ok(Some("只有党员账号可以签到".into()));
    };
    let mut conn = state.db.conn().await?;
    if !meetings::is_expected(&mut conn, m.id, member).await? {
        return Ok(Some(
            "您不是本次会议的应到人员，请扫描本支部会场的二维码".into(),
        ));
    }
    Ok(None)
}

async fn audit_refusal(state: &AppState, ctx: &Ctx, m: &Meeting, why: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        CheckinMethod::Qr.label(),
        &m.audit_target(),
        audit::FAILED,
        why,
    )
    .await?;
    tx.commit().await
}

/// What a scan opens: the meeting and one button (a GET never changes anything).
pub async fn checkin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let m = meetings::get(&state.db, id).await?;
    let now = now_epoch();
    let problem = checkin_problem(&state, &m, p.actor.member_id, &q.t, now).await?;
    let already = match p.actor.member_id {
        Some(member) => meetings::has_checked_in(&state.db, id, member).await?,
        None => false,
    };
    if let Some(why) = &problem {
        audit_refusal(&state, &ctx, &m, why).await?;
    }
    let fence = m.lat_e6.is_some() && crate::store::settings::geofence_m(&state.db).await? > 0;
    render(&CheckinPage {
        page: ctx.page("会议签到"),
        fence,
        token: q.t,
        ok: already,
        can_confirm: problem.is_none() && !already,
        outcome: if already {
            "已签到".into()
        } else {
            problem.unwrap_or_default()
        },
        m,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckinForm {
    t: String,
    lat: String,
    lng: String,
}

/// With the county's geofence on and a map point on the meeting: how far the phone is, or
/// why it cannot check in from there.
async fn geofence(
    state: &AppState,
    m: &Meeting,
    lat: &str,
    lng: &str,
) -> AppResult<Result<Option<i64>, String>> {
    let radius = crate::store::settings::geofence_m(&state.db).await?;
    let (Some(mlat), Some(mlng)) = (m.lat_e6, m.lng_e6) else {
        return Ok(Ok(None));
    };
    if radius <= 0 {
        return Ok(Ok(None));
    }
    let Ok(Some((a, b))) = parse_point(lat, lng) else {
        return Ok(Err(
            "本次会议需在会场签到，请允许浏览器获取您的位置后重试".into()
        ));
    };
    let d = checkin::distance_m((mlat, mlng), (a, b)).round() as i64;
    if d > radius {
        return Ok(Err(format!(
            "您距离会场约{d}米，超出签到范围（{radius}米），请到会场后再签到"
        )));
    }
    Ok(Ok(Some(d)))
}

pub async fn check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<CheckinForm>,
) -> AppResult<Response> {
    let user = ctx.actor()?.user_id;
    let m = meetings::get(&state.db, id).await?;
    let now = now_epoch();
    if let Some(why) = checkin_problem(&state, &m, Some(member), &form.t, now).await? {
        audit_refusal(&state, &ctx, &m, &why).await?;
        return render_invalid(&CheckinPage {
            page: ctx.page("会议签到"),
            m,
            token: form.t,
            outcome: why,
            ok: false,
            can_confirm: false,
            fence: false,
        });
    }
    let distance = match geofence(&state, &m, &form.lat, &form.lng).await? {
        Ok(d) => d,
        Err(why) => {
            audit_refusal(&state, &ctx, &m, &why).await?;
            return render_invalid(&CheckinPage {
                page: ctx.page("会议签到"),
                m,
                token: form.t,
                outcome: why,
                ok: false,
                can_confirm: true,
                fence: true,
            });
        }
    };
    let check_in = CheckIn {
        meeting_id: id,
        member_id: member,
        method: CheckinMethod::Qr,
        by_user: user,
        distance_m: distance,
        at: now,
    };
    let mut tx = state.db.begin().await?;
    let fresh = record(&mut tx, &ctx, &m, &check_in, "").await?;
    tx.commit().await?;
    render(&CheckinPage {
        page: ctx.page("会议签到"),
        outcome: if fresh {
            format!("签到成功（{}）", format_minute(now))
        } else {
            "已签到".into()
        },
        m,
        token: String::new(),
        ok: true,
        can_confirm: false,
        fence: false,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    member: String,
}

/// The secretary checks in a member without a phone; recorded as manual, with who did it.
pub async fn manual_check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MemberForm>,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    let member: i64 = form.member.trim().parse().map_err(|_| AppError::NotFound)?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    if !meetings::is_expected(tx.conn(), id, member).await? {
        return Err(AppError::NotFound);
    }
    if now < m.starts_at - checkin::OPENS_BEFORE_SECS {
        drop(tx);
        return Ok(flash_redirect(
            &state,
            &format!("/meetings/{id}"),
            "签到尚未开始（会前30分钟开放签到）",
        ));
    }
    let check_in = CheckIn {
        meeting_id: id,
        member_id: member,
        method: CheckinMethod::Manual,
        by_user: actor.user_id,
        distance_m: None,
        at: now,
    };
    let name = crate::store::members::name_in(tx.conn(), member).await?;
    let fresh = record(&mut tx, &ctx, &m, &check_in, &name).await?;
    tx.commit().await?;
    let msg = if fresh {
        format!("已为{}代签到", name)
    } else {
        format!("{}已签到", name)
    };
    Ok(flash_redirect(&state, &format!("/meetings/{id}"), &msg))
}

/// The check-in, its audit entry and the attendance points (once per meeting and
/// member), in the caller's transaction; whether it is new.
async fn record(
    tx: &mut WriteTx,
    ctx: &Ctx,
    m: &Meeting,
    c: &CheckIn,
    detail: &str,
) -> AppResult<bool> {
    if !meetings::check_in(tx.conn(), c).await? {
        return Ok(false);
    }
    let action = c.method.label();
    let target = m.audit_target();
    ctx.audit(tx, action, &target, detail).await?;
    let reason = format!("参加{}：{}", m.kind_label(), m.topic);
    let key = LedgerKey::meeting_attended(m.id, c.member_id);
    points::credit(tx.conn(), c.member_id, &key, &reason, c.at).await?;
    Ok(true)
}
