//! 民主评议党员: a branch opens the year's evaluation; each member writes a self-assessment and
//! rates each colleague (secret: the branch sees counts only); the branch meeting decides each
//! member's grade; the results go on the members' records and the shares per organization
//! into the 数据看板. Organizations above see which of their branches have finished.
use super::access::{Admin, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Form, Id, Pairs, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::appraisal::{
    self as rules, Grade, Handling, Shares, Tally, parse_decided_on, parse_decision,
};
use crate::domain::clock::{format_date, now_epoch, parse_date, today};
use crate::domain::org::{OrgType, is_in_subtree};
use crate::domain::policy::Actor;
use crate::domain::supervision::Thresholds;
use crate::error::{AppError, AppResult};
use crate::store::appraisals::{self, AppraisalRow, Participant};
use crate::store::orgs::{self, Org};
use crate::store::{members, supervision};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

/// The county's month by whose end last year's evaluation is due.
async fn due_month(state: &AppState) -> AppResult<u8> {
    let t: Thresholds = supervision::setting_on(&state.db, today()).await?;
    Ok(t.appraisal_due_month())
}

/// The year whose results the 数据看板 shows: the last one due.
pub async fn reported_year(state: &AppState) -> AppResult<i32> {
    Ok(rules::last_due_year(today(), due_month(state).await?))
}

/// One organization's shares of a year.
pub struct ShareLine {
    pub org_id: i64,
    pub name: String,
    pub shares: Shares,
}

/// The shares of `org` and of each organization directly below it for `year`: the one source
/// of this page's and the 数据看板's figures.
pub async fn shares_below(
    state: &AppState,
    org: &Org,
    year: i32,
) -> AppResult<(Shares, Vec<ShareLine>)> {
    let year = i64::from(year);
    let grades = appraisals::grades_in(&state.db, &org.path, year).await?;
    // A finished evaluation has a result for each of its (three or more) members.
    let done: std::collections::BTreeSet<&str> =
        grades.iter().map(|(path, _, _)| path.as_str()).collect();
    let branches = orgs::branch_paths(&state.db, &org.path).await?;
    let of = |root: &str| {
        let mut s = Shares::default();
        for (path, grade, n) in grades.iter() {
            if let (true, Some(g)) = (is_in_subtree(path, root), Grade::from_code(grade)) {
                s.grades.0[g.index()] += n;
            }
        }
        s.done = done.iter().filter(|p| is_in_subtree(p, root)).count() as i64;
        s.branches = branches.iter().filter(|p| is_in_subtree(p, root)).count() as i64;
        s
    };
    let lines = if org.kind().is_branch() {
        vec![]
    } else {
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .filter(|c| c.kind() != OrgType::PartyGroup && !c.is_dissolved())
            .map(|c| ShareLine {
                org_id: c.id,
                shares: of(&c.path),
                name: c.name,
            })
            .collect()
    };
    Ok((of(&org.path), lines))
}

#[derive(Template)]
#[template(path = "appraisals.html")]
struct OrgPage {
    page: Page,
    org: Org,
    year: i32,
    years: Vec<Choice>,
    title: String,
    total: Shares,
    lines: Vec<ShareLine>,
    /// The year's evaluations of the subtree's branches.
    evaluations: Vec<AppraisalRow>,
    /// Branches of the subtree with no evaluation of the year.
    missing: Vec<Org>,
    grades: &'static [Grade],
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

async fn org_page(
    state: &AppState,
    ctx: &Ctx,
    org: Org,
    year: i32,
    errors: FieldErrors,
) -> AppResult<OrgPage> {
    let month = due_month(state).await?;
    let (total, lines) = shares_below(state, &org, year).await?;
    let evaluations = appraisals::in_subtree(&state.db, &org.path, i64::from(year)).await?;
    let missing = orgs::subtree(&state.db, &org.path)
        .await?
        .into_iter()
        .filter(|o| o.kind().is_branch() && !evaluations.iter().any(|a| a.branch_id == o.id))
        .take(200)
        .collect();
    let this = today().year();
    let years: Vec<String> = (this - 4..=this).rev().map(|y| y.to_string()).collect();
    Ok(OrgPage {
        page: ctx.page(format!("{} · 民主评议党员", org.name)),
        years: choices(
            years.iter().map(|y| (y.as_str(), y.as_str())),
            &year.to_string(),
        ),
        title: rules::title(i64::from(year), month),
        total,
        lines,
        evaluations,
        missing,
        grades: Grade::ALL,
        org,
        year,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    super::form::Query(q): super::form::Query<YearQuery>,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    let this = today().year();
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (this - 4..=this).contains(y))
        .unwrap_or(reported_year(&state).await?.max(this - 4));
    render(&org_page(&state, &ctx, org, year, FieldErrors::default()).await?)
}

/// The menu's 民主评议: the widest organization the administrator keeps.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    let year = today().year();
    let page = org_page(&state, &ctx, org, year, FieldErrors::default()).await?;
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenForm {
    year: String,
}

/// A branch opens a year's evaluation: its members on the roster take part.
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<OpenForm>,
) -> AppResult<Response> {
    let org = super::orgs::administered_unit(&state, &actor, id).await?;
    if !org.kind().is_branch() || org.is_dissolved() {
        return Err(AppError::NotFound);
    }
    let month = due_month(&state).await?;
    let year = form.year.trim().parse::<i32>().unwrap_or(0);
    let people: Vec<i64> = members::of_org(&state.db, org.id, &org.path)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let refused = match rules::may_open(year, today(), month) {
        Err(why) => Some(why),
        Ok(()) if people.len() < rules::MIN_MEMBERS => Some(format!(
            "支部党员不足{}人，请与上级党组织联合开展",
            rules::MIN_MEMBERS
        )),
        Ok(()) => None,
    };
    if let Some(why) = refused {
        let errors = FieldErrors::one("year", why);
        let year = year.clamp(today().year() - 4, today().year());
        return render_invalid(&org_page(&state, &ctx, org, year, errors).await?);
    }
    let mut tx = state.db.begin().await?;
    let aid = match appraisals::open(
        tx.conn(),
        org.id,
        year,
        &people,
        today(),
        actor.user_id,
        now_epoch(),
    )
    .await
    {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let errors = FieldErrors::one("year", why);
            return render_invalid(&org_page(&state, &ctx, org, year, errors).await?);
        }
        Err(e) => return Err(e),
    };
    ctx.audit(
        &mut tx,
        "开展民主评议党员",
        &format!("民主评议 {aid} {}", org.name),
        &format!("{year}年度，{}名党员参评", people.len()),
    )
    .await?;
    crate::store::notifications::notify_members(
        tx.conn(),
        &people,
        &format!("appraisal:{aid}"),
        &format!(
            "{}开展{year}年度民主评议党员，请填写自我评价并评价其他党员",
            org.name
        ),
        &format!("/appraisals/{aid}/ballot"),
        now_epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/appraisals/{aid}"),
        &format!("已开展{year}年度民主评议"),
    ))
}

#[derive(Template)]
#[template(path = "appraisal.html")]
struct AppraisalPage {
    page: Page,
    a: AppraisalRow,
    title: String,
    people: Vec<Participant>,
    tallies: HashMap<i64, Tally>,
    grades: Vec<Choice>,
    handlings: Vec<Choice>,
    meetings: Vec<Choice>,
    may_decide: bool,
    errors: FieldErrors,
    /// The member whose decision failed, to show its message there.
    failed: i64,
    today: String,
}

impl AppraisalPage {
    fn tally(&self, member: &i64) -> Tally {
        self.tallies.get(member).copied().unwrap_or_default()
    }
    fn undecided(&self) -> usize {
        self.people.iter().filter(|p| p.grade.is_none()).count()
    }
    fn written(&self) -> usize {
        self.people.iter().filter(|p| p.self_at.is_some()).count()
    }
    fn voted(&self) -> usize {
        self.people.iter().filter(|p| p.voted_at.is_some()).count()
    }
}

async fn appraisal_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    a: AppraisalRow,
    errors: FieldErrors,
    failed: i64,
) -> AppResult<AppraisalPage> {
    let month = due_month(state).await?;
    let opened = parse_date(&a.opened_on).unwrap_or(today());
    let meetings = crate::store::meetings::of_kind_since(
        &state.db,
        a.branch_id,
        crate::domain::orglife::MeetingKind::Appraisal,
        crate::domain::clock::day_start(opened),
    )
    .await?;
    Ok(AppraisalPage {
        page: ctx.page(format!("{} · {}年度民主评议党员", a.branch_name, a.year)),
        title: rules::title(a.year, month),
        people: appraisals::participants(&state.db, a.id).await?,
        tallies: appraisals::tallies(&state.db, a.id).await?,
        grades: choices(Grade::ALL.iter().map(|g| (g.code(), g.label())), ""),
        handlings: choices(Handling::ALL.iter().map(|h| (h.code(), h.label())), ""),
        meetings: super::form::id_choices(&meetings, ""),
        may_decide: a.is_open() && actor.administers(&a.branch_path),
        a,
        errors,
        failed,
        today: format_date(today()),
    })
}

/// An evaluation, for the administrators of its branch (and above).
async fn administered(state: &AppState, actor: &Actor, id: i64) -> AppResult<AppraisalRow> {
    appraisals::get(&state.db, id)
        .await
        .found_if(|a| actor.administers(&a.branch_path))
}

pub async fn appraisal(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let a = administered(&state, &actor, id).await?;
    render(&appraisal_page(&state, &ctx, &actor, a, FieldErrors::default(), 0).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    member: String,
    grade: String,
    reason: String,
    handling: String,
}

/// The branch meeting's result for one member, the vote counts beside it on the page.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<DecideForm>,
) -> AppResult<Response> {
    let a = administered(&state, &actor, id).await?;
    if !a.is_open() {
        return Err(AppError::Conflict(
            "本次民主评议已完成，结果不能再修改".into(),
        ));
    }
    let people = appraisals::participants(&state.db, a.id).await?;
    let Some(who) = form
        .member
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|m| people.iter().find(|p| p.member_id == m))
    else {
        return Err(AppError::BadRequest("请选择参加本次评议的党员".into()));
    };
    let d = match parse_decision(&form.grade, &form.reason, &form.handling) {
        Ok(d) => d,
        Err(errors) => {
            let failed = who.member_id;
            return render_invalid(&appraisal_page(&state, &ctx, &actor, a, errors, failed).await?);
        }
    };
    let mut tx = state.db.begin().await?;
    appraisals::decide(tx.conn(), a.id, who.member_id, &d).await?;
    ctx.audit(
        &mut tx,
        "确定民主评议结果",
        &format!("民主评议 {} {}", a.id, a.branch_name),
        &format!(
            "{}：{}{}",
            who.name,
            d.grade.label(),
            d.handling
                .map(|h| format!("，{}", h.label()))
                .unwrap_or_default()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/appraisals/{}#p{}", a.id, who.member_id),
        &format!("已确定{}的评议结果：{}", who.name, d.grade.label()),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    decided_on: String,
    meeting: String,
}

/// The evaluation is finished: every member has a result, decided at the branch meeting.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let a = administered(&state, &actor, id).await?;
    let opened = parse_date(&a.opened_on).unwrap_or(today());
    let mut errors = FieldErrors::default();
    let on = errors.check(
        "decided_on",
        parse_decided_on(&form.decided_on, opened, today()).map(Some),
    );
    let meeting = form.meeting.trim().parse::<i64>().ok();
    if let Some(m) = meeting {
        let ok = crate::store::meetings::get(&state.db, m)
            .await
            .is_ok_and(|x| x.org_id == a.branch_id);
        if !ok {
            errors.add("meeting", "请选择本支部的民主评议会议");
        }
    }
    let Some(on) = on.filter(|_| errors.is_empty()) else {
        return render_invalid(&appraisal_page(&state, &ctx, &actor, a, errors, 0).await?);
    };
    let mut tx = state.db.begin().await?;
    if !appraisals::close(tx.conn(), a.id, on, meeting).await? {
        drop(tx);
        let errors = FieldErrors::one("decided_on", "还有党员未确定评议结果，或本次评议已完成");
        return render_invalid(&appraisal_page(&state, &ctx, &actor, a, errors, 0).await?);
    }
    ctx.audit(
        &mut tx,
        "完成民主评议党员",
        &format!("民主评议 {} {}", a.id, a.branch_name),
        &format!("{}年度，{}支部党员大会确定结果", a.year, format_date(on)),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/appraisals/{}", a.id),
        &format!("{}年度民主评议已完成", a.year),
    ))
}

#[derive(Template)]
#[template(path = "appraisal_ballot.html")]
struct BallotPage {
    page: Page,
    a: AppraisalRow,
    title: String,
    me: Participant,
    colleagues: Vec<Participant>,
    mine: HashMap<i64, String>,
    grades: &'static [Grade],
    errors: FieldErrors,
}

impl BallotPage {
    fn chose(&self, member: &i64, grade: &Grade) -> bool {
        self.mine.get(member).map(String::as_str) == Some(grade.code())
    }
}

/// An evaluation the member takes part in, and their own line; else 404.
async fn taking_part(
    state: &AppState,
    member: i64,
    id: i64,
) -> AppResult<(AppraisalRow, Participant, Vec<Participant>)> {
    let a = appraisals::get(&state.db, id).await?;
    let mut people = appraisals::participants(&state.db, a.id).await?;
    let at = people
        .iter()
        .position(|p| p.member_id == member)
        .ok_or(AppError::NotFound)?;
    let me = people.remove(at);
    Ok((a, me, people))
}

async fn ballot_page(
    state: &AppState,
    ctx: &Ctx,
    member: i64,
    id: i64,
    errors: FieldErrors,
) -> AppResult<BallotPage> {
    let (a, me, colleagues) = taking_part(state, member, id).await?;
    Ok(BallotPage {
        page: ctx.page(format!("{}年度民主评议党员", a.year)),
        title: rules::title(a.year, due_month(state).await?),
        mine: appraisals::own_votes(&state.db, &state.keys, a.id, member).await?,
        me,
        colleagues,
        a,
        grades: Grade::ALL,
        errors,
    })
}

pub async fn ballot(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
) -> AppResult<Response> {
    render(&ballot_page(&state, &ctx, member.id, id, FieldErrors::default()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SelfForm {
    text: String,
}

/// The member's self-assessment, rewritten until the evaluation is finished.
pub async fn write_self(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
    Form(form): Form<SelfForm>,
) -> AppResult<Response> {
    let (a, _, _) = taking_part(&state, member.id, id).await?;
    if !a.is_open() {
        return Err(AppError::Conflict("本次民主评议已完成".into()));
    }
    let text = match rules::parse_self(&form.text) {
        Ok(t) => t,
        Err(why) => {
            let errors = FieldErrors::one("text", why);
            return render_invalid(&ballot_page(&state, &ctx, member.id, id, errors).await?);
        }
    };
    let mut tx = state.db.begin().await?;
    appraisals::save_self(tx.conn(), a.id, member.id, &text, now_epoch()).await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/appraisals/{}/ballot", a.id),
        "自我评价已保存",
    ))
}

/// The member's votes on their colleagues (`vote-<member>` = grade): one each, kept secret.
pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(fields);
    let (a, _, colleagues) = taking_part(&state, member.id, id).await?;
    if !a.is_open() {
        return Err(AppError::Conflict("本次民主评议已完成".into()));
    }
    let votes: Vec<(i64, Grade)> = colleagues
        .iter()
        .filter_map(|c| {
            Grade::from_code(form.get(&format!("vote-{}", c.member_id))).map(|g| (c.member_id, g))
        })
        .collect();
    if votes.len() < colleagues.len() {
        let mut errors = FieldErrors::default();
        errors.add(
            "votes",
            format!(
                "请对每名党员作出评价（还有{}名未选择）",
                colleagues.len() - votes.len()
            ),
        );
        return render_invalid(&ballot_page(&state, &ctx, member.id, id, errors).await?);
    }
    let mut tx = state.db.begin().await?;
    appraisals::cast(tx.conn(), &state.keys, a.id, member.id, &votes, now_epoch()).await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/appraisals/{}/ballot", a.id),
        "评价已提交，评价内容对被评价人和其他党员保密",
    ))
}
