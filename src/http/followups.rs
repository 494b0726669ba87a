//! 督促: from any row of the dashboard a superior follows up an organization below it; the
//! organization's administrators see it in the bell and on the organization's page, read it
//! and answer; the sender sees whether it was read and answered.
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::followups::{self as rules, Topic};
use crate::domain::text;
use crate::error::AppResult;
use crate::http::form::Query;
use crate::store::followups::{self, Followup};
use crate::store::orgs::{self, Org};
use crate::store::{notifications, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FollowupForm {
    org: String,
    /// The 电子监察 finding it follows up, if sent from one.
    finding: String,
    topic: String,
    message: String,
}

#[derive(Template)]
#[template(path = "followups_new.html")]
struct NewPage {
    page: Page,
    org: Org,
    topics: Vec<Choice>,
    form: FollowupForm,
    errors: FieldErrors,
}

fn topic_choices(selected: &str) -> Vec<Choice> {
    choices(Topic::ALL.iter().map(|t| (t.code(), t.label())), selected)
}

/// The finding a follow-up is sent from: one of that organization's, that the actor sees.
async fn finding_of(
    state: &AppState,
    actor: &crate::domain::policy::Actor,
    org: &Org,
    id: &str,
) -> AppResult<Option<crate::store::supervision::Finding>> {
    let Ok(id) = id.trim().parse::<i64>() else {
        return Ok(None);
    };
    crate::store::supervision::finding(&state.db, id)
        .await
        .found_if(|f| f.org_id == org.id && actor.may_view_finding(&f.org_path))
        .map(Some)
}

/// An organization the actor may follow up: one strictly below their subtree's root.
async fn below(state: &AppState, actor: &crate::domain::policy::Actor, id: &str) -> AppResult<Org> {
    let id = id.trim().parse::<i64>().unwrap_or_default();
    orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.is_superior_of(&o.path) && !o.is_dissolved())
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(mut form): Query<FollowupForm>,
) -> AppResult<Response> {
    let org = below(&state, &actor, &form.org).await?;
    if let Some(f) = finding_of(&state, &actor, &org, &form.finding).await? {
        form.topic = f.rule.topic().code().into();
        form.message = format!("电子监察发现：{}。请核实整改，并在本页回复。", f.summary);
    }
    render(&NewPage {
        page: ctx.page("督促"),
        topics: topic_choices(&form.topic),
        org,
        form,
        errors: FieldErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(form): crate::http::form::Form<FollowupForm>,
) -> AppResult<Response> {
    let org = below(&state, &actor, &form.org).await?;
    let finding = finding_of(&state, &actor, &org, &form.finding).await?;
    let f = match rules::parse(&form.topic, &form.message) {
        Ok(f) => f,
        Err(errors) => {
            return render_invalid(&NewPage {
                page: ctx.page("督促"),
                topics: topic_choices(&form.topic),
                org,
                form,
                errors,
            });
        }
    };
    let now = now_epoch();
    let recipients = users::admins_of(&mut *state.db.conn().await?, org.id).await?;
    let mut tx = state.db.begin().await?;
    let finding_id = finding.as_ref().map(|x| x.id);
    let id = followups::create(tx.conn(), org.id, actor.user_id, &f, finding_id, now).await?;
    if let Some(finding) = finding_id {
        use crate::domain::supervision::EventKind;
        let note = format!("{}（督促 {id}）", f.message);
        crate::store::supervision::add_event(
            tx.conn(),
            finding,
            EventKind::FollowedUp,
            Some(actor.user_id),
            &note,
            None,
            now,
        )
        .await?;
    }
    let title = format!("上级督促：{}（{}）", f.topic.label(), org.name);
    for user in recipients.into_iter().filter(|u| *u != actor.user_id) {
        let link = format!("/followups/{id}");
        notifications::notify(
            tx.conn(),
            user,
            &format!("followup:{id}"),
            &title,
            &link,
            now,
        )
        .await?;
    }
    let target = format!("督促 {id} {}", org.name);
    ctx.audit(&mut tx, "发出督促", &target, f.topic.label())
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/followups",
        &format!("已向{}发出督促", org.name),
    ))
}

#[derive(Template)]
#[template(path = "followups.html")]
struct ListPage {
    page: Page,
    sent: Vec<Followup>,
    received: Vec<Followup>,
}

impl ListPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
}

/// What the actor sent, and what the organizations at their roots received.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let mut received = Vec::new();
    for org in orgs::at_roots(&state.db, &actor.admin_roots()).await? {
        received.extend(followups::to_org(&state.db, org.id).await?);
    }
    render(&ListPage {
        page: ctx.page("督促"),
        sent: followups::sent_by(&state.db, actor.user_id).await?,
        received,
    })
}

#[derive(Template)]
#[template(path = "followups_show.html")]
struct ShowPage {
    page: Page,
    f: Followup,
    may_answer: bool,
    answer_max: usize,
    answer: String,
    errors: FieldErrors,
}

impl ShowPage {
    fn time(&self, t: &Option<i64>) -> String {
        t.map(format_minute).unwrap_or_default()
    }
    fn sent(&self) -> String {
        format_minute(self.f.created_at)
    }
}

/// The follow-up; the first look by the organization's administrators marks it read.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let mut f = followups::get(&state.db, id)
        .await
        .found_if(|f| actor.may_view_followup(f.from_user, &f.org_path))?;
    let may_answer = actor.may_answer_followup(f.from_user, &f.org_path);
    if may_answer && f.read_at.is_none() {
        let now = now_epoch();
        let mut tx = state.db.begin().await?;
        followups::mark_read(tx.conn(), id, actor.user_id, now).await?;
        tx.commit().await?;
        f.read_at = Some(now);
    }
    render(&ShowPage {
        page: ctx.page("督促"),
        f,
        may_answer,
        answer_max: rules::ANSWER_MAX_CHARS,
        answer: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<AnswerForm>,
) -> AppResult<Response> {
    let f = followups::get(&state.db, id)
        .await
        .found_if(|f| actor.may_answer_followup(f.from_user, &f.org_path))?;
    let back = format!("/followups/{id}");
    let text = match text::required(&form.answer, rules::ANSWER_MAX_CHARS) {
        Ok(t) => t,
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("answer", e);
            return render_invalid(&ShowPage {
                page: ctx.page("督促"),
                f,
                may_answer: true,
                answer_max: rules::ANSWER_MAX_CHARS,
                answer: form.answer,
                errors,
            });
        }
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    followups::answer(tx.conn(), id, actor.user_id, &text, now).await?;
    let title = format!("{}已回复督促：{}", f.org_name, f.topic.label());
    let key = format!("followup-answer:{id}");
    notifications::notify(tx.conn(), f.from_user, &key, &title, &back, now).await?;
    ctx.audit(
        &mut tx,
        "回复督促",
        &format!("督促 {id} {}", f.org_name),
        &text,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &back, "已回复"))
}
