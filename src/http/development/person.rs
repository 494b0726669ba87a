//! A person on the 发展党员 path: registering them, their page (every step done, the next one
//! with its window), recording a step with what it needs, correcting the last one, and the
//! admission into the roster when the committee above approves.
use super::super::access::{Admin, Found};
use super::super::context::{Page, flash_redirect};
use super::super::form::{
    Choice, FieldErrors, Form, Id, NoticePage, choices, render, render_invalid,
};
use super::super::stored::{self, Upload};
use super::super::{AppState, Ctx};
use super::today;
use crate::domain::clock::{format_date, now_epoch, parse_date};
use crate::domain::development::{
    self as rules, Decision, Detail, History, NOTE_MAX_CHARS, Need, Next, PersonEntry, Recorder,
    STEPS, Stage, Step, Vote, step_of,
};
use crate::domain::member::{
    ETHNICITIES, Education, Gender, MemberCategory, MemberRecord, MemberStatus, PersonFields,
};
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::development::{self, NewStep, Person, StepRow};
use crate::store::{members, orgs, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// Who is looking at a person's page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer {
    /// Administers the person's branch (its own or from above).
    pub admin: bool,
    /// The person themselves.
    pub own: bool,
    /// Their 培养联系人 or 入党介绍人.
    pub contact: bool,
}

/// The person, when the actor may see them: administrators of the branch and above, the
/// person, their contacts. Anyone else: 404.
pub async fn visible(state: &AppState, actor: &Actor, id: i64) -> AppResult<(Person, Viewer)> {
    let person = development::person(&state.db, id).await?;
    let contact = match actor.member_id {
        Some(m) => development::people_of_contact(&state.db, m)
            .await?
            .contains(&id),
        None => false,
    };
    let viewer = Viewer {
        admin: actor.administers(&person.branch_path),
        own: actor.applicant_id == Some(id),
        contact,
    };
    if viewer.admin || viewer.own || viewer.contact {
        Ok((person, viewer))
    } else {
        Err(AppError::NotFound)
    }
}

/// A step done, as the page lists it.
pub struct Entry {
    pub id: i64,
    pub done_on: String,
    pub by: String,
    pub at: String,
    pub note: String,
    pub detail: String,
    pub document: Option<String>,
    pub voided: Option<String>,
}

/// One of the twenty-five steps with what was recorded for it.
pub struct StepLine {
    pub step: &'static Step,
    pub entries: Vec<Entry>,
}

/// The next step (or an assessment due) with its window, and whether this viewer records it.
pub struct Due {
    pub step: &'static Step,
    pub earliest: String,
    pub latest: String,
    pub overdue: bool,
    pub may_record: bool,
}

impl Due {
    fn of(n: Next, actor: &Actor, branch_path: &str) -> Option<Self> {
        let step = step_of(n.step)?;
        Some(Due {
            step,
            earliest: n.earliest.map(format_date).unwrap_or_default(),
            latest: n.latest.map(format_date).unwrap_or_default(),
            overdue: n.overdue(today()),
            may_record: actor.may_record_development(step.recorder, branch_path),
        })
    }

    pub fn need(&self) -> &'static str {
        match self.step.need {
            Need::Date => "date",
            Need::People { .. } => "people",
            Need::Document => "document",
            Need::Training => "training",
            Need::Vote => "vote",
            Need::Decision => "decision",
        }
    }
}

/// What was typed into the step form, kept when it is refused.
#[derive(Debug, Clone, Default)]
pub struct StepForm {
    pub step: String,
    pub done_on: String,
    pub note: String,
    pub person1: String,
    pub person2: String,
    pub days: String,
    pub hours: String,
    pub eligible: String,
    pub present: String,
    pub in_favour: String,
    pub against: String,
    pub abstained: String,
    pub decision: String,
    pub months: String,
}

impl StepForm {
    fn from_upload(u: &Upload) -> Self {
        let f = |n: &str| u.field(n).to_string();
        StepForm {
            step: f("step"),
            done_on: f("done_on"),
            note: f("note"),
            person1: f("person1"),
            person2: f("person2"),
            days: f("days"),
            hours: f("hours"),
            eligible: f("eligible"),
            present: f("present"),
            in_favour: f("in_favour"),
            against: f("against"),
            abstained: f("abstained"),
            decision: f("decision"),
            months: f("months"),
        }
    }
}

#[derive(Template)]
#[template(path = "development_person.html")]
pub struct PersonPage {
    pub page: Page,
    pub person: Person,
    pub viewer: Viewer,
    pub stage: Stage,
    pub ended: bool,
    pub admitted_on: String,
    pub probation_ends: String,
    pub full_member_on: String,
    pub contacts: String,
    pub introducers: String,
    pub steps: Vec<StepLine>,
    pub next: Option<Due>,
    pub assessment: Option<Due>,
    pub may_void: Option<i64>,
    pub has_account: bool,
    pub members: Vec<(i64, String)>,
    pub decisions: Vec<Choice>,
    pub form: StepForm,
    pub errors: FieldErrors,
    pub reports: Vec<super::reports::ReportLine>,
    pub may_report: bool,
    pub report_errors: FieldErrors,
    pub report_body: String,
}

impl PersonPage {
    pub fn gender(&self) -> &'static str {
        Gender::from_code(&self.person.gender).map_or("", |g| g.label())
    }
    pub fn education(&self) -> &'static str {
        Education::from_code(&self.person.education).map_or("", |g| g.label())
    }
    pub fn category(&self) -> &'static str {
        MemberCategory::from_code(&self.person.category).map_or("", |g| g.label())
    }
    pub fn person_selected(&self, which: u8, id: &i64) -> bool {
        let v = if which == 1 {
            &self.form.person1
        } else {
            &self.form.person2
        };
        v == &id.to_string()
    }
}

fn entry_of(s: &StepRow) -> Entry {
    let mut detail = Vec::new();
    if let (Some(d), Some(h)) = (s.training_days, s.training_hours) {
        detail.push(format!("集中培训{d}天、{h}学时"));
    }
    if let Some(v) = s.vote() {
        detail.push(format!(
            "应到有表决权正式党员{}人，实到{}人；赞成{}、反对{}、弃权{}",
            v.eligible, v.present, v.in_favour, v.against, v.abstained
        ));
    }
    if let Some((d, months)) = s.decision() {
        detail.push(match d {
            Decision::Extend => format!("决定：{}{months}个月", d.label()),
            _ => format!("决定：{}", d.label()),
        });
    }
    Entry {
        id: s.id,
        done_on: s.done_on.clone(),
        by: s.by_name.clone(),
        at: crate::domain::clock::format_minute(s.at),
        note: s.note.clone(),
        detail: detail.join("；"),
        document: s.doc_name.clone(),
        voided: s.voided_at.map(|at| {
            format!(
                "已于{}由{}更正作废：{}",
                crate::domain::clock::format_minute(at),
                s.voided_by_name.as_deref().unwrap_or(""),
                s.void_reason.as_deref().unwrap_or("")
            )
        }),
    }
}

/// The person's page for this viewer, with a refused step form (or report) kept.
pub async fn person_page(
    state: &AppState,
    ctx: &Ctx,
    person: Person,
    viewer: Viewer,
    form: StepForm,
    errors: FieldErrors,
) -> AppResult<PersonPage> {
    let actor = ctx.actor()?;
    let mut conn = state.db.conn().await?;
    let rows = development::steps_of(&mut conn, person.id).await?;
    let named = development::named_members(&mut conn, person.id).await?;
    let has_account = development::account_of(&mut conn, person.id)
        .await?
        .is_some();
    let members = if viewer.admin {
        development::full_members_of(&mut conn, person.branch_id).await?
    } else {
        vec![]
    };
    let reports = super::reports::lines(development::reports_of(&mut conn, person.id).await?);
    drop(conn);
    let h = development::history_of(&person, &rows);
    let s = rules::standing(&h);
    let names = |step: i64| {
        named
            .iter()
            .filter(|(s, _, _)| *s == step)
            .map(|(_, _, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let steps = STEPS
        .iter()
        .map(|step| StepLine {
            step,
            entries: rows
                .iter()
                .filter(|r| r.step == i64::from(step.number))
                .map(entry_of)
                .collect(),
        })
        .collect();
    // Only the last step done may be corrected, by whoever may record it.
    let may_void = rows
        .iter()
        .rfind(|r| r.voided_at.is_none())
        .filter(|r| {
            step_of(u8::try_from(r.step).unwrap_or(0))
                .is_some_and(|s| actor.may_record_development(s.recorder, &person.branch_path))
        })
        .map(|r| r.id);
    let form = if form.done_on.is_empty() {
        StepForm {
            done_on: format_date(today()),
            ..form
        }
    } else {
        form
    };
    Ok(PersonPage {
        page: ctx.page(format!("{} · 发展党员", person.name)),
        stage: s.stage,
        ended: s.ended,
        admitted_on: h.admitted_on().map(format_date).unwrap_or_default(),
        probation_ends: h
            .admitted_on()
            .and(h.probation_ends())
            .map(format_date)
            .unwrap_or_default(),
        full_member_on: h.full_member_on().map(format_date).unwrap_or_default(),
        contacts: names(5),
        introducers: names(9),
        steps,
        next: s.next.and_then(|n| Due::of(n, actor, &person.branch_path)),
        assessment: s
            .assessment
            .filter(|a| s.next.is_none_or(|n| n.step != a.step))
            .and_then(|n| Due::of(n, actor, &person.branch_path)),
        may_void,
        has_account,
        members,
        decisions: choices(
            Decision::ALL.iter().map(|d| (d.code(), d.label())),
            &form.decision,
        ),
        form,
        errors,
        may_report: viewer.own && rules::reports_due(s.stage) && !s.ended,
        reports,
        report_errors: FieldErrors::default(),
        report_body: String::new(),
        person,
        viewer,
    })
}

/// The person's page as it opens, nothing typed yet.
pub async fn fresh_page(
    state: &AppState,
    ctx: &Ctx,
    person: Person,
    viewer: Viewer,
) -> AppResult<PersonPage> {
    person_page(
        state,
        ctx,
        person,
        viewer,
        StepForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let (person, viewer) = visible(&state, ctx.actor()?, id).await?;
    render(&fresh_page(&state, &ctx, person, viewer).await?)
}

/// What a step's form asks for, read and checked against the rules; the field at fault.
fn parse_detail(
    form: &StepForm,
    rule: &Step,
    members: &[(i64, String)],
    document: bool,
    errors: &mut FieldErrors,
) -> Detail {
    let number = |v: &str, field: &'static str, errors: &mut FieldErrors| -> u32 {
        match v.trim() {
            "" => 0,
            t => t
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= 100_000)
                .unwrap_or_else(|| {
                    errors.add(field, "请填写整数");
                    0
                }),
        }
    };
    let mut detail = Detail {
        document,
        ..Detail::default()
    };
    match rule.need {
        Need::People { .. } => {
            for v in [&form.person1, &form.person2] {
                match v.trim() {
                    "" => {}
                    t => match t
                        .parse::<i64>()
                        .ok()
                        .filter(|id| members.iter().any(|m| m.0 == *id))
                    {
                        Some(id) => detail.people.push((id, true)),
                        None => errors.add("people", "请从本支部的正式党员中选择"),
                    },
                }
            }
        }
        Need::Training => {
            detail.training = Some((
                number(&form.days, "training", errors),
                number(&form.hours, "training", errors),
            ));
        }
        Need::Vote => {
            detail.vote = Some(Vote {
                eligible: number(&form.eligible, "vote", errors),
                present: number(&form.present, "vote", errors),
                in_favour: number(&form.in_favour, "vote", errors),
                against: number(&form.against, "vote", errors),
                abstained: number(&form.abstained, "vote", errors),
            });
        }
        Need::Decision => {
            detail.decision = Decision::from_code(&form.decision).map(|d| {
                let months = match d {
                    Decision::Extend => number(&form.months, "decision", errors) as u8,
                    _ => 0,
                };
                (d, months)
            });
        }
        Need::Date | Need::Document => {}
    }
    detail
}

/// The field a rule's refusal belongs to.
fn field_of(need: Need) -> &'static str {
    match need {
        Need::People { .. } => "people",
        Need::Training => "training",
        Need::Vote => "vote",
        Need::Decision => "decision",
        Need::Document => "document",
        Need::Date => "done_on",
    }
}

/// A scan kept with a step: a PDF as sent, a photo of a page re-encoded without its
/// location. Written durably before any row points at it.
async fn save_document(
    state: &AppState,
    person_id: i64,
    name: &str,
    bytes: Vec<u8>,
) -> AppResult<(String, String)> {
    use crate::domain::upload::{self, Kind};
    if bytes.len() > upload::MATERIAL_MAX_BYTES {
        return Err(AppError::BadRequest("材料不能超过20MB".into()));
    }
    match upload::sniff(&bytes, name) {
        Some(Kind::Pdf) => {
            let token = crate::crypto::random_token();
            let key = format!("development/{person_id}/{}.pdf", &token[..20]);
            state.files.put(&key, bytes).await?;
            Ok((key, "application/pdf".into()))
        }
        Some(k) if k.is_image() => {
            let photo =
                stored::save_photo(state, &format!("development/{person_id}"), bytes).await?;
            state.files.delete(&photo.thumb_key).await;
            Ok((photo.key, "image/jpeg".into()))
        }
        _ => Err(AppError::BadRequest(
            "材料只能是 PDF 或 JPEG、PNG 格式的扫描件".into(),
        )),
    }
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let (person, viewer) = visible(&state, &actor, id).await?;
    let upload = stored::read_upload(multipart, "材料不能超过20MB").await?;
    let form = StepForm::from_upload(&upload);
    let rule = form
        .step
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(step_of)
        .ok_or_else(|| AppError::BadRequest("没有这一步".into()))?;
    if !actor.may_record_development(rule.recorder, &person.branch_path) {
        return Err(AppError::Forbidden);
    }
    let document = upload
        .files
        .iter()
        .find(|(field, _, bytes)| field == "document" && !bytes.is_empty())
        .cloned();
    let mut conn = state.db.conn().await?;
    let rows = development::steps_of(&mut conn, person.id).await?;
    let members = development::full_members_of(&mut conn, person.branch_id).await?;
    drop(conn);
    let h = development::history_of(&person, &rows);
    let standing = rules::standing(&h);
    let mut errors = FieldErrors::default();
    let detail = parse_detail(&form, rule, &members, document.is_some(), &mut errors);
    let note = text::optional(&form.note, NOTE_MAX_CHARS).unwrap_or_else(|why| {
        errors.add("note", why);
        String::new()
    });
    let on = parse_date(&form.done_on);
    match on {
        None => errors.add("done_on", "请填写办理日期，如 2026-12-05"),
        Some(on) if errors.is_empty() => {
            if let Err(why) = rules::check_time(&h, rule.number, on, today()) {
                errors.add("done_on", why);
            } else if let Err(why) = rules::check_detail(&h, rule, &detail) {
                errors.add(field_of(rule.need), why);
            }
        }
        Some(_) => {}
    }
    let (Some(on), true) = (on, errors.is_empty()) else {
        // A step out of order is answered at the form of the step that is next.
        let shown = [standing.next, standing.assessment].map(|n| n.map(|n| n.step));
        let form = match standing.next {
            Some(n) if !shown.contains(&Some(rule.number)) => StepForm {
                step: n.step.to_string(),
                ..form
            },
            _ => form,
        };
        let page = person_page(&state, &ctx, person, viewer, form, errors).await?;
        return render_invalid(&page);
    };
    let saved = match document {
        Some((_, name, bytes)) => {
            let (key, mime) = save_document(&state, person.id, &name, bytes).await?;
            Some((key, name, mime))
        }
        None => None,
    };
    let ids: Vec<i64> = detail.people.iter().map(|p| p.0).collect();
    let step = NewStep {
        person_id: person.id,
        step: rule.number,
        done_on: on,
        note: &note,
        members: &ids,
        training: detail.training,
        vote: detail.vote,
        decision: detail.decision,
        document: saved
            .as_ref()
            .map(|(k, n, m)| (k.as_str(), n.as_str(), m.as_str())),
        by: actor.user_id,
    };
    let written = write_step(&state, &ctx, &person, &h, &step).await;
    if written.is_err()
        && let Some((key, _, _)) = &saved
    {
        state.files.delete(key).await;
    }
    let message = written?;
    super::super::dashboard::records_changed(&state, person.branch_id).await;
    Ok(flash_redirect(
        &state,
        &format!("/development/people/{}", person.id),
        &message,
    ))
}

/// The step, what it changes in the roster, and the audit line: one transaction.
async fn write_step(
    state: &AppState,
    ctx: &Ctx,
    person: &Person,
    before: &History,
    step: &NewStep<'_>,
) -> AppResult<String> {
    let now = now_epoch();
    let mut after = before.clone();
    after.done.push(rules::Done {
        step: step.step,
        on: step.done_on,
        decision: step.decision,
    });
    let rule = step_of(step.step).ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    development::record_step(tx.conn(), step, now).await?;
    let mut message = format!("已记录第{}步“{}”", rule.number, rule.name);
    if step.step == 17 {
        let member = admit(&mut tx, state, person, &after, now).await?;
        message = format!("{message}，{}已编入党员名册（预备党员）", person.name);
        ctx.audit(
            &mut tx,
            "接收预备党员",
            &format!("党员 {member} {}", person.name),
            &format!(
                "入党日期 {}",
                after.admitted_on().map(format_date).unwrap_or_default()
            ),
        )
        .await?;
    }
    if step.step == 24
        && let (Some(member), Some(full_on)) = (person.member_id, after.full_member_on())
    {
        development::make_full_member(tx.conn(), member, &format_date(full_on), now).await?;
        message = format!("{message}，{}已转为正式党员", person.name);
    }
    // 取消预备党员资格, once approved: off the roster, the record kept.
    if step.step == 24
        && after.stage() == Stage::Cancelled
        && let Some(member) = person.member_id
    {
        members::leave(tx.conn(), member, step.done_on, "取消预备党员资格", now).await?;
        message = format!("{message}，{}已离开党员名册", person.name);
    }
    ctx.audit(
        &mut tx,
        "发展党员",
        &format!("发展对象 {} {}", person.id, person.name),
        &format!(
            "第{}步 {}，{}",
            rule.number,
            rule.name,
            format_date(step.done_on)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(message)
}

/// 接收预备党员: the member record, from the person's own record and the branch meeting's
/// date; their account (if any) becomes the member's.
async fn admit(
    tx: &mut crate::store::WriteTx,
    state: &AppState,
    person: &Person,
    h: &History,
    now: i64,
) -> AppResult<i64> {
    let reveal = |enc: &str| state.keys.decrypt(enc);
    let record = MemberRecord {
        name: person.name.clone(),
        gender: Gender::from_code(&person.gender).unwrap_or(Gender::Male),
        ethnicity: person.ethnicity.clone(),
        birth_date: person.birth_date.clone(),
        id_number: reveal(&person.id_number_enc)
            .ok_or_else(|| AppError::internal_in("admission", "the ID number does not decrypt"))?,
        phone: person.phone_enc.as_deref().and_then(reveal),
        education: Education::from_code(&person.education).unwrap_or(Education::Senior),
        joined_on: h.admitted_on().map(format_date).unwrap_or_default(),
        full_member_on: None,
        status: MemberStatus::Probationary,
        category: MemberCategory::from_code(&person.category).unwrap_or(MemberCategory::Farmer),
        branch_id: person.branch_id,
        party_group_id: None,
        posts: String::new(),
        veteran: false,
    };
    let mut record = record;
    for (field, message) in members::conflicts(tx.conn(), &state.keys, &record, None).await? {
        match field {
            // A phone another member uses stays with the applicant's account only.
            "phone" => record.phone = None,
            _ => return Err(AppError::Conflict(message)),
        }
    }
    let member = members::insert(tx.conn(), &state.keys, &record, now).await?;
    development::set_member(tx.conn(), person.id, member).await?;
    development::account_becomes_member(tx.conn(), person.id, member).await?;
    Ok(member)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoidForm {
    step: String,
    reason: String,
}

/// 更正: the last step done is voided (kept, marked) and may be recorded again. A step
/// that put someone into the roster stays: the roster is corrected there.
pub async fn void(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<VoidForm>,
) -> AppResult<Response> {
    let (person, viewer) = visible(&state, &actor, id).await?;
    let mut tx = state.db.begin().await?;
    let rows = development::steps_of(tx.conn(), person.id).await?;
    let last = rows
        .iter()
        .rfind(|r| r.voided_at.is_none())
        .filter(|r| r.id.to_string() == form.step.trim())
        .ok_or_else(|| AppError::Conflict("只能更正最后办理的一步，请刷新页面".into()))?;
    let rule = step_of(u8::try_from(last.step).unwrap_or(0)).ok_or(AppError::NotFound)?;
    if !actor.may_record_development(rule.recorder, &person.branch_path) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let reason = text::required(&form.reason, NOTE_MAX_CHARS).unwrap_or_else(|why| {
        errors.add("reason", why);
        String::new()
    });
    if matches!(rule.number, 17 | 24) {
        errors.add(
            "reason",
            "这一步已改变党员名册（接收或转正），请在党员名册中更正",
        );
    }
    if !errors.is_empty() {
        drop(tx);
        let page = person_page(&state, &ctx, person, viewer, StepForm::default(), errors).await?;
        return render_invalid(&page);
    }
    development::void_step(tx.conn(), last.id, actor.user_id, &reason, now_epoch()).await?;
    ctx.audit(
        &mut tx,
        "发展党员更正",
        &format!("发展对象 {} {}", person.id, person.name),
        &format!(
            "作废第{}步 {}（{}）：{reason}",
            rule.number, rule.name, last.done_on
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/development/people/{}", person.id),
        &format!(
            "已作废第{}步“{}”的记录，可以重新办理",
            rule.number, rule.name
        ),
    ))
}

/// A step's document, for whoever may see the person.
pub async fn document(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(step_id): Id,
) -> AppResult<Response> {
    let mut conn = state.db.conn().await?;
    let person_id = development::person_of_step(&mut conn, step_id).await?;
    drop(conn);
    let (person, _) = visible(&state, ctx.actor()?, person_id).await?;
    let mut conn = state.db.conn().await?;
    let row = development::steps_of(&mut conn, person.id)
        .await?
        .into_iter()
        .find(|s| s.id == step_id)
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let (Some(key), Some(mime)) = (&row.doc_key, &row.doc_mime) else {
        return Err(AppError::NotFound);
    };
    stored::send_file(&state, key, mime, row.doc_name.as_deref()).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PersonForm {
    pub name: String,
    pub gender: String,
    pub ethnicity: String,
    pub id_number: String,
    pub phone: String,
    pub education: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "development_new.html")]
struct NewPage {
    page: Page,
    branch: orgs::Org,
    form: PersonForm,
    errors: FieldErrors,
    genders: Vec<Choice>,
    ethnicities: Vec<Choice>,
    educations: Vec<Choice>,
    categories: Vec<Choice>,
}

fn new_page_of(ctx: &Ctx, branch: orgs::Org, form: PersonForm, errors: FieldErrors) -> NewPage {
    NewPage {
        page: ctx.page("登记入党申请人"),
        genders: choices(
            Gender::ALL.iter().map(|g| (g.code(), g.label())),
            &form.gender,
        ),
        ethnicities: choices(ETHNICITIES.iter().map(|e| (*e, *e)), &form.ethnicity),
        educations: choices(
            Education::ALL.iter().map(|g| (g.code(), g.label())),
            &form.education,
        ),
        categories: choices(
            MemberCategory::ALL.iter().map(|g| (g.code(), g.label())),
            &form.category,
        ),
        branch,
        form,
        errors,
    }
}

/// The branch where the actor registers applicants.
async fn registering_branch(state: &AppState, actor: &Actor, id: i64) -> AppResult<orgs::Org> {
    orgs::get(&state.db, id).await.found_if(|o| {
        o.kind().is_branch() && actor.may_record_development(Recorder::Branch, &o.path)
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let branch = registering_branch(&state, &actor, id).await?;
    let form = PersonForm {
        ethnicity: "汉族".into(),
        ..Default::default()
    };
    render(&new_page_of(&ctx, branch, form, FieldErrors::default()))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let branch = registering_branch(&state, &actor, id).await?;
    let entry = PersonEntry {
        who: PersonFields {
            name: &form.name,
            gender: &form.gender,
            ethnicity: &form.ethnicity,
            id_number: &form.id_number,
            phone: &form.phone,
            education: &form.education,
        },
        category: &form.category,
    };
    let record = match rules::parse_person(&entry) {
        Ok(r) => r,
        Err(errors) => return render_invalid(&new_page_of(&ctx, branch, form, errors)),
    };
    let mut tx = state.db.begin().await?;
    let id = match development::insert_person(
        tx.conn(),
        &state.keys,
        &record,
        branch.id,
        None,
        actor.user_id,
        now_epoch(),
    )
    .await
    {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add("id_number", why);
            return render_invalid(&new_page_of(&ctx, branch, form, errors));
        }
        Err(e) => return Err(e),
    };
    ctx.audit(
        &mut tx,
        "登记入党申请人",
        &format!("发展对象 {id} {}", record.name),
        &format!("所在支部：{}", branch.name),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/development/people/{id}"),
        &format!("已登记{}，请记录第1步“递交入党申请书”", record.name),
    ))
}

/// 开通账号: the person signs in with their phone and a first code, to see their path and
/// send 思想汇报.
pub async fn open_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let (person, _) = visible(&state, &actor, id).await?;
    if !actor.may_record_development(Recorder::Branch, &person.branch_path) {
        return Err(AppError::Forbidden);
    }
    let Some(phone) = person
        .phone_enc
        .as_deref()
        .and_then(|p| state.keys.decrypt(p))
    else {
        return Err(AppError::BadRequest("未登记手机号，不能开通账号".into()));
    };
    let password = crate::crypto::one_time_password();
    let mut tx = state.db.begin().await?;
    if development::account_of(tx.conn(), person.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict("已开通账号".into()));
    }
    let user = users::create(
        tx.conn(),
        &state.keys,
        &users::NewUser {
            name: &person.name,
            phone: &phone,
            password_hash: &state.keys.first_code_password(&password),
            member_id: person.member_id,
            must_change_password: true,
        },
    )
    .await?;
    development::link_account(tx.conn(), user, person.id).await?;
    ctx.audit(
        &mut tx,
        "开通账号",
        &format!("发展对象 {} {}", person.id, person.name),
        "入党申请人账号",
    )
    .await?;
    tx.commit().await?;
    render(&NoticePage {
        page: ctx.page("已开通账号"),
        message: format!(
            "已为{}开通账号，登录手机号为本人手机号（{}），初始密码如下（首次登录须修改）：",
            person.name, person.phone_mask
        ),
        secret: password,
        link: format!("/development/people/{}", person.id),
        link_label: "返回".into(),
    })
}
