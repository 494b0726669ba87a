//! 云上阵地: meetings (plan, copy, QR and manual check-in, leave, minutes, close), the
//! red / yellow / grey completion grids, badges and the member's calendar feed.
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::checkin;
use crate::domain::clock::{
    SHANGHAI, format_date, format_minute, local, local_date, now_epoch, parse_date,
};
use crate::domain::org::{OrgType, path_ids};
use crate::domain::orglife::{MeetingKind, Requirement, applies_to, verdict};
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::meetings::{self, AttendeeRow, Meeting, NewMeeting, Summary};
use crate::store::orgs::{self, Org};
use crate::store::{audit, rules};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use time::{Date, Time};

/// Kinds that may be held by an organization of this type (required ones first).
fn kinds_for(org: OrgType) -> Vec<MeetingKind> {
    MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| applies_to(*k, org) || *k == MeetingKind::Other)
        .collect()
}

/// Organizations that hold organizational life.
pub fn holds_meetings(org: OrgType) -> bool {
    org.is_branch() || org.is_general_branch() || org == OrgType::PartyGroup
}

async fn meeting_visible(state: &AppState, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let m = meetings::get(&state.db, id).await?;
    if actor.may_view_orglife(&m.org_path) {
        return Ok(m);
    }
    if let Some(member) = actor.member_id {
        let mut conn = state.db.pool.acquire().await?;
        if meetings::is_expected(&mut conn, id, member).await? {
            return Ok(m);
        }
    }
    Err(AppError::NotFound)
}

async fn meeting_administered(state: &AppState, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let m = meetings::get(&state.db, id).await?;
    if actor.administers(&m.org_path) {
        Ok(m)
    } else {
        Err(AppError::NotFound)
    }
}

// ---------------------------------------------------------------- member overview

#[derive(Template)]
#[template(path = "orglife_home.html")]
struct OrglifeHome {
    page: Page,
    upcoming: Vec<UpcomingRow>,
    branch: Option<Org>,
    calendar_url: String,
}

struct UpcomingRow {
    m: Meeting,
    when: String,
    leave: String,
    can_ask_leave: bool,
}

pub fn calendar_token(keys: &crate::crypto::Keys, member_id: i64) -> String {
    let mac = crate::crypto::hex(&keys.mac(&[b"calendar", member_id.to_string().as_bytes()])[..12]);
    format!("{member_id}-{mac}")
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let now = now_epoch();
    let mut upcoming = Vec::new();
    if let Some(member) = p.actor.member_id {
        for m in meetings::upcoming_for_member(&state.db, member, now).await? {
            let leave: Option<(String,)> = sqlx::query_as(
                "SELECT status FROM leave_requests WHERE meeting_id = $1 AND member_id = $2",
            )
            .bind(m.id)
            .bind(member)
            .fetch_optional(&state.db.pool)
            .await?;
            upcoming.push(UpcomingRow {
                when: format!(
                    "{} 至 {}",
                    format_minute(m.starts_at),
                    format_minute(m.ends_at)
                ),
                can_ask_leave: leave.is_none() && m.starts_at > now,
                leave: match leave.as_ref().map(|l| l.0.as_str()) {
                    Some("pending") => "请假待批".into(),
                    Some("approved") => "已准假".into(),
                    Some("refused") => "未准假，请按时参加".into(),
                    _ => String::new(),
                },
                m,
            });
        }
    }
    let branch = match p.branch_id {
        Some(id) => Some(orgs::get(&state.db, id).await?),
        None => None,
    };
    render(&OrglifeHome {
        page: ctx.page("组织生活"),
        upcoming,
        branch,
        calendar_url: p
            .actor
            .member_id
            .map(|m| format!("/calendar/{}.ics", calendar_token(&state.keys, m)))
            .unwrap_or_default(),
    })
}

// ---------------------------------------------------------------- an organization's meetings

#[derive(Template)]
#[template(path = "meetings_index.html")]
struct MeetingsIndex {
    page: Page,
    org: Org,
    rows: Vec<(Meeting, String)>,
    admin: bool,
    kinds: Vec<Choice>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id).await?;
    if !actor.may_view_orglife(&org.path) || !holds_meetings(org.kind()) {
        return Err(AppError::NotFound);
    }
    let rows = meetings::for_org(&state.db, id, 200)
        .await?
        .into_iter()
        .map(|m| {
            let when = format_minute(m.starts_at);
            (m, when)
        })
        .collect();
    render(&MeetingsIndex {
        page: ctx.page(format!("{} · 组织生活", org.name)),
        admin: actor.administers(&org.path),
        kinds: choices(
            kinds_for(org.kind()).iter().map(|k| (k.code(), k.label())),
            "",
        ),
        org,
        rows,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MeetingForm {
    kind: String,
    topic: String,
    date: String,
    start: String,
    end: String,
    place: String,
    lat: String,
    lng: String,
    host: String,
    recorder: String,
    agenda: String,
    copy: String,
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct MeetingFormPage {
    page: Page,
    org: Org,
    form: MeetingForm,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    hosts: Vec<Choice>,
    recorders: Vec<Choice>,
    copied: bool,
}

async fn org_members(state: &AppState, org: &Org) -> AppResult<Vec<(i64, String)>> {
    let (lo, hi) = crate::domain::org::subtree_range(&org.path);
    Ok(sqlx::query_as(
        "SELECT m.id, m.name FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE (b.path >= $1 AND b.path < $2) OR m.party_group_id = $3 ORDER BY m.posts = '', m.name LIMIT 500",
    )
    .bind(lo)
    .bind(hi)
    .bind(org.id)
    .fetch_all(&state.db.pool)
    .await?)
}

async fn meeting_form_page(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    form: MeetingForm,
    errors: FieldErrors,
) -> AppResult<MeetingFormPage> {
    let members = org_members(state, &org).await?;
    let ids: Vec<(String, String)> = members
        .iter()
        .map(|(i, n)| (i.to_string(), n.clone()))
        .collect();
    let opts = |sel: &str| choices(ids.iter().map(|(v, l)| (v.as_str(), l.as_str())), sel);
    Ok(MeetingFormPage {
        page: ctx.page("安排会议"),
        kinds: choices(
            kinds_for(org.kind()).iter().map(|k| (k.code(), k.label())),
            &form.kind,
        ),
        hosts: opts(&form.host),
        recorders: opts(&form.recorder),
        copied: !form.copy.is_empty(),
        org,
        form,
        errors,
    })
}

async fn administered_holder(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    let org = orgs::get(&state.db, id).await?;
    if actor.administers(&org.path) && holds_meetings(org.kind()) && !org.is_dissolved() {
        Ok(org)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    copy: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered_holder(&state, actor, id).await?;
    let today = local_date(now_epoch());
    let mut form = MeetingForm {
        date: format_date(today),
        start: "09:00".into(),
        end: "11:00".into(),
        ..Default::default()
    };
    if let Some(kind) = MeetingKind::from_code(&q.copy) {
        form.kind = kind.code().into();
        if let Some(last) = meetings::last_of_kind(&state.db, org.id, kind).await? {
            let hm = |t: i64| {
                let l = local(t);
                format!("{:02}:{:02}", l.hour(), l.minute())
            };
            form.topic = last.topic.clone();
            form.place = last.place.clone();
            form.start = hm(last.starts_at);
            form.end = hm(last.ends_at);
            form.host = last
                .host_member_id
                .map(|i| i.to_string())
                .unwrap_or_default();
            form.recorder = last
                .recorder_member_id
                .map(|i| i.to_string())
                .unwrap_or_default();
            form.lat = last
                .lat_e6
                .map(|v| format!("{:.6}", v as f64 / 1e6))
                .unwrap_or_default();
            form.lng = last
                .lng_e6
                .map(|v| format!("{:.6}", v as f64 / 1e6))
                .unwrap_or_default();
            form.agenda = meetings::agenda(&state.db, last.id).await?.join("\n");
            form.copy = last.id.to_string();
        }
    }
    render(&meeting_form_page(&state, &ctx, org, form, FieldErrors::default()).await?)
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

fn parse_coordinate(s: &str, limit: f64) -> Result<Option<i64>, ()> {
    match s.trim() {
        "" => Ok(None),
        v => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= limit => Ok(Some((x * 1e6).round() as i64)),
            _ => Err(()),
        },
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<MeetingForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = administered_holder(&state, actor, id).await?;
    let mut errors = FieldErrors::default();
    let kind = MeetingKind::from_code(&form.kind).filter(|k| kinds_for(org.kind()).contains(k));
    if kind.is_none() {
        errors.add("kind", "请选择会议类型");
    }
    let topic = errors.check("topic", text::required(&form.topic, 100));
    let place = errors.check("place", text::required(&form.place, 100));
    let date = parse_date(&form.date);
    if date.is_none() {
        errors.add("date", "请填写日期，格式如 2026-03-28");
    }
    let start = parse_time(&form.start);
    if start.is_none() {
        errors.add("start", "请填写开始时间，格式如 09:00");
    }
    let end = parse_time(&form.end);
    if end.is_none() {
        errors.add("end", "请填写结束时间，格式如 11:00");
    }
    let (mut starts_at, mut ends_at) = (0, 0);
    if let (Some(d), Some(s), Some(e)) = (date, start, end) {
        starts_at = d.with_time(s).assume_offset(SHANGHAI).unix_timestamp();
        ends_at = d.with_time(e).assume_offset(SHANGHAI).unix_timestamp();
        // An end before the start means the meeting runs past midnight.
        if ends_at <= starts_at {
            ends_at += 86_400;
        }
        if ends_at - starts_at > 12 * 3600 {
            errors.add("end", "会议时长不能超过12小时");
        }
    }
    let lat = parse_coordinate(&form.lat, 90.0);
    let lng = parse_coordinate(&form.lng, 180.0);
    let point = match (lat, lng) {
        (Ok(Some(a)), Ok(Some(b))) => Some((a, b)),
        (Ok(None), Ok(None)) => None,
        _ => {
            errors.add("lat", "请同时填写有效的纬度和经度，或都不填");
            None
        }
    };
    let members = org_members(&state, &org).await?;
    let pick = |field: &'static str, v: &str, errors: &mut FieldErrors| match v.trim() {
        "" => None,
        s => match s
            .parse::<i64>()
            .ok()
            .filter(|i| members.iter().any(|(m, _)| m == i))
        {
            Some(i) => Some(i),
            None => {
                errors.add(field, "请从本组织党员中选择");
                None
            }
        },
    };
    let host = pick("host", &form.host, &mut errors);
    let recorder = pick("recorder", &form.recorder, &mut errors);
    let agenda: Vec<String> = form
        .agenda
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if agenda.len() > 30 {
        errors.add("agenda", "议程最多30项");
    }
    if agenda.iter().any(|a| a.chars().count() > 200) {
        errors.add("agenda", "每项议程不能超过200个字");
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return render_invalid(&meeting_form_page(&state, &ctx, org, form, errors).await?);
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let new = NewMeeting {
        org_id: org.id,
        org_path: org.path.clone(),
        party_group: org.kind() == OrgType::PartyGroup,
        kind,
        topic,
        starts_at,
        ends_at,
        place,
        point_e6: point,
        host_member_id: host,
        recorder_member_id: recorder,
        agenda,
        created_by: actor.user_id,
    };
    let meeting_id = meetings::create(tx.conn(), &new, now).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "安排会议",
        &format!("会议 {meeting_id} {}", new.topic),
        audit::OK,
        &format!("{} {} {}", org.name, kind.label(), format_minute(starts_at)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{meeting_id}"),
        "会议已安排，应到党员将在首页看到",
    ))
}

// ---------------------------------------------------------------- the meeting page

#[derive(Template)]
#[template(path = "meeting_show.html")]
struct MeetingPage {
    page: Page,
    m: Meeting,
    when: String,
    agenda: Vec<String>,
    attendance: Vec<AttendeeRow>,
    summary: Summary,
    admin: bool,
    me_expected: bool,
    me_checked_in: bool,
    problems: Vec<String>,
    photos: Vec<FileRow>,
    materials: Vec<FileRow>,
}

impl MeetingPage {
    fn time(&self, t: &Option<i64>) -> String {
        t.map(format_minute).unwrap_or_default()
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_visible(&state, actor, id).await?;
    let attendance = meetings::attendance(&state.db, id).await?;
    let summary = meetings::summarize(&attendance);
    let me = actor
        .member_id
        .and_then(|me| attendance.iter().find(|a| a.member_id == me));
    let facts = meetings::facts(&state.db.pool, &m.org_path, m.starts_at, m.starts_at + 1)
        .await?
        .into_iter()
        .find(|f| f.id == id);
    let ancestry = path_ids(&m.org_path);
    let period_start = local_date(m.starts_at);
    let problems = match (
        facts,
        rules::effective(
            &rules::all(&state.db).await?,
            &ancestry,
            m.kind(),
            period_start,
        ),
    ) {
        (Some(f), Some(req)) => {
            crate::domain::orglife::shortfalls(&f.facts(), &req.standard, now_epoch())
        }
        _ => vec![],
    };
    let (photos, materials) = meeting_files(&state, id)
        .await?
        .into_iter()
        .partition(|f| f.kind == "photo");
    render(&MeetingPage {
        page: ctx.page(m.topic.clone()),
        photos,
        materials,
        when: format!(
            "{} 至 {}",
            format_minute(m.starts_at),
            format_minute(m.ends_at)
        ),
        agenda: meetings::agenda(&state.db, id).await?,
        admin: actor.administers(&m.org_path),
        me_expected: me.is_some(),
        me_checked_in: me.is_some_and(|a| a.checked_in_at.is_some()),
        summary,
        attendance,
        problems,
        m,
    })
}

// ---------------------------------------------------------------- check-in

fn token_mac(keys: &crate::crypto::Keys, meeting_id: i64, window: i64) -> String {
    crate::crypto::hex(
        &keys.mac(&[
            b"checkin",
            meeting_id.to_string().as_bytes(),
            window.to_string().as_bytes(),
        ])[..10],
    )
}

/// The check-in token of a meeting for one 30-second window (what the QR code carries).
pub fn checkin_token(keys: &crate::crypto::Keys, meeting_id: i64, window: i64) -> String {
    checkin::make_token(window, &token_mac(keys, meeting_id, window))
}

fn current_token(state: &AppState, meeting_id: i64, now: i64) -> String {
    checkin_token(&state.keys, meeting_id, checkin::window(now))
}

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
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    let now = now_epoch();
    let url = format!(
        "{}/checkin/{id}?t={}",
        public_base(&state, &headers),
        current_token(&state, id, now)
    );
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?
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
    if let Err(p) = checkin::check_token(token, now, |w| token_mac(&state.keys, m.id, w)) {
        return Ok(Some(p.message().to_string()));
    }
    if let Err(msg) = checkin::accepting(m.starts_at, m.ends_at, now) {
        return Ok(Some(msg.to_string()));
    }
    let Some(member) = member_id else {
        return Ok(Some("只有党员账号可以签到".into()));
    };
    let mut conn = state.db.pool.acquire().await?;
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
        "扫码签到",
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
        Some(member) => {
            sqlx::query_as::<_, (i64,)>(
                "SELECT COUNT(*) FROM checkins WHERE meeting_id = $1 AND member_id = $2",
            )
            .bind(id)
            .bind(member)
            .fetch_one(&state.db.pool)
            .await?
            .0 > 0
        }
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
    let (Ok(Some(a)), Ok(Some(b))) = (parse_coordinate(lat, 90.0), parse_coordinate(lng, 180.0))
    else {
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
    Id(id): Id,
    axum::Form(form): axum::Form<CheckinForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let m = meetings::get(&state.db, id).await?;
    let now = now_epoch();
    if let Some(why) = checkin_problem(&state, &m, p.actor.member_id, &form.t, now).await? {
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
    let member = p.actor.member_id.expect("checked above");
    let mut tx = state.db.begin().await?;
    let fresh = meetings::check_in(
        tx.conn(),
        id,
        member,
        "qr",
        Some(p.actor.user_id),
        distance,
        now,
    )
    .await?;
    if fresh {
        audit::append(
            tx.conn(),
            &ctx.audit_actor(),
            "扫码签到",
            &m.audit_target(),
            audit::OK,
            "",
        )
        .await?;
        attendance_points(tx.conn(), &m, member, now).await?;
    }
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
    Id(id): Id,
    axum::Form(form): axum::Form<MemberForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
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
    let fresh = meetings::check_in(
        tx.conn(),
        id,
        member,
        "manual",
        Some(actor.user_id),
        None,
        now,
    )
    .await?;
    let name: (String,) = sqlx::query_as("SELECT name FROM members WHERE id = $1")
        .bind(member)
        .fetch_one(tx.conn())
        .await?;
    if fresh {
        audit::append(
            tx.conn(),
            &ctx.audit_actor(),
            "代签到",
            &m.audit_target(),
            audit::OK,
            &name.0,
        )
        .await?;
        attendance_points(tx.conn(), &m, member, now).await?;
    }
    tx.commit().await?;
    let msg = if fresh {
        format!("已为{}代签到", name.0)
    } else {
        format!("{}已签到", name.0)
    };
    Ok(flash_redirect(&state, &format!("/meetings/{id}"), &msg))
}

/// Attending earns the meeting-attendance points (once per meeting and member).
async fn attendance_points(
    conn: &mut sqlx::AnyConnection,
    m: &Meeting,
    member: i64,
    now: i64,
) -> AppResult<()> {
    let reason = format!("参加{}：{}", m.kind_label(), m.topic);
    crate::store::points::credit(
        conn,
        member,
        &crate::domain::points::LedgerKey::meeting_attended(m.id, member),
        &reason,
        now,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- leave

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeaveForm {
    reason: String,
}

pub async fn ask_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<LeaveForm>,
) -> AppResult<Response> {
    let p = ctx.principal()?;
    let m = meeting_visible(&state, &p.actor, id).await?;
    let member = p.actor.member_id.ok_or(AppError::NotFound)?;
    let back = "/orglife";
    let reason = match text::required(&form.reason, 200) {
        Ok(r) => r,
        Err(e) => return Ok(flash_redirect(&state, back, &format!("请假原因：{e}"))),
    };
    if m.starts_at <= now_epoch() {
        return Ok(flash_redirect(&state, back, "会议已开始，不能再请假"));
    }
    let mut tx = state.db.begin().await?;
    if !meetings::is_expected(tx.conn(), id, member).await? {
        return Err(AppError::NotFound);
    }
    match meetings::request_leave(tx.conn(), id, member, &reason, now_epoch()).await {
        Ok(()) => {}
        Err(AppError::Conflict(msg)) => return Ok(flash_redirect(&state, back, &msg)),
        Err(e) => return Err(e),
    }
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "请假",
        &m.audit_target(),
        audit::OK,
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, back, "请假申请已提交，等待支部审批"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    leave: String,
    decision: String,
}

pub async fn decide_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<DecideForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    let leave: i64 = form.leave.trim().parse().map_err(|_| AppError::NotFound)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(AppError::BadRequest("请选择批准或不批准".into())),
    };
    let mut tx = state.db.begin().await?;
    meetings::decide_leave(tx.conn(), id, leave, approve, actor.user_id, now_epoch()).await?;
    let action = if approve {
        "批准请假"
    } else {
        "不批准请假"
    };
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        action,
        &m.audit_target(),
        audit::OK,
        &format!("请假 {leave}"),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        &format!("已{action}"),
    ))
}

// ---------------------------------------------------------------- record and close

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MinutesForm {
    minutes: String,
}

pub async fn save_minutes(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<MinutesForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    let minutes = match text::optional(&form.minutes, 20_000) {
        Ok(v) => v,
        Err(e) => {
            return Ok(flash_redirect(
                &state,
                &format!("/meetings/{id}"),
                &format!("会议记录{e}"),
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    meetings::set_minutes(tx.conn(), id, &minutes, now_epoch()).await?;
    let action = if m.is_closed() {
        "更正会议记录"
    } else {
        "填写会议记录"
    };
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        action,
        &m.audit_target(),
        audit::OK,
        &format!("{}字", minutes.chars().count()),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        "会议记录已保存",
    ))
}

/// Closing fixes the record; when the item is done to standard, the organization and each
/// attendee earn the period's badge (once: the key is the item and the period).
pub async fn close(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    let now = now_epoch();
    if m.is_closed() {
        return Ok(flash_redirect(
            &state,
            &format!("/meetings/{id}"),
            "会议已归档",
        ));
    }
    if m.starts_at > now {
        return Ok(flash_redirect(
            &state,
            &format!("/meetings/{id}"),
            "会议尚未开始，不能归档",
        ));
    }
    let mut tx = state.db.begin().await?;
    meetings::set_closed(tx.conn(), id, Some((now, actor.user_id))).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "会议归档",
        &m.audit_target(),
        audit::OK,
        "",
    )
    .await?;
    tx.commit().await?;
    let awarded = crate::store::badges::award(&state.db, &m, now_epoch()).await?;
    let msg = if awarded {
        "会议已归档，本项组织生活已达标，获得党建徽章"
    } else {
        "会议已归档"
    };
    Ok(flash_redirect(&state, &format!("/meetings/{id}"), msg))
}

pub async fn reopen(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    if !m.is_closed() {
        return Ok(flash_redirect(
            &state,
            &format!("/meetings/{id}"),
            "会议尚未归档",
        ));
    }
    let mut tx = state.db.begin().await?;
    meetings::set_closed(tx.conn(), id, None).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "重新打开会议记录",
        &m.audit_target(),
        audit::OK,
        "更正",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        "已重新打开，更正后请再次归档",
    ))
}

// ---------------------------------------------------------------- photos and materials

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub meeting_id: i64,
    pub kind: String,
    pub storage_key: String,
    pub thumb_key: Option<String>,
    pub original_name: String,
    pub mime: String,
    pub size: i64,
    pub captured_at: Option<i64>,
}

impl FileRow {
    pub fn size_text(&self) -> String {
        if self.size >= 1024 * 1024 {
            format!("{:.1} MB", self.size as f64 / 1048576.0)
        } else {
            format!("{} KB", (self.size + 1023) / 1024)
        }
    }
    pub fn captured_text(&self) -> String {
        self.captured_at
            .map(|t| format!("拍摄于 {}", format_minute(t)))
            .unwrap_or_else(|| "无拍摄时间".into())
    }
}

const FILE_COLUMNS: &str =
    "id, meeting_id, kind, storage_key, thumb_key, original_name, mime, size, captured_at";

pub async fn meeting_files(state: &AppState, meeting_id: i64) -> AppResult<Vec<FileRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM meeting_files WHERE meeting_id = $1 ORDER BY id"
    ))
    .bind(meeting_id)
    .fetch_all(&state.db.pool)
    .await?)
}

/// One photo (field `photo`) or material (field `material`) per request.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    use crate::domain::upload;
    let actor = ctx.actor()?;
    let m = meeting_administered(&state, actor, id).await?;
    let too_big = || AppError::BadRequest("文件过大：照片不能超过10MB，材料不能超过20MB".into());
    let field = multipart
        .next_field()
        .await
        .map_err(|_| too_big())?
        .ok_or_else(|| AppError::BadRequest("请选择要上传的文件".into()))?;
    let is_photo = match field.name() {
        Some("photo") => true,
        Some("material") => false,
        _ => return Err(AppError::BadRequest("请选择要上传的文件".into())),
    };
    let name = upload::clean_name(field.file_name().unwrap_or(""));
    let bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
    if bytes.is_empty() {
        return Err(AppError::BadRequest("请选择要上传的文件".into()));
    }
    // Photos are checked and stored by the one photo path; materials here.
    if !is_photo && bytes.len() > upload::MATERIAL_MAX_BYTES {
        return Err(AppError::BadRequest("材料不能超过20MB".into()));
    }
    let kind = upload::sniff(&bytes, &name);
    let (key, thumb_key, mime, size, captured_at, sha) = if is_photo {
        let photo = super::stored::save_photo(&state, &format!("meetings/{id}"), bytes).await?;
        (
            photo.key,
            Some(photo.thumb_key),
            "image/jpeg".to_string(),
            photo.size,
            photo.captured_at,
            photo.sha256,
        )
    } else {
        let Some(kind) = kind.filter(|k| !k.is_image()) else {
            return Err(AppError::BadRequest(
                "材料只能是 PDF、Word 或 Excel 文件".into(),
            ));
        };
        let token = crate::crypto::random_token();
        let key = format!("meetings/{id}/{}.bin", &token[..20]);
        let (size, sha) = (bytes.len() as i64, crate::crypto::sha256_hex(&bytes));
        state
            .files
            .put(&key, bytes)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        (key, None, kind.mime().to_string(), size, None, sha)
    };
    // The file is on disk; now the row. If this fails, remove the file: no orphan either way.
    let stored = async {
        let mut tx = state.db.begin().await?;
        let file = meetings::NewFile {
            meeting_id: id,
            kind: if is_photo { "photo" } else { "material" },
            storage_key: &key,
            thumb_key: thumb_key.as_deref(),
            original_name: &name,
            mime: &mime,
            size,
            captured_at,
            sha256: &sha,
            uploaded_by: actor.user_id,
        };
        meetings::add_file(tx.conn(), &file, now_epoch()).await?;
        let action = match (is_photo, m.is_closed()) {
            (true, false) => "上传会议照片",
            (false, false) => "上传会议材料",
            (true, true) => "更正：补充会议照片",
            (false, true) => "更正：补充会议材料",
        };
        audit::append(
            tx.conn(),
            &ctx.audit_actor(),
            action,
            &m.audit_target(),
            audit::OK,
            &name,
        )
        .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = stored {
        state.files.delete(&key).await;
        if let Some(t) = &thumb_key {
            state.files.delete(t).await;
        }
        return Err(e);
    }
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        if is_photo {
            "照片已上传"
        } else {
            "材料已上传"
        },
    ))
}

async fn visible_file(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<FileRow> {
    let f: FileRow = sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM meeting_files WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&state.db.pool)
    .await?;
    meeting_visible(state, ctx.actor()?, f.meeting_id).await?;
    Ok(f)
}

pub async fn file(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let f = visible_file(&state, &ctx, id).await?;
    let download = (f.kind == "material").then_some(f.original_name.as_str());
    super::stored::send_file(&state, &f.storage_key, &f.mime, download).await
}

pub async fn thumb(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let f = visible_file(&state, &ctx, id).await?;
    let key = f.thumb_key.as_deref().ok_or(AppError::NotFound)?;
    super::stored::send_file(&state, key, "image/jpeg", None).await
}

// ---------------------------------------------------------------- completion grids

fn day_start(d: Date) -> i64 {
    d.midnight().assume_offset(SHANGHAI).unix_timestamp()
}

pub struct GridCell {
    pub label: String,
    pub colour: &'static str,
    pub title: String,
}

pub struct GridRow {
    pub label: String,
    pub cells: Vec<GridCell>,
}

pub struct OrgRow {
    pub org: Org,
    pub red: usize,
    pub yellow: usize,
    pub grey: usize,
}

impl OrgRow {
    fn count(org: Org, rows: &[GridRow]) -> Self {
        let cells = rows.iter().flat_map(|r| r.cells.iter());
        let (mut red, mut yellow, mut grey) = (0usize, 0usize, 0usize);
        for c in cells {
            match c.colour {
                "red" => red += 1,
                "yellow" => yellow += 1,
                "grey" => grey += 1,
                _ => {}
            }
        }
        Self {
            org,
            red,
            yellow,
            grey,
        }
    }

    /// Percent of the periods due so far.
    pub fn pct(&self, n: &usize) -> usize {
        (n * 100)
            .checked_div(self.red + self.yellow + self.grey)
            .unwrap_or(0)
    }
}

#[derive(Template)]
#[template(path = "grid.html")]
struct GridPage {
    page: Page,
    org: Org,
    year: i32,
    rows: Vec<GridRow>,
    orgs: Vec<OrgRow>,
    totals: (usize, usize, usize),
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

/// Verdicts for one organization's required items over a year.
fn org_grid(
    org: &Org,
    year: i32,
    all_rules: &[rules::RuleRow],
    facts: &[&meetings::FactsRow],
    now: i64,
) -> Vec<GridRow> {
    let ancestry = path_ids(&org.path);
    let mut rows = Vec::new();
    for kind in MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| applies_to(*k, org.kind()))
    {
        let jan = Date::from_calendar_date(year, time::Month::January, 1).expect("valid");
        let Some(req) = rules::effective(all_rules, &ancestry, kind, jan) else {
            continue;
        };
        let kind_facts: Vec<_> = facts
            .iter()
            .filter(|f| f.kind == kind.code())
            .map(|f| f.facts())
            .collect();
        let mut cells = Vec::new();
        for period in req.frequency.periods_in(year) {
            // A rule changed mid-year applies from its period on.
            let Some(req) = rules::effective(all_rules, &ancestry, kind, period.start) else {
                continue;
            };
            let v = verdict(&req, &period, &kind_facts, now);
            cells.push(GridCell {
                label: period.short_label(),
                colour: v.colour.css(),
                title: format!(
                    "{} {}：{}{}",
                    period.label(),
                    kind.label(),
                    v.colour.label(),
                    if v.reasons.is_empty() {
                        String::new()
                    } else {
                        format!("（{}）", v.reasons.join("；"))
                    }
                ),
            });
        }
        rows.push(GridRow {
            label: format!("{}（{}）", kind.label(), req.frequency.label()),
            cells,
        });
    }
    rows
}

pub async fn grid(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id).await?;
    if !actor.may_view_orglife(&org.path) {
        return Err(AppError::NotFound);
    }
    let now = now_epoch();
    let year = q
        .year
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(local_date(now).year());
    let from = day_start(Date::from_calendar_date(year, time::Month::January, 1).expect("valid"));
    let to = day_start(Date::from_calendar_date(year + 1, time::Month::January, 1).expect("valid"));
    let all_rules = rules::all(&state.db).await?;
    let facts = meetings::facts(&state.db.pool, &org.path, from, to).await?;
    let mut by_org: HashMap<i64, Vec<&meetings::FactsRow>> = HashMap::new();
    for f in &facts {
        by_org.entry(f.org_id).or_default().push(f);
    }
    let empty = Vec::new();
    let grid_of = |o: &Org| {
        org_grid(
            o,
            year,
            &all_rules,
            by_org.get(&o.id).unwrap_or(&empty),
            now,
        )
    };
    let (lo, hi) = crate::domain::org::subtree_range(&org.path);
    let below: Vec<Org> = sqlx::query_as(
        "SELECT id, parent_id, path, depth, name, kind, category, sort_order, address, dissolved_at FROM orgs \
         WHERE path >= $1 AND path < $2 AND dissolved_at IS NULL ORDER BY path",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&state.db.pool)
    .await?;
    // The organization's own items; a branch also shows its party groups' 党小组会.
    let mut rows = grid_of(&org);
    if org.kind().is_branch() {
        for g in below
            .iter()
            .filter(|o| o.parent_id == Some(org.id) && o.kind() == OrgType::PartyGroup)
        {
            for mut r in grid_of(g) {
                r.label = format!("{}·{}", g.name, r.label);
                rows.push(r);
            }
        }
    }
    // A superior sees one row per branch and general branch below, counted by colour.
    let org_rows: Vec<OrgRow> = if org.kind().is_branch() || org.kind() == OrgType::PartyGroup {
        vec![]
    } else {
        below
            .iter()
            .filter(|o| o.id != org.id && (o.kind().is_branch() || o.kind().is_general_branch()))
            .map(|o| OrgRow::count(o.clone(), &grid_of(o)))
            .collect()
    };
    let totals = org_rows.iter().fold((0, 0, 0), |t, r| {
        (t.0 + r.red, t.1 + r.yellow, t.2 + r.grey)
    });
    render(&GridPage {
        page: ctx.page(format!("{} · 组织生活完成情况", org.name)),
        org,
        year,
        rows,
        orgs: org_rows,
        totals,
    })
}

// ---------------------------------------------------------------- required items

pub struct RuleView {
    pub kind: MeetingKind,
    pub current: Option<Requirement>,
    pub pending: Option<(String, Option<Requirement>)>,
    pub frequencies: Vec<Choice>,
}

impl RuleView {
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn summary(&self, r: &Option<Requirement>) -> String {
        match r {
            None => "不作要求".into(),
            Some(r) => format!(
                "{}至少{}次；{}照片至少{}张；出席率不低于{}%",
                r.frequency.label(),
                r.min_count,
                if r.standard.minutes {
                    "须有会议记录；"
                } else {
                    ""
                },
                r.standard.photos,
                r.standard.attendance_pct
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "requirements.html")]
struct RequirementsPage {
    page: Page,
    org: Org,
    rules: Vec<RuleView>,
    error: String,
    /// The county-wide check-in radius, shown on the root organization's page.
    geofence: Option<i64>,
}

async fn configurable(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    let org = orgs::get(&state.db, id).await?;
    if actor.may_configure_requirements(&org.path) {
        Ok(org)
    } else {
        Err(AppError::NotFound)
    }
}

async fn requirements_page(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    error: String,
) -> AppResult<RequirementsPage> {
    let all = rules::all(&state.db).await?;
    let ancestry = path_ids(&org.path);
    let today = local_date(now_epoch());
    let mut views = Vec::new();
    for kind in MeetingKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != MeetingKind::Other)
    {
        let current = rules::effective(&all, &ancestry, kind, today);
        // A change waiting for its period: the newest future rule on this organization.
        let pending = all
            .iter()
            .filter(|r| {
                r.org_id == org.id && r.kind == kind.code() && r.effective_from > format_date(today)
            })
            .max_by_key(|r| (r.effective_from.clone(), r.id))
            .map(|r| {
                let d = parse_date(&r.effective_from).unwrap_or(today);
                (
                    r.effective_from.clone(),
                    rules::effective(&all, &ancestry, kind, d),
                )
            });
        let selected = current
            .as_ref()
            .map(|r| r.frequency.code())
            .unwrap_or("monthly");
        views.push(RuleView {
            kind,
            frequencies: choices(
                crate::domain::orglife::Frequency::ALL
                    .iter()
                    .map(|f| (f.code(), f.label())),
                selected,
            ),
            current,
            pending,
        });
    }
    let geofence = match org.parent_id {
        None => Some(crate::store::settings::geofence_m(&state.db).await?),
        Some(_) => None,
    };
    Ok(RequirementsPage {
        page: ctx.page(format!("{} · 组织生活要求", org.name)),
        org,
        rules: views,
        error,
        geofence,
    })
}

pub async fn requirements(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let org = configurable(&state, ctx.actor()?, id).await?;
    render(&requirements_page(&state, &ctx, org, String::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    kind: String,
    frequency: String,
    min_count: String,
    min_photos: String,
    attendance_pct: String,
    need_minutes: String,
    enabled: String,
}

/// A change applies from the next period of its frequency, so no past or current verdict moves.
pub async fn change_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<RuleForm>,
) -> AppResult<Response> {
    use crate::domain::orglife::{Frequency, Standard};
    let actor = ctx.actor()?;
    let org = configurable(&state, actor, id).await?;
    let num = |v: &str, lo: u32, hi: u32| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
    };
    let kind = MeetingKind::from_code(&form.kind).filter(|k| *k != MeetingKind::Other);
    let frequency = Frequency::from_code(&form.frequency);
    let (min_count, photos, pct) = (
        num(&form.min_count, 1, 10),
        num(&form.min_photos, 0, 20),
        num(&form.attendance_pct, 0, 100),
    );
    let error = match (kind, frequency, min_count, photos, pct) {
        (None, ..) => "请选择组织生活项目",
        (_, None, ..) => "请选择频次",
        (_, _, None, ..) => "次数应为1到10之间的整数",
        (_, _, _, None, _) => "照片张数应为0到20之间的整数",
        (_, _, _, _, None) => "出席率应为0到100之间的整数",
        _ => "",
    };
    if !error.is_empty() {
        return render_invalid(&requirements_page(&state, &ctx, org, error.into()).await?);
    }
    let (kind, frequency) = (kind.expect("checked"), frequency.expect("checked"));
    let req = Requirement {
        kind,
        frequency,
        min_count: min_count.expect("checked"),
        standard: Standard {
            minutes: !form.need_minutes.is_empty(),
            photos: photos.expect("checked"),
            attendance_pct: pct.expect("checked"),
        },
    };
    let today = local_date(now_epoch());
    let from = frequency.next_start(today);
    let enabled = !form.enabled.is_empty();
    let mut tx = state.db.begin().await?;
    rules::add(
        tx.conn(),
        org.id,
        &req,
        enabled,
        from,
        actor.user_id,
        now_epoch(),
    )
    .await?;
    let view = RuleView {
        kind,
        current: None,
        pending: None,
        frequencies: vec![],
    };
    let summary = view.summary(&enabled.then_some(req));
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "修改组织生活要求",
        &format!("组织 {} {}", org.id, org.name),
        audit::OK,
        &format!("{}：{}，自{}起", kind.label(), summary, format_date(from)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{id}/requirements"),
        &format!(
            "已保存，{}的新要求自{}起执行",
            kind.label(),
            format_date(from)
        ),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GeofenceForm {
    radius: String,
}

/// The county turns the check-in geofence on (a radius in metres) or off (0).
pub async fn set_geofence(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    axum::Form(form): axum::Form<GeofenceForm>,
) -> AppResult<Response> {
    let org = configurable(&state, ctx.actor()?, id).await?;
    if org.parent_id.is_some() {
        return Err(AppError::NotFound);
    }
    let Some(radius) = form
        .radius
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| (0..=5000).contains(r))
    else {
        return render_invalid(
            &requirements_page(
                &state,
                &ctx,
                org,
                "签到范围应为0到5000之间的整数（米），0表示不限".into(),
            )
            .await?,
        );
    };
    let mut tx = state.db.begin().await?;
    crate::store::settings::save(tx.conn(), "checkin_geofence_m", &radius.to_string()).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "修改签到范围",
        &org.name,
        audit::OK,
        &format!("{radius}米"),
    )
    .await?;
    tx.commit().await?;
    let msg = if radius == 0 {
        "已关闭签到地理范围限制".to_string()
    } else {
        format!("已开启：有地图位置的会议须在{radius}米内签到")
    };
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{id}/requirements"),
        &msg,
    ))
}

// ---------------------------------------------------------------- calendar feed

fn ics_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

fn ics_time(t: i64) -> String {
    let u =
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        u.year(),
        u.month() as u8,
        u.day(),
        u.hour(),
        u.minute(),
        u.second()
    )
}

/// A member's private iCalendar feed: the URL carries its own signature.
pub async fn calendar(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let member: i64 = token
        .split('-')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or(AppError::NotFound)?;
    if !crate::crypto::constant_time_eq(
        calendar_token(&state.keys, member).as_bytes(),
        token.as_bytes(),
    ) {
        return Err(AppError::NotFound);
    }
    let since = now_epoch() - 90 * 86_400;
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dangjian//orglife//ZH\r\nX-WR-CALNAME:党建云 组织生活\r\n",
    );
    for m in meetings::for_member_since(&state.db, member, since).await? {
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:meeting-{}@dangjian\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{}\r\nLOCATION:{}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\n",
            m.id,
            ics_time(now_epoch()),
            ics_time(m.starts_at),
            ics_time(m.ends_at),
            ics_escape(&format!("{}：{}", m.kind_label(), m.topic)),
            ics_escape(&m.place),
            ics_escape(&m.org_name),
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        out,
    )
        .into_response())
}
