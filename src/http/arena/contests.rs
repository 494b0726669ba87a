//! 擂台比武: a town or the county sets up a contest, invited secretaries submit their
//! entries (a report, key figures, photos, a video link), judges score them per criterion,
//! members vote when voting is on, and the organizer publishes the weighted result.
use super::super::access::{Admin, Found, Member};
use super::super::context::{Page, flash_redirect};
use super::super::form::{Id, Pairs, render, render_invalid};
use super::super::stored::{Upload, check_photos, kept_if_written, read_upload, save_photos};
use super::super::{AppState, Ctx};
use crate::domain::arena::{
    self, ContestInput, Criterion, CriterionRow, EntryInput, Figure, MAX_FIGURES, Outcome,
};
use crate::domain::clock::{format_minute, local_date, now_epoch};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::points::LedgerKey;
use crate::domain::policy::Actor;
use crate::domain::text::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::arena::{self as store, Contest, Entry, ScoreRow};
use crate::store::{notifications, orgs, photos, points};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// A contest the actor may see, else 404.
async fn visible_contest(state: &AppState, actor: &Actor, id: i64) -> AppResult<Contest> {
    let contest = store::contest(&state.db, id).await?;
    let judge = store::judges(&state.db, id)
        .await?
        .iter()
        .any(|(u, _)| *u == actor.user_id);
    if actor.may_view_contest(&contest.org_path, contest.is_published(), judge) {
        Ok(contest)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the actor may see an entry (and so its photos): whoever may see its contest.
pub async fn entry_visible(state: &AppState, ctx: &Ctx, entry: i64) -> AppResult<Entry> {
    let e = store::entry(&state.db, entry).await?;
    visible_contest(state, ctx.actor()?, e.contest_id).await?;
    Ok(e)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    org: String,
}

/// The organizations a contest at `organizer` invites: the county's contest is among the
/// towns' secretaries; a town's among its villages' and communities' branches.
fn invitable(organizer: &orgs::Org, subtree: Vec<orgs::Org>) -> Vec<orgs::Org> {
    let county = organizer.parent_id.is_none();
    subtree
        .into_iter()
        .filter(|o| o.id != organizer.id)
        .filter(|o| {
            let kind = OrgType::from_code(&o.kind);
            if county {
                o.parent_id == Some(organizer.id)
            } else {
                kind.is_some_and(|k| k.is_branch() || k.is_general_branch())
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "contest_form.html")]
struct ContestForm {
    page: Page,
    organizers: Vec<(i64, String)>,
    organizer: Option<orgs::Org>,
    judges: Vec<(i64, String, bool)>,
    invites: Vec<(i64, String, bool)>,
    rows: Vec<CriterionRow>,
    title: String,
    period: String,
    held_on: String,
    deadline: String,
    voting: bool,
    errors: FieldErrors,
}

/// The empty form for an organizer (the first the actor may organize at, or `?org=`).
async fn contest_form(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    org: &str,
) -> AppResult<ContestForm> {
    let organizers: Vec<orgs::Org> = orgs::at_roots(&state.db, &actor.admin_roots())
        .await?
        .into_iter()
        .filter(|o| !OrgType::from_code(&o.kind).is_some_and(|k| k.is_branch()))
        .collect();
    let organizer = organizers
        .iter()
        .find(|o| o.id.to_string() == org)
        .or(organizers.first())
        .cloned();
    let (mut judges, mut invites) = (vec![], vec![]);
    if let Some(o) = &organizer {
        judges = store::administrators(&state.db)
            .await?
            .into_iter()
            .filter(|(_, _, path)| is_in_subtree(&o.path, path))
            .map(|(id, name, _)| (id, name, false))
            .collect();
        judges.dedup_by_key(|j| j.0);
        invites = invitable(o, orgs::subtree(&state.db, &o.path).await?)
            .into_iter()
            .map(|o| (o.id, o.name, true))
            .collect();
    }
    let default = |n: &str, w: &str| CriterionRow {
        name: n.into(),
        weight: w.into(),
        max_score: "10".into(),
    };
    let mut rows = vec![
        default("述职报告", "40"),
        default("工作实绩", "40"),
        default("现场答辩", "20"),
    ];
    rows.resize(arena::MAX_CRITERIA.min(6), CriterionRow::default());
    Ok(ContestForm {
        page: ctx.page("发起擂台赛"),
        organizers: organizers.into_iter().map(|o| (o.id, o.name)).collect(),
        organizer,
        judges,
        invites,
        rows,
        title: String::new(),
        period: String::new(),
        held_on: String::new(),
        deadline: String::new(),
        voting: true,
        errors: FieldErrors::default(),
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    render(&contest_form(&state, &ctx, &actor, &q.org).await?)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Pairs(fields);
    let mut form = contest_form(&state, &ctx, &actor, f.get("org")).await?;
    let organizer = form
        .organizer
        .clone()
        .filter(|o| o.id.to_string() == f.get("org"))
        .ok_or(AppError::NotFound)?;
    let rows: Vec<CriterionRow> = (0..form.rows.len())
        .map(|i| CriterionRow {
            name: f.get(&format!("criterion_{i}")).into(),
            weight: f.get(&format!("weight_{i}")).into(),
            max_score: f.get(&format!("max_{i}")).into(),
        })
        .collect();
    let voting = f.get("voting") == "on";
    let parsed = arena::parse_contest(
        f.get("title"),
        f.get("period"),
        f.get("held_on"),
        f.get("deadline"),
        voting,
        &rows,
    );
    let judges: Vec<i64> = f
        .ids("judge")
        .into_iter()
        .filter(|j| form.judges.iter().any(|c| c.0 == *j))
        .collect();
    let invites: Vec<i64> = f
        .ids("invite")
        .into_iter()
        .filter(|i| form.invites.iter().any(|c| c.0 == *i))
        .collect();
    let mut errors = parsed.clone().err().unwrap_or_default();
    if judges.is_empty() {
        errors.add("judges", "请至少选择一位评委");
    }
    if invites.is_empty() {
        errors.add("invites", "请至少邀请一个参赛组织");
    }
    let input: ContestInput = match parsed {
        Ok(c) if errors.is_empty() => c,
        _ => {
            form.title = f.get("title").into();
            form.period = f.get("period").into();
            form.held_on = f.get("held_on").into();
            form.deadline = f.get("deadline").into();
            form.voting = voting;
            form.rows = rows;
            form.judges
                .iter_mut()
                .for_each(|j| j.2 = judges.contains(&j.0));
            form.invites
                .iter_mut()
                .for_each(|i| i.2 = invites.contains(&i.0));
            form.errors = errors;
            return render_invalid(&form);
        }
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let id = store::insert_contest(
        tx.conn(),
        organizer.id,
        &input,
        &judges,
        &invites,
        actor.user_id,
        now,
    )
    .await?;
    ctx.audit(
        &mut tx,
        "发起擂台赛",
        &format!("擂台赛 {id} {}", input.title),
        &format!("{}个参赛组织，{}位评委", invites.len(), judges.len()),
    )
    .await?;
    let link = format!("/arena/{id}");
    let invited = format!(
        "擂台赛邀请：{}，请于{}前提交参赛材料",
        input.title, input.deadline
    );
    for user in store::invited_admins(tx.conn(), id).await? {
        let key = format!("contest-invite:{id}");
        notifications::notify(tx.conn(), user, &key, &invited, &link, now).await?;
    }
    for judge in &judges {
        let title = format!("请担任擂台赛评委：{}", input.title);
        let key = format!("contest-judge:{id}");
        notifications::notify(tx.conn(), *judge, &key, &title, &link, now).await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/arena/{id}"),
        "擂台赛已发起，已邀请参赛组织",
    ))
}

/// An entry as the contest page shows it.
pub struct EntryView {
    pub entry: Entry,
    /// Each figure with how it moved since the organization's previous entry.
    pub figures: Vec<(Figure, Option<String>)>,
    pub photos: Vec<i64>,
    pub outcome: Option<Outcome>,
    pub votes: i64,
    /// This judge's scores so far, per criterion, and their comment.
    pub my_scores: Vec<String>,
    pub my_comment: String,
}

impl EntryView {
    pub fn average(&self, i: &usize) -> String {
        match self
            .outcome
            .as_ref()
            .and_then(|o| o.averages.get(*i).copied().flatten())
        {
            Some(a) => format!("{a:.2}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            None => "未评".into(),
        }
    }

    /// Whether this judge has scored it.
    pub fn scored(&self) -> bool {
        self.my_scores.iter().any(|s| !s.is_empty())
    }
}

/// Entries with their figures (compared with the previous contest), photos and results.
pub async fn entry_views(state: &AppState, entries: Vec<Entry>) -> AppResult<Vec<EntryView>> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let figures = store::figures(&state.db, &ids).await?;
    let photos = photos::of(&state.db, photos::ENTRY, &ids).await?;
    let mut views = Vec::new();
    for e in entries {
        let previous =
            match store::previous_entry(&state.db, e.org_id, &e.held_on, e.contest_id).await? {
                Some(p) => store::figures(&state.db, &[p]).await?,
                None => vec![],
            };
        let figures = figures
            .iter()
            .filter(|(id, _)| *id == e.id)
            .map(|(_, f)| {
                let before = previous.iter().map(|(_, p)| p).find(|p| p.label == f.label);
                (f.clone(), arena::change(before, f))
            })
            .collect();
        views.push(EntryView {
            photos: photos
                .iter()
                .filter(|p| p.owner_id == e.id)
                .map(|p| p.id)
                .collect(),
            entry: e,
            figures,
            outcome: None,
            votes: 0,
            my_scores: vec![],
            my_comment: String::new(),
        });
    }
    Ok(views)
}

/// The entry form of an organization the actor enters for, filled with its entry so far.
#[derive(Clone)]
pub struct EntryForm {
    pub org_id: i64,
    pub org_name: String,
    pub existing: bool,
    pub report: String,
    pub figures: Vec<(String, String, String)>,
    pub video_url: String,
}

#[derive(Template)]
#[template(path = "contest_show.html")]
struct ContestPage {
    page: Page,
    contest: Contest,
    criteria: Vec<Criterion>,
    judges: Vec<(i64, String)>,
    invites: Vec<(i64, String, String)>,
    entries: Vec<EntryView>,
    /// Scores are shown to the organizer at any time, to everyone once published.
    results_visible: bool,
    is_organizer: bool,
    is_judge: bool,
    may_vote: bool,
    my_vote: Option<i64>,
    open: bool,
    forms: Vec<EntryForm>,
    comments: Vec<ScoreRow>,
    popularity: Vec<(String, i64, i64)>,
    incomplete: Vec<String>,
    errors: FieldErrors,
}

impl ContestPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }
    fn voted_for(&self, entry: &i64) -> bool {
        self.my_vote == Some(*entry)
    }
}

async fn contest_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: FieldErrors,
    draft: Option<EntryForm>,
) -> AppResult<ContestPage> {
    let actor = ctx.actor()?;
    let contest = visible_contest(state, actor, id).await?;
    let criteria = store::criteria(&state.db, id).await?;
    let judges = store::judges(&state.db, id).await?;
    let invites = store::invites(&state.db, id).await?;
    let is_organizer = actor.administers(&contest.org_path);
    let is_judge = judges.iter().any(|(u, _)| *u == actor.user_id);
    let results_visible = is_organizer || contest.is_published();
    let score_rows = store::scores(&state.db, id).await?;
    let scores: Vec<arena::Score> = score_rows.iter().map(ScoreRow::score).collect();
    let mut entries = entry_views(state, store::entries(&state.db, id).await?).await?;
    let ids: Vec<i64> = entries.iter().map(|e| e.entry.id).collect();
    let outcomes = arena::results(&criteria, &ids, &scores);
    let (votes, my_vote) = store::votes(&state.db, id, actor.user_id).await?;
    for e in &mut entries {
        e.votes = votes
            .iter()
            .find(|(v, _)| *v == e.entry.id)
            .map_or(0, |v| v.1);
        let mine: Vec<&ScoreRow> = score_rows
            .iter()
            .filter(|s| s.entry_id == e.entry.id && s.judge_id == actor.user_id)
            .collect();
        e.my_scores = (0..criteria.len() as i64)
            .map(|p| {
                mine.iter()
                    .find(|s| s.position == p)
                    .map(|s| s.score.to_string())
                    .unwrap_or_default()
            })
            .collect();
        e.my_comment = mine.first().map(|s| s.comment.clone()).unwrap_or_default();
        if results_visible {
            e.outcome = outcomes.iter().find(|o| o.entry_id == e.entry.id).cloned();
        }
    }
    let incomplete = outcomes
        .iter()
        .filter(|o| !o.complete)
        .filter_map(|o| entries.iter().find(|e| e.entry.id == o.entry_id))
        .map(|e| e.entry.org_name.clone())
        .collect();
    if results_visible {
        entries.sort_by_key(|e| e.outcome.as_ref().map_or(i64::MAX, |o| o.rank));
    }
    let all_votes: Vec<(i64, i64)> = entries.iter().map(|e| (e.entry.id, e.votes)).collect();
    let popularity = arena::popularity(&all_votes)
        .into_iter()
        .filter_map(|(entry, n, rank)| {
            entries
                .iter()
                .find(|e| e.entry.id == entry)
                .map(|e| (e.entry.org_name.clone(), n, rank))
        })
        .collect();
    let open =
        !contest.is_published() && arena::entries_open(&contest.deadline, local_date(now_epoch()));
    let forms = entry_forms(actor, &contest, &invites, &entries, draft);
    Ok(ContestPage {
        page: ctx.page(contest.title.clone()),
        may_vote: contest.voting != 0
            && !contest.is_published()
            && actor.may_vote(&contest.org_path),
        comments: if is_organizer { score_rows } else { vec![] },
        contest,
        criteria,
        judges,
        invites,
        entries,
        results_visible,
        is_organizer,
        is_judge,
        my_vote,
        open,
        forms,
        popularity,
        incomplete,
        errors,
    })
}

/// The entry forms of the invited organizations the actor enters for: the draft just
/// refused, else their entry so far, else empty.
fn entry_forms(
    actor: &Actor,
    contest: &Contest,
    invites: &[(i64, String, String)],
    entries: &[EntryView],
    draft: Option<EntryForm>,
) -> Vec<EntryForm> {
    let mut forms = Vec::new();
    for (org_id, path, name) in invites {
        if !actor.may_enter_for(path, &contest.org_path) {
            continue;
        }
        let mine = entries.iter().find(|e| e.entry.org_id == *org_id);
        let mut form = match (&draft, mine) {
            (Some(d), _) if d.org_id == *org_id => EntryForm {
                org_name: name.clone(),
                ..d.clone()
            },
            (_, Some(e)) => EntryForm {
                org_id: *org_id,
                org_name: name.clone(),
                existing: true,
                report: e.entry.report.clone(),
                figures: e
                    .figures
                    .iter()
                    .map(|(f, _)| (f.label.clone(), f.value.clone(), f.unit.clone()))
                    .collect(),
                video_url: e.entry.video_url.clone(),
            },
            _ => EntryForm {
                org_id: *org_id,
                org_name: name.clone(),
                existing: false,
                report: String::new(),
                figures: vec![],
                video_url: String::new(),
            },
        };
        form.figures.resize(
            MAX_FIGURES.min(form.figures.len().max(4) + 1),
            Default::default(),
        );
        forms.push(form);
    }
    forms
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    render(&contest_page(&state, &ctx, id, FieldErrors::default(), None).await?)
}

/// The figure rows of an entry form, as typed.
fn figure_rows(form: &Upload) -> Vec<(String, String, String)> {
    (0..MAX_FIGURES)
        .map(|i| {
            (
                form.field(&format!("label_{i}")).to_string(),
                form.field(&format!("value_{i}")).to_string(),
                form.field(&format!("unit_{i}")).to_string(),
            )
        })
        .collect()
}

/// An organization's entry, new or edited (multipart: photos; CSRF in the address).
pub async fn enter(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = read_upload(multipart, "照片太大：每张不能超过10MB").await?;
    let contest = visible_contest(&state, &actor, id).await?;
    let org = store::invites(&state.db, id)
        .await?
        .into_iter()
        .find(|(o, path, _)| {
            o.to_string() == form.field("org").trim()
                && actor.may_enter_for(path, &contest.org_path)
        })
        .ok_or(AppError::NotFound)?;
    let rows = figure_rows(&form);
    let pictures = form.files("photos");
    let parsed = arena::parse_entry(form.field("report"), &rows, form.field("video_url"));
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let existing = store::entries(&state.db, id)
        .await?
        .iter()
        .find(|e| e.org_id == org.0)
        .map(|e| e.id);
    if existing.is_none() && !arena::entries_open(&contest.deadline, local_date(now_epoch())) {
        errors.add(
            "report",
            format!("报名已于{}截止，不能再提交", contest.deadline),
        );
    }
    if contest.is_published() && existing.is_none() {
        errors.add("report", "擂台赛结果已发布，不能再提交");
    }
    if let Err(e) = check_photos(&pictures, arena::MAX_PHOTOS) {
        errors.add("photos", e);
    }
    let input = match parsed {
        Ok(input) if errors.is_empty() => input,
        _ => {
            let draft = EntryForm {
                org_id: org.0,
                org_name: org.2.clone(),
                existing: existing.is_some(),
                report: form.field("report").into(),
                figures: rows,
                video_url: form.field("video_url").into(),
            };
            return render_invalid(&contest_page(&state, &ctx, id, errors, Some(draft)).await?);
        }
    };
    let pictures: Vec<Vec<u8>> = pictures.into_iter().map(<[u8]>::to_vec).collect();
    let saved = save_photos(&state, &format!("arena/{id}"), pictures).await?;
    let org = (&contest, org.0, org.2.as_str());
    let written = write_entry(&state, &ctx, &actor, org, existing, &input, &saved).await;
    kept_if_written(&state, &saved, written).await?;
    let done = if existing.is_some() {
        "参赛材料已修改，修改记录已保存"
    } else {
        "参赛材料已提交"
    };
    Ok(flash_redirect(&state, &format!("/arena/{id}"), done))
}

/// The entry (or its edit with the revision), its photos, points for a first entry and the
/// audit entry: one transaction.
async fn write_entry(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    (contest, org_id, org_name): (&Contest, i64, &str),
    existing: Option<i64>,
    input: &EntryInput,
    saved: &[crate::files::SavedPhoto],
) -> AppResult<()> {
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let entry = match existing {
        Some(entry) => {
            store::update_entry(tx.conn(), entry, input, actor.user_id, now).await?;
            // New photos replace the old; none chosen keeps them.
            if !saved.is_empty() {
                photos::replace_role(tx.conn(), (photos::ENTRY, entry), photos::IMAGE).await?;
            }
            entry
        }
        None => {
            // Two secretaries of one branch submitting at once: the second finds the first's.
            if store::entry_of(tx.conn(), contest.id, org_id)
                .await?
                .is_some()
            {
                return Err(AppError::Conflict(
                    "该组织已提交参赛材料，请刷新后修改".into(),
                ));
            }
            let entry =
                store::insert_entry(tx.conn(), contest.id, org_id, actor.user_id, input, now)
                    .await?;
            if let Some(member) = actor.member_id {
                points::credit(
                    tx.conn(),
                    member,
                    &LedgerKey::arena_entry(entry),
                    "擂台比武参赛",
                    now,
                )
                .await?;
            }
            entry
        }
    };
    photos::attach(
        tx.conn(),
        (photos::ENTRY, entry),
        photos::IMAGE,
        0,
        saved,
        now,
    )
    .await?;
    let action = if existing.is_some() {
        "修改擂台赛参赛材料"
    } else {
        "提交擂台赛参赛材料"
    };
    let detail = if contest.is_published() {
        "结果发布后修改"
    } else {
        ""
    };
    ctx.audit(
        &mut tx,
        action,
        &format!("擂台赛 {} {org_name}", contest.id),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A judge's scores of one entry, every criterion at once, with a comment.
pub async fn score(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(entry_id): Id,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Pairs(fields);
    let entry = store::entry(&state.db, entry_id).await?;
    let judges = store::judges(&state.db, entry.contest_id).await?;
    // Only the contest's judges score; to anyone else the form does not exist.
    let contest = store::contest(&state.db, entry.contest_id)
        .await
        .found_if(|_| judges.iter().any(|(u, _)| *u == actor.user_id))?;
    let back = format!("/arena/{}#entry-{entry_id}", contest.id);
    if contest.is_published() {
        return Ok(flash_redirect(&state, &back, "结果已发布，不能再评分"));
    }
    let criteria = store::criteria(&state.db, contest.id).await?;
    let mut errors = FieldErrors::default();
    let mut scores = Vec::new();
    let comment = crate::domain::text::optional(f.get("comment"), arena::COMMENT_MAX_CHARS)
        .unwrap_or_else(|_| {
            errors.add(
                "comment",
                format!("评语不能超过{}字", arena::COMMENT_MAX_CHARS),
            );
            String::new()
        });
    for (i, c) in criteria.iter().enumerate() {
        match arena::parse_score(f.get(&format!("score_{i}")), c) {
            Ok(s) => scores.push((i as i64, s, comment.clone())),
            Err(e) => errors.add("scores", e),
        }
    }
    if !errors.is_empty() {
        return render_invalid(&contest_page(&state, &ctx, contest.id, errors, None).await?);
    }
    let mut tx = state.db.begin().await?;
    store::save_scores(tx.conn(), entry_id, actor.user_id, &scores, now_epoch()).await?;
    let given: Vec<String> = scores.iter().map(|(_, s, _)| s.to_string()).collect();
    ctx.audit(
        &mut tx,
        "擂台赛评分",
        &format!("擂台赛 {} {}", contest.id, entry.org_name),
        &given.join("/"),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &back,
        &format!("已为{}评分", entry.org_name),
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct VoteForm {
    entry: String,
}

/// A member's one vote in a contest (人气榜).
pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    _member: Member,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<VoteForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let contest = visible_contest(&state, actor, id)
        .await
        .found_if(|c| actor.may_vote(&c.org_path))?;
    let back = format!("/arena/{id}");
    if contest.voting == 0 || contest.is_published() {
        return Ok(flash_redirect(&state, &back, "本次擂台赛不在投票中"));
    }
    let entry = store::entries(&state.db, id)
        .await?
        .into_iter()
        .find(|e| e.id.to_string() == form.entry.trim())
        .ok_or_else(|| AppError::BadRequest("请选择要投票的参赛组织".into()))?;
    let mut tx = state.db.begin().await?;
    let voted = store::vote(tx.conn(), id, actor.user_id, entry.id, now_epoch()).await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &back,
        if voted {
            "投票成功"
        } else {
            "您已投过票，每场擂台赛只能投一票"
        },
    ))
}

/// The organizer publishes the result to the column; every entry needs a score on every
/// criterion first.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let contest = visible_contest(&state, &actor, id)
        .await
        .found_if(|c| actor.administers(&c.org_path))?;
    let back = format!("/arena/{id}");
    let entries = store::entries(&state.db, id).await?;
    if entries.is_empty() {
        return Ok(flash_redirect(&state, &back, "还没有参赛材料，不能发布"));
    }
    let criteria = store::criteria(&state.db, id).await?;
    let scores: Vec<arena::Score> = store::scores(&state.db, id)
        .await?
        .iter()
        .map(ScoreRow::score)
        .collect();
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let missing: Vec<&str> = arena::results(&criteria, &ids, &scores)
        .iter()
        .filter(|o| !o.complete)
        .filter_map(|o| entries.iter().find(|e| e.id == o.entry_id))
        .map(|e| e.org_name.as_str())
        .collect();
    if !missing.is_empty() {
        return Ok(flash_redirect(
            &state,
            &back,
            &format!("以下参赛组织尚未评分完毕：{}", missing.join("、")),
        ));
    }
    let mut tx = state.db.begin().await?;
    if !store::publish(tx.conn(), id, now_epoch()).await? {
        drop(tx);
        return Ok(flash_redirect(&state, &back, "结果已发布"));
    }
    let (link, now) = (format!("/arena/{id}"), now_epoch());
    let title = format!("擂台赛结果已发布：{}", contest.title);
    for user in store::invited_admins(tx.conn(), id).await? {
        let key = format!("contest-published:{id}");
        notifications::notify(tx.conn(), user, &key, &title, &link, now).await?;
    }
    ctx.audit(
        &mut tx,
        "发布擂台赛结果",
        &format!("擂台赛 {id} {}", contest.title),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, &back, "结果已发布到擂台比武栏目"))
}
