//! 积分: the member's points, rank and history; the rules, for county administrators.
use super::access::{Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{FieldErrors, Id, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_minute, now_epoch};
use crate::domain::paging::Paging;
use crate::domain::points::{Correction, PointRule, RuleSetting};
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::points::{self, HistoryRow, Totals};
use crate::store::{members, notifications, orgs, settings, users};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

const PAGE_SIZE: i64 = 30;

#[derive(Template)]
#[template(path = "points.html")]
struct PointsPage {
    page: Page,
    /// Whose points: the member's own page, or an administrator's view of a member.
    member_id: i64,
    own: bool,
    totals: Totals,
    county_rank: i64,
    badges: usize,
    rows: Vec<HistoryRow>,
    page_no: i64,
    pages: i64,
    /// 积分更正, for an organization administrator over the member's branch.
    may_correct: bool,
    amount: String,
    reason: String,
    errors: FieldErrors,
}

impl PointsPage {
    fn time(&self, t: &i64) -> String {
        format_minute(*t)
    }

    fn link(&self, page: i64) -> String {
        let base = if self.own {
            "/points".to_string()
        } else {
            format!("/members/{}/points", self.member_id)
        };
        format!("{base}?page={page}")
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: String,
}

async fn points_page(
    state: &AppState,
    ctx: &Ctx,
    member: i64,
    title: String,
    paging: Paging,
) -> AppResult<PointsPage> {
    let totals = points::totals(&state.db, member).await?;
    let (_, _, county) = state.rankings.scopes(&state.db, member).await?;
    let today = crate::domain::clock::local_date(now_epoch());
    let standing = state
        .rankings
        .standing(
            &state.db,
            std::time::Instant::now(),
            (
                crate::domain::ranking::Tally::Points,
                county,
                crate::rankings::Period::All,
            ),
            today,
            member,
            0,
        )
        .await?;
    let (rows, total) = points::history(&state.db, member, paging).await?;
    Ok(PointsPage {
        page: ctx.page(title),
        member_id: member,
        own: ctx.actor()?.is_member(member),
        totals,
        county_rank: standing.my_rank,
        badges: crate::store::badges::of(&state.db, "member", member)
            .await?
            .len(),
        rows,
        page_no: paging.page,
        pages: paging.pages(total),
        may_correct: false,
        amount: String::new(),
        reason: String::new(),
        errors: FieldErrors::default(),
    })
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let paging = Paging::parse(&q.page, PAGE_SIZE);
    render(&points_page(&state, &ctx, member, "我的积分".into(), paging).await?)
}

/// A member's points as an administrator over them sees them, with 积分更正 for those who
/// may correct them.
async fn member_points(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    paging: Paging,
) -> AppResult<(PointsPage, crate::store::members::Member)> {
    let actor = ctx.actor()?;
    let m = members::get(&state.db, id)
        .await
        .found_if(|m| actor.may_view_member(m.id, &m.branch_path))?;
    let mut page = points_page(state, ctx, id, format!("{}的积分", m.name), paging).await?;
    page.may_correct = actor.may_correct_points(&m.branch_path);
    Ok((page, m))
}

pub async fn of_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let paging = Paging::parse(&q.page, PAGE_SIZE);
    render(&member_points(&state, &ctx, id, paging).await?.0)
}

#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// 积分更正: a new ledger entry with its reason, audited, and the member told.
pub async fn correct(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<CorrectionForm>,
) -> AppResult<Response> {
    let (mut page, m) = member_points(&state, &ctx, id, Paging::parse("", PAGE_SIZE)).await?;
    if !page.may_correct {
        return Err(AppError::NotFound);
    }
    let refuse = |mut page: PointsPage, errors: FieldErrors| {
        page.amount = form.amount.clone();
        page.reason = form.reason.clone();
        page.errors = errors;
        render_invalid(&page)
    };
    let c = match Correction::parse(&form.amount, &form.reason) {
        Ok(c) => c,
        Err(errors) => return refuse(page, errors),
    };
    let now = now_epoch();
    let actor = ctx.actor()?;
    let account = users::account_of_member(&state.db, id).await?;
    let mut tx = state.db.begin().await?;
    if !points::correct(tx.conn(), id, c.amount, &c.reason, actor.user_id, now).await? {
        drop(tx);
        let mut errors = FieldErrors::default();
        errors.add(
            "amount",
            format!("扣减后可用积分将小于0（现有{}分）", page.totals.balance),
        );
        page.page = ctx.page(format!("{}的积分", m.name));
        return refuse(page, errors);
    }
    let change = format!("{:+}分：{}", c.amount, c.reason);
    ctx.audit(
        &mut tx,
        "积分更正",
        &format!("党员 {id} {}", m.name),
        &change,
    )
    .await?;
    if let Some(user) = account {
        notifications::notify(
            tx.conn(),
            user,
            &format!("correction:{id}:{now}"),
            &format!("您的积分已更正：{change}"),
            "/points",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        &format!("/members/{id}/points"),
        &format!("已更正{}的积分：{change}", m.name),
    ))
}

pub struct RuleRow {
    pub rule: PointRule,
    pub setting: RuleSetting,
}

impl RuleRow {
    pub fn cap_text(&self) -> String {
        self.setting
            .daily_cap
            .map(|c| c.to_string())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "point_rules.html")]
struct RulesPage {
    page: Page,
    rules: Vec<RuleRow>,
    error: String,
    read_seconds: i64,
}

/// Only the county's organization administrators set the rules.
pub(super) async fn county_admin(state: &AppState, ctx: &Ctx) -> AppResult<()> {
    let actor = ctx.actor()?;
    orgs::root(&state.db)
        .await?
        .ok_or(AppError::NotFound)
        .found_if(|root| actor.may_set_county_rules(&root.path))?;
    Ok(())
}

async fn rules_page(state: &AppState, ctx: &Ctx, error: String) -> AppResult<RulesPage> {
    let read_seconds = settings::min_read_seconds(&state.db).await?;
    let mut conn = state.db.conn().await?;
    let mut rules = Vec::new();
    for rule in PointRule::ALL.iter().copied().filter(|r| r.is_earned()) {
        rules.push(RuleRow {
            rule,
            setting: points::setting(&mut conn, rule).await?,
        });
    }
    Ok(RulesPage {
        page: ctx.page("积分规则"),
        rules,
        error,
        read_seconds,
    })
}

pub async fn rules(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    render(&rules_page(&state, &ctx, String::new()).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    rule: String,
    amount: String,
    daily_cap: String,
    enabled: String,
}

pub async fn save_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<RuleForm>,
) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    let rule = PointRule::from_code(&form.rule).filter(|r| r.is_earned());
    let amount = form
        .amount
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|a| (0..=100).contains(a));
    let cap = match form.daily_cap.trim() {
        "" => Some(None),
        c => c
            .parse::<i64>()
            .ok()
            .filter(|c| (1..=1000).contains(c))
            .map(Some),
    };
    let error = match (rule, amount, cap) {
        (None, ..) => "请选择积分规则",
        (_, None, _) => "分值应为0到100之间的整数",
        (_, _, None) => "每日上限应为1到1000之间的整数，不限则留空",
        _ => "",
    };
    if !error.is_empty() {
        return render_invalid(&rules_page(&state, &ctx, error.into()).await?);
    }
    let (rule, amount, daily_cap) = (
        rule.expect("checked"),
        amount.expect("checked"),
        cap.expect("checked"),
    );
    let setting = RuleSetting {
        amount,
        daily_cap,
        enabled: !form.enabled.is_empty(),
    };
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    points::save_setting(tx.conn(), rule, setting, ctx.actor()?.user_id, now).await?;
    let detail = format!(
        "{}分，每日上限{}，{}",
        amount,
        daily_cap
            .map(|c| c.to_string())
            .unwrap_or_else(|| "不限".into()),
        if setting.enabled { "启用" } else { "停用" }
    );
    ctx.audit(&mut tx, "修改积分规则", rule.label(), &detail)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/points/rules",
        &format!("已保存“{}”", rule.label()),
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReadTimeForm {
    seconds: String,
}

/// The minimum time on an article page before its reading earns points, county-wide.
pub async fn save_read_time(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<ReadTimeForm>,
) -> AppResult<Response> {
    county_admin(&state, &ctx).await?;
    let range = settings::READ_SECONDS_RANGE;
    let Some(seconds) = form
        .seconds
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| range.contains(s))
    else {
        let msg = format!(
            "最少阅读时间应为{}到{}之间的整数（秒）",
            range.start(),
            range.end()
        );
        return render_invalid(&rules_page(&state, &ctx, msg).await?);
    };
    let mut tx = state.db.begin().await?;
    settings::save(tx.conn(), settings::READ_SECONDS_KEY, &seconds.to_string()).await?;
    ctx.audit(
        &mut tx,
        "修改最少阅读时间",
        "理论自习室",
        &format!("{seconds}秒"),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/points/rules",
        &format!("文章须阅读满{seconds}秒才计积分"),
    ))
}
