//! 电子监察 on screen: the findings in the actor's subtree, each with its evidence (the
//! meetings, the two photos side by side, the two minutes with the shared passages marked)
//! and its history; a branch answers a finding (申诉), a superior accepts or rejects the
//! answer; the county administrator runs a scan at once.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, format_minute, local_date, now_epoch};
use crate::domain::dashboard::{PeriodKind, month_key, month_of_key, viewable_day};
use crate::domain::near_duplicates::{shared_passages, split_marked};
use crate::domain::paging::Paging;
use crate::domain::policy::Actor;
use crate::domain::supervision::{
    APPEAL_MAX_CHARS, CountySetting, DECISION_MAX_CHARS, EventKind, FindingStatus, Rule, Score,
    Thresholds, TierFormula,
};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::meetings::{self, Meeting};
use crate::store::supervision::{self as store, Event, Finding, FindingFilter, Statuses};
use crate::store::{notifications, orgs, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// One organization's subtree (from the dashboard's warning).
    org: String,
    rule: String,
    /// "all" shows closed findings too.
    status: String,
    /// "2026-11": the findings that month's figures count (the 月度通报's 问题数).
    month: String,
    page: String,
}

#[derive(Template)]
#[template(path = "findings.html")]
struct ListPage {
    page: Page,
    findings: Vec<Finding>,
    total: i64,
    rules: Vec<Choice>,
    all: bool,
    rule: String,
    org: String,
    /// "2026-11" when the list is a month's counted findings.
    month: String,
    /// What the list holds, as its heading says it.
    heading: String,
    counting_rule: &'static str,
    page_no: i64,
    pages: i64,
    may_scan: bool,
    last_run: String,
}

/// The subtree a list shows: the actor's widest administered root.
fn list_root(actor: &Actor) -> AppResult<String> {
    actor
        .admin_roots()
        .into_iter()
        .min_by_key(|p| p.len())
        .map(str::to_string)
        .ok_or(AppError::NotFound)
}

/// May run a scan (or generate a month's reports again): an administrator of the county
/// root.
pub(super) async fn may_scan(state: &AppState, actor: &Actor) -> AppResult<bool> {
    Ok(orgs::root(&state.db)
        .await?
        .is_some_and(|r| actor.may_set_county_rules(&r.path)))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let root_path = match q.org.trim().parse::<i64>() {
        Ok(id) => {
            orgs::get(&state.db, id)
                .await
                .found_if(|o| actor.may_view_finding(&o.path))?
                .path
        }
        Err(_) => list_root(&actor)?,
    };
    let month = month_of_key(&q.month);
    let all = q.status == "all";
    let filter = FindingFilter {
        root_path,
        rule: Rule::from_code(&q.rule),
        statuses: match (month, all) {
            (Some(_), _) => Statuses::Counted,
            (None, true) => Statuses::All,
            (None, false) => Statuses::Open,
        },
        observed: month.map(|m| (m.start, m.end)),
    };
    let mut paging = Paging::parse(&q.page, PAGE_SIZE);
    let (mut findings, total) =
        store::findings(&state.db, &filter, PAGE_SIZE, paging.offset()).await?;
    if let Some(last) = paging.past_end(total) {
        paging = last;
        findings = store::findings(&state.db, &filter, PAGE_SIZE, paging.offset())
            .await?
            .0;
    }
    let last_run = store::last_run(&state.db)
        .await?
        .map(|r| {
            format!(
                "最近一次检查：{}，新发现{}条",
                format_minute(r.started_at),
                r.found
            )
        })
        .unwrap_or_else(|| "尚未检查".into());
    let heading = match month {
        Some(m) => format!(
            "{}计入统计的问题",
            crate::domain::report::month_label(m.start)
        ),
        None if all => "全部问题".into(),
        None => "待处理问题".into(),
    };
    render(&ListPage {
        page: ctx.page("电子监察"),
        findings,
        total,
        rules: choices(Rule::ALL.iter().map(|r| (r.code(), r.label())), &q.rule),
        all,
        rule: q.rule,
        org: q.org,
        month: month.map(|m| month_key(&m)).unwrap_or_default(),
        heading,
        counting_rule: crate::domain::report::COUNTING_RULE,
        page_no: paging.page,
        pages: paging.pages(total),
        may_scan: may_scan(&state, &actor).await?,
        last_run,
    })
}

/// 立即检查: the daily scan, now.
pub async fn scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    if !may_scan(&state, &actor).await? {
        return Err(AppError::NotFound);
    }
    let found = crate::supervision::scan(&state.db, Some(actor.user_id), now_epoch()).await?;
    let n: i64 = found.values().sum();
    let mut tx = state.db.begin().await?;
    ctx.audit(&mut tx, "电子监察", "立即检查", &format!("新发现{n}条"))
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/findings",
        &format!("检查完成，新发现{n}条问题"),
    ))
}

/// A meeting named in the evidence, with its minutes cut at the passages it shares with the
/// other meeting's.
struct Shown {
    meeting: Meeting,
    minutes: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "finding_show.html")]
struct ShowPage {
    page: Page,
    f: Finding,
    meetings: Vec<Shown>,
    photos: Vec<(usize, String)>,
    events: Vec<Event>,
    may_appeal: bool,
    may_decide: bool,
    may_follow_up: bool,
    appeal_max: usize,
    decision_max: usize,
    note: String,
    errors: FieldErrors,
}

impl ShowPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// The finding, when `allowed` of its organization's path (404 otherwise).
/// A finding kept when `allowed` admits the path of the organization that answers it.
async fn finding_where(
    state: &AppState,
    id: i64,
    allowed: impl Fn(&str) -> bool,
) -> AppResult<Finding> {
    store::finding(&state.db, id)
        .await
        .found_if(|f| allowed(f.answering_path()))
}

/// The finding's page again with what was typed and the error at its field (422).
async fn invalid(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: Finding,
    note: String,
    (field, message): (&'static str, String),
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    render_invalid(&show_page(state, ctx, actor, f, note, errors).await?)
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    f: Finding,
    note: String,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let evidence = f.evidence();
    let mut shown = Vec::new();
    for id in &evidence.meetings {
        shown.push(meetings::get(&state.db, *id).await?);
    }
    let copied = f.rule == Rule::MinutesCopied && shown.len() == 2;
    let meetings = shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let minutes = if copied {
                let other = &shown[1 - i].minutes;
                split_marked(&m.minutes, &shared_passages(&m.minutes, other))
            } else {
                vec![(m.minutes.clone(), false)]
            };
            Shown {
                meeting: m.clone(),
                minutes,
            }
        })
        .collect();
    let mut photos = Vec::new();
    for (i, file) in evidence.files.iter().enumerate() {
        let row = meetings::file(&state.db, *file).await?;
        let of = shown
            .iter()
            .find(|m| m.id == row.meeting_id)
            .map(|m| format!("{} {}", m.org_name, format_minute(m.starts_at)))
            .unwrap_or_default();
        photos.push((i, of));
    }
    let appealable = f.status == FindingStatus::Open;
    let decidable = f.status == FindingStatus::Appealed;
    Ok(ShowPage {
        page: ctx.page("电子监察"),
        meetings,
        photos,
        events: store::events(&state.db, f.id).await?,
        may_appeal: appealable && actor.may_appeal_finding(f.answering_path()),
        may_decide: decidable && actor.may_decide_finding(f.answering_path()),
        may_follow_up: actor.is_superior_of(f.answering_path()),
        appeal_max: APPEAL_MAX_CHARS,
        decision_max: DECISION_MAX_CHARS,
        note,
        errors,
        f,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let f = finding_where(&state, id, |p| actor.may_view_finding(p)).await?;
    render(
        &show_page(
            &state,
            &ctx,
            &actor,
            f,
            String::new(),
            FieldErrors::default(),
        )
        .await?,
    )
}

/// A photo of the evidence, by its place in it: shown to whoever sees the finding, even when
/// the other photo is another town's.
pub async fn photo(
    State(state): State<AppState>,
    Admin(actor): Admin,
    crate::http::form::IdPair(id, n): crate::http::form::IdPair,
) -> AppResult<Response> {
    let f = finding_where(&state, id, |p| actor.may_view_finding(p)).await?;
    let file = *f
        .evidence()
        .files
        .get(usize::try_from(n).unwrap_or(usize::MAX))
        .ok_or(AppError::NotFound)?;
    let row = meetings::file(&state.db, file).await?;
    let key = row.thumb_key.as_deref().unwrap_or(&row.storage_key);
    super::stored::send_file(&state, key, "image/jpeg", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    note: String,
    decision: String,
}

/// An appeal as sent: the explanation and an optional attachment (name, bytes).
async fn read_appeal(
    mut multipart: axum::extract::Multipart,
) -> AppResult<(String, Option<(String, Vec<u8>)>)> {
    let too_big = || AppError::BadRequest("附件不能超过20MB".into());
    let (mut note, mut file) = (String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        match field.name() {
            Some("note") => note = field.text().await.map_err(|_| too_big())?,
            Some("attachment") => {
                let name = crate::domain::upload::clean_name(field.file_name().unwrap_or(""));
                let bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
            _ => {}
        }
    }
    Ok((note, file))
}

/// 申诉: the branch explains, with a document or photo if it has one; the superiors above it
/// are told.
pub async fn appeal(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    use crate::domain::upload::{MATERIAL_MAX_BYTES, sniff};
    let f = finding_where(&state, id, |p| actor.may_appeal_finding(p)).await?;
    let (note, file) = read_appeal(multipart).await?;
    let note = match text::required(&note, APPEAL_MAX_CHARS) {
        Ok(n) if f.status == FindingStatus::Open => n,
        Ok(_) => return Err(AppError::Conflict("该问题已申诉或已处理".into())),
        Err(e) => return invalid(&state, &ctx, &actor, f, note, ("note", e)).await,
    };
    let attachment = match file {
        Some((name, bytes)) => match sniff(&bytes, &name) {
            Some(kind) if bytes.len() <= MATERIAL_MAX_BYTES => Some((name, kind.mime(), bytes)),
            _ => {
                let e = (
                    "attachment",
                    "附件只能是不超过20MB的 PDF、Word、Excel 或照片".into(),
                );
                return invalid(&state, &ctx, &actor, f, note, e).await;
            }
        },
        None => None,
    };
    let now = now_epoch();
    // The attachment is on disk before the history row that points at it.
    let stored = match attachment {
        Some((name, mime, bytes)) => {
            let key = format!("findings/{id}/{}", crate::crypto::random_token());
            state.files.put(&key, bytes).await?;
            Some((key, name, mime))
        }
        None => None,
    };
    // The administrators of the organization above the one answering decide.
    let above = crate::domain::org::parent_path(f.answering_path())
        .and_then(|p| crate::domain::org::path_ids(p).last().copied());
    let superiors = match above {
        Some(parent) => users::admins_of(&mut *state.db.conn().await?, parent).await?,
        None => Vec::new(),
    };
    let mut tx = state.db.begin().await?;
    if !store::set_status(
        tx.conn(),
        &f,
        FindingStatus::Open,
        FindingStatus::Appealed,
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("该问题已申诉或已处理".into()));
    }
    let file = stored
        .as_ref()
        .map(|(k, n, m)| (k.as_str(), n.as_str(), *m));
    store::add_event(
        tx.conn(),
        id,
        EventKind::Appealed,
        Some(actor.user_id),
        &note,
        file,
        now,
    )
    .await?;
    let link = format!("/findings/{id}");
    let title = format!("{}对电子监察问题提出申诉", f.org_name);
    for user in superiors {
        let key = format!("finding-appeal:{id}");
        notifications::notify(tx.conn(), user, &key, &title, &link, now).await?;
    }
    ctx.audit(&mut tx, "申诉", &format!("问题 {id} {}", f.org_name), &note)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &link, "申诉已提交，等待上级审核"))
}

/// An attachment in a finding's history, to whoever sees the finding.
pub async fn attachment(
    State(state): State<AppState>,
    Admin(actor): Admin,
    crate::http::form::IdPair(id, event): crate::http::form::IdPair,
) -> AppResult<Response> {
    finding_where(&state, id, |p| actor.may_view_finding(p)).await?;
    let (finding, e) = store::event(&state.db, event).await?;
    match (finding == id, &e.file_key, &e.file_mime) {
        (true, Some(key), Some(mime)) => {
            super::stored::send_file(&state, key, mime, e.file_name.as_deref()).await
        }
        _ => Err(AppError::NotFound),
    }
}

/// The superior accepts the answer (closed as explained) or rejects it (the finding stands).
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<NoteForm>,
) -> AppResult<Response> {
    let f = finding_where(&state, id, |p| actor.may_decide_finding(p)).await?;
    let (to, kind) = match form.decision.as_str() {
        "accept" => (FindingStatus::Explained, EventKind::Accepted),
        "reject" => (FindingStatus::Upheld, EventKind::Rejected),
        _ => {
            let e = ("decision", "请选择采纳或驳回".into());
            return invalid(&state, &ctx, &actor, f, form.note, e).await;
        }
    };
    let note = form.note.trim();
    if note.chars().count() > DECISION_MAX_CHARS {
        let e = ("note", format!("意见不能超过{DECISION_MAX_CHARS}个字"));
        return invalid(&state, &ctx, &actor, f, form.note, e).await;
    }
    let now = now_epoch();
    let admins = users::admins_of(&mut *state.db.conn().await?, f.org_id).await?;
    let mut tx = state.db.begin().await?;
    if !store::set_status(tx.conn(), &f, FindingStatus::Appealed, to, now).await? {
        return Err(AppError::Conflict("该申诉已处理".into()));
    }
    store::add_event(tx.conn(), id, kind, Some(actor.user_id), note, None, now).await?;
    let link = format!("/findings/{id}");
    let title = format!("上级{}：{}", kind.label(), f.rule.label());
    for user in admins {
        let key = format!("finding-decision:{id}");
        notifications::notify(tx.conn(), user, &key, &title, &link, now).await?;
    }
    ctx.audit(
        &mut tx,
        kind.label(),
        &format!("问题 {id} {}", f.org_name),
        note,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &link, kind.label()))
}

#[derive(Template)]
#[template(path = "findings_settings.html")]
struct SettingsPage {
    page: Page,
    /// Where the form posts.
    action: &'static str,
    /// (field, label, least, most, value as typed or in force).
    fields: Vec<(&'static str, &'static str, i64, i64, String)>,
    /// The since-day field, for thresholds.
    since: Option<String>,
    in_force_from: String,
    scheduled: Option<String>,
    errors: FieldErrors,
}

/// The page of one county setting: (title, the path it lives at).
type SettingPlace = (&'static str, &'static str);

fn settings_page<T: CountySetting>(
    ctx: &Ctx,
    (title, action): SettingPlace,
    shown: &HashMap<String, String>,
    scheduled: Option<Date>,
    errors: FieldErrors,
) -> SettingsPage {
    let today = local_date(now_epoch());
    let value = |k: &str| shown.get(k).cloned().unwrap_or_default();
    SettingsPage {
        page: ctx.page(title),
        action,
        fields: T::FIELDS
            .iter()
            .map(|(k, label, lo, hi)| (*k, *label, *lo, *hi, value(k)))
            .collect(),
        since: T::default().since().map(|_| value("since")),
        in_force_from: format_date(T::effective(today)),
        scheduled: scheduled.map(format_date),
        errors,
    }
}

fn as_form<T: CountySetting>(t: &T) -> HashMap<String, String> {
    let mut form: HashMap<String, String> = T::FIELDS
        .iter()
        .map(|(k, ..)| (k.to_string(), t.value(k).to_string()))
        .collect();
    if let Some(since) = t.since() {
        form.insert("since".into(), since);
    }
    form
}

/// A county setting as in force today, or as saved to apply later.
async fn show_setting<T: CountySetting>(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    place: SettingPlace,
) -> AppResult<Response> {
    if !may_scan(state, actor).await? {
        return Err(AppError::NotFound);
    }
    let today = local_date(now_epoch());
    let scheduled = store::scheduled::<T>(&state.db, today).await?;
    let shown = match &scheduled {
        Some((_, t)) => *t,
        None => store::setting_on::<T>(&state.db, today).await?,
    };
    let page = settings_page::<T>(
        ctx,
        place,
        &as_form(&shown),
        scheduled.map(|s| s.0),
        FieldErrors::default(),
    );
    render(&page)
}

/// Saves a county setting to apply from its next day (thresholds) or month (the formula):
/// what was decided before stays as it was.
async fn save_setting<T: CountySetting>(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    place: SettingPlace,
    form: HashMap<String, String>,
) -> AppResult<Response> {
    if !may_scan(state, actor).await? {
        return Err(AppError::NotFound);
    }
    let t = match T::from_form(&form) {
        Ok(t) => t,
        Err(errors) => return render_invalid(&settings_page::<T>(ctx, place, &form, None, errors)),
    };
    let now = now_epoch();
    let from = T::effective(local_date(now));
    let mut tx = state.db.begin().await?;
    store::save_setting(tx.conn(), from, &t, Some(actor.user_id), now).await?;
    let detail = serde_json::to_string(&t).unwrap_or_default();
    ctx.audit(
        &mut tx,
        place.0,
        &format!("自{}起", format_date(from)),
        &detail,
    )
    .await?;
    tx.commit().await?;
    let message = format!("已保存，自{}起生效", format_date(from));
    Ok(flash_redirect(state, place.1, &message))
}

const THRESHOLDS_PAGE: SettingPlace = ("电子监察设置", "/findings/settings");
const FORMULA_PAGE: SettingPlace = ("分档标准设置", "/tiers/settings");

/// The county's thresholds, changed from the next day on.
pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    show_setting::<Thresholds>(&state, &ctx, &actor, THRESHOLDS_PAGE).await
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(form): crate::http::form::Form<HashMap<String, String>>,
) -> AppResult<Response> {
    save_setting::<Thresholds>(&state, &ctx, &actor, THRESHOLDS_PAGE, form).await
}

/// The tiers' formula, changed from the next month on: past months keep theirs.
pub async fn formula(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    show_setting::<TierFormula>(&state, &ctx, &actor, FORMULA_PAGE).await
}

pub async fn save_formula(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(form): crate::http::form::Form<HashMap<String, String>>,
) -> AppResult<Response> {
    save_setting::<TierFormula>(&state, &ctx, &actor, FORMULA_PAGE, form).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TiersQuery {
    org: String,
    /// "2026-03"; the month before this one when empty.
    month: String,
}

#[derive(Template)]
#[template(path = "tiers.html")]
struct TiersPage {
    page: Page,
    org: crate::store::orgs::Org,
    month: String,
    formula: String,
    /// The organizations directly below, each with its score (none before it was placed).
    rows: Vec<(crate::store::orgs::Org, Option<Score>)>,
    own: Option<Score>,
    history: Vec<(String, Score)>,
    may_set: bool,
}

/// 分级分档: the month's tiers of the organizations below one, the formula that placed them,
/// and the organization's own tier month by month.
pub async fn tiers(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<TiersQuery>,
) -> AppResult<Response> {
    let org = match q.org.trim().parse::<i64>() {
        Ok(id) => orgs::get(&state.db, id)
            .await
            .found_if(|o| actor.may_view_finding(&o.path))?,
        Err(_) => {
            let root = list_root(&actor)?;
            orgs::at_roots(&state.db, &[root.as_str()])
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::NotFound)?
        }
    };
    let now = now_epoch();
    let today = local_date(now);
    let this_month = PeriodKind::Month.period_of(today);
    // A month that has ended, within what the dashboard shows (tiers too are kept the first
    // time a month is looked at).
    let month = month_of_key(&q.month)
        .filter(|m| m.end <= this_month.start && viewable_day(Some(m.start), today) == m.start)
        .unwrap_or_else(|| PeriodKind::Month.previous(&this_month));
    // A month the monthly job has not placed yet (before the server ran) is placed now.
    if !store::tiers_kept(&state.db, month.start).await? {
        crate::supervision::tiers(&state.db, &month, now).await?;
    }
    let children = orgs::direct_children(&state.db, org.id).await?;
    let ids: Vec<i64> = children.iter().map(|c| c.id).chain([org.id]).collect();
    let mut scores = store::tiers_of(&state.db, month.start, &ids).await?;
    let own = scores.remove(&org.id);
    let rows = children
        .into_iter()
        .filter(|c| c.kind() != crate::domain::org::OrgType::PartyGroup)
        .map(|c| {
            let s = scores.remove(&c.id);
            (c, s)
        })
        .collect();
    let history = store::tier_history(&state.db, org.id, 12)
        .await?
        .into_iter()
        .map(|(d, s)| (format_date(d)[..7].to_string(), s))
        .collect();
    render(&TiersPage {
        page: ctx.page("分级分档"),
        month: month_key(&month),
        formula: store::setting_on::<TierFormula>(&state.db, month.start)
            .await?
            .describe(),
        rows,
        own,
        history,
        org,
        may_set: may_scan(&state, &actor).await?,
    })
}
