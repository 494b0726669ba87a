//! 组织关系转接: the sending branch starts a transfer from the member's page; within the
//! county the receiving branch accepts or returns it, out of the county a 介绍信 is printed
//! and its 回执 recorded; both sides see what waits on them. (Transfers into the county are
//! registered with the member, on the member form.)
use super::access::{Admin, Found};
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, Form, Id, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, full_years, now_epoch, parse_date};
use crate::domain::dues::Month;
use crate::domain::member::{Gender, MemberStatus};
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::domain::transfer::{
    self as rules, Direction, Request, RequestEntry, Status, VALID_DAYS_DEFAULT,
};
use crate::error::{AppError, AppResult};
use crate::store::members::{self, Member};
use crate::store::orgs::{self, Org};
use crate::store::transfers::{self, NewTransfer, Transfer};
use crate::store::{dues, notifications};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::Date;

use crate::domain::clock::today;

/// How the member stands with their dues in the month of a transfer: (kept here at all, months
/// unpaid up to it, the last month paid).
struct DuesStanding {
    kept: bool,
    behind: i64,
    paid_to: Option<Month>,
}

async fn dues_standing(state: &AppState, m: &Member) -> AppResult<DuesStanding> {
    let month = Month::of(today());
    let window = dues::Window {
        first: month,
        last: month,
        through: month,
    };
    let ledger = dues::ledgers(&state.db, &m.branch_path, Some(m.id), window, None)
        .await?
        .into_iter()
        .next();
    Ok(match ledger {
        Some(l) => DuesStanding {
            kept: l.assessed(),
            behind: l.months_behind(),
            paid_to: l.last_paid(),
        },
        None => DuesStanding {
            kept: false,
            behind: 0,
            paid_to: None,
        },
    })
}

impl DuesStanding {
    fn text(&self) -> String {
        match (self.kept, self.paid_to) {
            (false, _) => "本支部未在系统中建立该党员的党费账目".into(),
            (true, Some(m)) if self.behind == 0 => format!("党费已交至{}", m.label()),
            (true, Some(m)) => format!("党费交至{}，尚欠{}个月", m.label(), self.behind),
            (true, None) if self.behind == 0 => "本月前无应交党费".into(),
            (true, None) => format!("尚未交纳党费，欠{}个月", self.behind),
        }
    }
}

#[derive(Template)]
#[template(path = "transfer_new.html")]
struct NewPage {
    page: Page,
    m: Member,
    q: String,
    branches: Vec<Org>,
    open: Option<Transfer>,
    dues_text: String,
    form: RequestForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RequestForm {
    direction: String,
    target: String,
    outside_org: String,
    valid_days: String,
    reason: String,
    q: String,
}

/// A member the actor manages and who is still on the roster; else 404.
async fn movable(state: &AppState, actor: &Actor, id: i64) -> AppResult<Member> {
    members::get(&state.db, id)
        .await
        .found_if(|m| actor.may_manage_member(&m.branch_path) && m.left_on.is_none())
}

/// The county's branches matching `q` (a transfer may go to any of them).
async fn county_branches(state: &AppState, q: &str, except: i64) -> AppResult<Vec<Org>> {
    if q.is_empty() {
        return Ok(vec![]);
    }
    let Some(root) = orgs::root(&state.db).await? else {
        return Ok(vec![]);
    };
    Ok(orgs::search(
        &state.db,
        &[&root.path],
        q,
        &super::members::branch_kinds(),
        30,
    )
    .await?
    .into_iter()
    .filter(|b| b.id != except)
    .collect())
}

async fn new_page_of(
    state: &AppState,
    ctx: &Ctx,
    m: Member,
    form: RequestForm,
    errors: FieldErrors,
) -> AppResult<NewPage> {
    let q = text::search(&form.q);
    let mut branches = county_branches(state, &q, m.branch_id).await?;
    // The branch chosen before stays offered when the form comes back with a message.
    if let Ok(chosen) = form.target.trim().parse::<i64>()
        && !branches.iter().any(|b| b.id == chosen)
        && let Some(b) = receiving_branch(state, chosen, &m).await?
    {
        branches.insert(0, b);
    }
    let mut conn = state.db.conn().await?;
    let open = transfers::open_of(&mut conn, m.id).await?;
    drop(conn);
    let dues_text = dues_standing(state, &m).await?.text();
    Ok(NewPage {
        page: ctx.page("组织关系转接"),
        q,
        branches,
        open,
        dues_text,
        m,
        form,
        errors,
    })
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    super::form::Query(form): super::form::Query<RequestForm>,
) -> AppResult<Response> {
    let m = movable(&state, &actor, id).await?;
    let form = RequestForm {
        valid_days: VALID_DAYS_DEFAULT.to_string(),
        ..form
    };
    render(&new_page_of(&state, &ctx, m, form, FieldErrors::default()).await?)
}

/// Starts a transfer: within the county it waits for the receiving branch (or is done at
/// once when the actor administers that branch too); out of the county its letter is ready.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let m = movable(&state, &actor, id).await?;
    let entry = RequestEntry {
        direction: &form.direction,
        target: &form.target,
        outside_org: &form.outside_org,
        valid_days: &form.valid_days,
        reason: &form.reason,
    };
    let (request, mut errors) = match rules::parse_request(&entry) {
        Ok(r) => (Some(r), FieldErrors::default()),
        Err(e) => (None, e),
    };
    let target = match &request {
        Some(Request::Within { to_branch, .. }) => {
            let t = receiving_branch(&state, *to_branch, &m).await?;
            if t.is_none() {
                errors.add("target", "请选择本县内其他的党支部");
            }
            t
        }
        _ => None,
    };
    let standing = dues_standing(&state, &m).await?;
    if let Err(why) = rules::dues_settled(standing.kept, standing.behind, Month::of(today())) {
        errors.add("dues", why);
    }
    let Some(request) = request.filter(|_| errors.is_empty()) else {
        return render_invalid(&new_page_of(&state, &ctx, m, form, errors).await?);
    };
    let paid_to = standing.paid_to.map(|p| p.label()).unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let (new, what) = match &request {
        Request::Within { reason, .. } => {
            let t = target.as_ref().expect("checked");
            let at_once = actor.administers(&t.path);
            let new = NewTransfer {
                direction: Direction::Within,
                to_branch: Some(t.id),
                status: if at_once {
                    Status::Accepted
                } else {
                    Status::Pending
                },
                reason,
                ..new_transfer(&m, &actor, &paid_to)
            };
            (new, format!("{} → {}：{reason}", m.branch_name, t.name))
        }
        Request::Out {
            outside_org,
            valid_days,
            reason,
        } => (
            NewTransfer {
                direction: Direction::Out,
                outside_org,
                valid_days: *valid_days,
                reason,
                ..new_transfer(&m, &actor, &paid_to)
            },
            format!("{} → 县外 {outside_org}：{reason}", m.branch_name),
        ),
    };
    let transfer_id = match transfers::start(tx.conn(), &new).await {
        Ok(id) => id,
        Err(AppError::Conflict(why)) => {
            drop(tx);
            errors.add("open", why);
            return render_invalid(&new_page_of(&state, &ctx, m, form, errors).await?);
        }
        Err(e) => return Err(e),
    };
    let moved = new.status == Status::Accepted;
    if moved {
        let t = target.as_ref().expect("within");
        members::transfer(tx.conn(), &m, t.id, new.reason, actor.user_id, new.now).await?;
    }
    ctx.audit(&mut tx, "发起组织关系转接", &member_label(&m), &what)
        .await?;
    if let (Some(t), false) = (&target, moved) {
        let title = format!(
            "组织关系转接：{}从{}转入本支部，请接收",
            m.name, m.branch_name
        );
        tell_admins(&mut tx, t.id, transfer_id, &title, new.now).await?;
    }
    tx.commit().await?;
    if moved {
        after_move(&state, m.id, [m.branch_id, target.map_or(0, |t| t.id)]).await?;
    }
    let message = match (new.direction, moved) {
        (Direction::Within, true) => "已转入，组织关系转接完成",
        (Direction::Within, false) => "已发起转接，待转入党支部接收",
        _ => "介绍信已开具，请打印后交党员本人；收到回执后在此登记",
    };
    Ok(flash_redirect(
        &state,
        &format!("/transfers/{transfer_id}"),
        message,
    ))
}

fn new_transfer<'a>(m: &Member, actor: &Actor, paid_to: &'a str) -> NewTransfer<'a> {
    NewTransfer {
        member_id: m.id,
        direction: Direction::Within,
        from_branch: Some(m.branch_id),
        to_branch: None,
        outside_org: "",
        letter_no: "",
        valid_days: 0,
        dues_paid_to: paid_to,
        reason: "",
        status: Status::Pending,
        issued: today(),
        by: actor.user_id,
        now: now_epoch(),
    }
}

/// Whom the audit log says a step concerns (as `Transfer::audit_target`).
fn member_label(m: &Member) -> String {
    format!("党员 {} {}", m.id, m.name)
}

/// The branch a transfer within the county may go to: another live branch of the county.
async fn receiving_branch(state: &AppState, id: i64, m: &Member) -> AppResult<Option<Org>> {
    match orgs::get(&state.db, id)
        .await
        .found_if(|o| o.kind().is_branch() && !o.is_dissolved() && o.id != m.branch_id)
    {
        Ok(o) => Ok(Some(o)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The bell of a branch's administrators (and the committee above it).
async fn tell_admins(
    tx: &mut crate::store::WriteTx,
    branch: i64,
    transfer_id: i64,
    title: &str,
    now: i64,
) -> AppResult<()> {
    let (key, link) = (
        format!("transfer:{transfer_id}:{title}"),
        format!("/transfers/{transfer_id}"),
    );
    notifications::notify_admins(tx.conn(), branch, &key, title, &link, now).await?;
    Ok(())
}

/// After a member moved or left: the rankings and both branches' figures follow.
async fn after_move(state: &AppState, member: i64, branches: [i64; 2]) -> AppResult<()> {
    state.rankings.moved(&state.db, member).await?;
    for branch in branches.into_iter().filter(|b| *b != 0) {
        super::dashboard::records_changed(state, branch).await;
    }
    Ok(())
}

/// Which side of a transfer the actor is on.
#[derive(Debug, Clone, Copy)]
struct Sides {
    sender: bool,
    receiver: bool,
}

/// The transfer, when the actor administers either side of it; else 404.
async fn visible(state: &AppState, actor: &Actor, id: i64) -> AppResult<(Transfer, Sides)> {
    let t = transfers::get(&state.db, id).await?;
    let sides = Sides {
        sender: t.from_path.as_deref().is_some_and(|p| actor.administers(p)),
        receiver: t.to_path.as_deref().is_some_and(|p| actor.administers(p)),
    };
    if sides.sender || sides.receiver {
        Ok((t, sides))
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Template)]
#[template(path = "transfer_show.html")]
struct ShowPage {
    page: Page,
    t: Transfer,
    status: Status,
    may_accept: bool,
    may_withdraw: bool,
    has_letter: bool,
    may_receipt: bool,
    errors: FieldErrors,
    receipt: ReceiptForm,
    today: String,
}

fn show_page(
    ctx: &Ctx,
    t: Transfer,
    sides: Sides,
    errors: FieldErrors,
    receipt: ReceiptForm,
) -> ShowPage {
    let status = t.status_on(today());
    let open = status == Status::Pending;
    let out = t.direction() == Direction::Out;
    ShowPage {
        page: ctx.page(format!("组织关系转接 · {}", t.member_name)),
        may_accept: open && sides.receiver && t.direction() == Direction::Within,
        may_withdraw: open && sides.sender,
        has_letter: out && sides.sender && !t.letter_no.is_empty(),
        may_receipt: open && out && sides.sender,
        status,
        t,
        errors,
        receipt,
        today: format_date(today()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    render(&show_page(
        &ctx,
        t,
        sides,
        FieldErrors::default(),
        ReceiptForm::default(),
    ))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DecisionForm {
    reason: String,
}

/// Closes an open transfer as `status` inside `tx`; a transfer someone else closed first is
/// a conflict.
async fn close(
    tx: &mut crate::store::WriteTx,
    t: &Transfer,
    status: Status,
    why: &str,
    receipt_on: Option<Date>,
    actor: &Actor,
) -> AppResult<()> {
    if transfers::close(
        tx.conn(),
        t.id,
        status,
        why,
        receipt_on,
        actor.user_id,
        now_epoch(),
    )
    .await?
    {
        Ok(())
    } else {
        Err(AppError::Conflict("该转接已办结，请刷新后查看".into()))
    }
}

/// The receiving branch accepts: the member moves to it.
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    let (Some(to), true) = (
        t.to_branch_id,
        sides.receiver && t.direction() == Direction::Within,
    ) else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.db.begin().await?;
    close(&mut tx, &t, Status::Accepted, "", None, &actor).await?;
    let m = members::get_in(tx.conn(), t.member_id).await?;
    members::transfer(tx.conn(), &m, to, &t.reason, actor.user_id, now_epoch()).await?;
    let what = format!("{} → {}", t.from_text(), t.to_text());
    ctx.audit(&mut tx, "接收组织关系转接", &t.audit_target(), &what)
        .await?;
    let title = format!("组织关系转接：{}已被{}接收", m.name, t.to_text());
    if let Some(from) = t.from_branch_id {
        tell_admins(&mut tx, from, t.id, &title, now_epoch()).await?;
    }
    tx.commit().await?;
    after_move(&state, m.id, [m.branch_id, to]).await?;
    Ok(flash_redirect(
        &state,
        &format!("/transfers/{id}"),
        &format!("已接收{}", m.name),
    ))
}

/// The receiving branch returns it with a reason; the member stays where they are.
pub async fn return_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    if !sides.receiver || t.direction() != Direction::Within {
        return Err(AppError::NotFound);
    }
    let reason = match text::required(
        &form.reason,
        crate::domain::member::TRANSFER_REASON_MAX_CHARS,
    ) {
        Ok(r) => r,
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("reason", format!("退回原因：{e}"));
            return render_invalid(&show_page(&ctx, t, sides, errors, ReceiptForm::default()));
        }
    };
    let mut tx = state.db.begin().await?;
    close(&mut tx, &t, Status::Returned, &reason, None, &actor).await?;
    let what = format!("{} → {}，退回：{reason}", t.from_text(), t.to_text());
    ctx.audit(&mut tx, "退回组织关系转接", &t.audit_target(), &what)
        .await?;
    let title = format!("组织关系转接被退回：{}（{reason}）", t.member_name);
    if let Some(from) = t.from_branch_id {
        tell_admins(&mut tx, from, t.id, &title, now_epoch()).await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/transfers/{id}"),
        "已退回",
    ))
}

/// The sending branch withdraws an open transfer (a letter not yet used).
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    if !sides.sender {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    close(&mut tx, &t, Status::Withdrawn, "", None, &actor).await?;
    let what = format!("{} → {}", t.from_text(), t.to_text());
    ctx.audit(&mut tx, "撤回组织关系转接", &t.audit_target(), &what)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/transfers/{id}"),
        "已撤回，党员仍在本支部",
    ))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReceiptForm {
    code: String,
    receipt_on: String,
}

/// The 回执 came back: the member leaves the county's organization on its date.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<ReceiptForm>,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    if !sides.sender || t.direction() != Direction::Out {
        return Err(AppError::NotFound);
    }
    let today = today();
    let issued = t.issued().unwrap_or(today);
    let checked = match t.status_on(today) {
        Status::Expired => {
            let mut e = FieldErrors::default();
            e.add(
                "receipt_on",
                format!("介绍信已于{}过期，请撤回后重新开具", t.last_valid_text()),
            );
            Err(e)
        }
        _ => rules::parse_receipt(&form.code, &form.receipt_on, &t.verify_code, issued, today),
    };
    let on = match checked {
        Ok(on) => on,
        Err(errors) => return render_invalid(&show_page(&ctx, t, sides, errors, form)),
    };
    let mut tx = state.db.begin().await?;
    close(&mut tx, &t, Status::Receipted, "", Some(on), &actor).await?;
    let why = format!("转出县外：{}", t.outside_org);
    members::leave(tx.conn(), t.member_id, on, &why, now_epoch()).await?;
    let what = format!("{}，回执日期 {}", t.letter_text(), format_date(on));
    ctx.audit(&mut tx, "登记介绍信回执", &t.audit_target(), &what)
        .await?;
    tx.commit().await?;
    after_move(&state, t.member_id, [t.from_branch_id.unwrap_or(0), 0]).await?;
    Ok(flash_redirect(
        &state,
        &format!("/transfers/{id}"),
        &format!("回执已登记，{}的组织关系已转出本县", t.member_name),
    ))
}

/// The 介绍信 with its 回执 stub, for the sending branch; printing it reads the member's ID
/// and phone numbers, which the audit log records.
pub async fn letter(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let (t, sides) = visible(&state, &actor, id).await?;
    if !sides.sender || t.direction() != Direction::Out || t.letter_no.is_empty() {
        return Err(AppError::NotFound);
    }
    let m = members::get(&state.db, t.member_id).await?;
    let county = orgs::root(&state.db).await?.ok_or(AppError::NotFound)?;
    let issued = t.issued().unwrap_or_else(today);
    let birth = parse_date(&m.birth_date);
    let content = crate::pdf::TransferLetter {
        number: t.letter_text(),
        verify_code: t.verify_code.clone(),
        to_org: t.outside_org.clone(),
        name: m.name.clone(),
        gender: Gender::from_code(&m.gender)
            .map_or("", |g| g.label())
            .into(),
        age: birth.map_or(0, |b| full_years(b, issued)),
        ethnicity: m.ethnicity.clone(),
        status: MemberStatus::from_code(&m.status)
            .map_or("", |s| s.label())
            .into(),
        id_number: state.keys.decrypt(&m.id_number_enc).unwrap_or_default(),
        from_branch: m.branch_name.clone(),
        dues_paid_to: t.dues_paid_to.clone(),
        valid_days: t.valid_days,
        issued: date_words(issued),
        last_valid: date_words(t.last_valid_day().unwrap_or(issued)),
        issuer: format!("{}组织部", county.name),
        phone: m
            .phone_enc
            .as_deref()
            .and_then(|p| state.keys.decrypt(p))
            .unwrap_or_default(),
    };
    let pdf = tokio::task::spawn_blocking(move || crate::pdf::transfer_letter(&content))
        .await?
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    ctx.audit(
        &mut tx,
        "打印组织关系介绍信",
        &member_label(&m),
        &t.letter_text(),
    )
    .await?;
    tx.commit().await?;
    let file = format!("组织关系介绍信{}.pdf", t.letter_no);
    Ok(super::stored::bytes_response(
        pdf,
        "application/pdf",
        Some(&file),
    ))
}

/// 2026年12月7日.
fn date_words(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct ListPage {
    page: Page,
    org: Org,
    to_accept: Vec<(Transfer, Status)>,
    sent: Vec<(Transfer, Status)>,
    done: Vec<(Transfer, Status)>,
}

/// 组织关系转接: what waits on the actor (to accept, sent and open) and the latest done,
/// for the widest organization they administer.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    let today = today();
    let (mut to_accept, mut sent, mut done) = (vec![], vec![], vec![]);
    for t in transfers::in_subtree(&state.db, &org.path, 100).await? {
        let status = t.status_on(today);
        let receiver = t.to_path.as_deref().is_some_and(|p| actor.administers(p));
        match status {
            Status::Pending if receiver && t.direction() == Direction::Within => {
                to_accept.push((t, status))
            }
            Status::Pending => sent.push((t, status)),
            _ => done.push((t, status)),
        }
    }
    render(&ListPage {
        page: ctx.page("组织关系转接"),
        org,
        to_accept,
        sent,
        done,
    })
}
