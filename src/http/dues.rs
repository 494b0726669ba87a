//! 党费 pages: 我的党费 and the yearly 党费证; a member's dues with 补缴, 预交 and 代缴; a
//! branch's monthly collection sheet, its yearly base check and its hand-ups; from above,
//! 交纳率 by organization and the members 3 and 6 months behind.
use super::access::{Admin, Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Form, Id, Pairs, Query, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, now_epoch, parse_date};
use crate::domain::dues::Tally;
use crate::domain::dues::{
    AssessmentEntry, DuesCategory, Fen, Month, MonthState, PaymentWay, format_yuan,
    last_closed_month, parse_assessment, parse_yuan, payment_months,
};
use crate::domain::policy::Actor;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::dues::{self, Handup, Ledger, NewHandup, NewPayment, Payment, Window};
use crate::store::members;
use crate::store::orgs::{self, Org};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// Longest 代缴 name and payment reference.
const PAID_BY_MAX_CHARS: usize = 20;
const REFERENCE_MAX_CHARS: usize = 60;
const NOTE_MAX_CHARS: usize = 200;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    month: String,
    year: String,
}

impl PeriodQuery {
    fn month_or(&self, default: Month) -> Month {
        Month::parse(&self.month).unwrap_or(default)
    }

    fn year_or(&self, default: i32) -> i32 {
        self.year
            .trim()
            .parse()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(default)
    }
}

use crate::domain::clock::today;

fn yuan(fen: Option<Fen>) -> String {
    fen.map(format_yuan).unwrap_or_else(|| "待核定".into())
}

/// The ledger window of a year: its months, and how far behind the member is now.
fn year_window(year: i32) -> Window {
    let months: Vec<Month> = Month::year_months(year).collect();
    Window {
        first: months[0],
        last: months[11],
        through: last_closed_month(today()),
    }
}

// ---------------------------------------------------------------------------------------
// A member's dues.

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AssessForm {
    from: String,
    category: String,
    base: String,
    set_amount: String,
    decided_on: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PayForm {
    first: String,
    count: String,
    paid_on: String,
    way: String,
    paid_by: String,
    reference: String,
}

pub struct MonthLine {
    pub label: String,
    pub due: String,
    pub state: MonthState,
    pub paid_on: String,
    pub way: String,
    pub kind: &'static str,
}

pub struct AssessLine {
    pub from: String,
    pub category: &'static str,
    pub base: String,
    pub amount: String,
    pub decided: String,
}

#[derive(Template)]
#[template(path = "dues_member.html")]
struct MemberDuesPage {
    page: Page,
    member_id: i64,
    name: String,
    branch_id: i64,
    branch_name: String,
    own: bool,
    year: i32,
    this_year: i32,
    months: Vec<MonthLine>,
    category: &'static str,
    base: String,
    rule: String,
    due_now: String,
    behind: i64,
    paid_this_year: String,
    payments: Vec<Payment>,
    history: Vec<AssessLine>,
    may_assess: bool,
    may_collect: bool,
    errors: FieldErrors,
    assess: AssessForm,
    pay: PayForm,
    categories: Vec<Choice>,
    ways: Vec<Choice>,
    /// The member's registered hardship (关怀帮扶), which may ground a reduction: for the
    /// branch deciding it.
    hardship: Option<crate::store::care::HardshipRow>,
}

impl MonthLine {
    /// A member's month as every page shows it: the amount (paid, or due), its state, and
    /// when, how and as what it was paid.
    fn of(ledger: &Ledger, month: Month) -> MonthLine {
        let paid = ledger.paid.get(&month);
        let state = ledger.state(month);
        MonthLine {
            label: format!("{}月", month.month()),
            due: match state {
                MonthState::NotOwed => "—".into(),
                _ => yuan(paid.map(|p| p.amount).or(ledger.due(month))),
            },
            state,
            paid_on: paid.map(|p| p.paid_on.clone()).unwrap_or_default(),
            way: paid.map(|p| p.way_label()).unwrap_or_default(),
            kind: paid.map(|p| p.kind()).unwrap_or(""),
        }
    }
}

/// Each month of `year` as the member's page and the 党费证 list it.
fn month_lines(ledger: &Ledger, year: i32) -> Vec<MonthLine> {
    Month::year_months(year)
        .map(|month| MonthLine::of(ledger, month))
        .collect()
}

/// Hidden where the viewer may not read incomes.
const BASE_HIDDEN: &str = "仅本人、本支部管理员可见";

async fn member_page(
    state: &AppState,
    ctx: &Ctx,
    member_id: i64,
    year: Option<i32>,
    errors: FieldErrors,
    forms: Option<(AssessForm, PayForm)>,
) -> AppResult<MemberDuesPage> {
    let actor = ctx.actor()?;
    let m = members::get(&state.db, member_id)
        .await
        .found_if(|m| actor.may_view_member(m.id, &m.branch_path))?;
    let today = today();
    let now = Month::of(today);
    let year = year.unwrap_or(today.year());
    let base_visible = actor.may_see_dues_base(m.id, &m.branch_path);
    let ledger = dues::ledgers(
        &state.db,
        &m.branch_path,
        Some(m.id),
        year_window(year),
        Some(&state.keys),
    )
    .await?
    .into_iter()
    .next()
    .ok_or(AppError::NotFound)?;
    let months = month_lines(&ledger, year);
    let shown_base = |b: Option<Fen>| match (b, base_visible) {
        (None, _) => "—".to_string(),
        (Some(b), true) => format_yuan(b),
        (Some(_), false) => BASE_HIDDEN.to_string(),
    };
    let current = ledger.assessment(now);
    let history = ledger
        .assessments
        .iter()
        .rev()
        .map(|a| AssessLine {
            from: a.from.label(),
            category: a.category.label(),
            base: shown_base(a.base),
            amount: a.set_amount.map(format_yuan).unwrap_or_default(),
            decided: crate::domain::dues::decided_label(a),
        })
        .collect();
    let paid_this_year: Fen = ledger.paid.values().map(|p| p.amount).sum();
    let (assess, pay) = forms.unwrap_or_else(|| {
        (
            AssessForm {
                // The ledger begins this month; a change applies from the next.
                from: if ledger.assessed() { now.plus(1) } else { now }.code(),
                category: ledger.category(now).code().into(),
                ..Default::default()
            },
            PayForm {
                first: now.code(),
                count: "1".into(),
                paid_on: format_date(today),
                way: PaymentWay::Cash.code().into(),
                ..Default::default()
            },
        )
    });
    Ok(MemberDuesPage {
        page: ctx.page(if actor.is_member(m.id) {
            "我的党费".to_string()
        } else {
            format!("{}的党费", m.name)
        }),
        member_id: m.id,
        name: m.name.clone(),
        branch_id: m.branch_id,
        branch_name: m.branch_name.clone(),
        own: actor.is_member(m.id),
        year,
        this_year: today.year(),
        months,
        category: ledger.category(now).label(),
        base: shown_base(current.and_then(|a| a.base)),
        rule: current
            .map(|a| a.rule_label(now))
            .unwrap_or_else(|| "尚未核定".into()),
        due_now: match ledger.state(now) {
            MonthState::NotOwed => "—".into(),
            _ => yuan(ledger.due(now)),
        },
        behind: ledger.months_behind(),
        paid_this_year: format_yuan(paid_this_year),
        payments: dues::payments_of(&state.db, m.id).await?,
        history,
        hardship: if actor.may_assess_dues(&m.branch_path) {
            crate::store::care::hardships_of_member(&state.db, m.id)
                .await?
                .into_iter()
                .find(|h| h.ended_on.is_none())
        } else {
            None
        },
        may_assess: actor.may_assess_dues(&m.branch_path),
        may_collect: actor.may_manage_member(&m.branch_path),
        errors,
        categories: choices(
            DuesCategory::ALL.iter().map(|c| (c.code(), c.label())),
            &assess.category,
        ),
        ways: choices(
            PaymentWay::ALL.iter().map(|w| (w.code(), w.label())),
            &pay.way,
        ),
        assess,
        pay,
    })
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let year = q.year_or(today().year());
    render(
        &member_page(
            &state,
            &ctx,
            member.id,
            Some(year),
            FieldErrors::default(),
            None,
        )
        .await?,
    )
}

pub async fn of_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let year = q.year_or(today().year());
    render(&member_page(&state, &ctx, id, Some(year), FieldErrors::default(), None).await?)
}

/// The member, when the actor may record their dues (an administrator of their branch).
async fn collected_member(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> AppResult<crate::store::members::Member> {
    members::get(&state.db, id)
        .await
        .found_if(|m| actor.may_manage_member(&m.branch_path))
}

pub async fn assess(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<AssessForm>,
) -> AppResult<Response> {
    let m = collected_member(&state, &actor, id).await?;
    if !actor.may_assess_dues(&m.branch_path) {
        return Err(AppError::Forbidden);
    }
    let entry = AssessmentEntry {
        from: &form.from,
        category: &form.category,
        base: &form.base,
        set_amount: &form.set_amount,
        decided_on: &form.decided_on,
    };
    let a = match parse_assessment(&entry, today()) {
        Ok(a) => a,
        Err(errors) => {
            let page = member_page(
                &state,
                &ctx,
                id,
                None,
                errors,
                Some((form, PayForm::default())),
            )
            .await?;
            return render_invalid(&page);
        }
    };
    let mut tx = state.db.begin().await?;
    dues::assess(tx.conn(), &state.keys, m.id, &a, actor.user_id, now_epoch()).await?;
    // The base itself stays out of the log: it is the member's income.
    ctx.audit(
        &mut tx,
        "党费核定",
        &format!("党员 {} {}", m.id, m.name),
        &format!("{}，自{}起", a.category.label(), a.from.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/members/{id}/dues"),
        &format!("已核定{}自{}起的党费", m.name, a.from.label()),
    ))
}

/// The months a payment covers with each month's own amount, or why it cannot be taken.
fn months_to_pay(
    ledger: &Ledger,
    months: &[Month],
    field: &'static str,
) -> Result<Vec<(Month, Fen)>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut out = Vec::new();
    for &month in months {
        match (ledger.state(month), ledger.due(month)) {
            (MonthState::Paid, _) => {
                errors.add(field, format!("{}的党费已经交过", month.label()));
            }
            (MonthState::NotOwed, _) if !ledger.assessed() => {
                errors.add(field, "请先核定该党员的交纳类别和基数");
            }
            (MonthState::NotOwed, _) => {
                errors.add(
                    field,
                    format!("{}在本人党费账目之前（入党或建账之前）", month.label()),
                );
            }
            (MonthState::Exempt, _) => {
                errors.add(field, format!("{}经支部党员大会决定免交", month.label()));
            }
            (MonthState::Unpaid, None) => {
                errors.add(field, "请先核定该党员的党费基数");
            }
            (MonthState::Unpaid, Some(fen)) => out.push((month, fen)),
        }
        if !errors.is_empty() {
            break;
        }
    }
    errors.or_value(|| out)
}

struct PaymentTerms {
    paid_on: time::Date,
    way: PaymentWay,
    paid_by: String,
    reference: String,
}

fn parse_terms(
    paid_on: &str,
    way: &str,
    paid_by: &str,
    reference: &str,
) -> Result<PaymentTerms, FieldErrors> {
    let mut errors = FieldErrors::default();
    let today = today();
    let paid_on = match parse_date(paid_on) {
        Some(d) if d > today => {
            errors.add("paid_on", "交纳日期不能晚于今天");
            today
        }
        Some(d) if d.year() < 2000 => {
            errors.add("paid_on", "请填写实际交纳的日期");
            today
        }
        Some(d) => d,
        None => {
            errors.add("paid_on", "请填写交纳日期，如 2026-12-05");
            today
        }
    };
    let way = PaymentWay::from_code(way).unwrap_or_else(|| {
        errors.add("way", "请选择交纳方式");
        PaymentWay::Cash
    });
    // Only a 代缴 names who paid, and it must.
    let paid_by = match text::optional(paid_by, PAID_BY_MAX_CHARS) {
        Ok(_) if way != PaymentWay::OnBehalf => String::new(),
        Ok(p) if p.is_empty() => {
            errors.add("paid_by", "代缴请填写代缴人姓名");
            p
        }
        Ok(p) => p,
        Err(why) => {
            errors.add("paid_by", why);
            String::new()
        }
    };
    let reference = text::optional(reference, REFERENCE_MAX_CHARS).unwrap_or_else(|why| {
        errors.add("reference", why);
        String::new()
    });
    errors.or_value(|| PaymentTerms {
        paid_on,
        way,
        paid_by,
        reference,
    })
}

pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<PayForm>,
) -> AppResult<Response> {
    let m = collected_member(&state, &actor, id).await?;
    let invalid = |errors: FieldErrors, form: PayForm| {
        let (state, ctx) = (&state, &ctx);
        async move {
            let page = member_page(
                state,
                ctx,
                id,
                None,
                errors,
                Some((AssessForm::default(), form)),
            )
            .await?;
            render_invalid(&page)
        }
    };
    let months = match payment_months(&form.first, &form.count, today()) {
        Ok(m) => m,
        Err(errors) => return invalid(errors, form).await,
    };
    let terms = match parse_terms(&form.paid_on, &form.way, &form.paid_by, &form.reference) {
        Ok(t) => t,
        Err(errors) => return invalid(errors, form).await,
    };
    let window = Window {
        first: months[0],
        last: months[months.len() - 1],
        through: last_closed_month(today()),
    };
    let ledger = dues::ledgers(
        &state.db,
        &m.branch_path,
        Some(m.id),
        window,
        Some(&state.keys),
    )
    .await?
    .into_iter()
    .next()
    .ok_or(AppError::NotFound)?;
    let amounts = match months_to_pay(&ledger, &months, "first") {
        Ok(a) => a,
        Err(errors) => return invalid(errors, form).await,
    };
    let payment = NewPayment {
        member_id: m.id,
        branch_id: m.branch_id,
        paid_on: terms.paid_on,
        way: terms.way,
        paid_by: terms.paid_by.clone(),
        reference: terms.reference.clone(),
        months: amounts,
        collector: actor.user_id,
    };
    let total: Fen = payment.months.iter().map(|(_, f)| f).sum();
    let what = format!(
        "{}{}党费{}元",
        crate::domain::dues::span_label(&months[0].code(), &months[months.len() - 1].code()),
        crate::domain::dues::payment_kind(months[0], terms.paid_on),
        format_yuan(total)
    );
    let mut tx = state.db.begin().await?;
    match dues::record_payment(tx.conn(), &payment, &m.name, now_epoch()).await {
        Ok(_) => {}
        Err(AppError::Conflict(why)) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add("first", why);
            return invalid(errors, form).await;
        }
        Err(e) => return Err(e),
    }
    ctx.audit(
        &mut tx,
        "党费登记",
        &format!("党员 {} {}", m.id, m.name),
        &what,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/members/{id}/dues"),
        &format!("已登记{}{}", m.name, what),
    ))
}

/// The yearly 党费证: what was due and paid month by month, to print and keep.
pub async fn card(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let year = q.year_or(today().year());
    let page = member_page(&state, &ctx, id, Some(year), FieldErrors::default(), None).await?;
    let mut summary = vec![
        format!("姓名：{}　所在党支部：{}", page.name, page.branch_name),
        format!("交纳类别：{}　月交纳额：{}元", page.category, page.due_now),
        format!("{}年已交纳合计：{}元", year, page.paid_this_year),
    ];
    if page.behind > 0 {
        summary.push(format!("截至上月连续未交：{}个月", page.behind));
    }
    let rows = page
        .months
        .iter()
        .map(|l| {
            vec![
                l.label.clone(),
                l.due.clone(),
                l.state.label().to_string(),
                l.paid_on.clone(),
                l.way.clone(),
                l.kind.to_string(),
            ]
        })
        .collect();
    let content = crate::domain::report::ReportContent {
        title: format!("{year}年度党费证"),
        summary,
        sections: vec![crate::domain::report::Section {
            title: "逐月交纳记录".into(),
            headings: ["月份", "金额（元）", "状态", "交纳日期", "方式", "类型"]
                .map(String::from)
                .to_vec(),
            rows,
            more: 0,
            empty: String::new(),
        }],
    };
    let footer = format!("{}　{}", page.branch_name, page.name);
    let file = format!("{}-{year}年度党费证.pdf", page.name);
    let bytes = tokio::task::spawn_blocking(move || crate::pdf::report(&content, &footer))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(super::stored::bytes_response(
        bytes,
        "application/pdf",
        Some(&file),
    ))
}

// ---------------------------------------------------------------------------------------
// An organization's dues: a branch's sheet, or the organizations below.

pub struct SheetRow {
    pub id: i64,
    pub name: String,
    pub category: &'static str,
    pub base: String,
    pub rule: String,
    pub line: MonthLine,
    pub behind: i64,
    pub payable: bool,
}

pub struct ChildRow {
    pub id: i64,
    pub name: String,
    pub tally: Tally,
}

/// A member months behind, for the 3- and 6-month lists.
pub struct Behind {
    pub id: i64,
    pub name: String,
    pub branch: String,
    pub months: i64,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct HandupForm {
    first: String,
    last: String,
    amount: String,
    handed_on: String,
    note: String,
}

#[derive(Template)]
#[template(path = "dues_org.html")]
struct OrgDuesPage {
    page: Page,
    org: Org,
    is_branch: bool,
    month: Month,
    prev: String,
    next: Option<String>,
    total: Tally,
    sheet: Vec<SheetRow>,
    base_visible: bool,
    /// May check the branch's bases (年度基数核定).
    may_assess: bool,
    children: Vec<ChildRow>,
    behind: Vec<Behind>,
    behind_more: usize,
    received: Vec<Handup>,
    handed: Vec<Handup>,
    parent_name: Option<String>,
    /// Taken in and handed up over the hand-up form's months, to reconcile.
    reconcile: Option<(String, String, String)>,
    errors: FieldErrors,
    handup: HandupForm,
    /// The county's reminder day and base-check month, for the county administrator to change.
    settings: Option<(i64, i64)>,
    collect_on: String,
    ways: Vec<Choice>,
}

impl OrgDuesPage {
    fn yuan(&self, fen: &i64) -> String {
        format_yuan(*fen)
    }
}

/// How many members months behind a page lists.
const BEHIND_SHOWN: usize = 200;

/// A branch's collection sheet for `month`.
fn sheet_rows(ledgers: &[Ledger], month: Month, base_visible: bool) -> Vec<SheetRow> {
    ledgers
        .iter()
        .map(|l| {
            let a = l.assessment(month);
            let line = MonthLine::of(l, month);
            let state = line.state;
            SheetRow {
                id: l.person.id,
                name: l.person.name.clone(),
                category: l.category(month).label(),
                base: match a.and_then(|a| a.base) {
                    Some(b) if base_visible => format_yuan(b),
                    _ => String::new(),
                },
                rule: match (state, a) {
                    (MonthState::NotOwed, _) if !l.assessed() => "待核定".into(),
                    (_, Some(a)) => a.rule_label(month),
                    _ => String::new(),
                },
                line,
                behind: l.months_behind(),
                payable: state == MonthState::Unpaid && l.due(month).is_some(),
            }
        })
        .collect()
}

/// The members 3 months or more behind, longest first, and how many more there are.
fn behind_list(ledgers: &[Ledger]) -> (Vec<Behind>, usize) {
    let mut behind: Vec<Behind> = ledgers
        .iter()
        .map(|l| (l, l.months_behind()))
        .filter(|(_, b)| *b >= 3)
        .map(|(l, months)| Behind {
            id: l.person.id,
            name: l.person.name.clone(),
            branch: l.person.branch_name.clone(),
            months,
        })
        .collect();
    behind.sort_by(|a, b| b.months.cmp(&a.months).then(a.branch.cmp(&b.branch)));
    let more = behind.len().saturating_sub(BEHIND_SHOWN);
    behind.truncate(BEHIND_SHOWN);
    (behind, more)
}

/// An organization's dues page for `month`; without one, a branch works on the month under
/// way and those above read the last month that is over.
async fn org_page(
    state: &AppState,
    ctx: &Ctx,
    org_id: i64,
    month: Option<Month>,
    errors: FieldErrors,
    handup: Option<HandupForm>,
) -> AppResult<OrgDuesPage> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, org_id)
        .await
        .found_if(|o| actor.administers(&o.path) && !o.is_dissolved())?;
    let today = today();
    let is_branch = org.kind().is_branch();
    let month = month.unwrap_or(if is_branch {
        Month::of(today)
    } else {
        last_closed_month(today)
    });
    let through = last_closed_month(today);
    let window = Window {
        first: month,
        last: month,
        through,
    };
    // A branch's sheet shows amounts, which need the bases; the overview of many only counts.
    let ledgers = if is_branch {
        std::sync::Arc::new(
            dues::ledgers(&state.db, &org.path, None, window, Some(&state.keys)).await?,
        )
    } else {
        dues::counted_ledgers(&state.db, &org.path, window).await?
    };
    let tallies = dues::tallies_by_org(&ledgers, month);
    let total = tallies.get(&org.id).copied().unwrap_or_default();
    let base_visible = is_branch && actor.may_see_dues_base(0, &org.path);
    let sheet = if is_branch {
        sheet_rows(&ledgers, month, base_visible)
    } else {
        Vec::new()
    };
    let children = if is_branch {
        Vec::new()
    } else {
        orgs::direct_children(&state.db, org.id)
            .await?
            .into_iter()
            .map(|c| ChildRow {
                tally: tallies.get(&c.id).copied().unwrap_or_default(),
                id: c.id,
                name: c.name,
            })
            .filter(|c| c.tally.members > 0)
            .collect()
    };
    let (behind, behind_more) = behind_list(&ledgers);
    let parent = match org.parent_id {
        Some(p) => Some(orgs::get(&state.db, p).await?),
        None => None,
    };
    let this_month = Month::of(today);
    let handup = handup.unwrap_or_else(|| HandupForm {
        first: this_month.quarter_start().code(),
        last: this_month.code(),
        handed_on: format_date(today),
        ..Default::default()
    });
    let reconcile = if org.parent_id.is_some() {
        Some(year_reconciled(state, &org, month).await?)
    } else {
        None
    };
    let settings = if org.parent_id.is_none() && actor.may_set_county_rules(&org.path) {
        Some((
            crate::store::settings::dues_remind_day(&state.db).await?,
            crate::store::settings::dues_check_month(&state.db).await?,
        ))
    } else {
        None
    };
    Ok(OrgDuesPage {
        page: ctx.page(format!("党费收缴 · {}", org.name)),
        settings,
        is_branch,
        prev: month.plus(-1).code(),
        next: (month < Month::of(today).plus(12)).then(|| month.plus(1).code()),
        month,
        total,
        sheet,
        base_visible,
        may_assess: is_branch && actor.may_assess_dues(&org.path),
        children,
        behind,
        behind_more,
        received: dues::handups(&state.db, org.id, false).await?,
        handed: dues::handups(&state.db, org.id, true).await?,
        parent_name: parent.map(|p| p.name),
        reconcile,
        errors,
        handup,
        collect_on: format_date(today),
        ways: choices(
            [PaymentWay::Cash, PaymentWay::Transfer]
                .iter()
                .map(|w| (w.code(), w.label())),
            PaymentWay::Cash.code(),
        ),
        org,
    })
}

/// The year of the month shown: what came in and what went up.
async fn year_reconciled(
    state: &AppState,
    org: &Org,
    month: Month,
) -> AppResult<(String, String, String)> {
    let (first, last) = (
        Month::new(month.year(), 1).unwrap_or(month),
        Month::new(month.year(), 12).unwrap_or(month),
    );
    let mut conn = state.db.conn().await?;
    let took = dues::collected(&mut conn, org.id, org.kind().is_branch(), first, last).await?;
    let gave = dues::handed_up(&mut conn, org.id, first, last).await?;
    Ok((
        format!("{}年", month.year()),
        format_yuan(took),
        format_yuan(gave),
    ))
}

/// The menu's 党费收缴: the page of the widest organization the administrator keeps.
pub async fn manage(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    query: Query<PeriodQuery>,
) -> AppResult<Response> {
    let org = super::orgs::widest_administered(&state, &actor).await?;
    of_org(State(state), ctx, Id(org.id), query).await
}

pub async fn of_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let month = Month::parse(&q.month);
    render(&org_page(&state, &ctx, id, month, FieldErrors::default(), None).await?)
}

/// The collection sheet's 登记: every ticked member paid the month's amount.
pub async fn collect(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(form);
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && o.kind().is_branch() && !o.is_dissolved())?;
    let month =
        Month::parse(form.get("month")).ok_or_else(|| AppError::BadRequest("请选择月份".into()))?;
    let invalid = |errors: FieldErrors| {
        let (state, ctx) = (&state, &ctx);
        async move { render_invalid(&org_page(state, ctx, id, Some(month), errors, None).await?) }
    };
    let chosen = form.ids("member");
    if chosen.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add("member", format!("请勾选已交纳{}党费的党员", month.label()));
        return invalid(errors).await;
    }
    let terms = match parse_terms(form.get("paid_on"), form.get("way"), "", "") {
        Ok(t) => t,
        Err(errors) => return invalid(errors).await,
    };
    let window = Window {
        first: month,
        last: month,
        through: last_closed_month(today()),
    };
    let ledgers = dues::ledgers(&state.db, &org.path, None, window, Some(&state.keys)).await?;
    let mut payments = Vec::new();
    for member in &chosen {
        let Some(l) = ledgers.iter().find(|l| l.person.id == *member) else {
            return Err(AppError::NotFound);
        };
        match months_to_pay(l, &[month], "member") {
            Ok(amounts) => payments.push((l, amounts)),
            Err(e) => {
                let mut errors = FieldErrors::default();
                errors.add("member", format!("{}：{}", l.person.name, e.get("member")));
                return invalid(errors).await;
            }
        }
    }
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let mut total: Fen = 0;
    for (l, amounts) in payments {
        total += amounts.iter().map(|(_, f)| f).sum::<Fen>();
        let p = NewPayment {
            member_id: l.person.id,
            branch_id: org.id,
            paid_on: terms.paid_on,
            way: terms.way,
            paid_by: String::new(),
            reference: String::new(),
            months: amounts,
            collector: actor.user_id,
        };
        if let Err(e) = dues::record_payment(tx.conn(), &p, &l.person.name, now).await {
            drop(tx);
            return match e {
                AppError::Conflict(why) => {
                    let mut errors = FieldErrors::default();
                    errors.add("member", why);
                    invalid(errors).await
                }
                e => Err(e),
            };
        }
    }
    let what = format!(
        "{}党费 {} 人，共{}元",
        month.label(),
        chosen.len(),
        format_yuan(total)
    );
    recorded(
        &state,
        &ctx,
        tx,
        ("党费登记", &what),
        &org,
        (
            format!("/orgs/{id}/dues?month={}", month.code()),
            format!("已登记{what}"),
        ),
    )
    .await
}

/// Records what was done to an organization's dues in the audit log, commits, and goes back
/// to the page `back.0` saying `back.1`.
async fn recorded(
    state: &AppState,
    ctx: &Ctx,
    mut tx: crate::store::WriteTx,
    (action, what): (&str, &str),
    org: &Org,
    back: (String, String),
) -> AppResult<Response> {
    ctx.audit(
        &mut tx,
        action,
        &format!("组织 {} {}", org.id, org.name),
        what,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(state, &back.0, &back.1))
}

/// 上缴: what the organization handed to the one above, reconciled against what it took in.
pub async fn hand_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(form): Form<HandupForm>,
) -> AppResult<Response> {
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && !o.is_dissolved())?;
    let Some(parent) = org.parent_id else {
        return Err(AppError::NotFound);
    };
    let mut errors = FieldErrors::default();
    let first = Month::parse(&form.first);
    let last = Month::parse(&form.last);
    if first.is_none() {
        errors.add("first", "请选择起始月份");
    }
    match (first, last) {
        (_, None) => errors.add("last", "请选择截止月份"),
        (Some(f), Some(l)) if l < f => errors.add("last", "截止月份不能早于起始月份"),
        (_, Some(l)) if l > Month::of(today()) => errors.add("last", "不能上缴尚未到来的月份"),
        _ => {}
    }
    let amount = match parse_yuan(&form.amount) {
        Ok(0) => {
            errors.add("amount", "请填写上缴金额");
            0
        }
        Ok(a) => a,
        Err(why) => {
            errors.add("amount", why);
            0
        }
    };
    let handed_on = match parse_date(&form.handed_on) {
        Some(d) if d <= today() => d,
        Some(_) => {
            errors.add("handed_on", "上缴日期不能晚于今天");
            today()
        }
        None => {
            errors.add("handed_on", "请填写上缴日期");
            today()
        }
    };
    let note = text::optional(&form.note, NOTE_MAX_CHARS).unwrap_or_else(|why| {
        errors.add("note", why);
        String::new()
    });
    let (Some(first), Some(last)) = (first, last) else {
        return render_invalid(
            &org_page(
                &state,
                &ctx,
                id,
                Some(last_closed_month(today())),
                errors,
                Some(form),
            )
            .await?,
        );
    };
    if !errors.is_empty() {
        return render_invalid(&org_page(&state, &ctx, id, Some(last), errors, Some(form)).await?);
    }
    let mut tx = state.db.begin().await?;
    dues::record_handup(
        tx.conn(),
        &NewHandup {
            org_id: org.id,
            to_org_id: parent,
            first,
            last,
            amount,
            handed_on,
            note: &note,
            by: actor.user_id,
        },
        now_epoch(),
    )
    .await?;
    let what = format!(
        "{}党费{}元",
        crate::domain::dues::span_label(&first.code(), &last.code()),
        format_yuan(amount)
    );
    recorded(
        &state,
        &ctx,
        tx,
        ("党费上缴", &what),
        &org,
        (
            format!("/orgs/{id}/dues#handups"),
            format!("已登记上缴{what}"),
        ),
    )
    .await
}

/// 党费收缴台账: a branch's year, one row per member and a column per month; from above, the
/// month's 交纳 per organization below, as the page shows them.
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path))?;
    let (title, rows) = if org.kind().is_branch() {
        let year = q.year_or(today().year());
        let ledgers = dues::ledgers(
            &state.db,
            &org.path,
            None,
            year_window(year),
            Some(&state.keys),
        )
        .await?;
        (
            format!("{}{year}年党费收缴台账", org.name),
            member_year_rows(&ledgers, year),
        )
    } else {
        let month = q.month_or(last_closed_month(today()));
        let window = Window {
            first: month,
            last: month,
            through: last_closed_month(today()),
        };
        let ledgers = dues::counted_ledgers(&state.db, &org.path, window).await?;
        let tallies = dues::tallies_by_org(&ledgers, month);
        let mut rows = vec![
            [
                "组织",
                "应交（人）",
                "已交（人）",
                "未交（人）",
                "交纳率",
                "实交（元）",
                "连续3个月以上未交（人）",
                "连续6个月以上未交（人）",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for c in orgs::direct_children(&state.db, org.id).await? {
            let Some(t) = tallies.get(&c.id).filter(|t| t.members > 0) else {
                continue;
            };
            rows.push(vec![
                c.name,
                t.owed.to_string(),
                t.paid.to_string(),
                t.unpaid().to_string(),
                t.rate(),
                t.paid_yuan(),
                t.behind3.to_string(),
                t.behind6.to_string(),
            ]);
        }
        (format!("{}{}党费交纳情况", org.name, month.label()), rows)
    };
    super::stored::xlsx_response("党费收缴台账", &title, &rows, &format!("{title}.xlsx"))
}

/// A branch's members over a year: a column per month, what was paid, how far behind.
fn member_year_rows(ledgers: &[Ledger], year: i32) -> Vec<Vec<String>> {
    let months: Vec<Month> = Month::year_months(year).collect();
    let mut header: Vec<String> = ["姓名", "所在党支部", "交纳类别"]
        .map(String::from)
        .to_vec();
    header.extend(months.iter().map(|m| format!("{}月", m.month())));
    header.extend(["全年已交（元）", "连续未交（月）"].map(String::from));
    let mut rows = vec![header];
    for l in ledgers {
        let mut row = vec![
            l.person.name.clone(),
            l.person.branch_name.clone(),
            l.category(months[11]).label().to_string(),
        ];
        row.extend(months.iter().map(|&m| match l.state(m) {
            MonthState::Paid => format_yuan(l.paid[&m].amount),
            MonthState::Unpaid => format!("未交 {}", yuan(l.due(m))),
            s => s.label().to_string(),
        }));
        row.push(format_yuan(l.paid.values().map(|p| p.amount).sum()));
        row.push(l.months_behind().to_string());
        rows.push(row);
    }
    rows
}

// ---------------------------------------------------------------------------------------
// The yearly base check: every member of a branch on one form, last year's values filled in.

pub struct BaseRow {
    pub id: i64,
    pub name: String,
    pub categories: Vec<Choice>,
    pub base: String,
    pub set_amount: String,
    /// Hardship members are changed on their own page (a branch meeting's decision).
    pub hardship: bool,
    pub error: String,
}

#[derive(Template)]
#[template(path = "dues_bases.html")]
struct BasesPage {
    page: Page,
    org: Org,
    from: String,
    rows: Vec<BaseRow>,
    errors: FieldErrors,
}

async fn assessable_branch(state: &AppState, actor: &Actor, id: i64) -> AppResult<Org> {
    orgs::get(&state.db, id)
        .await
        .found_if(|o| o.kind().is_branch() && !o.is_dissolved() && actor.may_assess_dues(&o.path))
}

fn base_rows(ledgers: &[Ledger], month: Month, sent: Option<&Pairs>) -> Vec<BaseRow> {
    ledgers
        .iter()
        .map(|l| {
            let a = l.assessment(month).or(l.assessments.last());
            let field = |name: &str| format!("{name}_{}", l.person.id);
            let (category, base, set_amount) = match sent {
                Some(f) => (
                    f.get(&field("category")).to_string(),
                    f.get(&field("base")).to_string(),
                    f.get(&field("set_amount")).to_string(),
                ),
                None => (
                    l.category(month).code().to_string(),
                    a.and_then(|a| a.base).map(format_yuan).unwrap_or_default(),
                    a.and_then(|a| a.set_amount)
                        .map(format_yuan)
                        .unwrap_or_default(),
                ),
            };
            BaseRow {
                id: l.person.id,
                name: l.person.name.clone(),
                hardship: a.is_some_and(|a| a.category == DuesCategory::Hardship),
                categories: choices(
                    DuesCategory::ALL
                        .iter()
                        .filter(|c| **c != DuesCategory::Hardship)
                        .map(|c| (c.code(), c.label())),
                    &category,
                ),
                base,
                set_amount,
                error: String::new(),
            }
        })
        .collect()
}

pub async fn bases_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
) -> AppResult<Response> {
    let org = assessable_branch(&state, &actor, id).await?;
    let check = crate::store::settings::dues_check_month(&state.db).await?;
    let from = crate::domain::dues::next_check(Month::of(today()), check as u8);
    let window = Window {
        first: from,
        last: from,
        through: last_closed_month(today()),
    };
    let ledgers = dues::ledgers(&state.db, &org.path, None, window, Some(&state.keys)).await?;
    render(&BasesPage {
        page: ctx.page(format!("年度基数核定 · {}", org.name)),
        rows: base_rows(&ledgers, from, None),
        from: from.code(),
        errors: FieldErrors::default(),
        org,
    })
}

pub async fn save_bases(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(actor): Admin,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Pairs(fields);
    let org = assessable_branch(&state, &actor, id).await?;
    let mut errors = FieldErrors::default();
    let from = Month::parse(form.get("from"));
    if from.is_none() {
        errors.add("from", "请选择从哪个月起执行");
    }
    let month = from.unwrap_or(Month::of(today()));
    let window = Window {
        first: month,
        last: month,
        through: last_closed_month(today()),
    };
    let ledgers = dues::ledgers(&state.db, &org.path, None, window, Some(&state.keys)).await?;
    let mut rows = base_rows(&ledgers, month, Some(&form));
    let mut changes = Vec::new();
    for (row, l) in rows.iter_mut().zip(&ledgers) {
        // Not on the form (added since it was opened), a hardship decision, or not yet
        // assessed and left empty: left as it is.
        let sent = form
            .0
            .iter()
            .any(|(k, _)| *k == format!("category_{}", row.id));
        let left_empty =
            !l.assessed() && row.base.trim().is_empty() && row.set_amount.trim().is_empty();
        if !sent || row.hardship || left_empty {
            continue;
        }
        let category = row
            .categories
            .iter()
            .find(|c| c.selected)
            .map(|c| c.value.clone())
            .unwrap_or_default();
        let entry = AssessmentEntry {
            from: form.get("from"),
            category: &category,
            base: &row.base,
            set_amount: &row.set_amount,
            decided_on: "",
        };
        match parse_assessment(&entry, today()) {
            Ok(a) => {
                let current = l.assessment(month);
                let same = current.is_some_and(|c| {
                    c.category == a.category && c.base == a.base && c.set_amount == a.set_amount
                });
                if !same {
                    changes.push((l.person.id, l.person.name.clone(), a));
                }
            }
            Err(e) => {
                row.error = e
                    .iter()
                    .filter(|(f, _)| *f != "from")
                    .map(|(_, m)| m.to_string())
                    .collect::<Vec<_>>()
                    .join("；");
            }
        }
    }
    if !errors.is_empty() || rows.iter().any(|r| !r.error.is_empty()) {
        if errors.is_empty() {
            errors.add("rows", "有党员的核定信息需要修改，见标红的行");
        }
        return render_invalid(&BasesPage {
            page: ctx.page(format!("年度基数核定 · {}", org.name)),
            rows,
            from: form.get("from").to_string(),
            errors,
            org,
        });
    }
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    for (member, _, a) in &changes {
        dues::assess(tx.conn(), &state.keys, *member, a, actor.user_id, now).await?;
    }
    let what = format!("自{}起核定 {} 人", month.label(), changes.len());
    recorded(
        &state,
        &ctx,
        tx,
        ("党费核定", &what),
        &org,
        (
            format!("/orgs/{id}/dues"),
            format!("已保存：{what}，其余党员不变"),
        ),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    remind_day: String,
    check_month: String,
}

/// The county's day from which members who have not paid the month are reminded.
pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    super::points::county_admin(&state, &ctx).await?;
    let root = orgs::root(&state.db).await?.ok_or(AppError::NotFound)?;
    let number = |text: &str, range: std::ops::RangeInclusive<i64>| {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
    };
    let mut errors = FieldErrors::default();
    let range = crate::store::settings::DUES_REMIND_DAY_RANGE;
    let day = number(&form.remind_day, range.clone()).unwrap_or_else(|| {
        errors.add(
            "remind_day",
            format!("提醒日应为每月{}日至{}日之间", range.start(), range.end()),
        );
        0
    });
    let check = number(&form.check_month, 1..=12).unwrap_or_else(|| {
        errors.add("check_month", "核定月份应为1至12月");
        0
    });
    if !errors.is_empty() {
        return render_invalid(&org_page(&state, &ctx, root.id, None, errors, None).await?);
    }
    let mut tx = state.db.begin().await?;
    crate::store::settings::save(
        tx.conn(),
        crate::store::settings::DUES_REMIND_DAY_KEY,
        &day.to_string(),
    )
    .await?;
    crate::store::settings::save(
        tx.conn(),
        crate::store::settings::DUES_CHECK_MONTH_KEY,
        &check.to_string(),
    )
    .await?;
    let what = format!("每月{day}日起提醒尚未交纳当月党费的党员，每年{check}月核定交纳基数");
    ctx.audit(&mut tx, "修改党费设置", "党费收缴", &what)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/orgs/{}/dues#settings", root.id),
        &what,
    ))
}
