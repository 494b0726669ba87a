//! An organization's meetings: plan one (or copy the last of a kind), its page with
//! attendance and what it still lacks, leave requests, minutes, closing and reopening.
use super::super::access::{Admin, Found, Member};
use super::super::context::{Page, flash_redirect};
use super::super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::super::{AppState, Ctx};
use crate::domain::clock::{format_date, format_minute, local, local_date, now_epoch};
use crate::domain::meetings::{
    FileKind, LEAVE_REASON_MAX_CHARS, MINUTES_MAX_CHARS, People, PlanInput, parse_plan,
};
use crate::domain::org::{OrgType, path_ids};
use crate::domain::orglife::{MeetingKind, holds_meetings, kinds_for};
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::meetings::{self, AttendeeRow, FileRow, Meeting, NewMeeting, Summary};
use crate::store::members as store_members;
use crate::store::orgs::{self, Org};
use crate::store::requirements;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

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
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.may_view_orglife(&o.path) && holds_meetings(o.kind()))?;
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

async fn meeting_form_page(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    form: MeetingForm,
    errors: FieldErrors,
) -> AppResult<MeetingFormPage> {
    let members = store_members::of_org(&state.db, org.id, &org.path).await?;
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

/// An organization the actor plans meetings for: one they administer that holds them.
async fn administered_holder(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && holds_meetings(o.kind()) && !o.is_dissolved())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    copy: String,
}

/// "09:00" in Shanghai.
fn hm(t: i64) -> String {
    let l = local(t);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let org = administered_holder(&state, &actor, id).await?;
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

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MeetingForm>,
) -> AppResult<Response> {
    let org = administered_holder(&state, &actor, id).await?;
    let (members, committee) = store_members::people_of(&state.db, org.id, &org.path).await?;
    let input = PlanInput {
        kind: &form.kind,
        topic: &form.topic,
        date: &form.date,
        start: &form.start,
        end: &form.end,
        place: &form.place,
        lat: &form.lat,
        lng: &form.lng,
        host: &form.host,
        recorder: &form.recorder,
        agenda: &form.agenda,
    };
    let plan = match parse_plan(
        &input,
        &kinds_for(org.kind()),
        &People {
            members: &members,
            committee: &committee,
        },
    ) {
        Ok(plan) => plan,
        Err(errors) => {
            return render_invalid(&meeting_form_page(&state, &ctx, org, form, errors).await?);
        }
    };
    let (kind, starts_at) = (plan.kind, plan.starts_at);
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let new = NewMeeting {
        org_id: org.id,
        org_path: org.path.clone(),
        party_group: org.kind() == OrgType::PartyGroup,
        kind,
        topic: plan.topic,
        starts_at,
        ends_at: plan.ends_at,
        place: plan.place,
        point_e6: plan.point_e6,
        host_member_id: plan.host,
        recorder_member_id: plan.recorder,
        agenda: plan.agenda,
        created_by: actor.user_id,
    };
    let meeting_id = meetings::create(tx.conn(), &new, now).await?;
    let notice = format!(
        "新会议：{}「{}」{}在{}召开",
        kind.label(),
        new.topic,
        format_minute(starts_at),
        new.place
    );
    let key = format!("planned:{meeting_id}");
    let told = tell_expected(&mut tx, meeting_id, &key, &notice, now).await?;
    ctx.audit(
        &mut tx,
        "安排会议",
        &format!("会议 {meeting_id} {}", new.topic),
        &format!("{} {} {}", org.name, kind.label(), format_minute(starts_at)),
    )
    .await?;
    tx.commit().await?;
    super::super::dashboard::records_changed(&state, org.id).await;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{meeting_id}"),
        &format!("会议已安排，已通知{}名应到人员", told.len()),
    ))
}

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
    /// Begun: it can no longer be moved.
    started: bool,
    /// The 改期 form's values: the meeting's day and times.
    start_date: String,
    start_time: String,
    end_time: String,
    /// Members from elsewhere (流入) recorded at it: (flow, name).
    guests: Vec<(i64, String)>,
    /// Those its administrators may still record, while it is open.
    guest_choices: Vec<Choice>,
}

impl MeetingPage {
    fn time(&self, t: &Option<i64>) -> String {
        t.map(format_minute).unwrap_or_default()
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let m = super::visible_meeting(&state, actor, id).await?;
    let attendance = meetings::attendance(&state.db, id).await?;
    let summary = meetings::summarize(&attendance);
    let me = actor
        .member_id
        .and_then(|me| attendance.iter().find(|a| a.member_id == me));
    let facts = meetings::facts(&state.db, &m.org_path, m.starts_at, m.starts_at + 1)
        .await?
        .into_iter()
        .find(|f| f.id == id);
    let ancestry = path_ids(&m.org_path);
    let period_start = local_date(m.starts_at);
    let problems = match (
        facts,
        requirements::effective(
            &requirements::all(&state.db).await?,
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
    let (photos, materials) = meetings::files(&state.db, id)
        .await?
        .into_iter()
        .partition(|f| f.kind == FileKind::Photo);
    let guests = crate::store::flows::guests_of(&state.db, id).await?;
    let guest_choices = if actor.administers(&m.org_path) && !m.is_closed() {
        let open: Vec<(String, String)> = super::super::flows::guest_candidates(&state, &m)
            .await?
            .into_iter()
            .filter(|f| !guests.iter().any(|(g, _)| *g == f.id))
            .map(|f| (f.id.to_string(), format!("{}（{}）", f.name, f.other_org)))
            .collect();
        choices(open.iter().map(|(v, l)| (v.as_str(), l.as_str())), "")
    } else {
        vec![]
    };
    render(&MeetingPage {
        guests,
        guest_choices,
        page: ctx.page(m.topic.clone()),
        photos,
        materials,
        when: format!(
            "{} 至 {}",
            format_minute(m.starts_at),
            format_minute(m.ends_at)
        ),
        agenda: meetings::agenda(&state.db, id).await?,
        started: m.starts_at <= now_epoch(),
        start_date: format_date(local_date(m.starts_at)),
        start_time: hm(m.starts_at),
        end_time: hm(m.ends_at),
        admin: actor.administers(&m.org_path),
        me_expected: me.is_some(),
        me_checked_in: me.is_some_and(|a| a.checked_in_at.is_some()),
        summary,
        attendance,
        problems,
        m,
    })
}

/// 会议记录 as a PDF for the paper 台账: what the page shows — the meeting, who hosted and
/// recorded it, the agenda, the minutes and who came — in the 通报's font and layout.
pub async fn record_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    let m = super::visible_meeting(&state, ctx.actor()?, id).await?;
    let attendance = meetings::attendance(&state.db, id).await?;
    let s = meetings::summarize(&attendance);
    let agenda = meetings::agenda(&state.db, id).await?;
    let name = |n: &Option<String>| n.clone().unwrap_or_else(|| "未填写".into());
    let mut summary = vec![
        format!("会议主题：{}", m.topic),
        format!(
            "时间：{} 至 {}",
            format_minute(m.starts_at),
            format_minute(m.ends_at)
        ),
        format!("地点：{}", m.place),
        format!(
            "主持人：{}　记录人：{}",
            name(&m.host_name),
            name(&m.recorder_name)
        ),
        format!(
            "应到{}人，实到{}人，请假{}人，缺席{}人",
            s.expected, s.present, s.on_leave, s.absent
        ),
    ];
    if !agenda.is_empty() {
        summary.push("议程：".into());
        summary.extend(
            agenda
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{}. {a}", i + 1)),
        );
    }
    summary.push("会议记录：".into());
    if m.minutes.trim().is_empty() {
        summary.push("（尚未填写）".into());
    } else {
        summary.extend(
            m.minutes
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| format!("　　{l}")),
        );
    }
    summary.push(match m.closed_at {
        Some(at) => format!("已于{}归档。", format_minute(at)),
        None => "尚未归档。".into(),
    });
    let rows = attendance
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                match a.checked_in_at {
                    Some(_) => a.method_label().to_string(),
                    None if !a.leave_label().is_empty() => a.leave_label().to_string(),
                    None => "缺席".into(),
                },
                a.checked_in_at.map(format_minute).unwrap_or_default(),
            ]
        })
        .collect();
    let content = crate::domain::report::ReportContent {
        title: format!("{}{}会议记录", m.org_name, m.kind_label()),
        summary,
        sections: vec![crate::domain::report::Section {
            title: "参会人员".into(),
            headings: vec!["姓名".into(), "签到 / 请假".into(), "签到时间".into()],
            rows,
            more: 0,
            empty: "本次会议没有应到人员。".into(),
        }],
    };
    let footer = format!("{}　{}", m.org_name, m.topic);
    let file = format!(
        "{}-{}-会议记录.pdf",
        m.org_name,
        format_date(local_date(m.starts_at))
    );
    let bytes = tokio::task::spawn_blocking(move || crate::pdf::report(&content, &footer))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(super::super::stored::bytes_response(
        bytes,
        "application/pdf",
        Some(&file),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LeaveForm {
    reason: String,
}

pub async fn ask_leave(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<LeaveForm>,
) -> AppResult<Response> {
    let m = super::visible_meeting(&state, ctx.actor()?, id).await?;
    let back = "/orglife";
    let reason = match text::required(&form.reason, LEAVE_REASON_MAX_CHARS) {
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
    ctx.audit(&mut tx, "请假", &m.audit_target(), &reason)
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
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<DecideForm>,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
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
    ctx.audit(&mut tx, action, &m.audit_target(), &format!("请假 {leave}"))
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        &format!("已{action}"),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MinutesForm {
    minutes: String,
}

pub async fn save_minutes(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MinutesForm>,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    let minutes = match text::optional(&form.minutes, MINUTES_MAX_CHARS) {
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
    ctx.audit(
        &mut tx,
        action,
        &m.audit_target(),
        &format!("{}字", minutes.chars().count()),
    )
    .await?;
    tx.commit().await?;
    super::super::dashboard::records_changed(&state, m.org_id).await;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        "会议记录已保存",
    ))
}

/// Closing fixes the record; when the item is done to standard, the organization and each
/// attendee earn the period's badge (once: the key is the item and the period).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    date: String,
    start: String,
    end: String,
    place: String,
}

/// 改期: a meeting not yet begun moves to another time or place, and everyone expected is
/// told.
pub async fn reschedule(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<MoveForm>,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    let back = format!("/meetings/{id}");
    let now = now_epoch();
    let moved = match crate::domain::meetings::parse_move(
        &form.date,
        &form.start,
        &form.end,
        &form.place,
        m.starts_at,
        now,
    ) {
        Ok(moved) => moved,
        Err(errors) => {
            let why: Vec<String> = ["date", "start", "end", "place"]
                .iter()
                .map(|f| errors.get(f))
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect();
            return Ok(flash_redirect(
                &state,
                &back,
                &format!("未改期：{}", why.join("；")),
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    meetings::reschedule(tx.conn(), id, &moved, now).await?;
    let notice = format!(
        "会议改期：{}「{}」改为{}在{}召开",
        m.kind_label(),
        m.topic,
        format_minute(moved.starts_at),
        moved.place
    );
    let key = format!("moved:{id}:{}", moved.starts_at);
    let told = tell_expected(&mut tx, id, &key, &notice, now).await?;
    ctx.audit(
        &mut tx,
        "会议改期",
        &m.audit_target(),
        &format!(
            "{} → {} {}",
            format_minute(m.starts_at),
            format_minute(moved.starts_at),
            moved.place
        ),
    )
    .await?;
    tx.commit().await?;
    super::super::dashboard::records_changed(&state, m.org_id).await;
    Ok(flash_redirect(
        &state,
        &back,
        &format!("已改期，已通知{}名应到人员", told.len()),
    ))
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
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
    ctx.audit(&mut tx, "会议归档", &m.audit_target(), "")
        .await?;
    tx.commit().await?;
    let awarded = crate::store::badges::award(&state.db, &m, now_epoch()).await?;
    super::super::dashboard::records_changed(&state, m.org_id).await;
    let msg = if awarded {
        "会议已归档，本项组织生活已达标，获得党建徽章"
    } else {
        "会议已归档"
    };
    Ok(flash_redirect(&state, &format!("/meetings/{id}"), msg))
}

pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let m = super::administered_meeting(&state, &actor, id).await?;
    if !m.is_closed() {
        return Ok(flash_redirect(
            &state,
            &format!("/meetings/{id}"),
            "会议尚未归档",
        ));
    }
    let mut tx = state.db.begin().await?;
    meetings::set_closed(tx.conn(), id, None).await?;
    ctx.audit(&mut tx, "重新打开会议记录", &m.audit_target(), "更正")
        .await?;
    tx.commit().await?;
    super::super::dashboard::records_changed(&state, m.org_id).await;
    Ok(flash_redirect(
        &state,
        &format!("/meetings/{id}"),
        "已重新打开，更正后请再次归档",
    ))
}

/// Tells everyone expected at a meeting (in their bell, leading to the meeting) once per
/// `key`: the accounts told.
async fn tell_expected(
    tx: &mut crate::store::WriteTx,
    meeting_id: i64,
    key: &str,
    notice: &str,
    now: i64,
) -> AppResult<Vec<i64>> {
    let link = format!("/meetings/{meeting_id}");
    let told = meetings::attendee_accounts(tx.conn(), meeting_id).await?;
    for user in &told {
        crate::store::notifications::notify(tx.conn(), *user, key, notice, &link, now).await?;
    }
    Ok(told)
}
